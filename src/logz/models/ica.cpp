#include "logz/models/ica.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/QR>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>

#include "logz/error.hpp"

namespace logz {
namespace {

// sign(X B^T) [n, D] in double; the products are small (D is the number of
// sources), and double keeps F exact to rounding for finite differences.
MatrixD source_signs(ConstMatrixRef x, ConstMatrixMap b) {
  const MatrixD sources = x.cast<double>() * b.cast<double>().transpose();
  return sources.array().sign().matrix();
}

}  // namespace

IcaModel::IcaModel(Index dimension) : dimension_(dimension) {
  assert(dimension > 0);
  parameters_.add("B", {dimension, dimension}, /*decay=*/false);
  B().setIdentity();
}

std::unique_ptr<EnergyModel> IcaModel::clone() const {
  return std::make_unique<IcaModel>(*this);
}

void IcaModel::initialize(ConstMatrixRef data, RandomStream& stream) {
  assert(data.cols() == dimension_ && data.rows() > 0);
  const MatrixD x = data.cast<double>();
  MatrixD moment = x.transpose() * x / static_cast<double>(x.rows());
  // The ridge keeps a constant or duplicated column from making W infinite.
  const double ridge = 1e-3 * moment.trace() / static_cast<double>(dimension_) + 1e-8;
  moment.diagonal().array() += ridge;
  const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(moment);
  const MatrixD whitening = eigen.eigenvectors() *
                            eigen.eigenvalues().cwiseSqrt().cwiseInverse().asDiagonal() *
                            eigen.eigenvectors().transpose();
  MatrixD gaussian(dimension_, dimension_);
  stream.normal(std::span<double>(gaussian.data(), static_cast<std::size_t>(gaussian.size())), 0.0,
                1.0);
  const MatrixD rotation = Eigen::HouseholderQR<MatrixD>(gaussian).householderQ();
  B() = (rotation * whitening).cast<float>();
}

void IcaModel::free_energy(ConstMatrixRef x, std::span<double> out) const {
  assert(x.cols() == dimension_ && static_cast<Index>(out.size()) == x.rows());
  const MatrixD sources = x.cast<double>() * B().cast<double>().transpose();
  for (Index i = 0; i < x.rows(); ++i) {
    out[static_cast<std::size_t>(i)] = std::numbers::sqrt2 * sources.row(i).cwiseAbs().sum();
  }
}

void IcaModel::add_free_energy_gradient(ConstMatrixRef x, double scale,
                                        ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  const MatrixD signs = source_signs(x, B());
  gradient.matrix("B") +=
      (scale * std::numbers::sqrt2 * signs.transpose() * x.cast<double>()).cast<float>();
}

void IcaModel::add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                                 ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  assert(static_cast<Index>(weights.size()) == x.rows());
  const Eigen::Map<const VectorD> w(weights.data(), x.rows());
  const MatrixD weighted_signs = source_signs(x, B()).array().colwise() * w.array();
  gradient.matrix("B") +=
      (std::numbers::sqrt2 * weighted_signs.transpose() * x.cast<double>()).cast<float>();
}

double IcaModel::closed_form_log_z() const {
  // |det B| is the product of the LU factorization's pivots.
  const MatrixD lu = Eigen::PartialPivLU<MatrixD>(B().cast<double>()).matrixLU();
  const double log_abs_det = lu.diagonal().cwiseAbs().array().log().sum();
  if (!std::isfinite(log_abs_det)) {
    throw Error("log Z of ica: the demixing matrix B is singular (or not finite)");
  }
  return 0.5 * static_cast<double>(dimension_) * std::log(2.0) - log_abs_det;
}

MatrixF IcaModel::sample(Index n, RandomStream& stream) const {
  closed_form_log_z();       // throws for a singular B
  MatrixD s(dimension_, n);  // one draw per column
  stream.uniform(std::span<double>(s.data(), static_cast<std::size_t>(s.size())));
  // A Laplace variable of variance 1 has scale 1/sqrt(2): from u uniform in
  // [0, 1), s = -sign(u - 1/2) log(1 - 2 |u - 1/2|) / sqrt(2).
  for (double& value : s.reshaped()) {
    const double centred = value - 0.5;
    const double tail = std::min(2.0 * std::fabs(centred), 1.0 - 0x1p-53);  // u = 0 is finite too
    value = -std::copysign(std::log1p(-tail), centred) / std::numbers::sqrt2;
  }
  const MatrixD x = Eigen::PartialPivLU<MatrixD>(B().cast<double>()).solve(s);
  return x.transpose().cast<float>();
}

}  // namespace logz
