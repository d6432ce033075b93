#include "logz/estimators/exact_potts.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/bridge.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/raise.hpp"
#include "testing/potts_brute_force.hpp"

namespace logz {
namespace {

using testing::PottsDouble;
using testing::PottsRbmDouble;

// -F(x) = sum_i b_i(x_i) + sum_k softplus(c_k + sum_i W_i(x_i, k)): the
// hidden units summed out in closed form, for sums over the visible states.
double visible_negative_free_energy(const PottsRbmDouble& m, const std::vector<int>& x) {
  double value = 0.0;
  for (Index i = 0; i < m.sites; ++i) {
    value += m.b[static_cast<std::size_t>(i * m.states + x[static_cast<std::size_t>(i)])];
  }
  for (Index k = 0; k < m.hidden; ++k) {
    double activation = m.c[static_cast<std::size_t>(k)];
    for (Index i = 0; i < m.sites; ++i) {
      activation += m.weight(i, x[static_cast<std::size_t>(i)], k);
    }
    value += softplus(activation);
  }
  return value;
}

double tolerance(double log_z) {
  return 1e-9 * std::max(1.0, std::fabs(log_z));
}

TEST(ExactPotts, LogZMatchesTheSumOverAllStates) {
  struct Size {
    Index sites, states;
  };
  // (10, 3) and (4, 21) span several blocks of the walk; scale 4 makes
  // peaked distributions with energies far apart.
  for (const Size size :
       {Size{1, 5}, Size{4, 3}, Size{3, 4}, Size{6, 2}, Size{10, 3}, Size{4, 21}}) {
    const std::uint64_t seeds = size.states == 21 ? 1 : 3;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      for (const double scale : {0.3, 1.5, 4.0}) {
        const PottsModel model = testing::random_potts(size.sites, size.states, scale, seed);
        const double expected = testing::potts_brute_force_log_z(PottsDouble(model));
        const LogZEstimate estimate = exact_log_z(model);
        EXPECT_NEAR(estimate.log_z, expected, tolerance(expected))
            << "L " << size.sites << " q " << size.states << " scale " << scale << " seed " << seed;
        EXPECT_EQ(estimate.lower, estimate.log_z);
        EXPECT_EQ(estimate.upper, estimate.log_z);
        EXPECT_EQ(estimate.samples, testing::potts_state_count(size.sites, size.states));
      }
    }
  }
}

TEST(ExactPotts, MomentsMatchTheSumOverAllStates) {
  for (const Index sites : {Index{4}, Index{10}}) {
    const Index q = 3, size = sites * q;
    const PottsModel model =
        testing::random_potts(sites, q, 1.0, static_cast<std::uint64_t>(sites));
    const PottsDouble m(model);
    const double log_z = testing::potts_brute_force_log_z(m);
    MatrixD pairs = MatrixD::Zero(size, size);
    for (std::uint64_t t = 0; t < testing::potts_state_count(sites, q); ++t) {
      const std::vector<int> x = testing::potts_state(t, sites, q);
      const double p = std::exp(testing::potts_negative_energy(m, x) - log_z);
      for (Index i = 0; i < sites; ++i) {
        for (Index j = 0; j < sites; ++j) {
          pairs(i * q + x[static_cast<std::size_t>(i)], j * q + x[static_cast<std::size_t>(j)]) +=
              p;
        }
      }
    }
    const PottsMoments moments = exact_moments(model);
    EXPECT_NEAR(moments.log_z, log_z, tolerance(log_z));
    EXPECT_LT((moments.pairs - pairs).cwiseAbs().maxCoeff(), 1e-10) << "L " << sites;
    EXPECT_LT((moments.means - pairs.diagonal()).cwiseAbs().maxCoeff(), 1e-10);
    for (Index i = 0; i < sites; ++i) {
      EXPECT_NEAR(moments.means.segment(i * q, q).sum(), 1.0, 1e-10);
    }
  }
}

TEST(ExactPotts, RbmHiddenEnumerationMatchesTheVisibleAndJointSums) {
  for (const double scale : {0.5, 2.0, 5.0}) {
    // Small enough for the sum over every (x, h).
    const PottsRbm small = testing::random_potts_rbm(3, 4, 3, scale, 1);
    const PottsRbmDouble ms(small);
    const double joint = testing::potts_rbm_brute_force_log_z(ms);
    EXPECT_NEAR(exact_log_z(small).log_z, joint, tolerance(joint)) << "scale " << scale;
    // 2^16 hidden states span several blocks; the visible sum has 27 terms.
    const PottsRbm wide = testing::random_potts_rbm(3, 3, 16, scale, 2);
    const PottsRbmDouble mw(wide);
    const double visible = testing::log_sum_over_states(
        3, 3, [&](const std::vector<int>& x) { return visible_negative_free_energy(mw, x); });
    const LogZEstimate estimate = exact_log_z(wide);
    EXPECT_NEAR(estimate.log_z, visible, tolerance(visible)) << "scale " << scale;
    EXPECT_EQ(estimate.samples, std::uint64_t{1} << 16);
  }
}

TEST(ExactPotts, RbmMomentsMatchTheVisibleSum) {
  // E[onehot(x) h^T] = sum_x p(x) onehot(x) sigmoid(c + W^T onehot(x))^T.
  for (const Index hidden : {Index{3}, Index{16}}) {
    const Index sites = 3, q = 3, size = sites * q;
    const PottsRbm rbm =
        testing::random_potts_rbm(sites, q, hidden, 1.0, static_cast<std::uint64_t>(hidden));
    const PottsRbmDouble m(rbm);
    const auto log_p = [&](const std::vector<int>& x) {
      return visible_negative_free_energy(m, x);
    };
    const double log_z = testing::log_sum_over_states(sites, q, log_p);
    MatrixD visible_hidden = MatrixD::Zero(size, hidden);
    VectorD visible = VectorD::Zero(size), expected_hidden = VectorD::Zero(hidden);
    for (std::uint64_t t = 0; t < testing::potts_state_count(sites, q); ++t) {
      const std::vector<int> x = testing::potts_state(t, sites, q);
      const double p = std::exp(log_p(x) - log_z);
      for (Index k = 0; k < hidden; ++k) {
        double activation = m.c[static_cast<std::size_t>(k)];
        for (Index i = 0; i < sites; ++i) {
          activation += m.weight(i, x[static_cast<std::size_t>(i)], k);
        }
        const double on = p / (1.0 + std::exp(-activation));
        expected_hidden(k) += on;
        for (Index i = 0; i < sites; ++i) {
          visible_hidden(i * q + x[static_cast<std::size_t>(i)], k) += on;
        }
      }
      for (Index i = 0; i < sites; ++i) {
        visible(i * q + x[static_cast<std::size_t>(i)]) += p;
      }
    }
    const PottsRbmMoments moments = exact_moments(rbm);
    EXPECT_NEAR(moments.log_z, log_z, tolerance(log_z));
    EXPECT_LT((moments.visible_hidden - visible_hidden).cwiseAbs().maxCoeff(), 1e-10)
        << "H " << hidden;
    EXPECT_LT((moments.visible - visible).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LT((moments.hidden - expected_hidden).cwiseAbs().maxCoeff(), 1e-10);
  }
}

TEST(ExactPotts, ResultsDoNotDependOnTheThreadCount) {
  const PottsModel potts = testing::random_potts(10, 3, 1.0, 3);     // 9 blocks
  const PottsRbm rbm = testing::random_potts_rbm(3, 3, 16, 1.0, 4);  // 4 blocks
  const auto run = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<double> out = {exact_log_z(potts).log_z, exact_log_z(rbm).log_z};
    const PottsMoments pm = exact_moments(potts);
    const PottsRbmMoments rm = exact_moments(rbm);
    out.insert(out.end(), pm.pairs.data(), pm.pairs.data() + pm.pairs.size());
    out.insert(out.end(), rm.visible_hidden.data(),
               rm.visible_hidden.data() + rm.visible_hidden.size());
    out.insert(out.end(), rm.hidden.data(), rm.hidden.data() + rm.hidden.size());
    omp_set_num_threads(saved);
    return out;
  };
  const std::vector<double> one = run(1), two = run(2);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t k = 0; k < one.size(); ++k) {
    EXPECT_EQ(one[k], two[k]) << k;  // the same bits
  }
}

TEST(ExactPotts, DispatchSizesAndLimits) {
  const PottsModel potts = testing::random_potts(10, 3, 1.0, 5);
  const PottsRbm rbm = testing::random_potts_rbm(4, 3, 12, 1.0, 6);
  const EnergyModel& as_potts = potts;
  const EnergyModel& as_rbm = rbm;
  EXPECT_TRUE(is_enumerable(as_potts));
  EXPECT_TRUE(is_enumerable(as_rbm));
  EXPECT_EQ(enumeration_bits(as_potts), 16);  // 3^10 = 59049 <= 2^16
  EXPECT_EQ(enumeration_bits(PottsModel(4, 4)), 8);
  EXPECT_EQ(enumeration_bits(PottsModel(1, 2)), 1);
  EXPECT_EQ(enumeration_bits(PottsModel(30, 21)), 132);  // ceil(30 log2 21), no overflow
  EXPECT_EQ(enumeration_bits(as_rbm), 12);
  EXPECT_EQ(exact_log_z(as_potts).log_z, exact_log_z(potts).log_z);
  EXPECT_EQ(exact_log_z(as_rbm).log_z, exact_log_z(rbm).log_z);

  const auto expect_refused = [](const EnergyModel& model, int max_bits) {
    ExactOptions options;
    options.max_bits = max_bits;
    EXPECT_THROW(check_enumerable(model, options), SettingError) << model.kind();
    try {
      exact_log_z(model, options);
      ADD_FAILURE() << model.kind() << " above the limit was enumerated";
    } catch (const SettingError& e) {
      EXPECT_EQ(e.setting(), "--max-exact-bits");
    }
    options.max_bits = max_bits + 1;
    EXPECT_NO_THROW(check_enumerable(model, options)) << model.kind();
  };
  expect_refused(as_potts, 15);
  expect_refused(as_rbm, 11);
  EXPECT_THROW(exact_log_z(PottsModel(30, 21)), SettingError);

  // Progress ends with all q^L states.
  std::size_t last_done = 0, last_total = 0;
  ExactOptions reporting;
  reporting.progress = [&](std::size_t done, std::size_t total) {
    last_done = done;
    last_total = total;
  };
  exact_log_z(potts, reporting);
  EXPECT_EQ(last_done, 59049u);
  EXPECT_EQ(last_total, 59049u);
}

AisOptions ais_options(std::uint64_t seed) {
  AisOptions options;
  options.chains = 100;
  options.betas = linear_schedule(300);
  options.seed = seed;
  return options;
}

BridgeOptions bridge_options(std::uint64_t seed) {
  BridgeOptions options;
  options.chains = 50;
  options.burn_in = 50;
  options.thinning = 2;
  options.samples_per_chain = 10;
  options.seed = seed;
  return options;
}

// AIS and bridge sampling on categorical models land within a few standard
// errors of the exact log Z.
TEST(ExactPotts, AisAndBridgeAgreeWithTheExactLogZ) {
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    const PottsModel potts = testing::random_potts(8, 3, 0.6, seed);
    const PottsRbm rbm = testing::random_potts_rbm(6, 3, 6, 0.8, seed);
    for (const GibbsModel* model :
         {static_cast<const GibbsModel*>(&potts), static_cast<const GibbsModel*>(&rbm)}) {
      const double exact = exact_log_z(*model).log_z;
      const VectorF base = model->model_base();
      const LogZEstimate ais = ais_log_z(*model, &base, ais_options(seed));
      EXPECT_NEAR(ais.log_z, exact, 4 * ais.std_error + 1e-3) << model->kind() << " seed " << seed;
      EXPECT_LT(ais.std_error, 0.1);
      const LogZEstimate bridge =
          bridge_log_z(*model, base, linear_schedule(10), bridge_options(seed));
      EXPECT_NEAR(bridge.log_z, exact, 4 * bridge.std_error + 1e-3)
          << model->kind() << " seed " << seed;
      EXPECT_GT(bridge.std_error, 0.0);
      EXPECT_LT(bridge.std_error, 0.2);
    }
  }
}

// RAISE on categorical models: per example an estimate of log p_ann(x) whose
// mean is below it (Jensen), and p_ann approaches the model as the schedule
// lengthens; so the average over examples comes out near the exact average
// log-likelihood, not above it by more than its noise.
TEST(ExactPotts, RaiseAgreesWithTheExactLogLikelihood) {
  const PottsModel potts = testing::random_potts(6, 3, 0.6, 7);
  const PottsRbm rbm = testing::random_potts_rbm(5, 3, 5, 0.8, 8);
  for (const GibbsModel* model :
       {static_cast<const GibbsModel*>(&potts), static_cast<const GibbsModel*>(&rbm)}) {
    const double log_z = exact_log_z(*model).log_z;
    const MatrixF data = testing::random_codes(200, model->n_visible(), 3, 9);
    std::vector<double> free_energy(200);
    model->free_energy(data, free_energy);
    double exact = 0.0;
    for (const double f : free_energy)
      exact += (-f - log_z) / 200.0;
    AisOptions options;
    options.betas = linear_schedule(300);
    options.seed = 3;
    const VectorF base = model->model_base();
    const RaiseResult raised = raise_log_likelihood(*model, base, data, options);
    ASSERT_EQ(raised.log_likelihoods.size(), 200u);
    // The per-example noise of the estimate is small beside the spread of
    // the log-likelihoods: compare the mean difference with its own error.
    double mean = 0.0, squares = 0.0;
    for (std::size_t i = 0; i < 200; ++i) {
      mean += (raised.log_likelihoods[i] - (-free_energy[i] - log_z)) / 200.0;
    }
    for (std::size_t i = 0; i < 200; ++i) {
      const double d = raised.log_likelihoods[i] - (-free_energy[i] - log_z) - mean;
      squares += d * d;
    }
    const double error = std::sqrt(squares / 199.0 / 200.0);
    EXPECT_LT(mean, 4 * error + 1e-3) << model->kind();
    EXPECT_GT(mean, -0.05) << model->kind() << " (exact average " << exact << ")";
  }
}

}  // namespace
}  // namespace logz
