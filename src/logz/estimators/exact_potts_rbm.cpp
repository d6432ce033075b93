#include "logz/estimators/exact_potts.hpp"

// Exact log Z and moments of a Potts RBM over its 2^H hidden states
// (declared in estimators/exact_potts.hpp with the Potts model's).
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/enumeration_blocks.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// log_sum_of_blocks, sum_over_groups, seconds_since, kBlockBits, kMostBits.
using namespace enumeration;

// The hidden states of a Potts RBM in Gray-code order, in blocks of 2^14 (at
// most), with u = b + W h ([L q], double) kept current.
class PottsRbmHiddenStates {
 public:
  explicit PottsRbmHiddenStates(const PottsRbm& rbm)
      : sites_(rbm.n_visible()),
        q_(rbm.n_states()),
        columns_(rbm.W().cast<double>().transpose()),
        fields_(rbm.b().cast<double>()),
        hidden_bias_(rbm.c().cast<double>()),
        block_bits_(static_cast<int>(std::min<Index>(rbm.n_hidden(), kBlockBits))),
        blocks_(std::int64_t{1} << (rbm.n_hidden() - block_bits_)) {}

  std::int64_t blocks() const { return blocks_; }
  std::int64_t per_block() const { return std::int64_t{1} << block_bits_; }
  Index hidden() const { return columns_.rows(); }
  Index visible_size() const { return columns_.cols(); }

  // Calls visit(h, u, c.h) for every hidden state h (bits of an integer) of
  // block `block`, in order.
  template <class Visit>
  void walk(std::int64_t block, VectorD& u, const Visit& visit) const {
    // Gray code g(t) = t ^ (t >> 1); from t - 1 to t the bit ctz(t) flips.
    const std::int64_t first = block << block_bits_;
    auto h = static_cast<std::uint64_t>(first ^ (first >> 1));
    u = fields_;
    double linear = 0.0;
    for (std::uint64_t rest = h; rest != 0; rest &= rest - 1) {
      const int k = std::countr_zero(rest);
      u += columns_.row(k).transpose();
      linear += hidden_bias_(k);
    }
    visit(h, u, linear);
    for (std::int64_t t = first + 1; t < first + per_block(); ++t) {
      const int k = std::countr_zero(static_cast<std::uint64_t>(t));
      const double s = ((h >> k) & 1) != 0 ? -1.0 : 1.0;
      u += s * columns_.row(k).transpose();
      linear += s * hidden_bias_(k);
      h ^= std::uint64_t{1} << k;
      visit(h, u, linear);
    }
  }

  // sum_i log sum_a exp(u_ia); with `probability` ([L q]) also the sites'
  // softmaxes p(x_i = a | h).
  double site_log_sums(const VectorD& u, double* probability) const {
    double total = 0.0;
    for (Index i = 0; i < sites_; ++i) {
      const double* z = u.data() + i * q_;
      double top = z[0];
      for (Index a = 1; a < q_; ++a) {
        top = std::max(top, z[a]);
      }
      double sum = 0.0;
      for (Index a = 0; a < q_; ++a) {
        const double e = std::exp(z[a] - top);
        if (probability != nullptr) probability[i * q_ + a] = e;
        sum += e;
      }
      total += top + std::log(sum);
      if (probability != nullptr) {
        for (Index a = 0; a < q_; ++a) {
          probability[i * q_ + a] /= sum;
        }
      }
    }
    return total;
  }

 private:
  Index sites_, q_;
  MatrixD columns_;      // W^T [H, L q]: row k is W h for h = e_k
  VectorD fields_;       // b [L q]
  VectorD hidden_bias_;  // c [H]
  int block_bits_;
  std::int64_t blocks_;
};

}  // namespace

int enumeration_bits(const PottsRbm& rbm) {
  return static_cast<int>(rbm.n_hidden());
}

void check_enumerable(const PottsRbm& rbm, const ExactOptions& options) {
  const int limit = std::min(options.max_bits, kMostBits);
  if (rbm.n_hidden() > limit) {
    throw SettingError(
        "--max-exact-bits",
        fmt::format("exact log Z of this Potts RBM ({} sites of {} states, {} hidden units) sums "
                    "over 2^{} hidden states, above the limit 2^{}; raise --max-exact-bits (cost "
                    "grows as 2^bits x {}) or use an estimator such as AIS",
                    rbm.n_visible(), rbm.n_states(), rbm.n_hidden(), rbm.n_hidden(), limit,
                    rbm.n_visible() * rbm.n_states()));
  }
}

LogZEstimate exact_log_z(const PottsRbm& rbm, const ExactOptions& options) {
  check_enumerable(rbm, options);
  const auto start = std::chrono::steady_clock::now();
  const PottsRbmHiddenStates states(rbm);
  LogZEstimate estimate;
  estimate.method = "exact";
  estimate.log_z = log_sum_of_blocks(
      states.blocks(), states.per_block(), options.progress, [&](std::int64_t block) {
        VectorD u;
        LogSumExp sum;
        states.walk(block, u, [&](std::uint64_t, const VectorD& fields, double linear) {
          sum.add(linear + states.site_log_sums(fields, nullptr));
        });
        return sum.value();
      });
  estimate.lower = estimate.upper = estimate.log_z;
  estimate.samples = std::uint64_t{1} << rbm.n_hidden();
  estimate.seconds = seconds_since(start);
  return estimate;
}

PottsRbmMoments exact_moments(const PottsRbm& rbm, const ExactOptions& options) {
  ExactOptions quiet = options;
  quiet.progress = nullptr;
  const double log_z = exact_log_z(rbm, quiet).log_z;
  const PottsRbmHiddenStates states(rbm);
  const Index size = states.visible_size(), hidden = states.hidden();
  // The accumulator: E[onehot] [L q], E[h] [H], then E[onehot h_k] [L q] for each k.
  const VectorD sums = sum_over_groups(
      states.blocks(), size + hidden + hidden * size, [&](std::int64_t block, double* out) {
        VectorD u;
        std::vector<double> probability(static_cast<std::size_t>(size));
        states.walk(block, u, [&](std::uint64_t h, const VectorD& fields, double linear) {
          const double p =
              std::exp(linear + states.site_log_sums(fields, probability.data()) - log_z);
          for (Index s = 0; s < size; ++s) {
            out[s] += p * probability[static_cast<std::size_t>(s)];
          }
          for (std::uint64_t rest = h; rest != 0; rest &= rest - 1) {
            const int k = std::countr_zero(rest);
            out[size + k] += p;
            double* row = out + size + hidden + k * size;
            for (Index s = 0; s < size; ++s) {
              row[s] += p * probability[static_cast<std::size_t>(s)];
            }
          }
        });
      });
  PottsRbmMoments moments;
  moments.log_z = log_z;
  moments.visible = sums.head(size);
  moments.hidden = sums.segment(size, hidden);
  moments.visible_hidden = MatrixD(size, hidden);
  for (Index k = 0; k < hidden; ++k) {
    moments.visible_hidden.col(k) = sums.segment(size + hidden + k * size, size);
  }
  return moments;
}

}  // namespace logz
