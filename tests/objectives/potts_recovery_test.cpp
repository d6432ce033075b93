// Learners against the known parameters of the model that made the data: a
// sparse Potts model (two coupled pairs) is sampled exactly, and
// pseudolikelihood, ratio matching and exact maximum likelihood (L-BFGS), PCD
// and NCE (Adam) fit it. Couplings are compared in the zero-sum gauge, where they are
// identifiable; the error of the consistent estimators shrinks with N about
// as 1/sqrt(N).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "logz/estimators/exact.hpp"
#include "logz/models/contact_scores.hpp"
#include "logz/objectives/categorical_pseudolikelihood.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/noise_contrastive_estimation.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/train/lbfgs.hpp"
#include "logz/train/trainer.hpp"
#include "testing/potts_brute_force.hpp"

namespace logz {
namespace {

constexpr Index kSites = 5, kStates = 3;

// Fields of moderate size; J_01 and J_24 strong (contacts), the rest zero.
PottsModel sparse_truth() {
  PottsModel model(kSites, kStates);
  RandomStream stream(11, 1);
  std::vector<float> fields(kSites * kStates);
  stream.normal(fields, 0.0, 0.5);
  std::copy(fields.begin(), fields.end(), model.h().begin());
  const float pattern[3][3] = {{1.2f, -0.6f, -0.6f}, {-0.6f, 1.2f, -0.6f}, {-0.6f, -0.6f, 1.2f}};
  for (const auto& [i, j] : {std::pair<Index, Index>{0, 1}, {2, 4}}) {
    for (Index a = 0; a < kStates; ++a) {
      for (Index b = 0; b < kStates; ++b) {
        model.coupling(i, j, a, b) = pattern[a][b];
        model.coupling(j, i, b, a) = pattern[a][b];
      }
    }
  }
  return model;
}

MatrixF exact_samples(const PottsModel& model, Index n, std::uint64_t seed) {
  const testing::PottsDouble m(model);
  const std::vector<double> p = testing::state_probabilities(
      kSites, kStates,
      [&](const std::vector<int>& x) { return testing::potts_negative_energy(m, x); });
  RandomStream stream(seed, 2);
  return testing::draw_states(p, kSites, kStates, n, stream);
}

// Root mean square difference of the couplings in the zero-sum gauge.
double coupling_error(const PottsModel& fitted, const PottsModel& truth) {
  const PottsModel a = fitted.zero_sum_gauge(), b = truth.zero_sum_gauge();
  double squares = 0.0;
  for (std::size_t k = 0; k < a.J().size(); ++k) {
    squares += std::pow(static_cast<double>(a.J()[k]) - b.J()[k], 2);
  }
  return std::sqrt(squares / static_cast<double>(a.J().size()));
}

enum class Principle { pseudolikelihood, ratio_matching, exact };

const char* name_of(Principle p) {
  return p == Principle::pseudolikelihood ? "pl" : p == Principle::ratio_matching ? "rm" : "exact";
}

PottsModel fit_lbfgs(const MatrixF& data, Principle principle) {
  PottsModel model(kSites, kStates);
  model.initialize(data);
  // A light penalty, plmc's shape: 1e-3 per sequence keeps the fit consistent.
  CategoricalPseudolikelihood pl({1e-3, 1e-3, 1.0});
  CategoricalRatioMatching rm;
  RandomStream unused(0, 0);
  const double n = static_cast<double>(data.rows());
  const FullBatchObjective loss = [&](const EnergyModel& at, ParameterVector& gradient) {
    double value = 0.0;
    if (principle == Principle::pseudolikelihood) {
      value = *pl.gradient(at, data, gradient, unused).objective;
    } else if (principle == Principle::ratio_matching) {
      value = *rm.gradient(at, data, gradient, unused).objective;
    } else {
      value = exact_negative_log_likelihood(at, data, &gradient);
    }
    for (float& g : gradient.values())
      g = static_cast<float>(g * n);
    return value * n;
  };
  LbfgsOptions options;
  options.max_iterations = 300;
  const LbfgsSummary summary = minimize_lbfgs(model, loss, options);
  // Converged, or stopped by rounding at the optimum: the gradients are
  // summed in float, and at N = 32,000 the line search can run out of
  // precision before the decrease test fires (ratio matching, without a
  // penalty, also has the gauge's flat directions). The recovery checks of
  // the caller judge the fit either way.
  EXPECT_TRUE(summary.converged || summary.status.find("rounding") != std::string::npos)
      << name_of(principle) << ", N = " << data.rows() << ": " << summary.status << " after "
      << summary.iterations;
  return model;
}

// Minibatches of 500, Adam with a learning rate falling linearly from 0.02 to 0.
TrainOptions adam(int epochs, std::uint64_t seed) {
  TrainOptions options;
  options.epochs = epochs;
  options.batch_size = 500;
  options.seed = seed;
  options.sgd.kind = OptimizerKind::adam;
  options.sgd.learning_rate = 0.02;
  options.sgd.momentum = 0.9;
  options.sgd.schedule = LearningRateSchedule::linear;
  options.sgd.final_learning_rate = 0.0;
  return options;
}

TEST(PottsRecovery, PseudolikelihoodRatioMatchingAndExactMaximumLikelihoodConvergeWithN) {
  const PottsModel truth = sparse_truth();
  for (const Principle principle :
       {Principle::pseudolikelihood, Principle::ratio_matching, Principle::exact}) {
    const double small = coupling_error(fit_lbfgs(exact_samples(truth, 2000, 1), principle), truth);
    const double large =
        coupling_error(fit_lbfgs(exact_samples(truth, 32000, 2), principle), truth);
    SCOPED_TRACE(name_of(principle));
    std::printf("%s: RMS coupling error %.4f at N = 2000, %.4f at N = 32000\n", name_of(principle),
                small, large);
    // 16 times the data: about 4 times smaller errors; asked for 2.
    EXPECT_LT(large, small / 2.0);
    EXPECT_LT(large, 0.03);
    // The planted pairs are the top two contacts.
    const auto ranked =
        potts_contact_scores(fit_lbfgs(exact_samples(truth, 2000, 3), principle), -1).ranked(1);
    ASSERT_GE(ranked.size(), 2u);
    std::set<std::pair<Index, Index>> top = {{ranked[0].i, ranked[0].j},
                                             {ranked[1].i, ranked[1].j}};
    const std::set<std::pair<Index, Index>> planted = {{0, 1}, {2, 4}};
    EXPECT_EQ(top, planted);
  }
}

TEST(PottsRecovery, PersistentContrastiveDivergenceRecoversTheCouplings) {
  const PottsModel truth = sparse_truth();
  const MatrixF data = exact_samples(truth, 20000, 4);
  PottsModel model(kSites, kStates);
  model.initialize(data);
  PersistentContrastiveDivergence pcd(500, 1);
  const TrainOptions options = adam(12, 5);
  Trainer trainer(model, pcd, options);
  trainer.run(data, nullptr, nullptr);
  const double pcd_error = coupling_error(model, truth);
  const double pl_error = coupling_error(fit_lbfgs(data, Principle::pseudolikelihood), truth);
  std::printf("pcd: RMS coupling error %.4f (pl %.4f) at N = 20000\n", pcd_error, pl_error);
  // Monte Carlo noise in the gradient: PCD lands near the consistent fit.
  EXPECT_LT(pcd_error, 0.04);
  EXPECT_LT(pcd_error, pl_error + 0.02);
}

TEST(PottsRecovery, NoiseContrastiveEstimationRecoversTheCouplingsAndLogZ) {
  // Noise: independent sites at the data's frequencies; log Z is learned as a
  // parameter and must match the fitted model's exact log Z.
  const PottsModel truth = sparse_truth();
  const MatrixF data = exact_samples(truth, 20000, 6);
  PottsModel model(kSites, kStates);
  model.initialize(data);
  model.add_log_normalizer(exact_log_z(model).log_z);
  NoiseContrastiveEstimation nce(fit_categorical_noise(data, kStates), 4.0);
  const TrainOptions options = adam(20, 7);
  Trainer trainer(model, nce, options);
  trainer.run(data, nullptr, nullptr);
  const double nce_error = coupling_error(model, truth);
  const double pl_error = coupling_error(fit_lbfgs(data, Principle::pseudolikelihood), truth);
  const double log_z = exact_log_z(model).log_z;
  std::printf("nce: RMS coupling error %.4f (pl %.4f), learned log Z %.4f, exact %.4f\n", nce_error,
              pl_error, model.log_normalizer(), log_z);
  EXPECT_LT(nce_error, 0.05);
  EXPECT_LT(nce_error, pl_error + 0.03);
  EXPECT_NEAR(model.log_normalizer(), log_z, 0.03);
}

}  // namespace
}  // namespace logz
