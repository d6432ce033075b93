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
#include <utility>

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

  // Shards the stream over rows (chains, examples) for a process that holds
  // rows [first_row, first_row + rows) of `total_rows`: every draw of
  // per-row numbers then gives these rows exactly the numbers that the same
  // draw over all total_rows rows would give them, and the stream moves on
  // as that draw would. A draw's size must be `rows` times a whole number
  // per row. A process with no rows draws nothing that matters (its stream
  // stops moving). Draws of numbers shared by all rows (below) are the same
  // on every process.
  RandomStream& shard(std::uint64_t first_row, std::uint64_t rows, std::uint64_t total_rows) {
    shard_ = {first_row, rows, total_rows};
    return *this;
  }

  // Reserves `n_blocks` blocks (4 words each) for a kernel to draw from; row
  // i of a kernel over r rows reads blocks i n / r to (i + 1) n / r - 1.
  RandomBlocks reserve(std::uint64_t n_blocks) {
    std::uint64_t first = state_.position;
    if (shard_.total_rows > 0) {
      if (shard_.rows == 0) return RandomBlocks(state_.seed, state_.stream, first);
      const std::uint64_t per_row = n_blocks / shard_.rows;
      check_shard(per_row * shard_.rows == n_blocks);
      first += shard_.first_row * per_row;
      n_blocks = per_row * shard_.total_rows;
    }
    state_.position += n_blocks;
    return RandomBlocks(state_.seed, state_.stream, first);
  }
  // Reserves blocks for numbers that every row (and every process) shares.
  RandomBlocks reserve_shared(std::uint64_t n_blocks) {
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
  struct Shard {
    std::uint64_t first_row = 0, rows = 0, total_rows = 0;  // total 0: not sharded
  };
  // Reserves blocks for `count` numbers, `per_block` to a block, and returns
  // them with the index, in the whole draw, of this process's first number.
  std::pair<RandomBlocks, std::uint64_t> reserve_values(std::uint64_t count,
                                                        std::uint64_t per_block);
  static void check_shard(bool whole_rows);

  State state_;
  Shard shard_;
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
  round_seeds = 13,  // spending.hpp: the seed of each annealing round after the first
};

inline RandomStream make_stream(std::uint64_t seed, StreamId id) {
  return RandomStream(seed, static_cast<std::uint64_t>(id));
}

}  // namespace logz
