// Noise distributions for noise-contrastive estimation (Gutmann & Hyvarinen
// 2010, 2012): a normalized density p_n that can be sampled and evaluated,
// fitted to the data so that the classification of data against noise is
// neither trivial nor hopeless (the 2012 paper's advice: noise close to the
// data, with tails at least as heavy where the data have mass).
//
//   gaussian    N(mu, Sigma + r I): mu, Sigma the data's mean and covariance,
//               r = 1e-3 x mean variance + 1e-8, so constant columns stay proper;
//               log p_n(x) = -D/2 log 2 pi - sum_i log L_ii - |L^-1 (x - mu)|^2 / 2
//               with L the Cholesky factor, in double
//   uniform     uniform on the data's bounding box, each side widened by 5% of
//               its range (width at least 1e-3): log p_n = -sum_i log width_i
//               inside, -inf outside
//   bernoulli   independent Bernoulli(p_i), p_i = (n_1 + 1) / (n + 2) the
//               marginals smoothed by one pseudo-count each way (binary data):
//               log p_n(x) = sum_i x_i log p_i + (1 - x_i) log(1 - p_i)
//   categorical independent sites of q states, p_i(a) = (n_ia + 1) / (n + q)
//               the site frequencies smoothed by one pseudo-count per state
//               (codes 0..q-1, categorical data): log p_n(x) = sum_i log p_i(x_i);
//               the base of the Potts models' annealing path
//
// Shapes: samples and points are rows of [n, D] matrices.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"

namespace logz {

class NoiseDistribution {
 public:
  virtual ~NoiseDistribution() = default;
  virtual std::string_view name() const = 0;
  virtual Index dimension() const = 0;
  // Fills every row of out [n, D] with an independent draw.
  virtual void sample(MatrixRef out, RandomStream& stream) const = 0;
  // out[i] = log p_n(x_i), normalized, in nats.
  virtual void log_density(ConstMatrixRef x, std::span<double> out) const = 0;
};

std::unique_ptr<NoiseDistribution> fit_gaussian_noise(ConstMatrixRef data);
std::unique_ptr<NoiseDistribution> fit_uniform_noise(ConstMatrixRef data);
// The data must be binary (every entry 0 or 1): SettingError("--noise") otherwise.
std::unique_ptr<NoiseDistribution> fit_bernoulli_noise(ConstMatrixRef data);

// Codes 0..q-1 of q = `states` states: SettingError("--noise") otherwise.
std::unique_ptr<NoiseDistribution> fit_categorical_noise(ConstMatrixRef data, Index states);

// One of the above by name ("gaussian", "uniform", "bernoulli", "categorical"),
// or a SettingError naming --noise. `states` > 0 marks categorical data of
// that many states, which takes only the categorical noise.
std::unique_ptr<NoiseDistribution> make_noise(std::string_view name, ConstMatrixRef data,
                                              Index states = 0);

}  // namespace logz
