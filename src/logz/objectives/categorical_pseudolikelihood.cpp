#include "logz/objectives/categorical_pseudolikelihood.hpp"

#include <cmath>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// Rows per block when evaluating large data sets: bounds the [rows, L q] buffers.
constexpr Index kBlockRows = 8192;

// For each row: the loss summed over its sites and, when `coefficients`, the
// coefficients scale_r dl/dD_ia. `site(d, q, scale, c)` takes the q
// differences D_i. of one site, returns its loss and writes its q coefficients
// to c (when not null).
template <typename SiteLoss>
void site_losses(ConstMatrixRef differences, Index q, std::span<const double> scales,
                 std::span<double> losses, MatrixF* coefficients, const SiteLoss& site) {
  const Index n = differences.rows(), sites = differences.cols() / q;
#pragma omp parallel for schedule(static) if (n * sites * q > 100000)
  for (Index r = 0; r < n; ++r) {
    double loss = 0.0;
    const double scale = scales.empty() ? 0.0 : scales[static_cast<std::size_t>(r)];
    for (Index i = 0; i < sites; ++i) {
      const float* d = differences.data() + r * differences.outerStride() + i * q;
      float* c = coefficients == nullptr
                     ? nullptr
                     : coefficients->data() + r * coefficients->outerStride() + i * q;
      loss += site(d, q, scale, c);
    }
    losses[static_cast<std::size_t>(r)] = loss;
  }
}

// -log p(x_i | x_-i) = log sum_a exp(-D_ia) (the observed state's term is
// exp(0) = 1); dl/dD_ia = -softmax(-D_i)_a. The exponentials in float (each
// at most 1, within 2 ulp), vectorized; their sum and the loss in double.
double pseudolikelihood_site(const float* d, Index q, double scale, float* c) {
  float low = d[0];
  for (Index a = 1; a < q; ++a)
    low = d[a] < low ? d[a] : low;
  float e[256];
#pragma omp simd
  for (Index a = 0; a < q; ++a)
    e[a] = exp_nonpositive(low - d[a]);
  double total = 0.0;
  for (Index a = 0; a < q; ++a)
    total += e[a];
  if (c != nullptr) {
    const auto factor = static_cast<float>(-scale / total);
    for (Index a = 0; a < q; ++a)
      c[a] = factor * e[a];
  }
  return std::log(total) - static_cast<double>(low);
}

// sum_{a != x_i} sigmoid(-D_ia)^2: the sum over all q states less the observed
// state's exact sigmoid(0)^2 = 1/4; dl/dD_ia = -2 g^2 (1 - g), g = sigmoid(-D_ia)
// (the observed state's coefficient multiplies a zero gradient difference).
double ratio_matching_site(const float* d, Index q, double scale, float* c) {
  double total = -0.25;
  for (Index a = 0; a < q; ++a) {
    const double g = 1.0 / (1.0 + std::exp(static_cast<double>(d[a])));
    total += g * g;
    if (c != nullptr) c[a] = static_cast<float>(-2.0 * scale * g * g * (1.0 - g));
  }
  return total;
}

// The weighted mean of a per-site loss over the batch, and its gradient
// (overwriting `gradient`), through the model's site interface.
template <typename SiteLoss>
double site_objective(const CategoricalModel& categorical, ConstMatrixRef batch,
                      std::span<const double> weights, ParameterVector& gradient,
                      MatrixF& differences, MatrixF& coefficients, const SiteLoss& site) {
  const Index n = batch.rows(), q = categorical.n_states();
  gradient.set_zero();
  std::vector<double> scales(static_cast<std::size_t>(n)), losses(static_cast<std::size_t>(n));
  for (Index r = 0; r < n; ++r) {
    scales[static_cast<std::size_t>(r)] =
        (weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)]) / static_cast<double>(n);
  }
  for (Index first = 0; first < n; first += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - first);
    const auto block = batch.middleRows(first, rows);
    differences.resize(rows, batch.cols() * q);
    coefficients.resize(rows, batch.cols() * q);
    categorical.site_free_energy_differences(block, differences);
    const auto part = [&](std::vector<double>& v) {
      return std::span<double>(v).subspan(static_cast<std::size_t>(first),
                                          static_cast<std::size_t>(rows));
    };
    site_losses(differences, q, part(scales), part(losses), &coefficients, site);
    categorical.add_site_gradient(block, coefficients, 1.0, gradient);
  }
  double total = 0.0;
  for (Index r = 0; r < n; ++r) {
    total += scales[static_cast<std::size_t>(r)] * losses[static_cast<std::size_t>(r)];
  }
  return total;
}

}  // namespace

PseudolikelihoodPenalty PseudolikelihoodPenalty::plmc(Index sites, Index states,
                                                      double n_effective) {
  return {0.01, 0.01 * static_cast<double>(states - 1) * static_cast<double>(sites - 1),
          n_effective};
}

const CategoricalModel& require_categorical(const EnergyModel& model, std::string_view method) {
  const auto* categorical = dynamic_cast<const CategoricalModel*>(&model);
  if (categorical == nullptr) {
    throw SettingError("--method", std::string(method) +
                                       " of categorical data needs a Potts "
                                       "model or Potts RBM; a " +
                                       std::string(model.kind()) + " is not one");
  }
  return *categorical;
}

double add_l2_penalty(const EnergyModel& model, double lambda_fields, double lambda_couplings,
                      double scale, ParameterVector* gradient) {
  const CategoricalModel& categorical = require_categorical(model, "pl");
  double value = 0.0;
  const auto add = [&](std::string_view name, double lambda, double stored_twice) {
    if (lambda == 0.0) return;
    const std::span<const float> theta = model.parameters().tensor(name);
    double squares = 0.0;
    for (const float t : theta)
      squares += static_cast<double>(t) * t;
    value += lambda * squares / stored_twice;
    if (gradient != nullptr) {
      // d/dtheta of lambda theta^2 for each parameter; a pair coupling stored
      // twice gets its pair derivative in both places.
      const std::span<float> g = gradient->tensor(name);
      const auto factor = static_cast<float>(2.0 * lambda * scale);
      for (std::size_t k = 0; k < g.size(); ++k)
        g[k] += factor * theta[k];
    }
  };
  add(categorical.field_tensor(), lambda_fields, 1.0);
  add(categorical.coupling_tensor(), lambda_couplings,
      model.pair_tensor(categorical.coupling_tensor()) ? 2.0 : 1.0);
  return value;
}

StepReport CategoricalPseudolikelihood::weighted_gradient(const EnergyModel& model,
                                                          ConstMatrixRef batch,
                                                          std::span<const double> weights,
                                                          ParameterVector& gradient,
                                                          RandomStream& /*stream*/) {
  double total = site_objective(require_categorical(model, "pl"), batch, weights, gradient,
                                differences_, coefficients_, pseudolikelihood_site);
  total += add_l2_penalty(model, penalty_.lambda_fields, penalty_.lambda_couplings,
                          1.0 / penalty_.n_effective, &gradient) /
           penalty_.n_effective;
  StepReport report;
  report.objective = total;
  return report;
}

std::vector<double> categorical_pseudo_log_likelihood(const EnergyModel& model,
                                                      ConstMatrixRef data) {
  const CategoricalModel& categorical = require_categorical(model, "pseudolikelihood");
  const Index n = data.rows(), q = categorical.n_states();
  std::vector<double> out(static_cast<std::size_t>(n));
  MatrixF differences(std::min(kBlockRows, n), data.cols() * q);
  for (Index first = 0; first < n; first += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - first);
    if (rows != differences.rows()) differences.resize(rows, differences.cols());
    categorical.site_free_energy_differences(data.middleRows(first, rows), differences);
    const auto part = std::span<double>(out).subspan(static_cast<std::size_t>(first),
                                                     static_cast<std::size_t>(rows));
    site_losses(differences, q, {}, part, nullptr, pseudolikelihood_site);
    for (double& x : part)
      x = -x;
  }
  return out;
}

StepReport CategoricalRatioMatching::weighted_gradient(const EnergyModel& model,
                                                       ConstMatrixRef batch,
                                                       std::span<const double> weights,
                                                       ParameterVector& gradient,
                                                       RandomStream& /*stream*/) {
  StepReport report;
  report.objective = site_objective(require_categorical(model, "rm"), batch, weights, gradient,
                                    differences_, coefficients_, ratio_matching_site);
  return report;
}

}  // namespace logz
