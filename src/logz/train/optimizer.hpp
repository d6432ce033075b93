// Stochastic gradient descent with momentum, or Adam (Kingma & Ba 2015), with
// L2 weight decay added to the gradient of decayed tensors (g = gradient +
// weight_decay * theta):
//
//   sgd:   velocity <- momentum * velocity - lr * g;   theta <- theta + velocity
//   adam:  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
//          theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//          (b1 = momentum, default 0.9 when adam is chosen; b2 = 0.999, eps = 1e-8)
//
// with the learning rate following a schedule over the whole run:
//   constant      lr
//   linear        from lr to lr_final, reached at the last update (Tieleman 2008
//                 decays to zero this way)
//   exponential   lr * (lr_final / lr)^(t / T)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logz/models/parameters.hpp"

namespace logz {

enum class LearningRateSchedule { constant, linear, exponential };
enum class OptimizerKind { sgd, adam };

struct SgdOptions {
  double learning_rate = 0.05;
  double momentum = 0.5;
  double weight_decay = 0.0;
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  double final_learning_rate = 0.0;  // linear and exponential schedules
  OptimizerKind kind = OptimizerKind::sgd;

  // Throws SettingError naming the flag of the first setting out of range.
  void validate() const;
};

LearningRateSchedule parse_schedule(const std::string& text);
std::string to_string(LearningRateSchedule schedule);
OptimizerKind parse_optimizer(const std::string& text);

class SgdMomentum {
 public:
  SgdMomentum(const ParameterVector& parameters, SgdOptions options);

  // The learning rate at fraction `progress` in [0, 1] of the run.
  double learning_rate(double progress) const;
  // One update with learning rate `learning_rate`. Returns how many
  // parameters came out non-finite or beyond 10^6 in magnitude (0 normally),
  // counted in the same pass.
  std::size_t step(ParameterVector& parameters, const ParameterVector& gradient, double learning_rate);

  const ParameterVector& velocity() const { return velocity_; }
  void set_velocity(ParameterVector velocity) { velocity_ = std::move(velocity); }

  // Everything an update depends on besides the parameters and the gradient,
  // for checkpoints: the velocity (Adam: first moment), Adam's second moment
  // (empty for SGD) and the number of steps taken.
  struct State {
    std::vector<float> velocity, second_moment;
    std::int64_t steps = 0;
  };
  State state() const;
  // Throws Error when `state` belongs to another optimizer or layout.
  void restore(const State& state);

 private:
  SgdOptions options_;
  ParameterVector velocity_;        // sgd: velocity; adam: first moment
  ParameterVector second_moment_;   // adam
  std::int64_t steps_ = 0;
};

}  // namespace logz
