#include "logz/estimators/ais.hpp"

#include <fmt/format.h>

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
  for (Index i = 0; i < base_visible_bias.size(); ++i)
    log_z += softplus(static_cast<double>(base_visible_bias(i)));
  return log_z;
}

ParticleOptions AisOptions::particles() const {
  if (chains < 1) throw SettingError("--chains", "AIS needs at least one chain");
  if (replicates == 0) return {chains, 1, 0.0};
  if (replicates < 0 || chains % replicates != 0) {
    throw SettingError("--replicates", fmt::format("{} chains do not split into {} replicates of "
                                                   "equal size",
                                                   chains, replicates));
  }
  return {replicates, chains / replicates, resample_below};
}

LogZEstimate ais_log_z(const BernoulliRbm& rbm, const VectorF& base_visible_bias,
                       const AisOptions& options) {
  const ParticleOptions layout = options.particles();
  validate_schedule(options.betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const Index v_units = rbm.n_visible(), h_units = rbm.n_hidden();
  const std::vector<double>& betas = options.betas;
  const std::size_t steps = betas.size() - 1;
  ParticleSystem particles(layout, v_units, base_rate_log_z(base_visible_bias, h_units));
  const Index m = particles.states().rows();  // this process's chains
  RandomStream stream = particles.particle_stream(options.seed, StreamId::annealing);
  RandomStream resampling = make_stream(options.seed, StreamId::resampling);

  // v_0 ~ p_0: independent units with probabilities sigmoid(a).
  MatrixF& visible = particles.states();
  MatrixF hidden(m, h_units), activation(m, h_units), pre_visible(m, v_units);
  MatrixF base_probability = base_visible_bias.transpose().replicate(m, 1);
  affine_sigmoid(base_probability, 1.0f, VectorF::Zero(v_units));
  sample_bernoulli(base_probability, visible, stream);

  std::span<double> log_w = particles.log_weights();
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
    annealed_hidden_step(activation, rbm.c(), current, previous, softplus_difference, hidden,
                         stream);
    const double step = betas[k] - betas[k - 1];
    for (std::size_t r = 0; r < log_w.size(); ++r) {
      log_w[r] +=
          step * static_cast<double>(visible_term(static_cast<Index>(r))) + softplus_difference[r];
    }
    if (k < steps) {  // v_k ~ T_k(v_{k-1}): h was drawn above; now v given h
      gemm(1.0f, hidden, Transpose::no, weights_transposed, 0.0f, pre_visible);
      affine_sigmoid_bernoulli(pre_visible, current,
                               rbm.visible_bias_at(PathPoint(current, &base_visible_bias)), visible,
                               stream);
      // The moved particles still target p_k with their weights: resample here.
      particles.resample_if_needed(resampling);
    }
    if (options.progress && (k % 64 == 0 || k == steps)) options.progress(k, steps);
  }
  LogZEstimate estimate = particles.estimate("ais");
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return estimate;
}

LogZEstimate ais_log_z(const GibbsModel& model, const VectorF* base_visible_bias,
                       const AisOptions& options) {
  const ParticleOptions layout = options.particles();
  validate_schedule(options.betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double>& betas = options.betas;
  const std::size_t steps = betas.size() - 1;
  const VectorF no_base = VectorF::Zero(model.n_visible());
  ParticleSystem particles(
      layout, model.n_visible(),
      model.base_log_partition(base_visible_bias != nullptr ? *base_visible_bias : no_base));
  RandomStream stream = particles.particle_stream(options.seed, StreamId::annealing);
  RandomStream resampling = make_stream(options.seed, StreamId::resampling);

  MatrixF& visible = particles.states();
  model.draw_base(base_visible_bias, visible, stream);
  for (std::size_t k = 1; k <= steps; ++k) {
    model.annealing_step(visible, PathPoint(static_cast<float>(betas[k - 1]), base_visible_bias),
                         PathPoint(static_cast<float>(betas[k]), base_visible_bias),
                         /*sweep=*/k < steps, particles.log_weights(), stream);
    // The moved particles still target p_k with their weights: resample here.
    if (k < steps) particles.resample_if_needed(resampling);
    if (options.progress && (k % 64 == 0 || k == steps)) options.progress(k, steps);
  }
  LogZEstimate estimate = particles.estimate("ais");
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return estimate;
}

LogZEstimate annealed_log_z(const GibbsModel& model, const VectorF& base_visible_bias,
                            const AisOptions& options, const SpendingOptions& spending) {
  const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model);
  const auto run = [&](const std::vector<double>& betas, int k) {
    AisOptions round = options;
    round.betas = betas;
    round.seed = round_seed(options.seed, k);
    return rbm != nullptr ? ais_log_z(*rbm, base_visible_bias, round)
                          : ais_log_z(model, &base_visible_bias, round);
  };
  return spend_until_reliable(run, options.betas, spending);
}

}  // namespace logz
