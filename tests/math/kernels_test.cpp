#include "logz/math/kernels.hpp"

#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <vector>

#include "logz/math/blas.hpp"
#include "logz/math/gemm_avx512.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

MatrixF ramp(Index rows, Index cols, float scale) {
  MatrixF x(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) x(i, j) = scale * std::sin(0.37f * (i * cols + j));
  }
  return x;
}

TEST(Kernels, AffineSigmoidMatchesTheDefinition) {
  for (const float beta : {1.0f, 0.3f}) {
    const MatrixF x = ramp(300, 257, 12.0f);  // parallel path, values up to +/-12
    VectorF bias(257);
    for (Index j = 0; j < 257; ++j) bias(j) = 0.01f * j - 1.0f;
    MatrixF y = x;
    affine_sigmoid(y, beta, bias);
    for (Index i = 0; i < x.rows(); i += 17) {
      for (Index j = 0; j < x.cols(); ++j) {
        const double a = beta * static_cast<double>(x(i, j)) + bias(j);
        EXPECT_NEAR(y(i, j), 1.0 / (1.0 + std::exp(-a)), 2e-7);
      }
    }
  }
}

TEST(Kernels, SoftplusSumsAreAccurateForAnyMagnitude) {
  for (const float scale : {0.1f, 3.0f, 40.0f}) {
    const MatrixF x = ramp(50, 784, scale);
    VectorF bias = VectorF::Constant(784, 0.5f);
    std::vector<double> sums(50);
    affine_softplus_row_sums(x, 0.5f, bias, sums);
    for (Index i = 0; i < 50; ++i) {
      double expected = 0.0;
      for (Index j = 0; j < 784; ++j) expected += softplus(0.5 * static_cast<double>(x(i, j)) + 0.5);
      EXPECT_NEAR(sums[static_cast<std::size_t>(i)], expected, 2e-6 * std::max(1.0, expected))
          << "scale " << scale;
    }
  }
}

TEST(Blas, GemmMatchesEigenInAllTranspositions) {
  const MatrixF a = ramp(7, 5, 1.0f), b = ramp(5, 3, 1.0f);
  MatrixF c = MatrixF::Ones(7, 3);
  gemm(2.0f, a, Transpose::no, b, Transpose::no, 0.5f, c);
  EXPECT_LT((c - (2.0f * a * b + 0.5f * MatrixF::Ones(7, 3))).cwiseAbs().maxCoeff(), 1e-5);
  const MatrixF at = a.transpose(), bt = b.transpose();
  MatrixF d(7, 3);
  gemm(1.0f, at, Transpose::yes, bt, Transpose::yes, 0.0f, d);
  EXPECT_LT((d - a * b).cwiseAbs().maxCoeff(), 1e-5);
  // A block of rows is used in place.
  MatrixF e(2, 3);
  gemm(1.0f, a.middleRows(3, 2), Transpose::no, b, Transpose::no, 0.0f, e);
  EXPECT_LT((e - a.middleRows(3, 2) * b).cwiseAbs().maxCoeff(), 1e-5);
}

}  // namespace
}  // namespace logz

namespace logz {
namespace {

// The AVX-512 product against the BLAS, for every transposition, sizes that
// are not multiples of the 12 x 32 tile, depths over several blocks of 256,
// beta = 0 over garbage (NaN must not leak) and beta != 0, rows of a view.
TEST(Gemm, Avx512PathMatchesTheBlas) {
  if (!detail::cpu_has_avx512()) {
    // Without AVX-512 the products go to the portable kernel (tested below).
    EXPECT_EQ(gemm_backend(), GemmBackend::portable);
    return;
  }
  EXPECT_EQ(gemm_backend(), GemmBackend::avx512);
  struct Case {
    Index m, n, k;
  };
  for (const Case s : {Case{1, 1, 1}, Case{13, 33, 7}, Case{100, 500, 784}, Case{37, 65, 600}, Case{300, 17, 3}}) {
    for (const Transpose ta : {Transpose::no, Transpose::yes}) {
      for (const Transpose tb : {Transpose::no, Transpose::yes}) {
        const MatrixF a = ramp(ta == Transpose::no ? s.m : s.k, ta == Transpose::no ? s.k : s.m, 1.0f);
        const MatrixF b = ramp(tb == Transpose::no ? s.k : s.n, tb == Transpose::no ? s.n : s.k, 0.5f);
        MatrixF start = ramp(s.m, s.n, 2.0f);
        for (const float beta : {0.0f, 0.7f}) {
          MatrixF expected = start, got = start;
          if (beta == 0.0f) got.setConstant(std::nanf(""));
          set_gemm_backend(GemmBackend::openblas);
          gemm(1.5f, a, ta, b, tb, beta, expected);
          set_gemm_backend(GemmBackend::automatic);
          gemm(1.5f, a, ta, b, tb, beta, got);
          const float scale = 1.0f + expected.cwiseAbs().maxCoeff();
          EXPECT_LT((got - expected).cwiseAbs().maxCoeff(), 2e-6f * scale * std::sqrt(static_cast<float>(s.k)))
              << s.m << "x" << s.n << "x" << s.k << " ta " << (ta == Transpose::yes) << " tb "
              << (tb == Transpose::yes) << " beta " << beta;
          MatrixF packed = start;
          if (beta == 0.0f) packed.setConstant(std::nanf(""));
          gemm(1.5f, a, ta, PackedMatrix(b, tb), beta, packed);
          EXPECT_EQ(packed, got);  // prepacked: the same sums in the same order
        }
      }
    }
  }
}

// The portable kernel (CPUs without AVX-512) against the BLAS, as above.
TEST(Gemm, PortableKernelMatchesTheBlas) {
  struct Case {
    Index m, n, k;
  };
  for (const Case s : {Case{1, 1, 1}, Case{13, 33, 7}, Case{100, 500, 784}, Case{5, 17, 300}}) {
    for (const Transpose ta : {Transpose::no, Transpose::yes}) {
      for (const Transpose tb : {Transpose::no, Transpose::yes}) {
        const MatrixF a =
            ramp(ta == Transpose::no ? s.m : s.k, ta == Transpose::no ? s.k : s.m, 1.0f);
        const MatrixF b =
            ramp(tb == Transpose::no ? s.k : s.n, tb == Transpose::no ? s.n : s.k, 0.5f);
        const MatrixF start = ramp(s.m, s.n, 2.0f);
        for (const float beta : {0.0f, 0.7f}) {
          MatrixF expected = start, got = start;
          if (beta == 0.0f) got.setConstant(std::nanf(""));
          set_gemm_backend(GemmBackend::openblas);
          gemm(1.5f, a, ta, b, tb, beta, expected);
          set_gemm_backend(GemmBackend::portable);
          gemm(1.5f, a, ta, b, tb, beta, got);
          MatrixF packed = start;
          if (beta == 0.0f) packed.setConstant(std::nanf(""));
          gemm(1.5f, a, ta, PackedMatrix(b, tb), beta, packed);
          set_gemm_backend(GemmBackend::automatic);
          const float scale = 1.0f + expected.cwiseAbs().maxCoeff();
          EXPECT_LT((got - expected).cwiseAbs().maxCoeff(),
                    2e-6f * scale * std::sqrt(static_cast<float>(s.k)))
              << s.m << "x" << s.n << "x" << s.k << " ta " << (ta == Transpose::yes) << " tb "
              << (tb == Transpose::yes) << " beta " << beta;
          EXPECT_EQ(packed, got);
        }
      }
    }
  }
}

TEST(Gemm, ResultDoesNotDependOnTheThreadCount) {
  const MatrixF a = ramp(100, 784, 1.0f), b = ramp(784, 500, 0.3f);
  MatrixF one(100, 500), two(100, 500);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  gemm(1.0f, a, Transpose::no, b, Transpose::no, 0.0f, one);
  omp_set_num_threads(2);
  gemm(1.0f, a, Transpose::no, b, Transpose::no, 0.0f, two);
  omp_set_num_threads(threads);
  EXPECT_EQ(one, two) << to_string(gemm_backend());
}

// What MPI ranks and threads see: a product's rows computed in parts of any
// height (each rank's share of the chains) are the same bits as in one
// product, for every transposition (OpenBLAS's are not).
TEST(Gemm, PortableRowsAreTheSameBitsInProductsOfAnyHeight) {
  set_gemm_backend(GemmBackend::portable);
  for (const Transpose ta : {Transpose::no, Transpose::yes}) {
    for (const Transpose tb : {Transpose::no, Transpose::yes}) {
      const MatrixF a_rows = ramp(37, 300, 1.0f), b_rows = ramp(300, 45, 0.3f);
      const MatrixF a = ta == Transpose::no ? a_rows : MatrixF(a_rows.transpose());
      const MatrixF b = tb == Transpose::no ? b_rows : MatrixF(b_rows.transpose());
      MatrixF whole(37, 45);
      gemm(1.0f, a, ta, b, tb, 0.0f, whole);
      for (const Index height : {1, 3, 7, 10}) {
        MatrixF parts(37, 45);
        for (Index first = 0; first < 37; first += height) {
          const Index rows = std::min<Index>(height, 37 - first);
          auto out = parts.middleRows(first, rows);
          if (ta == Transpose::no) {
            gemm(1.0f, a.middleRows(first, rows), ta, b, tb, 0.0f, out);
          } else {
            gemm(1.0f, a.middleCols(first, rows), ta, b, tb, 0.0f, out);
          }
        }
        EXPECT_EQ(parts, whole) << "height " << height << " ta " << (ta == Transpose::yes) << " tb "
                                << (tb == Transpose::yes);
      }
    }
  }
  set_gemm_backend(GemmBackend::automatic);
}

}  // namespace
}  // namespace logz

namespace logz {
namespace {

// Binary op(A) (data, samples) takes the row-sum path when sparse enough;
// every result must equal the BLAS's to rounding.
TEST(Gemm, BinaryLeftOperandMatchesTheBlas) {
  struct Case {
    Index m, n, k;
    float density;
  };
  RandomStream stream(3, 3);
  for (const Case s : {Case{100, 500, 784, 0.13f}, Case{7, 33, 19, 0.25f}, Case{784, 500, 100, 0.1f},
                       Case{50, 300, 200, 0.6f}, Case{3, 5, 4, 0.0f}}) {
    for (const Transpose ta : {Transpose::no, Transpose::yes}) {
      MatrixF a(ta == Transpose::no ? s.m : s.k, ta == Transpose::no ? s.k : s.m);
      sample_bernoulli(MatrixF::Constant(a.rows(), a.cols(), s.density), a, stream);
      const MatrixF b = ramp(s.k, s.n, 0.5f);
      const MatrixF b_transposed = b.transpose();
      for (const float beta : {0.0f, 1.0f}) {
        MatrixF expected = ramp(s.m, s.n, 1.0f), got = expected, got_t = expected;
        if (beta == 0.0f) got.setConstant(std::nanf(""));
        if (beta == 0.0f) got_t.setConstant(std::nanf(""));
        set_gemm_backend(GemmBackend::openblas);
        gemm(-0.5f, a, ta, b, Transpose::no, beta, expected);
        set_gemm_backend(GemmBackend::automatic);
        gemm(-0.5f, a, ta, b, Transpose::no, beta, got);
        gemm(-0.5f, a, ta, b_transposed, Transpose::yes, beta, got_t);
        EXPECT_LT((got - expected).cwiseAbs().maxCoeff(), 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()))
            << s.m << "x" << s.n << "x" << s.k << " density " << s.density << " ta " << (ta == Transpose::yes);
        EXPECT_LT((got_t - expected).cwiseAbs().maxCoeff(), 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()))
            << "op(B) = B^T";
        MatrixF packed = ramp(s.m, s.n, 1.0f);
        if (beta == 0.0f) packed.setConstant(std::nanf(""));
        gemm(-0.5f, a, ta, PackedMatrix(b, Transpose::no), beta, packed);
        EXPECT_LT((packed - expected).cwiseAbs().maxCoeff(), 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
      }
    }
  }
  // A value other than 0 and 1 anywhere sends the product down the dense path.
  MatrixF a = MatrixF::Zero(20, 30);
  a(19, 29) = 0.5f;
  a(0, 0) = 1.0f;
  const MatrixF b = ramp(30, 40, 1.0f);
  MatrixF got(20, 40), expected(20, 40);
  gemm(1.0f, a, Transpose::no, b, Transpose::no, 0.0f, got);
  expected = a * b;
  EXPECT_LT((got - expected).cwiseAbs().maxCoeff(), 1e-4f);
}

}  // namespace
}  // namespace logz
