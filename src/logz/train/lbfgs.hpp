// Full-batch minimization by limited-memory BFGS (Nocedal 1980; Liu &
// Nocedal 1989), through libLBFGS (Okazaki's C port, the library plmc uses;
// Debian's liblbfgs-dev), with its More-Thuente line search.
//
// The variables are the model's parameters in double, each free parameter
// once: a coupling stored twice (EnergyModel::pair_tensor: J of the Ising and
// Potts models, J_ji = J_ij^T, whose gradient holds each pair's derivative in
// both places) is one variable per pair i < j, written to both places, and
// the diagonal blocks stay as they are (zero). That halves the vectors
// libLBFGS works on (a family's J is nearly all of its parameters), and each
// pair's variable has its own derivative, as in plmc. Iterates are symmetric
// by construction.
//
// Deterministic: libLBFGS is sequential and the function is (logz's kernels
// give the same bits for any thread count).
#pragma once

#include <functional>
#include <string>

#include "logz/models/energy_model.hpp"

namespace logz {

struct LbfgsOptions {
  int max_iterations = 200;  // 0: until convergence
  int history = 10;          // m, the corrections kept (the peer's history_size)
  // Stop when ||g|| < epsilon max(1, ||x||) (libLBFGS's test), or when the
  // objective decreased by less than a fraction `delta` over the last 5 iterations.
  double epsilon = 1e-5;
  double delta = 1e-7;
  void validate() const;  // throws SettingError naming the flag
};

struct LbfgsIteration {
  int iteration = 0;    // 1-based
  int evaluations = 0;  // of the function, so far
  double objective = 0.0;
  double gradient_norm = 0.0;
  double step = 0.0;
  double seconds = 0.0;  // since the start
};

struct LbfgsSummary {
  int iterations = 0;
  int evaluations = 0;
  double objective = 0.0;
  double seconds = 0.0;
  bool converged = false;  // by the gradient or the decrease test, not the iteration limit
  bool stopped = false;    // by the iteration callback
  std::string status;      // libLBFGS's outcome, in words
};

// The objective at the model's current parameters: returns its value and
// overwrites `gradient` (the parameters' layout) with its gradient.
using FullBatchObjective =
    std::function<double(const EnergyModel& model, ParameterVector& gradient)>;

// Minimizes `objective` over the model's parameters, leaving the best point
// found in the model. `on_iteration` (optional) is called after every
// iteration with the model at the new point; returning false stops.
// Throws DivergenceError if the objective or its gradient becomes non-finite.
LbfgsSummary minimize_lbfgs(EnergyModel& model, const FullBatchObjective& objective,
                            const LbfgsOptions& options,
                            const std::function<bool(const LbfgsIteration&)>& on_iteration = {});

}  // namespace logz
