// What models of categorical units share: data, one-hot statistics and the
// interface that pseudolikelihood needs.
//
// Categorical data is a float matrix [n, L] whose entries are the integer
// codes 0..q-1 of the states of L sites (data/alphabet.hpp maps letters to
// codes; code 0 is the gap of the built-in alphabets). Models keep the data
// in that form; one-hot vectors of length L q (site-major: entry i q + a is
// 1 when x_i = a) exist only inside kernels.
//
// The path from a base (energy_model.hpp) for categorical units: the base
// has independent sites with log-weights a_i(a), a vector of L q entries
// (a = 0 when null: every state equally likely), and
//
//   log p~_beta(x) = (1 - beta) sum_i a_i(x_i) + beta log p~(x).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"
#include "logz/models/parameters.hpp"

namespace logz {

// A loss of one example's site, from its q differences d[a] = D_ia (below):
// returns the loss and, when c is not null, writes c[a] = scale dloss/dD_ia.
// (Pseudolikelihood's and ratio matching's, objectives/categorical_pseudolikelihood.cpp.)
using SiteLoss = double (*)(const float* d, Index q, double scale, float* c);

// [n, L q] buffers of the default CategoricalModel::add_site_losses, kept by
// the caller between calls (a family's full batch is tens of MB: fresh
// buffers would cost page faults at every evaluation).
struct SiteScratch {
  MatrixF differences, coefficients;
};

// A model of categorical units that can say what changing one site does, the
// ingredient of pseudolikelihood (Besag 1975) for q states. x^(i<-a) is x
// with site i set to state a.
class CategoricalModel {
 public:
  virtual ~CategoricalModel() = default;
  virtual Index n_states() const = 0;
  // out [n, L q]: entry (r, i q + a) = F(x_r^(i<-a)) - F(x_r) (0 at a = x_ri).
  virtual void site_free_energy_differences(ConstMatrixRef x, MatrixRef out) const = 0;
  // gradient += scale * sum_r sum_{i,a} c_{r,iq+a} (dF(x_r^(i<-a))/dtheta - dF(x_r)/dtheta),
  // with `coefficients` c of shape [n, L q].
  virtual void add_site_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                 ParameterVector& gradient) const = 0;
  // losses[r] = sum_i site(D_{r,i.}, q, scales[r], c_{r,i.}) for each row, and
  // gradient += sum_r sum_{i,a} c_{r,ia} (dF(x_r^(i<-a))/dtheta - dF(x_r)/dtheta).
  // This default goes through the three steps above with [n, L q] matrices
  // (in `scratch`); a model may fuse them (PottsModel does, with the same bits).
  virtual void add_site_losses(ConstMatrixRef x, std::span<const double> scales, SiteLoss site,
                               std::span<double> losses, ParameterVector& gradient,
                               SiteScratch& scratch) const;
  // The tensors of one-site fields and of couplings, for the L2 penalty of
  // pseudolikelihood (plmc's lambda_h and lambda_J).
  virtual std::string_view field_tensor() const = 0;
  virtual std::string_view coupling_tensor() const = 0;
};

// For each row of `differences` [n, L q]: losses[r] = the sum of site(...)
// over its sites, in order, and (when `coefficients` is not null, [n, L q])
// their coefficients at scale scales[r] (0 when `scales` is empty).
void site_losses(ConstMatrixRef differences, Index q, std::span<const double> scales,
                 std::span<double> losses, MatrixF* coefficients, SiteLoss site);

// The code of entry `value`, which must hold an integer in [0, q).
inline int state_of(float value) {
  return static_cast<int>(value);
}

// Codes as bytes, site-major: out[i * n + r] = x(r, i). The kernels loop over
// examples for one site at a time.
std::vector<std::uint8_t> site_major_codes(ConstMatrixRef x);

// The first entry of x that is not an integer code in [0, q), as (row, column).
std::optional<std::pair<Index, Index>> find_non_code(ConstMatrixRef x, Index q);

// Log-frequencies of each site's states, smoothed by one pseudo-count per state:
// a_i(a) = log((n_ia + 1) / (n + q)) with n_ia the (weighted) count of state a
// at site i. [L q]. The base of the annealing path of a data set, as the
// base-rate model is for binary units (Salakhutdinov & Murray 2008).
VectorF site_log_frequencies(ConstMatrixRef x, Index q, std::span<const double> weights = {});

// Subtracts from each site's q entries of `fields` [L q] their mean. The
// states' probabilities do not change (a softmax is blind to a constant), and
// of all fields that give them these have the least L2 norm: the starting
// fields of the Potts models, so that an L2 penalty on h (plmc's lambda_h,
// whose curvature along that constant is only 2 lambda_h) has nothing to
// remove. Started at the raw log-frequencies, L-BFGS spent two thirds of a
// family fit (L 100, q 21) draining their means.
void center_sites(std::span<float> fields, Index q);

// log sum_a exp(a_i(a)) summed over the sites: log Z of the base with
// log-weights `base` [L q] (L log q when null).
double categorical_base_log_partition(const VectorF* base, Index n_sites, Index q);

// Independent draws from the base: x_ri ~ softmax(a_i) (uniform when null).
// One uniform number per (row, site), from rows of the stream's draw.
void draw_categorical_base(const VectorF* base, Index q, MatrixRef out, RandomStream& stream);

// One state drawn from the probabilities proportional to exp(logits[a]),
// a < q, with the uniform number u: the first state whose cumulative
// probability exceeds u (the last when rounding leaves the sum short). The
// logits are overwritten.
Index draw_state(float* logits, Index q, float u);

// Draws each site's state from the probabilities proportional to
// exp(logits(r, i q + a)), with one uniform number u per (row, site):
// the first state whose cumulative probability exceeds u. In place of the
// logits it leaves nothing useful; `out` gets the codes.
void sample_categorical(MatrixRef logits, Index q, std::span<const float> uniforms, MatrixRef out);

}  // namespace logz
