// Potts model on L sites with q states each: the model of direct coupling
// analysis of protein families (Weigt et al. 2009; Morcos et al. 2011;
// Ekeberg et al. 2013), and the categorical Ising model.
//
//   E(x) = -sum_i h_i(x_i) - sum_{i<j} J_ij(x_i, x_j)      x in {0..q-1}^L
//   F(x) = E(x)                                              (no hidden units)
//   p(x_i = a | x_-i) = softmax_a(h_i(a) + sum_{j != i} J_ij(a, x_j))
//   dF/dh_i(a) = -1[x_i = a],   dF/dJ_ij(a, b) = -1[x_i = a] 1[x_j = b]   (i < j)
//
// Tensors: h [L, q] (fields), J [L, L, q, q] (couplings; L2 decay applies).
// J is stored whole: J[j][i] = J[i][j]^T and the diagonal blocks J[i][i]
// are zero. A coupling J_ij(a, b) is one parameter: the gradient with
// respect to J has the same symmetry, and block (i, j) holds the derivative
// with respect to the pair's coupling (as for the Ising model).
//
// Gauge: E is unchanged by moving a constant between h_i and J_ij(., b), so
// the parameters are not identifiable. zero_sum_gauge() gives the
// representative with sum_a J_ij(a, b) = sum_b J_ij(a, b) = 0 and
// sum_a h_i(a) = 0, in which coupling strengths are compared and contacts
// scored (Weigt et al. 2009; Ekeberg et al. 2013).
//
// On the path from a base with site log-weights a (categorical.hpp):
// log p~_beta(x) = (1 - beta) sum_i a_i(x_i) - beta E(x).
//
// Kernels hold the codes site-major (categorical.hpp) and read J through the
// symmetry J_ij(a, x_j) = J[j][i][x_j][a]: the q values of site i's field that
// site j contributes are one contiguous row of block (j, i).
#pragma once

#include <optional>
#include <string>

#include "logz/models/categorical.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

class PottsModel final : public GibbsModel, public CategoricalModel {
 public:
  PottsModel(Index n_sites, Index n_states);

  std::string_view kind() const override { return "potts"; }
  Index n_visible() const override { return n_sites_; }
  Index n_states() const override { return n_states_; }
  bool binary_visible() const override { return false; }
  std::unique_ptr<EnergyModel> clone() const override;
  bool pair_tensor(std::string_view name) const override { return name == "J"; }

  std::span<float> h() { return parameters_.tensor("h"); }
  std::span<const float> h() const { return parameters_.tensor("h"); }
  std::span<float> J() { return parameters_.tensor("J"); }
  std::span<const float> J() const { return parameters_.tensor("J"); }
  // Block (i, j) of J: q x q, row-major, entry (a, b) = J_ij(a, b).
  float* coupling_block(Index i, Index j) { return J().data() + block_offset(i, j); }
  const float* coupling_block(Index i, Index j) const { return J().data() + block_offset(i, j); }
  float& field(Index i, Index a) { return h()[static_cast<std::size_t>(i * n_states_ + a)]; }
  float field(Index i, Index a) const { return h()[static_cast<std::size_t>(i * n_states_ + a)]; }
  float& coupling(Index i, Index j, Index a, Index b) {
    return coupling_block(i, j)[a * n_states_ + b];
  }
  float coupling(Index i, Index j, Index a, Index b) const {
    return coupling_block(i, j)[a * n_states_ + b];
  }

  // J = 0 and h the data's smoothed log-frequencies less each site's mean
  // (center_sites; an independent-site model of the data), or h = 0 without data.
  void initialize(std::optional<ConstMatrixRef> data = std::nullopt,
                  std::span<const double> weights = {});

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
  double base_log_partition(const VectorF& base_visible_bias) const override;
  void draw_base(const VectorF* base_visible_bias, MatrixRef out,
                 RandomStream& stream) const override;
  // Site log-frequencies of the data ([L q]); the model's own fields.
  VectorF data_base(ConstMatrixRef data, std::span<const double> weights = {}) const override {
    return site_log_frequencies(data, n_states_, weights);
  }
  VectorF model_base() const override;

  void site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const override;
  void add_site_losses(ConstMatrixRef x, std::span<const double> scales, SiteLoss site,
                       std::span<double> losses, ParameterVector& gradient,
                       SiteScratch& scratch) const override;
  void add_site_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                         ParameterVector& gradient) const override;
  std::string_view field_tensor() const override { return "h"; }
  std::string_view coupling_tensor() const override { return "J"; }

  // The same energies (up to a constant) in the zero-sum gauge.
  PottsModel zero_sum_gauge() const;
  // Throws FileError naming `path` unless J is symmetric with zero diagonal blocks.
  void check_couplings(const std::string& path) const;

 private:
  Index block_offset(Index i, Index j) const { return (i * n_sites_ + j) * n_states_ * n_states_; }
  Index n_sites_, n_states_;
};

// The pair gradient of a batch's couplings: block (i, j) of `gradient`'s J
// gets scale * sum_r w_r [x_ri = a][x_rj = b] for i != j (w = 1 when empty),
// and h gets scale * sum_r w_r [x_ri = a]. The sufficient statistics of the
// Potts model (with a minus sign, dF/dtheta).
void add_potts_statistics(ConstMatrixRef x, std::span<const double> weights, double scale,
                          Index n_states, ParameterVector& gradient);

}  // namespace logz
