// spend_until_reliable's rounds, with a stand-in for the annealing run whose
// log-weights have a chosen spread: which schedules it runs, with which
// seeds, and which run it reports.
#include "logz/estimators/spending.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace logz {
namespace {

struct Call {
  std::size_t steps;
  int round;
};

// A run of `steps` steps whose 100 log-weights are +/- s (spread s * 100/99
// under the sample's n - 1), with s = spread_at(steps, round); its log_z
// tells the runs apart.
class FakeRuns {
 public:
  explicit FakeRuns(std::function<double(std::size_t, int)> spread_at)
      : spread_at_(std::move(spread_at)) {}

  LogZEstimate operator()(const std::vector<double>& betas, int round) {
    const std::size_t steps = betas.size() - 1;
    calls.push_back({steps, round});
    LogZEstimate e;
    e.log_z = static_cast<double>(calls.size());
    e.lower = e.log_z - 1.0;
    e.upper = e.log_z + 1.0;
    e.seconds = 1.0;
    const double s = spread_at_(steps, round) * std::sqrt(99.0 / 100.0);
    for (int k = 0; k < 100; ++k)
      e.log_weights.push_back(k % 2 == 0 ? s : -s);
    return e;
  }

  std::vector<Call> calls;

 private:
  std::function<double(std::size_t, int)> spread_at_;
};

std::vector<double> linear(std::size_t steps) {
  std::vector<double> betas(steps + 1);
  for (std::size_t k = 0; k <= steps; ++k)
    betas[k] = static_cast<double>(k) / static_cast<double>(steps);
  return betas;
}

TEST(Spending, TheRunThatReachesTheTargetIsAPilotAndTheNextRunIsTheEstimate) {
  // Spread 1.6 at 100 steps, falling as 1 / sqrt(steps): the target for 100
  // values is 0.764, so the second schedule is 100 (1.6 / 0.688)^2 = 541 steps.
  FakeRuns runs([](std::size_t steps, int) { return 16.0 / std::sqrt(double(steps)); });
  const LogZEstimate e = spend_until_reliable(std::ref(runs), linear(100), SpendingOptions{});
  ASSERT_EQ(runs.calls.size(), 3u);
  EXPECT_EQ(runs.calls[0].steps, 100u);
  EXPECT_EQ(runs.calls[1].steps, 541u);
  EXPECT_EQ(runs.calls[2].steps, 541u);  // the same schedule again
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(runs.calls[static_cast<std::size_t>(k)].round, k);
  EXPECT_EQ(e.log_z, 3.0);  // the confirming run's, not the pilot's
  EXPECT_EQ(e.diagnostics.at("reliable"), 1.0);
  EXPECT_EQ(e.diagnostics.at("rounds"), 3.0);
  EXPECT_EQ(e.diagnostics.at("steps"), 541.0);
  EXPECT_NEAR(e.diagnostics.at("pilot_log_weight_spread"), 16.0 / std::sqrt(541.0), 1e-12);
  EXPECT_EQ(e.seconds, 3.0);
  EXPECT_EQ(e.upper, 4.0);
}

TEST(Spending, TheConfirmingRunIsReportedWhateverItsSpread) {
  // Passes at once; the confirmation's weights are wider than the target,
  // and are reported as they are (its own spread did not choose it).
  FakeRuns runs([](std::size_t, int round) { return round == 0 ? 0.5 : 0.9; });
  const LogZEstimate e = spend_until_reliable(std::ref(runs), linear(100), SpendingOptions{});
  ASSERT_EQ(runs.calls.size(), 2u);
  EXPECT_EQ(e.log_z, 2.0);
  EXPECT_EQ(e.diagnostics.at("reliable"), 1.0);
  EXPECT_NEAR(e.diagnostics.at("log_weight_spread"), 0.9, 1e-12);
  EXPECT_TRUE(std::isfinite(e.upper));
}

TEST(Spending, ABudgetSpentWithoutReachingTheTargetLeavesNoUpperEnd) {
  FakeRuns runs([](std::size_t, int) { return 2.0; });  // a floor: more steps never help
  SpendingOptions options;
  options.max_steps = 1000;
  const LogZEstimate e = spend_until_reliable(std::ref(runs), linear(100), options);
  // 100 steps, then 846 (100 (2 / 0.688)^2, rounded up), then the budget; no confirmation.
  ASSERT_EQ(runs.calls.size(), 3u);
  EXPECT_EQ(runs.calls[1].steps, 846u);
  EXPECT_EQ(runs.calls[2].steps, 1000u);
  EXPECT_EQ(e.log_z, 3.0);
  EXPECT_EQ(e.diagnostics.at("reliable"), 0.0);
  EXPECT_EQ(e.diagnostics.count("pilot_log_weight_spread"), 0u);
  EXPECT_TRUE(std::isinf(e.upper));
}

TEST(Spending, WithoutAdaptingOneRunIsJudgedByItsOwnSpread) {
  SpendingOptions options;
  options.adapt = false;
  FakeRuns wide([](std::size_t, int) { return 2.0; });
  const LogZEstimate a = spend_until_reliable(std::ref(wide), linear(100), options);
  EXPECT_EQ(wide.calls.size(), 1u);
  EXPECT_EQ(a.diagnostics.at("reliable"), 0.0);
  EXPECT_TRUE(std::isinf(a.upper));
  FakeRuns narrow([](std::size_t, int) { return 0.5; });
  const LogZEstimate b = spend_until_reliable(std::ref(narrow), linear(100), options);
  EXPECT_EQ(narrow.calls.size(), 1u);
  EXPECT_EQ(b.diagnostics.at("reliable"), 1.0);
}

TEST(Spending, RoundSeedsKeepTheFirstAndGiveEachLaterRoundItsOwn) {
  EXPECT_EQ(round_seed(42, 0), 42u);
  std::set<std::uint64_t> seen = {42};
  for (int round = 1; round < 50; ++round) {
    EXPECT_EQ(round_seed(42, round), round_seed(42, round));
    seen.insert(round_seed(42, round));
    seen.insert(round_seed(43, round));
  }
  EXPECT_EQ(seen.size(), 1u + 2u * 49u);
}

}  // namespace
}  // namespace logz
