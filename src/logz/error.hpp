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

// `text` (a cell, a name, a field read from a file) as it may stand inside a
// one-line message: control and non-ASCII bytes escaped (\n, \x93), and cut
// to `max_chars` characters with "..." after, so that no file can break the
// message over lines or bury it in megabytes.
std::string printable(std::string_view text, std::size_t max_chars = 40);

}  // namespace logz
