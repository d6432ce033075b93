// Matrix products through an optimized BLAS (OpenBLAS).
//
//   gemm:  C <- alpha * op(A) * op(B) + beta * C      (float32, row-major)
//
// Every large product of logz goes through here, so the BLAS library, its
// thread count and any later faster path are chosen in one place.
#pragma once

#include "logz/math/matrix.hpp"

namespace logz {

enum class Transpose { no, yes };

void gemm(float alpha, ConstMatrixRef a, Transpose transpose_a, ConstMatrixRef b,
          Transpose transpose_b, float beta, MatrixRef c);

// Number of threads the BLAS uses for one product (default: all cores).
int blas_threads();
void set_blas_threads(int threads);

}  // namespace logz
