// logz._core.Rbm (a BernoulliRbm: its tensors, conditionals, free energy,
// Gibbs sampling), logz._core.Stream and model files.
//
// Every computation runs with the GIL released; inputs are read in place
// where their layout allows (arrays.hpp) and outputs written into new numpy
// arrays.
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "logz/error.hpp"
#include "logz/math/kernels.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"

namespace logz::python {
namespace {

std::unique_ptr<BernoulliRbm> new_rbm(Index n_visible, Index n_hidden) {
  if (n_visible < 1) throw SettingError("n_visible", fmt::format("{} must be at least 1", n_visible));
  if (n_hidden < 1) throw SettingError("n_hidden", fmt::format("{} must be at least 1", n_hidden));
  return std::make_unique<BernoulliRbm>(n_visible, n_hidden);
}

py::array_t<double> free_energy(const BernoulliRbm& rbm, py::handle x) {
  const MatrixInput input = as_matrix(x, "X", rbm.n_visible());
  py::array_t<double> out(static_cast<py::ssize_t>(input.rows()));
  const std::span<double> values(out.mutable_data(), static_cast<std::size_t>(input.rows()));
  py::gil_scoped_release release;
  rbm.free_energy(input.view(), values);
  return out;
}

// log p(x) = -F(x) - log Z of binary rows.
py::array_t<double> log_likelihood(const BernoulliRbm& rbm, py::handle x, double log_z) {
  const MatrixInput input = as_matrix(x, "X", rbm.n_visible());
  require_binary(input.view(), "X");
  py::array_t<double> out(static_cast<py::ssize_t>(input.rows()));
  const std::span<double> values(out.mutable_data(), static_cast<std::size_t>(input.rows()));
  py::gil_scoped_release release;
  rbm.free_energy(input.view(), values);
  for (double& v : values) v = -v - log_z;
  return out;
}

py::array_t<double> pseudo_log_likelihood_of(const BernoulliRbm& rbm, py::handle x) {
  const MatrixInput input = as_matrix(x, "X", rbm.n_visible());
  require_binary(input.view(), "X");
  std::vector<double> values;
  {
    py::gil_scoped_release release;
    values = pseudo_log_likelihood(rbm, input.view());
  }
  py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

py::array_t<float> hidden_probability(const BernoulliRbm& rbm, py::handle v) {
  const MatrixInput input = as_matrix(v, "X", rbm.n_visible());
  py::array_t<float> out = new_matrix(input.rows(), rbm.n_hidden());
  MatrixMap o = view(out);
  py::gil_scoped_release release;
  if (input.rows() > 0) rbm.hidden_probability(input.view(), o);
  return out;
}

py::array_t<float> visible_probability(const BernoulliRbm& rbm, py::handle h) {
  const MatrixInput input = as_matrix(h, "H", rbm.n_hidden());
  py::array_t<float> out = new_matrix(input.rows(), rbm.n_visible());
  MatrixMap o = view(out);
  py::gil_scoped_release release;
  if (input.rows() > 0) rbm.visible_probability(input.view(), o);
  return out;
}

// One Gibbs step from each row of v: h ~ p(h | v), then v' ~ p(v | h).
py::array_t<float> gibbs(const BernoulliRbm& rbm, py::handle v, RandomStream& stream) {
  const MatrixInput input = as_matrix(v, "V", rbm.n_visible());
  py::array_t<float> out = to_numpy(input.view());
  MatrixMap o = view(out);
  py::gil_scoped_release release;
  if (input.rows() > 0) rbm.sweep_visible(o, stream, PathPoint{});
  return out;
}

// `n` chains started by exact draws from the base-rate model (independent
// visible units with log-odds `base`) or at the rows of `start` (cycled),
// each advanced `sweeps` Gibbs sweeps.
py::array_t<float> sample(const BernoulliRbm& rbm, Index n, int sweeps, py::handle base,
                          py::handle start, RandomStream& stream) {
  if (n < 0) throw SettingError("n_samples", fmt::format("{} must be >= 0", n));
  if (sweeps < 0) throw SettingError("steps", fmt::format("{} must be >= 0", sweeps));
  py::array_t<float> out = new_matrix(n, rbm.n_visible());
  MatrixMap states = view(out);
  if (!start.is_none()) {
    const MatrixInput first = as_matrix(start, "start", rbm.n_visible());
    require_binary(first.view(), "start");
    if (first.rows() == 0 && n > 0) throw Error("start: has no rows to start chains at");
    for (Index i = 0; i < n; ++i) states.row(i) = first.view().row(i % first.rows());
  } else {
    const VectorF a = as_vector(base, "base", rbm.n_visible());
    MatrixF probability = a.transpose().replicate(n, 1);
    affine_sigmoid(probability, 1.0f, VectorF::Zero(rbm.n_visible()));
    py::gil_scoped_release release;
    if (n > 0) sample_bernoulli(probability, states, stream);
  }
  py::gil_scoped_release release;
  for (int s = 0; s < sweeps && n > 0; ++s) rbm.sweep_visible(states, stream, PathPoint{});
  return out;
}

void set_tensor(BernoulliRbm& rbm, const char* name, py::handle value) {
  if (std::string_view(name) == "W") {
    const MatrixInput input = as_matrix(value, "W", rbm.n_hidden());
    if (input.rows() != rbm.n_visible()) {
      throw Error(fmt::format("W: expected shape ({}, {}), got ({}, {})", rbm.n_visible(),
                              rbm.n_hidden(), input.rows(), rbm.n_hidden()));
    }
    rbm.W() = input.view();
  } else if (std::string_view(name) == "b") {
    rbm.b() = as_vector(value, "b", rbm.n_visible());
  } else {
    rbm.c() = as_vector(value, "c", rbm.n_hidden());
  }
}

py::tuple load_rbm(const std::string& path) {
  LoadedModel loaded;
  {
    py::gil_scoped_release release;
    loaded = load_model(path);
  }
  auto* rbm = dynamic_cast<BernoulliRbm*>(loaded.model.get());
  if (rbm == nullptr) {
    throw FileError(path, fmt::format("holds a model of kind {}; logz's Python API reads "
                                      "Bernoulli RBMs (bernoulli_rbm)", loaded.model->kind()));
  }
  loaded.model.release();
  return py::make_tuple(std::unique_ptr<BernoulliRbm>(rbm), loaded.metadata);
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<RandomStream>(m, "Stream",
                           "A Philox random stream (seed, stream id, position); logz's draws "
                           "made to look at a model (gibbs, sample) use stream id 5 "
                           "(evaluation) of the seed.")
      .def(py::init([](std::uint64_t seed) { return make_stream(seed, StreamId::evaluation); }),
           py::arg("seed"))
      .def_property(
          "state",
          [](const RandomStream& s) {
            return py::make_tuple(s.state().seed, s.state().stream, s.state().position);
          },
          [](RandomStream& s, std::tuple<std::uint64_t, std::uint64_t, std::uint64_t> state) {
            s = RandomStream(RandomStream::State{std::get<0>(state), std::get<1>(state),
                                                 std::get<2>(state)});
          },
          "(seed, stream id, next block): enough to continue the stream exactly");

  py::class_<BernoulliRbm>(m, "Rbm", "A Bernoulli RBM's parameters and computations (C++ core).")
      .def(py::init(&new_rbm), py::arg("n_visible"), py::arg("n_hidden"))
      .def_property_readonly("n_visible", &BernoulliRbm::n_visible)
      .def_property_readonly("n_hidden", &BernoulliRbm::n_hidden)
      .def_property(
          "W", [](const BernoulliRbm& r) { return to_numpy(ConstMatrixRef(r.W())); },
          [](BernoulliRbm& r, py::handle v) { set_tensor(r, "W", v); })
      .def_property(
          "b", [](const BernoulliRbm& r) { return vector_to_numpy(r.b()); },
          [](BernoulliRbm& r, py::handle v) { set_tensor(r, "b", v); })
      .def_property(
          "c", [](const BernoulliRbm& r) { return vector_to_numpy(r.c()); },
          [](BernoulliRbm& r, py::handle v) { set_tensor(r, "c", v); })
      .def(
          "initialize",
          [](BernoulliRbm& r, std::uint64_t seed, double init_std, py::handle data) {
            if (!(init_std >= 0.0 && std::isfinite(init_std))) {
              throw SettingError("init_std", fmt::format("{} must be a finite number >= 0", init_std));
            }
            RandomStream stream = make_stream(seed, StreamId::initialization);
            if (data.is_none()) {
              r.initialize(stream, init_std);
              return;
            }
            const MatrixInput input = as_matrix(data, "X", r.n_visible());
            r.initialize(stream, init_std, ConstMatrixRef(input.view()));
          },
          py::arg("seed"), py::arg("init_std"), py::arg("data"))
      .def("free_energy", &free_energy, py::arg("X"))
      .def("log_likelihood", &log_likelihood, py::arg("X"), py::arg("log_z"))
      .def("pseudo_log_likelihood", &pseudo_log_likelihood_of, py::arg("X"))
      .def("hidden_probability", &hidden_probability, py::arg("X"))
      .def("visible_probability", &visible_probability, py::arg("H"))
      .def("gibbs", &gibbs, py::arg("V"), py::arg("stream"))
      .def("sample", &sample, py::arg("n"), py::arg("sweeps"), py::arg("base"), py::arg("start"),
           py::arg("stream"))
      .def("copy", [](const BernoulliRbm& r) { return std::make_unique<BernoulliRbm>(r); })
      .def(
          "save",
          [](const BernoulliRbm& r, const std::string& path, const Metadata& metadata) {
            py::gil_scoped_release release;
            save_model(path, r, metadata);
          },
          py::arg("path"), py::arg("metadata"));

  m.def("load_rbm", &load_rbm, py::arg("path"),
        "(Rbm, metadata dict) from a safetensors model file.");
  m.def(
      "visible_log_odds",
      [](py::handle x) {
        const MatrixInput input = as_matrix(x, "X");
        return vector_to_numpy(visible_log_odds(input.view()));
      },
      py::arg("X"), "log((n_1 + 1) / (n_0 + 1)) of each column: the base-rate model of data.");
  m.def(
      "as_matrix",
      [](py::handle x, const std::string& name, Index columns, bool binary) {
        const MatrixInput input = as_matrix(x, name, columns);
        if (binary) require_binary(input.view(), name);
        return input.array;
      },
      py::arg("X"), py::arg("name"), py::arg("columns") = -1, py::arg("binary") = false,
      "X as a checked float32 C-contiguous 2-D array: X itself when it is one, else one copy.");
  m.def("data_address", &data_address, py::arg("x"),
        "The address of the float32 data C++ reads for x (the array's own when not copied).");
}

}  // namespace logz::python
