// logz._core.LogZEstimate and the estimators of log Z and of the
// log-likelihood, for any logz model, run with the GIL released. Settings go
// through the command line's own EstimatorFlags (cli/estimator_flags.hpp),
// so `logz.estimate_log_z` is `logz estimate` and `logz eval` bit for bit.
// The Python package chooses and checks the settings (logz/estimate.py).
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cmath>

#include "arrays.hpp"
#include "bindings.hpp"
#include "logz/cli/estimator_flags.hpp"
#include "logz/cli/progress.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/bracket.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/raise.hpp"
#include "logz/models/categorical.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz::python {
namespace {

std::string describe(const LogZEstimate& e) {
  if (e.method == "exact" || e.method == "closed_form" || e.method == "learned") {
    return fmt::format("LogZEstimate(method='{}', log_z={:.6f}, samples={}, seconds={:.3f})",
                       e.method, e.log_z, e.samples, e.seconds);
  }
  return fmt::format(
      "LogZEstimate(method='{}', log_z={:.6f}, std_error={:.6f}, lower={:.6f}, upper={:.6f}, "
      "effective_sample_size={}, samples={}, seconds={:.3f})",
      e.method, e.log_z, e.std_error, e.lower, e.upper,
      e.effective_sample_size ? fmt::format("{:.1f}", *e.effective_sample_size) : "None", e.samples,
      e.seconds);
}

cli::EstimatorFlags estimator_flags(const py::dict& s) {
  cli::EstimatorFlags f;
  f.method_flag = "method";
  f.methods = {"exact", "ais", "bridge", "raise", "learned", "trajectory"};
  take_setting(s, "method", f.method);
  take_setting(s, "max_exact_bits", f.max_exact_bits);
  take_setting(s, "chains", f.chains);
  take_setting(s, "replicates", f.replicates);
  bool adapt = true;
  take_setting(s, "adapt", adapt);
  f.adapt = adapt ? "on" : "off";
  take_setting(s, "adapt_target", f.adapt_target);
  take_setting(s, "max_betas", f.max_betas);
  take_setting(s, "resample", f.resample);
  take_setting(s, "betas", f.schedule_values);
  take_setting(s, "seed", f.seed);
  take_setting(s, "burn_in", f.burn_in);
  take_setting(s, "thinning", f.thinning);
  take_setting(s, "samples_per_chain", f.samples_per_chain);
  take_setting(s, "run_folder", f.run_folder);
  std::int64_t updates = -1;
  take_setting(s, "model_updates", updates);
  if (updates >= 0) f.model_updates = updates;
  return f;
}

// The data that makes the annealing base and starts bridge chains, when given.
std::optional<Dataset> base_data(const EnergyModel& model, py::handle x,
                                 std::vector<double> weights) {
  if (x.is_none()) return std::nullopt;
  const MatrixInput input = as_matrix(x, "base", model.n_visible());
  Dataset data;
  data.name = "base";
  data.train = input.view();
  data.train_weights = std::move(weights);
  return data;
}

// `base`, when not None, is the annealing base's visible biases (float32 [V]
// or [L q]); else the base is made from `data` (flags.base "data") or the
// model's own biases or fields.
VectorF base_of(const cli::EstimatorFlags& flags, const EnergyModel& model, py::handle base,
                const Dataset* data) {
  if (base.is_none()) return cli::annealing_base(flags, model, data);
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  return as_vector(base, "base", gibbs != nullptr ? gibbs->model_base().size() : model.n_visible());
}

LogZEstimate estimate(const EnergyModel& model, const py::dict& settings, py::handle base,
                      py::handle data_rows, std::vector<double> data_weights, bool verbose) {
  cli::EstimatorFlags flags = estimator_flags(settings);
  take_setting(settings, "base_kind", flags.base);
  flags.check_applies_to(model, "the model");
  if (flags.method == "exact") {
    ExactOptions options;
    options.max_bits = flags.max_exact_bits;
    check_enumerable(model, options);
  }
  const std::optional<Dataset> data = base_data(model, data_rows, std::move(data_weights));
  const VectorF a = base_of(flags, model, base, data ? &*data : nullptr);
  cli::ProgressBar bar(verbose ? cli::ProgressMode::automatic : cli::ProgressMode::never);
  py::gil_scoped_release release;
  LogZEstimate e = flags.estimate(model, a, data ? &*data : nullptr, bar);
  bar.clear();
  return e;
}

// What RAISE and the bracket start from: the estimator's settings, the
// model's sampler, the rows (read in place) and the annealing base.
struct BoundInputs {
  cli::EstimatorFlags flags;
  const GibbsModel& gibbs;
  MatrixInput rows;
  VectorF base;
};

BoundInputs bound_inputs(const EnergyModel& model, py::handle x, const py::dict& settings,
                         py::handle base, const char* method) {
  cli::EstimatorFlags flags = estimator_flags(settings);
  flags.method = method;
  MatrixInput rows = as_matrix(x, "X", model.n_visible());
  if (rows.rows() == 0) throw Error("X: has no examples");
  VectorF a = base_of(flags, model, base, nullptr);
  return {std::move(flags), require_gibbs(model, "method"), std::move(rows), std::move(a)};
}

py::dict raise_bound(const EnergyModel& model, py::handle x, const py::dict& settings,
                     py::handle base, bool verbose) {
  const BoundInputs in = bound_inputs(model, x, settings, base, "raise");
  cli::ProgressBar bar(verbose ? cli::ProgressMode::automatic : cli::ProgressMode::never);
  RaiseResult r;
  std::size_t steps = 0;
  {
    py::gil_scoped_release release;
    const AisOptions options = in.flags.ais_options(bar);
    steps = options.betas.size() - 1;
    r = raise_log_likelihood(in.gibbs, in.base, in.rows.view(), options);
    bar.clear();
  }
  py::dict d;
  d["method"] = "raise";
  d["log_likelihoods"] = doubles_to_numpy(r.log_likelihoods);
  d["lower"] = r.average;
  d["upper"] = std::numeric_limits<double>::infinity();
  d["average"] = r.average;
  d["std_error"] = r.std_error_of_mean;
  d["examples"] = in.rows.rows();
  d["steps"] = steps;
  d["seconds"] = r.seconds;
  return d;
}

py::dict bracket(const EnergyModel& model, py::handle x, const py::dict& settings, py::handle base,
                 bool verbose) {
  const BoundInputs in = bound_inputs(model, x, settings, base, "ais");
  cli::ProgressBar bar(verbose ? cli::ProgressMode::automatic : cli::ProgressMode::never);
  BracketOptions options;
  take_setting(settings, "time_budget", options.time_budget);
  take_setting(settings, "raise_steps", options.raise_steps);
  take_setting(settings, "examples", options.examples);
  LogLikelihoodBracket b;
  {
    py::gil_scoped_release release;
    options.forward = in.flags.ais_options(bar);
    options.spending = in.flags.spending_options();
    options.seed = in.flags.seed;
    options.progress = options.forward.progress;
    options.validate();
    b = log_likelihood_bracket(in.gibbs, in.base, in.rows.view(), options);
    bar.clear();
  }
  py::dict d;
  d["method"] = "bracket";
  d["lower"] = b.lower;
  d["upper"] = b.upper;
  d["average_negative_free_energy"] = b.average_negative_free_energy;
  d["examples"] = b.examples;
  d["forward"] = b.forward;
  d["log_z_upper"] = b.log_z_upper;
  d["log_z_upper_std_error"] = b.log_z_upper_std_error;
  d["raise_examples"] = b.raise_examples;
  d["raise_steps"] = b.raise_steps;
  d["raise_seconds"] = b.raise_seconds;
  d["seconds"] = b.seconds;
  return d;
}

}  // namespace

void bind_estimators(py::module_& m) {
  py::class_<LogZEstimate>(m, "LogZEstimate",
                           "An estimate of log Z with its error: never a bare number.\n\n"
                           "log_z, std_error (0 when exact), lower and upper (the interval that "
                           "holds log Z: for annealing the log of the mean weight -/+ 3 standard "
                           "errors, upper = inf when the budget ran out before the interval "
                           "could be trusted; both equal log_z when exact), "
                           "effective_sample_size (of the weights; None when exact), samples "
                           "(chains, or states enumerated), seconds, log_weights (AIS: one per "
                           "chain; SMC: one log Z per population), method, diagnostics.")
      .def_readonly("method", &LogZEstimate::method)
      .def_readonly("log_z", &LogZEstimate::log_z)
      .def_readonly("std_error", &LogZEstimate::std_error)
      .def_readonly("lower", &LogZEstimate::lower)
      .def_readonly("upper", &LogZEstimate::upper)
      .def_readonly("effective_sample_size", &LogZEstimate::effective_sample_size)
      .def_readonly("samples", &LogZEstimate::samples)
      .def_readonly("seconds", &LogZEstimate::seconds)
      .def_property_readonly("log_weights",
                             [](const LogZEstimate& e) { return doubles_to_numpy(e.log_weights); })
      .def_readonly("diagnostics", &LogZEstimate::diagnostics)
      .def_property_readonly("warnings",
                             [](const LogZEstimate& e) { return cli::estimate_warnings(e); })
      .def("__repr__", &describe)
      .def("__float__", [](const LogZEstimate& e) { return e.log_z; });

  m.def("estimate_log_z", &estimate, py::arg("model"), py::arg("settings"), py::arg("base"),
        py::arg("data"), py::arg("data_weights"), py::arg("verbose"));
  m.def("raise_bound", &raise_bound, py::arg("model"), py::arg("X"), py::arg("settings"),
        py::arg("base"), py::arg("verbose"));
  m.def("bracket", &bracket, py::arg("model"), py::arg("X"), py::arg("settings"), py::arg("base"),
        py::arg("verbose"));
  m.def(
      "enumeration_bits",
      [](const EnergyModel& model) {
        return is_enumerable(model) ? std::optional<int>(enumeration_bits(model)) : std::nullopt;
      },
      py::arg("model"), "Bits of exact enumeration (None: the model cannot be enumerated).");
  m.def(
      "closed_form_log_z",
      [](const EnergyModel& model) -> std::optional<LogZEstimate> {
        if (!model.has_closed_form_log_z()) return std::nullopt;
        LogZEstimate e;
        e.method = "closed_form";
        e.log_z = e.lower = e.upper = model.closed_form_log_z();
        return e;
      },
      py::arg("model"), "log Z in closed form (Gaussian, ICA); None for other models.");
  m.def(
      "sm2008_schedule", [] { return doubles_to_numpy(sm2008_schedule()); },
      "Salakhutdinov & Murray's (2008) 14,500-step schedule of betas.");
  m.def(
      "sm2008_shaped_schedule",
      [](std::size_t steps) { return doubles_to_numpy(sm2008_shaped_schedule(steps)); },
      py::arg("steps"), "sm2008's shape in `steps` steps.");
  m.def(
      "linear_schedule", [](std::size_t steps) { return doubles_to_numpy(linear_schedule(steps)); },
      py::arg("steps"));
}

}  // namespace logz::python
