#include "logz/math/blas.hpp"

#include <cblas.h>
#include <omp.h>

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "logz/math/gemm_avx512.hpp"
#include "logz/math/gemm_portable.hpp"

namespace logz {
namespace {

GemmBackend initial_backend() {
  const char* env = std::getenv("LOGZ_GEMM");
  if (env != nullptr && std::strcmp(env, "openblas") == 0) return GemmBackend::openblas;
  if (env != nullptr && std::strcmp(env, "avx512") == 0) return GemmBackend::avx512;
  if (env != nullptr && std::strcmp(env, "portable") == 0) return GemmBackend::portable;
  return GemmBackend::automatic;
}

GemmBackend& requested_backend() {
  static GemmBackend backend = initial_backend();
  return backend;
}

bool use_avx512() {
  static const bool available = detail::cpu_has_avx512();
  return available && requested_backend() != GemmBackend::openblas &&
         requested_backend() != GemmBackend::portable;
}

bool use_openblas() {
  return !use_avx512() && requested_backend() == GemmBackend::openblas;
}

// Above this fraction of ones (measured: break-even near 0.45 for 784 x 500
// products), the product of packed panels beats adding rows.
constexpr double kBinaryDensity = 0.4;

// The product as sums of selected rows of op(B) when op(A) is binary and
// sparse (samples and binarized data are); false when it is not.
bool try_binary(bool ta, bool tb, Index m, Index n, Index k, float alpha, ConstMatrixRef a,
                const float* b, Index ldb, float beta, MatrixRef c) {
  thread_local std::vector<int> indices;
  thread_local std::vector<float> rows_of_b;
  const std::size_t needed = detail::gemm_binary_workspace(m, k);
  if (indices.size() < needed) indices.resize(needed);
  if (tb && rows_of_b.size() < static_cast<std::size_t>(n * k)) rows_of_b.resize(static_cast<std::size_t>(n * k));
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  return detail::gemm_binary_avx512(ta, tb, m, n, k, alpha, a.data(), a.outerStride(), b, ldb, beta,
                                    c.data(), c.outerStride(), indices.data(), rows_of_b.data(),
                                    threads, kBinaryDensity);
}

}  // namespace

void set_gemm_backend(GemmBackend backend) { requested_backend() = backend; }

GemmBackend gemm_backend() {
  return use_avx512()     ? GemmBackend::avx512
         : use_openblas() ? GemmBackend::openblas
                          : GemmBackend::portable;
}

const char* to_string(GemmBackend backend) {
  switch (backend) {
    case GemmBackend::avx512: return "avx512";
    case GemmBackend::openblas: return "openblas";
    case GemmBackend::portable:
      return "portable";
    default: return "auto";
  }
}

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
    if (beta == 0.0f) {
      c.setZero();
    } else {
      c *= beta;
    }
    return;
  }
  if (use_avx512() && try_binary(ta, tb, m, n, k, alpha, a, b.data(), b.outerStride(), beta, c)) {
    return;
  }
  if (use_avx512()) {
    // One packing workspace per thread that calls gemm, grown as needed.
    thread_local std::vector<float> workspace;
    // Called from inside a parallel region, the product runs on this thread alone.
    const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    const std::size_t needed = detail::gemm_avx512_workspace(m, n, k, threads);
    if (workspace.size() < needed) workspace.resize(needed);
    detail::gemm_avx512(ta, tb, m, n, k, alpha, a.data(), a.outerStride(), b.data(),
                        b.outerStride(), beta, c.data(), c.outerStride(), workspace.data(), threads);
    return;
  }
  if (!use_openblas()) {
    detail::gemm_portable(ta, tb, m, n, k, alpha, a.data(), a.outerStride(), b.data(),
                          b.outerStride(), beta, c.data(), c.outerStride());
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a.data(),
              static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.outerStride()), beta,
              c.data(), static_cast<int>(c.outerStride()));
}

PackedMatrix::PackedMatrix(ConstMatrixRef b, Transpose transpose)
    : rows_(transpose == Transpose::yes ? b.cols() : b.rows()),
      cols_(transpose == Transpose::yes ? b.rows() : b.cols()),
      transpose_(transpose),
      packed_(use_avx512()) {
  if (packed_) {
    panels_.resize(detail::packed_b_size(cols_, rows_));
    detail::pack_b(transpose == Transpose::yes, b.data(), b.outerStride(), cols_, rows_, panels_.data());
  }
  // op(B) row by row: the BLAS's operand, and the rows the binary path adds.
  if (transpose == Transpose::yes) {
    copy_ = b.transpose();
  } else {
    copy_ = b;
  }
}

void gemm(float alpha, ConstMatrixRef a, Transpose transpose_a, const PackedMatrix& b, float beta,
          MatrixRef c) {
  if (!b.packed_) {
    gemm(alpha, a, transpose_a, b.copy_, Transpose::no, beta, c);
    return;
  }
  const bool ta = transpose_a == Transpose::yes;
  const Index m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  assert(k == b.rows_ && c.rows() == m && c.cols() == b.cols_);
  if (m == 0 || b.cols_ == 0) return;
  if (try_binary(ta, false, m, b.cols_, k, alpha, a, b.copy_.data(), b.copy_.outerStride(), beta, c)) {
    return;
  }
  thread_local std::vector<float> workspace;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  const std::size_t needed = detail::gemm_avx512_workspace(m, b.cols_, k, threads);
  if (workspace.size() < needed) workspace.resize(needed);
  detail::gemm_avx512(ta, b.transpose_ == Transpose::yes, m, b.cols_, k, alpha, a.data(),
                      a.outerStride(), nullptr, 0, beta, c.data(), c.outerStride(), workspace.data(),
                      threads, b.panels_.data());
}

int blas_threads() { return openblas_get_num_threads(); }

void set_blas_threads(int threads) { openblas_set_num_threads(threads); }

}  // namespace logz
