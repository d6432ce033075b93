// A single-precision matrix product for CPUs with AVX-512, used by gemm()
// (blas.hpp) in place of the BLAS when the CPU has AVX-512F, whatever the
// BLAS would choose itself (OpenBLAS obeys OPENBLAS_CORETYPE and may run
// AVX2 kernels at half the speed).
//
//   C [m, n] <- alpha * op(A) * op(B) + beta * C      row-major, strides lda, ldb, ldc
//
// The usual design (Goto & van de Geijn 2008): K in blocks of 256; op(A)
// packed into panels of 12 rows and op(B) into panels of 32 columns, both
// contiguous in k; a 12 x 32 register-blocked micro-kernel (24 zmm
// accumulators) runs over the panels. Threads split the column panels, each
// packing its own, in one parallel region per product. Each element of C is
// summed in the same order whatever the number of threads.
// The function lives in its own translation unit, compiled for AVX-512, with
// no inline code shared with the rest of logz (so nothing compiled for
// AVX-512 can leak into code that runs on other CPUs); the caller provides
// the packing buffers.
#pragma once

#include <cstddef>

namespace logz::detail {

// Whether this CPU runs the AVX-512 path (AVX-512F, checked at run time).
bool cpu_has_avx512();

// Floats of packing space gemm_avx512 needs for these sizes and threads.
std::size_t gemm_avx512_workspace(long m, long n, long k, int threads);

// `prepacked_b`, when not null, holds op(B) packed by pack_b (b and ldb are then unused).
void gemm_avx512(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                 const float* a, long lda, const float* b, long ldb, float beta, float* c, long ldc,
                 float* workspace, int threads, const float* prepacked_b = nullptr);

// op(B) [k, n] packed once for many products (floats of space, then the packing).
std::size_t packed_b_size(long n, long k);
void pack_b(bool transpose_b, const float* b, long ldb, long n, long k, float* out);

}  // namespace logz::detail

namespace logz::detail {

// When op(A) holds only zeros and ones with at most `max_density` ones,
// C <- alpha op(A) op(B) + beta C as sums of the rows of op(B) that op(A)
// selects: the work of the ones alone. With transpose_b, op(B) = B^T is first
// written out row by row into `b_workspace` (n * k floats). Returns false,
// having written nothing, otherwise. `index_workspace` holds at least
// gemm_binary_workspace(m, k) ints. Rows of C are summed in a fixed order,
// split over threads by rows: the result does not depend on them.
std::size_t gemm_binary_workspace(long m, long k);
bool gemm_binary_avx512(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                        const float* a, long lda, const float* b, long ldb, float beta, float* c,
                        long ldc, int* index_workspace, float* b_workspace, int threads,
                        double max_density);

}  // namespace logz::detail
