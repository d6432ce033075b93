#include "logz/models/gaussian.hpp"

#include <Eigen/Cholesky>
#include <cassert>
#include <cmath>
#include <numbers>

#include "logz/error.hpp"

namespace logz {
namespace {

constexpr double kVarianceFloor = 1e-6;

using DenseD = Eigen::MatrixXd;  // column-major, as Eigen's decompositions prefer

// The Cholesky factor L of S = L L^T, or Error when S is not positive definite.
Eigen::LLT<DenseD> cholesky(const MatrixD& s) {
  Eigen::LLT<DenseD> llt{DenseD(s)};
  if (llt.info() != Eigen::Success || !llt.matrixLLT().allFinite()) {
    throw Error(
        "gaussian: the precision is not positive definite: the Gaussian is not normalizable");
  }
  return llt;
}

// gradient += sum_i w_i dF(x_i)/dtheta given the centered rows d_i and the
// model's S: dF/dmu = -S d, dF/dP = 1/2 d d^T.
void add_weighted_gradient(const MatrixD& d, const VectorD& weights, const MatrixD& s,
                           ParameterVector& gradient) {
  const VectorD weighted_sum = d.transpose() * weights;
  gradient.vector("mean") -= (s * weighted_sum).cast<float>();
  const MatrixD second_moment = d.transpose() * weights.asDiagonal() * d;
  // Symmetrized: a blocked product may round (j, k) and (k, j) differently,
  // and an update must leave a symmetric P exactly symmetric.
  gradient.matrix("precision") +=
      (0.25 * (second_moment + second_moment.transpose())).cast<float>();
}

}  // namespace

GaussianModel::GaussianModel(Index dimension) : dimension_(dimension) {
  assert(dimension > 0);
  parameters_.add("mean", {dimension}, /*decay=*/false);
  parameters_.add("precision", {dimension, dimension}, /*decay=*/false);
  precision().setIdentity();
}

std::unique_ptr<EnergyModel> GaussianModel::clone() const {
  return std::make_unique<GaussianModel>(*this);
}

void GaussianModel::initialize(ConstMatrixRef data) {
  assert(data.rows() == 0 || data.cols() == dimension_);
  precision().setIdentity();
  if (data.rows() == 0) {
    mean().setZero();
    return;
  }
  const MatrixD x = data.cast<double>();
  const VectorD column_mean = x.colwise().mean().transpose();
  const MatrixD d = x.rowwise() - column_mean.transpose();
  const VectorD variance = d.array().square().colwise().mean().transpose();
  mean() = column_mean.cast<float>();
  precision().diagonal() = variance.cwiseMax(kVarianceFloor).cwiseInverse().cast<float>();
}

MatrixD GaussianModel::symmetric_precision() const {
  const MatrixD p = precision().cast<double>();
  return 0.5 * (p + p.transpose());
}

MatrixD GaussianModel::centered(ConstMatrixRef x) const {
  assert(x.cols() == dimension_);
  const VectorD mu = mean().cast<double>();
  return x.cast<double>().rowwise() - mu.transpose();
}

MatrixF GaussianModel::sample(Index n, RandomStream& stream) const {
  const Eigen::LLT<DenseD> llt = cholesky(symmetric_precision());
  DenseD z(dimension_, n);  // one draw per column
  stream.normal(std::span<double>(z.data(), static_cast<std::size_t>(z.size())), 0.0, 1.0);
  // L^T y = z gives y = L^-T z with covariance L^-T L^-1 = S^-1.
  llt.matrixU().solveInPlace(z);
  const VectorD mu = mean().cast<double>();
  return (z.colwise() + mu).transpose().cast<float>();
}

void GaussianModel::free_energy(ConstMatrixRef x, std::span<double> out) const {
  assert(static_cast<Index>(out.size()) == x.rows());
  const MatrixD d = centered(x);
  const VectorD quadratic = ((d * symmetric_precision()).array() * d.array()).rowwise().sum();
  for (Index i = 0; i < x.rows(); ++i)
    out[static_cast<std::size_t>(i)] = 0.5 * quadratic(i);
}

void GaussianModel::add_free_energy_gradient(ConstMatrixRef x, double scale,
                                             ParameterVector& gradient) const {
  add_weighted_gradient(centered(x), VectorD::Constant(x.rows(), scale), symmetric_precision(),
                        gradient);
}

void GaussianModel::add_weighted_free_energy_gradient(ConstMatrixRef x,
                                                      std::span<const double> weights,
                                                      ParameterVector& gradient) const {
  assert(static_cast<Index>(weights.size()) == x.rows());
  const Eigen::Map<const VectorD> w(weights.data(), static_cast<Index>(weights.size()));
  add_weighted_gradient(centered(x), w, symmetric_precision(), gradient);
}

double GaussianModel::closed_form_log_z() const {
  const Eigen::LLT<DenseD> llt = cholesky(symmetric_precision());
  // log det S = 2 sum_i log L_ii
  const double log_det = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  return 0.5 * static_cast<double>(dimension_) * std::log(2.0 * std::numbers::pi) - 0.5 * log_det;
}

void GaussianModel::score(ConstMatrixRef x, MatrixRef out) const {
  assert(out.rows() == x.rows() && out.cols() == dimension_);
  // psi = -S d for each row: -D S (S symmetric).
  out = (-(centered(x) * symmetric_precision())).cast<float>();
}

void GaussianModel::score_divergence(ConstMatrixRef x, std::span<double> out) const {
  assert(static_cast<Index>(out.size()) == x.rows());
  const double divergence = -symmetric_precision().trace();
  for (Index i = 0; i < x.rows(); ++i)
    out[static_cast<std::size_t>(i)] = divergence;
}

void GaussianModel::add_score_vjp(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                  ParameterVector& gradient) const {
  assert(coefficients.rows() == x.rows() && coefficients.cols() == dimension_);
  const MatrixD d = centered(x);
  const MatrixD r = coefficients.cast<double>();
  // sum_i S r_i, and sum_i -1/2 (r_i d_i^T + d_i r_i^T) from one product R^T D.
  const VectorD r_sum = r.colwise().sum().transpose();
  gradient.vector("mean") += (scale * (symmetric_precision() * r_sum)).cast<float>();
  const MatrixD cross = r.transpose() * d;
  gradient.matrix("precision") += (-0.5 * scale * (cross + cross.transpose())).cast<float>();
}

void GaussianModel::add_score_divergence_gradient(ConstMatrixRef x, double scale,
                                                  ParameterVector& gradient) const {
  gradient.matrix("precision").diagonal().array() -=
      static_cast<float>(scale * static_cast<double>(x.rows()));
}

}  // namespace logz
