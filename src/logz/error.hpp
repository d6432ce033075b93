// Errors that logz reports to its user.
//
// Bad user input (a file, a flag, a data set that does not fit the model) is
// reported by throwing one of these at the boundary where it is detected; the
// message is one line that names the file (with offset, row or column) or the
// setting. The command line prints it and exits non-zero. Broken internal
// invariants are assertions, not errors: the library never aborts on input.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace logz {

// Text copied from a user's file into a message (a dtype, a field, a tensor
// name), kept to one printable line: control characters (line feeds,
// carriage returns, terminal escapes) become \xNN, and text longer than
// `max_chars` is cut short with "...".
inline std::string printable_excerpt(std::string_view text, std::size_t max_chars = 64) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max_chars) return out + "...";
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file that cannot be read, parsed or written. The message starts with the path.
class FileError : public Error {
 public:
  FileError(std::string_view path, std::string_view what)
      : Error(std::string(path) + ": " + std::string(what)), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A setting (command-line flag or options field) outside its allowed range.
// `setting` is spelled as the user wrote it, e.g. "--hidden".
class SettingError : public Error {
 public:
  SettingError(std::string_view setting, std::string_view what)
      : Error(std::string(setting) + ": " + std::string(what)), setting_(setting) {}
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

// Training that produced non-finite numbers.
class DivergenceError : public Error {
 public:
  using Error::Error;
};

}  // namespace logz
