// Log-space arithmetic, in one place for all of logz.
//
//   softplus(x)      = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|)
//   log_sum_exp(x)   = log sum_i e^{x_i}, with the maximum subtracted
//   log_mean_exp(x)  = log_sum_exp(x) - log n   (AIS and importance weights)
//
// All of these are exact to rounding for any finite input (no overflow for
// x = 1000, no underflow to -inf for x = -1000). An empty sum is -inf.
#pragma once

#include <cmath>
#include <limits>
#include <span>

namespace logz {

inline double softplus(double x) { return std::fmax(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
inline float softplus(float x) { return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

// log(e^a + e^b)
inline double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return std::fmax(a, b) + std::log1p(std::exp(-std::fabs(a - b)));
}

double log_sum_exp(std::span<const double> values);
double log_mean_exp(std::span<const double> values);

// Streaming log-sum-exp: add terms one at a time (or merge partial sums) with
// a running maximum, so a sum over 2^30 terms needs no buffer.
class LogSumExp {
 public:
  void add(double x) {
    if (x <= max_) {
      sum_ += std::exp(x - max_);
    } else if (x == std::numeric_limits<double>::infinity()) {
      max_ = x;
      sum_ = 1.0;
    } else {
      sum_ = sum_ * std::exp(max_ - x) + 1.0;
      max_ = x;
    }
  }
  void merge(const LogSumExp& other) {
    if (other.sum_ == 0.0) return;
    if (sum_ == 0.0) {
      *this = other;
    } else if (other.max_ <= max_) {
      sum_ += other.sum_ * std::exp(other.max_ - max_);
    } else {
      sum_ = sum_ * std::exp(max_ - other.max_) + other.sum_;
      max_ = other.max_;
    }
  }
  double value() const { return sum_ == 0.0 ? -std::numeric_limits<double>::infinity()
                                            : max_ + std::log(sum_); }

 private:
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
};

}  // namespace logz
