#include "logz/estimators/exact_potts.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// States per block of the walk (at most).
constexpr int kBlockBits = 14;
// The moments are summed in this many groups of blocks (fewer when there are
// fewer blocks): enough to keep threads and ranks busy, few enough that
// gathering a group's sums stays cheap.
constexpr std::int64_t kMomentGroups = 64;
// No enumeration goes beyond 2^62 states, whatever the limit.
constexpr int kMostBits = 62;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// q^L, or nothing above 2^kMostBits.
std::optional<std::int64_t> state_count(Index sites, Index q) {
  std::int64_t count = 1;
  for (Index i = 0; i < sites; ++i) {
    if (count > (std::int64_t{1} << kMostBits) / q) return std::nullopt;
    count *= q;
  }
  return count;
}

// The log-sum of `blocks` blocks of `per_block` terms each, block_log_sum(block)
// giving one block's: this rank's share of the blocks, split over threads,
// the blocks' sums combined in block order by Communicator::log_sum.
template <class BlockLogSum>
double log_sum_of_blocks(std::int64_t blocks, std::int64_t per_block,
                         const ProgressCallback& progress, const BlockLogSum& block_log_sum) {
  const Communicator& world = Communicator::world();
  const IndexRange mine = world.log_sum_share(blocks);
  std::vector<double> partial(static_cast<std::size_t>(mine.size()));
  std::atomic<std::int64_t> blocks_done{0};  // by all threads; the first reports them
  const auto total = static_cast<std::size_t>(mine.size()) * static_cast<std::size_t>(per_block);
#pragma omp parallel for schedule(dynamic)
  for (std::int64_t block = mine.begin; block < mine.end; ++block) {
    partial[static_cast<std::size_t>(block - mine.begin)] = block_log_sum(block);
    const std::int64_t done = blocks_done.fetch_add(1, std::memory_order_relaxed) + 1;
    if (progress && omp_get_thread_num() == 0) {
      progress(static_cast<std::size_t>(done) * static_cast<std::size_t>(per_block), total);
    }
  }
  if (progress) progress(total, total);
  return world.log_sum(partial, blocks);
}

// sum over the blocks of add_block(block, accumulator), the accumulator
// `size` doubles: contiguous groups of blocks, each summed by one thread into
// its own accumulator, shared between ranks by group, gathered and added in
// group order.
template <class AddBlock>
VectorD sum_over_groups(std::int64_t blocks, Index size, const AddBlock& add_block) {
  const Communicator& world = Communicator::world();
  const std::int64_t groups = std::min(kMomentGroups, blocks);
  const auto first_block = [&](std::int64_t g) {
    return g * (blocks / groups) + std::min(g, blocks % groups);
  };
  const IndexRange mine = world.share(groups);
  std::vector<double> sums(static_cast<std::size_t>(mine.size() * size), 0.0);
#pragma omp parallel for schedule(dynamic)
  for (std::int64_t g = mine.begin; g < mine.end; ++g) {
    double* accumulator = sums.data() + (g - mine.begin) * size;
    for (std::int64_t block = first_block(g); block < first_block(g + 1); ++block) {
      add_block(block, accumulator);
    }
  }
  const std::vector<double> all = world.all_gather(sums, groups, size);
  VectorD total = VectorD::Zero(size);
  for (std::int64_t g = 0; g < groups; ++g) {
    total += Eigen::Map<const VectorD>(all.data() + g * size, size);
  }
  return total;
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
