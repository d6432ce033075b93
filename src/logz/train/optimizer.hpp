// Stochastic gradient descent with momentum and L2 weight decay.
//
//   velocity <- momentum * velocity - lr * (gradient + weight_decay * theta [decayed tensors])
//   theta    <- theta + velocity
//
// with the learning rate following a schedule over the whole run:
//   constant      lr
//   linear        from lr to lr_final, reached at the last update (Tieleman 2008
//                 decays to zero this way)
//   exponential   lr * (lr_final / lr)^(t / T)
#pragma once

#include <string>

#include "logz/models/parameters.hpp"

namespace logz {

enum class LearningRateSchedule { constant, linear, exponential };

struct SgdOptions {
  double learning_rate = 0.05;
  double momentum = 0.5;
  double weight_decay = 0.0;
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  double final_learning_rate = 0.0;  // linear and exponential schedules

  // Throws SettingError naming the flag of the first setting out of range.
  void validate() const;
};

LearningRateSchedule parse_schedule(const std::string& text);
std::string to_string(LearningRateSchedule schedule);

class SgdMomentum {
 public:
  SgdMomentum(const ParameterVector& parameters, SgdOptions options);

  // The learning rate at fraction `progress` in [0, 1] of the run.
  double learning_rate(double progress) const;
  // One update with learning rate `learning_rate`.
  void step(ParameterVector& parameters, const ParameterVector& gradient, double learning_rate);

  const ParameterVector& velocity() const { return velocity_; }
  void set_velocity(ParameterVector velocity) { velocity_ = std::move(velocity); }

 private:
  SgdOptions options_;
  ParameterVector velocity_;
};

}  // namespace logz
