#include "logz/data/sequence_weights.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "logz/error.hpp"

namespace logz {
namespace {

// Matching bytes of two rows. Counting in 8-bit lanes over chunks of at most
// 255 columns lets the compiler compare and add 32 or 64 bytes per
// instruction without widening every comparison to 32 bits.
int count_matches(const std::uint8_t* a, const std::uint8_t* b, Index length) {
  int total = 0;
  for (Index start = 0; start < length; start += 255) {
    const Index end = std::min<Index>(length, start + 255);
    std::uint8_t chunk = 0;
    for (Index i = start; i < end; ++i) {
      chunk = static_cast<std::uint8_t>(chunk + (a[i] == b[i]));
    }
    total += chunk;
  }
  return total;
}

// The fewest matches k of L with k / L >= theta, the quotient computed in
// double as the definition reads (80 of 100 reaches 0.8).
Index min_matches(Index length, double threshold) {
  Index k = 0;
  while (k < length && !(static_cast<double>(k) / static_cast<double>(length) >= threshold))
    ++k;
  return k;
}

}  // namespace

std::vector<double> identity_weights(ConstMatrixRef codes, double threshold) {
  if (!(threshold > 0.0 && threshold <= 1.0)) {  // NaN too
    throw SettingError("--reweight", fmt::format("identity threshold {} is outside (0, 1] (0.8 is "
                                                 "usual; 0 turns weighting off)",
                                                 threshold));
  }
  const Index n = codes.rows(), length = codes.cols();
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(n * length));
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < length; ++i) {
      const float value = codes(r, i);
      if (!(value >= 0.0f && value <= 255.0f) ||
          value != static_cast<float>(static_cast<int>(value))) {
        throw Error(
            fmt::format("identity_weights: value {} at row {}, column {} is not an integer "
                        "code in 0..255",
                        value, r + 1, i + 1));
      }
      bytes[static_cast<std::size_t>(r * length + i)] = static_cast<std::uint8_t>(value);
    }
  }
  const Index needed = min_matches(length, threshold);
  // Each pair (n, m > n) is compared once; its two counts go to per-thread
  // arrays summed at the end (integers: the result does not depend on the
  // thread count).
  std::vector<std::int64_t> neighbours(static_cast<std::size_t>(n), 1);  // itself
  const int threads = n >= 64 ? omp_get_max_threads() : 1;
  std::vector<std::vector<std::int64_t>> partial(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::int64_t>& counts = partial[static_cast<std::size_t>(omp_get_thread_num())];
    counts.assign(static_cast<std::size_t>(n), 0);
#pragma omp for schedule(dynamic, 16)
    for (Index a = 0; a < n; ++a) {
      const std::uint8_t* row_a = bytes.data() + a * length;
      for (Index b = a + 1; b < n; ++b) {
        if (count_matches(row_a, bytes.data() + b * length, length) >= needed) {
          ++counts[static_cast<std::size_t>(a)];
          ++counts[static_cast<std::size_t>(b)];
        }
      }
    }
  }
  std::vector<double> weights(static_cast<std::size_t>(n));
  for (Index a = 0; a < n; ++a) {
    std::int64_t total = neighbours[static_cast<std::size_t>(a)];
    for (const auto& counts : partial) {
      if (!counts.empty()) total += counts[static_cast<std::size_t>(a)];
    }
    weights[static_cast<std::size_t>(a)] = 1.0 / static_cast<double>(total);
  }
  return weights;
}

}  // namespace logz
