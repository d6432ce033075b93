// Gaussian-Bernoulli restricted Boltzmann machine: real-valued visible units
// with learned (or fixed) standard deviations, binary hidden units, in the
// convention of Hinton, "A practical guide to training RBMs" (2010, sec. 13.2)
// and Krizhevsky, "Learning multiple layers of features from tiny images"
// (2009, ch. 1.4), with sigma_i = exp(log_sigma_i) and u = v / sigma:
//
//   E(v, h) = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - c.h - sum_ij u_i W_ij h_j
//   F(v)    = sum_i (v_i - b_i)^2 / (2 sigma_i^2) - sum_j softplus(a_j),  a = c + u W
//   p(h_j = 1 | v) = sigmoid(a_j),   p(v | h) = N(b + sigma .* (W h), diag(sigma^2))
//
// Tensors: W [V, H] (L2 decay applies), b [V] visible means, c [H] hidden
// bias, log_sigma [V] (no decay). With learn_sigma() false every gradient
// leaves the log_sigma slice untouched, so the standard deviations stay fixed
// (the usual choice for standardized data, log_sigma = 0).
//
// Closed forms, with p = sigmoid(a), s = p (1 - p), s' = s (1 - 2p):
//
//   dF/db = -(v - b) / sigma^2,  dF/dc = -p,  dF/dW = -u^T p,
//   dF/dlog_sigma_k = -(v_k - b_k)^2 / sigma_k^2 + u_k (W p)_k
//   psi(v)     = -dF/dv = -(v - b) / sigma^2 + (W p) / sigma
//   div psi(v) = -sum_i 1 / sigma_i^2 + sum_j s_j w2_j,   w2_j = sum_i W_ij^2 / sigma_i^2
//
// On the path (energy_model.hpp) the base is the Gaussian of the model's own
// visible parameters, N(b, sigma^2), times 2^H uniform hidden units, and beta
// scales the interaction terms only:
//
//   log p~_beta(v) = -sum_i (v_i - b_i)^2 / (2 sigma_i^2) + sum_j softplus(beta a_j)
//   p_beta(h_j = 1 | v) = sigmoid(beta a_j),  p_beta(v | h) = N(b + beta sigma .* (W h), sigma^2)
//   log Z_0 = H log 2 + sum_i log(sqrt(2 pi) sigma_i)
//
// so PathPoint::base_visible_bias (the log-odds of a Bernoulli base) has no
// meaning here and is ignored: a Gaussian base with other means would need
// another family of paths. Batches are row-major [n, V] or [n, H]; every
// product goes through gemm().
#pragma once

#include <optional>

#include "logz/models/energy_model.hpp"

namespace logz {

class GaussianBernoulliRbm final : public GibbsModel, public ScoreModel {
 public:
  GaussianBernoulliRbm(Index n_visible, Index n_hidden);

  std::string_view kind() const override { return "gaussian_bernoulli_rbm"; }
  Index n_visible() const override { return n_visible_; }
  Index n_hidden() const { return n_hidden_; }
  bool binary_visible() const override { return false; }
  std::unique_ptr<EnergyModel> clone() const override;

  MatrixMap W() { return parameters_.matrix("W"); }
  ConstMatrixMap W() const { return parameters_.matrix("W"); }
  VectorMap b() { return parameters_.vector("b"); }
  ConstVectorMap b() const { return parameters_.vector("b"); }
  VectorMap c() { return parameters_.vector("c"); }
  ConstVectorMap c() const { return parameters_.vector("c"); }
  VectorMap log_sigma() { return parameters_.vector("log_sigma"); }
  ConstVectorMap log_sigma() const { return parameters_.vector("log_sigma"); }
  VectorF sigma() const { return log_sigma().array().exp().matrix(); }

  // Whether gradients include log_sigma (default true).
  void set_learn_sigma(bool learn) { learn_sigma_ = learn; }
  bool learn_sigma() const { return learn_sigma_; }

  // W ~ N(0, weight_stddev^2), c = 0; b and sigma the data's column means and
  // standard deviations (sigma floored at 1e-3 so constant columns stay
  // finite), or b = 0, sigma = 1 without data.
  void initialize(RandomStream& stream, double weight_stddev = 0.01,
                  std::optional<ConstMatrixRef> data = std::nullopt);

  // out [n, V] = u = v / sigma.
  MatrixF scaled_visible(ConstMatrixRef visible) const;
  // out [n, H] = p_beta(h = 1 | v) = sigmoid(beta (c + u W)).
  void hidden_probability(ConstMatrixRef visible, MatrixRef out, PathPoint at = {}) const;
  // out [n, V] = E_beta[v | h] = b + beta sigma .* (h W^T).
  void visible_mean(ConstMatrixRef hidden, MatrixRef out, PathPoint at = {}) const;
  void sample_hidden(ConstMatrixRef visible, MatrixRef probability, MatrixRef sample,
                     RandomStream& stream, PathPoint at = {}) const;
  // Draws v ~ N(mean, sigma^2), keeping the mean.
  void sample_visible(ConstMatrixRef hidden, MatrixRef mean, MatrixRef sample,
                      RandomStream& stream, PathPoint at = {}) const;

  void free_energy(ConstMatrixRef visible, std::span<double> out) const override {
    free_energy(visible, PathPoint{}, out);
  }
  // F_beta(v) = -log p~_beta(v) as defined above.
  void free_energy(ConstMatrixRef visible, PathPoint at, std::span<double> out) const;
  void log_unnormalized(ConstMatrixRef visible, std::span<const PathPoint> points,
                        std::vector<std::vector<double>>& out) const override;
  // h ~ p_beta(h | v), then v ~ p_beta(v | h).
  void sweep_visible(MatrixRef visible, RandomStream& stream, PathPoint at) const override;
  // The quadratic term is the same at both path points: the weight is
  // sum_j softplus(beta a_j) - softplus(beta' a_j), computed with the hidden
  // draw in one fused pass over the one product a = (v / sigma) W.
  void annealing_step(MatrixRef visible, PathPoint previous, PathPoint current, bool sweep,
                      std::span<double> log_weight, RandomStream& stream) const override;
  // H log 2 + sum_i log(sqrt(2 pi) sigma_i); the argument is ignored (see above).
  double base_log_partition(const VectorF& base_visible_bias) const override;
  // out ~ N(b, sigma^2) row by row; the bias is ignored (see above).
  void draw_base(const VectorF* base_visible_bias, MatrixRef out,
                 RandomStream& stream) const override;

  void add_free_energy_gradient(ConstMatrixRef visible, double scale,
                                ParameterVector& gradient) const override;
  void add_weighted_free_energy_gradient(ConstMatrixRef visible, std::span<const double> weights,
                                         ParameterVector& gradient) const override;

  void start_chains(ConstMatrixRef visible, ChainState& state,
                    RandomStream& stream) const override;
  // The visible draw is Gaussian; state.visible_probability holds its mean.
  void gibbs_sweep(ChainState& state, RandomStream& stream, bool sample_hidden = true) const override;
  void add_chain_gradient(const ChainState& state, double scale,
                          ParameterVector& gradient) const override;

  void score(ConstMatrixRef visible, MatrixRef out) const override;
  void score_divergence(ConstMatrixRef visible, std::span<double> out) const override;
  void add_score_vjp(ConstMatrixRef visible, ConstMatrixRef coefficients, double scale,
                     ParameterVector& gradient) const override;
  void add_score_divergence_gradient(ConstMatrixRef visible, double scale,
                                     ParameterVector& gradient) const override;
  // The same sums as the functions above, with their shared products made
  // once: 6 matrix products per batch instead of 12 (score matching) or 8
  // (denoising score matching).
  double add_score_matching_gradient(ConstMatrixRef visible, const MatrixF* target, bool divergence,
                                     double scale, ParameterVector& gradient) const override;

 private:
  // gradient += sum_n row_weight_n dF(v_n)/dtheta, given p(h = 1 | v) of the rows.
  void add_weighted_gradient(ConstMatrixRef visible, ConstMatrixRef hidden_probability,
                             const VectorF& row_weight, ParameterVector& gradient) const;
  // -sum_i (v_i - b_i)^2 / (2 sigma_i^2) per row, in double.
  void subtract_quadratic(ConstMatrixRef visible, std::span<double> out) const;

  Index n_visible_;
  Index n_hidden_;
  bool learn_sigma_ = true;
};

}  // namespace logz
