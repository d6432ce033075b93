// The single-precision matrix product of CPUs without AVX-512 (gemm() in
// blas.hpp), in place of the BLAS:
//
//   C [m, n] <- alpha * op(A) * op(B) + beta * C      row-major, strides lda, ldb, ldc
//
// Why not OpenBLAS: its products are not the same bits for different thread
// counts, nor for the same row computed in products of different heights
// (OpenBLAS 0.3.21, OpenMP build, on an AMD EPYC with AVX2: every shape of an
// RBM's training differs in its last bits between 1 and 2 threads, and
// between one product of 100 rows and the same rows 7 at a time). logz
// promises the same bits for any thread and MPI rank count, so the portable
// path sums each element of C itself, in one fixed order: acc = 0, then
// acc += op(A)(i, p) op(B)(p, j) for p = 0, 1, ..., k - 1, then
// alpha acc + beta C(i, j) (beta = 0 leaves C unread). Nothing about an
// element depends on the product's size, its place in it or the threads.
//
// How: op(B) packed into panels of 16 columns and op(A) into blocks of 4 rows,
// both contiguous in k and zero-padded at the edges, so every element goes
// through the same 4 x 16 register-blocked micro-kernel (omp simd over the 16
// columns); OpenMP over the (panel, block) tiles, panel-major, so that a
// thread's consecutive tiles share their panel in cache. Called from inside a
// parallel region, the product runs on the calling thread alone.
// LOGZ_GEMM=openblas (blas.hpp) chooses OpenBLAS instead, for speed over
// reproducibility.
#pragma once

namespace logz::detail {

void gemm_portable(bool transpose_a, bool transpose_b, long m, long n, long k, float alpha,
                   const float* a, long lda, const float* b, long ldb, float beta, float* c,
                   long ldc);

}  // namespace logz::detail
