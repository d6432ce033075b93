#include "logz/estimators/bracket.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "logz/error.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// Share of a time budget the forward estimate may take, the pilots' steps,
// and the share of the measured time per step that plans assume, for the
// speed that a pilot misjudges (measured: RAISE's main run 25% slower per step
// than its 100-step pilot).
constexpr double kForwardShare = 0.4;
constexpr std::size_t kForwardPilotSteps = 1000;
constexpr std::size_t kRaisePilotSteps = 500;
constexpr double kPlanningMargin = 0.8;
constexpr std::size_t kFirstForwardSteps = 14500;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `count` distinct rows of [0, n), drawn without replacement, in increasing order.
std::vector<Index> random_subset(Index n, Index count, std::uint64_t seed) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  if (count <= 0 || count >= n) return order;
  RandomStream stream = make_stream(seed, StreamId::evaluation);
  for (Index i = 0; i < count; ++i) {  // a partial Fisher-Yates shuffle
    const Index j = i + static_cast<Index>(stream.below(static_cast<std::uint64_t>(n - i)));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  order.resize(static_cast<std::size_t>(count));
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace

void BracketOptions::validate() const {
  if (!(time_budget >= 0.0)) throw SettingError("--time-budget", "must be >= 0 seconds");
  if (examples < 0) throw SettingError("--examples", "must be >= 0 (0: all)");
  if (raise_steps < 3) throw SettingError("--raise-betas", "must be at least 3");
  forward.particles().validate();
  spending.validate();
}

// The forward pilot: the Bernoulli RBM's own AIS (its fused kernels), else the generic one.
static double pilot_ais_seconds(const GibbsModel& model, const VectorF& base,
                                const AisOptions& pilot) {
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    return ais_log_z(*rbm, base, pilot).seconds;
  }
  return ais_log_z(model, &base, pilot).seconds;
}

LogLikelihoodBracket log_likelihood_bracket(const GibbsModel& rbm, const VectorF& base_visible_bias,
                                            ConstMatrixRef data, const BracketOptions& options) {
  options.validate();
  if (data.rows() < 2) throw SettingError("--split", "a bracket needs at least 2 examples");
  const auto start = std::chrono::steady_clock::now();
  LogLikelihoodBracket bracket;
  bracket.examples = data.rows();
  std::vector<double> free_energy(static_cast<std::size_t>(data.rows()));
  rbm.free_energy(data, free_energy);
  double sum = 0.0;
  for (double f : free_energy)
    sum -= f;
  bracket.average_negative_free_energy = sum / static_cast<double>(data.rows());

  // Forward: log Z from below.
  AisOptions forward = options.forward;
  SpendingOptions spending = options.spending;
  forward.betas = sm2008_shaped_schedule(kFirstForwardSteps);
  if (options.time_budget > 0.0) {
    AisOptions pilot = forward;
    pilot.betas = sm2008_shaped_schedule(kForwardPilotSteps);
    pilot.progress = nullptr;
    // Under MPI every rank plans with rank 0's timings, so all run the same steps.
    const Communicator& world = Communicator::world();
    const double per_step =
        world.broadcast(pilot_ais_seconds(rbm, base_visible_bias, pilot) / kForwardPilotSteps);
    const double share = kForwardShare * options.time_budget - world.broadcast(seconds_since(start));
    // Rounds grow about geometrically, so the last judged one takes about half of
    // those, and the confirming run repeats it: the longest schedule, a third of all.
    const auto affordable =
        static_cast<std::size_t>(std::max(0.0, kPlanningMargin * share / per_step / 3.0));
    spending.max_steps = std::max<std::size_t>(kForwardPilotSteps, affordable);
    forward.betas = sm2008_shaped_schedule(std::min(kFirstForwardSteps, spending.max_steps));
  }
  bracket.forward = annealed_log_z(rbm, base_visible_bias, forward, spending);

  // Backward: log Z from above, by RAISE on a random subset of the examples.
  const std::vector<Index> rows = random_subset(data.rows(), options.examples, options.seed);
  MatrixF subset(static_cast<Index>(rows.size()), data.cols());
  for (std::size_t i = 0; i < rows.size(); ++i)
    subset.row(static_cast<Index>(i)) = data.row(rows[i]);
  AisOptions reverse;
  reverse.seed = options.seed;
  reverse.progress = options.progress;
  std::size_t steps = options.raise_steps;
  if (options.time_budget > 0.0) {
    // The pilot is RAISE itself on a short schedule; its first steps (buffers
    // allocated, caches cold) are not timed.
    AisOptions pilot = reverse;
    pilot.progress = nullptr;
    pilot.betas = sm2008_shaped_schedule(kRaisePilotSteps / 10);
    raise_log_likelihood(rbm, base_visible_bias, subset, pilot);
    pilot.betas = sm2008_shaped_schedule(kRaisePilotSteps);
    const Communicator& world = Communicator::world();
    const double per_step = world.broadcast(
        raise_log_likelihood(rbm, base_visible_bias, subset, pilot).seconds / kRaisePilotSteps);
    const double left = options.time_budget - world.broadcast(seconds_since(start));
    steps = static_cast<std::size_t>(
        std::max(static_cast<double>(kRaisePilotSteps), kPlanningMargin * left / per_step));
  }
  reverse.betas = sm2008_shaped_schedule(steps);
  const RaiseResult raised = raise_log_likelihood(rbm, base_visible_bias, subset, reverse);
  std::vector<double> upper_bounds(rows.size());
  double mean = 0.0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    upper_bounds[i] = -free_energy[static_cast<std::size_t>(rows[i])] - raised.log_likelihoods[i];
    mean += upper_bounds[i];
  }
  mean /= static_cast<double>(rows.size());
  double squares = 0.0;
  for (double u : upper_bounds)
    squares += (u - mean) * (u - mean);
  const double n = static_cast<double>(rows.size());
  bracket.log_z_upper = mean;
  bracket.log_z_upper_std_error = n > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
  bracket.raise_examples = static_cast<Index>(rows.size());
  bracket.raise_steps = steps;
  bracket.raise_seconds = raised.seconds;

  bracket.lower = bracket.average_negative_free_energy -
                  (bracket.log_z_upper + 1.96 * bracket.log_z_upper_std_error);
  bracket.upper = std::isfinite(bracket.forward.lower)
                      ? bracket.average_negative_free_energy - bracket.forward.lower
                      : std::numeric_limits<double>::infinity();
  bracket.seconds = seconds_since(start);
  return bracket;
}

}  // namespace logz
