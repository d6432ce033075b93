#include "logz/train/lbfgs.hpp"

#include <fmt/format.h>
#include <lbfgs.h>

#include <chrono>
#include <cmath>
#include <vector>

#include "logz/error.hpp"

namespace logz {
namespace {

struct Context {
  EnergyModel* model;
  const FullBatchObjective* objective;
  const std::function<bool(const LbfgsIteration&)>* on_iteration;
  ParameterVector gradient;
  std::vector<double> entry_scale;  // 1, or 1/2 on pair tensors
  int evaluations = 0;
  int iterations = 0;
  bool stopped = false;
  bool diverged = false;
  std::chrono::steady_clock::time_point start;
};

void load(Context& c, const lbfgsfloatval_t* x) {
  const std::span<float> theta = c.model->parameters().values();
  for (std::size_t k = 0; k < theta.size(); ++k)
    theta[k] = static_cast<float>(x[k]);
}

lbfgsfloatval_t evaluate(void* instance, const lbfgsfloatval_t* x, lbfgsfloatval_t* g, int n,
                         lbfgsfloatval_t /*step*/) {
  Context& c = *static_cast<Context*>(instance);
  load(c, x);
  const double value = (*c.objective)(*c.model, c.gradient);
  ++c.evaluations;
  const std::span<const float> grad = c.gradient.values();
  bool finite = std::isfinite(value);
  for (int k = 0; k < n; ++k) {
    g[k] = static_cast<double>(grad[static_cast<std::size_t>(k)]) *
           c.entry_scale[static_cast<std::size_t>(k)];
    finite = finite && std::isfinite(g[k]);
  }
  if (!finite) {
    // Tell the line search this point is infinitely bad; L-BFGS then
    // shortens its step, or gives up and we report it.
    c.diverged = true;
    return INFINITY;
  }
  return value;
}

int progress(void* instance, const lbfgsfloatval_t* x, const lbfgsfloatval_t* /*g*/,
             lbfgsfloatval_t fx, lbfgsfloatval_t /*xnorm*/, lbfgsfloatval_t gnorm,
             lbfgsfloatval_t step, int /*n*/, int k, int /*ls*/) {
  Context& c = *static_cast<Context*>(instance);
  c.diverged = false;  // an iteration was accepted at a finite point
  c.iterations = k;
  if (*c.on_iteration == nullptr) return 0;
  load(c, x);
  LbfgsIteration it;
  it.iteration = k;
  it.evaluations = c.evaluations;
  it.objective = fx;
  it.gradient_norm = gnorm;
  it.step = step;
  it.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  if (!(*c.on_iteration)(it)) {
    c.stopped = true;
    return 1;
  }
  return 0;
}

std::string describe(int status) {
  switch (status) {
    case LBFGS_SUCCESS:
      return "converged (gradient test)";
    case LBFGS_STOP:
      return "converged (objective decrease test)";
    case LBFGS_ALREADY_MINIMIZED:
      return "already at a minimum";
    case LBFGSERR_MAXIMUMITERATION:
      return "reached the iteration limit";
    case LBFGSERR_ROUNDING_ERROR:
      return "stopped: rounding errors prevent further progress";
    case LBFGSERR_MAXIMUMLINESEARCH:
      return "stopped: the line search took too many evaluations";
    case LBFGSERR_MINIMUMSTEP:
      return "stopped: the line search step became too small";
    case LBFGSERR_CANCELED:
      return "stopped by request";
    default:
      return fmt::format("stopped by libLBFGS (status {})", status);
  }
}

}  // namespace

void LbfgsOptions::validate() const {
  if (max_iterations < 0) throw SettingError("--epochs", "must be >= 0 (L-BFGS iterations)");
  if (history < 1) throw SettingError("--lbfgs-history", "must be >= 1");
  if (!(epsilon >= 0.0)) throw SettingError("--lbfgs-epsilon", "must be >= 0");
  if (!(delta >= 0.0)) throw SettingError("--lbfgs-delta", "must be >= 0");
}

LbfgsSummary minimize_lbfgs(EnergyModel& model, const FullBatchObjective& objective,
                            const LbfgsOptions& options,
                            const std::function<bool(const LbfgsIteration&)>& on_iteration) {
  options.validate();
  ParameterVector& parameters = model.parameters();
  const int n = static_cast<int>(parameters.size());
  Context c{&model, &objective, &on_iteration, parameters.zeros_like(),         {}, 0,
            0,      false,      false,         std::chrono::steady_clock::now()};
  c.entry_scale.assign(static_cast<std::size_t>(n), 1.0);
  for (const TensorSpec& spec : parameters.specs()) {
    if (!model.pair_tensor(spec.name)) continue;
    for (Index k = 0; k < spec.size(); ++k)
      c.entry_scale[static_cast<std::size_t>(spec.offset + k)] = 0.5;
  }
  lbfgsfloatval_t* x = lbfgs_malloc(n);
  if (x == nullptr) throw Error(fmt::format("L-BFGS: cannot allocate {} variables", n));
  const std::span<const float> theta = parameters.values();
  for (int k = 0; k < n; ++k)
    x[k] = theta[static_cast<std::size_t>(k)];
  lbfgs_parameter_t settings;
  lbfgs_parameter_init(&settings);
  settings.m = options.history;
  settings.epsilon = options.epsilon;
  settings.past = options.delta > 0.0 ? 5 : 0;
  settings.delta = options.delta;
  settings.max_iterations = options.max_iterations;
  lbfgsfloatval_t value = 0.0;
  const int status = lbfgs(n, x, &value, evaluate, progress, &c, &settings);
  load(c, x);  // libLBFGS leaves the best point in x
  lbfgs_free(x);
  if (c.diverged || !std::isfinite(value)) {
    throw DivergenceError(
        fmt::format("L-BFGS: the objective or its gradient became non-finite "
                    "after {} evaluations ({})",
                    c.evaluations, describe(status)));
  }
  LbfgsSummary summary;
  summary.iterations = c.iterations;
  summary.evaluations = c.evaluations;
  summary.objective = value;
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  summary.stopped = c.stopped;
  summary.converged =
      status == LBFGS_SUCCESS || status == LBFGS_STOP || status == LBFGS_ALREADY_MINIMIZED;
  summary.status = describe(status);
  return summary;
}

}  // namespace logz
