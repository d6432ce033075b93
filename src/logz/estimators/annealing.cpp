#include "logz/estimators/annealing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace logz {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::vector<std::size_t> trajectory_steps(std::size_t snapshots, std::size_t total) {
  std::vector<std::size_t> steps(snapshots, 1);
  steps[0] = std::clamp<std::size_t>(total / 100, 10, 1000);
  if (snapshots > 1) {
    const std::size_t rest = total > steps[0] ? total - steps[0] : 0;
    for (std::size_t j = 1; j < snapshots; ++j) {
      // Spread the remainder over the first segments, one step each.
      steps[j] = std::max<std::size_t>(
          1, rest / (snapshots - 1) + (j - 1 < rest % (snapshots - 1) ? 1 : 0));
    }
  }
  return steps;
}

LogZEstimate anneal_log_z(const AnnealingPath& path, const AnnealingOptions& options,
                          std::string method) {
  const auto start = std::chrono::steady_clock::now();
  ParticleSystem particles(options.particles, path.n_visible(), path.base_log_partition());
  RandomStream stream = particles.particle_stream(options.seed, StreamId::annealing);
  RandomStream resampling = make_stream(options.seed, StreamId::resampling);
  MatrixF& x = particles.states();
  path.draw_base(x, stream);
  const std::size_t steps = path.steps();
  for (std::size_t k = 1; k <= steps; ++k) {
    path.add_increment(k, x, particles.log_weights());
    if (k < steps) {
      particles.resample_if_needed(resampling);
      path.move(k, x, stream);
    }
    if (options.progress && (k % 64 == 0 || k == steps)) options.progress(k, steps);
  }
  LogZEstimate estimate = particles.estimate(std::move(method));
  estimate.seconds = seconds_since(start);
  return estimate;
}

}  // namespace logz
