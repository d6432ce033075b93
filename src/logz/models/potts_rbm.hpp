// Potts-Bernoulli restricted Boltzmann machine: L categorical visible units
// with q states, H binary hidden units (Tubiana, Cocco & Monasson, "Learning
// protein constitutive motifs from sequence data", eLife 2019; the Potts RBMs
// of the `rbms` library of Bereux, Decelle, Seoane et al.).
//
//   E(x, h) = -sum_i b_i(x_i) - c.h - sum_i sum_k W_i(x_i, k) h_k
//   F(x)    = -sum_i b_i(x_i) - sum_k softplus(c_k + sum_i W_i(x_i, k))
//   p(h_k = 1 | x) = sigmoid(c_k + sum_i W_i(x_i, k))
//   p(x_i = a | h) = softmax_a(b_i(a) + sum_k W_i(a, k) h_k)
//   dF/dW_i(a, k) = -[x_i = a] p(h_k = 1 | x),  dF/db_i(a) = -[x_i = a],  dF/dc = -p(h = 1 | x)
//
// Tensors: W [L, q, H] (L2 decay applies), b [L, q] visible fields, c [H].
// Products use the one-hot form of x ([n, L q]) against W viewed as [L q, H].
//
// On the path from a base with site log-weights a (categorical.hpp), as for
// the Bernoulli RBM: log p~_beta(x) = (1 - beta) sum_i a_i(x_i)
// + beta sum_i b_i(x_i) + sum_k softplus(beta (c_k + sum_i W_i(x_i, k))); at
// beta = 0 the base times 2^H.
#pragma once

#include <optional>

#include "logz/models/categorical.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

// x [n, L] of codes -> [n, L q] one-hot rows.
MatrixF one_hot(ConstMatrixRef x, Index q);

class PottsRbm final : public GibbsModel, public CategoricalModel {
 public:
  PottsRbm(Index n_sites, Index n_states, Index n_hidden);

  std::string_view kind() const override { return "potts_rbm"; }
  Index n_visible() const override { return n_sites_; }
  Index n_states() const override { return n_states_; }
  Index n_hidden() const { return n_hidden_; }
  bool binary_visible() const override { return false; }
  std::unique_ptr<EnergyModel> clone() const override;

  // W as a [L q, H] matrix, b as [L q].
  MatrixMap W();
  ConstMatrixMap W() const;
  VectorMap b();
  ConstVectorMap b() const;
  VectorMap c() { return parameters_.vector("c"); }
  ConstVectorMap c() const { return parameters_.vector("c"); }

  // W ~ N(0, weight_stddev^2), c = 0, b the data's smoothed log-frequencies less
  // each site's mean (center_sites), or 0.
  void initialize(RandomStream& stream, double weight_stddev = 0.01,
                  std::optional<ConstMatrixRef> data = std::nullopt,
                  std::span<const double> weights = {});

  // out [n, H] = p(h = 1 | x) at the path point.
  void hidden_probability(ConstMatrixRef x, MatrixRef out, PathPoint at = {}) const;
  void sample_hidden(ConstMatrixRef x, MatrixRef probability, MatrixRef sample,
                     RandomStream& stream, PathPoint at = {}) const;
  // x ~ p(x | h) at the path point (one uniform number per site and row).
  void sample_visible(ConstMatrixRef hidden, MatrixRef x, RandomStream& stream,
                      PathPoint at = {}) const;

  void free_energy(ConstMatrixRef x, std::span<double> out) const override;
  void add_free_energy_gradient(ConstMatrixRef x, double scale,
                                ParameterVector& gradient) const override;
  void add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                         ParameterVector& gradient) const override;

  void start_chains(ConstMatrixRef x, ChainState& state, RandomStream& stream) const override;
  void gibbs_sweep(ChainState& state, RandomStream& stream,
                   bool sample_hidden = true) const override;
  void add_chain_gradient(const ChainState& state, double scale,
                          ParameterVector& gradient) const override;
  void sweep_visible(MatrixRef x, RandomStream& stream, PathPoint at) const override;
  void log_unnormalized(ConstMatrixRef x, std::span<const PathPoint> points,
                        std::vector<std::vector<double>>& out) const override;
  // log sum_x exp(sum_i a_i(x_i)) + H log 2.
  double base_log_partition(const VectorF& base_visible_bias) const override;
  void draw_base(const VectorF* base_visible_bias, MatrixRef out,
                 RandomStream& stream) const override;
  // Site log-frequencies of the data ([L q]); the model's own fields.
  VectorF data_base(ConstMatrixRef data, std::span<const double> weights = {}) const override {
    return site_log_frequencies(data, n_states_, weights);
  }
  VectorF model_base() const override;

  void site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const override;
  void add_site_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                         ParameterVector& gradient) const override;
  std::string_view field_tensor() const override { return "b"; }
  std::string_view coupling_tensor() const override { return "W"; }

 private:
  // Weighted one-hot statistics and hidden probabilities into the gradient.
  void add_statistics(ConstMatrixRef x, ConstMatrixRef hidden_probability, const VectorF* weights,
                      double scale, ParameterVector& gradient) const;

  Index n_sites_, n_states_, n_hidden_;
};

}  // namespace logz
