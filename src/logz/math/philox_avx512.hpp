// Philox4x32-10 for 16 counters at once with AVX-512 (dispatched at run time
// by RandomBlocks::uniform_floats; random.hpp). Same words as Random123's
// scalar philox4x32, as uniform floats (word >> 8) * 2^-24, block by block.
#pragma once

#include <cstddef>
#include <cstdint>

namespace logz::detail {

void philox_uniform_floats_avx512(std::uint64_t seed, std::uint64_t stream,
                                  std::uint64_t first_counter, std::size_t n_blocks, float* out);

}  // namespace logz::detail
