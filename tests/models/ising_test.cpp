#include "logz/models/ising.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/io/safetensors.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "testing/ising_brute_force.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

MatrixF all_states(Index n) {
  MatrixF x(Index{1} << n, n);
  for (Index s = 0; s < x.rows(); ++s) x.row(s) = testing::bits_of(static_cast<std::uint64_t>(s), n).cast<float>().transpose();
  return x;
}

TEST(Ising, FreeEnergyIsTheEnergy) {
  const IsingModel model = testing::random_ising(6, 1.0, 1);
  const MatrixF x = all_states(6);
  std::vector<double> f(64);
  model.free_energy(x, f);
  const MatrixD j = model.J().cast<double>();
  const VectorD h = model.h().cast<double>();
  for (Index s = 0; s < 64; ++s) {
    EXPECT_NEAR(f[static_cast<std::size_t>(s)], -testing::ising_negative_energy(j, h, x.row(s).cast<double>().transpose()), 1e-5);
  }
}

TEST(Ising, ExactLogZAndMomentsMatchBruteForce) {
  for (const double scale : {0.3, 1.5, 4.0}) {
    for (const Index n : {1, 5, 11, 16}) {
      const IsingModel model = testing::random_ising(n, scale, static_cast<std::uint64_t>(n));
      const MatrixD j = model.J().cast<double>();
      const VectorD h = model.h().cast<double>();
      const double expected = testing::ising_brute_force_log_z(j, h);
      EXPECT_NEAR(exact_log_z(model).log_z, expected, 1e-9 * std::max(1.0, std::fabs(expected)))
          << "n " << n << " scale " << scale;
      if (n > 11) continue;
      const IsingMoments moments = exact_moments(model);
      MatrixD pairs = MatrixD::Zero(n, n);
      for (std::uint64_t s = 0; s < (std::uint64_t{1} << n); ++s) {
        const VectorD x = testing::bits_of(s, n);
        pairs += std::exp(testing::ising_negative_energy(j, h, x) - expected) * x * x.transpose();
      }
      EXPECT_LT((moments.pairs - pairs).cwiseAbs().maxCoeff(), 1e-5);
      EXPECT_LT((moments.means - pairs.diagonal()).cwiseAbs().maxCoeff(), 1e-5);
    }
  }
  ExactOptions small;
  small.max_bits = 10;
  EXPECT_THROW(exact_log_z(testing::random_ising(12, 1.0, 1), small), SettingError);
}

TEST(Ising, SpinParametersGiveTheSameDistribution) {
  // E_spin(s) = -h'.s - sum_{i<j} J'_ij s_i s_j and the converted {0,1} model
  // differ by a constant on every state.
  const Index n = 5;
  MatrixF jp = MatrixF::Random(n, n);
  jp = ((jp + jp.transpose()) * 0.5f).eval();
  jp.diagonal().setZero();
  const VectorF hp = VectorF::Random(n);
  const IsingModel model = IsingModel::from_spin_parameters(jp, hp);
  const MatrixF x = all_states(n);
  std::vector<double> f(static_cast<std::size_t>(x.rows()));
  model.free_energy(x, f);
  double offset = 0;
  for (Index s = 0; s < x.rows(); ++s) {
    const VectorD spin = 2.0 * x.row(s).cast<double>().transpose() - VectorD::Ones(n);
    double e = -hp.cast<double>().dot(spin);
    for (Index a = 0; a < n; ++a) {
      for (Index b = a + 1; b < n; ++b) e -= jp(a, b) * spin(a) * spin(b);
    }
    if (s == 0) offset = e - f[0];
    EXPECT_NEAR(e - f[static_cast<std::size_t>(s)], offset, 1e-5);
  }
}

class IsingGibbs : public ::testing::TestWithParam<IsingModel::Scan> {};

TEST_P(IsingGibbs, SweepsSampleTheModel) {
  IsingModel model = testing::random_ising(6, 0.8, 4);
  model.set_scan(GetParam());
  const IsingMoments exact = exact_moments(model);
  RandomStream stream(2, 2);
  const Index chains = 4000;
  ChainState state;
  model.start_chains(MatrixF::Zero(chains, 6), state, stream);
  for (int s = 0; s < 30; ++s) model.gibbs_sweep(state, stream);
  const MatrixD x = state.visible.cast<double>();
  const MatrixD pairs = x.transpose() * x / static_cast<double>(chains);
  EXPECT_LT((pairs - exact.pairs).cwiseAbs().maxCoeff(), 5 * 0.5 / std::sqrt(static_cast<double>(chains)));
}

INSTANTIATE_TEST_SUITE_P(Scans, IsingGibbs,
                         ::testing::Values(IsingModel::Scan::sequential, IsingModel::Scan::random));

TEST(Ising, FlipDifferencesAreDifferencesOfEnergies) {
  const IsingModel model = testing::random_ising(7, 1.2, 9);
  const MatrixF x = all_states(7).topRows(40);
  MatrixF delta(40, 7);
  model.flip_free_energy_differences(x, delta);
  std::vector<double> f(40), g(40);
  model.free_energy(x, f);
  for (Index i = 0; i < 7; ++i) {
    MatrixF flipped = x;
    flipped.col(i) = (1.0f - flipped.col(i).array()).matrix();
    model.free_energy(flipped, g);
    for (Index r = 0; r < 40; ++r) EXPECT_NEAR(delta(r, i), g[static_cast<std::size_t>(r)] - f[static_cast<std::size_t>(r)], 1e-5);
  }
}

TEST(Ising, ExactLikelihoodGradientMatchesFiniteDifferences) {
  const IsingModel model = testing::random_ising(6, 1.0, 3);
  RandomStream stream(1, 1);
  const MatrixF data = sample_exactly(testing::random_ising(6, 1.0, 4), 50, stream);
  ParameterVector gradient = model.parameters().zeros_like();
  const double nll = exact_negative_log_likelihood(model, data, &gradient);
  const MatrixD j = model.J().cast<double>();
  const VectorD h = model.h().cast<double>();
  EXPECT_NEAR(nll, -testing::ising_brute_force_average_log_likelihood(j, h, data), 1e-5);
  const double eps = 1e-5;
  for (Index a = 0; a < 6; ++a) {
    for (Index b = 0; b < 6; ++b) {
      if (a == b) {
        EXPECT_EQ(gradient.matrix("J")(a, a), 0.0f);
        continue;
      }
      // One coupling: J_ab and J_ba move together.
      MatrixD plus = j, minus = j;
      plus(a, b) += eps;
      plus(b, a) += eps;
      minus(a, b) -= eps;
      minus(b, a) -= eps;
      const double fd = (testing::ising_brute_force_average_log_likelihood(minus, h, data) -
                         testing::ising_brute_force_average_log_likelihood(plus, h, data)) / (2 * eps);
      EXPECT_NEAR(gradient.matrix("J")(a, b), fd, 2e-5);
    }
    VectorD plus = h, minus = h;
    plus(a) += eps;
    minus(a) -= eps;
    const double fd = (testing::ising_brute_force_average_log_likelihood(j, minus, data) -
                       testing::ising_brute_force_average_log_likelihood(j, plus, data)) / (2 * eps);
    EXPECT_NEAR(gradient.vector("h")(a), fd, 2e-5);
  }
}

TEST(Ising, ModelFileRoundTripAndValidation) {
  testing::TempDir dir;
  const IsingModel model = testing::random_ising(5, 1.0, 2);
  save_model(dir.file("i.safetensors"), model);
  const LoadedModel loaded = load_model(dir.file("i.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "ising");
  EXPECT_EQ(loaded.metadata.at("model"), "ising");
  const auto a = model.parameters().values();
  const auto b = loaded.model->parameters().values();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  std::vector<float> j(25, 0.0f), h(5, 0.0f);
  j[1] = 1.0f;  // J[0][1] = 1 but J[1][0] = 0
  write_safetensors(dir.file("bad.safetensors"), {{"J", {5, 5}, j}, {"h", {5}, h}}, {{"model", "ising"}});
  try {
    load_model(dir.file("bad.safetensors"));
    FAIL();
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("not symmetric"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace logz
