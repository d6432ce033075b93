#include "logz/math/random.hpp"

#include "logz/math/gemm_avx512.hpp"
#include "logz/math/philox_avx512.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace logz {

void RandomBlocks::uniform_floats(std::uint64_t k, std::size_t n_blocks, float* out) const {
  static const bool avx512 = detail::cpu_has_avx512();
  if (avx512) {
    detail::philox_uniform_floats_avx512(seed_, stream_, first_block_ + k, n_blocks, out);
    return;
  }
  for (std::size_t b = 0; b < n_blocks; ++b) {
    const auto words = (*this)(k + b);
    for (std::size_t lane = 0; lane < 4; ++lane) out[4 * b + lane] = uniform_float(words[lane]);
  }
}

void RandomStream::check_shard(bool whole_rows) {
  if (!whole_rows) {
    throw std::logic_error("a draw from a sharded random stream is not a whole number per row");
  }
}

std::pair<RandomBlocks, std::uint64_t> RandomStream::reserve_values(std::uint64_t count,
                                                                    std::uint64_t per_block) {
  std::uint64_t first = 0, total = count;
  if (shard_.total_rows > 0 && shard_.rows > 0) {
    const std::uint64_t per_row = count / shard_.rows;
    check_shard(per_row * shard_.rows == count);
    first = shard_.first_row * per_row;
    total = per_row * shard_.total_rows;
  } else if (shard_.total_rows > 0) {
    total = 0;
  }
  return {reserve_shared((total + per_block - 1) / per_block), first};
}

// Number i of a draw is word i % per_block of block i / per_block; a sharded
// draw starts at its first row's number.
void RandomStream::uniform(std::span<float> out) {
  const auto [blocks, first] = reserve_values(out.size(), 4);
  for (std::size_t i = 0; i < out.size();) {
    const std::uint64_t g = first + i;
    const auto words = blocks(g / 4);
    for (std::uint64_t lane = g % 4; lane < 4 && i < out.size(); ++lane, ++i)
      out[i] = uniform_float(words[lane]);
  }
}

void RandomStream::uniform(std::span<double> out) {
  const auto [blocks, first] = reserve_values(out.size(), 2);
  for (std::size_t i = 0; i < out.size();) {
    const std::uint64_t g = first + i;
    const auto words = blocks(g / 2);
    for (std::uint64_t lane = g % 2; lane < 2 && i < out.size(); ++lane, ++i)
      out[i] = uniform_double(words[2 * lane], words[2 * lane + 1]);
  }
}

namespace {
// Pair p of normals comes from block p alone, so large draws (the noise of
// denoising score matching and NCE: millions per epoch) are split over the
// cores with the same numbers for any thread count.
// Numbers 2p and 2p + 1 of the draw (the cosine and the sine) come from
// block p; a sharded draw starts at its first row's number, maybe a sine.
template <typename T>
void box_muller(RandomBlocks blocks, std::uint64_t first, std::span<T> out, double mean,
                double stddev) {
  const std::uint64_t begin = first / 2, end = (first + out.size() + 1) / 2;
  const auto pairs = static_cast<std::int64_t>(end - begin);
#pragma omp parallel for schedule(static) if (pairs > 8192)
  for (std::int64_t q = 0; q < pairs; ++q) {
    const std::uint64_t p = begin + static_cast<std::uint64_t>(q);
    const auto words = blocks(p);
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform_double(words[0], words[1])));
    const double angle = 2.0 * std::numbers::pi * uniform_double(words[2], words[3]);
    for (std::uint64_t g = 2 * p; g < 2 * p + 2; ++g) {
      if (g < first || g >= first + out.size()) continue;
      const double z = g == 2 * p ? std::cos(angle) : std::sin(angle);
      out[g - first] = static_cast<T>(mean + stddev * radius * z);
    }
  }
}
}  // namespace

void RandomStream::normal(std::span<float> out, double mean, double stddev) {
  const auto [blocks, first] = reserve_values(out.size(), 2);
  box_muller(blocks, first, out, mean, stddev);
}
void RandomStream::normal(std::span<double> out, double mean, double stddev) {
  const auto [blocks, first] = reserve_values(out.size(), 2);
  box_muller(blocks, first, out, mean, stddev);
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  const auto words = reserve_shared(1)(0);
  const std::uint64_t x = (static_cast<std::uint64_t>(words[0]) << 32) | words[1];
  __extension__ using Wide = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<Wide>(x) * n) >> 64);
}

}  // namespace logz
