// Annealing along any path (annealing_path.hpp), forward and backward.
//
// anneal_log_z: AIS (Neal 2001) or, with replicates, SMC (particle_system.hpp):
// particles start at exact draws of p_0; for k = 1..K the log-weights gain
// log f_k(x) - log f_{k-1}(x), replicates whose weights grew uneven are
// resampled, and (before the last step) the particles move by the path's
// move at k. log Z = log Z_0 + log of the replicates' mean estimate.
//
// reverse_anneal_log_likelihood: RAISE (Burda, Grosse & Salakhutdinov 2015)
// along the path: from each row x_K of `data`, for k = K..1,
//   acc += log f_k(x_k);  x_{k-1} ~ T_k(. | x_k);  acc -= log f_k(x_{k-1})
// then acc + log p_0(x_0): an unbiased estimate of p_ann(x), the probability
// of x under the forward annealing model of this path (raise.hpp says why it
// errs low). The moves must be reversible (Gibbs sweeps are, up to their
// order of units, which only makes the reverse kernel the transpose scan;
// every logz move on binary units is a full block or sequential sweep).
#pragma once

#include "logz/estimators/annealing_path.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/estimators/particle_system.hpp"
#include "logz/estimators/raise.hpp"

namespace logz {

struct AnnealingOptions {
  ParticleOptions particles{100, 1, 0.0};
  std::uint64_t seed = 0;
  ProgressCallback progress;  // over steps
};

LogZEstimate anneal_log_z(const AnnealingPath& path, const AnnealingOptions& options,
                          std::string method = "ais");

// How `total` steps are shared by the segments of a trajectory of
// `snapshots` snapshots: 1% (at least 10, at most 1,000) from the base to the
// first snapshot, which is near its base (small initial weights), and the
// rest equally over the straight lines between snapshots, at least one each.
std::vector<std::size_t> trajectory_steps(std::size_t snapshots, std::size_t total);

// One reverse chain per row of `data`; options.particles is ignored.
RaiseResult reverse_anneal_log_likelihood(const AnnealingPath& path, ConstMatrixRef data,
                                          const AnnealingOptions& options);

}  // namespace logz
