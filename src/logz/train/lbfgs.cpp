#include "logz/train/lbfgs.hpp"

#include <fmt/format.h>
#include <lbfgs.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "logz/error.hpp"

namespace logz {
namespace {

// The variables L-BFGS sees: every stored parameter once, except that a pair
// tensor (EnergyModel::pair_tensor: J [L, L] of an Ising model, J [L, L, q, q]
// of a Potts model, J_ji = J_ij^T, zero diagonal blocks) gives only its
// blocks i < j. Variable v is stored at first[v] and, for a pair, also at
// second[v] (its mirror J_ji(b, a)); first[v] == second[v] otherwise.
struct Variables {
  std::vector<std::int64_t> first, second;

  explicit Variables(const EnergyModel& model) {
    for (const TensorSpec& spec : model.parameters().specs()) {
      if (!model.pair_tensor(spec.name)) {
        for (Index k = 0; k < spec.size(); ++k) {
          first.push_back(spec.offset + k);
          second.push_back(spec.offset + k);
        }
        continue;
      }
      const Index sites = spec.shape.at(0);
      const Index block = spec.size() / (sites * sites);
      const auto q = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(block))));
      if (spec.shape.at(1) != sites || q * q != block) {
        throw Error(
            fmt::format("L-BFGS: the pair tensor {} is not [L, L] or [L, L, q, q]", spec.name));
      }
      for (Index i = 0; i < sites; ++i) {
        for (Index j = i + 1; j < sites; ++j) {
          for (Index a = 0; a < q; ++a) {
            for (Index b = 0; b < q; ++b) {
              first.push_back(spec.offset + ((i * sites + j) * q + a) * q + b);
              second.push_back(spec.offset + ((j * sites + i) * q + b) * q + a);
            }
          }
        }
      }
    }
  }
  int size() const { return static_cast<int>(first.size()); }
};

struct Context {
  EnergyModel* model;
  const FullBatchObjective* objective;
  const std::function<bool(const LbfgsIteration&)>* on_iteration;
  ParameterVector gradient;
  const Variables* variables;
  int evaluations = 0;
  int iterations = 0;
  bool stopped = false;
  bool diverged = false;
  std::chrono::steady_clock::time_point start;
};

void load(Context& c, const lbfgsfloatval_t* x) {
  float* theta = c.model->parameters().values().data();
  const std::int64_t* first = c.variables->first.data();
  const std::int64_t* second = c.variables->second.data();
#pragma omp parallel for schedule(static)
  for (int v = 0; v < c.variables->size(); ++v) {
    theta[first[v]] = theta[second[v]] = static_cast<float>(x[v]);
  }
}

lbfgsfloatval_t evaluate(void* instance, const lbfgsfloatval_t* x, lbfgsfloatval_t* g, int n,
                         lbfgsfloatval_t /*step*/) {
  Context& c = *static_cast<Context*>(instance);
  load(c, x);
  const double value = (*c.objective)(*c.model, c.gradient);
  ++c.evaluations;
  // A pair's gradient is its derivative, held in both places (their mean,
  // should rounding have made them differ).
  const float* grad = c.gradient.values().data();
  const std::int64_t* first = c.variables->first.data();
  const std::int64_t* second = c.variables->second.data();
  bool finite = std::isfinite(value);
#pragma omp parallel for schedule(static) reduction(&& : finite)
  for (int v = 0; v < n; ++v) {
    g[v] = 0.5 * (static_cast<double>(grad[first[v]]) + static_cast<double>(grad[second[v]]));
    finite = finite && std::isfinite(g[v]);
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
  const Variables variables(model);
  const int n = variables.size();
  Context c{&model, &objective, &on_iteration, parameters.zeros_like(),         &variables, 0,
            0,      false,      false,         std::chrono::steady_clock::now()};
  lbfgsfloatval_t* x = lbfgs_malloc(n);
  if (x == nullptr) throw Error(fmt::format("L-BFGS: cannot allocate {} variables", n));
  const std::span<const float> theta = parameters.values();
  for (int v = 0; v < n; ++v)
    x[v] = theta[static_cast<std::size_t>(variables.first[static_cast<std::size_t>(v)])];
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
