#include "logz/math/random.hpp"

#include "logz/math/gemm_avx512.hpp"
#include "logz/math/philox_avx512.hpp"

#include <cmath>
#include <numbers>

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

void RandomStream::uniform(std::span<float> out) {
  const RandomBlocks blocks = reserve((out.size() + 3) / 4);
  for (std::size_t i = 0; i < out.size(); i += 4) {
    const auto words = blocks(i / 4);
    for (std::size_t j = 0; j < 4 && i + j < out.size(); ++j) out[i + j] = uniform_float(words[j]);
  }
}

void RandomStream::uniform(std::span<double> out) {
  const RandomBlocks blocks = reserve((out.size() + 1) / 2);
  for (std::size_t i = 0; i < out.size(); i += 2) {
    const auto words = blocks(i / 2);
    out[i] = uniform_double(words[0], words[1]);
    if (i + 1 < out.size()) out[i + 1] = uniform_double(words[2], words[3]);
  }
}

namespace {
// Pair p of normals comes from block p alone, so large draws (the noise of
// denoising score matching and NCE: millions per epoch) are split over the
// cores with the same numbers for any thread count.
template <typename T>
void box_muller(RandomStream& stream, std::span<T> out, double mean, double stddev) {
  const auto pairs = static_cast<std::int64_t>((out.size() + 1) / 2);
  const RandomBlocks blocks = stream.reserve(static_cast<std::uint64_t>(pairs));
#pragma omp parallel for schedule(static) if (pairs > 8192)
  for (std::int64_t p = 0; p < pairs; ++p) {
    const std::size_t i = 2 * static_cast<std::size_t>(p);
    const auto words = blocks(static_cast<std::uint64_t>(p));
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform_double(words[0], words[1])));
    const double angle = 2.0 * std::numbers::pi * uniform_double(words[2], words[3]);
    out[i] = static_cast<T>(mean + stddev * radius * std::cos(angle));
    if (i + 1 < out.size()) out[i + 1] = static_cast<T>(mean + stddev * radius * std::sin(angle));
  }
}
}  // namespace

void RandomStream::normal(std::span<float> out, double mean, double stddev) {
  box_muller(*this, out, mean, stddev);
}
void RandomStream::normal(std::span<double> out, double mean, double stddev) {
  box_muller(*this, out, mean, stddev);
}

std::uint64_t RandomStream::below(std::uint64_t n) {
  const auto words = reserve(1)(0);
  const std::uint64_t x = (static_cast<std::uint64_t>(words[0]) << 32) | words[1];
  __extension__ using Wide = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<Wide>(x) * n) >> 64);
}

}  // namespace logz
