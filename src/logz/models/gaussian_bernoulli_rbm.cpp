#include "logz/models/gaussian_bernoulli_rbm.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>
#include <vector>

#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"

namespace logz {
namespace {
// Free energies of large data sets are computed this many rows at a time,
// which bounds the pre-activation buffer at rows x H floats.
constexpr Index kFreeEnergyRows = 2048;
// Floor of the initial standard deviations: a constant column would give log 0.
constexpr double kMinInitialSigma = 1e-3;

// x <- x .* column_factor, column by column.
void scale_columns(MatrixRef x, const VectorF& column_factor) {
  x.array().rowwise() *= column_factor.transpose().array();
}

// sample = mean + sigma .* z, z ~ N(0, 1), drawn in row-major order.
void add_gaussian_noise(ConstMatrixRef mean, const VectorF& sigma, MatrixRef sample,
                        RandomStream& stream) {
  MatrixF noise(mean.rows(), mean.cols());
  stream.normal(std::span<float>(noise.data(), static_cast<std::size_t>(noise.size())), 0.0, 1.0);
  scale_columns(noise, sigma);
  sample = mean + noise;
}
}  // namespace

GaussianBernoulliRbm::GaussianBernoulliRbm(Index n_visible, Index n_hidden)
    : n_visible_(n_visible), n_hidden_(n_hidden) {
  assert(n_visible > 0 && n_hidden > 0);
  parameters_.add("W", {n_visible, n_hidden}, /*decay=*/true);
  parameters_.add("b", {n_visible}, /*decay=*/false);
  parameters_.add("c", {n_hidden}, /*decay=*/false);
  parameters_.add("log_sigma", {n_visible}, /*decay=*/false);
}

std::unique_ptr<EnergyModel> GaussianBernoulliRbm::clone() const {
  return std::make_unique<GaussianBernoulliRbm>(*this);
}

void GaussianBernoulliRbm::initialize(RandomStream& stream, double weight_stddev,
                                      std::optional<ConstMatrixRef> data) {
  stream.normal(parameters_.tensor("W"), 0.0, weight_stddev);
  c().setZero();
  if (data && data->rows() > 0) {
    assert(data->cols() == n_visible_);
    const MatrixD x = data->cast<double>();
    const VectorD mean = x.colwise().mean().transpose();
    const VectorD variance =
        (x.rowwise() - mean.transpose()).array().square().colwise().mean().transpose();
    b() = mean.cast<float>();
    log_sigma() = (0.5 * variance.array().max(kMinInitialSigma * kMinInitialSigma).log())
                      .cast<float>()
                      .matrix();
  } else {
    b().setZero();
    log_sigma().setZero();
  }
}

MatrixF GaussianBernoulliRbm::scaled_visible(ConstMatrixRef visible) const {
  assert(visible.cols() == n_visible_);
  MatrixF u = visible;
  scale_columns(u, (-log_sigma().array()).exp().matrix());
  return u;
}

void GaussianBernoulliRbm::hidden_probability(ConstMatrixRef visible, MatrixRef out,
                                              PathPoint at) const {
  gemm(1.0f, scaled_visible(visible), Transpose::no, W(), Transpose::no, 0.0f, out);
  affine_sigmoid(out, at.beta, at.beta * c());
}

void GaussianBernoulliRbm::visible_mean(ConstMatrixRef hidden, MatrixRef out, PathPoint at) const {
  gemm(1.0f, hidden, Transpose::no, W(), Transpose::yes, 0.0f, out);
  scale_columns(out, at.beta * sigma());
  out.rowwise() += b().transpose();
}

void GaussianBernoulliRbm::sample_hidden(ConstMatrixRef visible, MatrixRef probability,
                                         MatrixRef sample, RandomStream& stream,
                                         PathPoint at) const {
  gemm(1.0f, scaled_visible(visible), Transpose::no, W(), Transpose::no, 0.0f, probability);
  affine_sigmoid_bernoulli(probability, at.beta, at.beta * c(), sample, stream);
}

void GaussianBernoulliRbm::sample_visible(ConstMatrixRef hidden, MatrixRef mean, MatrixRef sample,
                                          RandomStream& stream, PathPoint at) const {
  visible_mean(hidden, mean, at);
  add_gaussian_noise(mean, sigma(), sample, stream);
}

void GaussianBernoulliRbm::subtract_quadratic(ConstMatrixRef visible, std::span<double> out) const {
  const VectorD inverse_variance = (-2.0 * log_sigma().cast<double>().array()).exp().matrix();
  const VectorD mean = b().cast<double>();
  for (Index r = 0; r < visible.rows(); ++r) {
    const VectorD d = visible.row(r).cast<double>().transpose() - mean;
    out[static_cast<std::size_t>(r)] -= 0.5 * d.array().square().matrix().dot(inverse_variance);
  }
}

void GaussianBernoulliRbm::log_unnormalized(ConstMatrixRef visible,
                                            std::span<const PathPoint> points,
                                            std::vector<std::vector<double>>& out) const {
  out.resize(points.size());
  for (auto& o : out) o.resize(static_cast<std::size_t>(visible.rows()));
  MatrixF activation(std::min(kFreeEnergyRows, visible.rows()), n_hidden_);
  std::vector<double> quadratic;
  for (Index start = 0; start < visible.rows(); start += kFreeEnergyRows) {
    const Index rows = std::min(kFreeEnergyRows, visible.rows() - start);
    const auto block = visible.middleRows(start, rows);
    auto activation_block = activation.topRows(rows);
    gemm(1.0f, scaled_visible(block), Transpose::no, W(), Transpose::no, 0.0f, activation_block);
    // The Gaussian term is the same at every beta: computed once, it cancels
    // exactly in AIS's differences of neighbouring path points.
    quadratic.assign(static_cast<std::size_t>(rows), 0.0);
    subtract_quadratic(block, quadratic);
    for (std::size_t k = 0; k < points.size(); ++k) {
      const auto part = std::span<double>(out[k]).subspan(static_cast<std::size_t>(start),
                                                          static_cast<std::size_t>(rows));
      affine_softplus_row_sums(activation_block, points[k].beta, points[k].beta * c(), part);
      for (std::size_t r = 0; r < part.size(); ++r) part[r] += quadratic[r];
    }
  }
}

void GaussianBernoulliRbm::free_energy(ConstMatrixRef visible, PathPoint at,
                                       std::span<double> out) const {
  assert(static_cast<Index>(out.size()) == visible.rows());
  std::vector<std::vector<double>> log_p;
  log_unnormalized(visible, std::span<const PathPoint>(&at, 1), log_p);
  for (std::size_t r = 0; r < out.size(); ++r) out[r] = -log_p[0][r];
}

void GaussianBernoulliRbm::sweep_visible(MatrixRef visible, RandomStream& stream,
                                         PathPoint at) const {
  MatrixF probability(visible.rows(), n_hidden_), hidden(visible.rows(), n_hidden_);
  MatrixF mean(visible.rows(), n_visible_);
  sample_hidden(visible, probability, hidden, stream, at);
  sample_visible(hidden, mean, visible, stream, at);
}

double GaussianBernoulliRbm::base_log_partition(const VectorF& /*base_visible_bias*/) const {
  return static_cast<double>(n_hidden_) * std::numbers::ln2 +
         static_cast<double>(n_visible_) * 0.5 * std::log(2.0 * std::numbers::pi) +
         log_sigma().cast<double>().sum();
}

void GaussianBernoulliRbm::draw_base(const VectorF* /*base_visible_bias*/, MatrixRef out,
                                     RandomStream& stream) const {
  const MatrixF mean = b().transpose().replicate(out.rows(), 1);
  add_gaussian_noise(mean, sigma(), out, stream);
}

void GaussianBernoulliRbm::add_weighted_gradient(ConstMatrixRef visible,
                                                 ConstMatrixRef hidden_probability,
                                                 const VectorF& row_weight,
                                                 ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  assert(visible.rows() == hidden_probability.rows() && row_weight.size() == visible.rows());
  const VectorF inverse_sigma = (-log_sigma().array()).exp().matrix();
  const MatrixF u = scaled_visible(visible);
  // weighted_p = w .* p: one product gives -sum_n w_n u_n^T p_n.
  const MatrixF weighted_p = hidden_probability.array().colwise() * row_weight.array();
  gemm(-1.0f, u, Transpose::yes, weighted_p, Transpose::no, 1.0f, gradient.matrix("W"));
  gradient.vector("c") -= weighted_p.colwise().sum().transpose();
  // z = (v - b) / sigma, so dF/db = -z / sigma.
  MatrixF z = visible.rowwise() - b().transpose();
  scale_columns(z, inverse_sigma);
  const VectorF weighted_z = z.transpose() * row_weight;
  gradient.vector("b") -= weighted_z.cwiseProduct(inverse_sigma);
  if (!learn_sigma_) return;
  // dF/dlog_sigma = -z^2 + u .* (p W^T).
  MatrixF back(visible.rows(), n_visible_);
  gemm(1.0f, weighted_p, Transpose::no, W(), Transpose::yes, 0.0f, back);
  const VectorF weighted_square = z.array().square().matrix().transpose() * row_weight;
  gradient.vector("log_sigma") +=
      (u.array() * back.array()).colwise().sum().matrix().transpose() - weighted_square;
}

void GaussianBernoulliRbm::add_free_energy_gradient(ConstMatrixRef visible, double scale,
                                                    ParameterVector& gradient) const {
  MatrixF probability(visible.rows(), n_hidden_);
  hidden_probability(visible, probability);
  add_weighted_gradient(visible, probability,
                        VectorF::Constant(visible.rows(), static_cast<float>(scale)), gradient);
}

void GaussianBernoulliRbm::add_weighted_free_energy_gradient(ConstMatrixRef visible,
                                                             std::span<const double> weights,
                                                             ParameterVector& gradient) const {
  assert(static_cast<Index>(weights.size()) == visible.rows());
  MatrixF probability(visible.rows(), n_hidden_);
  hidden_probability(visible, probability);
  const VectorF row_weight =
      Eigen::Map<const VectorD>(weights.data(), visible.rows()).cast<float>();
  add_weighted_gradient(visible, probability, row_weight, gradient);
}

void GaussianBernoulliRbm::start_chains(ConstMatrixRef visible, ChainState& state,
                                        RandomStream& stream) const {
  state.visible = visible;
  state.visible_probability.resize(0, 0);
  state.hidden_probability.resize(visible.rows(), n_hidden_);
  state.hidden.resize(visible.rows(), n_hidden_);
  sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
}

void GaussianBernoulliRbm::gibbs_sweep(ChainState& state, RandomStream& stream,
                                       bool draw_hidden) const {
  state.visible_probability.resize(state.chains(), n_visible_);
  sample_visible(state.hidden, state.visible_probability, state.visible, stream);
  if (draw_hidden) {
    sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
  } else {
    hidden_probability(state.visible, state.hidden_probability);
  }
}

void GaussianBernoulliRbm::add_chain_gradient(const ChainState& state, double scale,
                                              ParameterVector& gradient) const {
  add_weighted_gradient(state.visible, state.hidden_probability,
                        VectorF::Constant(state.chains(), static_cast<float>(scale)), gradient);
}

void GaussianBernoulliRbm::annealing_step(MatrixRef visible, PathPoint previous, PathPoint current,
                                          bool sweep, std::span<double> log_weight,
                                          RandomStream& stream) const {
  assert(static_cast<Index>(log_weight.size()) == visible.rows());
  // Scratch reused across steps: large fresh buffers cost page faults each time.
  thread_local MatrixF activation, hidden, mean;
  thread_local std::vector<double> difference;
  activation.resize(visible.rows(), n_hidden_);
  hidden.resize(visible.rows(), n_hidden_);
  difference.resize(static_cast<std::size_t>(visible.rows()));
  gemm(1.0f, scaled_visible(visible), Transpose::no, W(), Transpose::no, 0.0f, activation);
  annealed_hidden_step(activation, c(), current.beta, previous.beta, difference, hidden, stream);
  for (std::size_t r = 0; r < log_weight.size(); ++r) log_weight[r] += difference[r];
  if (!sweep) return;
  mean.resize(visible.rows(), n_visible_);
  sample_visible(hidden, mean, visible, stream, current);
}

}  // namespace logz
