#include "logz/objectives/categorical_pseudolikelihood.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "logz/error.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "testing/potts_brute_force.hpp"

namespace logz {
namespace {

using testing::PottsDouble;
using testing::PottsRbmDouble;

// -log PL(x) = sum_i (F(x) + log sum_a exp(-F(x^(i<-a)))), from F in double.
double negative_pseudo_log_likelihood(
    const std::function<double(const std::vector<int>&)>& free_energy, std::vector<int> x,
    Index q) {
  const double f = free_energy(x);
  double total = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int own = x[i];
    LogSumExp sum;
    for (int a = 0; a < q; ++a) {
      x[i] = a;
      sum.add(-free_energy(x));
    }
    x[i] = own;
    total += f + sum.value();
  }
  return total;
}

// (1/n) sum_r w_r (-log PL(x_r)) + (lambda_h |fields|^2 + lambda_J |couplings|^2) / N_eff.
double pseudolikelihood_loss(const std::function<double(const std::vector<int>&)>& free_energy,
                             ConstMatrixRef data, Index q, std::span<const double> weights,
                             const PseudolikelihoodPenalty& penalty, double field_squares,
                             double coupling_squares) {
  double total = 0.0;
  for (Index r = 0; r < data.rows(); ++r) {
    const double w = weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)];
    total += w * negative_pseudo_log_likelihood(free_energy, testing::codes_of_row(data, r), q);
  }
  return total / static_cast<double>(data.rows()) +
         (penalty.lambda_fields * field_squares + penalty.lambda_couplings * coupling_squares) /
             penalty.n_effective;
}

double squares(const std::vector<double>& v) {
  double total = 0.0;
  for (const double t : v) {
    total += t * t;
  }
  return total;
}

double potts_loss(const PottsDouble& m, ConstMatrixRef data, std::span<const double> weights,
                  const PseudolikelihoodPenalty& penalty) {
  double coupling_squares = 0.0;  // each pair's coupling once
  for (Index i = 0; i < m.sites; ++i) {
    for (Index j = i + 1; j < m.sites; ++j) {
      for (Index a = 0; a < m.states; ++a) {
        for (Index b = 0; b < m.states; ++b) {
          coupling_squares += std::pow(m.coupling(i, j, a, b), 2);
        }
      }
    }
  }
  return pseudolikelihood_loss(
      [&m](const std::vector<int>& x) { return -testing::potts_negative_energy(m, x); }, data,
      m.states, weights, penalty, squares(m.h), coupling_squares);
}

double potts_rbm_loss(const PottsRbmDouble& m, ConstMatrixRef data, std::span<const double> weights,
                      const PseudolikelihoodPenalty& penalty) {
  return pseudolikelihood_loss(
      [&m](const std::vector<int>& x) { return -testing::potts_rbm_negative_free_energy(m, x); },
      data, m.states, weights, penalty, squares(m.b), squares(m.W));
}

struct Case {
  std::vector<double> weights;  // empty: unweighted
  PseudolikelihoodPenalty penalty;
};

std::vector<Case> cases(Index rows) {
  std::vector<double> weights(static_cast<std::size_t>(rows));
  for (std::size_t r = 0; r < weights.size(); ++r) {
    weights[r] = 0.3 + 0.2 * static_cast<double>(r % 5);
  }
  return {{{}, {}}, {weights, {0.3, 0.2, 5.0}}, {{}, PseudolikelihoodPenalty::plmc(4, 3, 12.0)}};
}

StepReport objective_gradient(const EnergyModel& model, ConstMatrixRef data, const Case& c,
                              ParameterVector& gradient) {
  CategoricalPseudolikelihood objective(c.penalty);
  RandomStream stream(1, 1);
  if (c.weights.empty()) return objective.gradient(model, data, gradient, stream);
  return objective.weighted_gradient(model, data, c.weights, gradient, stream);
}

TEST(CategoricalPseudolikelihood, PottsValueAndGradientMatchFiniteDifferences) {
  const PottsModel model = testing::random_potts(4, 3, 0.9, 1);
  const MatrixF data = testing::random_codes(12, 4, 3, 2);
  for (const Case& c : cases(12)) {
    ParameterVector gradient = model.parameters().zeros_like();
    const StepReport report = objective_gradient(model, data, c, gradient);
    const auto loss = [&](const PottsDouble& m) {
      return potts_loss(m, data, c.weights, c.penalty);
    };
    ASSERT_TRUE(report.objective.has_value());
    EXPECT_NEAR(*report.objective, loss(PottsDouble(model)), 1e-5);
    testing::expect_gradient_near(gradient, testing::potts_finite_differences(model, loss), 2e-5);
  }
}

TEST(CategoricalPseudolikelihood, PottsRbmValueAndGradientMatchFiniteDifferences) {
  const PottsRbm rbm = testing::random_potts_rbm(4, 3, 3, 0.9, 3);
  const MatrixF data = testing::random_codes(12, 4, 3, 4);
  for (const Case& c : cases(12)) {
    ParameterVector gradient = rbm.parameters().zeros_like();
    const StepReport report = objective_gradient(rbm, data, c, gradient);
    const auto loss = [&](const PottsRbmDouble& m) {
      return potts_rbm_loss(m, data, c.weights, c.penalty);
    };
    ASSERT_TRUE(report.objective.has_value());
    EXPECT_NEAR(*report.objective, loss(PottsRbmDouble(rbm)), 1e-5);
    testing::expect_gradient_near(gradient, testing::potts_rbm_finite_differences(rbm, loss), 2e-5);
  }
}

// (1/n) sum_r w_r sum_i sum_{a != x_ri} sigmoid(F(x_r) - F(x_r^(i<-a)))^2, from F in double.
double ratio_matching_loss(const std::function<double(const std::vector<int>&)>& free_energy,
                           ConstMatrixRef data, Index q, std::span<const double> weights) {
  double total = 0.0;
  for (Index r = 0; r < data.rows(); ++r) {
    std::vector<int> x = testing::codes_of_row(data, r);
    const double f = free_energy(x),
                 w = weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)];
    for (std::size_t i = 0; i < x.size(); ++i) {
      const int own = x[i];
      for (int a = 0; a < q; ++a) {
        if (a == own) continue;
        x[i] = a;
        const double g = 1.0 / (1.0 + std::exp(free_energy(x) - f));
        total += w * g * g;
      }
      x[i] = own;
    }
  }
  return total / static_cast<double>(data.rows());
}

StepReport ratio_matching_gradient(const EnergyModel& model, ConstMatrixRef data,
                                   std::span<const double> weights, ParameterVector& gradient) {
  CategoricalRatioMatching objective;
  RandomStream stream(1, 1);
  if (weights.empty()) return objective.gradient(model, data, gradient, stream);
  return objective.weighted_gradient(model, data, weights, gradient, stream);
}

TEST(CategoricalRatioMatching, PottsValueAndGradientMatchFiniteDifferences) {
  const PottsModel model = testing::random_potts(4, 3, 0.9, 11);
  const MatrixF data = testing::random_codes(12, 4, 3, 12);
  for (const Case& c : cases(12)) {
    ParameterVector gradient = model.parameters().zeros_like();
    const StepReport report = ratio_matching_gradient(model, data, c.weights, gradient);
    const auto loss = [&](const PottsDouble& m) {
      return ratio_matching_loss(
          [&m](const std::vector<int>& x) { return -testing::potts_negative_energy(m, x); }, data,
          m.states, c.weights);
    };
    ASSERT_TRUE(report.objective.has_value());
    EXPECT_NEAR(*report.objective, loss(PottsDouble(model)), 1e-5);
    testing::expect_gradient_near(gradient, testing::potts_finite_differences(model, loss), 2e-5);
  }
}

TEST(CategoricalRatioMatching, PottsRbmValueAndGradientMatchFiniteDifferences) {
  const PottsRbm rbm = testing::random_potts_rbm(4, 3, 3, 0.9, 13);
  const MatrixF data = testing::random_codes(12, 4, 3, 14);
  for (const Case& c : cases(12)) {
    ParameterVector gradient = rbm.parameters().zeros_like();
    const StepReport report = ratio_matching_gradient(rbm, data, c.weights, gradient);
    const auto loss = [&](const PottsRbmDouble& m) {
      return ratio_matching_loss(
          [&m](const std::vector<int>& x) {
            return -testing::potts_rbm_negative_free_energy(m, x);
          },
          data, m.states, c.weights);
    };
    ASSERT_TRUE(report.objective.has_value());
    EXPECT_NEAR(*report.objective, loss(PottsRbmDouble(rbm)), 1e-5);
    testing::expect_gradient_near(gradient, testing::potts_rbm_finite_differences(rbm, loss), 2e-5);
  }
}

TEST(CategoricalPseudolikelihood, PseudoLogLikelihoodOfEachRow) {
  const PottsModel model = testing::random_potts(5, 4, 1.0, 5);
  const PottsDouble m(model);
  const MatrixF data = testing::random_codes(20, 5, 4, 6);
  const std::vector<double> pll = categorical_pseudo_log_likelihood(model, data);
  ASSERT_EQ(pll.size(), 20u);
  for (Index r = 0; r < 20; ++r) {
    const double expected = -negative_pseudo_log_likelihood(
        [&m](const std::vector<int>& x) { return -testing::potts_negative_energy(m, x); },
        testing::codes_of_row(data, r), 4);
    EXPECT_NEAR(pll[static_cast<std::size_t>(r)], expected, 1e-4);
  }
}

TEST(CategoricalPseudolikelihood, BlocksOfRowsAddUpToTheWholeBatch) {
  // Batches above 2,000 rows go through the model in blocks; the result is
  // the weighted mean of the blocks' (no penalty).
  const PottsModel model = testing::random_potts(4, 3, 0.7, 7);
  const MatrixF data = testing::random_codes(2500, 4, 3, 8);
  CategoricalPseudolikelihood objective;
  RandomStream stream(1, 1);
  ParameterVector whole = model.parameters().zeros_like(), first = whole, rest = whole;
  const double value = objective.gradient(model, data, whole, stream).objective.value();
  const double value_first =
      objective.gradient(model, data.topRows(2000), first, stream).objective.value();
  const double value_rest =
      objective.gradient(model, data.bottomRows(500), rest, stream).objective.value();
  EXPECT_NEAR(value, (2000 * value_first + 500 * value_rest) / 2500, 1e-6 * std::fabs(value));
  for (Index k = 0; k < whole.size(); ++k) {
    const auto s = static_cast<std::size_t>(k);
    EXPECT_NEAR(whole.values()[s], (2000 * first.values()[s] + 500 * rest.values()[s]) / 2500,
                1e-5);
  }
}

TEST(CategoricalPseudolikelihood, PlmcPenaltyAndModelsItRefuses) {
  const PseudolikelihoodPenalty plmc = PseudolikelihoodPenalty::plmc(50, 21, 123.0);
  EXPECT_EQ(plmc.lambda_fields, 0.01);
  EXPECT_NEAR(plmc.lambda_couplings, 0.01 * 20 * 49, 1e-12);
  EXPECT_EQ(plmc.n_effective, 123.0);
  const BernoulliRbm rbm(4, 2);
  CategoricalPseudolikelihood objective;
  ParameterVector gradient = rbm.parameters().zeros_like();
  RandomStream stream(1, 1);
  try {
    objective.gradient(rbm, MatrixF::Zero(3, 4), gradient, stream);
    FAIL() << "a Bernoulli RBM was accepted";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--method");
  }
}

}  // namespace
}  // namespace logz
