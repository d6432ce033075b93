// A multivariate Gaussian on real-valued units x in R^D, parameterized by its
// mean mu and precision (inverse covariance); the model of real-valued data
// whose log Z is known, so that score matching, denoising score matching and
// noise-contrastive estimation can be checked against the truth:
//
//   S    = (P + P^T) / 2                    (the symmetric part of the precision tensor P)
//   F(x) = 1/2 (x - mu)^T S (x - mu)
//   log Z = D/2 log(2 pi) - 1/2 log det S   (S positive definite; otherwise not normalizable)
//
// With d = x - mu, the derivatives (loss-to-minimize convention, energy_model.hpp):
//
//   dF/dmu = -S d,   dF/dP = 1/2 d d^T
//   psi(x) = -dF/dx = -S d,   div psi(x) = -tr S
//   sum_d r_d dpsi_d/dmu = S r,   sum_d r_d dpsi_d/dP = -1/2 (r d^T + d r^T)
//   d div psi / dP = -I
//
// Derivatives are taken with respect to every entry of the full tensor P, so
// they are symmetric and an update keeps P symmetric when it starts so; an
// asymmetric P still means the Gaussian of its symmetric part.
//
// Tensors: mean [D], precision [D, D], float32, neither decayed. Arithmetic
// is in double: D is small for the uses of this reference model, and its log
// densities should carry no rounding beyond that of the inputs.
#pragma once

#include "logz/models/energy_model.hpp"

namespace logz {

class GaussianModel final : public EnergyModel, public ScoreModel {
 public:
  // The standard normal: mean 0, precision I.
  explicit GaussianModel(Index dimension);

  std::string_view kind() const override { return "gaussian"; }
  Index n_visible() const override { return dimension_; }
  bool binary_visible() const override { return false; }
  std::unique_ptr<EnergyModel> clone() const override;

  VectorMap mean() { return parameters_.vector("mean"); }
  ConstVectorMap mean() const { return parameters_.vector("mean"); }
  MatrixMap precision() { return parameters_.matrix("precision"); }
  ConstMatrixMap precision() const { return parameters_.matrix("precision"); }

  // mean = the data's column means, precision = diag(1 / column variance)
  // (variance floored at 1e-6): independent units fitted by maximum
  // likelihood. Without data (no rows), the standard normal.
  void initialize(ConstMatrixRef data);

  // n exact draws, [n, D]: x = mu + L^-T z with S = L L^T and z ~ N(0, I).
  // Throws Error when S is not positive definite.
  MatrixF sample(Index n, RandomStream& stream) const;

  void free_energy(ConstMatrixRef x, std::span<double> out) const override;
  void add_free_energy_gradient(ConstMatrixRef x, double scale,
                                ParameterVector& gradient) const override;
  void add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                         ParameterVector& gradient) const override;

  bool has_closed_form_log_z() const override { return true; }
  double closed_form_log_z() const override;

  void score(ConstMatrixRef x, MatrixRef out) const override;
  void score_divergence(ConstMatrixRef x, std::span<double> out) const override;
  void add_score_vjp(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                     ParameterVector& gradient) const override;
  void add_score_divergence_gradient(ConstMatrixRef x, double scale,
                                     ParameterVector& gradient) const override;

 private:
  // S in double.
  MatrixD symmetric_precision() const;
  // d = x - mu for every row, in double.
  MatrixD centered(ConstMatrixRef x) const;

  Index dimension_;
};

}  // namespace logz
