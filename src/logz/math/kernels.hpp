// Fused elementwise kernels of the hot path. Each makes one pass over a
// row-major [rows, cols] matrix, with the bias added per column:
//
//   bias_sigmoid            x_ij <- sigmoid(beta (x_ij + bias_j))
//   bias_sigmoid_bernoulli  the same, and s_ij <- 1[u_ij < x_ij], u ~ U[0,1)
//   sample_bernoulli        s_ij <- 1[u_ij < p_ij]
//   softplus_row_sums       out_i = sum_j softplus(beta (x_ij + bias_j)), in double
//
// These follow a GEMM that produced x = v W (or h W^T), so the pre-activation
// never makes a second trip through memory. Random draws use block
// (row * ceil(cols / 4) + j / 4) of the reserved range: the same numbers for
// any thread count. Large matrices are split over rows with OpenMP.
#pragma once

#include <span>

#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"

namespace logz {

void bias_sigmoid(MatrixRef x, ConstVectorRef bias, float beta = 1.0f);

void bias_sigmoid_bernoulli(MatrixRef x, ConstVectorRef bias, float beta, MatrixRef sample,
                            RandomStream& stream);

void sample_bernoulli(ConstMatrixRef probability, MatrixRef sample, RandomStream& stream);

void softplus_row_sums(ConstMatrixRef x, ConstVectorRef bias, float beta, std::span<double> out);

// sum_j softplus(x_j) and sum_j softplus(x_j + y_j) over contiguous rows,
// vectorized in float and accumulated in double.
double softplus_sum(const float* x, Index n);
double softplus_sum(const float* x, const float* y, Index n);

}  // namespace logz
