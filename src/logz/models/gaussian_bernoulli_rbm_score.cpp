// The score-matching half of GaussianBernoulliRbm (formulas in the header).
// With u = v / sigma, a = c + u W, p = sigmoid(a), s = p (1 - p) and
// s' = s (1 - 2p), for coefficients r [n, V] and q = r / sigma, t = (q W) .* s:
//
//   d(r.psi)/db = r / sigma^2,   d(r.psi)/dc = t,   d(r.psi)/dW = q^T p + u^T t
//   d(r.psi)/dlog_sigma_k = r_k (2 (v_k - b_k) / sigma_k^2 - (W p)_k / sigma_k) - u_k (t W^T)_k
//
// and for the divergence, with e = s' .* w2 (w2_j = sum_i W_ij^2 / sigma_i^2):
//
//   d div/dc = e,   d div/dW_kj = 2 W_kj s_j / sigma_k^2 + u_k e_j
//   d div/dlog_sigma_k = 2 / sigma_k^2 (1 - sum_j s_j W_kj^2) - u_k (e W^T)_k
#include <cassert>

#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"

namespace logz {
namespace {

// s = p (1 - p), the derivative of the sigmoid, from p.
MatrixF sigmoid_slope(ConstMatrixRef p) { return (p.array() * (1.0f - p.array())).matrix(); }

}  // namespace

void GaussianBernoulliRbm::score(ConstMatrixRef visible, MatrixRef out) const {
  assert(out.rows() == visible.rows() && out.cols() == n_visible_);
  const VectorF inverse_sigma = (-log_sigma().array()).exp().matrix();
  MatrixF p(visible.rows(), n_hidden_);
  hidden_probability(visible, p);
  gemm(1.0f, p, Transpose::no, W(), Transpose::yes, 0.0f, out);
  out -= (visible.rowwise() - b().transpose()).cwiseProduct(
      inverse_sigma.transpose().replicate(visible.rows(), 1));
  out.array().rowwise() *= inverse_sigma.transpose().array();
}

void GaussianBernoulliRbm::score_divergence(ConstMatrixRef visible, std::span<double> out) const {
  assert(static_cast<Index>(out.size()) == visible.rows());
  const VectorD inverse_variance = (-2.0 * log_sigma().cast<double>().array()).exp().matrix();
  const VectorD w2 = W().cast<double>().array().square().matrix().transpose() * inverse_variance;
  MatrixF p(visible.rows(), n_hidden_);
  hidden_probability(visible, p);
  const VectorD curvature = sigmoid_slope(p).cast<double>() * w2;
  for (Index r = 0; r < visible.rows(); ++r) {
    out[static_cast<std::size_t>(r)] = curvature(r) - inverse_variance.sum();
  }
}

void GaussianBernoulliRbm::add_score_vjp(ConstMatrixRef visible, ConstMatrixRef coefficients,
                                         double scale, ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  assert(coefficients.rows() == visible.rows() && coefficients.cols() == n_visible_);
  const float sc = static_cast<float>(scale);
  const Index n = visible.rows();
  const VectorF inverse_sigma = (-log_sigma().array()).exp().matrix();
  const MatrixF u = scaled_visible(visible);
  const MatrixF q = scaled_visible(coefficients);
  MatrixF p(n, n_hidden_), t(n, n_hidden_);
  hidden_probability(visible, p);
  gemm(1.0f, q, Transpose::no, W(), Transpose::no, 0.0f, t);
  t.array() *= sigmoid_slope(p).array();

  gradient.vector("b") += sc * q.colwise().sum().transpose().cwiseProduct(inverse_sigma);
  gradient.vector("c") += sc * t.colwise().sum().transpose();
  MatrixMap grad_w = gradient.matrix("W");
  gemm(sc, q, Transpose::yes, p, Transpose::no, 1.0f, grad_w);
  gemm(sc, u, Transpose::yes, t, Transpose::no, 1.0f, grad_w);
  if (!learn_sigma_) return;
  // r .* (2 (v - b) / sigma^2 - (p W^T) / sigma) - u .* (t W^T), summed over rows;
  // the first term is q .* (2 z - p W^T) with z = (v - b) / sigma.
  MatrixF back(n, n_visible_), back_t(n, n_visible_);
  gemm(1.0f, p, Transpose::no, W(), Transpose::yes, 0.0f, back);
  gemm(1.0f, t, Transpose::no, W(), Transpose::yes, 0.0f, back_t);
  MatrixF z = visible.rowwise() - b().transpose();
  z.array().rowwise() *= inverse_sigma.transpose().array();
  const MatrixF per_row =
      q.array() * (2.0f * z.array() - back.array()) - u.array() * back_t.array();
  gradient.vector("log_sigma") += sc * per_row.colwise().sum().transpose();
}

void GaussianBernoulliRbm::add_score_divergence_gradient(ConstMatrixRef visible, double scale,
                                                         ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  const float sc = static_cast<float>(scale);
  const Index n = visible.rows();
  const VectorF inverse_variance = (-2.0f * log_sigma().array()).exp().matrix();
  const VectorF w2 = W().array().square().matrix().transpose() * inverse_variance;
  MatrixF p(n, n_hidden_);
  hidden_probability(visible, p);
  const MatrixF s = sigmoid_slope(p);
  // e = s' .* w2, s' = s (1 - 2p).
  const MatrixF e = (s.array() * (1.0f - 2.0f * p.array())).rowwise() * w2.transpose().array();
  const VectorF s_total = s.colwise().sum().transpose();
  const MatrixF u = scaled_visible(visible);

  gradient.vector("c") += sc * e.colwise().sum().transpose();
  MatrixMap grad_w = gradient.matrix("W");
  grad_w += (2.0f * sc) * W().cwiseProduct(inverse_variance * s_total.transpose());
  gemm(sc, u, Transpose::yes, e, Transpose::no, 1.0f, grad_w);
  if (!learn_sigma_) return;
  MatrixF back_e(n, n_visible_);
  gemm(1.0f, e, Transpose::no, W(), Transpose::yes, 0.0f, back_e);
  const VectorF weighted_square = W().array().square().matrix() * s_total;
  gradient.vector("log_sigma") +=
      sc * ((2.0f * inverse_variance.array() *
             (static_cast<float>(n) - weighted_square.array())).matrix() -
            (u.array() * back_e.array()).colwise().sum().matrix().transpose());
}

double GaussianBernoulliRbm::add_score_matching_gradient(ConstMatrixRef visible, const MatrixF* target,
                                                        bool divergence, double scale,
                                                        ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  const float sc = static_cast<float>(scale);
  const Index n = visible.rows();
  const VectorF inverse_sigma = (-log_sigma().array()).exp().matrix();
  const VectorF inverse_variance = inverse_sigma.array().square().matrix();
  const MatrixF u = scaled_visible(visible);
  MatrixF p(n, n_hidden_), back(n, n_visible_), t(n, n_hidden_);
  gemm(1.0f, u, Transpose::no, W(), Transpose::no, 0.0f, p);
  affine_sigmoid(p, 1.0f, c());
  gemm(1.0f, p, Transpose::no, W(), Transpose::yes, 0.0f, back);
  // z = (v - b) / sigma; psi = (W p - z) / sigma; r = psi - target; q = r / sigma.
  MatrixF z = visible.rowwise() - b().transpose();
  z.array().rowwise() *= inverse_sigma.transpose().array();
  MatrixF q = back - z;
  q.array().rowwise() *= inverse_sigma.transpose().array();
  if (target != nullptr) q -= *target;
  double total = 0.5 * q.cast<double>().squaredNorm();
  q.array().rowwise() *= inverse_sigma.transpose().array();
  const MatrixF s = sigmoid_slope(p);
  gemm(1.0f, q, Transpose::no, W(), Transpose::no, 0.0f, t);
  t.array() *= s.array();  // t = (q W) .* s
  MatrixMap grad_w = gradient.matrix("W");
  VectorF s_total;
  if (divergence) {
    // div psi = -sum 1 / sigma^2 + s . w2; its gradient adds e = s (1 - 2p) .* w2
    // where the score's has t, so both go through the same products.
    const VectorF w2 = W().array().square().matrix().transpose() * inverse_variance;
    const VectorD curvature = s.cast<double>() * w2.cast<double>();
    total += curvature.sum() - static_cast<double>(n) * inverse_variance.cast<double>().sum();
    t.array() += (s.array() * (1.0f - 2.0f * p.array())).rowwise() * w2.transpose().array();
    s_total = s.colwise().sum().transpose();
    grad_w += (2.0f * sc) * W().cwiseProduct(inverse_variance * s_total.transpose());
  }
  gradient.vector("b") += sc * q.colwise().sum().transpose().cwiseProduct(inverse_sigma);
  gradient.vector("c") += sc * t.colwise().sum().transpose();
  gemm(sc, q, Transpose::yes, p, Transpose::no, 1.0f, grad_w);
  gemm(sc, u, Transpose::yes, t, Transpose::no, 1.0f, grad_w);
  if (!learn_sigma_) return total;
  MatrixF back_t(n, n_visible_);
  gemm(1.0f, t, Transpose::no, W(), Transpose::yes, 0.0f, back_t);
  VectorF log_sigma_gradient =
      (q.array() * (2.0f * z.array() - back.array()) - u.array() * back_t.array())
          .colwise()
          .sum()
          .matrix()
          .transpose();
  if (divergence) {
    const VectorF weighted_square = W().array().square().matrix() * s_total;
    log_sigma_gradient +=
        (2.0f * inverse_variance.array() * (static_cast<float>(n) - weighted_square.array())).matrix();
  }
  gradient.vector("log_sigma") += sc * log_sigma_gradient;
  return total;
}

}  // namespace logz
