// Stockholm 1.0, as alignment.hpp describes it: sequence lines in blocks,
// annotation ignored except "#=GC RF", "//" at the end.
#include <fmt/format.h>

#include <unordered_map>

#include "logz/data/alignment_rows.hpp"
#include "logz/error.hpp"

namespace logz::alignment_detail {
namespace {

constexpr std::string_view kSpace = " \t";

// Splits "WORD rest" at the first run of spaces or tabs.
std::pair<std::string_view, std::string_view> split_word(std::string_view text) {
  const std::size_t end = std::min(text.find_first_of(kSpace), text.size());
  std::string_view rest = text.substr(end);
  const std::size_t start = rest.find_first_not_of(kSpace);
  rest.remove_prefix(start == std::string_view::npos ? rest.size() : start);
  return {text.substr(0, end), rest};
}

std::string_view trim(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(" \t\r") + 1 - start);
}

// An RF character that marks an insert column: a gap or missing data.
bool is_insert_mark(char c) {
  return c == '.' || c == '-' || c == '_' || c == '~';
}

class StockholmReader {
 public:
  explicit StockholmReader(const SourceText& source) : source_(source) {}

  void sequence_line(const Line& line, std::string_view name, std::string_view residues);
  void rf_line(const Line& line, std::string_view value);
  void end_block();
  std::vector<RawSequence>& rows() { return rows_; }
  const std::string& rf() const { return rf_; }
  std::size_t rf_line_number() const { return rf_line_; }

 private:
  const SourceText& source_;
  std::vector<RawSequence> rows_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::size_t> last_block_;  // per row: the block that last named it
  std::size_t block_ = 0;                // 1-based number of the current block
  bool in_block_ = false;
  std::size_t block_line_ = 0;  // where the current block starts
  // The width of the current block, and the line that set it.
  std::size_t block_width_ = 0, width_line_ = 0;
  std::string rf_;
  std::size_t rf_line_ = 0;
};

void StockholmReader::sequence_line(const Line& line, std::string_view name,
                                    std::string_view residues) {
  if (residues.empty()) {
    source_.fail_at_line(line.number,
                         fmt::format("sequence {} has no residues on its line", printable(name)));
  }
  if (residues.find_first_of(kSpace) != std::string_view::npos) {
    source_.fail_at_line(line.number, fmt::format("sequence {} has spaces inside its residues "
                                                  "(Stockholm allows one name and one word of "
                                                  "residues per line)",
                                                  printable(name)));
  }
  if (!in_block_) {
    in_block_ = true;
    ++block_;
    block_line_ = line.number;
    width_line_ = 0;
  }
  const std::string key(name);
  auto found = index_.find(key);
  if (found == index_.end()) {
    if (block_ > 1) {
      source_.fail_at_line(line.number, fmt::format("sequence {} is not in the first block "
                                                    "(every block names the same sequences)",
                                                    printable(name)));
    }
    found = index_.emplace(key, rows_.size()).first;
    RawSequence& row = rows_.emplace_back();
    row.name = key;
    row.line = line.number;
    last_block_.push_back(0);
  }
  const std::size_t r = found->second;
  if (last_block_[r] == block_) {
    source_.fail_at_line(line.number, fmt::format("sequence {} appears twice in the block that "
                                                  "starts at line {}; blocks are separated by "
                                                  "blank lines and name each sequence once",
                                                  printable(name), block_line_));
  }
  last_block_[r] = block_;
  if (width_line_ == 0) {
    block_width_ = residues.size();
    width_line_ = line.number;
  } else if (residues.size() != block_width_) {
    source_.fail_at_line(line.number,
                         fmt::format("sequence {} has {} columns, but line {} of the "
                                     "same block has {}",
                                     printable(name), residues.size(), width_line_, block_width_));
  }
  rows_[r].append(residues,
                  line.offset + static_cast<std::size_t>(residues.data() - line.content.data()));
}

void StockholmReader::rf_line(const Line& line, std::string_view value) {
  if (rf_line_ == 0) rf_line_ = line.number;
  rf_.append(value);
}

void StockholmReader::end_block() {
  if (!in_block_) return;
  in_block_ = false;
  if (block_ == 1) return;
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    if (last_block_[r] != block_) {
      source_.fail_at_line(block_line_, fmt::format("the block that starts here lacks sequence {} "
                                                    "(line {}); every block names every sequence",
                                                    printable(rows_[r].name), rows_[r].line));
    }
  }
}

}  // namespace

Alignment parse_stockholm(const SourceText& source, LineReader& lines, const Line& header,
                          const Alphabet& alphabet, const AlignmentOptions& options) {
  StockholmReader reader(source);
  Line line;
  std::size_t end_line = 0;
  while (lines.next(line)) {
    const std::string_view content = trim(line.content);
    if (content.empty()) {
      reader.end_block();
      continue;
    }
    if (content == "//") {
      reader.end_block();
      end_line = line.number;
      break;
    }
    if (content.front() == '#') {
      const auto [tag, rest] = split_word(content);
      if (tag == "#=GC") {
        const auto [feature, value] = split_word(rest);
        if (feature == "RF") reader.rf_line(line, value);
      }
      continue;  // #=GF, #=GS, #=GR, other #=GC and comments
    }
    const auto [name, residues] = split_word(content);
    reader.sequence_line(line, name, residues);
  }
  if (end_line == 0) {
    source.fail(
        fmt::format("the Stockholm alignment that starts at line {} has no closing line "
                    "\"//\" (a truncated file?)",
                    header.number));
  }
  while (lines.next(line)) {
    if (!is_blank(line.content)) {
      source.fail_at_line(line.number, fmt::format("text after the end of the alignment (\"//\" on "
                                                   "line {}); logz reads one alignment per file: "
                                                   "split multi-alignment files such as "
                                                   "Pfam-A.seed first",
                                                   end_line));
    }
  }
  std::vector<RawSequence>& rows = reader.rows();
  std::vector<bool> keep;
  if (!reader.rf().empty() && !rows.empty()) {
    const std::size_t columns = rows.front().residues.size();
    if (reader.rf().size() != columns) {
      source.fail_at_line(reader.rf_line_number(),
                          fmt::format("the #=GC RF annotation has {} columns, the sequences {}",
                                      reader.rf().size(), columns));
    }
    keep.resize(columns);
    for (std::size_t c = 0; c < columns; ++c) {
      keep[c] = !is_insert_mark(reader.rf()[c]);
    }
  }
  return encode_rows(rows, keep, source, alphabet, options, "stockholm", "columns");
}

}  // namespace logz::alignment_detail
