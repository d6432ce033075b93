#include "logz/estimators/exact_potts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/enumeration_blocks.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// log_sum_of_blocks, sum_over_groups, seconds_since, kBlockBits, kMostBits.
using namespace enumeration;

// q^L, or nothing above 2^kMostBits.
std::optional<std::int64_t> state_count(Index sites, Index q) {
  std::int64_t count = 1;
  for (Index i = 0; i < sites; ++i) {
    if (count > (std::int64_t{1} << kMostBits) / q) return std::nullopt;
    count *= q;
  }
  return count;
}

// The states of a Potts model in odometer order: state t has x_i = (t / q^i) mod q.
// The lowest sites make a block (q^m <= 2^14 states); block n fixes the others
// to the digits of n.
class PottsStates {
 public:
  explicit PottsStates(const PottsModel& model) : sites_(model.n_visible()), q_(model.n_states()) {
    fields_.resize(static_cast<std::size_t>(sites_ * q_));
    for (Index k = 0; k < sites_; ++k) {
      for (Index a = 0; a < q_; ++a) {
        fields_[static_cast<std::size_t>(k * q_ + a)] = model.field(k, a);
      }
    }
    // The energy's couplings are the blocks J_ij with i < j (potts.hpp); the
    // table reads them from either side.
    couplings_.assign(static_cast<std::size_t>(sites_ * q_ * sites_ * q_), 0.0);
    for (Index k = 0; k < sites_; ++k) {
      for (Index a = 0; a < q_; ++a) {
        for (Index j = 0; j < sites_; ++j) {
          if (j == k) continue;
          for (Index b = 0; b < q_; ++b) {
            couplings_[static_cast<std::size_t>(((k * q_ + a) * sites_ + j) * q_ + b)] =
                k < j ? model.coupling(k, j, a, b) : model.coupling(j, k, b, a);
          }
        }
      }
    }
    while (low_sites_ < sites_ && per_block_ * q_ <= (std::int64_t{1} << kBlockBits)) {
      per_block_ *= q_;
      ++low_sites_;
    }
    blocks_ = state_count(sites_ - low_sites_, q_).value();  // the caller checked the size
  }

  Index sites() const { return sites_; }
  Index states() const { return q_; }
  std::int64_t blocks() const { return blocks_; }
  std::int64_t per_block() const { return per_block_; }

  // Calls visit(x, -E(x)) for every state x (codes [L]) of block `block`, in order.
  template <class Visit>
  void walk(std::int64_t block, std::vector<std::uint8_t>& x, const Visit& visit) const {
    x.assign(static_cast<std::size_t>(sites_), 0);
    for (Index i = low_sites_; i < sites_; ++i) {
      x[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(block % q_);
      block /= q_;
    }
    double value = negative_energy(x);
    visit(x, value);
    for (std::int64_t t = 1; t < per_block_; ++t) {
      std::size_t k = 0;
      while (x[k] == q_ - 1) {  // carry: stays within the block's low sites
        value += change(x, static_cast<Index>(k), 0);
        x[k++] = 0;
      }
      value += change(x, static_cast<Index>(k), x[k] + 1);
      ++x[k];
      visit(x, value);
    }
  }

 private:
  const double* coupling_row(Index k, Index a, Index j) const {
    return couplings_.data() + ((k * q_ + a) * sites_ + j) * q_;
  }

  double negative_energy(const std::vector<std::uint8_t>& x) const {
    double value = 0.0;
    for (Index i = 0; i < sites_; ++i) {
      const Index a = x[static_cast<std::size_t>(i)];
      value += fields_[static_cast<std::size_t>(i * q_ + a)];
      for (Index j = i + 1; j < sites_; ++j) {
        value += coupling_row(i, a, j)[x[static_cast<std::size_t>(j)]];
      }
    }
    return value;
  }

  // -E(x^(k<-b)) + E(x): h_k(b) - h_k(a) + sum_{j != k} (J_kj(b, x_j) - J_kj(a, x_j)).
  double change(const std::vector<std::uint8_t>& x, Index k, Index b) const {
    const Index a = x[static_cast<std::size_t>(k)];
    const double* to = coupling_row(k, b, 0);
    const double* from = coupling_row(k, a, 0);
    double delta = fields_[static_cast<std::size_t>(k * q_ + b)] -
                   fields_[static_cast<std::size_t>(k * q_ + a)];
    for (Index j = 0; j < sites_; ++j) {
      const Index offset = j * q_ + x[static_cast<std::size_t>(j)];
      delta += to[offset] - from[offset];  // zero at j = k
    }
    return delta;
  }

  Index sites_, q_;
  std::vector<double> fields_;     // h_k(a) at k q + a
  std::vector<double> couplings_;  // J_kj(a, b) at ((k q + a) L + j) q + b, zero for j = k
  Index low_sites_ = 0;
  std::int64_t per_block_ = 1;
  std::int64_t blocks_ = 1;
};

}  // namespace

int enumeration_bits(const PottsModel& model) {
  const Index q = model.n_states();
  if (const std::optional<std::int64_t> states = state_count(model.n_visible(), q)) {
    int bits = 0;
    while ((std::int64_t{1} << bits) < *states) {
      ++bits;
    }
    return bits;
  }
  return static_cast<int>(
      std::ceil(static_cast<double>(model.n_visible()) * std::log2(static_cast<double>(q))));
}

void check_enumerable(const PottsModel& model, const ExactOptions& options) {
  const int limit = std::min(options.max_bits, kMostBits);
  if (enumeration_bits(model) > limit) {
    throw SettingError(
        "--max-exact-bits",
        fmt::format("exact log Z of this Potts model sums over {}^{} states (about 2^{:.1f}), "
                    "above the limit 2^{}; raise --max-exact-bits or use an estimator such as AIS",
                    model.n_states(), model.n_visible(),
                    static_cast<double>(model.n_visible()) *
                        std::log2(static_cast<double>(model.n_states())),
                    limit));
  }
}

LogZEstimate exact_log_z(const PottsModel& model, const ExactOptions& options) {
  check_enumerable(model, options);
  const auto start = std::chrono::steady_clock::now();
  const PottsStates states(model);
  LogZEstimate estimate;
  estimate.method = "exact";
  estimate.log_z = log_sum_of_blocks(
      states.blocks(), states.per_block(), options.progress, [&](std::int64_t block) {
        std::vector<std::uint8_t> x;
        LogSumExp sum;
        states.walk(block, x,
                    [&](const std::vector<std::uint8_t>&, double value) { sum.add(value); });
        return sum.value();
      });
  estimate.lower = estimate.upper = estimate.log_z;
  estimate.samples = static_cast<std::uint64_t>(states.blocks() * states.per_block());
  estimate.seconds = seconds_since(start);
  return estimate;
}

PottsMoments exact_moments(const PottsModel& model, const ExactOptions& options) {
  ExactOptions quiet = options;
  quiet.progress = nullptr;
  const double log_z = exact_log_z(model, quiet).log_z;
  const PottsStates states(model);
  const Index sites = states.sites(), q = states.states(), size = sites * q;
  // The accumulator: P(x_i = a) at i q + a, then P(x_i = a, x_j = b) for each
  // pair i < j in turn, q^2 entries each.
  const auto pair_offset = [&](Index i, Index j) {
    return size + (i * sites - i * (i + 1) / 2 + (j - i - 1)) * q * q;
  };
  const Index pairs = sites * (sites - 1) / 2;
  const VectorD sums =
      sum_over_groups(states.blocks(), size + pairs * q * q, [&](std::int64_t block, double* out) {
        std::vector<std::uint8_t> x;
        states.walk(block, x, [&](const std::vector<std::uint8_t>& state, double value) {
          const double p = std::exp(value - log_z);
          for (Index i = 0; i < sites; ++i) {
            const Index a = state[static_cast<std::size_t>(i)];
            out[i * q + a] += p;
            for (Index j = i + 1; j < sites; ++j) {
              out[pair_offset(i, j) + a * q + state[static_cast<std::size_t>(j)]] += p;
            }
          }
        });
      });
  PottsMoments moments;
  moments.log_z = log_z;
  moments.means = sums.head(size);
  moments.pairs = MatrixD::Zero(size, size);
  for (Index i = 0; i < sites; ++i) {
    for (Index a = 0; a < q; ++a) {
      moments.pairs(i * q + a, i * q + a) = moments.means(i * q + a);
    }
    for (Index j = i + 1; j < sites; ++j) {
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          const double p = sums(pair_offset(i, j) + a * q + b);
          moments.pairs(i * q + a, j * q + b) = p;
          moments.pairs(j * q + b, i * q + a) = p;
        }
      }
    }
  }
  return moments;
}

}  // namespace logz
