// Counter-based random streams: Philox4x32-10 (Salmon, Moraes, Dror & Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC 2011), from Random123.
//
// A stream is the triple (seed, stream id, position). Block k of a stream is
// Philox(counter = {position + k, stream id}, key = seed): four 32-bit words
// that depend on nothing else. A kernel that needs n numbers reserves their
// blocks, and each thread computes the blocks of the rows it owns, so results
// are the same for any number of threads (and, later, MPI ranks).
//
// The stream lives in math/ (not sampling/) because the fused kernels of this
// layer draw Bernoulli variables in the same pass that computes sigmoids.
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cstdint>
#include <span>

namespace logz {

// The four 32-bit words of block `block` of stream (seed, stream).
inline std::array<std::uint32_t, 4> philox_block(std::uint64_t seed, std::uint64_t stream,
                                                 std::uint64_t block) {
  r123::Philox4x32::ctr_type counter = {
      {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
       static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)}};
  r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  const auto r = r123::Philox4x32()(counter, key);
  return {r[0], r[1], r[2], r[3]};
}

// Uniform float in [0, 1) from the top 24 bits of a word; a Bernoulli(p)
// draw is `uniform < p`, exact at p = 0 and p = 1.
inline float uniform_float(std::uint32_t word) {
  return static_cast<float>(word >> 8) * 0x1p-24f;
}
// Uniform double in [0, 1) from 53 bits of two words.
inline double uniform_double(std::uint32_t high, std::uint32_t low) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(high) << 21) ^ (low >> 11);
  return static_cast<double>(bits & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
}

// A reserved range of blocks, safe to read from several threads at once.
class RandomBlocks {
 public:
  RandomBlocks(std::uint64_t seed, std::uint64_t stream, std::uint64_t first_block)
      : seed_(seed), stream_(stream), first_block_(first_block) {}
  std::array<std::uint32_t, 4> operator()(std::uint64_t k) const {
    return philox_block(seed_, stream_, first_block_ + k);
  }
  // Uniform floats in [0, 1) from the words of blocks k, k+1, ..., k+n_blocks-1
  // (4 per block, in order): the same numbers as operator() and uniform_float
  // give, computed 16 blocks at a time so the compiler can vectorize them.
  void uniform_floats(std::uint64_t k, std::size_t n_blocks, float* out) const;

 private:
  std::uint64_t seed_, stream_, first_block_;
};

class RandomStream {
 public:
  // Everything needed to continue the stream exactly (checkpoints store it).
  struct State {
    std::uint64_t seed = 0;
    std::uint64_t stream = 0;
    std::uint64_t position = 0;  // next unused block
    bool operator==(const State&) const = default;
  };

  RandomStream(std::uint64_t seed, std::uint64_t stream) : state_{seed, stream, 0} {}
  explicit RandomStream(const State& state) : state_(state) {}

  const State& state() const { return state_; }

  // Reserves `n_blocks` blocks (4 words each) for a kernel to draw from.
  RandomBlocks reserve(std::uint64_t n_blocks) {
    RandomBlocks blocks(state_.seed, state_.stream, state_.position);
    state_.position += n_blocks;
    return blocks;
  }

  void uniform(std::span<float> out);
  void uniform(std::span<double> out);
  // Normal(mean, stddev^2) by the Box-Muller transform, computed in double.
  void normal(std::span<float> out, double mean, double stddev);
  void normal(std::span<double> out, double mean, double stddev);
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, 64-bit, bias < 2^-32).
  std::uint64_t below(std::uint64_t n);

 private:
  State state_;
};

// Stream ids of logz's own uses, so that drawing more numbers for one purpose
// (a longer chain, say) never shifts the numbers of another.
enum class StreamId : std::uint64_t {
  initialization = 1,
  shuffle = 2,
  sampling = 3,
  binarization = 4,
  evaluation = 5,
  data_generation = 6,
  annealing = 7,
  bridge = 8,
  pictures = 9,
  dequantization = 10,
  tracking = 11,
  resampling = 12,
};

inline RandomStream make_stream(std::uint64_t seed, StreamId id) {
  return RandomStream(seed, static_cast<std::uint64_t>(id));
}

}  // namespace logz
