// logz's C++ errors as Python exceptions, with the same messages:
//
//   logz.Error(Exception)                    every error logz raises
//   logz.SettingError(Error, ValueError)     a setting out of range (C++ SettingError)
//   logz.DataError(Error, ValueError)        data or other input that does not fit (C++ Error)
//   logz.FileError(Error, OSError)           a file that cannot be read or written (C++
//                                            FileError); its path in `.path`
//   logz.DivergenceError(Error, ArithmeticError)   training went non-finite
//
// A SettingError names the setting as the caller spells it: the command
// line's flag ("--lr") becomes the Python argument ("learning_rate"); the rest
// of the message is the C++ one.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace logz::python {

namespace py = pybind11;

// Creates the exception types in module `m` and registers the translator.
void register_errors(py::module_& m);

// The Python argument for a command-line flag ("--lr" -> "learning_rate").
std::string python_setting_name(const std::string& flag);

// Raised inside C++ (with the GIL released) when a Python error is already
// set in this thread: a callback raised, or Ctrl-C arrived. Translated back to
// that error once the GIL is held again.
struct PythonErrorPending {};

}  // namespace logz::python
