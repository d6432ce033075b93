#include "logz/sampling/gibbs.hpp"

#include <algorithm>

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

}  // namespace logz
