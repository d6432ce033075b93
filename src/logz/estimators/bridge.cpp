#include "logz/estimators/bridge.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>

#include "logz/error.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/particle_system.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/log_space.hpp"
#include "logz/parallel/communicator.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/sampling/tempering_ladder.hpp"

namespace logz {
namespace {

// Log-ratios between neighbouring levels of a tempering ladder, collected
// as it runs: up[l][r * s + k] = log f_{l+1} - log f_l and down[l][r * s + k]
// = log f_l - log f_{l-1} at level l's k-th sample of replica r (s samples per
// replica).
struct LadderLogRatios {
  std::vector<std::vector<double>> up, down;
  Index replicas = 0, samples_per_replica = 0;
};

constexpr int kMaxIterations = 1000;
constexpr double kTolerance = 1e-12;
// Gibbs sweeps per level of the annealing pass that starts the ladder.
constexpr int kAnnealingSweeps = 10;

// Each group's first-order share of the error of log(mean x): with group
// means m_g and overall mean M over G equal consecutive groups, (m_g - M) / (M G).
std::vector<double> influences(const std::vector<double>& x, Index groups, double sign) {
  const std::size_t per = x.size() / static_cast<std::size_t>(groups);
  std::vector<double> means(static_cast<std::size_t>(groups), 0.0);
  double mean = 0.0;
  for (std::size_t g = 0; g < means.size(); ++g) {
    for (std::size_t i = 0; i < per; ++i)
      means[g] += x[g * per + i];
    means[g] /= static_cast<double>(per);
    mean += means[g] / static_cast<double>(groups);
  }
  for (double& m : means)
    m = sign * (m - mean) / (mean * static_cast<double>(groups));
  return means;
}

// log f(v) = -F(v) of a model itself.
std::vector<double> log_f(const GibbsModel& model, const MatrixF& v) {
  std::vector<double> out(static_cast<std::size_t>(v.rows()));
  model.free_energy(v, out);
  for (double& x : out)
    x = -x;
  return out;
}

std::vector<double> difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    d[i] = a[i] - b[i];
  return d;
}

}  // namespace

double influence_variance(std::span<const double> influence) {
  const double g = static_cast<double>(influence.size());
  if (g < 2) return 0.0;
  double squares = 0.0;
  for (double x : influence)
    squares += x * x;
  return squares * g / (g - 1);
}

LogRatioEstimate optimal_bridge(std::span<const double> lambda_0, Index chains_0,
                                std::span<const double> lambda_1, Index chains_1) {
  const double n0 = static_cast<double>(lambda_0.size()), n1 = static_cast<double>(lambda_1.size());
  const double log_s0 = std::log(n0 / (n0 + n1)), log_s1 = std::log(n1 / (n0 + n1));
  // Start from the importance-sampling estimate E_{p_0}[f_1 / f_0].
  double rho = log_mean_exp(lambda_0);
  if (!std::isfinite(rho)) rho = 0.0;
  std::vector<double> numerator(lambda_0.size()), denominator(lambda_1.size());
  LogRatioEstimate result;
  for (result.iterations = 1; result.iterations <= kMaxIterations; ++result.iterations) {
    for (std::size_t i = 0; i < lambda_0.size(); ++i) {
      numerator[i] = lambda_0[i] - log_add_exp(log_s1 + lambda_0[i], log_s0 + rho);
    }
    for (std::size_t j = 0; j < lambda_1.size(); ++j) {
      denominator[j] = -log_add_exp(log_s1 + lambda_1[j], log_s0 + rho);
    }
    const double next = log_mean_exp(numerator) - log_mean_exp(denominator);
    const bool converged = std::fabs(next - rho) < kTolerance * (1.0 + std::fabs(rho));
    rho = next;
    if (converged) break;
  }
  // Delta method: a_i = l/(s_1 l + s_0 r) in [0, 1/s_1], r b_j = r/(s_1 l + s_0 r) in [0, 1/s_0].
  // log r = log A - log B, so A's groups enter with +, B's with -.
  std::vector<double> a(lambda_0.size()), rb(lambda_1.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = std::exp(lambda_0[i] - log_add_exp(log_s1 + lambda_0[i], log_s0 + rho));
  }
  for (std::size_t j = 0; j < rb.size(); ++j) {
    rb[j] = std::exp(rho - log_add_exp(log_s1 + lambda_1[j], log_s0 + rho));
  }
  result.log_ratio = rho;
  result.influence_0 = influences(a, chains_0, +1.0);
  result.influence_1 = influences(rb, chains_1, -1.0);
  result.std_error =
      std::sqrt(influence_variance(result.influence_0) + influence_variance(result.influence_1));
  return result;
}

namespace {

// Runs samples * thinning sweeps of the ladder (after_sweep after each) and
// keeps every thinning-th state of every level.
LadderLogRatios collect_ladder_log_ratios(const GibbsModel& model, TemperingLadder& ladder,
                                          Index samples, int thinning, RandomStream& stream,
                                          const std::function<void()>& after_sweep) {
  const std::size_t levels = ladder.levels();
  const Index m = ladder.states(0).rows();
  LadderLogRatios ratios;
  ratios.replicas = m;
  ratios.samples_per_replica = samples;
  ratios.up.assign(levels, std::vector<double>(static_cast<std::size_t>(m * samples)));
  ratios.down.assign(levels, std::vector<double>(static_cast<std::size_t>(m * samples)));
  std::vector<std::vector<double>> at;  // log f at levels l - 1, l, l + 1
  for (Index k = 0; k < samples; ++k) {
    for (int i = 0; i < thinning; ++i) {
      ladder.sweep(stream);
      if (after_sweep) after_sweep();
    }
    for (std::size_t l = 0; l < levels; ++l) {
      const std::size_t below = l > 0 ? l - 1 : l, above = l + 1 < levels ? l + 1 : l;
      const PathPoint points[3] = {ladder.point(below), ladder.point(l), ladder.point(above)};
      model.log_unnormalized(ladder.states(l), points, at);
      for (Index r = 0; r < m; ++r) {
        const auto i = static_cast<std::size_t>(r * samples + k), j = static_cast<std::size_t>(r);
        if (l + 1 < levels) ratios.up[l][i] = at[2][j] - at[1][j];
        if (l > 0) ratios.down[l][i] = at[1][j] - at[0][j];
      }
    }
  }
  return ratios;
}

// log Z(top) - log Z(bottom) as the sum of the optimal bridges between
// neighbouring levels, from replicas [first_replica, last_replica); the
// error adds each replica's influences over all levels before squaring.
LogRatioEstimate sum_ladder_bridges(const LadderLogRatios& ratios, Index first_replica,
                                    Index last_replica) {
  const Index replicas = last_replica - first_replica, s = ratios.samples_per_replica;
  const auto rows = [&](const std::vector<double>& x) {
    return std::vector<double>(x.begin() + first_replica * s, x.begin() + last_replica * s);
  };
  LogRatioEstimate sum;
  std::vector<double> replica_influence(static_cast<std::size_t>(replicas), 0.0);
  for (std::size_t l = 0; l + 1 < ratios.up.size(); ++l) {
    const LogRatioEstimate ratio =
        optimal_bridge(rows(ratios.up[l]), replicas, rows(ratios.down[l + 1]), replicas);
    sum.log_ratio += ratio.log_ratio;
    sum.iterations = std::max(sum.iterations, ratio.iterations);
    for (std::size_t r = 0; r < replica_influence.size(); ++r) {
      replica_influence[r] += ratio.influence_0[r] + ratio.influence_1[r];
    }
  }
  sum.std_error = std::sqrt(influence_variance(replica_influence));
  return sum;
}

}  // namespace

void BridgeOptions::validate() const {
  if (chains < 2) throw SettingError("--chains", "bridge sampling needs at least 2 chains");
  if (burn_in < 0) throw SettingError("--burn-in", "must be >= 0");
  if (thinning < 1) throw SettingError("--thinning", "must be >= 1");
  if (samples_per_chain < 1) throw SettingError("--samples-per-chain", "must be >= 1");
}

LogZEstimate bridge_log_z(const GibbsModel& model, const VectorF& base_visible_bias,
                          const std::vector<double>& betas, const BridgeOptions& options) {
  options.validate();
  validate_schedule(betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const Index m = options.chains, s = options.samples_per_chain;
  const std::size_t levels = betas.size();
  // Under MPI this process runs the replicas of its share, on a stream
  // sharded over replicas; the log ratios are gathered in replica order.
  const Communicator& world = Communicator::world();
  const IndexRange mine = world.share(m);
  RandomStream stream = make_stream(options.seed, StreamId::bridge);
  stream.shard(static_cast<std::uint64_t>(mine.begin), static_cast<std::uint64_t>(mine.size()),
               static_cast<std::uint64_t>(m));

  // Parallel tempering over the whole ladder keeps every level in equilibrium
  // (mode proportions included), which bridge sampling assumes.
  TemperingLadder ladder(model, &base_visible_bias, betas, mine.size(), stream);
  const std::size_t total_sweeps = static_cast<std::size_t>(options.burn_in + s * options.thinning);
  std::size_t done = 0;
  const auto sweep = [&] {
    ladder.sweep(stream);
    if (options.progress) options.progress(++done, total_sweeps);
  };
  const bool two_starts = options.start != nullptr && options.start->rows() > 0;
  const Index from_top = two_starts ? m / 2 : 0;
  if (two_starts) {
    ladder.anneal(kAnnealingSweeps, stream, *options.start, from_top, mine.begin);
  } else {
    ladder.anneal(kAnnealingSweeps, stream);
  }
  for (int i = 0; i < options.burn_in; ++i)
    sweep();

  LadderLogRatios ratios =
      collect_ladder_log_ratios(model, ladder, s, options.thinning, stream, [&] {
        if (options.progress) options.progress(++done, total_sweeps);
      });
  for (auto* by_level : {&ratios.up, &ratios.down}) {
    for (std::vector<double>& values : *by_level) values = world.all_gather(values, m, s);
  }
  ratios.replicas = m;
  const LogRatioEstimate all = sum_ladder_bridges(ratios, 0, m);
  LogZEstimate estimate;
  estimate.method = "bridge";
  estimate.log_z = model.base_log_partition(base_visible_bias) + all.log_ratio;
  estimate.std_error = all.std_error;
  // Equilibrium check: replicas that came down from the data and replicas
  // that climbed from the base must agree within their errors; if they do
  // not, the chains still remember where they started.
  if (two_starts && from_top >= 2 && m - from_top >= 2) {
    const LogRatioEstimate down = sum_ladder_bridges(ratios, 0, from_top);
    const LogRatioEstimate up = sum_ladder_bridges(ratios, from_top, m);
    estimate.diagnostics["start_disagreement"] = down.log_ratio - up.log_ratio;
    estimate.diagnostics["start_disagreement_std_error"] =
        std::sqrt(down.std_error * down.std_error + up.std_error * up.std_error);
  }
  // A 95% interval (Student's t over the replicas). Where the two starts
  // disagree beyond their errors, the estimate is biased by up to about half
  // their distance: the interval is widened to reach both halves' estimates.
  const double t = student_t_975(static_cast<double>(m - 1));
  double half_width = t * estimate.std_error;
  if (const auto d = estimate.diagnostics.find("start_disagreement"); d != estimate.diagnostics.end()) {
    const double spread = std::fabs(d->second), se = estimate.diagnostics.at("start_disagreement_std_error");
    if (spread > 3.0 * se) half_width = std::fmax(half_width, spread / 2.0 + t * estimate.std_error);
  }
  estimate.lower = estimate.log_z - half_width;
  estimate.upper = estimate.log_z + half_width;
  estimate.samples = static_cast<std::uint64_t>(m * s) * levels;
  // The swap counts of all replicas (integer sums: the same in any order).
  const TemperingLadder::SwapCounts counts = ladder.swap_counts();
  std::vector<double> acceptance(counts.accepted.size(), 0.0);
  for (std::size_t l = 0; l < acceptance.size(); ++l) {
    const std::int64_t proposed = world.sum(counts.proposed[l]);
    if (proposed > 0)
      acceptance[l] = static_cast<double>(world.sum(counts.accepted[l])) / static_cast<double>(proposed);
  }
  double lowest = 1.0, sum = 0.0;
  std::size_t lowest_at = 0;
  for (std::size_t l = 0; l < acceptance.size(); ++l) {
    sum += acceptance[l];
    if (acceptance[l] < lowest) {
      lowest = acceptance[l];
      lowest_at = l;
    }
  }
  estimate.diagnostics["min_swap_acceptance"] = lowest;
  estimate.diagnostics["min_swap_acceptance_beta"] = betas[lowest_at + 1];
  estimate.diagnostics["mean_swap_acceptance"] =
      acceptance.empty() ? 1.0 : sum / static_cast<double>(acceptance.size());
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return estimate;
}

LogRatioEstimate bridge_log_ratio(const GibbsModel& from, const GibbsModel& to,
                                  const BridgeOptions& options) {
  options.validate();
  if (from.n_visible() != to.n_visible()) {
    throw Error(fmt::format("bridge: the models have {} and {} visible units", from.n_visible(),
                            to.n_visible()));
  }
  RandomStream stream = make_stream(options.seed, StreamId::bridge);
  const auto draw = [&](const GibbsModel& model) {
    MatrixF chains(options.chains, model.n_visible());
    sample_bernoulli(MatrixF::Constant(options.chains, model.n_visible(), 0.5f), chains, stream);
    return collect_samples(model, PathPoint{}, chains, options.burn_in, options.thinning,
                           options.samples_per_chain, stream);
  };
  const MatrixF from_samples = draw(from), to_samples = draw(to);
  const auto lambda = [&](const MatrixF& x) { return difference(log_f(to, x), log_f(from, x)); };
  return optimal_bridge(lambda(from_samples), options.chains, lambda(to_samples), options.chains);
}

}  // namespace logz