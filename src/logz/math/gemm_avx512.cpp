// Compiled with -mavx512f (see CMakeLists.txt). Deliberately free of
// standard-library templates and Eigen: inline functions instantiated here
// would be compiled for AVX-512 and could be picked by the linker for code
// that runs on CPUs without it.
#include "logz/math/gemm_avx512.hpp"

#include <immintrin.h>
#include <omp.h>

namespace logz::detail {
namespace {

constexpr long kMr = 12;   // rows of the micro-tile
constexpr long kNr = 32;   // columns of the micro-tile (two zmm registers)
constexpr long kKc = 256;  // depth of a block: a B panel is kKc * kNr floats (32 KiB)

long round_up(long x, long to) { return (x + to - 1) / to * to; }

// Panel p (kMr rows) of op(A)[rows, k0 .. k0 + kc), kc x kMr, zero-padded.
void pack_a_panel(bool transposed, const float* a, long lda, long m, long p, long k0, long kc,
                  float* out) {
  {
    float* dst = out + p * kc * kMr;
    // Walk the source contiguously: along k when A is stored row by row.
    for (long i = 0; i < kMr; ++i) {
      const long row = p * kMr + i;
      if (row >= m) {
        for (long kk = 0; kk < kc; ++kk) dst[kk * kMr + i] = 0.0f;
      } else if (!transposed) {
        const float* src = a + row * lda + k0;
        for (long kk = 0; kk < kc; ++kk) dst[kk * kMr + i] = src[kk];
      } else {
        for (long kk = 0; kk < kc; ++kk) dst[kk * kMr + i] = a[(k0 + kk) * lda + row];
      }
    }
  }
}

// Panel q (kNr columns) of op(B)[k0 .. k0 + kc, columns], kc x kNr, zero-padded.
void pack_b_panel(bool transposed, const float* b, long ldb, long n, long q, long k0, long kc,
                  float* dst) {
  const long first = q * kNr, width = n - first < kNr ? n - first : kNr;
  if (transposed) {  // op(B) column j is row j of B: read it contiguously
    for (long j = 0; j < kNr; ++j) {
      const float* src = b + (first + j) * ldb + k0;
      for (long kk = 0; kk < kc; ++kk) dst[kk * kNr + j] = j < width ? src[kk] : 0.0f;
    }
    return;
  }
  for (long kk = 0; kk < kc; ++kk) {
    float* row = dst + kk * kNr;
    const float* src = b + (k0 + kk) * ldb + first;
    if (width == kNr) {
      _mm512_storeu_ps(row, _mm512_loadu_ps(src));
      _mm512_storeu_ps(row + 16, _mm512_loadu_ps(src + 16));
    } else {
      for (long j = 0; j < kNr; ++j) row[j] = j < width ? src[j] : 0.0f;
    }
  }
}

// C[rows, cols] (rows <= 12, cols <= 32) <- alpha * panel_a * panel_b + beta * C
void micro_kernel(long kc, const float* pa, const float* pb, float* c, long ldc, long rows,
                  long cols, float alpha, float beta) {
  __m512 acc[kMr][2];
#pragma GCC unroll 12
  for (long i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; ++kk) {
    const __m512 b0 = _mm512_load_ps(pb);
    const __m512 b1 = _mm512_load_ps(pb + 16);
#pragma GCC unroll 12
    for (long i = 0; i < kMr; ++i) {
      const __m512 a = _mm512_set1_ps(pa[i]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
    pa += kMr;
    pb += kNr;
  }
  const __mmask16 mask0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 mask1 =
      cols >= 32 ? __mmask16(0xFFFF) : (cols > 16 ? __mmask16((1u << (cols - 16)) - 1) : __mmask16(0));
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
  for (long i = 0; i < kMr; ++i) {
    if (i >= rows) break;
    float* out = c + i * ldc;
    __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
    if (beta != 0.0f) {  // beta == 0 must not read C (it may hold anything)
      r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask0, out), r0);
      r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask1, out + 16), r1);
    }
    _mm512_mask_storeu_ps(out, mask0, r0);
    _mm512_mask_storeu_ps(out + 16, mask1, r1);
  }
}

}  // namespace

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

std::size_t gemm_avx512_workspace(long m, long /*n*/, long k, int threads) {
  // All of op(A) packed, one B panel per thread, 16 floats each to align to 64 bytes.
  const long kc = k < kKc ? k : kKc;
  return static_cast<std::size_t>(round_up(m, kMr) * k + 16 + threads * (kc * kNr + 16));
}

std::size_t packed_b_size(long n, long k) { return static_cast<std::size_t>(round_up(n, kNr) * k + 16); }

void pack_b(bool transpose_b, const float* b, long ldb, long n, long k, float* out) {
  float* base = reinterpret_cast<float*>((reinterpret_cast<unsigned long>(out) + 63) & ~63ul);
  const long panels = round_up(n, kNr) / kNr;
#pragma omp parallel for schedule(static) if (n * k >= (1l << 16))
  for (long q = 0; q < panels; ++q) {
    for (long k0 = 0; k0 < k; k0 += kKc) {
      const long kc = k - k0 < kKc ? k - k0 : kKc;
      pack_b_panel(transpose_b, b, ldb, n, q, k0, kc, base + q * k * kNr + k0 * kNr);
    }
  }
}

void gemm_avx512(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                 const float* a, long lda, const float* b, long ldb, float beta, float* c, long ldc,
                 float* workspace, int threads, const float* prepacked_b) {
  if (prepacked_b != nullptr) {
    prepacked_b = reinterpret_cast<const float*>((reinterpret_cast<unsigned long>(prepacked_b) + 63) & ~63ul);
  }
  const auto align = [](float* p) {
    return reinterpret_cast<float*>((reinterpret_cast<unsigned long>(p) + 63) & ~63ul);
  };
  const long kc_max = k < kKc ? k : kKc;
  const long a_panels = round_up(m, kMr) / kMr, b_panels = round_up(n, kNr) / kNr;
  // One parallel region: the threads pack all of op(A) (every block of k)
  // together, then each packs and uses its own panels of op(B).
  float* packed_a = align(workspace);
  float* panels_b = packed_a + round_up(m, kMr) * k + 16;
  const long k_blocks = (k + kKc - 1) / kKc;
#pragma omp parallel num_threads(threads) if (m * n * k >= (1l << 18))
  {
#pragma omp for schedule(static) collapse(2)
    for (long kb = 0; kb < k_blocks; ++kb) {
      for (long p = 0; p < a_panels; ++p) {
        const long k0 = kb * kKc, kc = k - k0 < kKc ? k - k0 : kKc;
        pack_a_panel(transpose_a, a, lda, m, p, k0, kc, packed_a + round_up(m, kMr) * k0);
      }
    }
    float* packed_b = align(panels_b + omp_get_thread_num() * (kc_max * kNr + 16));
#pragma omp for schedule(static)
    for (long q = 0; q < b_panels; ++q) {
      const long col = q * kNr, cols = n - col < kNr ? n - col : kNr;
      for (long k0 = 0; k0 < k; k0 += kKc) {
        const long kc = k - k0 < kKc ? k - k0 : kKc;
        const float* panel_b = packed_b;
        if (prepacked_b != nullptr) {
          panel_b = prepacked_b + q * k * kNr + k0 * kNr;
        } else {
          pack_b_panel(transpose_b, b, ldb, n, q, k0, kc, packed_b);
        }
        const float* block_a = packed_a + round_up(m, kMr) * k0;
        const float block_beta = k0 == 0 ? beta : 1.0f;
        for (long p = 0; p < a_panels; ++p) {
          const long row = p * kMr, rows = m - row < kMr ? m - row : kMr;
          micro_kernel(kc, block_a + p * kc * kMr, panel_b, c + row * ldc + col, ldc, rows, cols,
                       alpha, block_beta);
        }
      }
    }
  }
}

}  // namespace logz::detail
