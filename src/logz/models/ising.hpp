// Ising model / fully visible Boltzmann machine on binary units x in {0,1}^n
// (Ackley, Hinton & Sejnowski 1985):
//
//   E(x) = -h.x - sum_{i<j} J_ij x_i x_j = -h.x - 1/2 x^T J x     J symmetric, zero diagonal
//   F(x) = E(x)                                                     (no hidden units)
//   p(x_i = 1 | x_-i) = sigmoid(h_i + sum_j J_ij x_j)
//   dF/dh = -x,   dF/dJ_ij = -x_i x_j for each pair i < j
//
// Tensors: J [n, n] (L2 decay applies), h [n]. J is stored as the full
// symmetric matrix; a coupling is one parameter: the gradient with respect
// to J is symmetric with zero diagonal, and entry (i, j) is the derivative
// with respect to the pair's coupling J_ij = J_ji. Updates keep J symmetric.
//
// Spins s = 2x - 1 in {-1, +1}: the spin-form energy -h'.s - sum_{i<j} J'_ij s_i s_j
// is this model with J = 4 J' and h = 2 h' - 2 J' 1 (plus a constant);
// from_spin_parameters() converts, and `--binarize auto` maps {-1, +1} data
// to {0, 1}.
//
// On the path from a base (energy_model.hpp): log p~_beta(x) = (1 - beta) a.x
// - beta E(x); the conditional field is (1 - beta) a_i + beta (h_i + (J x)_i).
#pragma once

#include <optional>
#include <string>

#include "logz/models/energy_model.hpp"

namespace logz {

class IsingModel final : public GibbsModel, public BitFlipModel {
 public:
  // Sequential: units 1..n in order; random: a fresh random order every sweep
  // (the same order for all chains of a batch).
  enum class Scan { sequential, random };

  explicit IsingModel(Index n_units);

  std::string_view kind() const override { return "ising"; }
  Index n_visible() const override { return n_units_; }
  bool binary_visible() const override { return true; }
  std::unique_ptr<EnergyModel> clone() const override;
  bool pair_tensor(std::string_view name) const override { return name == "J"; }

  MatrixMap J() { return parameters_.matrix("J"); }
  ConstMatrixMap J() const { return parameters_.matrix("J"); }
  VectorMap h() { return parameters_.vector("h"); }
  ConstVectorMap h() const { return parameters_.vector("h"); }

  void set_scan(Scan scan) { scan_ = scan; }
  Scan scan() const { return scan_; }

  // J = 4 J', h = 2 h' - 2 J' 1 from spin-form parameters (J' symmetric, zero diagonal).
  static IsingModel from_spin_parameters(const MatrixF& spin_couplings, const VectorF& spin_fields);

  // J = 0 and h the data's smoothed log-odds (an independent model of the data).
  void initialize(std::optional<ConstMatrixRef> data = std::nullopt);

  void free_energy(ConstMatrixRef x, std::span<double> out) const override;
  void add_free_energy_gradient(ConstMatrixRef x, double scale,
                                ParameterVector& gradient) const override;

  void start_chains(ConstMatrixRef x, ChainState& state, RandomStream& stream) const override;
  void gibbs_sweep(ChainState& state, RandomStream& stream, bool sample_hidden = true) const override;
  void add_chain_gradient(const ChainState& state, double scale,
                          ParameterVector& gradient) const override;
  void sweep_visible(MatrixRef x, RandomStream& stream, PathPoint at) const override;
  void log_unnormalized(ConstMatrixRef x, std::span<const PathPoint> points,
                        std::vector<std::vector<double>>& out) const override;
  double base_log_partition(const VectorF& base_visible_bias) const override;
  VectorF model_base() const override { return h(); }

  void flip_free_energy_differences(ConstMatrixRef x, MatrixRef out) const override;
  void add_flip_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                         ParameterVector& gradient) const override;

  // Throws FileError naming `path` unless J is symmetric with a zero diagonal.
  void check_couplings(const std::string& path) const;

 private:
  Index n_units_;
  Scan scan_ = Scan::sequential;
};

}  // namespace logz
