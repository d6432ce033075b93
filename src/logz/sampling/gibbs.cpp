#include "logz/sampling/gibbs.hpp"

#include <algorithm>

#include "logz/math/kernels.hpp"

namespace logz {

double reconstruction_error(const GibbsModel& model, ConstMatrixRef data, RandomStream& stream) {
  constexpr Index kRows = 1000;
  ChainState state;
  double total = 0.0;
  for (Index first = 0; first < data.rows(); first += kRows) {
    const Index rows = std::min(kRows, data.rows() - first);
    model.start_chains(data.middleRows(first, rows), state, stream);
    model.gibbs_sweep(state, stream);
    total += (data.middleRows(first, rows) - state.visible_probability).squaredNorm();
  }
  return total / static_cast<double>(data.rows());
}

MatrixF collect_samples(const GibbsModel& model, PathPoint at, MatrixF& chains, int burn_in,
                        int thinning, Index samples, RandomStream& stream) {
  const Index m = chains.rows();
  for (int i = 0; i < burn_in; ++i) model.sweep_visible(chains, stream, at);
  MatrixF out(m * samples, chains.cols());
  for (Index s = 0; s < samples; ++s) {
    for (int i = 0; i < thinning; ++i) model.sweep_visible(chains, stream, at);
    for (Index c = 0; c < m; ++c) out.row(c * samples + s) = chains.row(c);
  }
  return out;
}

ChainState sample_chains(const GibbsModel& model, ConstMatrixRef start, Index chains, int sweeps,
                         RandomStream& stream) {
  MatrixF initial(chains, start.cols());
  for (Index i = 0; i < chains; ++i) initial.row(i) = start.row(i % start.rows());
  ChainState state;
  model.start_chains(initial, state, stream);
  for (int s = 0; s < sweeps; ++s) model.gibbs_sweep(state, stream);
  return state;
}

GibbsSamples draw_samples(const GibbsModel& model, ConstMatrixRef start, Index chains, int sweeps,
                          Index n, RandomStream& stream, const ProgressCallback& progress) {
  const Index per_chain = (n + chains - 1) / chains;
  chains = (n + per_chain - 1) / per_chain;  // those that are needed
  const std::size_t total = static_cast<std::size_t>(per_chain) * static_cast<std::size_t>(sweeps);
  std::size_t done = 0;
  ChainState state = sample_chains(model, start, chains, 0, stream);
  GibbsSamples samples;
  samples.chains = chains;
  samples.per_chain = per_chain;
  samples.states.resize(n, model.n_visible());
  for (Index s = 0; s < per_chain; ++s) {
    for (int i = 0; i < sweeps; ++i) {
      model.gibbs_sweep(state, stream);
      if (progress) progress(++done, total);
    }
    const bool has_means = state.visible_probability.rows() == chains;
    if (has_means && samples.means.rows() == 0) samples.means.resize(n, model.n_visible());
    for (Index c = 0; c < chains; ++c) {
      const Index row = c * per_chain + s;
      if (row >= n) continue;
      samples.states.row(row) = state.visible.row(c);
      if (has_means) samples.means.row(row) = state.visible_probability.row(c);
    }
  }
  return samples;
}

MatrixF base_rate_draws(const VectorF& log_odds, Index n, RandomStream& stream) {
  MatrixF probability = log_odds.transpose().replicate(n, 1);
  affine_sigmoid(probability, 1.0f, VectorF::Zero(log_odds.size()));
  MatrixF draws(n, log_odds.size());
  sample_bernoulli(probability, draws, stream);
  return draws;
}

}  // namespace logz
