#include "logz/sampling/tempering_ladder.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "logz/math/kernels.hpp"

namespace logz {

TemperingLadder::TemperingLadder(const GibbsModel& model, const VectorF* base_visible_bias,
                                 std::vector<double> betas, Index replicas, RandomStream& stream)
    : model_(model),
      base_(base_visible_bias),
      betas_(std::move(betas)),
      accepted_(betas_.size() > 0 ? betas_.size() - 1 : 0, 0),
      proposed_(accepted_.size(), 0) {
  for (std::size_t l = 0; l < betas_.size(); ++l) {
    states_.emplace_back(replicas, model.n_visible());
    model.draw_base(base_, states_.back(), stream);
  }
}

TemperingLadder::TemperingLadder(const GibbsModel& model, const VectorF* base_visible_bias,
                                 std::vector<double> betas, std::vector<MatrixF> states,
                                 SwapCounts counts)
    : model_(model),
      base_(base_visible_bias),
      betas_(std::move(betas)),
      states_(std::move(states)),
      accepted_(std::move(counts.accepted)),
      proposed_(std::move(counts.proposed)),
      sweeps_(counts.sweeps) {
  assert(states_.size() == betas_.size() && accepted_.size() + 1 == betas_.size() &&
         proposed_.size() == accepted_.size());
}

TemperingLadder::SwapCounts TemperingLadder::swap_counts() const {
  return {accepted_, proposed_, sweeps_};
}

PathPoint TemperingLadder::point(std::size_t level) const {
  return PathPoint(static_cast<float>(betas_[level]), base_);
}

void TemperingLadder::sweep(RandomStream& stream) {
  for (std::size_t l = 0; l < betas_.size(); ++l)
    model_.sweep_visible(states_[l], stream, point(l));
  swap_pairs(static_cast<std::size_t>(sweeps_ % 2), stream);
  ++sweeps_;
}

void TemperingLadder::anneal(int sweeps, RandomStream& stream, ConstMatrixRef top, Index from_top,
                             Index first_replica) {
  const Index replicas = states_.front().rows();
  // This ladder's rows [0, down) come down from `top`; the rest climb.
  const Index down = std::clamp<Index>(from_top - first_replica, 0, replicas), up = replicas - down;
  MatrixF moved;
  for (std::size_t l = 1; l < betas_.size(); ++l) {
    moved = states_[l - 1];
    for (int i = 0; i < sweeps; ++i) model_.sweep_visible(moved, stream, point(l));
    states_[l].bottomRows(up) = moved.bottomRows(up);
  }
  if (from_top == 0) return;
  MatrixF& last = states_.back();
  for (Index r = 0; r < down; ++r) last.row(r) = top.row((first_replica + r) * top.rows() / from_top);
  for (std::size_t l = betas_.size() - 1; l-- > 0;) {
    if (betas_[l] == 0.0) break;  // the base level is exact already
    moved = states_[l];
    moved.topRows(down) = states_[l + 1].topRows(down);
    for (int i = 0; i < sweeps; ++i) model_.sweep_visible(moved, stream, point(l));
    states_[l].topRows(down) = moved.topRows(down);
  }
}

void TemperingLadder::swap_pairs(std::size_t first_level, RandomStream& stream) {
  const Index replicas = states_.front().rows();
  std::vector<std::vector<double>> here, up;  // [0]: at level l, [1]: at level l + 1
  std::vector<double> u(static_cast<std::size_t>(replicas));
  for (std::size_t l = first_level; l + 1 < betas_.size(); l += 2) {
    // log acceptance = log f_l(x_{l+1}) + log f_{l+1}(x_l) - log f_l(x_l) - log f_{l+1}(x_{l+1})
    const PathPoint points[2] = {point(l), point(l + 1)};
    model_.log_unnormalized(states_[l], points, here);
    model_.log_unnormalized(states_[l + 1], points, up);
    stream.uniform(u);
    for (Index r = 0; r < replicas; ++r) {
      const auto i = static_cast<std::size_t>(r);
      const double log_accept = up[0][i] + here[1][i] - here[0][i] - up[1][i];
      ++proposed_[l];
      if (std::log(u[i]) < log_accept) {
        states_[l].row(r).swap(states_[l + 1].row(r));
        ++accepted_[l];
      }
    }
  }
}

std::vector<double> TemperingLadder::swap_acceptance() const {
  std::vector<double> rates(accepted_.size(), 0.0);
  for (std::size_t l = 0; l < rates.size(); ++l) {
    if (proposed_[l] > 0)
      rates[l] = static_cast<double>(accepted_[l]) / static_cast<double>(proposed_[l]);
  }
  return rates;
}

std::vector<double> log_unnormalized_density(const EnergyModel& model, ConstMatrixRef x) {
  std::vector<double> out(static_cast<std::size_t>(x.rows()));
  model.free_energy(x, out);
  for (double& v : out)
    v = -v;
  return out;
}

double expected_swap_acceptance(const EnergyModel& model_a, ConstMatrixRef samples_a,
                                std::span<const double> log_f_a_at_a, const EnergyModel& model_b,
                                ConstMatrixRef samples_b, std::span<const double> log_f_b_at_b) {
  assert(samples_a.rows() == samples_b.rows());
  const std::vector<double> a_at_b = log_unnormalized_density(model_a, samples_b);
  const std::vector<double> b_at_a = log_unnormalized_density(model_b, samples_a);
  double sum = 0.0;
  for (std::size_t r = 0; r < a_at_b.size(); ++r) {
    const double log_ratio = a_at_b[r] + b_at_a[r] - log_f_a_at_a[r] - log_f_b_at_b[r];
    sum += log_ratio >= 0.0 ? 1.0 : std::exp(log_ratio);
  }
  return a_at_b.empty() ? 1.0 : sum / static_cast<double>(a_at_b.size());
}

}  // namespace logz
