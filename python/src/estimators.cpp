// logz._core.LogZEstimate and the estimators of log Z for a Bernoulli RBM:
// exact enumeration and annealed importance sampling, run with the GIL
// released. The Python package chooses their settings (logz/estimate.py).
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cmath>

#include "arrays.hpp"
#include "bindings.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact_rbm.hpp"

namespace logz::python {
namespace {

py::array_t<double> to_numpy(const std::vector<double>& values) {
  py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

std::string describe(const LogZEstimate& e) {
  if (e.method == "exact") {
    return fmt::format("LogZEstimate(method='exact', log_z={:.6f}, states={}, seconds={:.3f})",
                       e.log_z, e.samples, e.seconds);
  }
  return fmt::format(
      "LogZEstimate(method='{}', log_z={:.6f}, std_error={:.6f}, lower={:.6f}, upper={:.6f}, "
      "effective_sample_size={}, chains={}, seconds={:.3f})",
      e.method, e.log_z, e.std_error, e.lower, e.upper,
      e.effective_sample_size ? fmt::format("{:.1f}", *e.effective_sample_size) : "None", e.samples,
      e.seconds);
}

}  // namespace

void bind_estimators(py::module_& m) {
  py::class_<LogZEstimate>(m, "LogZEstimate",
                           "An estimate of log Z with its error: never a bare number.\n\n"
                           "log_z, std_error (0 when exact), lower and upper (for AIS the log of "
                           "the mean weight -/+ 3 standard errors; lower is -inf when that "
                           "reaches zero; both equal log_z when exact), effective_sample_size "
                           "(of the AIS weights; None when exact), samples (chains, or states "
                           "enumerated), seconds, log_weights (AIS: one per chain), method, "
                           "diagnostics.")
      .def_readonly("method", &LogZEstimate::method)
      .def_readonly("log_z", &LogZEstimate::log_z)
      .def_readonly("std_error", &LogZEstimate::std_error)
      .def_readonly("lower", &LogZEstimate::lower)
      .def_readonly("upper", &LogZEstimate::upper)
      .def_readonly("effective_sample_size", &LogZEstimate::effective_sample_size)
      .def_readonly("samples", &LogZEstimate::samples)
      .def_readonly("seconds", &LogZEstimate::seconds)
      .def_property_readonly("log_weights",
                             [](const LogZEstimate& e) { return to_numpy(e.log_weights); })
      .def_readonly("diagnostics", &LogZEstimate::diagnostics)
      .def("__repr__", &describe)
      .def("__float__", [](const LogZEstimate& e) { return e.log_z; });

  m.def(
      "exact_log_z",
      [](const BernoulliRbm& rbm, int max_exact_bits) {
        ExactOptions options;
        options.max_bits = max_exact_bits;
        check_enumerable(rbm, options);
        py::gil_scoped_release release;
        return exact_log_z(rbm, options);
      },
      py::arg("rbm"), py::arg("max_exact_bits"));
  m.def(
      "enumeration_bits", [](const BernoulliRbm& rbm) { return plan_enumeration(rbm).bits; },
      py::arg("rbm"));
  m.def(
      "ais_log_z",
      [](const BernoulliRbm& rbm, py::handle base, Index chains, std::vector<double> betas,
         std::uint64_t seed, Index replicates, double resample, bool adapt, double adapt_target,
         std::size_t max_betas) {
        AisOptions options;
        options.chains = chains;
        options.betas = std::move(betas);
        options.seed = seed;
        options.replicates = replicates;
        options.resample_below = resample;
        SpendingOptions spending;
        spending.adapt = adapt;
        spending.target_log_sd = adapt_target;
        spending.max_steps = max_betas;
        const VectorF a = as_vector(base, "base", rbm.n_visible());
        py::gil_scoped_release release;
        return annealed_log_z(rbm, a, options, spending);
      },
      py::arg("rbm"), py::arg("base"), py::arg("chains"), py::arg("betas"), py::arg("seed"),
      py::arg("replicates") = 0, py::arg("resample") = 0.5,
      py::arg("adapt") = true, py::arg("adapt_target") = 0.0, py::arg("max_betas") = 0);
  m.def(
      "sm2008_schedule", [] { return to_numpy(sm2008_schedule()); },
      "Salakhutdinov & Murray's (2008) 14,500-step schedule of betas.");
  m.def(
      "linear_schedule", [](std::size_t steps) { return to_numpy(linear_schedule(steps)); },
      py::arg("steps"));
}

}  // namespace logz::python
