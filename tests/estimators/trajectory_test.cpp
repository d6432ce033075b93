// Annealing along a trajectory of snapshots against exact enumeration.
#include <gtest/gtest.h>

#include <cmath>

#include "logz/estimators/annealing.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

using testing::random_rbm;

void move(BernoulliRbm& rbm, const BernoulliRbm& direction, double step) {
  auto values = rbm.parameters().values();
  const auto d = direction.parameters().values();
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] += static_cast<float>(step * d[i]);
}

// A training-like run of snapshots: each moves along a fresh direction.
std::vector<BernoulliRbm> random_run(int snapshots, std::uint64_t seed) {
  std::vector<BernoulliRbm> run = {random_rbm(12, 8, 0.01, seed)};
  for (int j = 1; j < snapshots; ++j) {
    run.push_back(run.back());
    move(run.back(), random_rbm(12, 8, 1.0, seed * 1000 + static_cast<std::uint64_t>(j)), 0.5);
  }
  return run;
}

TEST(TrajectoryAnnealing, EstimatesTheLastSnapshotsLogZ) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const std::vector<BernoulliRbm> run = random_run(6, seed);
    std::vector<const GibbsModel*> path;
    for (const BernoulliRbm& rbm : run)
      path.push_back(&rbm);
    const TrajectoryPath trajectory(path, run.front().b(), trajectory_steps(path.size(), 4000));
    AnnealingOptions options;
    options.seed = seed;
    const LogZEstimate e = anneal_log_z(trajectory, options, "trajectory");
    const double exact = exact_log_z(run.back()).log_z;
    EXPECT_NEAR(e.log_z, exact, 4 * e.std_error + 0.01) << "seed " << seed;
    EXPECT_LT(e.std_error, 0.1);
  }
}

TEST(TrajectoryAnnealing, OneSnapshotIsTheGeometricPathFromItsBase) {
  const BernoulliRbm rbm = random_rbm(12, 8, 1.0, 7);
  const std::vector<const GibbsModel*> path = {&rbm};
  const TrajectoryPath trajectory(path, rbm.b(), {2000});
  AnnealingOptions options;
  const LogZEstimate e = anneal_log_z(trajectory, options, "trajectory");
  EXPECT_NEAR(e.log_z, exact_log_z(rbm).log_z, 4 * e.std_error + 0.01);
}

TEST(TrajectoryAnnealing, StepsAreSharedAsDocumented) {
  EXPECT_EQ(trajectory_steps(1, 20000), std::vector<std::size_t>({200}));
  const std::vector<std::size_t> steps = trajectory_steps(4, 1003);
  EXPECT_EQ(steps, std::vector<std::size_t>({10, 331, 331, 331}));
  EXPECT_EQ(trajectory_steps(3, 5), std::vector<std::size_t>({10, 1, 1}));
}

}  // namespace
}  // namespace logz
