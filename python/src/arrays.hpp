// numpy arrays in and out of logz's matrix types.
//
// In: a C-contiguous float32 2-D array is used where it lies, as a row-major
// MatrixF view (no copy); anything else that numpy can turn into a 2-D array
// of numbers (float64, bool, integers, Fortran order, strided slices, nested
// lists) is converted once into a float32 C-contiguous copy. Either way the
// returned MatrixInput keeps the memory alive while C++ reads it, also with
// the GIL released.
//
// Out: results are written straight into freshly allocated numpy arrays
// (float32 [n, units] for states and probabilities, float64 [n] for
// per-example numbers), so no copy follows the computation either.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "logz/math/matrix.hpp"

namespace logz::python {

namespace py = pybind11;

struct MatrixInput {
  py::array_t<float, py::array::c_style> array;  // the caller's own array, or the copy
  ConstMatrixMap view() const {
    return ConstMatrixMap(array.data(), array.shape(0), array.shape(1));
  }
  Index rows() const { return static_cast<Index>(array.shape(0)); }
};

// `value` as a [n, columns] float32 matrix (columns < 0: any width). Throws
// DataError naming `name` for something that is not a 2-D array of numbers,
// the wrong width, or (with check_finite) a NaN or infinity, naming its row
// and column.
MatrixInput as_matrix(py::handle value, const std::string& name, Index columns = -1,
                      bool check_finite = true);

// Throws DataError naming `name`, the row and the column of the first value
// that is not 0 or 1: a Bernoulli RBM's likelihood and training are for
// binary data.
void require_binary(ConstMatrixRef data, const std::string& name);

// Throws DataError naming `name`, the row and the column of the first value
// that is not an integer code 0..states-1 (categorical units).
void require_codes(ConstMatrixRef data, const std::string& name, Index states);

// `value` as a float32 vector of `size` entries, finite (copied).
VectorF as_vector(py::handle value, const std::string& name, Index size);

// New numpy arrays and writable views of their memory.
py::array_t<float> new_matrix(Index rows, Index cols);
MatrixMap view(py::array_t<float>& array);
py::array_t<float> to_numpy(ConstMatrixRef matrix);
py::array_t<float> vector_to_numpy(const VectorF& vector);

// A new float64 numpy array [n] holding `values` (per-example numbers, weights).
py::array_t<double> doubles_to_numpy(const std::vector<double>& values);

// settings[key], when present and not None, cast into `into`; else `into`
// keeps its default. The Python package passes settings as dicts, checked.
template <typename T>
void take_setting(const py::dict& settings, const char* key, T& into) {
  if (settings.contains(key) && !settings[key].is_none()) into = settings[key].cast<T>();
}

// The address of the float32 data C++ reads for `value`: the array's own
// when it is used without a copy. For tests of the zero-copy path.
std::uintptr_t data_address(py::handle value);

}  // namespace logz::python
