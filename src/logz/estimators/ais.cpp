#include "logz/estimators/ais.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>

#include "logz/error.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/log_space.hpp"

namespace logz {

double base_rate_log_z(const VectorF& base_visible_bias, Index n_hidden) {
  double log_z = static_cast<double>(n_hidden) * std::numbers::ln2;
  for (Index i = 0; i < base_visible_bias.size(); ++i) log_z += softplus(static_cast<double>(base_visible_bias(i)));
  return log_z;
}

LogZEstimate summarize_log_weights(std::vector<double> log_weights, double log_z_base,
                                   std::string method) {
  LogZEstimate estimate;
  estimate.method = std::move(method);
  const double m = static_cast<double>(log_weights.size());
  double max = -std::numeric_limits<double>::infinity();
  for (double x : log_weights) max = std::fmax(max, x);
  double sum = 0.0, squares = 0.0;
  for (double x : log_weights) {
    const double w = std::exp(x - max);
    sum += w;
    squares += w * w;
  }
  const double mean = sum / m;
  const double variance = m > 1 ? std::fmax(0.0, (squares - m * mean * mean) / (m - 1)) : 0.0;
  const double se = std::sqrt(variance / m);
  estimate.log_z = log_z_base + max + std::log(mean);
  estimate.std_error = se / mean;
  estimate.lower = mean - 3 * se > 0 ? log_z_base + max + std::log(mean - 3 * se)
                                     : -std::numeric_limits<double>::infinity();
  estimate.upper = log_z_base + max + std::log(mean + 3 * se);
  estimate.effective_sample_size = sum * sum / squares;
  estimate.samples = log_weights.size();
  estimate.log_weights = std::move(log_weights);
  return estimate;
}

LogZEstimate ais_log_z(const BernoulliRbm& rbm, const VectorF& base_visible_bias,
                       const AisOptions& options) {
  if (options.chains < 1) throw SettingError("--chains", "AIS needs at least one chain");
  validate_schedule(options.betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const Index m = options.chains, v_units = rbm.n_visible(), h_units = rbm.n_hidden();
  const std::vector<double>& betas = options.betas;
  const std::size_t steps = betas.size() - 1;
  RandomStream stream = make_stream(options.seed, StreamId::annealing);

  // v_0 ~ p_0: independent units with probabilities sigmoid(a).
  MatrixF visible(m, v_units), hidden(m, h_units), activation(m, h_units), pre_visible(m, v_units);
  MatrixF base_probability = base_visible_bias.transpose().replicate(m, 1);
  affine_sigmoid(base_probability, 1.0f, VectorF::Zero(v_units));
  sample_bernoulli(base_probability, visible, stream);

  std::vector<double> log_w(static_cast<std::size_t>(m), 0.0);
  std::vector<double> softplus_difference(log_w.size());
  // log f_k(v) - log f_{k-1}(v) = (b_k - b_{k-1}) (b - a).v + sum_j [softplus(b_k z_j) -
  // softplus(b_{k-1} z_j)], z = c + v W. The visible part in float is multiplied
  // by the small step; the hidden part comes from the fused kernel, which also
  // draws h ~ p_k(h | v).
  const VectorF bias_difference = rbm.b() - base_visible_bias;
  const PackedMatrix weights(rbm.W(), Transpose::no), weights_transposed(rbm.W(), Transpose::yes);
  for (std::size_t k = 1; k <= steps; ++k) {
    const float current = static_cast<float>(betas[k]), previous = static_cast<float>(betas[k - 1]);
    gemm(1.0f, visible, Transpose::no, weights, 0.0f, activation);
    const VectorF visible_term = visible * bias_difference;
    annealed_hidden_step(activation, rbm.c(), current, previous, softplus_difference, hidden, stream);
    const double step = betas[k] - betas[k - 1];
    for (std::size_t r = 0; r < log_w.size(); ++r) {
      log_w[r] += step * static_cast<double>(visible_term(static_cast<Index>(r))) + softplus_difference[r];
    }
    if (k < steps) {  // v_k ~ T_k(v_{k-1}): h was drawn above; now v given h
      gemm(1.0f, hidden, Transpose::no, weights_transposed, 0.0f, pre_visible);
      affine_sigmoid_bernoulli(pre_visible, current,
                               rbm.visible_bias_at(PathPoint(current, &base_visible_bias)), visible,
                               stream);
    }
    if (options.progress && (k % 64 == 0 || k == steps)) options.progress(k, steps);
  }
  LogZEstimate estimate =
      summarize_log_weights(std::move(log_w), base_rate_log_z(base_visible_bias, h_units), "ais");
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return estimate;
}

LogZEstimate ais_log_z(const GibbsModel& model, const VectorF* base_visible_bias,
                       const AisOptions& options) {
  if (options.chains < 1) throw SettingError("--chains", "AIS needs at least one chain");
  validate_schedule(options.betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double>& betas = options.betas;
  const std::size_t steps = betas.size() - 1;
  RandomStream stream = make_stream(options.seed, StreamId::annealing);

  MatrixF visible(options.chains, model.n_visible());
  model.draw_base(base_visible_bias, visible, stream);
  std::vector<double> log_w(static_cast<std::size_t>(options.chains), 0.0);
  for (std::size_t k = 1; k <= steps; ++k) {
    model.annealing_step(visible, PathPoint(static_cast<float>(betas[k - 1]), base_visible_bias),
                         PathPoint(static_cast<float>(betas[k]), base_visible_bias),
                         /*sweep=*/k < steps, log_w, stream);
    if (options.progress && (k % 64 == 0 || k == steps)) options.progress(k, steps);
  }
  const VectorF no_base = VectorF::Zero(model.n_visible());
  const double log_z_base =
      model.base_log_partition(base_visible_bias != nullptr ? *base_visible_bias : no_base);
  LogZEstimate estimate = summarize_log_weights(std::move(log_w), log_z_base, "ais");
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return estimate;
}

}  // namespace logz
