#include "logz/train/optimizer.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <fmt/format.h>

#include "logz/error.hpp"

namespace logz {

void SgdOptions::validate() const {
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate)) {
    throw SettingError("--lr", fmt::format("{} must be a finite number > 0", learning_rate));
  }
  if (!(momentum >= 0.0 && momentum < 1.0)) {
    throw SettingError("--momentum", fmt::format("{} must be in [0, 1)", momentum));
  }
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay)) {
    throw SettingError("--weight-decay", fmt::format("{} must be a finite number >= 0", weight_decay));
  }
  if (!(final_learning_rate >= 0.0) || !std::isfinite(final_learning_rate)) {
    throw SettingError("--lr-final", fmt::format("{} must be a finite number >= 0", final_learning_rate));
  }
  if (schedule == LearningRateSchedule::exponential && !(final_learning_rate > 0.0)) {
    throw SettingError("--lr-final", "the exponential schedule needs a final learning rate > 0");
  }
}

LearningRateSchedule parse_schedule(const std::string& text) {
  if (text == "constant") return LearningRateSchedule::constant;
  if (text == "linear") return LearningRateSchedule::linear;
  if (text == "exponential") return LearningRateSchedule::exponential;
  throw SettingError("--lr-schedule",
                     fmt::format("\"{}\" is not one of constant, linear, exponential", text));
}

std::string to_string(LearningRateSchedule schedule) {
  switch (schedule) {
    case LearningRateSchedule::constant: return "constant";
    case LearningRateSchedule::linear: return "linear";
    default: return "exponential";
  }
}

OptimizerKind parse_optimizer(const std::string& text) {
  if (text == "sgd") return OptimizerKind::sgd;
  if (text == "adam") return OptimizerKind::adam;
  throw SettingError("--optimizer", fmt::format("\"{}\" is not one of sgd, adam", text));
}

SgdMomentum::SgdMomentum(const ParameterVector& parameters, SgdOptions options)
    : options_(options), velocity_(parameters.zeros_like()) {
  options_.validate();
  if (options_.kind == OptimizerKind::adam) second_moment_ = parameters.zeros_like();
}

double SgdMomentum::learning_rate(double progress) const {
  const double lr = options_.learning_rate, final_lr = options_.final_learning_rate;
  switch (options_.schedule) {
    case LearningRateSchedule::constant: return lr;
    case LearningRateSchedule::linear: return lr + (final_lr - lr) * progress;
    default: return lr * std::pow(final_lr / lr, progress);
  }
}

std::size_t SgdMomentum::step(ParameterVector& parameters, const ParameterVector& gradient,
                              double learning_rate) {
  // Counted in the update's own pass: parameters that are not finite or
  // beyond kSuspicious (NaN fails the comparison).
  constexpr float kSuspicious = 1e6f;
  std::size_t suspicious = 0;
  assert(parameters.same_layout(gradient) && parameters.same_layout(velocity_));
  const float lr = static_cast<float>(learning_rate);
  const float momentum = static_cast<float>(options_.momentum);
  ++steps_;
  if (options_.kind == OptimizerKind::adam) {
    const double b1 = options_.momentum, b2 = 0.999;
    const float correction1 = static_cast<float>(1.0 - std::pow(b1, static_cast<double>(steps_)));
    const float correction2 = static_cast<float>(1.0 - std::pow(b2, static_cast<double>(steps_)));
    const float beta1 = static_cast<float>(b1), rest1 = static_cast<float>(1.0 - b1);
    const float beta2 = static_cast<float>(b2), rest2 = static_cast<float>(1.0 - b2);
    for (const TensorSpec& spec : parameters.specs()) {
      const float decay = spec.decay ? static_cast<float>(options_.weight_decay) : 0.0f;
      float* theta = parameters.values().data() + spec.offset;
      const float* g = gradient.values().data() + spec.offset;
      float* m = velocity_.values().data() + spec.offset;
      float* v = second_moment_.values().data() + spec.offset;
      const Index n = spec.size();
      // Element by element, so any split over threads gives the same result.
      // The file is compiled with -fno-math-errno (CMakeLists.txt), so the
      // square roots vectorize (correctly rounded, as the scalar ones).
#pragma omp parallel for reduction(+ : suspicious) schedule(static) if (n >= (Index{1} << 16))
      for (Index i = 0; i < n; ++i) {
        const float gi = g[i] + decay * theta[i];
        m[i] = beta1 * m[i] + rest1 * gi;
        v[i] = beta2 * v[i] + rest2 * gi * gi;
        theta[i] -= lr * (m[i] / correction1) / (std::sqrt(v[i] / correction2) + 1e-8f);
        suspicious += !(std::fabs(theta[i]) <= kSuspicious);
      }
    }
    return suspicious;
  }
  for (const TensorSpec& spec : parameters.specs()) {
    const float decay = spec.decay ? static_cast<float>(options_.weight_decay) : 0.0f;
    float* theta = parameters.values().data() + spec.offset;
    const float* g = gradient.values().data() + spec.offset;
    float* v = velocity_.values().data() + spec.offset;
    const Index n = spec.size();
    // Element by element, so any split over threads gives the same result.
#pragma omp parallel for reduction(+ : suspicious) schedule(static) if (n >= (Index{1} << 16))
    for (Index i = 0; i < n; ++i) {
      v[i] = momentum * v[i] - lr * (g[i] + decay * theta[i]);
      theta[i] += v[i];
      suspicious += !(std::fabs(theta[i]) <= kSuspicious);
    }
  }
  return suspicious;
}

}  // namespace logz

namespace logz {

SgdMomentum::State SgdMomentum::state() const {
  State state;
  state.velocity.assign(velocity_.values().begin(), velocity_.values().end());
  state.second_moment.assign(second_moment_.values().begin(), second_moment_.values().end());
  state.steps = steps_;
  return state;
}

void SgdMomentum::restore(const State& state) {
  const auto size = static_cast<std::size_t>(velocity_.size());
  const std::size_t second = options_.kind == OptimizerKind::adam ? size : 0;
  if (state.velocity.size() != size || state.second_moment.size() != second || state.steps < 0) {
    throw Error(fmt::format("the checkpoint's optimizer state ({} + {} values) does not fit this "
                            "run's optimizer ({} + {})",
                            state.velocity.size(), state.second_moment.size(), size, second));
  }
  std::copy(state.velocity.begin(), state.velocity.end(), velocity_.values().begin());
  std::copy(state.second_moment.begin(), state.second_moment.end(), second_moment_.values().begin());
  steps_ = state.steps;
}

}  // namespace logz
