#include "logz/math/random.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "logz/math/kernels.hpp"

namespace logz {
namespace {

TEST(RandomStream, SameSeedSameNumbersAndStreamsDiffer) {
  RandomStream a(42, 1), b(42, 1), c(42, 2), d(43, 1);
  std::vector<float> xa(100), xb(100), xc(100), xd(100);
  a.uniform(xa);
  b.uniform(xb);
  c.uniform(xc);
  d.uniform(xd);
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
  EXPECT_NE(xa, xd);
}

TEST(RandomBlocks, BatchedPhiloxEqualsRandom123) {
  // The 16-lane version must give exactly Random123's words, for counters
  // crossing 2^32 and a stream id above 2^32.
  const RandomBlocks blocks(0x123456789abcdefull, 0x1'0000'0007ull, 0xFFFF'FFF0ull);
  for (const std::size_t n : {1u, 5u, 16u, 37u, 64u, 100u}) {
    std::vector<float> batched(4 * n);
    blocks.uniform_floats(3, n, batched.data());
    for (std::size_t b = 0; b < n; ++b) {
      const auto words = blocks(3 + b);
      for (std::size_t lane = 0; lane < 4; ++lane) {
        ASSERT_EQ(batched[4 * b + lane], uniform_float(words[lane])) << n << " " << b << " " << lane;
      }
    }
  }
}

TEST(RandomStream, StateRestoresTheContinuation) {
  RandomStream a(7, 3);
  std::vector<float> first(10), rest(50), again(50);
  a.uniform(first);
  const RandomStream::State saved = a.state();
  a.uniform(rest);
  RandomStream b(saved);
  b.uniform(again);
  EXPECT_EQ(rest, again);
}

TEST(RandomStream, UniformAndNormalMomentsWithinStandardErrors) {
  RandomStream stream(1, 1);
  const std::size_t n = 200000;
  std::vector<double> u(n);
  stream.uniform(u);
  double mean = 0, var = 0;
  for (double x : u) {
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    mean += x;
  }
  mean /= n;
  for (double x : u) var += (x - mean) * (x - mean);
  var /= n;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 5 * 0.0745 / std::sqrt(static_cast<double>(n)));

  std::vector<float> z(n);
  stream.normal(z, 2.0, 3.0);
  double zm = 0, zv = 0;
  for (float x : z) zm += x;
  zm /= n;
  for (float x : z) zv += (x - zm) * (x - zm);
  zv /= n;
  EXPECT_NEAR(zm, 2.0, 5 * 3.0 / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(zv, 9.0, 5 * 9.0 * std::sqrt(2.0 / n));
}

TEST(RandomStream, BelowIsUniformOverItsRange) {
  RandomStream stream(5, 5);
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++counts[stream.below(7)];
  for (int c : counts) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n / 7.0));
}

TEST(BernoulliKernel, FrequenciesMatchProbabilitiesAndIgnoreThreadCount) {
  const Index rows = 400, cols = 301;  // large enough to run in parallel
  MatrixF p(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) p(i, j) = static_cast<float>(j) / (cols - 1);
  }
  MatrixF s1(rows, cols), s2(rows, cols);
  RandomStream a(9, 9), b(9, 9);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  sample_bernoulli(p, s1, a);
  omp_set_num_threads(2);
  sample_bernoulli(p, s2, b);
  omp_set_num_threads(threads);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(a.state(), b.state());
  for (Index j = 0; j < cols; j += 30) {
    const double freq = s1.col(j).mean();
    const double q = p(0, j);
    EXPECT_NEAR(freq, q, 5 * std::sqrt(q * (1 - q) / rows) + 1e-9) << "column " << j;
  }
  EXPECT_EQ(s1.col(0).sum(), 0.0f);              // p = 0 never fires
  EXPECT_EQ(s1.col(cols - 1).sum(), rows);       // p = 1 always fires
}

}  // namespace
}  // namespace logz
