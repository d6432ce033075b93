// Matrix products through an optimized BLAS (OpenBLAS).
//
//   gemm:  C <- alpha * op(A) * op(B) + beta * C      (float32, row-major)
//
// Every large product of logz goes through here, so the BLAS library, its
// thread count and any later faster path are chosen in one place.
#pragma once

#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

enum class Transpose { no, yes };

void gemm(float alpha, ConstMatrixRef a, Transpose transpose_a, ConstMatrixRef b,
          Transpose transpose_b, float beta, MatrixRef c);

// op(B) prepared once for many products with it, such as an RBM's weights
// through an AIS run: on the AVX-512 path its panels are packed ahead (the
// products then skip that work); it also keeps op(B) row by row, for the
// BLAS and for the binary path. Built for the backend in use at construction.
class PackedMatrix {
 public:
  PackedMatrix(ConstMatrixRef b, Transpose transpose);
  Index rows() const { return rows_; }  // of op(B)
  Index cols() const { return cols_; }

 private:
  friend void gemm(float, ConstMatrixRef, Transpose, const PackedMatrix&, float, MatrixRef);
  Index rows_, cols_;
  Transpose transpose_;
  bool packed_;
  std::vector<float> panels_;
  MatrixF copy_;
};

// C <- alpha * op(A) * op(B) + beta * C with op(B) prepared.
void gemm(float alpha, ConstMatrixRef a, Transpose transpose_a, const PackedMatrix& b, float beta,
          MatrixRef c);

// Which code computes the products: the AVX-512 kernel of logz
// (gemm_avx512.hpp) where the CPU has AVX-512F, else logz's portable kernel
// (gemm_portable.hpp), which sums every element in one fixed order: both give
// the same bits for any number of threads or MPI ranks. On the AVX-512 path, a
// product whose op(A) holds only zeros and ones, at most 40% ones (binary data
// and sampled units), and whose op(B) is not transposed is computed as sums of
// the rows op(A) selects: exact, and several times less work than the full
// product. `openblas` (OpenBLAS's sgemm) is faster than the portable kernel on
// CPUs without AVX-512, but its results change with the thread count and the
// product's shape. `automatic` is the default; the environment variable
// LOGZ_GEMM=openblas|portable|avx512|auto sets the starting choice (an
// unavailable avx512 falls back to the portable kernel).
enum class GemmBackend { automatic, openblas, avx512, portable };
void set_gemm_backend(GemmBackend backend);
// The backend products actually use now.
GemmBackend gemm_backend();
const char* to_string(GemmBackend backend);

// Number of threads the BLAS uses for one product (default: all cores).
int blas_threads();
void set_blas_threads(int threads);

}  // namespace logz
