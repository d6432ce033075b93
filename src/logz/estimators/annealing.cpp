#include "logz/estimators/annealing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace logz {
namespace {

// Rows per block of reverse chains: bounds memory, keeps products large.
constexpr Index kReverseBlockRows = 1000;

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
  RandomStream stream = make_stream(options.seed, StreamId::annealing);
  RandomStream resampling = make_stream(options.seed, StreamId::resampling);
  ParticleSystem particles(options.particles, path.n_visible(), path.base_log_partition());
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

RaiseResult reverse_anneal_log_likelihood(const AnnealingPath& path, ConstMatrixRef data,
                                          const AnnealingOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RandomStream stream = make_stream(options.seed, StreamId::annealing);
  const std::size_t steps = path.steps();
  const std::size_t blocks =
      static_cast<std::size_t>((data.rows() + kReverseBlockRows - 1) / kReverseBlockRows);
  const std::size_t total_work = steps * blocks;
  std::size_t work_done = 0;
  RaiseResult result;
  result.log_likelihoods.reserve(static_cast<std::size_t>(data.rows()));
  for (Index first = 0; first < data.rows(); first += kReverseBlockRows) {
    const Index n = std::min(kReverseBlockRows, data.rows() - first);
    MatrixF x = data.middleRows(first, n);
    std::vector<double> acc(static_cast<std::size_t>(n), 0.0), value(acc.size());
    for (std::size_t k = steps; k >= 1; --k) {
      path.log_f(k, x, value);
      for (std::size_t i = 0; i < acc.size(); ++i)
        acc[i] += value[i];
      path.move(k, x, stream);
      path.log_f(k, x, value);
      for (std::size_t i = 0; i < acc.size(); ++i)
        acc[i] -= value[i];
      ++work_done;
      if (options.progress && (work_done % 64 == 0 || work_done == total_work)) {
        options.progress(work_done, total_work);
      }
    }
    // log p_0(x_0) = log f_0(x_0) - log Z_0.
    path.log_f(0, x, value);
    const double log_z_base = path.base_log_partition();
    for (std::size_t i = 0; i < acc.size(); ++i)
      result.log_likelihoods.push_back(acc[i] + value[i] - log_z_base);
  }
  const double count = static_cast<double>(result.log_likelihoods.size());
  double sum = 0.0;
  for (double v : result.log_likelihoods)
    sum += v;
  result.average = sum / count;
  double squares = 0.0;
  for (double v : result.log_likelihoods)
    squares += (v - result.average) * (v - result.average);
  result.std_error_of_mean = count > 1 ? std::sqrt(squares / (count - 1) / count) : 0.0;
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace logz
