// Matrix and vector types of the hot path.
//
// Batches are row-major float32 matrices of shape [batch, units]: one example
// per row, so a minibatch is a contiguous block of rows and a GEMM reads it
// without copies. Accumulations (log-weights, log Z, log-likelihood sums) are
// double and use the *D types.
#pragma once

#include <Eigen/Core>

#include <vector>

namespace logz {

using Index = Eigen::Index;

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using VectorF = Eigen::VectorXf;
using VectorD = Eigen::VectorXd;

// Views that accept a whole matrix, a block of rows or a Map without copying.
using MatrixRef = Eigen::Ref<MatrixF>;
using ConstMatrixRef = Eigen::Ref<const MatrixF>;
using VectorRef = Eigen::Ref<VectorF>;
using ConstVectorRef = Eigen::Ref<const VectorF>;

using MatrixMap = Eigen::Map<MatrixF>;
using ConstMatrixMap = Eigen::Map<const MatrixF>;
using VectorMap = Eigen::Map<VectorF>;
using ConstVectorMap = Eigen::Map<const VectorF>;

// A float buffer aligned as Eigen aligns its own matrices (64 bytes with
// AVX-512). Eigen's vectorized loops over a Map do the elements before the
// first aligned address one at a time, and for exp, log and sums the one-
// at-a-time results differ in the last bits from the vectorized ones; a
// plain std::vector's address (16-byte aligned) varies with the heap's
// history (even with the length of the command line), so results would vary
// from run to run. Buffers that Eigen reads through a Map use this instead.
using AlignedFloats = std::vector<float, Eigen::aligned_allocator<float>>;

}  // namespace logz
