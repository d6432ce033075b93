#include "logz/models/potts.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

#include "logz/error.hpp"

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

template <int Width>
inline void add_row(float* __restrict out, const float* __restrict row, Index runtime_width) {
  const Index width = Width > 0 ? Width : runtime_width;
#pragma omp simd
  for (Index a = 0; a < width; ++a)
    out[a] += row[a];
}

// J with every row padded: padded[((j L + i) q + b) w + a] = J_ji(b, a) = J_ij(a, b).
void pad_couplings(const float* j, Index sites, Index q, Index w, std::vector<float>& padded) {
  // Every entry is written (no zero fill first: at a family's size that is
  // tens of MB of memory traffic per evaluation).
  padded.resize(static_cast<std::size_t>(sites * sites * q * w));
  float* out = padded.data();
#pragma omp parallel for schedule(static) if (sites * sites * q * q > kParallelWork)
  for (Index row = 0; row < sites * sites * q; ++row) {
    std::copy(j + row * q, j + row * q + q, out + row * w);
    std::fill(out + row * w + q, out + (row + 1) * w, 0.0f);
  }
}

// fields[(i n + r) w + a] = sum_{j != i} J_ij(a, x_rj), in tasks of one site
// and a chunk of rows: each row's w sums stay in registers while the other
// sites' rows of J (site i's blocks, a few hundred KB: the L2 cache) are added
// to them, and are stored once.
template <int Width>
void coupling_fields_kernel(const float* padded, const std::uint8_t* codes, Index sites, Index q,
                            Index w, Index n, float* fields) {
  constexpr Index kChunk = 128;
  const Index chunks = (n + kChunk - 1) / kChunk, block = q * w;
#pragma omp parallel for schedule(dynamic) if (n * sites * sites * q > kParallelWork)
  for (Index task = 0; task < sites * chunks; ++task) {
    const Index i = task / chunks, first = (task % chunks) * kChunk;
    const Index last = std::min(n, first + kChunk);
    if constexpr (Width > 0) {
      for (Index r = first; r < last; ++r) {
        float sum[Width] = {};
        for (Index j = 0; j < sites; ++j) {
          if (j == i) continue;
          const float* row = padded + (j * sites + i) * block + codes[j * n + r] * Width;
#pragma omp simd
          for (Index a = 0; a < Width; ++a)
            sum[a] += row[a];
        }
        std::copy(sum, sum + Width, fields + (i * n + r) * Width);
      }
    } else {
      float* f = fields + (i * n + first) * w;
      std::fill(f, f + (last - first) * w, 0.0f);
      for (Index j = 0; j < sites; ++j) {
        if (j == i) continue;
        const float* rows = padded + (j * sites + i) * block;  // row b: J_ij(., b)
        const std::uint8_t* cj = codes + j * n;
        for (Index r = first; r < last; ++r)
          add_row<Width>(f + (r - first) * w, rows + cj[r] * w, w);
      }
    }
  }
}

// u[((l L + k) q + t) w + s] = sum_r residual[(k n + r) w + s] [x_rl = t], l != k.
// One task per pair (k, l): its q x w accumulators stay in the L1 cache while
// the rows of site k's residuals stream past.
template <int Width>
void residual_statistics_kernel(const float* residual, const std::uint8_t* codes, Index sites,
                                Index q, Index w, Index n, float* u) {
  const Index block = q * w;
#pragma omp parallel for schedule(dynamic, 8) if (n * sites * sites * q > kParallelWork)
  for (Index task = 0; task < sites * sites; ++task) {
    const Index k = task / sites, l = task % sites;
    float* b = u + (l * sites + k) * block;
    std::fill(b, b + block, 0.0f);
    if (l == k) continue;
    const float* rk = residual + k * n * w;
    const std::uint8_t* cl = codes + l * n;
    for (Index r = 0; r < n; ++r)
      add_row<Width>(b + cl[r] * w, rk + r * w, w);
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

}  // namespace

void PottsModel::site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const {
  check_codes_fit(x, n_sites_);
  const Index n = x.rows(), q = n_states_, w = padded_width(q);
  assert(out.rows() == n && out.cols() == n_sites_ * q);
  const std::vector<std::uint8_t> codes = site_major_codes(x);
  // Scratch reused across calls: fresh buffers of this size cost page faults
  // each time. (thread_local: named by pointer inside the parallel loops.)
  thread_local std::vector<float> padded, fields;
  pad_couplings(J().data(), n_sites_, q, w, padded);
  fields.resize(static_cast<std::size_t>(n_sites_ * n * w));
  dispatch_width<CouplingFields>(w, static_cast<const float*>(padded.data()), codes.data(),
                                 n_sites_, q, w, n, fields.data());
  const float* hp = h().data();
  const float* field_data = fields.data();
  // F(x^(i<-a)) - F(x) = -(z_i(a) - z_i(x_i)), z_i = h_i + the coupling field.
#pragma omp parallel for schedule(static) if (n * n_sites_ * q > kParallelWork)
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < n_sites_; ++i) {
      const float* f = field_data + (i * n + r) * w;
      const Index current = codes[static_cast<std::size_t>(i * n + r)];
      const float z_current = hp[i * q + current] + f[current];
      float* o = &out(r, i * q);
      for (Index a = 0; a < q; ++a)
        o[a] = z_current - (hp[i * q + a] + f[a]);
      o[current] = 0.0f;
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
  thread_local std::vector<float> residual, u;
  residual.resize(static_cast<std::size_t>(sites * n * w));  // every entry written below
  u.resize(static_cast<std::size_t>(sites * sites * q * w));
  float* residual_data = residual.data();
  float* u_data = u.data();
  float* gh = gradient.tensor("h").data();
  const float s = static_cast<float>(scale);
#pragma omp parallel for schedule(static) if (n * sites * q > kParallelWork)
  for (Index i = 0; i < sites; ++i) {
    for (Index r = 0; r < n; ++r) {
      float* out = residual_data + (i * n + r) * w;
      float total = 0.0f;
      for (Index a = 0; a < q; ++a) {
        out[a] = coefficients(r, i * q + a);
        total += out[a];
      }
      std::fill(out + q, out + w, 0.0f);
      out[codes[static_cast<std::size_t>(i * n + r)]] -= total;
      for (Index a = 0; a < q; ++a)
        gh[i * q + a] -= s * out[a];
    }
  }
  // U[l][k][t][s] = sum_r residual[k][r][s] [x_rl = t] (thread k writes the blocks (., k)),
  // then the pair (k, l)'s gradient at (s, t) is -(U[l][k][t][s] + U[k][l][s][t]).
  dispatch_width<ResidualStatistics>(w, static_cast<const float*>(residual_data), codes.data(),
                                     sites, q, w, n, u_data);
  float* g = gradient.tensor("J").data();
  const Index block = q * w;
#pragma omp parallel for schedule(dynamic) if (sites * sites * q * q > kParallelWork)
  for (Index k = 0; k < sites; ++k) {
    for (Index l = k + 1; l < sites; ++l) {
      const float* ulk = u_data + (l * sites + k) * block;
      const float* ukl = u_data + (k * sites + l) * block;
      float* gkl = g + block_offset(k, l);
      float* glk = g + block_offset(l, k);
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
