// What every fuzz target checks, around one parser run on the fuzzer's bytes.
//
// Bad input is a normal outcome when it is reported the way logz promises
// (error.hpp): a FileError whose message is one line starting with the path.
// Anything else is a bug that stops the run: a crash, a sanitizer report, an
// allocation beyond libFuzzer's -malloc_limit_mb (a size taken from a header
// before checking it against the bytes present), another exception type
// (escapes and terminates), an error message that is not one printable line,
// or a result whose values do not match its declared shape.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "logz/error.hpp"

namespace logz::fuzz {

inline constexpr std::string_view kPath = "fuzz-input";

[[noreturn]] inline void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz check failed: %.*s: %.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void check_message(const FileError& error) {
  const std::string_view message = error.what();
  if (!message.starts_with(std::string(kPath) + ": "))
    fail("message does not start with the path", message);
  for (const char c : message) {
    // A line feed, carriage return or other control character from the
    // input would break the one-line report (or rewrite the terminal).
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      fail("message holds a control character", message);
  }
}

// Runs parse(bytes, path) and checks the result with check(result).
template <typename Parse, typename Check>
int run_parser(const std::uint8_t* data, std::size_t size, Parse&& parse, Check&& check) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  try {
    check(parse(bytes, std::string(kPath)));
  } catch (const FileError& error) {
    check_message(error);
  }
  return 0;
}

}  // namespace logz::fuzz
