#include "logz/data/alignment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "logz/data/alignment_rows.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace alignment_detail {

std::pair<std::size_t, std::size_t> SourceText::line_and_column(std::size_t offset) const {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column =
      line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return {line, column};
}

void SourceText::fail(std::string_view message) const {
  throw FileError(path, message);
}

void SourceText::fail_at_line(std::size_t line, std::string_view message) const {
  throw FileError(path, fmt::format("line {}: {}", line, message));
}

bool LineReader::next(Line& line) {
  if (position_ >= text_.size()) return false;
  std::size_t end = text_.find('\n', position_);
  if (end == std::string_view::npos) end = text_.size();
  line.content = text_.substr(position_, end - position_);
  if (!line.content.empty() && line.content.back() == '\r') line.content.remove_suffix(1);
  line.offset = position_;
  line.number = ++number_;
  position_ = end + 1;
  return true;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

void RawSequence::append(char c, std::size_t offset) {
  if (runs.empty() || runs.back().offset + (residues.size() - runs.back().first_column) != offset) {
    runs.push_back({residues.size(), offset});
  }
  residues.push_back(c);
}

void RawSequence::append(std::string_view characters, std::size_t offset) {
  if (characters.empty()) return;
  runs.push_back({residues.size(), offset});
  residues.append(characters);
}

std::size_t RawSequence::offset_of(std::size_t column) const {
  const auto after =
      std::upper_bound(runs.begin(), runs.end(), column,
                       [](std::size_t c, const Run& run) { return c < run.first_column; });
  const Run& run = *(after - 1);  // runs start at column 0, so `after` is past the first
  return run.offset + (column - run.first_column);
}

namespace {

[[noreturn]] void fail_unknown_letter(const SourceText& source, const RawSequence& row,
                                      std::size_t column, const Alphabet& alphabet) {
  const auto [line, file_column] = source.line_and_column(row.offset_of(column));
  const char c = row.residues[column];
  throw FileError(
      source.path,
      fmt::format("line {}, column {}: '{}' (sequence {}) is not a letter of the {} "
                  "alphabet {}; choose the alphabet with --alphabet (protein, dna, rna "
                  "or the letters), or read unknown letters as gaps with "
                  "--unknown-as-gap",
                  line, file_column, printable(std::string_view(&c, 1)), printable(row.name),
                  alphabet.name.empty() ? "given" : alphabet.name, alphabet.letters));
}

}  // namespace

Alignment encode_rows(const std::vector<RawSequence>& rows, const std::vector<bool>& keep,
                      const SourceText& source, const Alphabet& alphabet,
                      const AlignmentOptions& options, std::string format,
                      std::string_view columns_word) {
  if (rows.empty()) source.fail("holds no sequences (an empty family?)");
  const RawSequence& first = rows.front();
  for (const RawSequence& row : rows) {
    if (row.residues.empty()) {
      source.fail_at_line(row.line, fmt::format("sequence {} has no residues in {}",
                                                printable(row.name), columns_word));
    }
    if (row.residues.size() != first.residues.size()) {
      source.fail_at_line(
          row.line,
          fmt::format("sequence {} has {} {}, but the first sequence {} (line {}) has {}: "
                      "an alignment's rows have equal lengths (is the file aligned?)",
                      printable(row.name), row.residues.size(), columns_word, printable(first.name),
                      first.line, first.residues.size()));
    }
  }
  std::vector<std::size_t> kept;
  for (std::size_t c = 0; c < first.residues.size(); ++c) {
    if (keep.empty() || keep[c]) kept.push_back(c);
  }
  if (kept.empty()) {
    source.fail("has no match columns: every column's #=GC RF character marks an insert");
  }
  const int gap = alphabet.gap_code();
  if (options.unknown_as_gap && gap < 0) {
    throw SettingError("--unknown-as-gap", fmt::format("the alphabet {} has no gap '-' to read "
                                                       "unknown letters as",
                                                       alphabet.letters));
  }
  Alignment alignment;
  alignment.alphabet = alphabet;
  alignment.format = std::move(format);
  alignment.codes.resize(static_cast<Index>(rows.size()), static_cast<Index>(kept.size()));
  alignment.names.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const RawSequence& row = rows[r];
    float* out = alignment.codes.row(static_cast<Index>(r)).data();
    for (std::size_t k = 0; k < kept.size(); ++k) {
      int code = alphabet.code_of(row.residues[kept[k]]);
      if (code < 0) {
        if (!options.unknown_as_gap) fail_unknown_letter(source, row, kept[k], alphabet);
        code = gap;
      }
      out[k] = static_cast<float>(code);
    }
    alignment.names.push_back(row.name);
  }
  return alignment;
}

}  // namespace alignment_detail

namespace {

using alignment_detail::Line;
using alignment_detail::LineReader;
using alignment_detail::RawSequence;
using alignment_detail::SourceText;

// Control bytes other than tab, line feed and carriage return mean a binary
// file; bytes from 0x80 (UTF-8 in names) are let through.
void check_text(const SourceText& source) {
  for (std::size_t i = 0; i < source.text.size(); ++i) {
    const auto c = static_cast<unsigned char>(source.text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      const auto [line, column] = source.line_and_column(i);
      throw FileError(source.path, fmt::format("line {}, column {}: byte 0x{:02x} is not text; an "
                                               "alignment is a FASTA, A2M or Stockholm text file",
                                               line, column, c));
    }
  }
}

std::string_view first_word(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  text.remove_prefix(start);
  return text.substr(0, text.find_first_of(" \t"));
}

Alignment parse_fasta(const SourceText& source, LineReader& lines, const Line& header,
                      const Alphabet& alphabet, const AlignmentOptions& options) {
  std::vector<RawSequence> rows;
  Line line = header;
  do {
    const std::string_view content = line.content;
    if (!content.empty() && content.front() == '>') {
      RawSequence& row = rows.emplace_back();
      row.name = std::string(first_word(content.substr(1)));
      row.line = line.number;
      continue;
    }
    if (alignment_detail::is_blank(content)) continue;
    RawSequence& row = rows.back();  // `header` opened the first sequence
    for (std::size_t i = 0; i < content.size(); ++i) {
      const char c = content[i];
      if (c == ' ' || c == '\t') continue;
      // A2M: lowercase letters and '.' are insert states, not columns.
      if (options.a2m && (c == '.' || std::islower(static_cast<unsigned char>(c)))) continue;
      row.append(c, line.offset + i);
    }
  } while (lines.next(line));
  return encode_rows(rows, {}, source, alphabet, options, options.a2m ? "a2m" : "fasta",
                     options.a2m ? "match columns" : "columns");
}

bool ends_with_lowercase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[text.size() - suffix.size() + i]);
    if (std::tolower(c) != suffix[i]) return false;
  }
  return true;
}

// The path without a final ".gz".
std::string_view without_gz(std::string_view path) {
  if (ends_with_lowercase(path, ".gz")) path.remove_suffix(3);
  return path;
}

std::string_view skip_byte_order_mark(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

}  // namespace

Alignment parse_alignment(const std::vector<std::uint8_t>& bytes, const std::string& path,
                          const Alphabet& alphabet, const AlignmentOptions& options) {
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const SourceText source{all, path};
  check_text(source);
  // A byte-order mark is skipped as if it were blank, keeping offsets into `all`.
  const std::size_t skipped = all.size() - skip_byte_order_mark(all).size();
  LineReader lines(all);
  Line line;
  while (lines.next(line)) {
    if (line.number == 1 && skipped > 0) {
      line.content.remove_prefix(skipped);
      line.offset += skipped;
    }
    if (alignment_detail::is_blank(line.content)) continue;
    if (line.content.front() == '>') return parse_fasta(source, lines, line, alphabet, options);
    if (line.content.starts_with("# STOCKHOLM")) {
      return alignment_detail::parse_stockholm(source, lines, line, alphabet, options);
    }
    if (line.content.starts_with("CLUSTAL")) {
      source.fail_at_line(line.number,
                          "a Clustal alignment, which logz does not read: convert it "
                          "to aligned FASTA or Stockholm");
    }
    source.fail_at_line(line.number, fmt::format("\"{}\" starts neither a FASTA alignment ('>') "
                                                 "nor a Stockholm one ('# STOCKHOLM 1.0')",
                                                 printable(line.content)));
  }
  source.fail("is empty: it holds no sequences");
}

Alignment read_alignment(const std::string& path, const Alphabet& alphabet,
                         const AlignmentOptions& options) {
  AlignmentOptions how = options;
  how.a2m = how.a2m || ends_with_lowercase(without_gz(path), ".a2m");
  return parse_alignment(read_file_bytes(path), path, alphabet, how);
}

bool has_alignment_extension(const std::string& path) {
  const std::string_view stem = without_gz(path);
  for (const std::string_view extension :
       {".sto", ".stk", ".stockholm", ".a2m", ".fa", ".fasta", ".afa", ".aln"}) {
    if (ends_with_lowercase(stem, extension)) return true;
  }
  return false;
}

bool looks_like_alignment(const std::vector<std::uint8_t>& bytes) {
  std::string_view text = skip_byte_order_mark(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  text.remove_prefix(start);
  return text.front() == '>' || text.starts_with("# STOCKHOLM");
}

std::string to_fasta(const std::vector<std::string>& names, ConstMatrixRef codes,
                     const Alphabet& alphabet) {
  constexpr Index kWidth = 60;
  if (!names.empty() && static_cast<Index>(names.size()) != codes.rows()) {
    throw Error(fmt::format("to_fasta: {} names for {} sequences", names.size(), codes.rows()));
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(codes.size() + codes.size() / kWidth + 32 * codes.rows()));
  for (Index i = 0; i < codes.rows(); ++i) {
    const std::string name =
        names.empty() ? fmt::format("sequence_{}", i + 1) : names[static_cast<std::size_t>(i)];
    if (name.find_first_of("\r\n") != std::string::npos) {
      throw Error(fmt::format("to_fasta: the name of sequence {} holds a line break", i + 1));
    }
    text += '>';
    text += name;
    text += '\n';
    for (Index j = 0; j < codes.cols(); ++j) {
      const float value = codes(i, j);
      if (!(value >= 0.0f && value < static_cast<float>(alphabet.size())) ||
          value != std::floor(value)) {
        throw Error(
            fmt::format("to_fasta: value {} at row {}, column {} is not a code of the "
                        "alphabet {} (0..{})",
                        value, i + 1, j + 1, alphabet.letters, alphabet.size() - 1));
      }
      text += alphabet.letter_of(static_cast<int>(value));
      if ((j + 1) % kWidth == 0 || j + 1 == codes.cols()) text += '\n';
    }
  }
  return text;
}

void write_fasta(const std::string& path, const std::vector<std::string>& names,
                 ConstMatrixRef codes, const Alphabet& alphabet) {
  const std::string text = to_fasta(names, codes, alphabet);
  if (ends_with_lowercase(path, ".gz")) {
    write_file_atomic(path, gzip_bytes(std::span<const std::uint8_t>(
                                reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  } else {
    write_file_atomic(path, text);
  }
}

}  // namespace logz
