#include "logz/train/trainer.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include "logz/error.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

double exact_average_log_likelihood(const BernoulliRbm& rbm, const MatrixF& data) {
  return average_log_likelihood(rbm, data, exact_log_z(rbm)).average;
}

// A known 12 x 3 RBM whose hidden units each switch on one block of four
// visible units and off the others: a noisy mixture of three prototypes,
// far from any product of independent units.
BernoulliRbm three_prototypes(float weight) {
  BernoulliRbm rbm(12, 3);
  for (Index i = 0; i < 12; ++i) {
    for (Index j = 0; j < 3; ++j) rbm.W()(i, j) = i / 4 == j ? weight : -weight;
  }
  rbm.b().setConstant(-weight / 2);
  rbm.c().setZero();
  return rbm;
}

// Data drawn exactly from the known model.
class KnownModel : public ::testing::Test {
 protected:
  KnownModel() : truth_(three_prototypes(2.0f)) {
    RandomStream stream = make_stream(1, StreamId::data_generation);
    data_ = sample_exactly(truth_, 4000, stream);
    true_log_likelihood_ = exact_average_log_likelihood(truth_, data_);
  }
  BernoulliRbm fresh_model(Index hidden, std::uint64_t seed) const {
    BernoulliRbm rbm(12, hidden);
    RandomStream init = make_stream(seed, StreamId::initialization);
    rbm.initialize(init, 0.01, data_);
    return rbm;
  }
  double train(BernoulliRbm& rbm, Objective& objective, TrainOptions options) {
    Trainer trainer(rbm, objective, options);
    trainer.run(data_, nullptr, nullptr);
    return exact_average_log_likelihood(rbm, data_);
  }
  BernoulliRbm truth_;
  MatrixF data_;
  double true_log_likelihood_ = 0.0;
};

TEST_F(KnownModel, SampledDataHasTheModelsLikelihood) {
  // Sanity of the fixture: the sample's average log-likelihood under the
  // truth is close to minus the truth's entropy, and far above a flat model.
  EXPECT_GT(true_log_likelihood_, 12 * std::log(0.5) + 2.0);
}

TEST_F(KnownModel, ContrastiveDivergenceAndPcdIncreaseTheExactLikelihood) {
  TrainOptions options;
  options.epochs = 30;
  options.batch_size = 50;
  options.sgd.learning_rate = 0.05;
  options.sgd.momentum = 0.5;
  for (std::uint64_t seed : {1, 2}) {
    options.seed = seed;
    BernoulliRbm start = fresh_model(6, seed);
    const double initial = exact_average_log_likelihood(start, data_);
    const double gap = true_log_likelihood_ - initial;
    ASSERT_GT(gap, 1.5);

    BernoulliRbm cd_model = start;
    ContrastiveDivergence cd(1);
    const double after_cd = train(cd_model, cd, options);
    BernoulliRbm pcd_model = start;
    PersistentContrastiveDivergence pcd(0, 1);
    const double after_pcd = train(pcd_model, pcd, options);
    // Both close most of the gap to the truth.
    EXPECT_GT(after_cd, initial + 0.9 * gap) << "seed " << seed;
    EXPECT_GT(after_pcd, initial + 0.9 * gap) << "seed " << seed;
  }
}

TEST_F(KnownModel, ExactGradientTrainingReachesTheTruesLikelihood) {
  // Maximum likelihood with a little more capacity than the truth: on the
  // training data it must do at least as well as the parameters that made it.
  TrainOptions options;
  options.epochs = 300;
  options.batch_size = 4000;  // full batch: gradient descent on the exact objective
  options.sgd.learning_rate = 1.0;
  options.sgd.momentum = 0.9;
  BernoulliRbm rbm = fresh_model(6, 3);
  ExactLikelihood exact;
  const double trained = train(rbm, exact, options);
  EXPECT_GT(trained, true_log_likelihood_ - 0.02)
      << "trained " << trained << " truth " << true_log_likelihood_;
  EXPECT_LT(trained, true_log_likelihood_ + 0.1);  // and not more than sampling noise allows
}

TEST_F(KnownModel, SameSeedGivesBitIdenticalParametersForAnyThreadCount) {
  TrainOptions options;
  options.epochs = 3;
  options.batch_size = 64;
  options.seed = 9;
  const int threads = omp_get_max_threads();
  std::vector<std::vector<float>> results;
  for (int t : {1, 2, 1}) {
    omp_set_num_threads(t);
    BernoulliRbm rbm = fresh_model(5, 4);
    PersistentContrastiveDivergence pcd(0, 2);
    train(rbm, pcd, options);
    results.emplace_back(rbm.parameters().values().begin(), rbm.parameters().values().end());
  }
  omp_set_num_threads(threads);
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
  options.seed = 10;
  BernoulliRbm other = fresh_model(5, 4);
  PersistentContrastiveDivergence pcd(0, 2);
  train(other, pcd, options);
  EXPECT_NE(results[0], std::vector<float>(other.parameters().values().begin(),
                                           other.parameters().values().end()));
}

TEST_F(KnownModel, DivergenceStopsWithTheEpochAndBatch) {
  TrainOptions options;
  options.epochs = 5;
  options.batch_size = 100;
  options.sgd.learning_rate = 1e30;
  BernoulliRbm rbm = fresh_model(4, 1);
  ContrastiveDivergence cd(1);
  try {
    train(rbm, cd, options);
    FAIL() << "expected DivergenceError";
  } catch (const DivergenceError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("epoch 1, batch 1"), std::string::npos) << message;
    EXPECT_NE(message.find("--lr"), std::string::npos) << message;
  }
}

TEST(TrainOptions, RejectsSettingsOutOfRangeNamingTheFlag) {
  TrainOptions options;
  options.batch_size = 101;
  try {
    options.validate(100);
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--batch");
  }
  options.batch_size = 10;
  options.sgd.learning_rate = -1;
  try {
    options.validate(100);
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--lr");
  }
}

TEST(SgdMomentum, UpdatesWithMomentumAndDecayOnWeightsOnly) {
  BernoulliRbm rbm(1, 1);
  rbm.W()(0, 0) = 1.0f;
  rbm.b()(0) = 1.0f;
  SgdOptions options;
  options.learning_rate = 0.1;
  options.momentum = 0.5;
  options.weight_decay = 0.2;
  SgdMomentum sgd(rbm.parameters(), options);
  ParameterVector g = rbm.parameters().zeros_like();
  g.matrix("W")(0, 0) = 1.0f;
  g.vector("b")(0) = 1.0f;
  sgd.step(rbm.parameters(), g, 0.1);
  // v = -0.1 (1 + 0.2 * 1) = -0.12 for W; -0.1 for b.
  EXPECT_NEAR(rbm.W()(0, 0), 0.88f, 1e-6);
  EXPECT_NEAR(rbm.b()(0), 0.9f, 1e-6);
  sgd.step(rbm.parameters(), g, 0.1);
  // v = 0.5 * -0.12 - 0.1 (1 + 0.2 * 0.88) = -0.1776
  EXPECT_NEAR(rbm.W()(0, 0), 0.88f - 0.1776f, 1e-6);
  EXPECT_NEAR(rbm.b()(0), 0.9f - 0.15f, 1e-6);
}

TEST(SgdMomentum, LearningRateSchedules) {
  BernoulliRbm rbm(1, 1);
  SgdOptions options;
  options.learning_rate = 0.1;
  options.final_learning_rate = 0.001;
  options.schedule = LearningRateSchedule::linear;
  EXPECT_NEAR(SgdMomentum(rbm.parameters(), options).learning_rate(0.5), 0.0505, 1e-12);
  options.schedule = LearningRateSchedule::exponential;
  EXPECT_NEAR(SgdMomentum(rbm.parameters(), options).learning_rate(0.5), 0.01, 1e-12);
  EXPECT_NEAR(SgdMomentum(rbm.parameters(), options).learning_rate(1.0), 0.001, 1e-12);
  options.final_learning_rate = 0.0;
  EXPECT_THROW(SgdMomentum(rbm.parameters(), options), SettingError);
}

}  // namespace
}  // namespace logz
