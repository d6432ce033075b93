// What the alignment parsers share (internal to alignment.cpp and
// stockholm.cpp): sequences as read, before the alphabet, and their encoding
// into codes with errors that point back into the text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "logz/data/alignment.hpp"

namespace logz::alignment_detail {

// The text of a file, with its path for errors.
struct SourceText {
  std::string_view text;
  const std::string& path;

  // 1-based line and column (in bytes) of a byte offset; computed only for
  // an error, by counting line breaks before it.
  std::pair<std::size_t, std::size_t> line_and_column(std::size_t offset) const;
  [[noreturn]] void fail(std::string_view message) const;
  [[noreturn]] void fail_at_line(std::size_t line, std::string_view message) const;
};

// One line of the text: its content without the line break (and without a
// carriage return before it), its 1-based number and its byte offset.
struct Line {
  std::string_view content;
  std::size_t number = 0;
  std::size_t offset = 0;
};

// Walks the lines of a text in order.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(Line& line);

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t number_ = 0;
};

bool is_blank(std::string_view line);

// A sequence as read: one raw character per alignment column, and where each
// run of consecutive characters lies in the text (so that an unknown letter
// can be located without keeping an offset per character).
struct RawSequence {
  struct Run {
    std::size_t first_column;
    std::size_t offset;
  };
  std::string name;
  std::size_t line = 0;  // its header (FASTA) or first line (Stockholm)
  std::string residues;
  std::vector<Run> runs;

  void append(char c, std::size_t offset);
  void append(std::string_view characters, std::size_t offset);
  std::size_t offset_of(std::size_t column) const;
};

// Checks the rows (no sequence, empty or ragged rows) and encodes the columns
// with keep[column] (all of them when `keep` is empty) in the alphabet.
// `columns_word` names the columns in messages ("columns", "match columns").
Alignment encode_rows(const std::vector<RawSequence>& rows, const std::vector<bool>& keep,
                      const SourceText& source, const Alphabet& alphabet,
                      const AlignmentOptions& options, std::string format,
                      std::string_view columns_word);

Alignment parse_stockholm(const SourceText& source, LineReader& lines, const Line& header,
                          const Alphabet& alphabet, const AlignmentOptions& options);

}  // namespace logz::alignment_detail
