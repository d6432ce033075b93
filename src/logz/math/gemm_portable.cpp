#include "logz/math/gemm_portable.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace logz::detail {
namespace {

constexpr long kRows = 4;      // rows of op(A) per block
constexpr long kColumns = 16;  // columns of op(B) per panel

// Panel q of op(B): out[p * 16 + jj] = op(B)(p, 16 q + jj), zero beyond n.
void pack_panel(bool transpose_b, const float* b, long ldb, long n, long k, long panel,
                float* out) {
  const long first = panel * kColumns, width = std::min(kColumns, n - first);
  for (long p = 0; p < k; ++p) {
    float* row = out + p * kColumns;
    for (long jj = 0; jj < width; ++jj) {
      row[jj] = transpose_b ? b[(first + jj) * ldb + p] : b[p * ldb + first + jj];
    }
    std::fill(row + width, row + kColumns, 0.0f);
  }
}

// Block q of op(A): out[p * 4 + ii] = op(A)(4 q + ii, p), zero beyond m.
void pack_block(bool transpose_a, const float* a, long lda, long m, long k, long block,
                float* out) {
  const long first = block * kRows, height = std::min(kRows, m - first);
  for (long p = 0; p < k; ++p) {
    float* column = out + p * kRows;
    for (long ii = 0; ii < height; ++ii) {
      column[ii] = transpose_a ? a[p * lda + first + ii] : a[(first + ii) * lda + p];
    }
    std::fill(column + height, column + kRows, 0.0f);
  }
}

// The 4 x 16 tile of sums over p = 0, 1, ..., k - 1: in float over runs of
// 64 consecutive p (in registers), the runs' sums added in double. As fast
// as a float sum, and its rounding error grows with the run, not with k.
constexpr long kRun = 64;

void micro_kernel(const float* block, const float* panel, long k, float (&out)[kRows][kColumns]) {
  double total[kRows][kColumns] = {};
  for (long first = 0; first < k; first += kRun) {
    const long last = std::min(k, first + kRun);
    float sum[kRows][kColumns] = {};
    for (long p = first; p < last; ++p) {
      const float* bp = panel + p * kColumns;
      const float* ap = block + p * kRows;
      for (long i = 0; i < kRows; ++i) {
        const float av = ap[i];
#pragma omp simd
        for (long j = 0; j < kColumns; ++j)
          sum[i][j] += av * bp[j];
      }
    }
    for (long i = 0; i < kRows; ++i) {
#pragma omp simd
      for (long j = 0; j < kColumns; ++j)
        total[i][j] += static_cast<double>(sum[i][j]);
    }
  }
  for (long i = 0; i < kRows; ++i) {
    for (long j = 0; j < kColumns; ++j)
      out[i][j] = static_cast<float>(total[i][j]);
  }
}

}  // namespace

void gemm_portable(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                   const float* a, long lda, const float* b, long ldb, float beta, float* c,
                   long ldc) {
  const long blocks = (m + kRows - 1) / kRows, panels = (n + kColumns - 1) / kColumns;
  thread_local std::vector<float> packed_a, packed_b;
  packed_a.resize(static_cast<std::size_t>(blocks * kRows * k));
  packed_b.resize(static_cast<std::size_t>(panels * kColumns * k));
  float* pa = packed_a.data();
  float* pb = packed_b.data();
  const bool parallel = !omp_in_parallel() && m * n * k > 200000;
#pragma omp parallel if (parallel)
  {
#pragma omp for schedule(static) nowait
    for (long q = 0; q < blocks; ++q)
      pack_block(transpose_a, a, lda, m, k, q, pa + q * kRows * k);
#pragma omp for schedule(static)
    for (long q = 0; q < panels; ++q)
      pack_panel(transpose_b, b, ldb, n, k, q, pb + q * kColumns * k);
#pragma omp for schedule(static) collapse(2)
    for (long panel = 0; panel < panels; ++panel) {
      for (long block = 0; block < blocks; ++block) {
        float sum[kRows][kColumns];
        micro_kernel(pa + block * kRows * k, pb + panel * kColumns * k, k, sum);
        const long i0 = block * kRows, j0 = panel * kColumns;
        const long height = std::min(kRows, m - i0), width = std::min(kColumns, n - j0);
        for (long i = 0; i < height; ++i) {
          float* out = c + (i0 + i) * ldc + j0;
          if (beta == 0.0f) {
            for (long j = 0; j < width; ++j)
              out[j] = alpha * sum[i][j];
          } else {
            for (long j = 0; j < width; ++j)
              out[j] = alpha * sum[i][j] + beta * out[j];
          }
        }
      }
    }
  }
}

}  // namespace logz::detail
