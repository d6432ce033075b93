#include "arrays.hpp"

#include <cmath>
#include <cstring>
#include <fmt/format.h>

#include "logz/data/dataset.hpp"
#include "logz/error.hpp"

namespace logz::python {
namespace {

std::string shape_text(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    text += fmt::format("{}{}", d > 0 ? ", " : "", array.shape(d));
  }
  return text + (array.ndim() == 1 ? ",)" : ")");
}

// Any numpy array of numbers for `value`, without a copy when it already is one.
py::array numeric_array(py::handle value, const std::string& name) {
  py::array array = py::array::ensure(value);
  if (!array) {
    throw Error(fmt::format("{}: expected an array of numbers, got {}", name,
                            py::str(py::type::of(value).attr("__name__")).cast<std::string>()));
  }
  const char kind = array.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f') {
    throw Error(fmt::format("{}: expected an array of numbers, got dtype {}", name,
                            py::str(array.dtype()).cast<std::string>()));
  }
  return array;
}

bool is_float32(const py::array& array) {
  return array.dtype().is(py::dtype::of<float>());
}

}  // namespace

MatrixInput as_matrix(py::handle value, const std::string& name, Index columns,
                      bool check_finite) {
  const py::array array = numeric_array(value, name);
  if (array.ndim() != 2) {
    throw Error(fmt::format("{}: expected a 2-D array [examples, units], got shape {}{}", name,
                            shape_text(array),
                            array.ndim() == 1 ? "; for one example use x.reshape(1, -1)" : ""));
  }
  if (columns >= 0 && array.shape(1) != columns) {
    throw Error(fmt::format("{}: has {} values per example (shape {}), but the model has {} "
                            "visible units", name, array.shape(1), shape_text(array), columns));
  }
  using FloatArray = py::array_t<float, py::array::c_style>;
  const int flags = array.flags();
  const bool c_contiguous = (flags & py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_) != 0;
  const bool aligned = (flags & py::detail::npy_api::NPY_ARRAY_ALIGNED_) != 0;
  MatrixInput input;
  if (is_float32(array) && c_contiguous && aligned) {
    input.array = py::reinterpret_borrow<FloatArray>(array);  // zero-copy
  } else if (is_float32(array) && c_contiguous) {
    // Unaligned float32 (a view at an odd byte offset): copied bytewise.
    input.array = FloatArray({array.shape(0), array.shape(1)});
    std::memcpy(input.array.mutable_data(), array.data(),
                static_cast<std::size_t>(array.size()) * sizeof(float));
  } else {
    input.array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
    if (!input.array) throw py::error_already_set();
  }
  if (check_finite) {
    const ConstMatrixMap m = input.view();
    for (Index r = 0; r < m.rows(); ++r) {
      for (Index c = 0; c < m.cols(); ++c) {
        if (!std::isfinite(m(r, c))) {
          throw Error(fmt::format("{}[{}, {}] is {}: logz needs finite numbers", name, r, c,
                                  m(r, c)));
        }
      }
    }
  }
  return input;
}

void require_binary(ConstMatrixRef data, const std::string& name) {
  if (const auto at = find_non_binary(data)) {
    throw Error(
        fmt::format("{}[{}, {}] is {}, but the model has binary units (0 or 1); "
                    "binarize it first, e.g. (X > 0.5)",
                    name, at->first, at->second, data(at->first, at->second)));
  }
}

void require_codes(ConstMatrixRef data, const std::string& name, Index states) {
  for (Index r = 0; r < data.rows(); ++r) {
    for (Index c = 0; c < data.cols(); ++c) {
      const float v = data(r, c);
      if (!(v >= 0.0f && v < static_cast<float>(states) && v == std::floor(v))) {
        throw Error(
            fmt::format("{}[{}, {}] is {}, but the model's units take {} states: integer "
                        "codes 0 to {}",
                        name, r, c, v, states, states - 1));
      }
    }
  }
}

VectorF as_vector(py::handle value, const std::string& name, Index size) {
  const py::array array = numeric_array(value, name);
  if (array.ndim() != 1 || array.shape(0) != size) {
    throw Error(fmt::format("{}: expected shape ({},), got {}", name, size, shape_text(array)));
  }
  const auto floats = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!floats) throw py::error_already_set();
  VectorF out = ConstVectorMap(floats.data(), size);
  for (Index i = 0; i < size; ++i) {
    if (!std::isfinite(out(i))) {
      throw Error(fmt::format("{}[{}] is {}: logz needs finite numbers", name, i, out(i)));
    }
  }
  return out;
}

py::array_t<double> doubles_to_numpy(const std::vector<double>& values) {
  py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array_t<float> new_matrix(Index rows, Index cols) {
  return py::array_t<float>({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
}

MatrixMap view(py::array_t<float>& array) {
  return MatrixMap(array.mutable_data(), array.shape(0), array.shape(1));
}

py::array_t<float> to_numpy(ConstMatrixRef matrix) {
  py::array_t<float> out = new_matrix(matrix.rows(), matrix.cols());
  view(out) = matrix;
  return out;
}

py::array_t<float> vector_to_numpy(const VectorF& vector) {
  py::array_t<float> out(static_cast<py::ssize_t>(vector.size()));
  std::copy(vector.data(), vector.data() + vector.size(), out.mutable_data());
  return out;
}

std::uintptr_t data_address(py::handle value) {
  const MatrixInput input = as_matrix(value, "x", -1, false);
  return reinterpret_cast<std::uintptr_t>(input.array.data());
}

}  // namespace logz::python
