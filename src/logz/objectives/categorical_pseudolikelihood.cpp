#include "logz/objectives/categorical_pseudolikelihood.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// Rows per block when evaluating large data sets: bounds the [rows, L q] buffers.
constexpr Index kBlockRows = 8192;

// -log p(x_i | x_-i) = log sum_a exp(-D_ia) (the observed state's term is
// exp(0) = 1); dl/dD_ia = -softmax(-D_i)_a. The exponentials in float (each
// at most 1, within 2 ulp), vectorized; their sum and the loss in double.
double pseudolikelihood_site(const float* d, Index q, double scale, float* c) {
  float low = d[0];
  for (Index a = 1; a < q; ++a)
    low = d[a] < low ? d[a] : low;
  // Eight at a time, loaded straight from d; a remainder as the last eight
  // entries (overlapping the vector before: the same values again), or, when
  // q < 8, through lanes padded with e^-inf = 0.
  float e[256];
  const auto exp_of = [&](Index a) {
    Float8 x, y;
    std::memcpy(&x, d + a, sizeof(x));
    exp_nonpositive(low - x, y);
    std::memcpy(e + a, &y, sizeof(y));
  };
  if (q >= 8) {
    for (Index a = 0; a + 8 <= q; a += 8)
      exp_of(a);
    if (q % 8 != 0) exp_of(q - 8);
  } else {
    float lanes[8];
    for (Index k = 0; k < 8; ++k)
      lanes[k] = k < q ? low - d[k] : -std::numeric_limits<float>::infinity();
    Float8 x, y;
    std::memcpy(&x, lanes, sizeof(x));
    exp_nonpositive(x, y);
    std::memcpy(e, &y, static_cast<std::size_t>(q) * sizeof(float));
  }
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
double site_objective(const CategoricalModel& categorical, ConstMatrixRef batch,
                      std::span<const double> weights, ParameterVector& gradient,
                      SiteScratch& scratch, SiteLoss site) {
  const Index n = batch.rows();
  gradient.set_zero();
  std::vector<double> scales(static_cast<std::size_t>(n)), losses(static_cast<std::size_t>(n));
  for (Index r = 0; r < n; ++r) {
    scales[static_cast<std::size_t>(r)] =
        (weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)]) / static_cast<double>(n);
  }
  for (Index first = 0; first < n; first += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - first);
    const auto part = [&](std::vector<double>& v) {
      return std::span<double>(v).subspan(static_cast<std::size_t>(first),
                                          static_cast<std::size_t>(rows));
    };
    categorical.add_site_losses(batch.middleRows(first, rows), part(scales), site, part(losses),
                                gradient, scratch);
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
    // The sum of squares in fixed blocks, each summed in order and the blocks
    // added in order: the same bits for any thread count. (A family's J has
    // millions of entries: one running sum was a serial 7 ms per evaluation.)
    constexpr std::size_t kBlock = 16384;
    const std::size_t size = theta.size(), blocks = (size + kBlock - 1) / kBlock;
    std::vector<double> block_squares(blocks);
    float* g = gradient != nullptr ? gradient->tensor(name).data() : nullptr;
    // d/dtheta of lambda theta^2 for each parameter; a pair coupling stored
    // twice gets its pair derivative in both places.
    const auto factor = static_cast<float>(2.0 * lambda * scale);
#pragma omp parallel for schedule(static) if (size > 2 * kBlock)
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t first = b * kBlock, last = std::min(size, first + kBlock);
      double squares = 0.0;
      for (std::size_t k = first; k < last; ++k)
        squares += static_cast<double>(theta[k]) * theta[k];
      block_squares[b] = squares;
      if (g != nullptr) {
        for (std::size_t k = first; k < last; ++k)
          g[k] += factor * theta[k];
      }
    }
    double squares = 0.0;
    for (const double part : block_squares)
      squares += part;
    value += lambda * squares / stored_twice;
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
                                scratch_, pseudolikelihood_site);
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
                                    scratch_, ratio_matching_site);
  return report;
}

}  // namespace logz
