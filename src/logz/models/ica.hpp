// Independent component analysis as an energy model, the test case of
// noise-contrastive estimation (Gutmann & Hyvarinen, "Noise-contrastive
// estimation: A new estimation principle for unnormalized statistical
// models", AISTATS 2010, section 3.1): x = A s with a square mixing matrix A
// and independent Laplace sources of unit variance, p(s_i) = exp(-sqrt(2)|s_i|) / sqrt(2).
// With the demixing matrix B = A^-1 (rows b_i):
//
//   F(x)    = sqrt(2) sum_i |b_i . x|                      x in R^D
//   log Z   = D/2 log 2 - log |det B|                      (closed form)
//   dF/dB_ij = sqrt(2) sign(b_i . x) x_j
//
// Tensor: B [D, D], no weight decay. B is identifiable only up to the sign
// and order of its rows, as are the sources. The model has no location
// parameter: data are assumed centred at the origin.
#pragma once

#include "logz/models/energy_model.hpp"

namespace logz {

class IcaModel final : public EnergyModel {
 public:
  explicit IcaModel(Index dimension);

  std::string_view kind() const override { return "ica"; }
  Index n_visible() const override { return dimension_; }
  bool binary_visible() const override { return false; }
  std::unique_ptr<EnergyModel> clone() const override;

  MatrixMap B() { return parameters_.matrix("B"); }
  ConstMatrixMap B() const { return parameters_.matrix("B"); }

  // B = R W: W = M^(-1/2) whitens the data (M their second moment about the
  // origin, plus a small ridge), R is a random rotation, so the start has
  // sources of unit variance, uncorrelated, in no preferred direction.
  void initialize(ConstMatrixRef data, RandomStream& stream);

  void free_energy(ConstMatrixRef x, std::span<double> out) const override;
  void add_free_energy_gradient(ConstMatrixRef x, double scale,
                                ParameterVector& gradient) const override;
  // One product: gradient_B += sqrt(2) (w o sign(X B^T))^T X.
  void add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                         ParameterVector& gradient) const override;

  bool has_closed_form_log_z() const override { return true; }
  // Throws Error when B is singular.
  double closed_form_log_z() const override;

  // n exact draws, [n, D]: sources s with independent unit-variance Laplace
  // entries (inverse CDF of uniforms), x = B^-1 s. Throws Error when B is
  // singular.
  MatrixF sample(Index n, RandomStream& stream) const;

 private:
  Index dimension_;
};

}  // namespace logz
