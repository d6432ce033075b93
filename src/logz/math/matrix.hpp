// Matrix and vector types of the hot path.
//
// Batches are row-major float32 matrices of shape [batch, units]: one example
// per row, so a minibatch is a contiguous block of rows and a GEMM reads it
// without copies. Accumulations (log-weights, log Z, log-likelihood sums) are
// double and use the *D types.
#pragma once

#include <Eigen/Core>

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

}  // namespace logz
