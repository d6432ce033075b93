// Compiled with -mavx512f (see CMakeLists.txt). Deliberately free of
// standard-library templates and Eigen: inline functions instantiated here
// would be compiled for AVX-512 and could be picked by the linker for code
// that runs on CPUs without it.
#include "logz/math/gemm_avx512.hpp"

#include <immintrin.h>
#include <stdlib.h>
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
  // LOGZ_NO_AVX512=1 takes the portable paths on any CPU, so that a machine
  // with AVX-512 can test what a machine without it runs.
  const char* off = std::getenv("LOGZ_NO_AVX512");
  if (off != nullptr && off[0] != '\0' && off[0] != '0') return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

std::size_t gemm_avx512_workspace(long m, long /*n*/, long k, int threads) {
  // All of op(A) packed, then one B panel per thread. Each start is rounded up
  // to 64 bytes (up to 15 floats), and the layout below leaves a 16-float gap
  // after A and after each panel: A + threads * (panel + 16) + 15 + 16 + 15
  // floats at most; 64 covers the constant part.
  const long kc = k < kKc ? k : kKc;
  return static_cast<std::size_t>(round_up(m, kMr) * k + threads * (kc * kNr + 16) + 64);
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

namespace logz::detail {
namespace {

// Columns of B handled together: 16 zmm accumulators, and a block of B rows
// this wide (784 rows x 1 KiB) stays in a core's L2 while every row of C
// that needs it is summed.
constexpr long kBinaryWidth = 256;
constexpr long kBinaryVectors = kBinaryWidth / 16;

// c[start, start+width) <- alpha * sum_{i in rows} b[rows[i]][same columns] + beta * c
// (beta 0: c is not read).
void sum_rows(const int* rows, long count, const float* b, long ldb, long start, long width,
              float alpha, float beta, float* c) {
  const long vectors = (width + 15) / 16;
  const __mmask16 last = width % 16 == 0 ? __mmask16(0xFFFF) : __mmask16((1u << (width % 16)) - 1);
  __m512 acc[kBinaryVectors];
#pragma GCC unroll 16
  for (long v = 0; v < kBinaryVectors; ++v) acc[v] = _mm512_setzero_ps();
  if (vectors == kBinaryVectors && last == 0xFFFF) {
    for (long i = 0; i < count; ++i) {
      const float* row = b + rows[i] * ldb + start;
#pragma GCC unroll 16
      for (long v = 0; v < kBinaryVectors; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_loadu_ps(row + 16 * v));
    }
  } else {
    for (long i = 0; i < count; ++i) {
      const float* row = b + rows[i] * ldb + start;
      for (long v = 0; v < vectors; ++v) {
        const __mmask16 mask = v == vectors - 1 ? last : __mmask16(0xFFFF);
        acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(mask, row + 16 * v));
      }
    }
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (long v = 0; v < vectors; ++v) {
    const __mmask16 mask = v == vectors - 1 ? last : __mmask16(0xFFFF);
    float* out = c + start + 16 * v;
    __m512 r = _mm512_mul_ps(va, acc[v]);
    if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, out), r);
    _mm512_mask_storeu_ps(out, mask, r);
  }
}

// The ones of each row of a binary matrix [rows, cols] (stride ld) as
// compressed rows; false at the first value other than 0 or 1, or when the
// ones exceed `limit`.
bool compress_rows(const float* a, long rows, long cols, long ld, long limit, int* offsets,
                   int* columns) {
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  long nonzeros = 0;
  for (long r = 0; r < rows; ++r) {
    offsets[r] = static_cast<int>(nonzeros);
    const float* row = a + r * ld;
    for (long j = 0; j < cols; j += 16) {
      const __mmask16 valid = cols - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (cols - j)) - 1);
      const __m512 x = _mm512_maskz_loadu_ps(valid, row + j);
      const __mmask16 ones = _mm512_mask_cmp_ps_mask(valid, x, one, _CMP_EQ_OQ);
      const __mmask16 zeros = _mm512_mask_cmp_ps_mask(valid, x, zero, _CMP_EQ_OQ);
      if ((ones | zeros) != valid) return false;  // a value other than 0 and 1
      if (ones == 0) continue;
      _mm512_mask_compressstoreu_epi32(columns + nonzeros, ones,
                                       _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(j)), lanes));
      nonzeros += __builtin_popcount(ones);
    }
    if (nonzeros > limit) return false;  // dense enough for the product of panels
  }
  offsets[rows] = static_cast<int>(nonzeros);
  return true;
}


// A 16 x 16 tile transposed through registers: rows of `in` become columns of `out`.
void transpose_tile(const float* in, long ldi, float* out, long ldo) {
  __m512 r[16], t[16], u[16], v[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(in + i * ldi);
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
    v[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xDD);
    v[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
    v[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xDD);
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    _mm512_storeu_ps(out + i * ldo, _mm512_shuffle_f32x4(v[i], v[i + 8], 0x88));
    _mm512_storeu_ps(out + (i + 8) * ldo, _mm512_shuffle_f32x4(v[i], v[i + 8], 0xDD));
  }
}

// out [k, n] <- b^T for b [n, k] (stride ldb), tile by tile.
void transpose(const float* b, long ldb, long n, long k, float* out, int threads) {
#pragma omp parallel for schedule(static) num_threads(threads) if (n * k >= (1l << 16))
  for (long j0 = 0; j0 < n; j0 += 16) {
    for (long i0 = 0; i0 < k; i0 += 16) {
      const long jn = n - j0 < 16 ? n - j0 : 16, in = k - i0 < 16 ? k - i0 : 16;
      if (jn == 16 && in == 16) {
        transpose_tile(b + j0 * ldb + i0, ldb, out + i0 * n + j0, n);
        continue;
      }
      for (long j = 0; j < jn; ++j) {
        const float* src = b + (j0 + j) * ldb + i0;
        for (long i = 0; i < in; ++i) out[(i0 + i) * n + j0 + j] = src[i];
      }
    }
  }
}

bool gemm_binary_rows(bool transpose_a, long m, long n, long k, float alpha, const float* a,
                      long lda, const float* b, long ldb, float beta, float* c, long ldc,
                      int* index_workspace, int threads, long limit, const float* transpose_from,
                      long transpose_ld, float* b_workspace) {
  const long blocks = (n + kBinaryWidth - 1) / kBinaryWidth;
  const auto prepare_b = [&] {
    if (transpose_from != nullptr) transpose(transpose_from, transpose_ld, n, k, b_workspace, threads);
  };
  if (!transpose_a) {
    // C[r] = alpha * sum of the rows of B that row r of A selects (+ beta C[r]).
    int* offsets = index_workspace;
    int* columns = index_workspace + m + 1;
    if (!compress_rows(a, m, k, lda, limit, offsets, columns)) return false;
    prepare_b();
#pragma omp parallel num_threads(threads) if (m * n >= (1l << 14))
    {
      // Threads take rows; each walks the column blocks in turn and sums all
      // its rows within a block, so one block of B serves them from cache.
      const long team = omp_get_num_threads(), me = omp_get_thread_num();
      const long first = m * me / team, last = m * (me + 1) / team;
      for (long q = 0; q < blocks; ++q) {
        const long start = q * kBinaryWidth, width = n - start < kBinaryWidth ? n - start : kBinaryWidth;
        for (long r = first; r < last; ++r) {
          sum_rows(columns + offsets[r], offsets[r + 1] - offsets[r], b, ldb, start, width, alpha,
                   beta, c + r * ldc);
        }
      }
    }
    return true;
  }
  // op(A) = A^T with A [k, m] (rows of A are, say, examples): row i of C sums
  // alpha * B[r] over the rows r of A with a one in column i, r in order. The
  // ones come compressed by rows of A, then are regrouped by column (a
  // counting sort over the ones alone), and each row of C is summed in
  // registers as above.
  int* by_row_offsets = index_workspace;
  int* by_row = by_row_offsets + k + 1;
  if (!compress_rows(a, k, m, lda, limit, by_row_offsets, by_row)) return false;
  prepare_b();
  const long nonzeros = by_row_offsets[k];
  int* offsets = by_row + nonzeros;  // m + 1 counts, then the regrouped rows
  int* rows_of = offsets + m + 1;
  for (long i = 0; i <= m; ++i) offsets[i] = 0;
  for (long e = 0; e < nonzeros; ++e) ++offsets[by_row[e] + 1];
  for (long i = 0; i < m; ++i) offsets[i + 1] += offsets[i];
  for (long r = 0; r < k; ++r) {
    for (int e = by_row_offsets[r]; e < by_row_offsets[r + 1]; ++e) {
      rows_of[offsets[by_row[e]]++] = static_cast<int>(r);
    }
  }
  for (long i = m; i > 0; --i) offsets[i] = offsets[i - 1];  // undo the cursor shift
  offsets[0] = 0;
#pragma omp parallel num_threads(threads) if (m * n >= (1l << 14))
  {
    const long team = omp_get_num_threads(), me = omp_get_thread_num();
    const long first = m * me / team, last = m * (me + 1) / team;
    for (long q = 0; q < blocks; ++q) {
      const long start = q * kBinaryWidth, width = n - start < kBinaryWidth ? n - start : kBinaryWidth;
      for (long i = first; i < last; ++i) {
        sum_rows(rows_of + offsets[i], offsets[i + 1] - offsets[i], b, ldb, start, width, alpha,
                 beta, c + i * ldc);
      }
    }
  }
  return true;
}

}  // namespace

std::size_t gemm_binary_workspace(long m, long k) {
  // Compressed rows (offsets and indices), and for op(A) = A^T a regrouped copy.
  return static_cast<std::size_t>(2 * m * k + 2 * (m + k) + 4);
}

bool gemm_binary_avx512(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                        const float* a, long lda, const float* b, long ldb, float beta, float* c,
                        long ldc, int* index_workspace, float* b_workspace, int threads,
                        double max_density) {
  const long limit = static_cast<long>(max_density * static_cast<double>(m) * static_cast<double>(k));
  // With transpose_b, rows of op(B) are written out only once op(A) is known to qualify.
  return gemm_binary_rows(transpose_a, m, n, k, alpha, a, lda, transpose_b ? b_workspace : b,
                          transpose_b ? n : ldb, beta, c, ldc, index_workspace, threads, limit,
                          transpose_b ? b : nullptr, ldb, b_workspace);
}

}  // namespace logz::detail
