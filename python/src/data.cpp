// logz._core.load_data: logz's data sets (the bundled MNIST digits,
// Fashion-MNIST, IDX / CSV / NPY files) read, scaled and binarized as the
// command line does, handed to numpy without a copy.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "logz/data/dataset.hpp"

namespace logz::python {
namespace {

// A numpy array that owns `matrix`'s memory.
py::array_t<float> adopt(MatrixF&& matrix) {
  auto* owned = new MatrixF(std::move(matrix));
  const py::capsule release(owned, [](void* p) { delete static_cast<MatrixF*>(p); });
  const auto rows = static_cast<py::ssize_t>(owned->rows());
  const auto cols = static_cast<py::ssize_t>(owned->cols());
  return py::array_t<float>({rows, cols},
                            {cols * static_cast<py::ssize_t>(sizeof(float)),
                             static_cast<py::ssize_t>(sizeof(float))},
                            owned->data(), release);
}

}  // namespace

void bind_data(py::module_& m) {
  m.def(
      "load_data",
      [](const std::string& source, const std::string& test_source,
         std::optional<Index> test_count, const std::string& binarize, double threshold,
         std::uint64_t seed) {
        DataOptions options;
        options.source = source;
        options.test_source = test_source;
        options.test_count = test_count;
        options.binarization = parse_binarization(binarize);
        options.threshold = threshold;
        options.seed = seed;
        Dataset data;
        {
          py::gil_scoped_release release;
          data = load_dataset(options);
        }
        return py::make_tuple(adopt(std::move(data.train)), adopt(std::move(data.test)));
      },
      py::arg("source"), py::arg("test_data"), py::arg("test_count"), py::arg("binarize"),
      py::arg("threshold"), py::arg("seed"));
}

}  // namespace logz::python
