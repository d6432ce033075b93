#include "logz/estimators/particle_system.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {

double student_t_975(double degrees) {
  // Exact values for few degrees of freedom, where the expansion below is poor.
  static constexpr double kTable[] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706,
                                      2.4469,  2.3646, 2.3060, 2.2622, 2.2281};
  if (!(degrees >= 1.0)) return std::numeric_limits<double>::infinity();
  if (degrees <= 10.0 && degrees == std::floor(degrees))
    return kTable[static_cast<int>(degrees) - 1];
  // Cornish-Fisher expansion of t around the normal quantile (Abramowitz &
  // Stegun 26.7.5): within 1e-4 of the exact value from 10 degrees on.
  const double z = 1.959963984540054, z2 = z * z, v = degrees;
  return z + (z2 + 1.0) * z / (4.0 * v) + ((5.0 * z2 + 16.0) * z2 + 3.0) * z / (96.0 * v * v) +
         (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / (384.0 * v * v * v);
}

void ParticleOptions::validate() const {
  if (replicates < 1) throw SettingError("--replicates", "must be at least 1");
  if (per_replicate < 1) {
    throw SettingError("--chains", fmt::format("must be at least --replicates ({})", replicates));
  }
  if (!(resample_below >= 0.0 && resample_below <= 1.0)) {
    throw SettingError("--resample", "the ESS fraction that triggers resampling must be in [0, 1]");
  }
}

ParticleSystem::ParticleSystem(const ParticleOptions& options, Index n_visible, double log_z_base)
    : options_(options) {
  options_.validate();
  replicates_here_ = Communicator::world().share(options_.replicates);
  const Index here = replicates_here_.size();
  states_.resize(here * options_.per_replicate, n_visible);
  log_weights_.assign(static_cast<std::size_t>(here * options_.per_replicate), 0.0);
  log_normalizers_.assign(static_cast<std::size_t>(here), log_z_base);
}

RandomStream ParticleSystem::particle_stream(std::uint64_t seed, StreamId id) const {
  RandomStream stream = make_stream(seed, id);
  const auto n = static_cast<std::uint64_t>(options_.per_replicate);
  stream.shard(static_cast<std::uint64_t>(replicates_here_.begin) * n,
               static_cast<std::uint64_t>(replicates_here_.size()) * n,
               static_cast<std::uint64_t>(options_.replicates) * n);
  return stream;
}

Index ParticleSystem::resample_if_needed(RandomStream& stream) {
  if (options_.resample_below <= 0.0 || options_.per_replicate < 2) return 0;
  const RandomBlocks offsets = stream.reserve_shared(static_cast<std::uint64_t>(options_.replicates));
  const Index n = options_.per_replicate;
  Index resampled = 0;
  std::vector<double> cumulative(static_cast<std::size_t>(n));
  std::vector<Index> source(static_cast<std::size_t>(n));
  MatrixF copies;
  for (Index r = 0; r < replicates_here_.size(); ++r) {
    const std::span<double> w =
        std::span<double>(log_weights_)
            .subspan(static_cast<std::size_t>(r * n), static_cast<std::size_t>(n));
    double max = -std::numeric_limits<double>::infinity();
    for (double x : w)
      max = std::fmax(max, x);
    double sum = 0.0, squares = 0.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double e = std::exp(w[i] - max);
      sum += e;
      squares += e * e;
      cumulative[i] = sum;
    }
    if (sum * sum / squares >= options_.resample_below * static_cast<double>(n)) continue;
    // Fold the epoch's mean weight into the replicate's normalizer.
    log_normalizers_[static_cast<std::size_t>(r)] += max + std::log(sum / static_cast<double>(n));
    // Systematic resampling: n evenly spaced points with one random offset.
    const auto words = offsets(static_cast<std::uint64_t>(replicates_here_.begin + r));
    const double u = uniform_double(words[0], words[1]);
    std::size_t j = 0;
    for (Index k = 0; k < n; ++k) {
      const double point = (u + static_cast<double>(k)) / static_cast<double>(n) * sum;
      while (j + 1 < cumulative.size() && cumulative[j] <= point)
        ++j;
      source[static_cast<std::size_t>(k)] = j;
    }
    copies = states_.middleRows(r * n, n);
    for (Index k = 0; k < n; ++k) {
      states_.row(r * n + k) = copies.row(source[static_cast<std::size_t>(k)]);
    }
    std::fill(w.begin(), w.end(), 0.0);
    ++resampled;
  }
  resamplings_ += resampled;
  return resampled;
}

std::vector<double> ParticleSystem::replicate_log_z() const {
  const Index n = options_.per_replicate;
  std::vector<double> log_z(static_cast<std::size_t>(replicates_here_.size()));
  for (std::size_t r = 0; r < log_z.size(); ++r) {
    const auto w = std::span<const double>(log_weights_).subspan(r * static_cast<std::size_t>(n),
                                                                 static_cast<std::size_t>(n));
    log_z[r] = log_normalizers_[r] + log_mean_exp(w);
  }
  return log_z;
}

LogZEstimate ParticleSystem::estimate(std::string method) const {
  const Communicator& world = Communicator::world();
  const std::vector<double> log_z = world.all_gather(replicate_log_z(), options_.replicates);
  LogZEstimate estimate =
      summarize_replicates(log_z, std::move(method), options_.per_replicate > 1);
  estimate.samples = static_cast<std::uint64_t>(options_.particles());
  estimate.diagnostics["replicates"] = static_cast<double>(options_.replicates);
  estimate.diagnostics["particles_per_replicate"] = static_cast<double>(options_.per_replicate);
  if (options_.resample_below > 0.0) {
    estimate.diagnostics["resamplings"] = static_cast<double>(world.sum(resamplings_));
  }
  // Plain AIS reports its weights themselves (log w, without log Z_0);
  // SMC its replicates' log Z_r (what summarize_replicates averaged).
  if (options_.per_replicate == 1) {
    estimate.log_weights = world.all_gather(log_weights_, options_.replicates);
  }
  return estimate;
}

LogZEstimate summarize_replicates(std::span<const double> log_values, std::string method,
                                  bool include_range) {
  LogZEstimate estimate;
  estimate.method = std::move(method);
  const double r = static_cast<double>(log_values.size());
  double max = -std::numeric_limits<double>::infinity();
  for (double x : log_values)
    max = std::fmax(max, x);
  double sum = 0.0, squares = 0.0;
  for (double x : log_values) {
    const double w = std::exp(x - max);
    sum += w;
    squares += w * w;
  }
  const double mean = sum / r;
  const double variance = r > 1 ? std::fmax(0.0, (squares - r * mean * mean) / (r - 1)) : 0.0;
  const double se = std::sqrt(variance / r);
  const double t = student_t_975(r - 1);
  estimate.log_z = max + std::log(mean);
  estimate.std_error = se / mean;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  // Where the spread leaves no lower end (one value, or mean - t se <= 0),
  // Markov's inequality gives one: the mean is unbiased for Z and positive,
  // so P(mean > 40 Z) <= 1/40, and log Z >= log(mean) - log 40 at 97.5%, the
  // lower half of a 95% interval, whatever the tail.
  const double markov_lower = estimate.log_z - std::log(40.0);
  if (log_values.size() < 2) {
    estimate.lower = markov_lower;
    estimate.upper = kInfinity;
  } else {
    estimate.lower = mean - t * se > 0 ? max + std::log(mean - t * se) : -kInfinity;
    estimate.upper = max + std::log(mean + t * se);
    // Cox's interval for the mean of a log-normal law (Land 1972; Zhou & Gao
    // 1997), from the mean m and variance v of the logs:
    //   log E = m + v / 2 +/- t sqrt(v / R + v^2 / (2 (R - 1)))
    // It reaches the part of the right tail that the values have not drawn;
    // the reported interval is the union of the two.
    double m = 0.0, v = 0.0;
    for (double x : log_values) m += x;
    m /= r;
    for (double x : log_values) v += (x - m) * (x - m);
    v /= r - 1;
    const double center = m + v / 2, half = t * std::sqrt(v / r + v * v / (2 * (r - 1)));
    estimate.lower = std::fmin(estimate.lower, center - half);
    estimate.upper = std::fmax(estimate.upper, center + half);
    if (include_range) {
      for (double x : log_values) {
        estimate.lower = std::fmin(estimate.lower, x);
        estimate.upper = std::fmax(estimate.upper, x);
      }
    }
    if (!std::isfinite(estimate.lower)) estimate.lower = markov_lower;
  }
  estimate.effective_sample_size = sum * sum / squares;
  estimate.samples = log_values.size();
  estimate.log_weights.assign(log_values.begin(), log_values.end());
  return estimate;
}

}  // namespace logz
