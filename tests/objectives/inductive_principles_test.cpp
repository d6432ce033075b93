// The principles against the truth: estimates from data drawn exactly from a
// known model converge to its parameters, and parallel tempering mixes where
// plain Gibbs chains do not.
#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>

#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "logz/train/trainer.hpp"
#include "testing/ising_brute_force.hpp"

namespace logz {
namespace {

// Distance between two Ising models' parameters: each coupling once, and the fields.
double parameter_error(const IsingModel& a, const IsingModel& b) {
  double squares = (a.h() - b.h()).squaredNorm();
  for (Index i = 0; i < a.n_visible(); ++i) {
    for (Index j = i + 1; j < a.n_visible(); ++j) squares += std::pow(a.J()(i, j) - b.J()(i, j), 2);
  }
  return std::sqrt(squares);
}

IsingModel fit(Objective& objective, const MatrixF& data) {
  IsingModel model(data.cols());
  model.initialize(data);
  TrainOptions options;
  options.epochs = 300;
  options.batch_size = data.rows();  // full batch: Adam on the objective itself
  options.sgd.kind = OptimizerKind::adam;
  options.sgd.learning_rate = 0.05;
  options.sgd.momentum = 0.9;
  options.sgd.schedule = LearningRateSchedule::linear;  // down to 0: converge, do not hover
  Trainer trainer(model, objective, options);
  trainer.run(data, nullptr, nullptr);
  return model;
}

TEST(Consistency, PlRmAndExactMlRecoverAKnownIsingModel) {
  const IsingModel truth = testing::random_ising(10, 0.5, 21);
  RandomStream stream = make_stream(5, StreamId::data_generation);
  const MatrixF large = sample_exactly(truth, 100000, stream);
  const MatrixF small = large.topRows(1000);
  // Products of 10 columns gain nothing from threads; one thread spares the
  // synchronization (and ctest runs tests side by side).
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  Pseudolikelihood pl;
  RatioMatching rm;
  ExactLikelihood ml;
  for (Objective* objective : std::initializer_list<Objective*>{&pl, &rm, &ml}) {
    const double error_small = parameter_error(fit(*objective, small), truth);
    const double error_large = parameter_error(fit(*objective, large), truth);
    // Statistical error shrinks as 1/sqrt(N): a factor 10 here; ask for 4.
    EXPECT_LT(error_large, 0.25 * error_small) << objective->name() << ": " << error_small << " -> " << error_large;
    EXPECT_LT(error_large, 0.15) << objective->name();
  }
  omp_set_num_threads(threads);
}

// Two modes of equal weight, all zeros and all ones, separated by a barrier
// no single-site Gibbs sweep crosses: a ferromagnet (spin form, no field).
IsingModel ferromagnet(Index n, float coupling) {
  MatrixF j = MatrixF::Constant(n, n, coupling);
  j.diagonal().setZero();
  return IsingModel::from_spin_parameters(j, VectorF::Zero(n));
}

// Fraction of chain states in the "ones" mode (more than half the units on).
double ones_fraction(const MatrixF& states) {
  double count = 0;
  for (Index r = 0; r < states.rows(); ++r) count += states.row(r).sum() > 0.5 * states.cols() ? 1 : 0;
  return count / static_cast<double>(states.rows());
}

TEST(ParallelTempering, VisitsBothModesWherePersistentChainsStayInOne) {
  const IsingModel model = ferromagnet(16, 0.4f);
  const MatrixF zeros = MatrixF::Zero(100, 16);  // every chain starts in the zeros mode
  ParameterVector g = model.parameters().zeros_like();
  RandomStream stream(3, 3);
  PersistentContrastiveDivergence pcd(100, 1);
  ParallelTempering pt(100, 12, 1, VectorF::Zero(16));
  double pcd_ones = 0, pt_ones = 0;
  const int steps = 300;
  for (int s = 0; s < steps; ++s) {
    pcd.gradient(model, zeros, g, stream);
    const StepReport report = pt.gradient(model, zeros, g, stream);
    pcd_ones += ones_fraction(pcd.chains().visible) / steps;
    pt_ones += ones_fraction(pt.ladder()->states(11)) / steps;
    if (s == steps - 1) {
      EXPECT_GT(report.diagnostics.at("swap_acceptance_min"), 0.05);
    }
  }
  // Both modes weigh 1/2 under the model.
  EXPECT_LT(pcd_ones, 0.02);
  EXPECT_GT(pt_ones, 0.25);
  EXPECT_LT(pt_ones, 0.75);
}

}  // namespace
}  // namespace logz
