// logz._core.load_data: logz's data sets (the bundled MNIST digits,
// Fashion-MNIST, IDX / CSV / NPY files) read, scaled and binarized as the
// command line does, handed to numpy without a copy.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "logz/data/dataset.hpp"
#include "logz/data/sequence_weights.hpp"
#include "logz/error.hpp"

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
  m.def(
      "load_categorical",
      [](const std::string& source, const std::string& test_source, std::optional<Index> test_count,
         int states, const std::string& alphabet, double reweight, bool unknown_as_gap) {
        DataOptions options;
        options.source = source;
        options.test_source = test_source;
        options.test_count = test_count;
        options.states = states;
        options.alphabet = alphabet;
        options.reweight = reweight;
        options.unknown_as_gap = unknown_as_gap;
        Dataset data;
        {
          py::gil_scoped_release release;
          data = load_dataset(options);
        }
        if (data.states == 0) {
          throw Error(source +
                      ": is not categorical data (an alignment, or integer codes with "
                      "states = Q)");
        }
        py::dict d;
        d["states"] = data.states;
        d["alphabet"] = data.alphabet;
        d["train_names"] = data.train_names;
        d["test_names"] = data.test_names;
        d["train_weights"] = doubles_to_numpy(data.train_weights);
        d["test_weights"] = doubles_to_numpy(data.test_weights);
        d["name"] = data.name;
        d["train"] = adopt(std::move(data.train));
        d["test"] = adopt(std::move(data.test));
        return d;
      },
      py::arg("source"), py::arg("test_data"), py::arg("test_count"), py::arg("states"),
      py::arg("alphabet"), py::arg("reweight"), py::arg("unknown_as_gap"));
  m.def(
      "identity_weights",
      [](py::handle codes, double threshold) {
        const MatrixInput input = as_matrix(codes, "X");
        std::vector<double> weights;
        {
          py::gil_scoped_release release;
          weights = identity_weights(input.view(), threshold);
        }
        return doubles_to_numpy(weights);
      },
      py::arg("X"), py::arg("threshold"),
      "Sequence weights 1 / #{m : identity(n, m) >= threshold} (data/sequence_weights.hpp).");
}

}  // namespace logz::python
