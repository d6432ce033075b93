#include "logz/models/energy_model.hpp"

#include <cassert>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/kernels.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {

void EnergyModel::add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                                    ParameterVector& gradient) const {
  assert(static_cast<Index>(weights.size()) == x.rows());
  for (Index i = 0; i < x.rows(); ++i) {
    const double w = weights[static_cast<std::size_t>(i)];
    if (w != 0.0) add_free_energy_gradient(x.middleRows(i, 1), w, gradient);
  }
}

void EnergyModel::add_log_normalizer(double initial) {
  if (!has_log_normalizer()) parameters_.add("log_z", {1}, /*decay=*/false);
  parameters_.tensor("log_z")[0] = static_cast<float>(initial);
}

double EnergyModel::log_normalizer() const {
  return has_log_normalizer() ? static_cast<double>(parameters_.tensor("log_z")[0]) : 0.0;
}

void GibbsModel::annealing_step(MatrixRef visible, PathPoint previous, PathPoint current, bool sweep,
                                std::span<double> log_weight, RandomStream& stream) const {
  assert(static_cast<Index>(log_weight.size()) == visible.rows());
  const PathPoint points[2] = {previous, current};
  std::vector<std::vector<double>> log_f;
  log_unnormalized(visible, points, log_f);
  for (std::size_t r = 0; r < log_weight.size(); ++r) log_weight[r] += log_f[1][r] - log_f[0][r];
  if (sweep) sweep_visible(visible, stream, current);
}

double EnergyModel::closed_form_log_z() const {
  throw Error("log Z of " + std::string(kind()) + " has no closed form");
}

VectorF GibbsModel::data_base(ConstMatrixRef data, std::span<const double> /*weights*/) const {
  if (binary_visible()) return visible_log_odds(data);
  return VectorF::Zero(n_visible());
}

void GibbsModel::draw_base(const VectorF* base_visible_bias, MatrixRef out,
                           RandomStream& stream) const {
  const VectorF zero = VectorF::Zero(out.cols());
  MatrixF probability = (base_visible_bias != nullptr ? *base_visible_bias : zero)
                            .transpose()
                            .replicate(out.rows(), 1);
  affine_sigmoid(probability, 1.0f, zero);
  sample_bernoulli(probability, out, stream);
}

double ScoreModel::add_score_matching_gradient(ConstMatrixRef x, const MatrixF* target,
                                               bool divergence, double scale,
                                               ParameterVector& gradient) const {
  MatrixF residual(x.rows(), x.cols());
  score(x, residual);
  if (target != nullptr) residual -= *target;
  double total = 0.5 * residual.cast<double>().squaredNorm();
  add_score_vjp(x, residual, scale, gradient);
  if (divergence) {
    std::vector<double> values(static_cast<std::size_t>(x.rows()));
    score_divergence(x, values);
    for (double v : values) total += v;
    add_score_divergence_gradient(x, scale, gradient);
  }
  return total;
}

}  // namespace logz
