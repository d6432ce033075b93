#include "logz/models/categorical.hpp"

#include <cassert>
#include <cmath>

#include "logz/math/log_space.hpp"

namespace logz {

void site_losses(ConstMatrixRef differences, Index q, std::span<const double> scales,
                 std::span<double> losses, MatrixF* coefficients, SiteLoss site) {
  const Index n = differences.rows(), sites = differences.cols() / q;
#pragma omp parallel for schedule(static) if (n * sites * q > 100000)
  for (Index r = 0; r < n; ++r) {
    double loss = 0.0;
    const double scale = scales.empty() ? 0.0 : scales[static_cast<std::size_t>(r)];
    for (Index i = 0; i < sites; ++i) {
      const float* d = differences.data() + r * differences.outerStride() + i * q;
      float* c = coefficients == nullptr
                     ? nullptr
                     : coefficients->data() + r * coefficients->outerStride() + i * q;
      loss += site(d, q, scale, c);
    }
    losses[static_cast<std::size_t>(r)] = loss;
  }
}

void CategoricalModel::add_site_losses(ConstMatrixRef x, std::span<const double> scales,
                                       SiteLoss site, std::span<double> losses,
                                       ParameterVector& gradient, SiteScratch& scratch) const {
  const Index q = n_states();
  scratch.differences.resize(x.rows(), x.cols() * q);
  scratch.coefficients.resize(x.rows(), x.cols() * q);
  site_free_energy_differences(x, scratch.differences);
  site_losses(scratch.differences, q, scales, losses, &scratch.coefficients, site);
  add_site_gradient(x, scratch.coefficients, 1.0, gradient);
}

std::vector<std::uint8_t> site_major_codes(ConstMatrixRef x) {
  const Index n = x.rows(), sites = x.cols();
  std::vector<std::uint8_t> codes(static_cast<std::size_t>(n * sites));
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < sites; ++i) {
      codes[static_cast<std::size_t>(i * n + r)] = static_cast<std::uint8_t>(state_of(x(r, i)));
    }
  }
  return codes;
}

std::optional<std::pair<Index, Index>> find_non_code(ConstMatrixRef x, Index q) {
  for (Index r = 0; r < x.rows(); ++r) {
    for (Index i = 0; i < x.cols(); ++i) {
      const float v = x(r, i);
      if (!(v >= 0.0f && v < static_cast<float>(q)) || v != std::floor(v)) return std::pair{r, i};
    }
  }
  return std::nullopt;
}

VectorF site_log_frequencies(ConstMatrixRef x, Index q, std::span<const double> weights) {
  const Index sites = x.cols();
  assert(weights.empty() || static_cast<Index>(weights.size()) == x.rows());
  VectorD counts = VectorD::Zero(sites * q);
  double total = 0.0;
  for (Index r = 0; r < x.rows(); ++r) {
    const double w = weights.empty() ? 1.0 : weights[static_cast<std::size_t>(r)];
    total += w;
    for (Index i = 0; i < sites; ++i)
      counts(i * q + state_of(x(r, i))) += w;
  }
  VectorF out(sites * q);
  for (Index k = 0; k < sites * q; ++k) {
    out(k) = static_cast<float>(std::log((counts(k) + 1.0) / (total + static_cast<double>(q))));
  }
  return out;
}

double categorical_base_log_partition(const VectorF* base, Index n_sites, Index q) {
  if (base == nullptr) return static_cast<double>(n_sites) * std::log(static_cast<double>(q));
  assert(base->size() == n_sites * q);
  double log_z = 0.0;
  std::vector<double> row(static_cast<std::size_t>(q));
  for (Index i = 0; i < n_sites; ++i) {
    for (Index a = 0; a < q; ++a)
      row[static_cast<std::size_t>(a)] = (*base)(i * q + a);
    log_z += log_sum_exp(row);
  }
  return log_z;
}

Index draw_state(float* logits, Index q, float u) {
  float top = logits[0];
  for (Index a = 1; a < q; ++a) top = std::fmax(top, logits[a]);
  float total = 0.0f;
  for (Index a = 0; a < q; ++a) {
    logits[a] = std::exp(logits[a] - top);
    total += logits[a];
  }
  // The first state whose cumulative weight exceeds u * total; the last
  // state when rounding leaves the sum short of it.
  const float target = u * total;
  float cumulative = 0.0f;
  for (Index a = 0; a < q; ++a) {
    cumulative += logits[a];
    if (target < cumulative) return a;
  }
  return q - 1;
}

void sample_categorical(MatrixRef logits, Index q, std::span<const float> uniforms, MatrixRef out) {
  const Index n = out.rows(), sites = out.cols();
  assert(logits.rows() == n && logits.cols() == sites * q);
  assert(static_cast<Index>(uniforms.size()) == n * sites);
#pragma omp parallel for schedule(static) if (n * sites * q > 100000)
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < sites; ++i) {
      float* z = &logits(r, i * q);
      const Index state = draw_state(z, q, uniforms[static_cast<std::size_t>(r * sites + i)]);
      out(r, i) = static_cast<float>(state);
    }
  }
}

void draw_categorical_base(const VectorF* base, Index q, MatrixRef out, RandomStream& stream) {
  const Index n = out.rows(), sites = out.cols();
  MatrixF logits(n, sites * q);
  if (base != nullptr) {
    logits = base->transpose().replicate(n, 1);
  } else {
    logits.setZero();
  }
  std::vector<float> u(static_cast<std::size_t>(n * sites));
  stream.uniform(u);
  sample_categorical(logits, q, u, out);
}

void center_sites(std::span<float> fields, Index q) {
  for (std::size_t first = 0; first + static_cast<std::size_t>(q) <= fields.size();
       first += static_cast<std::size_t>(q)) {
    const std::span<float> site = fields.subspan(first, static_cast<std::size_t>(q));
    double total = 0.0;
    for (const float f : site)
      total += f;
    const auto mean = static_cast<float>(total / static_cast<double>(q));
    for (float& f : site)
      f -= mean;
  }
}

}  // namespace logz
