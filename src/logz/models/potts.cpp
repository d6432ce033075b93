#include "logz/models/potts.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

// Work below this many multiply-adds stays on one thread.
constexpr Index kParallelWork = 1 << 16;

void check_codes_fit(ConstMatrixRef x, Index sites) {
  assert(x.cols() == sites);
  (void)x;
  (void)sites;
}

}  // namespace

PottsModel::PottsModel(Index n_sites, Index n_states) : n_sites_(n_sites), n_states_(n_states) {
  assert(n_sites > 0 && n_states >= 2 && n_states <= 255);
  parameters_.add("J", {n_sites, n_sites, n_states, n_states}, /*decay=*/true);
  parameters_.add("h", {n_sites, n_states}, /*decay=*/false);
}

std::unique_ptr<EnergyModel> PottsModel::clone() const {
  return std::make_unique<PottsModel>(*this);
}

void PottsModel::initialize(std::optional<ConstMatrixRef> data, std::span<const double> weights) {
  std::fill(J().begin(), J().end(), 0.0f);
  if (data && data->rows() > 0) {
    const VectorF frequencies = site_log_frequencies(*data, n_states_, weights);
    std::copy(frequencies.data(), frequencies.data() + frequencies.size(), h().begin());
    center_sites(h(), n_states_);
  } else {
    std::fill(h().begin(), h().end(), 0.0f);
  }
}

void PottsModel::free_energy(ConstMatrixRef x, std::span<double> out) const {
  const PathPoint point{};
  std::vector<std::vector<double>> values;
  log_unnormalized(x, std::span<const PathPoint>(&point, 1), values);
  for (std::size_t r = 0; r < out.size(); ++r)
    out[r] = -values[0][r];
}

void PottsModel::log_unnormalized(ConstMatrixRef x, std::span<const PathPoint> points,
                                  std::vector<std::vector<double>>& out) const {
  check_codes_fit(x, n_sites_);
  const Index n = x.rows(), q = n_states_;
  std::vector<double> negative_energy(static_cast<std::size_t>(n));
  const float* hp = h().data();
  const float* jp = J().data();
#pragma omp parallel for schedule(static) if (n * n_sites_ * n_sites_ > kParallelWork)
  for (Index r = 0; r < n; ++r) {
    double value = 0.0;
    for (Index i = 0; i < n_sites_; ++i) {
      const Index a = state_of(x(r, i));
      value += hp[i * q + a];
      const float* row = jp + (i * n_sites_) * q * q + a * q;  // block (i, j) starts q^2 j later
      float pairs = 0.0f;
      for (Index j = i + 1; j < n_sites_; ++j)
        pairs += row[j * q * q + state_of(x(r, j))];
      value += pairs;
    }
    negative_energy[static_cast<std::size_t>(r)] = value;
  }
  out.resize(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    const double beta = points[k].beta;
    const VectorF* base = points[k].base_visible_bias;
    out[k].resize(negative_energy.size());
    for (Index r = 0; r < n; ++r) {
      double base_term = 0.0;
      if (base != nullptr && beta != 1.0) {
        for (Index i = 0; i < n_sites_; ++i)
          base_term += (*base)(i * q + state_of(x(r, i)));
      }
      out[k][static_cast<std::size_t>(r)] =
          beta * negative_energy[static_cast<std::size_t>(r)] + (1.0 - beta) * base_term;
    }
  }
}

VectorF PottsModel::model_base() const {
  return Eigen::Map<const VectorF>(h().data(), n_sites_ * n_states_);
}

double PottsModel::base_log_partition(const VectorF& base_visible_bias) const {
  return categorical_base_log_partition(&base_visible_bias, n_sites_, n_states_);
}

void PottsModel::draw_base(const VectorF* base_visible_bias, MatrixRef out,
                           RandomStream& stream) const {
  draw_categorical_base(base_visible_bias, n_states_, out, stream);
}

void add_potts_statistics(ConstMatrixRef x, std::span<const double> weights, double scale,
                          Index n_states, ParameterVector& gradient) {
  const Index n = x.rows(), sites = x.cols(), q = n_states;
  assert(weights.empty() || static_cast<Index>(weights.size()) == n);
  const std::vector<std::uint8_t> codes = site_major_codes(x);
  std::vector<float> w(static_cast<std::size_t>(n));
  for (Index r = 0; r < n; ++r) {
    w[static_cast<std::size_t>(r)] =
        static_cast<float>(scale * (weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)]));
  }
  float* g = gradient.tensor("J").data();
  float* gh = gradient.tensor("h").data();
#pragma omp parallel for schedule(dynamic) if (n * sites * sites > kParallelWork)
  for (Index i = 0; i < sites; ++i) {
    const std::uint8_t* ci = codes.data() + i * n;
    for (Index r = 0; r < n; ++r)
      gh[i * q + ci[r]] += w[static_cast<std::size_t>(r)];
    for (Index j = 0; j < sites; ++j) {
      if (j == i) continue;
      const std::uint8_t* cj = codes.data() + j * n;
      float* block = g + (i * sites + j) * q * q;
      for (Index r = 0; r < n; ++r)
        block[ci[r] * q + cj[r]] += w[static_cast<std::size_t>(r)];
    }
  }
}

void PottsModel::add_free_energy_gradient(ConstMatrixRef x, double scale,
                                          ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  add_potts_statistics(x, {}, -scale, n_states_, gradient);
}

void PottsModel::add_weighted_free_energy_gradient(ConstMatrixRef x,
                                                   std::span<const double> weights,
                                                   ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  add_potts_statistics(x, weights, -1.0, n_states_, gradient);
}

void PottsModel::start_chains(ConstMatrixRef x, ChainState& state, RandomStream& /*stream*/) const {
  state.visible = x;
  state.visible_probability.resize(0, 0);
  state.hidden.resize(0, 0);
  state.hidden_probability.resize(0, 0);
}

void PottsModel::gibbs_sweep(ChainState& state, RandomStream& stream,
                             bool /*sample_hidden*/) const {
  sweep_visible(state.visible, stream, PathPoint{});
}

void PottsModel::add_chain_gradient(const ChainState& state, double scale,
                                    ParameterVector& gradient) const {
  add_free_energy_gradient(state.visible, scale, gradient);
}

void PottsModel::sweep_visible(MatrixRef x, RandomStream& stream, PathPoint at) const {
  check_codes_fit(x, n_sites_);
  const Index m = x.rows(), q = n_states_;
  const float beta = at.beta;
  const VectorF* base = at.base_visible_bias;
  std::vector<float> u(static_cast<std::size_t>(m));
  const float* hp = h().data();
  const float* jp = J().data();
  const Index qq = q * q;
  for (Index i = 0; i < n_sites_; ++i) {
    stream.uniform(u);
#pragma omp parallel for schedule(static) if (m * n_sites_ * q > kParallelWork)
    for (Index r = 0; r < m; ++r) {
      float z[256];
      for (Index a = 0; a < q; ++a)
        z[a] = hp[i * q + a];
      for (Index j = 0; j < n_sites_; ++j) {
        if (j == i) continue;
        const float* row = jp + (j * n_sites_ + i) * qq + state_of(x(r, j)) * q;
#pragma omp simd
        for (Index a = 0; a < q; ++a)
          z[a] += row[a];
      }
      for (Index a = 0; a < q; ++a) {
        z[a] *= beta;
        if (base != nullptr) z[a] += (1.0f - beta) * (*base)(i * q + a);
      }
      const Index state = draw_state(z, q, u[static_cast<std::size_t>(r)]);
      x(r, i) = static_cast<float>(state);
    }
  }
}

namespace {

// The kernels below add rows of q numbers (a state's couplings to the q states
// of another site) into rows of q accumulators, L^2 n times per pass. Rows
// are padded to a multiple of 8 floats (zeros beyond q) and the row length is
// a compile-time constant for the common widths, so that the additions are
// whole vector instructions with no scalar remainder (q = 21, the protein
// alphabet, is 24 wide: one AVX-512 and one AVX2 instruction).
Index padded_width(Index q) {
  return (q + 7) / 8 * 8;
}

// `count` floats of `buffer`, starting at a 64-byte boundary: padded rows
// (a multiple of 32 bytes) then never straddle a cache line. (A vector's own
// storage is only 16-byte aligned, and half the row loads were split.)
float* aligned_scratch(std::vector<float>& buffer, std::size_t count) {
  buffer.resize(count + 16);
  const auto address = reinterpret_cast<std::uintptr_t>(buffer.data());
  return buffer.data() + ((64 - address % 64) % 64) / sizeof(float);
}

template <int Width>
inline void add_row(float* __restrict out, const float* __restrict row, Index runtime_width) {
  const Index width = Width > 0 ? Width : runtime_width;
#pragma omp simd
  for (Index a = 0; a < width; ++a)
    out[a] += row[a];
}

// A row of Width floats (a multiple of 8) held as Width / 8 vectors of GCC's
// and Clang's vector extension: whole AVX registers (pairs of SSE ones on
// x86-64-v2), so that a running sum stays in registers. (Plain float arrays
// went through the stack, and their 16-byte stores stalled the 32-byte
// loads that read them back.)
template <int Width>
struct RegisterRow {
  static constexpr int kVectors = Width / 8;
  Float8 v[kVectors];

  static RegisterRow zero() {
    RegisterRow r;
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k)
      r.v[k] = Float8{};
    return r;
  }
  static RegisterRow load(const float* p) {
    RegisterRow r;
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k)
      std::memcpy(&r.v[k], p + 8 * k, sizeof(Float8));
    return r;
  }
  void add(const float* p) {
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k) {
      Float8 x;
      std::memcpy(&x, p + 8 * k, sizeof(Float8));
      v[k] += x;
    }
  }
  void add(const RegisterRow& other) {
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k)
      v[k] += other.v[k];
  }
  void store(float* p) const {
#pragma GCC unroll 8
    for (int k = 0; k < kVectors; ++k)
      std::memcpy(p + 8 * k, &v[k], sizeof(Float8));
  }
};

// J with every row padded and the blocks of each site's couplings to the
// others side by side: padded[((i L + j) q + b) w + a] = J_ji(b, a) = J_ij(a, b),
// block (j, i) of J in slot (i, j), so that the kernel's group of sites j for
// one site i is one contiguous run of memory.
void pad_couplings(const float* j, Index sites, Index q, Index w, float* out) {
  // Every entry is written (no zero fill first: at a family's size that is
  // tens of MB of memory traffic per evaluation).
#pragma omp parallel for schedule(static) if (sites * sites * q * q > kParallelWork)
  for (Index slot = 0; slot < sites * sites; ++slot) {
    const Index i = slot / sites, other = slot % sites;
    const float* block = j + (other * sites + i) * q * q;
    for (Index b = 0; b < q; ++b) {
      float* row = out + (slot * q + b) * w;
      std::copy(block + b * q, block + (b + 1) * q, row);
      std::fill(row + q, row + w, 0.0f);
    }
  }
}

// One row's differences at site i, from the site's fields h and coupling
// fields f: D_a = F(x^(i<-a)) - F(x) = -(z_i(a) - z_i(x_i)), z_i = h_i + f.
inline void site_differences(const float* h, const float* f, Index q, Index current, float* d) {
  const float z_current = h[current] + f[current];
  for (Index a = 0; a < q; ++a)
    d[a] = z_current - (h[a] + f[a]);
  d[current] = 0.0f;
}

// One row's residual at site i from its coefficients c: out[s] = c_s -
// [x_i = s] sum_a c_a (zeros from q to w), whose part of the field gradient
// is taken here: gh[a] -= scale out[a].
inline void site_residual(const float* c, Index q, Index w, Index current, float scale, float* out,
                          float* gh) {
  float total = 0.0f;
  for (Index a = 0; a < q; ++a) {
    out[a] = c[a];
    total += out[a];
  }
  std::fill(out + q, out + w, 0.0f);
  out[current] -= total;
  for (Index a = 0; a < q; ++a)
    gh[a] -= scale * out[a];
}

// Both kernels below go over the other sites in groups of kGroup, whose
// blocks (kGroup x q x w floats, 16 KB for proteins, contiguous) stay in the
// L1 cache while a run of rows uses them; ungrouped, the statistics re-read
// all of a site's residuals once per other site.
constexpr Index kGroup = 8;

// f[(r - first) Width + a] = sum_{j != i} J_ij(a, x_rj) for the rows [first,
// last): for each group of sites j, each row's Width sums are loaded into
// registers, the group's rows of J added, and stored back, the rows' fields
// (up to kFieldRows rows of Width) staying in the L1 cache with the group's
// blocks. The sums run over j in order, as they did ungrouped: the same bits.
constexpr Index kFieldRows = 128;  // 12 KB of fields for proteins
template <int Width>
void site_fields(const float* padded, const std::uint8_t* codes, Index sites, Index q, Index i,
                 Index n, Index first, Index last, float* f) {
  const Index block = q * Width;
  const float* blocks = padded + i * sites * block;
  for (Index group = 0; group < sites; group += kGroup) {
    const Index end = std::min(sites, group + kGroup);
    const auto start = [&](Index r) {
      return group == 0 ? RegisterRow<Width>::zero()
                        : RegisterRow<Width>::load(f + (r - first) * Width);
    };
    // Two rows at a time: each sum is a chain of dependent additions, and
    // two chains keep the adder busy while one waits on its last result.
    Index r = first;
    for (; r + 1 < last; r += 2) {
      auto sum0 = start(r), sum1 = start(r + 1);
      for (Index j = group; j < end; ++j) {
        if (j == i) continue;
        const std::uint8_t* c = codes + j * n + r;
        sum0.add(blocks + j * block + c[0] * Width);
        sum1.add(blocks + j * block + c[1] * Width);
      }
      sum0.store(f + (r - first) * Width);
      sum1.store(f + (r + 1 - first) * Width);
    }
    if (r < last) {
      auto sum = start(r);
      for (Index j = group; j < end; ++j) {
        if (j == i) continue;
        sum.add(blocks + j * block + codes[j * n + r] * Width);
      }
      sum.store(f + (r - first) * Width);
    }
  }
}

// fields[(i n + r) w + a] = sum_{j != i} J_ij(a, x_rj), in tasks of one site
// and a chunk of rows.
template <int Width>
void coupling_fields_kernel(const float* padded, const std::uint8_t* codes, Index sites, Index q,
                            Index w, Index n, float* fields) {
  const Index chunks = (n + kFieldRows - 1) / kFieldRows, block = q * w;
#pragma omp parallel for schedule(dynamic) if (n * sites * sites * q > kParallelWork)
  for (Index task = 0; task < sites * chunks; ++task) {
    const Index i = task / chunks, first = (task % chunks) * kFieldRows;
    const Index last = std::min(n, first + kFieldRows);
    float* f = fields + (i * n + first) * w;
    if constexpr (Width > 0) {
      site_fields<Width>(padded, codes, sites, q, i, n, first, last, f);
    } else {
      std::fill(f, f + (last - first) * w, 0.0f);
      for (Index j = 0; j < sites; ++j) {
        if (j == i) continue;
        const float* rows = padded + (i * sites + j) * block;  // row b: J_ij(., b)
        const std::uint8_t* cj = codes + j * n;
        for (Index r = first; r < last; ++r)
          add_row<Width>(f + (r - first) * w, rows + cj[r] * w, w);
      }
    }
  }
}

// The rows of each chunk of kSortRows sorted by their state at each site
// (a counting sort, stable): rows[(c L + l) kSortRows + p] is the offset in
// chunk c of its p-th row by x_l, and the rows in state t are the offsets
// start[(c L + l)(q + 1) + t] up to the next start.
constexpr Index kSortRows = 256;  // offsets fit in a byte
struct RowsByState {
  std::vector<std::uint8_t> rows;
  std::vector<std::uint16_t> start;
  Index chunks = 0;

  RowsByState(const std::uint8_t* codes, Index sites, Index q, Index n)
      : rows(static_cast<std::size_t>(((n + kSortRows - 1) / kSortRows) * sites * kSortRows)),
        start(static_cast<std::size_t>(((n + kSortRows - 1) / kSortRows) * sites * (q + 1))),
        chunks((n + kSortRows - 1) / kSortRows) {
#pragma omp parallel for schedule(static) if (n * sites > kParallelWork)
    for (Index task = 0; task < chunks * sites; ++task) {
      const Index c = task / sites, l = task % sites;
      const Index first = c * kSortRows, count = std::min(kSortRows, n - first);
      const std::uint8_t* x = codes + l * n + first;
      std::uint16_t* s = start.data() + task * (q + 1);
      std::fill(s, s + q + 1, std::uint16_t{0});
      for (Index p = 0; p < count; ++p)
        ++s[x[p] + 1];
      for (Index t = 0; t < q; ++t)
        s[t + 1] = static_cast<std::uint16_t>(s[t + 1] + s[t]);
      std::uint16_t next[256];
      std::copy(s, s + q, next);
      std::uint8_t* out = rows.data() + task * kSortRows;
      for (Index p = 0; p < count; ++p)
        out[next[x[p]]++] = static_cast<std::uint8_t>(p);
    }
  }
};

// ul[t Width + s] += sum_p rk[p Width + s] over the rows p of chunk c in
// state t at site l, for every state t: two states' sums side by side, each
// adding its rows in order.
template <int Width>
inline void add_chunk_statistics(const float* rk, const RowsByState& by_state, Index c, Index l,
                                 Index sites, Index q, float* ul) {
  const std::uint8_t* rows = by_state.rows.data() + (c * sites + l) * kSortRows;
  const std::uint16_t* start = by_state.start.data() + (c * sites + l) * (q + 1);
  Index t = 0;
  for (; t + 1 < q; t += 2) {
    auto sum0 = RegisterRow<Width>::load(ul + t * Width);
    auto sum1 = RegisterRow<Width>::load(ul + (t + 1) * Width);
    Index p0 = start[t], p1 = start[t + 1];
    const Index end0 = start[t + 1], end1 = start[t + 2];
    for (; p0 < end0 && p1 < end1; ++p0, ++p1) {
      sum0.add(rk + rows[p0] * Width);
      sum1.add(rk + rows[p1] * Width);
    }
    for (; p0 < end0; ++p0)
      sum0.add(rk + rows[p0] * Width);
    for (; p1 < end1; ++p1)
      sum1.add(rk + rows[p1] * Width);
    sum0.store(ul + t * Width);
    sum1.store(ul + (t + 1) * Width);
  }
  if (t < q) {
    auto sum = RegisterRow<Width>::load(ul + t * Width);
    for (Index p = start[t]; p < start[t + 1]; ++p)
      sum.add(rk + rows[p] * Width);
    sum.store(ul + t * Width);
  }
}

// u[((k L + l) q + t) w + s] = sum_r residual[(k n + r) w + s] [x_rl = t], l != k.
//
// One task per site k and group of sites l; the rows go by in chunks of
// kSortRows, whose residuals of site k (24 KB for proteins) stay in the L1
// cache with the group's accumulators (kGroup x q x w floats, 16 KB). Each
// accumulator row u[k][l][t] is loaded into registers once per chunk, the
// chunk's rows in state t at site l added to it (a gather, by RowsByState),
// and stored back: no store per row, where adding each row into its
// accumulator in memory was bound by the stores. Two states' sums run side by
// side, as two chains of dependent additions. Each sum adds its rows in the
// order of r, as before: the same bits as a pass over the rows in order.
template <int Width>
void residual_statistics_kernel(const float* residual, const std::uint8_t* codes, Index sites,
                                Index q, Index w, Index n, float* u) {
  const Index block = q * w, groups = (sites + kGroup - 1) / kGroup;
  std::optional<RowsByState> by_state;
  if constexpr (Width > 0) by_state.emplace(codes, sites, q, n);
#pragma omp parallel for schedule(dynamic) if (n * sites * sites * q > kParallelWork)
  for (Index task = 0; task < sites * groups; ++task) {
    const Index k = task / groups, group = (task % groups) * kGroup;
    const Index end = std::min(sites, group + kGroup);
    for (Index l = group; l < end; ++l) {
      float* b = u + (k * sites + l) * block;
      std::fill(b, b + block, 0.0f);
    }
    if constexpr (Width > 0) {
      for (Index c = 0; c < by_state->chunks; ++c) {
        const float* rk = residual + (k * n + c * kSortRows) * Width;
        for (Index l = group; l < end; ++l) {
          if (l != k)
            add_chunk_statistics<Width>(rk, *by_state, c, l, sites, q, u + (k * sites + l) * block);
        }
      }
    } else {
      const float* rk = residual + k * n * w;
      for (Index r = 0; r < n; ++r) {
        for (Index l = group; l < end; ++l) {
          if (l == k) continue;
          add_row<Width>(u + (k * sites + l) * block + codes[l * n + r] * w, rk + r * w, w);
        }
      }
    }
  }
}

template <template <int> class Kernel, typename... Args>
void dispatch_width(Index w, Args... args) {
  switch (w) {
    case 8:
      return Kernel<8>::run(args...);
    case 16:
      return Kernel<16>::run(args...);
    case 24:
      return Kernel<24>::run(args...);
    case 32:
      return Kernel<32>::run(args...);
    default:
      return Kernel<0>::run(args...);
  }
}
template <int Width>
struct CouplingFields {
  template <typename... Args>
  static void run(Args... args) {
    coupling_fields_kernel<Width>(args...);
  }
};
template <int Width>
struct ResidualStatistics {
  template <typename... Args>
  static void run(Args... args) {
    residual_statistics_kernel<Width>(args...);
  }
};

// The pair (k, l)'s gradient at (a, b) is -s (U[k][l][b][a] + U[l][k][a][b]),
// added to both of its places in g (the J tensor).
void add_pair_gradient(const float* u, Index sites, Index q, Index w, float s, float* g) {
  const Index block = q * w;
#pragma omp parallel for schedule(dynamic) if (sites * sites * q * q > kParallelWork)
  for (Index k = 0; k < sites; ++k) {
    for (Index l = k + 1; l < sites; ++l) {
      const float* ulk = u + (k * sites + l) * block;  // site k's residuals by x_l
      const float* ukl = u + (l * sites + k) * block;  // site l's by x_k
      float* gkl = g + (k * sites + l) * q * q;
      float* glk = g + (l * sites + k) * q * q;
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          const float value = -s * (ulk[b * w + a] + ukl[a * w + b]);
          gkl[a * q + b] += value;
          glk[b * q + a] += value;
        }
      }
    }
  }
}

// CategoricalModel::add_site_losses in one pass per site k, for a padded
// width: for each chunk of kSortRows rows, site k's fields (site_fields),
// then each row's differences D_k., its loss and coefficients (`site`), its
// residual (written over its fields), and the chunk's statistics U[k][.]
// (add_chunk_statistics) while the residuals are still in the L1 cache. The
// [n, L q] matrices of differences and coefficients and the [L, n, w]
// residuals of the unfused path are never written: at a family's size they
// were 130 MB of memory traffic per evaluation. Every number is computed as
// the unfused path computes it, in the same order: the same bits.
// site_loss[k n + r] receives row r's loss at site k; u is U.
template <int Width>
void fused_site_losses(const float* padded, const float* h, const std::uint8_t* codes, Index sites,
                       Index q, Index n, std::span<const double> scales, SiteLoss site,
                       double* site_loss, float* gh, float* u) {
  const Index block = q * Width;
  const RowsByState by_state(codes, sites, q, n);
#pragma omp parallel for schedule(dynamic) if (n * sites * sites * q > kParallelWork)
  for (Index k = 0; k < sites; ++k) {
    std::vector<float> buffer;
    float* chunk = aligned_scratch(buffer, static_cast<std::size_t>(kSortRows * Width));
    std::fill(u + k * sites * block, u + (k + 1) * sites * block, 0.0f);
    const float* hk = h + k * q;
    float* ghk = gh + k * q;
    float d[256], c[256];
    for (Index ci = 0; ci < by_state.chunks; ++ci) {
      const Index first = ci * kSortRows, last = std::min(n, first + kSortRows);
      for (Index part = first; part < last; part += kFieldRows) {
        site_fields<Width>(padded, codes, sites, q, k, n, part, std::min(last, part + kFieldRows),
                           chunk + (part - first) * Width);
      }
      for (Index r = first; r < last; ++r) {
        float* row = chunk + (r - first) * Width;
        const Index current = codes[k * n + r];
        site_differences(hk, row, q, current, d);
        site_loss[k * n + r] = site(d, q, scales[static_cast<std::size_t>(r)], c);
        site_residual(c, q, Width, current, 1.0f, row, ghk);  // over the row's fields
      }
      for (Index l = 0; l < sites; ++l) {
        if (l != k)
          add_chunk_statistics<Width>(chunk, by_state, ci, l, sites, q,
                                      u + (k * sites + l) * block);
      }
    }
  }
}

template <int Width>
struct FusedSiteLosses {
  template <typename... Args>
  static void run(Args... args) {
    // (No width 0: PottsModel::add_site_losses takes the unfused path first.)
    if constexpr (Width > 0) fused_site_losses<Width>(args...);
  }
};

}  // namespace

void PottsModel::site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const {
  check_codes_fit(x, n_sites_);
  const Index n = x.rows(), q = n_states_, w = padded_width(q);
  assert(out.rows() == n && out.cols() == n_sites_ * q);
  const std::vector<std::uint8_t> codes = site_major_codes(x);
  // Scratch reused across calls: fresh buffers of this size cost page faults
  // each time. (thread_local: named by pointer inside the parallel loops.)
  thread_local std::vector<float> padded_buffer, fields_buffer;
  float* padded =
      aligned_scratch(padded_buffer, static_cast<std::size_t>(n_sites_ * n_sites_ * q * w));
  float* fields = aligned_scratch(fields_buffer, static_cast<std::size_t>(n_sites_ * n * w));
  pad_couplings(J().data(), n_sites_, q, w, padded);
  dispatch_width<CouplingFields>(w, static_cast<const float*>(padded), codes.data(), n_sites_, q, w,
                                 n, fields);
  const float* hp = h().data();
  const float* field_data = fields;
#pragma omp parallel for schedule(static) if (n * n_sites_ * q > kParallelWork)
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < n_sites_; ++i) {
      site_differences(hp + i * q, field_data + (i * n + r) * w, q,
                       codes[static_cast<std::size_t>(i * n + r)], &out(r, i * q));
    }
  }
}

void PottsModel::add_site_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                   ParameterVector& gradient) const {
  check_codes_fit(x, n_sites_);
  assert(gradient.same_layout(parameters_));
  const Index n = x.rows(), q = n_states_, sites = n_sites_, w = padded_width(q);
  const std::vector<std::uint8_t> codes = site_major_codes(x);
  // residual[i][r][s] = c_{r,is} - [x_ri = s] sum_a c_{r,ia}: site i's part of
  // sum_a c_{r,ia} (dF(x^(i<-a)) - dF(x)) is -residual on the one-hot statistics.
  thread_local std::vector<float> residual_buffer, u_buffer;
  // (every entry of both is written below)
  float* residual_data = aligned_scratch(residual_buffer, static_cast<std::size_t>(sites * n * w));
  float* u_data = aligned_scratch(u_buffer, static_cast<std::size_t>(sites * sites * q * w));
  float* gh = gradient.tensor("h").data();
  const float s = static_cast<float>(scale);
#pragma omp parallel for schedule(static) if (n * sites * q > kParallelWork)
  for (Index i = 0; i < sites; ++i) {
    for (Index r = 0; r < n; ++r) {
      site_residual(coefficients.data() + r * coefficients.outerStride() + i * q, q, w, codes[static_cast<std::size_t>(i * n + r)], s,
                    residual_data + (i * n + r) * w, gh + i * q);
    }
  }
  // U[k][l][t][s] = sum_r residual[k][r][s] [x_rl = t] (tasks of site k write the blocks (k, .)),
  // then the pair (k, l)'s gradient at (s, t) is -(U[k][l][t][s] + U[l][k][s][t]).
  dispatch_width<ResidualStatistics>(w, static_cast<const float*>(residual_data), codes.data(),
                                     sites, q, w, n, u_data);
  add_pair_gradient(u_data, sites, q, w, s, gradient.tensor("J").data());
}

void PottsModel::add_site_losses(ConstMatrixRef x, std::span<const double> scales, SiteLoss site,
                                 std::span<double> losses, ParameterVector& gradient,
                                 SiteScratch& scratch) const {
  check_codes_fit(x, n_sites_);
  assert(gradient.same_layout(parameters_));
  const Index n = x.rows(), q = n_states_, sites = n_sites_, w = padded_width(q);
  if (w > 32) {  // no kernel of a fixed width: the unfused path
    CategoricalModel::add_site_losses(x, scales, site, losses, gradient, scratch);
    return;
  }
  const std::vector<std::uint8_t> codes = site_major_codes(x);
  thread_local std::vector<float> padded_buffer, u_buffer;
  thread_local std::vector<double> loss_buffer;
  float* padded = aligned_scratch(padded_buffer, static_cast<std::size_t>(sites * sites * q * w));
  float* u = aligned_scratch(u_buffer, static_cast<std::size_t>(sites * sites * q * w));
  loss_buffer.resize(static_cast<std::size_t>(sites * n));
  pad_couplings(J().data(), sites, q, w, padded);
  dispatch_width<FusedSiteLosses>(w, static_cast<const float*>(padded), h().data(),
                                  static_cast<const std::uint8_t*>(codes.data()), sites, q, n,
                                  scales, site, loss_buffer.data(), gradient.tensor("h").data(), u);
  // Each row's loss, summed over its sites in order (as site_losses does).
  const double* site_loss = loss_buffer.data();
#pragma omp parallel for schedule(static) if (n * sites > kParallelWork)
  for (Index r = 0; r < n; ++r) {
    double loss = 0.0;
    for (Index i = 0; i < sites; ++i)
      loss += site_loss[i * n + r];
    losses[static_cast<std::size_t>(r)] = loss;
  }
  add_pair_gradient(u, sites, q, w, 1.0f, gradient.tensor("J").data());
}

PottsModel PottsModel::zero_sum_gauge() const {
  const Index q = n_states_, sites = n_sites_;
  PottsModel gauged(sites, q);
  std::vector<double> h_shift(static_cast<std::size_t>(sites * q), 0.0);
  std::vector<double> row_mean(static_cast<std::size_t>(q)),
      column_mean(static_cast<std::size_t>(q));
  for (Index i = 0; i < sites; ++i) {
    for (Index j = 0; j < sites; ++j) {
      if (j == i) continue;
      const float* block = coupling_block(i, j);
      double total = 0.0;
      std::fill(row_mean.begin(), row_mean.end(), 0.0);
      std::fill(column_mean.begin(), column_mean.end(), 0.0);
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          row_mean[static_cast<std::size_t>(a)] += block[a * q + b] / static_cast<double>(q);
          column_mean[static_cast<std::size_t>(b)] += block[a * q + b] / static_cast<double>(q);
          total += block[a * q + b];
        }
      }
      const double mean = total / static_cast<double>(q * q);
      float* out = gauged.coupling_block(i, j);
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          out[a * q + b] =
              static_cast<float>(block[a * q + b] - row_mean[static_cast<std::size_t>(a)] -
                                 column_mean[static_cast<std::size_t>(b)] + mean);
        }
        // Site i absorbs the part of J_ij that depends on x_i alone.
        h_shift[static_cast<std::size_t>(i * q + a)] +=
            row_mean[static_cast<std::size_t>(a)] - mean;
      }
    }
  }
  for (Index i = 0; i < sites; ++i) {
    double mean = 0.0;
    for (Index a = 0; a < q; ++a)
      mean += field(i, a) / static_cast<double>(q);
    for (Index a = 0; a < q; ++a) {
      gauged.field(i, a) =
          static_cast<float>(field(i, a) - mean + h_shift[static_cast<std::size_t>(i * q + a)]);
    }
  }
  return gauged;
}

void PottsModel::check_couplings(const std::string& path) const {
  const Index q = n_states_;
  for (Index i = 0; i < n_sites_; ++i) {
    const float* diagonal = coupling_block(i, i);
    for (Index k = 0; k < q * q; ++k) {
      if (diagonal[k] != 0.0f) {
        throw FileError(path, fmt::format("J has a non-zero diagonal block: J[{}][{}][{}][{}] = {}",
                                          i, i, k / q, k % q, diagonal[k]));
      }
    }
    for (Index j = i + 1; j < n_sites_; ++j) {
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          if (coupling(i, j, a, b) != coupling(j, i, b, a)) {
            throw FileError(path, fmt::format("J is not symmetric: J[{}][{}][{}][{}] = {} but "
                                              "J[{}][{}][{}][{}] = {}",
                                              i, j, a, b, coupling(i, j, a, b), j, i, b, a,
                                              coupling(j, i, b, a)));
          }
        }
      }
    }
  }
}

}  // namespace logz
