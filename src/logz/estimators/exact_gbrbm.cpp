#include "logz/estimators/exact_gbrbm.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// Bits of h in the table of partial sums W h.
constexpr int kTableBits = 8;
// The high bits' groups are summed in this many fixed ranges, one partial
// result each, combined in order: the same result for any thread count.
constexpr std::int64_t kRanges = 64;

// log w(h) = l.h + |W h|^2 / 2 for every h, in double.
class HiddenEnumeration {
 public:
  explicit HiddenEnumeration(const GaussianBernoulliRbm& rbm)
      : columns_(rbm.W().cast<double>().transpose()), bits_(static_cast<int>(rbm.n_hidden())) {
    const VectorD inverse_sigma = (-rbm.log_sigma().cast<double>().array()).exp().matrix();
    linear_ = rbm.c().cast<double>() + columns_ * rbm.b().cast<double>().cwiseProduct(inverse_sigma);
    low_bits_ = std::min(bits_, kTableBits);
    const Index n_low = Index{1} << low_bits_;
    table_ = MatrixD::Zero(n_low, columns_.cols());
    low_linear_ = VectorD::Zero(n_low);
    for (Index s = 1; s < n_low; ++s) {
      const int bit = std::countr_zero(static_cast<std::uint64_t>(s));
      const Index rest = s & (s - 1);
      table_.row(s) = table_.row(rest) + columns_.row(bit);
      low_linear_(s) = low_linear_(rest) + linear_(bit);
    }
  }

  // Calls visit(range, h, log w(h)) for every state, ranges in parallel.
  template <class Visit>
  void for_each_state(Visit&& visit) const {
    const std::int64_t n_high = std::int64_t{1} << (bits_ - low_bits_);
    const std::int64_t ranges = std::min(kRanges, n_high);
    const Index n_low = table_.rows();
#pragma omp parallel
    {
      VectorD base(columns_.cols()), x(columns_.cols());
#pragma omp for schedule(dynamic)
      for (std::int64_t r = 0; r < ranges; ++r) {
        for (std::int64_t g = r * n_high / ranges; g < (r + 1) * n_high / ranges; ++g) {
          base.setZero();
          double high_linear = 0.0;
          for (int i = 0; i < bits_ - low_bits_; ++i) {
            if ((g >> i) & 1) {
              base += columns_.row(low_bits_ + i).transpose();
              high_linear += linear_(low_bits_ + i);
            }
          }
          for (Index s = 0; s < n_low; ++s) {
            x = base + table_.row(s).transpose();
            const auto h = (static_cast<std::uint64_t>(g) << low_bits_) | static_cast<std::uint64_t>(s);
            visit(r, h, high_linear + low_linear_(s) + 0.5 * x.squaredNorm());
          }
        }
      }
    }
  }
  std::int64_t ranges() const {
    return std::min(kRanges, std::int64_t{1} << (bits_ - low_bits_));
  }

 private:
  MatrixD columns_;  // W^T [H, V]: row j is W h for h = e_j
  VectorD linear_;   // l [H]
  int bits_;
  int low_bits_ = 0;
  MatrixD table_;
  VectorD low_linear_;
};

double visible_log_partition(const GaussianBernoulliRbm& rbm) {
  return static_cast<double>(rbm.n_visible()) * 0.5 * std::log(2.0 * std::numbers::pi) +
         rbm.log_sigma().cast<double>().sum();
}

double hidden_log_sum(const HiddenEnumeration& states) {
  std::vector<LogSumExp> partial(static_cast<std::size_t>(states.ranges()));
  states.for_each_state([&](std::int64_t r, std::uint64_t, double log_w) {
    partial[static_cast<std::size_t>(r)].add(log_w);
  });
  LogSumExp total;
  for (const LogSumExp& p : partial) total.merge(p);
  return total.value();
}

}  // namespace

void check_enumerable(const GaussianBernoulliRbm& rbm, const ExactOptions& options) {
  if (rbm.n_hidden() > options.max_bits) {
    throw SettingError(
        "--max-exact-bits",
        fmt::format("exact log Z of this {} x {} Gaussian-Bernoulli RBM sums over 2^{} hidden "
                    "states, above the limit 2^{}; raise --max-exact-bits (cost grows as 2^bits "
                    "x {}) or use an estimator such as AIS",
                    rbm.n_visible(), rbm.n_hidden(), rbm.n_hidden(), options.max_bits,
                    rbm.n_visible()));
  }
}

LogZEstimate exact_log_z(const GaussianBernoulliRbm& rbm, const ExactOptions& options) {
  check_enumerable(rbm, options);
  const auto start = std::chrono::steady_clock::now();
  LogZEstimate estimate;
  estimate.method = "exact";
  estimate.log_z = visible_log_partition(rbm) + hidden_log_sum(HiddenEnumeration(rbm));
  estimate.lower = estimate.upper = estimate.log_z;
  estimate.samples = std::uint64_t{1} << rbm.n_hidden();
  estimate.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.progress) options.progress(estimate.samples, estimate.samples);
  return estimate;
}

GbrbmMoments exact_moments(const GaussianBernoulliRbm& rbm, const ExactOptions& options) {
  check_enumerable(rbm, options);
  const HiddenEnumeration states(rbm);
  const double log_sum = hidden_log_sum(states);
  const Index n_h = rbm.n_hidden();
  const auto ranges = static_cast<std::size_t>(states.ranges());
  std::vector<VectorD> first(ranges, VectorD::Zero(n_h));
  std::vector<MatrixD> second(ranges, MatrixD::Zero(n_h, n_h));
  states.for_each_state([&](std::int64_t r, std::uint64_t h, double log_w) {
    const double p = std::exp(log_w - log_sum);
    VectorD& m1 = first[static_cast<std::size_t>(r)];
    MatrixD& m2 = second[static_cast<std::size_t>(r)];
    for (std::uint64_t rest = h; rest != 0; rest &= rest - 1) {
      const int j = std::countr_zero(rest);
      m1(j) += p;
      for (std::uint64_t other = h; other != 0; other &= other - 1) {
        m2(j, std::countr_zero(other)) += p;
      }
    }
  });
  GbrbmMoments moments;
  moments.log_z = visible_log_partition(rbm) + log_sum;
  moments.hidden = VectorD::Zero(n_h);
  moments.hidden_hidden = MatrixD::Zero(n_h, n_h);
  for (std::size_t r = 0; r < ranges; ++r) {
    moments.hidden += first[r];
    moments.hidden_hidden += second[r];
  }
  return moments;
}

double add_expected_free_energy_gradient(const GaussianBernoulliRbm& rbm, double scale,
                                         ParameterVector& gradient, const ExactOptions& options) {
  const GbrbmMoments moments = exact_moments(rbm, options);
  const MatrixD w = rbm.W().cast<double>();
  const VectorD inverse_sigma = (-rbm.log_sigma().cast<double>().array()).exp().matrix();
  const VectorD mean_shift = w * moments.hidden;  // E[W h]
  const VectorD b_scaled = rbm.b().cast<double>().cwiseProduct(inverse_sigma);
  gradient.vector("b") -= (scale * mean_shift.cwiseProduct(inverse_sigma)).cast<float>();
  gradient.vector("c") -= (scale * moments.hidden).cast<float>();
  gradient.matrix("W") -=
      (scale * (b_scaled * moments.hidden.transpose() + w * moments.hidden_hidden)).cast<float>();
  if (rbm.learn_sigma()) {
    gradient.vector("log_sigma") +=
        (scale * (b_scaled.cwiseProduct(mean_shift).array() - 1.0)).matrix().cast<float>();
  }
  return moments.log_z;
}

}  // namespace logz
