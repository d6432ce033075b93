// Internal to the exact estimators (estimators/exact_*.cpp): sums over every
// state of a model, walked in blocks, that come out the same bits for any
// number of threads or MPI ranks.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/math/matrix.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz::enumeration {

// States per block of a walk (at most).
constexpr int kBlockBits = 14;
// No enumeration goes beyond 2^62 states, whatever the limit.
constexpr int kMostBits = 62;

// The moments are summed in this many groups of blocks (fewer when there are
// fewer blocks): enough to keep threads and ranks busy, few enough that
// gathering a group's sums stays cheap.
constexpr std::int64_t kMomentGroups = 64;

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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

}  // namespace logz::enumeration
