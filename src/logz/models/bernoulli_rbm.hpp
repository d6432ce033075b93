// Bernoulli-Bernoulli restricted Boltzmann machine (Smolensky 1986; Hinton 2002).
//
//   E(v, h)  = -b.v - c.h - v^T W h          v in {0,1}^V, h in {0,1}^H
//   F(v)     = -b.v - sum_j softplus(c_j + (v W)_j)
//   p(h_j = 1 | v) = sigmoid(c_j + (v W)_j),   p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)
//   dF/dW = -v^T sigmoid(c + v W),   dF/db = -v,   dF/dc = -sigmoid(c + v W)
//
// Tensors: W [V, H] (L2 decay applies), b [V] visible bias, c [H] hidden bias.
// `beta` (inverse temperature) scales the energy: p_beta(v, h) ~ exp(-beta E),
// which tempering and annealing use; beta = 1 is the model itself.
//
// Batches are row-major [n, V] or [n, H]; every product goes through gemm().
#pragma once

#include <optional>

#include "logz/models/energy_model.hpp"

namespace logz {

class BernoulliRbm final : public GibbsModel {
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

  // out [n, H] = p(h = 1 | v) at inverse temperature beta.
  void hidden_probability(ConstMatrixRef visible, MatrixRef out, float beta = 1.0f) const;
  // out [n, V] = p(v = 1 | h).
  void visible_probability(ConstMatrixRef hidden, MatrixRef out, float beta = 1.0f) const;
  // Draws h ~ p(h | v), keeping the probabilities.
  void sample_hidden(ConstMatrixRef visible, MatrixRef probability, MatrixRef sample,
                     RandomStream& stream, float beta = 1.0f) const;
  void sample_visible(ConstMatrixRef hidden, MatrixRef probability, MatrixRef sample,
                      RandomStream& stream, float beta = 1.0f) const;

  void free_energy(ConstMatrixRef visible, std::span<double> out) const override {
    free_energy(visible, 1.0f, out);
  }
  // F_beta(v) = -beta b.v - sum_j softplus(beta (c_j + (v W)_j)).
  void free_energy(ConstMatrixRef visible, float beta, std::span<double> out) const;

  void add_free_energy_gradient(ConstMatrixRef visible, double scale,
                                ParameterVector& gradient) const override;
  // The same, given p(h = 1 | v) already computed for these rows.
  void add_free_energy_gradient(ConstMatrixRef visible, ConstMatrixRef hidden_probability,
                                double scale, ParameterVector& gradient) const;

  void start_chains(ConstMatrixRef visible, ChainState& state,
                    RandomStream& stream) const override;
  void gibbs_sweep(ChainState& state, RandomStream& stream) const override;
  void add_chain_gradient(const ChainState& state, double scale,
                          ParameterVector& gradient) const override;

 private:
  Index n_visible_;
  Index n_hidden_;
};

}  // namespace logz
