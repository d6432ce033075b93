// Bernoulli-Bernoulli restricted Boltzmann machine (Smolensky 1986; Hinton 2002).
//
//   E(v, h)  = -b.v - c.h - v^T W h          v in {0,1}^V, h in {0,1}^H
//   F(v)     = -b.v - sum_j softplus(c_j + (v W)_j)
//   p(h_j = 1 | v) = sigmoid(c_j + (v W)_j),   p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)
//   dF/dW = -v^T sigmoid(c + v W),   dF/db = -v,   dF/dc = -sigmoid(c + v W)
//
// Tensors: W [V, H] (L2 decay applies), b [V] visible bias, c [H] hidden bias.
//
// On the path from a base-rate model (energy_model.hpp), following
// Salakhutdinov & Murray (2008):
//
//   log p~_beta(v, h) = (1 - beta) a.v + beta (b.v + c.h + v^T W h)
//   log p~_beta(v)    = (1 - beta) a.v + beta b.v + sum_j softplus(beta (c_j + (v W)_j))
//
// beta = 1 is the RBM itself; beta = 0 the base times 2^H. Without a base,
// a = 0 (plain tempering: p ~ exp(-beta E)).
//
// Batches are row-major [n, V] or [n, H]; every product goes through gemm().
#pragma once

#include <optional>

#include "logz/models/energy_model.hpp"

namespace logz {

// The log-odds of each column's frequency of ones, smoothed by one pseudo-count
// each way: log((n_1 + 1) / (n_0 + 1)). The base-rate model of a data set.
VectorF visible_log_odds(ConstMatrixRef data);

class BernoulliRbm final : public GibbsModel, public BitFlipModel {
 public:
  BernoulliRbm(Index n_visible, Index n_hidden);

  std::string_view kind() const override { return "bernoulli_rbm"; }
  Index n_visible() const override { return n_visible_; }
  Index n_hidden() const { return n_hidden_; }
  bool binary_visible() const override { return true; }
  std::unique_ptr<EnergyModel> clone() const override;

  MatrixMap W() { return parameters_.matrix("W"); }
  ConstMatrixMap W() const { return parameters_.matrix("W"); }
  VectorMap b() { return parameters_.vector("b"); }
  ConstVectorMap b() const { return parameters_.vector("b"); }
  VectorMap c() { return parameters_.vector("c"); }
  ConstVectorMap c() const { return parameters_.vector("c"); }

  // The usual start (Hinton, "A practical guide to training RBMs", 2010):
  // W ~ N(0, weight_stddev^2), c = 0, b_i = log(p_i / (1 - p_i)) for the data's
  // marginals p_i (smoothed by one pseudo-count each way), or b = 0 without data.
  void initialize(RandomStream& stream, double weight_stddev = 0.01,
                  std::optional<ConstMatrixRef> data = std::nullopt);

  // out [n, H] = p(h = 1 | v) = sigmoid(beta (c + v W)).
  void hidden_probability(ConstMatrixRef visible, MatrixRef out, PathPoint at = {}) const;
  // out [n, V] = p(v = 1 | h) = sigmoid(beta (b + h W^T) + (1 - beta) a).
  void visible_probability(ConstMatrixRef hidden, MatrixRef out, PathPoint at = {}) const;
  // Draws h ~ p(h | v), keeping the probabilities.
  void sample_hidden(ConstMatrixRef visible, MatrixRef probability, MatrixRef sample,
                     RandomStream& stream, PathPoint at = {}) const;
  void sample_visible(ConstMatrixRef hidden, MatrixRef probability, MatrixRef sample,
                      RandomStream& stream, PathPoint at = {}) const;
  // The visible bias at a path point: beta b + (1 - beta) a.
  VectorF visible_bias_at(PathPoint at) const;

  void free_energy(ConstMatrixRef visible, std::span<double> out) const override {
    free_energy(visible, PathPoint{}, out);
  }
  // F_beta(v) = -log p~_beta(v) as defined above.
  void free_energy(ConstMatrixRef visible, PathPoint at, std::span<double> out) const;
  // log p~_beta(v) = -F_beta(v), given activation = v W (no bias) already
  // computed: one product then serves several path points.
  void log_unnormalized(ConstMatrixRef visible, ConstMatrixRef activation, PathPoint at,
                        std::span<double> out) const;
  void log_unnormalized(ConstMatrixRef visible, std::span<const PathPoint> points,
                        std::vector<std::vector<double>>& out) const override;
  // h ~ p(h | v), then v ~ p(v | h), at the path point.
  void sweep_visible(MatrixRef visible, RandomStream& stream, PathPoint at) const override;
  // sum_i softplus(a_i) + H log 2.
  double base_log_partition(const VectorF& base_visible_bias) const override;
  VectorF model_base() const override { return b(); }

  void add_free_energy_gradient(ConstMatrixRef visible, double scale,
                                ParameterVector& gradient) const override;
  // The same, given p(h = 1 | v) already computed for these rows.
  void add_free_energy_gradient(ConstMatrixRef visible, ConstMatrixRef hidden_probability,
                                double scale, ParameterVector& gradient) const;
  // One product: the weights scale the rows of v and of p(h = 1 | v).
  void add_weighted_free_energy_gradient(ConstMatrixRef visible, std::span<const double> weights,
                                         ParameterVector& gradient) const override;

  // F(v^(i)) - F(v) = -s_i b_i - sum_j [softplus(a_j + s_i W_ij) - softplus(a_j)],
  // s_i = 1 - 2 v_i, a = c + v W: O(V H) per example from one product.
  void flip_free_energy_differences(ConstMatrixRef visible, MatrixRef out) const override;
  void add_flip_gradient(ConstMatrixRef visible, ConstMatrixRef coefficients, double scale,
                         ParameterVector& gradient) const override;

  void start_chains(ConstMatrixRef visible, ChainState& state,
                    RandomStream& stream) const override;
  void gibbs_sweep(ChainState& state, RandomStream& stream, bool sample_hidden = true) const override;
  void add_chain_gradient(const ChainState& state, double scale,
                          ParameterVector& gradient) const override;

 private:
  Index n_visible_;
  Index n_hidden_;
};

}  // namespace logz
