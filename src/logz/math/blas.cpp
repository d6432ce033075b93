#include "logz/math/blas.hpp"

#include <cblas.h>

#include <cassert>

namespace logz {

void gemm(float alpha, ConstMatrixRef a, Transpose transpose_a, ConstMatrixRef b,
          Transpose transpose_b, float beta, MatrixRef c) {
  const bool ta = transpose_a == Transpose::yes;
  const bool tb = transpose_b == Transpose::yes;
  const Index m = ta ? a.cols() : a.rows();
  const Index k = ta ? a.rows() : a.cols();
  const Index n = tb ? b.rows() : b.cols();
  assert((tb ? b.cols() : b.rows()) == k);
  assert(c.rows() == m && c.cols() == n);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    c *= beta;
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.outerStride()), beta,
              c.data(), static_cast<int>(c.outerStride()));
}

int blas_threads() { return openblas_get_num_threads(); }

void set_blas_threads(int threads) { openblas_set_num_threads(threads); }

}  // namespace logz
