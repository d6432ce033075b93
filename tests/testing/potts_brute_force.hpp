// Reference computations for tiny Potts models and Potts RBMs, written from
// the definitions in double precision: energies by double loops, free
// energies and log Z by summing over every state. Tests compare the
// library's fast paths against these.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "logz/math/log_space.hpp"
#include "logz/math/random.hpp"
#include "logz/models/potts.hpp"
#include "logz/models/potts_rbm.hpp"

namespace logz::testing {

// A Potts model's parameters in double, so finite differences are not
// limited by float32. h [L q], J [L, L, q, q] as stored; the energy reads the
// blocks J_ij with i < j.
struct PottsDouble {
  Index sites, states;
  std::vector<double> h, J;
  explicit PottsDouble(const PottsModel& model)
      : sites(model.n_visible()),
        states(model.n_states()),
        h(model.h().begin(), model.h().end()),
        J(model.J().begin(), model.J().end()) {}
  double coupling(Index i, Index j, Index a, Index b) const {
    return J[static_cast<std::size_t>(((i * sites + j) * states + a) * states + b)];
  }
};

// -E(x) = sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j)
inline double potts_negative_energy(const PottsDouble& m, std::span<const int> x) {
  double value = 0.0;
  for (Index i = 0; i < m.sites; ++i) {
    value += m.h[static_cast<std::size_t>(i * m.states + x[static_cast<std::size_t>(i)])];
    for (Index j = i + 1; j < m.sites; ++j) {
      value += m.coupling(i, j, x[static_cast<std::size_t>(i)], x[static_cast<std::size_t>(j)]);
    }
  }
  return value;
}

// A Potts RBM's parameters in double: W [L q, H] row-major, b [L q], c [H].
struct PottsRbmDouble {
  Index sites, states, hidden;
  std::vector<double> W, b, c;
  explicit PottsRbmDouble(const PottsRbm& rbm)
      : sites(rbm.n_visible()),
        states(rbm.n_states()),
        hidden(rbm.n_hidden()),
        W(rbm.parameters().tensor("W").begin(), rbm.parameters().tensor("W").end()),
        b(rbm.parameters().tensor("b").begin(), rbm.parameters().tensor("b").end()),
        c(rbm.parameters().tensor("c").begin(), rbm.parameters().tensor("c").end()) {}
  double weight(Index i, Index a, Index k) const {
    return W[static_cast<std::size_t>((i * states + a) * hidden + k)];
  }
};

// -E(x, h) = sum_i b_i(x_i) + c.h + sum_i sum_k W_i(x_i, k) h_k, h the bits of an integer.
inline double potts_rbm_negative_energy(const PottsRbmDouble& m, std::span<const int> x,
                                        std::uint64_t h) {
  double value = 0.0;
  for (Index i = 0; i < m.sites; ++i) {
    value += m.b[static_cast<std::size_t>(i * m.states + x[static_cast<std::size_t>(i)])];
  }
  for (Index k = 0; k < m.hidden; ++k) {
    if (((h >> k) & 1) == 0) continue;
    value += m.c[static_cast<std::size_t>(k)];
    for (Index i = 0; i < m.sites; ++i) {
      value += m.weight(i, x[static_cast<std::size_t>(i)], k);
    }
  }
  return value;
}

// -F(x) = log sum_h exp(-E(x, h)), by the sum over every hidden state.
inline double potts_rbm_negative_free_energy(const PottsRbmDouble& m, std::span<const int> x) {
  LogSumExp sum;
  for (std::uint64_t h = 0; h < (std::uint64_t{1} << m.hidden); ++h) {
    sum.add(potts_rbm_negative_energy(m, x, h));
  }
  return sum.value();
}

inline std::uint64_t potts_state_count(Index sites, Index q) {
  std::uint64_t count = 1;
  for (Index i = 0; i < sites; ++i) {
    count *= static_cast<std::uint64_t>(q);
  }
  return count;
}

// The codes of state t in odometer order: x_i = (t / q^i) mod q.
inline std::vector<int> potts_state(std::uint64_t t, Index sites, Index q) {
  std::vector<int> x(static_cast<std::size_t>(sites));
  for (int& v : x) {
    v = static_cast<int>(t % static_cast<std::uint64_t>(q));
    t /= static_cast<std::uint64_t>(q);
  }
  return x;
}

// The index t of a state in odometer order.
inline std::uint64_t potts_state_index(std::span<const int> x, Index q) {
  std::uint64_t t = 0;
  for (std::size_t i = x.size(); i-- > 0;) {
    t = t * static_cast<std::uint64_t>(q) + static_cast<std::uint64_t>(x[i]);
  }
  return t;
}

inline std::vector<int> codes_of_row(ConstMatrixRef x, Index r) {
  std::vector<int> codes(static_cast<std::size_t>(x.cols()));
  for (Index i = 0; i < x.cols(); ++i) {
    codes[static_cast<std::size_t>(i)] = static_cast<int>(x(r, i));
  }
  return codes;
}

// Every state, one per row, in odometer order [q^L, L].
inline MatrixF all_potts_states(Index sites, Index q) {
  const auto count = static_cast<Index>(potts_state_count(sites, q));
  MatrixF x(count, sites);
  for (Index t = 0; t < count; ++t) {
    const std::vector<int> codes = potts_state(static_cast<std::uint64_t>(t), sites, q);
    for (Index i = 0; i < sites; ++i) {
      x(t, i) = static_cast<float>(codes[static_cast<std::size_t>(i)]);
    }
  }
  return x;
}

// log sum_x exp(log_p(x)) over the q^L states.
template <class LogP>
double log_sum_over_states(Index sites, Index q, const LogP& log_p) {
  LogSumExp sum;
  for (std::uint64_t t = 0; t < potts_state_count(sites, q); ++t) {
    sum.add(log_p(potts_state(t, sites, q)));
  }
  return sum.value();
}

// p(x) = exp(log_p(x)) / sum, for every state in odometer order.
template <class LogP>
std::vector<double> state_probabilities(Index sites, Index q, const LogP& log_p) {
  const double log_z = log_sum_over_states(sites, q, log_p);
  std::vector<double> p(static_cast<std::size_t>(potts_state_count(sites, q)));
  for (std::size_t t = 0; t < p.size(); ++t) {
    p[t] = std::exp(log_p(potts_state(t, sites, q)) - log_z);
  }
  return p;
}

inline double potts_brute_force_log_z(const PottsDouble& m) {
  return log_sum_over_states(
      m.sites, m.states, [&](const std::vector<int>& x) { return potts_negative_energy(m, x); });
}

// log Z = log sum_{x, h} exp(-E(x, h)), over every joint state.
inline double potts_rbm_brute_force_log_z(const PottsRbmDouble& m) {
  LogSumExp sum;
  for (std::uint64_t t = 0; t < potts_state_count(m.sites, m.states); ++t) {
    const std::vector<int> x = potts_state(t, m.sites, m.states);
    for (std::uint64_t h = 0; h < (std::uint64_t{1} << m.hidden); ++h) {
      sum.add(potts_rbm_negative_energy(m, x, h));
    }
  }
  return sum.value();
}

// A random Potts model: fields and couplings N(0, scale^2), J[j][i] = J[i][j]^T,
// zero diagonal blocks.
inline PottsModel random_potts(Index sites, Index q, double scale, std::uint64_t seed) {
  PottsModel model(sites, q);
  RandomStream stream(seed, 31);
  stream.normal(model.h(), 0.0, scale);
  std::vector<float> block(static_cast<std::size_t>(q * q));
  for (Index i = 0; i < sites; ++i) {
    for (Index j = i + 1; j < sites; ++j) {
      stream.normal(block, 0.0, scale);
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          model.coupling(i, j, a, b) = model.coupling(j, i, b, a) =
              block[static_cast<std::size_t>(a * q + b)];
        }
      }
    }
  }
  return model;
}

// A random Potts RBM: every parameter N(0, scale^2).
inline PottsRbm random_potts_rbm(Index sites, Index q, Index hidden, double scale,
                                 std::uint64_t seed) {
  PottsRbm rbm(sites, q, hidden);
  RandomStream stream(seed, 37);
  stream.normal(rbm.parameters().values(), 0.0, scale);
  return rbm;
}

// Uniformly random codes [n, L].
inline MatrixF random_codes(Index n, Index sites, Index q, std::uint64_t seed) {
  RandomStream stream(seed, 41);
  MatrixF x(n, sites);
  for (Index r = 0; r < n; ++r) {
    for (Index i = 0; i < sites; ++i) {
      x(r, i) = static_cast<float>(stream.below(static_cast<std::uint64_t>(q)));
    }
  }
  return x;
}

// n exact draws (inverse CDF in double) from `probability` over the states in
// odometer order, as codes [n, L].
inline MatrixF draw_states(const std::vector<double>& probability, Index sites, Index q, Index n,
                           RandomStream& stream) {
  std::vector<double> u(static_cast<std::size_t>(n));
  stream.uniform(u);
  MatrixF x(n, sites);
  for (Index r = 0; r < n; ++r) {
    double cumulative = 0.0;
    std::size_t t = probability.size() - 1;
    for (std::size_t s = 0; s < probability.size(); ++s) {
      cumulative += probability[s];
      if (u[static_cast<std::size_t>(r)] < cumulative) {
        t = s;
        break;
      }
    }
    const std::vector<int> codes = potts_state(t, sites, q);
    for (Index i = 0; i < sites; ++i) {
      x(r, i) = static_cast<float>(codes[static_cast<std::size_t>(i)]);
    }
  }
  return x;
}

// Pearson's statistic sum_t (n_t - n p_t)^2 / (n p_t) of the rows of x (states)
// against `probability`, the states expected fewer than 5 times pooled into
// one cell. For x drawn from `probability` it is about cells - 1, with
// standard deviation sqrt(2 (cells - 1)).
struct ChiSquare {
  double statistic = 0.0;
  std::size_t cells = 0;
  // The largest value a test lets it take: its mean plus six standard deviations.
  double bound() const {
    const auto df = static_cast<double>(cells - 1);
    return df + 6.0 * std::sqrt(2.0 * df);
  }
};

inline ChiSquare chi_square(ConstMatrixRef x, const std::vector<double>& probability, Index q) {
  std::vector<double> counts(probability.size(), 0.0);
  for (Index r = 0; r < x.rows(); ++r) {
    counts[potts_state_index(codes_of_row(x, r), q)] += 1.0;
  }
  const auto n = static_cast<double>(x.rows());
  ChiSquare out;
  double pooled_count = 0.0, pooled_expected = 0.0;
  const auto add = [&](double count, double expected) {
    out.statistic += (count - expected) * (count - expected) / expected;
    ++out.cells;
  };
  for (std::size_t t = 0; t < counts.size(); ++t) {
    const double expected = n * probability[t];
    if (expected < 5.0) {
      pooled_count += counts[t];
      pooled_expected += expected;
    } else {
      add(counts[t], expected);
    }
  }
  if (pooled_expected > 0.0) add(pooled_count, pooled_expected);
  return out;
}

// Finite differences, tensor by tensor in the layout of the model's
// ParameterVector, of a loss written in double.
using Gradients = std::map<std::string, std::vector<double>>;

// Each coupling J_ij (i < j) is one parameter: its two stored places move
// together and both get its derivative; diagonal blocks get 0.
template <class Loss>
Gradients potts_finite_differences(const PottsModel& model, const Loss& loss, double eps = 1e-5) {
  const PottsDouble m(model);
  const Index sites = m.sites, q = m.states;
  Gradients out;
  std::vector<double>& dh = out["h"];
  for (std::size_t k = 0; k < m.h.size(); ++k) {
    PottsDouble plus = m, minus = m;
    plus.h[k] += eps;
    minus.h[k] -= eps;
    dh.push_back((loss(plus) - loss(minus)) / (2 * eps));
  }
  std::vector<double>& dj = out["J"];
  dj.assign(m.J.size(), 0.0);
  for (Index i = 0; i < sites; ++i) {
    for (Index j = i + 1; j < sites; ++j) {
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          const auto upper = static_cast<std::size_t>(((i * sites + j) * q + a) * q + b);
          const auto lower = static_cast<std::size_t>(((j * sites + i) * q + b) * q + a);
          PottsDouble plus = m, minus = m;
          plus.J[upper] += eps;
          plus.J[lower] += eps;
          minus.J[upper] -= eps;
          minus.J[lower] -= eps;
          dj[upper] = dj[lower] = (loss(plus) - loss(minus)) / (2 * eps);
        }
      }
    }
  }
  return out;
}

template <class Loss>
Gradients potts_rbm_finite_differences(const PottsRbm& rbm, const Loss& loss, double eps = 1e-5) {
  const PottsRbmDouble m(rbm);
  Gradients out;
  const auto differences = [&](std::vector<double> PottsRbmDouble::*member) {
    std::vector<double> d;
    for (std::size_t k = 0; k < (m.*member).size(); ++k) {
      PottsRbmDouble plus = m, minus = m;
      (plus.*member)[k] += eps;
      (minus.*member)[k] -= eps;
      d.push_back((loss(plus) - loss(minus)) / (2 * eps));
    }
    return d;
  };
  out["W"] = differences(&PottsRbmDouble::W);
  out["b"] = differences(&PottsRbmDouble::b);
  out["c"] = differences(&PottsRbmDouble::c);
  return out;
}

// Every entry of every tensor of `gradient` within `tolerance` (relative
// above 1) of the finite differences.
inline void expect_gradient_near(const ParameterVector& gradient, const Gradients& expected,
                                 double tolerance) {
  for (const auto& [name, values] : expected) {
    const std::span<const float> g = gradient.tensor(name);
    ASSERT_EQ(g.size(), values.size()) << name;
    for (std::size_t k = 0; k < g.size(); ++k) {
      EXPECT_NEAR(g[k], values[k], tolerance * std::max(1.0, std::fabs(values[k])))
          << name << "[" << k << "]";
    }
  }
}

}  // namespace logz::testing
