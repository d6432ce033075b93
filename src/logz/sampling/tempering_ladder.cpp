#include "logz/sampling/tempering_ladder.hpp"

#include <cassert>
#include <cmath>

#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"

namespace logz {

RbmTemperingLadder::RbmTemperingLadder(const BernoulliRbm& rbm, const VectorF* base_visible_bias,
                                       std::vector<double> betas, Index replicas,
                                       RandomStream& stream)
    : rbm_(rbm),
      base_(base_visible_bias),
      betas_(std::move(betas)),
      accepted_(betas_.size() > 0 ? betas_.size() - 1 : 0, 0),
      proposed_(accepted_.size(), 0),
      hidden_probability_(replicas, rbm.n_hidden()),
      hidden_(replicas, rbm.n_hidden()),
      activation_(replicas, rbm.n_hidden()),
      visible_probability_(replicas, rbm.n_visible()) {
  const VectorF zero = VectorF::Zero(rbm.n_visible());
  MatrixF probability = (base_ != nullptr ? *base_ : zero).transpose().replicate(replicas, 1);
  affine_sigmoid(probability, 1.0f, zero);
  for (std::size_t l = 0; l < betas_.size(); ++l) {
    states_.emplace_back(replicas, rbm.n_visible());
    sample_bernoulli(probability, states_.back(), stream);
  }
}

PathPoint RbmTemperingLadder::point(std::size_t level) const {
  return PathPoint(static_cast<float>(betas_[level]), base_);
}

void RbmTemperingLadder::sweep(RandomStream& stream) {
  for (std::size_t l = 0; l < betas_.size(); ++l) {
    rbm_.sample_hidden(states_[l], hidden_probability_, hidden_, stream, point(l));
    rbm_.sample_visible(hidden_, visible_probability_, states_[l], stream, point(l));
  }
  swap_pairs(static_cast<std::size_t>(sweeps_ % 2), stream);
  ++sweeps_;
}

void RbmTemperingLadder::gibbs_rows(std::size_t level, Index first, Index count, int sweeps,
                                    RandomStream& stream) {
  auto visible = states_[level].middleRows(first, count);
  auto hidden_probability = hidden_probability_.middleRows(first, count);
  auto hidden = hidden_.middleRows(first, count);
  auto visible_probability = visible_probability_.middleRows(first, count);
  for (int i = 0; i < sweeps; ++i) {
    rbm_.sample_hidden(visible, hidden_probability, hidden, stream, point(level));
    rbm_.sample_visible(hidden, visible_probability, visible, stream, point(level));
  }
}

void RbmTemperingLadder::anneal(int sweeps, RandomStream& stream, ConstMatrixRef top,
                                Index from_top) {
  const Index replicas = hidden_.rows(), up = replicas - from_top;
  for (std::size_t l = 1; l < betas_.size() && up > 0; ++l) {
    states_[l].bottomRows(up) = states_[l - 1].bottomRows(up);
    gibbs_rows(l, from_top, up, sweeps, stream);
  }
  if (from_top == 0) return;
  MatrixF& last = states_.back();
  for (Index r = 0; r < from_top; ++r) last.row(r) = top.row(r * top.rows() / from_top);
  for (std::size_t l = betas_.size() - 1; l-- > 0;) {
    if (betas_[l] == 0.0) break;  // the base level is exact already
    states_[l].topRows(from_top) = states_[l + 1].topRows(from_top);
    gibbs_rows(l, 0, from_top, sweeps, stream);
  }
}

void RbmTemperingLadder::swap_pairs(std::size_t first_level, RandomStream& stream) {
  const Index replicas = hidden_.rows();
  std::vector<double> here_at_here(static_cast<std::size_t>(replicas)), here_at_up(here_at_here.size());
  std::vector<double> up_at_here(here_at_here.size()), up_at_up(here_at_here.size());
  std::vector<double> u(here_at_here.size());
  for (std::size_t l = first_level; l + 1 < betas_.size(); l += 2) {
    // log acceptance = log f_l(x_{l+1}) + log f_{l+1}(x_l) - log f_l(x_l) - log f_{l+1}(x_{l+1})
    gemm(1.0f, states_[l], Transpose::no, rbm_.W(), Transpose::no, 0.0f, activation_);
    rbm_.log_unnormalized(states_[l], activation_, point(l), here_at_here);
    rbm_.log_unnormalized(states_[l], activation_, point(l + 1), here_at_up);
    gemm(1.0f, states_[l + 1], Transpose::no, rbm_.W(), Transpose::no, 0.0f, activation_);
    rbm_.log_unnormalized(states_[l + 1], activation_, point(l), up_at_here);
    rbm_.log_unnormalized(states_[l + 1], activation_, point(l + 1), up_at_up);
    stream.uniform(u);
    for (Index r = 0; r < replicas; ++r) {
      const auto i = static_cast<std::size_t>(r);
      const double log_accept = up_at_here[i] + here_at_up[i] - here_at_here[i] - up_at_up[i];
      ++proposed_[l];
      if (std::log(u[i]) < log_accept) {
        states_[l].row(r).swap(states_[l + 1].row(r));
        ++accepted_[l];
      }
    }
  }
}

std::vector<double> RbmTemperingLadder::swap_acceptance() const {
  std::vector<double> rates(accepted_.size(), 0.0);
  for (std::size_t l = 0; l < rates.size(); ++l) {
    if (proposed_[l] > 0) rates[l] = static_cast<double>(accepted_[l]) / static_cast<double>(proposed_[l]);
  }
  return rates;
}

}  // namespace logz
