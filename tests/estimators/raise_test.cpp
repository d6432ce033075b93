#include "logz/estimators/raise.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "testing/brute_force.hpp"
#include "testing/small_models.hpp"

namespace logz {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The annealing model's marginal p_ann(x_K) of a tiny RBM, by pushing the
// exact distribution of x_0 ~ p_0 through each block-Gibbs kernel T_k.
VectorD annealing_model(const BernoulliRbm& rbm, const VectorF& base, const std::vector<double>& betas) {
  const testing::RbmDouble m(rbm);
  const Index nv = m.n_visible(), nh = m.n_hidden(), sv = Index{1} << nv, sh = Index{1} << nh;
  VectorD p(sv);
  for (Index s = 0; s < sv; ++s) {
    const VectorD v = testing::bits_of(static_cast<std::uint64_t>(s), nv);
    double q = 1;
    for (Index i = 0; i < nv; ++i) q *= v(i) ? sigmoid(base(i)) : 1 - sigmoid(base(i));
    p(s) = q;
  }
  for (std::size_t k = 1; k < betas.size(); ++k) {
    const double beta = betas[k];
    MatrixD t = MatrixD::Zero(sv, sv);  // t(from, to)
    for (Index from = 0; from < sv; ++from) {
      const VectorD v = testing::bits_of(static_cast<std::uint64_t>(from), nv);
      for (Index hs = 0; hs < sh; ++hs) {
        const VectorD h = testing::bits_of(static_cast<std::uint64_t>(hs), nh);
        double ph = 1;
        for (Index j = 0; j < nh; ++j) {
          const double q = sigmoid(beta * (m.c(j) + m.W.col(j).dot(v)));
          ph *= h(j) ? q : 1 - q;
        }
        for (Index to = 0; to < sv; ++to) {
          const VectorD w = testing::bits_of(static_cast<std::uint64_t>(to), nv);
          double pv = 1;
          for (Index i = 0; i < nv; ++i) {
            const double q = sigmoid(beta * (m.b(i) + m.W.row(i).dot(h)) + (1 - beta) * base(i));
            pv *= w(i) ? q : 1 - q;
          }
          t(from, to) += ph * pv;
        }
      }
    }
    p = (p.transpose() * t).transpose();
  }
  return p;
}

TEST(Raise, EstimatesAreUnbiasedForTheAnnealingModel) {
  const BernoulliRbm rbm = testing::random_rbm(3, 2, 1.5, 23);
  VectorF base(3);
  base << -0.5f, 0.4f, 1.0f;
  AisOptions options;
  options.betas = linear_schedule(3);
  const VectorD p_ann = annealing_model(rbm, base, options.betas);
  EXPECT_NEAR(p_ann.sum(), 1.0, 1e-12);
  for (std::uint64_t state : {0, 5, 7}) {
    const Index n = 40000;
    const MatrixF data = testing::bits_of(state, 3).cast<float>().transpose().replicate(n, 1);
    options.seed = state;
    const RaiseResult r = raise_log_likelihood(rbm, base, data, options);
    double sum = 0, squares = 0;
    for (double lp : r.log_likelihoods) {
      sum += std::exp(lp);
      squares += std::exp(2 * lp);
    }
    const double mean = sum / n, se = std::sqrt((squares / n - mean * mean) / n);
    EXPECT_NEAR(mean, p_ann(static_cast<Index>(state)), 4 * se) << "state " << state;
    EXPECT_LT(se, 0.05 * mean);
  }
}

TEST(Raise, IsBelowTheExactLikelihoodOfDataDrawnFromTheModel) {
  // For data from the model itself, E[log p_ann] <= E[log p] (Gibbs'
  // inequality) and E[log p^] <= log p_ann (Jensen): RAISE must come out low.
  // Compared example by example, so the test has the power to see it.
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const BernoulliRbm rbm = testing::random_rbm(12, 8, 1.0, seed);
    RandomStream stream = make_stream(seed, StreamId::data_generation);
    const MatrixF data = sample_exactly(rbm, 3000, stream);
    std::vector<double> exact(3000);
    rbm.free_energy(data, exact);
    const double log_z = exact_log_z(rbm).log_z;
    for (std::size_t steps : {10, 200}) {
      AisOptions options;
      options.betas = linear_schedule(steps);
      options.seed = seed;
      const RaiseResult r = raise_log_likelihood(rbm, rbm.b(), data, options);
      double sum = 0, squares = 0;
      for (std::size_t i = 0; i < exact.size(); ++i) {
        const double d = r.log_likelihoods[i] - (-exact[i] - log_z);
        sum += d;
        squares += d * d;
      }
      const double n = static_cast<double>(exact.size());
      const double mean = sum / n, se = std::sqrt((squares / n - mean * mean) / n);
      EXPECT_LT(mean, 0.0) << "seed " << seed << ", " << steps << " steps";
      if (steps == 10) {
        EXPECT_LT(mean + 3 * se, 0.0) << "seed " << seed;
      }
    }
  }
}

TEST(Raise, TightensTowardsTheExactTestLikelihoodOfAnMnistRbm) {
  // 784 x 20 trained with PCD on MNIST-10k; exact log Z by enumeration.
  // RAISE is a stochastic lower bound on log p_ann, the annealing model's
  // marginal, not on log p: for real test data (not drawn from the model) the
  // annealing model, which starts from the data's base rates, can explain the
  // data a little better than an under-trained RBM does. Builds that differ
  // only in rounding train different models here, and on one of them the
  // 3,000-step estimate is 0.33 +/- 0.06 nats above the exact value. What holds for any of them: a
  // short schedule is clearly low, the estimate rises as the schedule grows, and a long one is
  // close. Compared example by example (paired differences), so the standard error excludes the
  // spread of the data's own log-likelihoods.
  const testing::TrainedMnistRbm trained = testing::train_mnist_rbm(20, 30, 1, /*persistent=*/true);
  const VectorF base = visible_log_odds(trained.data.train);
  const MatrixF test = trained.data.test.topRows(300);
  const double log_z = exact_log_z(trained.rbm).log_z;
  std::vector<double> exact(static_cast<std::size_t>(test.rows()));
  trained.rbm.free_energy(test, exact);
  double previous = -std::numeric_limits<double>::infinity();
  for (std::size_t steps : {30, 300, 3000}) {
    AisOptions options;
    options.betas = linear_schedule(steps);
    options.seed = steps;
    const RaiseResult r = raise_log_likelihood(trained.rbm, base, test, options);
    double sum = 0, squares = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      const double d = r.log_likelihoods[i] - (-exact[i] - log_z);
      sum += d;
      squares += d * d;
    }
    const double n = static_cast<double>(exact.size());
    const double mean = sum / n, se = std::sqrt((squares / n - mean * mean) / (n - 1));
    if (steps == 30) {
      EXPECT_LT(mean + 3 * se, -1.0) << steps << " steps: mean " << mean << ", se " << se;
    }
    if (steps == 3000) {
      EXPECT_LT(std::abs(mean), 1.0) << "at 3,000 steps the estimate is close: " << mean;
    }
    EXPECT_GT(r.average, previous) << steps << " steps: the bound tightens as the schedule grows";
    previous = r.average;
  }
}

}  // namespace
}  // namespace logz
