// Checks the error contract of error.hpp on bad input: a FileError naming
// the path, its message one printable line (no line feed, carriage return,
// tab or other control character copied from the file).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "logz/error.hpp"

namespace logz::testing {

template <typename Read>
void expect_one_line_file_error(Read&& read, const std::string& path, std::string_view fragment) {
  try {
    read();
    ADD_FAILURE() << "expected a FileError containing " << fragment;
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.path(), path);
    EXPECT_TRUE(message.starts_with(path + ": ")) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    for (const char c : message) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          << "control character " << int(c) << " in: " << message;
    }
  }
}

}  // namespace logz::testing
