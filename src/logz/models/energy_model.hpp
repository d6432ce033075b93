// The one notion logz is built around: a model with an unnormalized density
//
//   p~(x) = exp(-F(x)),   p(x) = p~(x) / Z,   Z = sum_x p~(x)
//
// where F is the free energy (hidden units, where the model has them, summed
// out). A model holds its parameters as named tensors (ParameterVector) and
// computes F and dF/dtheta; objectives, estimators and samplers are apart.
//
// Sign convention, stated once for all of logz: a "gradient" is the gradient
// of a loss to be *minimized* (for maximum likelihood the loss is the mean
// negative log-likelihood -1/n sum log p(x) = mean F(x) + log Z).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"
#include "logz/models/parameters.hpp"

namespace logz {

// A distribution on the geometric path from a base model to the model, for
// tempering and annealing:
//
//   log p~_beta(x) = (1 - beta) a.x + beta log p~(x)      (joint with hidden units:
//                                                            beta times the energy)
//
// where the base has independent visible units with biases a (Bernoulli
// units: log-odds; a = 0 when null). beta = 1 is the model itself, beta = 0
// the base (times 2^H for a model with H binary hidden units, which the base
// leaves uniform). Samplers, free energies and conditionals take a PathPoint,
// so one code path serves training, tempering and annealing.
struct PathPoint {
  PathPoint(float beta_ = 1.0f, const VectorF* base_visible_bias_ = nullptr)  // NOLINT: implicit
      : beta(beta_), base_visible_bias(base_visible_bias_) {}
  float beta;
  const VectorF* base_visible_bias;  // a; null means a = 0
};

class EnergyModel {
 public:
  virtual ~EnergyModel() = default;

  // Name of the model type, as written in model files ("bernoulli_rbm").
  virtual std::string_view kind() const = 0;
  virtual Index n_visible() const = 0;
  // Whether the visible units take values in {0, 1}.
  virtual bool binary_visible() const = 0;
  virtual std::unique_ptr<EnergyModel> clone() const = 0;

  // Whether tensor `name` stores each pair's coupling twice (J[i][j] and
  // J[j][i] of the Ising and Potts models), its gradient holding the pair's
  // derivative in both places.
  virtual bool pair_tensor(std::string_view /*name*/) const { return false; }

  ParameterVector& parameters() { return parameters_; }
  const ParameterVector& parameters() const { return parameters_; }

  // out[i] = F(x_i) for each row x_i of x [n, n_visible].
  virtual void free_energy(ConstMatrixRef x, std::span<double> out) const = 0;

  // gradient += scale * sum_i dF(x_i)/dtheta over the rows of x.
  virtual void add_free_energy_gradient(ConstMatrixRef x, double scale,
                                        ParameterVector& gradient) const = 0;
  // gradient += sum_i weights[i] dF(x_i)/dtheta (noise-contrastive estimation
  // weighs each example by its classification error). The default calls
  // add_free_energy_gradient one row at a time; models override it with one
  // product.
  virtual void add_weighted_free_energy_gradient(ConstMatrixRef x, std::span<const double> weights,
                                                 ParameterVector& gradient) const;

  // An optional learned log normalizer: the scalar tensor "log_z" [1] beside
  // the model's own, so that log p(x) = -F(x) - log_z is a normalized density
  // when the parameters are right. Noise-contrastive estimation learns it
  // (Gutmann & Hyvarinen 2010, 2012); F itself never includes it, so exact and
  // estimated log Z stay the model's true normalizer, to compare with.
  bool has_log_normalizer() const { return parameters_.contains("log_z"); }
  // Adds the tensor (if absent) with the value given.
  void add_log_normalizer(double initial);
  // Its value; 0 when the model has none.
  double log_normalizer() const;
  // Whether log Z has a closed form (Gaussian, ICA), and its value: throws
  // Error when the parameters give no normalizable density (a precision
  // matrix that is not positive definite, a singular demixing matrix) or the
  // model has no closed form.
  virtual bool has_closed_form_log_z() const { return false; }
  virtual double closed_form_log_z() const;

 protected:
  EnergyModel() = default;
  EnergyModel(const EnergyModel&) = default;
  EnergyModel& operator=(const EnergyModel&) = default;

  ParameterVector parameters_;
};

// The state of a batch of Markov chains, one chain per row.
struct ChainState {
  MatrixF visible;               // [chains, n_visible]: the current sample
  MatrixF visible_probability;   // mean of the last visible draw (a reconstruction), if any
  MatrixF hidden;                // [chains, n_hidden]: hidden units drawn given `visible`
  MatrixF hidden_probability;    // p(h = 1 | visible): makes dF/dtheta at `visible` cheap
  Index chains() const { return visible.rows(); }
};

// A model whose chains can be advanced by (block) Gibbs sampling.
class GibbsModel : public EnergyModel {
 public:
  // One sweep of a Markov chain on visible states (one per row, updated in
  // place) that leaves p_at invariant; every unit, hidden ones included, is
  // resampled once from its conditional, starting from the visible state.
  virtual void sweep_visible(MatrixRef visible, RandomStream& stream, PathPoint at) const = 0;
  // out[k][i] = log p~_{points[k]}(x_i) = -F_{points[k]}(x_i), for several path
  // points at once (they share the expensive product).
  virtual void log_unnormalized(ConstMatrixRef visible, std::span<const PathPoint> points,
                                std::vector<std::vector<double>>& out) const = 0;
  // log of the normalizer of the path at beta = 0: the base model's.
  virtual double base_log_partition(const VectorF& base_visible_bias) const = 0;
  // The base of the path made from a data set (the base-rate model of
  // Salakhutdinov & Murray 2008): binary units, the smoothed log-odds of each
  // unit; categorical units, the smoothed log-frequencies of each site's
  // states ([L q]). Models of real-valued units anneal from their own
  // Gaussian and return zeros. Weights (one per row) may be empty.
  virtual VectorF data_base(ConstMatrixRef data, std::span<const double> weights = {}) const;
  // The base made from the model's own one-unit terms (visible biases,
  // fields), when no data is at hand; zeros by default.
  virtual VectorF model_base() const { return VectorF::Zero(n_visible()); }
  // out [n, V]: exact independent draws of the path's visible units at beta = 0.
  // The default is for binary units: Bernoulli(sigmoid(a)), 1/2 each without a
  // base. Models with real-valued units override it.
  virtual void draw_base(const VectorF* base_visible_bias, MatrixRef out, RandomStream& stream) const;

  // One step of annealed importance sampling: log_weight[i] += log p~_current(v_i)
  // - log p~_previous(v_i), then, when `sweep`, one sweep_visible at `current`.
  // The default calls log_unnormalized and sweep_visible; a model overrides
  // it to make their shared product once.
  virtual void annealing_step(MatrixRef visible, PathPoint previous, PathPoint current, bool sweep,
                              std::span<double> log_weight, RandomStream& stream) const;

  // Puts the chains at `visible` and draws what the model keeps beside it.
  virtual void start_chains(ConstMatrixRef visible, ChainState& state,
                            RandomStream& stream) const = 0;
  // One full sweep: every unit is resampled once from its conditional. With
  // `sample_hidden` false the last hidden layer is left as probabilities
  // only (state.hidden is then stale): enough for a final gradient.
  virtual void gibbs_sweep(ChainState& state, RandomStream& stream,
                           bool sample_hidden = true) const = 0;
  // gradient += scale * sum_chains dF(visible)/dtheta, reusing the state's statistics.
  virtual void add_chain_gradient(const ChainState& state, double scale,
                                  ParameterVector& gradient) const = 0;
};

// A model of binary units that can say what flipping one bit does, the
// ingredient of pseudolikelihood and ratio matching. x^(i) is x with bit i
// flipped.
class BitFlipModel {
 public:
  virtual ~BitFlipModel() = default;
  // out [n, V]: F(x^(i)) - F(x) for every row x of `x` and every bit i.
  virtual void flip_free_energy_differences(ConstMatrixRef x, MatrixRef out) const = 0;
  // gradient += scale * sum_x sum_i c_{x,i} (dF(x^(i))/dtheta - dF(x)/dtheta),
  // with `coefficients` c of shape [n, V].
  virtual void add_flip_gradient(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                                 ParameterVector& gradient) const = 0;
};

// A model of real-valued visible units whose score is known in closed form,
// with what score matching needs (Hyvarinen, "Estimation of non-normalized
// statistical models by score matching", JMLR 2005):
//
//   psi(x)     = d log p~(x)/dx = -dF(x)/dx              (the score, [n, D])
//   div psi(x) = sum_d d psi_d(x)/dx_d                  (the Laplacian of log p~)
//
// and their derivatives with respect to the parameters theta, as the
// products objectives need: a vector-Jacobian product of the score (score
// matching, denoising score matching) and the gradient of the divergence.
class ScoreModel {
 public:
  virtual ~ScoreModel() = default;
  // out [n, D] = psi(x_i) for each row x_i of x.
  virtual void score(ConstMatrixRef x, MatrixRef out) const = 0;
  // out[i] = div psi(x_i).
  virtual void score_divergence(ConstMatrixRef x, std::span<double> out) const = 0;
  // gradient += scale * sum_i sum_d r_{i,d} d psi_d(x_i)/dtheta, r = `coefficients` [n, D].
  virtual void add_score_vjp(ConstMatrixRef x, ConstMatrixRef coefficients, double scale,
                             ParameterVector& gradient) const = 0;
  // gradient += scale * sum_i d div psi(x_i)/dtheta.
  virtual void add_score_divergence_gradient(ConstMatrixRef x, double scale,
                                             ParameterVector& gradient) const = 0;

  // Score matching's loss and gradient in one pass: for each row x_i
  //   loss_i = |psi(x_i) - target_i|^2 / 2 + (divergence ? div psi(x_i) : 0)
  // (no target: 0); gradient += scale * sum_i d loss_i/dtheta; returns
  // sum_i loss_i. Score matching is target null with the divergence;
  // denoising score matching a target without it. The default composes the
  // functions above; a model overrides it to share their products.
  virtual double add_score_matching_gradient(ConstMatrixRef x, const MatrixF* target,
                                             bool divergence, double scale,
                                             ParameterVector& gradient) const;
};

}  // namespace logz
