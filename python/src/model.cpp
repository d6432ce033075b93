// logz._core.Model (any logz model: its tensors, free energy, conditionals,
// sampling, model files and their bytes), logz._core.Stream.
//
// Every computation runs with the GIL released; inputs are read in place
// where their layout allows (arrays.hpp) and outputs written into new numpy
// arrays.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "logz/error.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/gaussian.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/models/ica.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/model_file.hpp"
#include "logz/models/potts.hpp"
#include "logz/models/potts_rbm.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/categorical_pseudolikelihood.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"
#include "logz/sampling/gibbs.hpp"

namespace logz::python {
namespace {

std::optional<Index> n_hidden(const EnergyModel& model) {
  if (const auto* m = dynamic_cast<const BernoulliRbm*>(&model)) return m->n_hidden();
  if (const auto* m = dynamic_cast<const GaussianBernoulliRbm*>(&model)) return m->n_hidden();
  if (const auto* m = dynamic_cast<const PottsRbm*>(&model)) return m->n_hidden();
  return std::nullopt;
}

std::optional<Index> n_states(const EnergyModel& model) {
  if (const auto* m = dynamic_cast<const CategoricalModel*>(&model)) return m->n_states();
  return std::nullopt;
}

// The rows of `x` checked to be values the model is a density of: 0s and 1s
// for binary units, codes 0..q-1 for categorical ones.
MatrixInput model_input(const EnergyModel& model, py::handle x, const std::string& name) {
  MatrixInput input = as_matrix(x, name, model.n_visible());
  if (const auto q = n_states(model)) {
    require_codes(input.view(), name, *q);
  } else if (model.binary_visible()) {
    require_binary(input.view(), name);
  }
  return input;
}

py::array_t<double> free_energy(const EnergyModel& model, py::handle x) {
  const MatrixInput input = model_input(model, x, "X");
  py::array_t<double> out(static_cast<py::ssize_t>(input.rows()));
  const std::span<double> values(out.mutable_data(), static_cast<std::size_t>(input.rows()));
  py::gil_scoped_release release;
  model.free_energy(input.view(), values);
  return out;
}

// log p(x) = -F(x) - log Z per row.
py::array_t<double> log_likelihood(const EnergyModel& model, py::handle x, double log_z) {
  py::array_t<double> out = free_energy(model, x);
  for (double& v : std::span<double>(out.mutable_data(), static_cast<std::size_t>(out.size())))
    v = -v - log_z;
  return out;
}

py::array_t<double> pseudo_log_likelihood_of(const EnergyModel& model, py::handle x) {
  const MatrixInput input = model_input(model, x, "X");
  std::vector<double> values;
  if (n_states(model)) {
    py::gil_scoped_release release;
    values = categorical_pseudo_log_likelihood(model, input.view());
  } else if (dynamic_cast<const BitFlipModel*>(&model) != nullptr) {
    py::gil_scoped_release release;
    values = pseudo_log_likelihood(model, input.view());
  } else {
    throw SettingError("model", fmt::format("the pseudo-log-likelihood is for binary or "
                                            "categorical units; {} has real-valued ones",
                                            model.kind()));
  }
  return doubles_to_numpy(values);
}

// (Binary units may hold probabilities here: p(h | v) is defined for real v.)
py::array_t<float> hidden_probability(const EnergyModel& model, py::handle x) {
  const MatrixInput input =
      n_states(model) ? model_input(model, x, "X") : as_matrix(x, "X", model.n_visible());
  const auto hidden = n_hidden(model);
  if (!hidden) throw SettingError("model", fmt::format("{} has no hidden units", model.kind()));
  py::array_t<float> out = new_matrix(input.rows(), *hidden);
  MatrixMap o = view(out);
  if (input.rows() == 0) return out;
  py::gil_scoped_release release;
  if (const auto* m = dynamic_cast<const BernoulliRbm*>(&model)) {
    m->hidden_probability(input.view(), o);
  } else if (const auto* g = dynamic_cast<const GaussianBernoulliRbm*>(&model)) {
    g->hidden_probability(input.view(), o);
  } else {
    dynamic_cast<const PottsRbm&>(model).hidden_probability(input.view(), o);
  }
  return out;
}

// One sweep of the model's Gibbs sampler from each row of v.
py::array_t<float> gibbs(const EnergyModel& model, py::handle v, RandomStream& stream) {
  const GibbsModel& g = require_gibbs(model, "gibbs", "model");
  const MatrixInput input = model_input(model, v, "V");
  py::array_t<float> out = to_numpy(input.view());
  MatrixMap o = view(out);
  py::gil_scoped_release release;
  if (input.rows() > 0) g.sweep_visible(o, stream, PathPoint{});
  return out;
}

// `n` samples of the model: exact draws for a Gaussian or ICA model; for a
// Gibbs model, chains started by exact draws from the path's base (visible
// biases `base`) or at the rows of `start` (cycled), each advanced `sweeps`
// sweeps.
py::array_t<float> sample(const EnergyModel& model, Index n, int sweeps, py::handle base,
                          py::handle start, RandomStream& stream) {
  if (n < 0) throw SettingError("n_samples", fmt::format("{} must be >= 0", n));
  if (sweeps < 0) throw SettingError("steps", fmt::format("{} must be >= 0", sweeps));
  if (const auto* gaussian = dynamic_cast<const GaussianModel*>(&model)) {
    py::gil_scoped_release release;
    MatrixF x = gaussian->sample(n, stream);
    py::gil_scoped_acquire acquire;
    return to_numpy(x);
  }
  if (const auto* ica = dynamic_cast<const IcaModel*>(&model)) {
    py::gil_scoped_release release;
    MatrixF x = ica->sample(n, stream);
    py::gil_scoped_acquire acquire;
    return to_numpy(x);
  }
  const GibbsModel& g = require_gibbs(model, "sample", "model");
  py::array_t<float> out = new_matrix(n, model.n_visible());
  MatrixMap states = view(out);
  if (!start.is_none()) {
    const MatrixInput first = model_input(model, start, "start");
    if (first.rows() == 0 && n > 0) throw Error("start: has no rows to start chains at");
    for (Index i = 0; i < n; ++i)
      states.row(i) = first.view().row(i % first.rows());
  } else {
    const VectorF a = as_vector(base, "base", g.model_base().size());
    py::gil_scoped_release release;
    if (n > 0) g.draw_base(&a, states, stream);
  }
  py::gil_scoped_release release;
  for (int s = 0; s < sweeps && n > 0; ++s)
    g.sweep_visible(states, stream, PathPoint{});
  return out;
}

py::array_t<float> tensor(const EnergyModel& model, const std::string& name) {
  const ParameterVector& p = model.parameters();
  if (!p.contains(name))
    throw SettingError(name, fmt::format("{} has no tensor {}", model.kind(), name));
  const TensorSpec& spec = p.spec(name);
  std::vector<py::ssize_t> shape(spec.shape.begin(), spec.shape.end());
  py::array_t<float> out(shape);
  const auto values = p.tensor(name);
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

void set_tensor(EnergyModel& model, const std::string& name, py::handle value) {
  ParameterVector& p = model.parameters();
  if (!p.contains(name))
    throw SettingError(name, fmt::format("{} has no tensor {}", model.kind(), name));
  const TensorSpec& spec = p.spec(name);
  const auto array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(value);
  std::vector<Index> shape;
  if (array) shape.assign(array.shape(), array.shape() + array.ndim());
  if (!array || !std::equal(shape.begin(), shape.end(), spec.shape.begin(), spec.shape.end())) {
    throw Error(fmt::format("{}: expected an array of shape ({}), got {}", name,
                            fmt::join(spec.shape, ", "),
                            array ? fmt::format("({})", fmt::join(shape, ", "))
                                  : std::string(py::str(py::type::of(value).attr("__name__")))));
  }
  const std::span<const float> values(array.data(), static_cast<std::size_t>(array.size()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(fmt::format("{}: holds a non-finite value at flat index {}", name, i));
    }
  }
  std::unique_ptr<EnergyModel> trial = model.clone();
  const auto target = trial->parameters().tensor(name);
  std::copy(values.begin(), values.end(), target.begin());
  // Pair tensors (Ising J, Potts J) must stay symmetric with zero diagonals.
  if (const auto* ising = dynamic_cast<const IsingModel*>(trial.get()))
    ising->check_couplings(name);
  if (const auto* potts = dynamic_cast<const PottsModel*>(trial.get()))
    potts->check_couplings(name);
  std::copy(values.begin(), values.end(), p.tensor(name).begin());
}

py::tuple loaded_tuple(LoadedModel loaded) {
  std::shared_ptr<EnergyModel> model(std::move(loaded.model));
  return py::make_tuple(model, loaded.metadata);
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

  py::class_<EnergyModel, std::shared_ptr<EnergyModel>>(
      m, "Model", "A logz model (any kind): its tensors and computations (C++ core).")
      .def_property_readonly("kind", [](const EnergyModel& e) { return std::string(e.kind()); })
      .def_property_readonly("n_visible", &EnergyModel::n_visible)
      .def_property_readonly("n_hidden", &n_hidden)
      .def_property_readonly("n_states", &n_states)
      .def_property_readonly("binary_visible", &EnergyModel::binary_visible)
      .def_property_readonly(
          "has_gibbs_sampler",
          [](const EnergyModel& e) { return dynamic_cast<const GibbsModel*>(&e) != nullptr; })
      .def_property_readonly("tensor_names",
                             [](const EnergyModel& e) {
                               std::vector<std::string> names;
                               for (const TensorSpec& s : e.parameters().specs())
                                 names.push_back(s.name);
                               return names;
                             })
      .def("tensor", &tensor, py::arg("name"))
      .def("set_tensor", &set_tensor, py::arg("name"), py::arg("value"))
      .def("clone", [](const EnergyModel& e) { return std::shared_ptr<EnergyModel>(e.clone()); })
      .def("free_energy", &free_energy, py::arg("X"))
      .def("log_likelihood", &log_likelihood, py::arg("X"), py::arg("log_z"))
      .def("pseudo_log_likelihood", &pseudo_log_likelihood_of, py::arg("X"))
      .def("hidden_probability", &hidden_probability, py::arg("X"))
      .def("gibbs", &gibbs, py::arg("V"), py::arg("stream"))
      .def("sample", &sample, py::arg("n"), py::arg("sweeps"), py::arg("base"), py::arg("start"),
           py::arg("stream"))
      .def("model_base",
           [](const EnergyModel& e) {
             return vector_to_numpy(require_gibbs(e, "base", "model").model_base());
           })
      .def(
          "data_base",
          [](const EnergyModel& e, py::handle x, std::vector<double> weights) {
            const GibbsModel& g = require_gibbs(e, "base", "model");
            // (Binary units may hold probabilities: the base is their mean.)
            const MatrixInput input =
                n_states(e) ? model_input(e, x, "X") : as_matrix(x, "X", e.n_visible());
            return vector_to_numpy(g.data_base(input.view(), weights));
          },
          py::arg("X"), py::arg("weights"))
      .def(
          "encode",
          [](const EnergyModel& e, const Metadata& metadata) {
            const std::vector<std::uint8_t> bytes = encode_model(e, metadata);
            return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
          },
          py::arg("metadata"), "The bytes of the model's safetensors file.")
      .def(
          "save",
          [](const EnergyModel& e, const std::string& path, const Metadata& metadata) {
            py::gil_scoped_release release;
            save_model(path, e, metadata);
          },
          py::arg("path"), py::arg("metadata"));

  m.def(
      "load_model",
      [](const std::string& path) {
        LoadedModel loaded;
        {
          py::gil_scoped_release release;
          loaded = load_model(path);
        }
        return loaded_tuple(std::move(loaded));
      },
      py::arg("path"), "(Model, metadata) of a model file.");
  m.def(
      "decode_model",
      [](py::bytes bytes, const std::string& source) {
        const std::string_view view = bytes;
        const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(view.data()),
                                                 view.size());
        return loaded_tuple(decode_model(data, source));
      },
      py::arg("bytes"), py::arg("source"), "(Model, metadata) from a model file's bytes.");
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
