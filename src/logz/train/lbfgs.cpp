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
// blocks i < j, in order of (i, j), each block's q^2 entries in its order: the
// variable of J_ij(a, b) is also stored at its mirror J_ji(b, a). A tensor is
// a segment of consecutive variables, and positions are computed, not
// listed (index arrays of 2 x 8 bytes per variable doubled the memory
// traffic of every pass between the model and L-BFGS).
struct Segment {
  Index offset = 0;  // of the tensor in the parameter vector
  Index first = 0;   // its first variable
  Index size = 0;    // plain tensor: its entries
  Index sites = 0;   // pair tensor: L (0: plain)
  Index q = 1;       // pair tensor: states per site (1 for [L, L])
  Index variables() const { return sites > 0 ? sites * (sites - 1) / 2 * q * q : size; }
  // Pair tensor: the first variable of the blocks of site i (pairs (i, j > i)).
  Index row_start(Index i) const { return first + (i * sites - i * (i + 1) / 2) * q * q; }
};

struct Variables {
  std::vector<Segment> segments;
  Index count = 0;

  explicit Variables(const EnergyModel& model) {
    for (const TensorSpec& spec : model.parameters().specs()) {
      Segment segment;
      segment.offset = spec.offset;
      segment.first = count;
      if (!model.pair_tensor(spec.name)) {
        segment.size = spec.size();
      } else {
        const Index sites = spec.shape.at(0);
        const Index block = spec.size() / (sites * sites);
        const auto q = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(block))));
        if (spec.shape.at(1) != sites || q * q != block) {
          throw Error(
              fmt::format("L-BFGS: the pair tensor {} is not [L, L] or [L, L, q, q]", spec.name));
        }
        segment.sites = sites;
        segment.q = q;
      }
      count += segment.variables();
      segments.push_back(segment);
    }
  }
  int size() const { return static_cast<int>(count); }

  // visit(variable, first place, second place) for every variable, in
  // parallel over sites (pair tensors) or entries (plain ones).
  template <typename Visit>
  void for_each(const Visit& visit) const {
    for (const Segment& s : segments) {
      if (s.sites == 0) {
#pragma omp parallel for schedule(static) if (s.size > 1 << 16)
        for (Index k = 0; k < s.size; ++k)
          visit(s.first + k, s.offset + k, s.offset + k);
        continue;
      }
      const Index L = s.sites, q = s.q;
#pragma omp parallel for schedule(dynamic) if (L * L * q * q > 1 << 16)
      for (Index i = 0; i < L; ++i) {
        Index v = s.row_start(i);
        for (Index j = i + 1; j < L; ++j) {
          const Index ij = s.offset + (i * L + j) * q * q, ji = s.offset + (j * L + i) * q * q;
          for (Index a = 0; a < q; ++a) {
            for (Index b = 0; b < q; ++b, ++v)
              visit(v, ij + a * q + b, ji + b * q + a);
          }
        }
      }
    }
  }
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
  c.variables->for_each([&](Index v, Index first, Index second) {
    theta[first] = theta[second] = static_cast<float>(x[v]);
  });
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
  c.variables->for_each([&](Index v, Index first, Index second) {
    g[v] = 0.5 * (static_cast<double>(grad[first]) + static_cast<double>(grad[second]));
  });
  bool finite = std::isfinite(value);
#pragma omp parallel for schedule(static) reduction(&& : finite)
  for (int v = 0; v < n; ++v)
    finite = finite && std::isfinite(g[v]);
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
  variables.for_each([&](Index v, Index first, Index /*second*/) {
    x[v] = theta[static_cast<std::size_t>(first)];
  });
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
