#include "logz/math/kernels.hpp"

#include <cassert>
#include <cmath>
#include <vector>

namespace logz {
namespace {

// Below this many elements a kernel runs on one thread: starting a parallel
// region costs more than the work.
constexpr Index kParallelElements = Index{1} << 16;

Index blocks_per_row(Index cols) { return (cols + 3) / 4; }

// u_j for j in [0, cols) of row `row` from the reserved blocks.
void fill_uniform_row(const RandomBlocks& blocks, Index row, Index cols, float* u) {
  const Index per_row = blocks_per_row(cols);
  blocks.uniform_floats(static_cast<std::uint64_t>(row * per_row), static_cast<std::size_t>(per_row), u);
}

void sample_row(const RandomBlocks& blocks, Index row, const float* p, float* s, Index cols,
                std::vector<float>& u) {
  u.resize(static_cast<std::size_t>(4 * blocks_per_row(cols)));
  fill_uniform_row(blocks, row, cols, u.data());
  for (Index j = 0; j < cols; ++j) s[j] = u[j] < p[j] ? 1.0f : 0.0f;
}

void sigmoid_row(float* x, float scale, const float* bias, Index cols) {
  Eigen::Map<Eigen::ArrayXf> row(x, cols);
  Eigen::Map<const Eigen::ArrayXf> b(bias, cols);
  if (scale == 1.0f) {
    row = (row + b).logistic();
  } else {
    row = (scale * row + b).logistic();
  }
}

}  // namespace

void affine_sigmoid(MatrixRef x, float scale, ConstVectorRef bias) {
  assert(bias.size() == x.cols());
  const Index rows = x.rows(), cols = x.cols();
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelElements)
  for (Index i = 0; i < rows; ++i) sigmoid_row(&x(i, 0), scale, bias.data(), cols);
}

void affine_sigmoid_bernoulli(MatrixRef x, float scale, ConstVectorRef bias, MatrixRef sample,
                              RandomStream& stream) {
  assert(bias.size() == x.cols());
  assert(sample.rows() == x.rows() && sample.cols() == x.cols());
  const Index rows = x.rows(), cols = x.cols();
  const RandomBlocks blocks =
      stream.reserve(static_cast<std::uint64_t>(rows * blocks_per_row(cols)));
#pragma omp parallel if (rows * cols >= kParallelElements)
  {
    std::vector<float> u;
#pragma omp for schedule(static)
    for (Index i = 0; i < rows; ++i) {
      sigmoid_row(&x(i, 0), scale, bias.data(), cols);
      sample_row(blocks, i, &x(i, 0), &sample(i, 0), cols, u);
    }
  }
}

void sample_bernoulli(ConstMatrixRef probability, MatrixRef sample, RandomStream& stream) {
  assert(sample.rows() == probability.rows() && sample.cols() == probability.cols());
  const Index rows = probability.rows(), cols = probability.cols();
  const RandomBlocks blocks =
      stream.reserve(static_cast<std::uint64_t>(rows * blocks_per_row(cols)));
#pragma omp parallel if (rows * cols >= kParallelElements)
  {
    std::vector<float> u;
#pragma omp for schedule(static)
    for (Index i = 0; i < rows; ++i) sample_row(blocks, i, probability.row(i).data(), &sample(i, 0), cols, u);
  }
}

namespace {
// sum_j softplus(x_j) = sum_j max(x_j, 0) + log prod_j (1 + exp(-|x_j|)).
// Each factor lies in (1, 2], so a product of 64 of them cannot overflow
// float32, and one logarithm serves 64 terms. The rounding of the product
// adds (in log space) the same ~2^-24 per term as a float log1p would.
// Vectorized by Eigen; each chunk's float result is added in double.
constexpr Index kSumChunk = 64;

template <typename Array>
double softplus_chunk_sum(const Array& x) {
  const float positive_part = x.max(0.0f).sum();
  const float product = (1.0f + (-x.abs()).exp()).prod();
  return static_cast<double>(positive_part) + std::log(static_cast<double>(product));
}
}  // namespace

double softplus_sum(const float* x, Index n) {
  double total = 0.0;
  for (Index start = 0; start < n; start += kSumChunk) {
    const Index len = std::min(kSumChunk, n - start);
    total += softplus_chunk_sum(Eigen::Map<const Eigen::ArrayXf>(x + start, len));
  }
  return total;
}

void annealed_hidden_step(MatrixRef activation, ConstVectorRef hidden_bias, float beta,
                          float beta_previous, std::span<double> difference, MatrixRef sample,
                          RandomStream& stream) {
  assert(hidden_bias.size() == activation.cols());
  const Index rows = activation.rows(), cols = activation.cols();
  const RandomBlocks blocks =
      stream.reserve(static_cast<std::uint64_t>(rows * blocks_per_row(cols)));
#pragma omp parallel if (rows * cols >= kParallelElements)
  {
    std::vector<float> u(static_cast<std::size_t>(4 * blocks_per_row(cols)));
    Eigen::ArrayXf x(cols), y(cols), ex(cols), ey(cols);
#pragma omp for schedule(static)
    for (Index i = 0; i < rows; ++i) {
      Eigen::Map<Eigen::ArrayXf> row(&activation(i, 0), cols);
      x = beta * (row + hidden_bias.array());
      y = beta_previous * (row + hidden_bias.array());
      ex = (-x.abs()).exp();
      ey = (-y.abs()).exp();
      double total = 0.0;
      for (Index start = 0; start < cols; start += kSumChunk) {
        const Index len = std::min(kSumChunk, cols - start);
        const float positive = (x.segment(start, len).max(0.0f) - y.segment(start, len).max(0.0f)).sum();
        const float ratio = ((1.0f + ex.segment(start, len)) / (1.0f + ey.segment(start, len))).prod();
        total += static_cast<double>(positive) + std::log(static_cast<double>(ratio));
      }
      difference[static_cast<std::size_t>(i)] = total;
      row = (x >= 0.0f).select(Eigen::ArrayXf::Ones(cols), ex) / (1.0f + ex);
      sample_row(blocks, i, &activation(i, 0), &sample(i, 0), cols, u);
    }
  }
}

double softplus_shift_difference(const float* x, const float* y, float sign,
                                 const float* reciprocal, Index n) {
  // softplus(z) - softplus(x) = max(z,0) - max(x,0) + log[(1 + e^-|z|) / (1 + e^-|x|)];
  // each ratio lies in [1/2, 2], so 64 of them multiply safely in float.
  double total = 0.0;
  for (Index start = 0; start < n; start += kSumChunk) {
    const Index len = std::min(kSumChunk, n - start);
    const Eigen::Map<const Eigen::ArrayXf> xs(x + start, len), ys(y + start, len);
    const Eigen::Map<const Eigen::ArrayXf> inverse(reciprocal + start, len);
    // At most 64 values: on the stack, not the heap (this runs V times per example).
    const Eigen::Array<float, Eigen::Dynamic, 1, 0, kSumChunk, 1> z = xs + sign * ys;
    const float positive = (z.max(0.0f) - xs.max(0.0f)).sum();
    const float ratio = ((1.0f + (-z.abs()).exp()) * inverse).prod();
    total += static_cast<double>(positive) + std::log(static_cast<double>(ratio));
  }
  return total;
}

void softplus_reciprocals(const float* x, float* reciprocal, Index n) {
  Eigen::Map<Eigen::ArrayXf>(reciprocal, n) =
      1.0f / (1.0f + (-Eigen::Map<const Eigen::ArrayXf>(x, n).abs()).exp());
}

double softplus_sum(const float* x, const float* y, Index n) {
  double total = 0.0;
  for (Index start = 0; start < n; start += kSumChunk) {
    const Index len = std::min(kSumChunk, n - start);
    total += softplus_chunk_sum(Eigen::Map<const Eigen::ArrayXf>(x + start, len) +
                                Eigen::Map<const Eigen::ArrayXf>(y + start, len));
  }
  return total;
}

void affine_softplus_row_sums(ConstMatrixRef x, float scale, ConstVectorRef bias,
                              std::span<double> out) {
  assert(bias.size() == x.cols());
  assert(static_cast<Index>(out.size()) == x.rows());
  const Index rows = x.rows(), cols = x.cols();
#pragma omp parallel if (rows * cols >= kParallelElements)
  {
    Eigen::ArrayXf shifted(cols);
#pragma omp for schedule(static)
    for (Index i = 0; i < rows; ++i) {
      shifted = scale * x.row(i).transpose().array() + bias.array();
      out[static_cast<std::size_t>(i)] = softplus_sum(shifted.data(), cols);
    }
  }
}

}  // namespace logz
