#include "logz/models/bernoulli_rbm.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"

namespace logz {
namespace {
// Free energies of large data sets are computed this many rows at a time,
// which bounds the pre-activation buffer at rows x H floats.
constexpr Index kFreeEnergyRows = 2048;
}  // namespace

BernoulliRbm::BernoulliRbm(Index n_visible, Index n_hidden)
    : n_visible_(n_visible), n_hidden_(n_hidden) {
  assert(n_visible > 0 && n_hidden > 0);
  parameters_.add("W", {n_visible, n_hidden}, /*decay=*/true);
  parameters_.add("b", {n_visible}, /*decay=*/false);
  parameters_.add("c", {n_hidden}, /*decay=*/false);
}

std::unique_ptr<EnergyModel> BernoulliRbm::clone() const {
  return std::make_unique<BernoulliRbm>(*this);
}

VectorF visible_log_odds(ConstMatrixRef data) {
  const double n = static_cast<double>(data.rows());
  // Row by row: the data are row-major, and a column-wise sum strides
  // across them. The sums are of floats, exact in double in any order.
  VectorD on = VectorD::Zero(data.cols());
  for (Index i = 0; i < data.rows(); ++i)
    on += data.row(i).transpose().cast<double>();
  return ((on.array() + 1.0) / (n - on.array() + 1.0)).log().cast<float>().matrix();
}

void BernoulliRbm::initialize(RandomStream& stream, double weight_stddev,
                              std::optional<ConstMatrixRef> data) {
  auto w = parameters_.tensor("W");
  stream.normal(w, 0.0, weight_stddev);
  c().setZero();
  if (data && data->rows() > 0) {
    assert(data->cols() == n_visible_);
    b() = visible_log_odds(*data);
  } else {
    b().setZero();
  }
}

VectorF BernoulliRbm::visible_bias_at(PathPoint at) const {
  if (at.base_visible_bias == nullptr) return at.beta * b();
  return at.beta * b() + (1.0f - at.beta) * *at.base_visible_bias;
}

void BernoulliRbm::hidden_probability(ConstMatrixRef visible, MatrixRef out, PathPoint at) const {
  gemm(1.0f, visible, Transpose::no, W(), Transpose::no, 0.0f, out);
  affine_sigmoid(out, at.beta, at.beta * c());
}

void BernoulliRbm::visible_probability(ConstMatrixRef hidden, MatrixRef out, PathPoint at) const {
  gemm(1.0f, hidden, Transpose::no, W(), Transpose::yes, 0.0f, out);
  affine_sigmoid(out, at.beta, visible_bias_at(at));
}

void BernoulliRbm::sample_hidden(ConstMatrixRef visible, MatrixRef probability, MatrixRef sample,
                                 RandomStream& stream, PathPoint at) const {
  gemm(1.0f, visible, Transpose::no, W(), Transpose::no, 0.0f, probability);
  affine_sigmoid_bernoulli(probability, at.beta, at.beta * c(), sample, stream);
}

void BernoulliRbm::sample_visible(ConstMatrixRef hidden, MatrixRef probability, MatrixRef sample,
                                  RandomStream& stream, PathPoint at) const {
  gemm(1.0f, hidden, Transpose::no, W(), Transpose::yes, 0.0f, probability);
  affine_sigmoid_bernoulli(probability, at.beta, visible_bias_at(at), sample, stream);
}

void BernoulliRbm::log_unnormalized(ConstMatrixRef visible, ConstMatrixRef activation,
                                    PathPoint at, std::span<double> out) const {
  assert(visible.rows() == activation.rows() && static_cast<Index>(out.size()) == visible.rows());
  affine_softplus_row_sums(activation, at.beta, at.beta * c(), out);
  // beta (v.b) + (1 - beta) (v.a), the products once in float, the mixture in
  // double: AIS subtracts this at neighbouring betas, where only the mixture
  // changes, so the products' rounding is multiplied by the small step.
  const double beta = at.beta;
  const VectorF with_b = visible * b();
  const VectorF with_a = at.base_visible_bias != nullptr ? VectorF(visible * *at.base_visible_bias)
                                                         : VectorF::Zero(visible.rows());
  for (Index i = 0; i < visible.rows(); ++i) {
    out[static_cast<std::size_t>(i)] += beta * with_b(i) + (1.0 - beta) * with_a(i);
  }
}

void BernoulliRbm::log_unnormalized(ConstMatrixRef visible, std::span<const PathPoint> points,
                                    std::vector<std::vector<double>>& out) const {
  out.resize(points.size());
  for (auto& o : out) o.resize(static_cast<std::size_t>(visible.rows()));
  MatrixF activation(std::min(kFreeEnergyRows, visible.rows()), n_hidden_);
  for (Index start = 0; start < visible.rows(); start += kFreeEnergyRows) {
    const Index rows = std::min(kFreeEnergyRows, visible.rows() - start);
    const auto block = visible.middleRows(start, rows);
    auto activation_block = activation.topRows(rows);
    gemm(1.0f, block, Transpose::no, W(), Transpose::no, 0.0f, activation_block);
    for (std::size_t k = 0; k < points.size(); ++k) {
      log_unnormalized(block, activation_block, points[k],
                       std::span<double>(out[k]).subspan(static_cast<std::size_t>(start),
                                                         static_cast<std::size_t>(rows)));
    }
  }
}

void BernoulliRbm::sweep_visible(MatrixRef visible, RandomStream& stream, PathPoint at) const {
  // Scratch reused across calls: large fresh buffers cost page faults each time.
  thread_local MatrixF hidden_probability, hidden, visible_probability;
  hidden_probability.resize(visible.rows(), n_hidden_);
  hidden.resize(visible.rows(), n_hidden_);
  visible_probability.resize(visible.rows(), n_visible_);
  sample_hidden(visible, hidden_probability, hidden, stream, at);
  sample_visible(hidden, visible_probability, visible, stream, at);
}

double BernoulliRbm::base_log_partition(const VectorF& base_visible_bias) const {
  double log_z = static_cast<double>(n_hidden_) * std::log(2.0);
  for (Index i = 0; i < base_visible_bias.size(); ++i) {
    const double a = base_visible_bias(i);
    log_z += std::fmax(a, 0.0) + std::log1p(std::exp(-std::fabs(a)));
  }
  return log_z;
}

void BernoulliRbm::free_energy(ConstMatrixRef visible, PathPoint at, std::span<double> out) const {
  assert(visible.cols() == n_visible_);
  assert(static_cast<Index>(out.size()) == visible.rows());
  MatrixF activation(std::min(kFreeEnergyRows, visible.rows()), n_hidden_);
  for (Index start = 0; start < visible.rows(); start += kFreeEnergyRows) {
    const Index rows = std::min(kFreeEnergyRows, visible.rows() - start);
    const auto block = visible.middleRows(start, rows);
    auto activation_block = activation.topRows(rows);
    gemm(1.0f, block, Transpose::no, W(), Transpose::no, 0.0f, activation_block);
    const auto part = out.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(rows));
    log_unnormalized(block, activation_block, at, part);
    for (double& x : part) x = -x;
  }
}

void BernoulliRbm::add_free_energy_gradient(ConstMatrixRef visible, double scale,
                                            ParameterVector& gradient) const {
  MatrixF probability(visible.rows(), n_hidden_);
  hidden_probability(visible, probability);
  add_free_energy_gradient(visible, probability, scale, gradient);
}

void BernoulliRbm::add_free_energy_gradient(ConstMatrixRef visible,
                                            ConstMatrixRef hidden_probability, double scale,
                                            ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  assert(visible.rows() == hidden_probability.rows());
  const float s = static_cast<float>(scale);
  gemm(-s, visible, Transpose::yes, hidden_probability, Transpose::no, 1.0f,
       gradient.matrix("W"));
  gradient.vector("b") -= s * visible.colwise().sum().transpose();
  gradient.vector("c") -= s * hidden_probability.colwise().sum().transpose();
}

void BernoulliRbm::add_weighted_free_energy_gradient(ConstMatrixRef visible,
                                                     std::span<const double> weights,
                                                     ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  assert(static_cast<Index>(weights.size()) == visible.rows());
  const VectorF w = Eigen::Map<const VectorD>(weights.data(), visible.rows()).cast<float>();
  MatrixF probability(visible.rows(), n_hidden_);
  hidden_probability(visible, probability);
  const MatrixF weighted_visible = visible.array().colwise() * w.array();
  gemm(-1.0f, weighted_visible, Transpose::yes, probability, Transpose::no, 1.0f,
       gradient.matrix("W"));
  gradient.vector("b") -= weighted_visible.colwise().sum().transpose();
  gradient.vector("c") -= probability.transpose() * w;
}

void BernoulliRbm::flip_free_energy_differences(ConstMatrixRef visible, MatrixRef out) const {
  const Index n = visible.rows();
  MatrixF activation(n, n_hidden_);
  gemm(1.0f, visible, Transpose::no, W(), Transpose::no, 0.0f, activation);
  activation.rowwise() += c().transpose();
  const ConstMatrixMap w = W();
#pragma omp parallel
  {
    AlignedFloats reciprocal(static_cast<std::size_t>(n_hidden_));
#pragma omp for schedule(static)
    for (Index r = 0; r < n; ++r) {
      const float* a = &activation(r, 0);
      softplus_reciprocals(a, reciprocal.data(), n_hidden_);
      for (Index i = 0; i < n_visible_; ++i) {
        const float s = 1.0f - 2.0f * visible(r, i);
        out(r, i) = static_cast<float>(
            -s * b()(i) - softplus_shift_difference(a, w.row(i).data(), s, reciprocal.data(), n_hidden_));
      }
    }
  }
}

void BernoulliRbm::add_flip_gradient(ConstMatrixRef visible, ConstMatrixRef coefficients,
                                     double scale, ParameterVector& gradient) const {
  // For one example, with P_i = sigmoid(a + s_i W_i) (hidden probabilities of
  // the flipped vectors), q = sum_i c_i P_i and C = sum_i c_i:
  //   dW = -v q^T - sum_i c_i s_i e_i P_i^T + C v sigmoid(a)^T
  //   db = -(c o s),   dc = -q + C sigmoid(a)
  const Index n = visible.rows();
  MatrixF activation(n, n_hidden_);
  gemm(1.0f, visible, Transpose::no, W(), Transpose::no, 0.0f, activation);
  activation.rowwise() += c().transpose();
  MatrixF probability = activation;
  affine_sigmoid(probability, 1.0f, VectorF::Zero(n_hidden_));
  MatrixF q = MatrixF::Zero(n, n_hidden_);
  const VectorF total = coefficients.rowwise().sum();
  // Fixed chunks of examples with their own partial sums, added in order: the
  // result does not depend on the number of threads.
  constexpr Index kChunk = 16;
  const Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<MatrixF> partial(static_cast<std::size_t>(chunks));
  const ConstMatrixMap w = W();
#pragma omp parallel
  {
    Eigen::ArrayXf p(n_hidden_);
#pragma omp for schedule(static)
    for (Index k = 0; k < chunks; ++k) {
      MatrixF& d = partial[static_cast<std::size_t>(k)];
      d = MatrixF::Zero(n_visible_, n_hidden_);
      for (Index r = k * kChunk; r < std::min(n, (k + 1) * kChunk); ++r) {
        const Eigen::Map<const Eigen::ArrayXf> a(&activation(r, 0), n_hidden_);
        for (Index i = 0; i < n_visible_; ++i) {
          const float coefficient = coefficients(r, i);
          if (coefficient == 0.0f) continue;
          const float s = 1.0f - 2.0f * visible(r, i);
          p = (a + s * Eigen::Map<const Eigen::ArrayXf>(w.row(i).data(), n_hidden_)).logistic();
          q.row(r) += coefficient * p.matrix().transpose();
          d.row(i) += (coefficient * s) * p.matrix().transpose();
        }
      }
    }
  }
  const float sc = static_cast<float>(scale);
  MatrixMap g = gradient.matrix("W");
  for (const MatrixF& d : partial) g -= sc * d;
  gemm(-sc, visible, Transpose::yes, q, Transpose::no, 1.0f, g);
  const MatrixF weighted = probability.array().colwise() * total.array();
  gemm(sc, visible, Transpose::yes, weighted, Transpose::no, 1.0f, g);
  gradient.vector("b") -= sc * (coefficients.array() * (1.0f - 2.0f * visible.array())).colwise().sum().matrix().transpose();
  gradient.vector("c") += sc * (weighted - q).colwise().sum().transpose();
}

void BernoulliRbm::start_chains(ConstMatrixRef visible, ChainState& state,
                                RandomStream& stream) const {
  state.visible = visible;
  state.visible_probability.resize(0, 0);
  state.hidden_probability.resize(visible.rows(), n_hidden_);
  state.hidden.resize(visible.rows(), n_hidden_);
  sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
}

void BernoulliRbm::gibbs_sweep(ChainState& state, RandomStream& stream, bool draw_hidden) const {
  state.visible_probability.resize(state.chains(), n_visible_);
  sample_visible(state.hidden, state.visible_probability, state.visible, stream);
  if (draw_hidden) {
    sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
  } else {
    hidden_probability(state.visible, state.hidden_probability);
  }
}

void BernoulliRbm::add_chain_gradient(const ChainState& state, double scale,
                                      ParameterVector& gradient) const {
  add_free_energy_gradient(state.visible, state.hidden_probability, scale, gradient);
}

}  // namespace logz
