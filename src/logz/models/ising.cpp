#include "logz/models/ising.hpp"

#include <cassert>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

#include "logz/error.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/log_space.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {
namespace {

// Makes the coupling gradient exactly symmetric with a zero diagonal: the
// products that build it may round (i, j) and (j, i) differently, and a
// slightly asymmetric update would leave J asymmetric; the diagonal is no
// parameter (an optimizer that normalizes per entry, like Adam, would amplify
// any rounding left there).
void tidy_coupling_gradient(MatrixMap g) {
  g = (0.5f * (g + g.transpose())).eval();
  g.diagonal().setZero();
}

}  // namespace

IsingModel::IsingModel(Index n_units) : n_units_(n_units) {
  assert(n_units > 0);
  parameters_.add("J", {n_units, n_units}, /*decay=*/true);
  parameters_.add("h", {n_units}, /*decay=*/false);
}

std::unique_ptr<EnergyModel> IsingModel::clone() const { return std::make_unique<IsingModel>(*this); }

IsingModel IsingModel::from_spin_parameters(const MatrixF& spin_couplings, const VectorF& spin_fields) {
  IsingModel model(spin_fields.size());
  model.J() = 4.0f * spin_couplings;
  model.J().diagonal().setZero();
  MatrixF off_diagonal = spin_couplings;
  off_diagonal.diagonal().setZero();
  model.h() = 2.0f * spin_fields - 2.0f * off_diagonal.rowwise().sum();
  return model;
}

void IsingModel::initialize(std::optional<ConstMatrixRef> data) {
  J().setZero();
  if (data && data->rows() > 0) {
    h() = visible_log_odds(*data);
  } else {
    h().setZero();
  }
}

void IsingModel::free_energy(ConstMatrixRef x, std::span<double> out) const {
  const PathPoint point{};
  std::vector<std::vector<double>> values;
  log_unnormalized(x, std::span<const PathPoint>(&point, 1), values);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = -values[0][i];
}

void IsingModel::log_unnormalized(ConstMatrixRef x, std::span<const PathPoint> points,
                                  std::vector<std::vector<double>>& out) const {
  // -E(x) = h.x + 1/2 x^T J x, the quadratic term from one product X J.
  MatrixF fields(x.rows(), n_units_);
  gemm(1.0f, x, Transpose::no, J(), Transpose::no, 0.0f, fields);
  std::vector<double> negative_energy(static_cast<std::size_t>(x.rows()));
  for (Index r = 0; r < x.rows(); ++r) {
    double quadratic = 0.0, linear = 0.0;
    for (Index i = 0; i < n_units_; ++i) {
      if (x(r, i) != 0.0f) {
        quadratic += fields(r, i);
        linear += h()(i);
      }
    }
    negative_energy[static_cast<std::size_t>(r)] = linear + 0.5 * quadratic;
  }
  out.resize(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    const double beta = points[k].beta;
    out[k].resize(negative_energy.size());
    VectorF with_a = VectorF::Zero(x.rows());
    if (points[k].base_visible_bias != nullptr) with_a = x * *points[k].base_visible_bias;
    for (std::size_t r = 0; r < negative_energy.size(); ++r) {
      out[k][r] = beta * negative_energy[r] + (1.0 - beta) * with_a(static_cast<Index>(r));
    }
  }
}

double IsingModel::base_log_partition(const VectorF& base_visible_bias) const {
  double log_z = 0.0;
  for (Index i = 0; i < base_visible_bias.size(); ++i) log_z += softplus(static_cast<double>(base_visible_bias(i)));
  return log_z;
}

void IsingModel::add_free_energy_gradient(ConstMatrixRef x, double scale,
                                          ParameterVector& gradient) const {
  assert(gradient.same_layout(parameters_));
  const float s = static_cast<float>(scale);
  MatrixMap g = gradient.matrix("J");
  gemm(-s, x, Transpose::yes, x, Transpose::no, 1.0f, g);  // -x_i x_j, summed
  tidy_coupling_gradient(g);
  gradient.vector("h") -= s * x.colwise().sum().transpose();
}

void IsingModel::start_chains(ConstMatrixRef x, ChainState& state, RandomStream& /*stream*/) const {
  state.visible = x;
  state.visible_probability.resize(0, 0);
  state.hidden.resize(0, 0);
  state.hidden_probability.resize(0, 0);
}

void IsingModel::gibbs_sweep(ChainState& state, RandomStream& stream, bool /*sample_hidden*/) const {
  sweep_visible(state.visible, stream, PathPoint{});
}

void IsingModel::add_chain_gradient(const ChainState& state, double scale,
                                    ParameterVector& gradient) const {
  add_free_energy_gradient(state.visible, scale, gradient);
}

void IsingModel::sweep_visible(MatrixRef x, RandomStream& stream, PathPoint at) const {
  const Index m = x.rows();
  const float beta = at.beta;
  // fields(r, i) = (1 - beta) a_i + beta (h_i + (J x_r)_i), kept current as units change.
  MatrixF fields(m, n_units_);
  gemm(beta, x, Transpose::no, J(), Transpose::no, 0.0f, fields);
  VectorF bias = beta * h();
  if (at.base_visible_bias != nullptr) bias += (1.0f - beta) * *at.base_visible_bias;
  fields.rowwise() += bias.transpose();

  std::vector<Index> order(static_cast<std::size_t>(n_units_));
  std::iota(order.begin(), order.end(), Index{0});
  if (scan_ == Scan::random) {
    for (Index i = n_units_ - 1; i > 0; --i) {
      std::swap(order[static_cast<std::size_t>(i)],
                order[stream.below(static_cast<std::uint64_t>(i + 1))]);
    }
  }
  std::vector<float> u(static_cast<std::size_t>(m));
  VectorF change(m);
  for (const Index i : order) {
    stream.uniform(u);
    bool any = false;
    for (Index r = 0; r < m; ++r) {
      const float p = 1.0f / (1.0f + std::exp(-fields(r, i)));
      const float next = u[static_cast<std::size_t>(r)] < p ? 1.0f : 0.0f;
      change(r) = next - x(r, i);
      any = any || change(r) != 0.0f;
      x(r, i) = next;
    }
    if (any) fields.noalias() += (beta * change) * J().row(i);
  }
}

void IsingModel::flip_free_energy_differences(ConstMatrixRef x, MatrixRef out) const {
  // F(x^(i)) - F(x) = -s_i (h_i + (J x)_i), s_i = 1 - 2 x_i.
  gemm(1.0f, x, Transpose::no, J(), Transpose::no, 0.0f, out);
  out.rowwise() += h().transpose();
  out.array() *= -(1.0f - 2.0f * x.array());
}

void IsingModel::add_flip_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                   ParameterVector& gradient) const {
  // sum_i c_i (dF(x^(i)) - dF(x)): for h, -(c o s); for the pair (k, l),
  // -(u_k x_l + u_l x_k) with u = c o s.
  const MatrixF u = coefficients.array() * (1.0f - 2.0f * x.array());
  const float s = static_cast<float>(scale);
  MatrixMap g = gradient.matrix("J");
  gemm(-s, u, Transpose::yes, x, Transpose::no, 1.0f, g);
  gemm(-s, x, Transpose::yes, u, Transpose::no, 1.0f, g);
  tidy_coupling_gradient(g);
  gradient.vector("h") -= s * u.colwise().sum().transpose();
}

void IsingModel::check_couplings(const std::string& path) const {
  const ConstMatrixMap j = J();
  for (Index a = 0; a < n_units_; ++a) {
    if (j(a, a) != 0.0f) {
      throw FileError(path, fmt::format("J has a non-zero diagonal entry J[{}][{}] = {}", a, a, j(a, a)));
    }
    for (Index b = a + 1; b < n_units_; ++b) {
      if (j(a, b) != j(b, a)) {
        throw FileError(path, fmt::format("J is not symmetric: J[{}][{}] = {} but J[{}][{}] = {}", a,
                                          b, j(a, b), b, a, j(b, a)));
      }
    }
  }
}

}  // namespace logz
