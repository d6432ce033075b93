// Compiled with -mavx512f (see CMakeLists.txt); no standard-library templates
// here, for the reason given in gemm_avx512.cpp.
#include "logz/math/philox_avx512.hpp"

#include <immintrin.h>

namespace logz::detail {
namespace {

// hi and lo 32 bits of the 32 x 32 -> 64-bit products x * m in all 16 lanes.
inline void mulhilo(__m512i x, __m512i m, __m512i& hi, __m512i& lo) {
  const __m512i even = _mm512_mul_epu32(x, m);                          // lanes 0, 2, ...
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);    // lanes 1, 3, ...
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

}  // namespace

// Four groups of 16 counters go through the rounds together: one group's
// rounds are a chain of dependent multiplies, four chains keep the units busy.
constexpr int kGroups = 4;

void philox_uniform_floats_avx512(std::uint64_t seed, std::uint64_t stream,
                                  std::uint64_t first_counter, std::size_t n_blocks, float* out) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512 scale = _mm512_set1_ps(0x1p-24f);
  const __m512i low = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i high = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const __m512i stream_low = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream)));
  const __m512i stream_high = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream >> 32)));
  alignas(64) float spill[64];
  for (std::size_t done = 0; done < n_blocks; done += 16 * kGroups) {
    __m512i c0[kGroups], c1[kGroups], c2[kGroups], c3[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      const std::uint64_t base = first_counter + done + 16 * static_cast<std::uint64_t>(g);
      // Counter low words base + lane; the high word carries when they wrap.
      c0[g] = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base))), lane);
      const __mmask16 carry = _mm512_cmplt_epu32_mask(c0[g], lane);
      const __m512i high_word = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base >> 32)));
      c1[g] = _mm512_mask_add_epi32(high_word, carry, high_word, _mm512_set1_epi32(1));
      c2[g] = stream_low;
      c3[g] = stream_high;
    }
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0));
      const __m512i key1 = _mm512_set1_epi32(static_cast<int>(k1));
      for (int g = 0; g < kGroups; ++g) {
        __m512i hi0, lo0, hi1, lo1;
        mulhilo(c0[g], m0, hi0, lo0);
        mulhilo(c2[g], m1, hi1, lo1);
        c0[g] = _mm512_ternarylogic_epi32(hi1, c1[g], key0, 0x96);  // three-way xor
        c2[g] = _mm512_ternarylogic_epi32(hi0, c3[g], key1, 0x96);
        c1[g] = lo1;
        c3[g] = lo0;
      }
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    for (int g = 0; g < kGroups; ++g) {
      const std::size_t first = done + 16 * static_cast<std::size_t>(g);
      if (first >= n_blocks) break;
      const auto to_float = [&](__m512i w) {
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8)), scale);
      };
      const __m512 w0 = to_float(c0[g]), w1 = to_float(c1[g]), w2 = to_float(c2[g]), w3 = to_float(c3[g]);
      // Transpose words x blocks into block order: r_j's 128-bit lane L is block 4L + j.
      const __m512 t0 = _mm512_unpacklo_ps(w0, w1), t1 = _mm512_unpackhi_ps(w0, w1);
      const __m512 t2 = _mm512_unpacklo_ps(w2, w3), t3 = _mm512_unpackhi_ps(w2, w3);
      const __m512 r0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      const __m512 r1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      const __m512 r2 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      const __m512 r3 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      const __m512 x01 = _mm512_permutex2var_ps(r0, low, r1), x23 = _mm512_permutex2var_ps(r2, low, r3);
      const __m512 y01 = _mm512_permutex2var_ps(r0, high, r1), y23 = _mm512_permutex2var_ps(r2, high, r3);
      const std::size_t blocks = n_blocks - first < 16 ? n_blocks - first : 16;
      float* dst = blocks == 16 ? out + 4 * first : spill;
      _mm512_storeu_ps(dst, _mm512_shuffle_f32x4(x01, x23, 0x44));       // blocks 0-3
      _mm512_storeu_ps(dst + 16, _mm512_shuffle_f32x4(x01, x23, 0xEE));  // blocks 4-7
      _mm512_storeu_ps(dst + 32, _mm512_shuffle_f32x4(y01, y23, 0x44));  // blocks 8-11
      _mm512_storeu_ps(dst + 48, _mm512_shuffle_f32x4(y01, y23, 0xEE));  // blocks 12-15
      if (blocks < 16) {
        for (std::size_t i = 0; i < 4 * blocks; ++i) out[4 * first + i] = spill[i];
      }
    }
  }
}

}  // namespace logz::detail
