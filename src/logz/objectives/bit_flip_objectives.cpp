#include "logz/objectives/bit_flip_objectives.hpp"

#include <cmath>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// Rows per block when evaluating large data sets: bounds the [rows, V] buffer.
constexpr Index kBlockRows = 1000;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// loss(D) summed over the batch, and coefficients l'(D) for the gradient.
template <typename Loss>
StepReport flip_objective(const EnergyModel& model, std::string_view method, ConstMatrixRef batch,
                          ParameterVector& gradient, Loss&& loss) {
  const BitFlipModel& flips = require_bit_flips(model, method);
  const Index n = batch.rows();
  MatrixF differences(n, batch.cols());
  flips.flip_free_energy_differences(batch, differences);
  MatrixF coefficients(n, batch.cols());
  double total = 0.0;
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < batch.cols(); ++i) {
      double derivative = 0.0;
      total += loss(static_cast<double>(differences(r, i)), derivative);
      coefficients(r, i) = static_cast<float>(derivative);
    }
  }
  gradient.set_zero();
  flips.add_flip_gradient(batch, coefficients, 1.0 / static_cast<double>(n), gradient);
  StepReport report;
  report.objective = total / static_cast<double>(n);
  return report;
}

}  // namespace

const BitFlipModel& require_bit_flips(const EnergyModel& model, std::string_view method) {
  const auto* flips = dynamic_cast<const BitFlipModel*>(&model);
  if (flips == nullptr) {
    throw SettingError("--method", std::string(method) + " needs a model of binary units; a " +
                                       std::string(model.kind()) + " is not one");
  }
  return *flips;
}

StepReport Pseudolikelihood::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                      ParameterVector& gradient, RandomStream& /*stream*/) {
  // l(D) = -log sigmoid(D) = softplus(-D),  l'(D) = -sigmoid(-D)
  return flip_objective(model, "pl", batch, gradient, [](double d, double& derivative) {
    derivative = -sigmoid(-d);
    return softplus(-d);
  });
}

StepReport RatioMatching::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                   ParameterVector& gradient, RandomStream& /*stream*/) {
  // l(D) = sigmoid(-D)^2,  l'(D) = -2 sigmoid(-D)^2 sigmoid(D)
  return flip_objective(model, "rm", batch, gradient, [](double d, double& derivative) {
    const double g = sigmoid(-d);
    derivative = -2.0 * g * g * (1.0 - g);
    return g * g;
  });
}

std::vector<double> pseudo_log_likelihood(const EnergyModel& model, ConstMatrixRef data) {
  const BitFlipModel& flips = require_bit_flips(model, "pseudolikelihood");
  std::vector<double> out(static_cast<std::size_t>(data.rows()));
  MatrixF differences(std::min(kBlockRows, data.rows()), data.cols());
  for (Index first = 0; first < data.rows(); first += kBlockRows) {
    const Index rows = std::min(kBlockRows, data.rows() - first);
    auto block = differences.topRows(rows);
    flips.flip_free_energy_differences(data.middleRows(first, rows), block);
    for (Index r = 0; r < rows; ++r) {
      double total = 0.0;
      for (Index i = 0; i < data.cols(); ++i) total -= softplus(-static_cast<double>(block(r, i)));
      out[static_cast<std::size_t>(first + r)] = total;
    }
  }
  return out;
}

}  // namespace logz
