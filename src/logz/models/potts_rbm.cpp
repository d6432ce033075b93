#include "logz/models/potts_rbm.hpp"

#include <cassert>
#include <cmath>

#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"

namespace logz {

MatrixF one_hot(ConstMatrixRef x, Index q) {
  MatrixF out = MatrixF::Zero(x.rows(), x.cols() * q);
  for (Index r = 0; r < x.rows(); ++r) {
    for (Index i = 0; i < x.cols(); ++i)
      out(r, i * q + state_of(x(r, i))) = 1.0f;
  }
  return out;
}

PottsRbm::PottsRbm(Index n_sites, Index n_states, Index n_hidden)
    : n_sites_(n_sites), n_states_(n_states), n_hidden_(n_hidden) {
  assert(n_sites > 0 && n_states >= 2 && n_states <= 255 && n_hidden > 0);
  parameters_.add("W", {n_sites, n_states, n_hidden}, /*decay=*/true);
  parameters_.add("b", {n_sites, n_states}, /*decay=*/false);
  parameters_.add("c", {n_hidden}, /*decay=*/false);
}

std::unique_ptr<EnergyModel> PottsRbm::clone() const {
  return std::make_unique<PottsRbm>(*this);
}

MatrixMap PottsRbm::W() {
  return MatrixMap(parameters_.tensor("W").data(), n_sites_ * n_states_, n_hidden_);
}
ConstMatrixMap PottsRbm::W() const {
  return ConstMatrixMap(parameters_.tensor("W").data(), n_sites_ * n_states_, n_hidden_);
}
VectorMap PottsRbm::b() {
  return VectorMap(parameters_.tensor("b").data(), n_sites_ * n_states_);
}
ConstVectorMap PottsRbm::b() const {
  return ConstVectorMap(parameters_.tensor("b").data(), n_sites_ * n_states_);
}

void PottsRbm::initialize(RandomStream& stream, double weight_stddev,
                          std::optional<ConstMatrixRef> data, std::span<const double> weights) {
  std::span<float> w = parameters_.tensor("W");
  stream.normal(w, 0.0, weight_stddev);
  c().setZero();
  if (data && data->rows() > 0) {
    b() = site_log_frequencies(*data, n_states_, weights);
    center_sites(std::span<float>(b().data(), static_cast<std::size_t>(b().size())), n_states_);
  } else {
    b().setZero();
  }
}

void PottsRbm::hidden_probability(ConstMatrixRef x, MatrixRef out, PathPoint at) const {
  const MatrixF hot = one_hot(x, n_states_);
  gemm(1.0f, hot, Transpose::no, W(), Transpose::no, 0.0f, out);
  affine_sigmoid(out, at.beta, at.beta * c());
}

void PottsRbm::sample_hidden(ConstMatrixRef x, MatrixRef probability, MatrixRef sample,
                             RandomStream& stream, PathPoint at) const {
  const MatrixF hot = one_hot(x, n_states_);
  gemm(1.0f, hot, Transpose::no, W(), Transpose::no, 0.0f, probability);
  affine_sigmoid_bernoulli(probability, at.beta, at.beta * c(), sample, stream);
}

void PottsRbm::sample_visible(ConstMatrixRef hidden, MatrixRef x, RandomStream& stream,
                              PathPoint at) const {
  const Index n = hidden.rows();
  MatrixF logits(n, n_sites_ * n_states_);
  gemm(at.beta, hidden, Transpose::no, W(), Transpose::yes, 0.0f, logits);
  VectorF bias = at.beta * b();
  if (at.base_visible_bias != nullptr) bias += (1.0f - at.beta) * *at.base_visible_bias;
  logits.rowwise() += bias.transpose();
  std::vector<float> u(static_cast<std::size_t>(n * n_sites_));
  stream.uniform(u);
  sample_categorical(logits, n_states_, u, x);
}

void PottsRbm::free_energy(ConstMatrixRef x, std::span<double> out) const {
  const PathPoint point{};
  std::vector<std::vector<double>> values;
  log_unnormalized(x, std::span<const PathPoint>(&point, 1), values);
  for (std::size_t r = 0; r < out.size(); ++r)
    out[r] = -values[0][r];
}

void PottsRbm::log_unnormalized(ConstMatrixRef x, std::span<const PathPoint> points,
                                std::vector<std::vector<double>>& out) const {
  const Index n = x.rows();
  const MatrixF hot = one_hot(x, n_states_);
  MatrixF activation(n, n_hidden_);
  gemm(1.0f, hot, Transpose::no, W(), Transpose::no, 0.0f, activation);
  const VectorD fields = (hot * b()).cast<double>();
  out.resize(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    const PathPoint& at = points[k];
    out[k].resize(static_cast<std::size_t>(n));
    affine_softplus_row_sums(activation, at.beta, at.beta * c(), out[k]);
    VectorD base = VectorD::Zero(n);
    if (at.base_visible_bias != nullptr) base = (hot * *at.base_visible_bias).cast<double>();
    for (Index r = 0; r < n; ++r) {
      out[k][static_cast<std::size_t>(r)] += at.beta * fields(r) + (1.0 - at.beta) * base(r);
    }
  }
}

VectorF PottsRbm::model_base() const {
  return b();
}

double PottsRbm::base_log_partition(const VectorF& base_visible_bias) const {
  return categorical_base_log_partition(&base_visible_bias, n_sites_, n_states_) +
         static_cast<double>(n_hidden_) * std::log(2.0);
}

void PottsRbm::draw_base(const VectorF* base_visible_bias, MatrixRef out,
                         RandomStream& stream) const {
  draw_categorical_base(base_visible_bias, n_states_, out, stream);
}

void PottsRbm::add_statistics(ConstMatrixRef x, ConstMatrixRef hidden_probability,
                              const VectorF* weights, double scale,
                              ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  MatrixF hot = one_hot(x, n_states_);
  MatrixF probability = hidden_probability;
  if (weights != nullptr) {
    hot.array().colwise() *= weights->array();
    probability.array().colwise() *= weights->array();
  }
  const float s = static_cast<float>(scale);
  MatrixMap gw(gradient.tensor("W").data(), n_sites_ * n_states_, n_hidden_);
  gemm(-s, hot, Transpose::yes, hidden_probability, Transpose::no, 1.0f, gw);
  VectorMap(gradient.tensor("b").data(), n_sites_ * n_states_) -=
      s * hot.colwise().sum().transpose();
  gradient.vector("c") -= s * probability.colwise().sum().transpose();
}

void PottsRbm::add_free_energy_gradient(ConstMatrixRef x, double scale,
                                        ParameterVector& gradient) const {
  MatrixF probability(x.rows(), n_hidden_);
  hidden_probability(x, probability);
  add_statistics(x, probability, nullptr, scale, gradient);
}

void PottsRbm::add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                                 ParameterVector& gradient) const {
  assert(static_cast<Index>(weights.size()) == x.rows());
  const VectorF w = Eigen::Map<const VectorD>(weights.data(), x.rows()).cast<float>();
  MatrixF probability(x.rows(), n_hidden_);
  hidden_probability(x, probability);
  add_statistics(x, probability, &w, 1.0, gradient);
}

void PottsRbm::start_chains(ConstMatrixRef x, ChainState& state, RandomStream& stream) const {
  state.visible = x;
  state.visible_probability.resize(0, 0);
  state.hidden_probability.resize(x.rows(), n_hidden_);
  state.hidden.resize(x.rows(), n_hidden_);
  sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
}

void PottsRbm::gibbs_sweep(ChainState& state, RandomStream& stream, bool draw_hidden) const {
  sample_visible(state.hidden, state.visible, stream);
  if (draw_hidden) {
    sample_hidden(state.visible, state.hidden_probability, state.hidden, stream);
  } else {
    hidden_probability(state.visible, state.hidden_probability);
  }
}

void PottsRbm::add_chain_gradient(const ChainState& state, double scale,
                                  ParameterVector& gradient) const {
  add_statistics(state.visible, state.hidden_probability, nullptr, scale, gradient);
}

void PottsRbm::sweep_visible(MatrixRef x, RandomStream& stream, PathPoint at) const {
  MatrixF probability(x.rows(), n_hidden_), hidden(x.rows(), n_hidden_);
  sample_hidden(x, probability, hidden, stream, at);
  sample_visible(hidden, x, stream, at);
}

void PottsRbm::site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const {
  // F(x^(i<-a)) - F(x) = -(b_i(a) - b_i(x_i)) - sum_k [softplus(z_k + W_i(a, k) - W_i(x_i, k))
  // - softplus(z_k)], z = c + (one-hot x) W.
  const Index n = x.rows(), q = n_states_;
  const MatrixF hot = one_hot(x, q);
  MatrixF activation(n, n_hidden_);
  gemm(1.0f, hot, Transpose::no, W(), Transpose::no, 0.0f, activation);
  activation.rowwise() += c().transpose();
  const ConstMatrixMap w = W();
  const ConstVectorMap fields = b();
#pragma omp parallel
  {
    AlignedFloats reciprocal(static_cast<std::size_t>(n_hidden_));
    AlignedFloats shift(static_cast<std::size_t>(n_hidden_));
#pragma omp for schedule(static)
    for (Index r = 0; r < n; ++r) {
      const float* z = &activation(r, 0);
      softplus_reciprocals(z, reciprocal.data(), n_hidden_);
      for (Index i = 0; i < n_sites_; ++i) {
        const Index current = i * q + state_of(x(r, i));
        for (Index a = 0; a < q; ++a) {
          const Index row = i * q + a;
          if (row == current) {
            out(r, row) = 0.0f;
            continue;
          }
          for (Index k = 0; k < n_hidden_; ++k)
            shift[static_cast<std::size_t>(k)] = w(row, k) - w(current, k);
          out(r, row) = static_cast<float>(
              -(fields(row) - fields(current)) -
              softplus_shift_difference(z, shift.data(), 1.0f, reciprocal.data(), n_hidden_));
        }
      }
    }
  }
}

void PottsRbm::add_site_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                 ParameterVector& gradient) const {
  // For one example, with P_ia = sigmoid(z + W_ia - W_ix) (hidden probabilities
  // of x^(i<-a)), Q = sum_ia c_ia P_ia and C = sum_ia c_ia:
  //   dW = -onehot(x) Q^T + sum_ia c_ia (e_ix - e_ia) P_ia^T + C onehot(x) sigmoid(z)^T
  //   db_i(s) = -(c_is - [x_i = s] sum_a c_ia),   dc = -Q + C sigmoid(z)
  const Index n = x.rows(), q = n_states_, rows = n_sites_ * q;
  const MatrixF hot = one_hot(x, q);
  MatrixF activation(n, n_hidden_);
  gemm(1.0f, hot, Transpose::no, W(), Transpose::no, 0.0f, activation);
  activation.rowwise() += c().transpose();
  MatrixF probability = activation;
  affine_sigmoid(probability, 1.0f, VectorF::Zero(n_hidden_));
  MatrixF big_q = MatrixF::Zero(n, n_hidden_);
  const VectorF total = coefficients.rowwise().sum();
  constexpr Index kChunk = 16;
  const Index chunks = (n + kChunk - 1) / kChunk;
  std::vector<MatrixF> partial(static_cast<std::size_t>(chunks));
  const ConstMatrixMap w = W();
#pragma omp parallel
  {
    Eigen::ArrayXf p(n_hidden_);
#pragma omp for schedule(static)
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      MatrixF& d = partial[static_cast<std::size_t>(chunk)];
      d = MatrixF::Zero(rows, n_hidden_);
      for (Index r = chunk * kChunk; r < std::min(n, (chunk + 1) * kChunk); ++r) {
        const Eigen::Map<const Eigen::ArrayXf> z(&activation(r, 0), n_hidden_);
        for (Index i = 0; i < n_sites_; ++i) {
          const Index current = i * q + state_of(x(r, i));
          for (Index a = 0; a < q; ++a) {
            const Index row = i * q + a;
            const float coefficient = coefficients(r, row);
            if (coefficient == 0.0f || row == current) continue;
            p = (z + w.row(row).array().transpose() - w.row(current).array().transpose())
                    .logistic();
            big_q.row(r) += coefficient * p.matrix().transpose();
            d.row(current) += coefficient * p.matrix().transpose();
            d.row(row) -= coefficient * p.matrix().transpose();
          }
          // a = x_i: P = sigmoid(z), and e_ix - e_ia = 0.
          const float own = coefficients(r, current);
          if (own != 0.0f) big_q.row(r) += own * probability.row(r);
        }
      }
    }
  }
  const float s = static_cast<float>(scale);
  MatrixMap g(gradient.tensor("W").data(), rows, n_hidden_);
  for (const MatrixF& d : partial)
    g += s * d;
  gemm(-s, hot, Transpose::yes, big_q, Transpose::no, 1.0f, g);
  const MatrixF weighted = probability.array().colwise() * total.array();
  gemm(s, hot, Transpose::yes, weighted, Transpose::no, 1.0f, g);
  VectorMap gb(gradient.tensor("b").data(), rows);
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < n_sites_; ++i) {
      float site_total = 0.0f;
      for (Index a = 0; a < q; ++a)
        site_total += coefficients(r, i * q + a);
      for (Index a = 0; a < q; ++a)
        gb(i * q + a) -= s * coefficients(r, i * q + a);
      gb(i * q + state_of(x(r, i))) += s * site_total;
    }
  }
  gradient.vector("c") += s * (weighted - big_q).colwise().sum().transpose();
}

}  // namespace logz
