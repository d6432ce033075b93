// Fused elementwise kernels of the hot path. Each makes one pass over a
// row-major [rows, cols] matrix, with an affine map a_ij = scale x_ij + bias_j:
//
//   affine_sigmoid            x_ij <- sigmoid(a_ij)
//   affine_sigmoid_bernoulli  the same, and s_ij <- 1[u_ij < x_ij], u ~ U[0,1)
//   affine_softplus_row_sums  out_i = sum_j softplus(a_ij), in double
//   sample_bernoulli          s_ij <- 1[u_ij < p_ij]
//
// (scale is an inverse temperature; the bias carries the tempered biases.)
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

void affine_sigmoid(MatrixRef x, float scale, ConstVectorRef bias);

void affine_sigmoid_bernoulli(MatrixRef x, float scale, ConstVectorRef bias, MatrixRef sample,
                              RandomStream& stream);

void affine_softplus_row_sums(ConstMatrixRef x, float scale, ConstVectorRef bias,
                              std::span<double> out);

void sample_bernoulli(ConstMatrixRef probability, MatrixRef sample, RandomStream& stream);

// One annealing step's hidden-unit work of AIS for an RBM, in one pass over
// the activations a = v W (no bias), with z = a + c:
//   difference_i = sum_j softplus(beta z_ij) - softplus(beta_previous z_ij)   (double)
//   x_ij <- sigmoid(beta z_ij), sample_ij ~ Bernoulli(x_ij)
// Each term's difference is computed as max(x,0) - max(y,0) + log of a
// product of ratios (1 + e^-|x|) / (1 + e^-|y|) in [1/2, 2] over 64 terms, so
// rounding is relative to the difference, not to the two large sums; the
// sigmoid reuses e^-|x|.
void annealed_hidden_step(MatrixRef activation, ConstVectorRef hidden_bias, float beta,
                          float beta_previous, std::span<double> difference, MatrixRef sample,
                          RandomStream& stream);

// sum_j softplus(x_j) and sum_j softplus(x_j + y_j) over contiguous rows,
// vectorized in float and accumulated in double.
double softplus_sum(const float* x, Index n);
double softplus_sum(const float* x, const float* y, Index n);

// sum_j softplus(x_j + sign y_j) - softplus(x_j), accurate to float rounding
// of each term's difference (not of the two large sums); `reciprocal` holds
// 1 / (1 + exp(-|x_j|)), computed once per x (see softplus_reciprocals).
double softplus_shift_difference(const float* x, const float* y, float sign,
                                 const float* reciprocal, Index n);
void softplus_reciprocals(const float* x, float* reciprocal, Index n);

}  // namespace logz
