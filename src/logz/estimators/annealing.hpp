// Annealing along any path (annealing_path.hpp), forward.
//
// anneal_log_z: AIS (Neal 2001) or, with replicates, SMC (particle_system.hpp):
// particles start at exact draws of p_0; for k = 1..K the log-weights gain
// log f_k(x) - log f_{k-1}(x), replicates whose weights grew uneven are
// resampled, and (before the last step) the particles move by the path's
// move at k. log Z = log Z_0 + log of the replicates' mean estimate.
#pragma once

#include "logz/estimators/annealing_path.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/estimators/particle_system.hpp"

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

}  // namespace logz
