// Log-space arithmetic, in one place for all of logz.
//
//   softplus(x)      = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|)
//   log_sum_exp(x)   = log sum_i e^{x_i}, with the maximum subtracted
//   log_mean_exp(x)  = log_sum_exp(x) - log n   (AIS and importance weights)
//
// All of these are exact to rounding for any finite input (no overflow for
// x = 1000, no underflow to -inf for x = -1000). An empty sum is -inf.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>

namespace logz {

inline double softplus(double x) { return std::fmax(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
inline float softplus(float x) { return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

// e^x for x <= 0 in float, within 2 ulp of the rounded exact value, and with
// no library call, so that a loop of it vectorizes (softmaxes over a few
// dozen states, where libm's scalar exp would cost more than the rest):
// x = n log 2 + r with |r| <= log(2) / 2 (Cody & Waite's split of log 2),
// e^r by Cephes' degree-7 minimax polynomial, 2^n from the exponent bits.
// Below -87, where e^x leaves the normal floats, it returns 0.
// e^r for |r| <= log(2) / 2 (Cephes' polynomial), for a float or a vector of them.
// (The result through a reference: a vector returned by value changes the
// ABI between AVX and SSE builds, and GCC warns.)
template <typename T>
inline void exp_reduced(const T& r, T& out) {
  T p = T{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  out = p * r * r + r + 1.0f;
}

inline float exp_nonpositive(float x) {
  const float clamped = x < -87.0f ? -87.0f : x;
  const float n = std::floor(clamped * 1.44269504088896341f + 0.5f);
  const float r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
  float p;
  exp_reduced(r, p);
  const float scale = std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
  return x < -87.0f ? 0.0f : p * scale;
}

// The same for 8 floats at once, in GCC's and Clang's vector extension (the
// same operations, so the same values): GCC leaves the scalar function's
// loops unvectorized ("control flow in loop"), whatever the form of its
// selects. floor(t) for t in [-126, 1) is the truncation less 1 where that
// rounded up.
using Float8 = float __attribute__((vector_size(32)));
using Int8 = std::int32_t __attribute__((vector_size(32)));
// (Arguments by reference: a vector passed by value changes the ABI between
// AVX and SSE builds, and GCC warns.)
inline void exp_nonpositive(const Float8& x, Float8& out) {
  const Float8 floor_value = Float8{} - 87.0f;
  const Float8 clamped = x < floor_value ? floor_value : x;
  const Float8 t = clamped * 1.44269504088896341f + 0.5f;
  const Float8 truncated = __builtin_convertvector(__builtin_convertvector(t, Int8), Float8);
  const Float8 n = t < truncated ? truncated - 1.0f : truncated;
  const Float8 r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
  Float8 p;
  exp_reduced(r, p);
  const Int8 exponent = (__builtin_convertvector(n, Int8) + 127) << 23;
  Float8 scale;
  std::memcpy(&scale, &exponent, sizeof(scale));
  out = x < floor_value ? Float8{} : p * scale;
}

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
