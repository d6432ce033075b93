#include "logz/estimators/exact_rbm.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "logz/error.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/log_space.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// The enumerated layer A and the summed-out layer B (see the header).
struct Layers {
  MatrixF weights;    // M [n_A, n_B]
  VectorD bias_a;     // a [n_A]
  VectorF bias_b;     // d [n_B]
};

Layers layers_for(const BernoulliRbm& rbm, bool enumerate_hidden) {
  if (enumerate_hidden) return {rbm.W().transpose(), rbm.c().cast<double>(), rbm.b()};
  return {rbm.W(), rbm.b().cast<double>(), rbm.c()};
}

// Bits of s in the table of partial sums; the remaining bits are split over threads.
constexpr int kTableBits = 8;

double enumerate_log_sum(const Layers& layers, int bits, const ProgressCallback& progress = {}) {
  const Index n_b = layers.weights.cols();
  const int low_bits = std::min(bits, kTableBits);
  const int high_bits = bits - low_bits;
  const Index n_low = Index{1} << low_bits;
  const std::int64_t n_high = std::int64_t{1} << high_bits;

  // table(s) = sum of the rows of M for the bits of s, built in double.
  MatrixD table64 = MatrixD::Zero(n_low, n_b);
  VectorD low_bias = VectorD::Zero(n_low);
  for (Index s = 1; s < n_low; ++s) {
    const int bit = std::countr_zero(static_cast<std::uint64_t>(s));
    const Index rest = s & (s - 1);
    table64.row(s) = table64.row(rest) + layers.weights.row(bit).cast<double>();
    low_bias(s) = low_bias(rest) + layers.bias_a(bit);
  }
  const MatrixF table = table64.cast<float>();

  // Under MPI this process sums its share of the groups g (whole chunks of
  // them); the chunks' sums are gathered and added in order.
  const Communicator& world = Communicator::world();
  const IndexRange mine = world.log_sum_share(n_high);
  std::vector<double> partial(static_cast<std::size_t>(mine.size()));
  // Groups done by all threads; the first thread reports them.
  std::atomic<std::int64_t> groups_done{0};
  const auto total = static_cast<std::size_t>(mine.size()) * static_cast<std::size_t>(n_low);
#pragma omp parallel
  {
    VectorD base64(n_b);
    VectorF base(n_b);
#pragma omp for schedule(static)
    for (std::int64_t g = mine.begin; g < mine.end; ++g) {
      base64 = layers.bias_b.cast<double>();
      double high_bias = 0.0;
      for (int i = 0; i < high_bits; ++i) {
        if ((g >> i) & 1) {
          base64 += layers.weights.row(low_bits + i).cast<double>().transpose();
          high_bias += layers.bias_a(low_bits + i);
        }
      }
      base = base64.cast<float>();
      LogSumExp sum;
      for (Index s = 0; s < n_low; ++s) {
        sum.add(high_bias + low_bias(s) + softplus_sum(base.data(), &table(s, 0), n_b));
      }
      partial[static_cast<std::size_t>(g - mine.begin)] = sum.value();
      const std::int64_t done = groups_done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && omp_get_thread_num() == 0 && g % 64 == 0) {
        progress(static_cast<std::size_t>(done) * static_cast<std::size_t>(n_low), total);
      }
    }
  }
  if (progress) progress(total, total);
  return world.log_sum(partial, n_high);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

EnumerationPlan plan_enumeration(const BernoulliRbm& rbm, EnumeratedLayer layer) {
  const bool hidden = layer == EnumeratedLayer::hidden ||
                      (layer == EnumeratedLayer::smaller && rbm.n_hidden() <= rbm.n_visible());
  return {hidden, static_cast<int>(hidden ? rbm.n_hidden() : rbm.n_visible())};
}

void check_enumerable(const BernoulliRbm& rbm, const ExactOptions& options) {
  const EnumerationPlan plan = plan_enumeration(rbm, options.layer);
  if (plan.bits > options.max_bits) {
    throw SettingError(
        "--max-exact-bits",
        fmt::format("exact log Z of this {} x {} RBM sums over 2^{} {} states, above the limit "
                    "2^{}; raise --max-exact-bits (cost grows as 2^bits x {}) or use an "
                    "estimator such as AIS",
                    rbm.n_visible(), rbm.n_hidden(), plan.bits,
                    plan.hidden ? "hidden" : "visible", options.max_bits,
                    plan.hidden ? rbm.n_visible() : rbm.n_hidden()));
  }
}

LogZEstimate exact_log_z(const BernoulliRbm& rbm, const ExactOptions& options) {
  check_enumerable(rbm, options);
  const auto start = std::chrono::steady_clock::now();
  const EnumerationPlan plan = plan_enumeration(rbm, options.layer);
  LogZEstimate estimate;
  estimate.method = "exact";
  estimate.log_z = enumerate_log_sum(layers_for(rbm, plan.hidden), plan.bits, options.progress);
  estimate.lower = estimate.upper = estimate.log_z;
  estimate.samples = std::uint64_t{1} << plan.bits;
  estimate.seconds = seconds_since(start);
  return estimate;
}

RbmMoments exact_moments(const BernoulliRbm& rbm, const ExactOptions& options) {
  check_enumerable(rbm, options);
  const EnumerationPlan plan = plan_enumeration(rbm, options.layer);
  const Layers layers = layers_for(rbm, plan.hidden);
  const double log_z = enumerate_log_sum(layers, plan.bits);
  const Index n_a = layers.weights.rows(), n_b = layers.weights.cols();

  // Second pass in chunks of consecutive states: S [m, n_A] holds their bits,
  // X = S M + d, and each state weighs p(s) = exp(f(s) - log Z).
  const std::int64_t n_states = std::int64_t{1} << plan.bits;
  const Index chunk = std::min<Index>(n_states, 4096);
  MatrixF states(chunk, n_a), activation(chunk, n_b);
  std::vector<double> softplus_sums(static_cast<std::size_t>(chunk));
  VectorF weight(chunk);
  MatrixD sum_ab = MatrixD::Zero(n_a, n_b);
  VectorD sum_a = VectorD::Zero(n_a), sum_b = VectorD::Zero(n_b);
  MatrixF product(n_a, n_b);
  for (std::int64_t first = 0; first < n_states; first += chunk) {
    for (Index r = 0; r < chunk; ++r) {
      for (Index i = 0; i < n_a; ++i) states(r, i) = static_cast<float>(((first + r) >> i) & 1);
    }
    gemm(1.0f, states, Transpose::no, layers.weights, Transpose::no, 0.0f, activation);
    affine_softplus_row_sums(activation, 1.0f, layers.bias_b, softplus_sums);
    for (Index r = 0; r < chunk; ++r) {
      const double f = states.row(r).cast<double>().dot(layers.bias_a.transpose()) +
                       softplus_sums[static_cast<std::size_t>(r)];
      weight(r) = static_cast<float>(std::exp(f - log_z));
    }
    affine_sigmoid(activation, 1.0f, layers.bias_b);  // activation <- p(b = 1 | s)
    sum_a += (states.transpose() * weight).cast<double>();
    sum_b += (activation.transpose() * weight).cast<double>();
    activation.array().colwise() *= weight.array();
    gemm(1.0f, states, Transpose::yes, activation, Transpose::no, 0.0f, product);
    sum_ab += product.cast<double>();
  }

  RbmMoments moments;
  moments.log_z = log_z;
  if (plan.hidden) {
    moments.visible_hidden = sum_ab.transpose();
    moments.visible = sum_b;
    moments.hidden = sum_a;
  } else {
    moments.visible_hidden = sum_ab;
    moments.visible = sum_a;
    moments.hidden = sum_b;
  }
  return moments;
}

}  // namespace logz
