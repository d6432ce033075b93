#include "errors.hpp"

#include <map>

#include "logz/error.hpp"

namespace logz::python {
namespace {

// Exception types live as long as the interpreter; pybind11's own
// register_exception keeps them the same way.
PyObject* g_setting_error = nullptr;
PyObject* g_data_error = nullptr;
PyObject* g_file_error = nullptr;
PyObject* g_divergence_error = nullptr;

PyObject* new_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("logz.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::reinterpret_borrow<py::object>(type);
  return type;
}

}  // namespace

std::string python_setting_name(const std::string& flag) {
  // Where the Python argument is not the flag's own name.
  static const std::map<std::string, std::string> renamed = {
      {"--lr", "learning_rate"},
      {"--lr-final", "final_learning_rate"},
      {"--batch", "batch_size"},
      {"--epochs", "n_epochs"},
      {"--hidden", "n_hidden"},
  };
  if (const auto it = renamed.find(flag); it != renamed.end()) return it->second;
  if (flag.rfind("--", 0) != 0) return flag;
  std::string name = flag.substr(2);
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

void register_errors(py::module_& m) {
  PyObject* base = new_exception(m, "Error", py::make_tuple(py::handle(PyExc_Exception)),
                                 "Every error logz raises.");
  const py::handle error(base);
  g_setting_error = new_exception(m, "SettingError",
                                  py::make_tuple(error, py::handle(PyExc_ValueError)),
                                  "A setting (an argument) outside its allowed range.");
  g_data_error = new_exception(m, "DataError", py::make_tuple(error, py::handle(PyExc_ValueError)),
                               "Data or other input that does not fit (wrong shape, "
                               "non-binary or non-finite values).");
  g_file_error = new_exception(m, "FileError", py::make_tuple(error, py::handle(PyExc_OSError)),
                               "A file that cannot be read, parsed or written; its path is in "
                               "`.path`.");
  g_divergence_error = new_exception(
      m, "DivergenceError", py::make_tuple(error, py::handle(PyExc_ArithmeticError)),
      "Training produced non-finite or exploding numbers.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const PythonErrorPending&) {
      // The Python error is set already.
    } catch (const SettingError& e) {
      const std::string message = e.what();
      const std::string rest = message.substr(std::min(message.size(), e.setting().size() + 2));
      PyErr_SetString(g_setting_error, (python_setting_name(e.setting()) + ": " + rest).c_str());
    } catch (const FileError& e) {
      py::object error = py::reinterpret_borrow<py::object>(g_file_error)(e.what());
      error.attr("path") = e.path();
      PyErr_SetObject(g_file_error, error.ptr());
    } catch (const DivergenceError& e) {
      PyErr_SetString(g_divergence_error, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_data_error, e.what());
    }
  });
}

}  // namespace logz::python
