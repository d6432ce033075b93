// Paths of distributions p_0, p_1, ..., p_K for annealing, from a base p_0
// that is normalized (log Z_0 known) and sampled exactly, to the model p_K,
// each p_k known up to its normalizer (f_k) and with a Markov move that leaves
// it invariant. AIS and SMC anneal particles forward along a path
// (annealing.hpp); RAISE runs it backwards from data.
//
//   GeometricPath    p_beta ~ exp((1 - beta) a.x) f(x)^beta of one model at the
//                    betas of a schedule (energy_model.hpp's path points)
//   TrajectoryPath   a training run's snapshots theta_1, ..., theta_S: first the
//                    geometric path from the base of theta_1 to it, then straight
//                    lines in parameter space between consecutive snapshots,
//                    theta(s) = theta_j + s (theta_{j+1} - theta_j), each cut
//                    into steps (for an RBM, whose energy is linear in its
//                    parameters, a straight line is the geometric path between
//                    the two joint distributions)
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "logz/models/energy_model.hpp"

namespace logz {

class AnnealingPath {
 public:
  virtual ~AnnealingPath() = default;
  virtual std::size_t steps() const = 0;  // K
  virtual Index n_visible() const = 0;
  virtual double base_log_partition() const = 0;
  virtual void draw_base(MatrixRef x, RandomStream& stream) const = 0;
  // out[i] = log f_k(x_i), 0 <= k <= K (k = 0: the base, normalized).
  virtual void log_f(std::size_t k, ConstMatrixRef x, std::span<double> out) const = 0;
  // One move of every row that leaves p_k invariant (k >= 1).
  virtual void move(std::size_t k, MatrixRef x, RandomStream& stream) const = 0;
  // log_weight[i] += log f_k(x_i) - log f_{k-1}(x_i).
  virtual void add_increment(std::size_t k, ConstMatrixRef x, std::span<double> log_weight) const;
};

class GeometricPath final : public AnnealingPath {
 public:
  // The model and the base are held by reference.
  GeometricPath(const GibbsModel& model, const VectorF* base_visible_bias,
                std::vector<double> betas);
  std::size_t steps() const override { return betas_.size() - 1; }
  Index n_visible() const override { return model_.n_visible(); }
  double base_log_partition() const override;
  void draw_base(MatrixRef x, RandomStream& stream) const override;
  void log_f(std::size_t k, ConstMatrixRef x, std::span<double> out) const override;
  void move(std::size_t k, MatrixRef x, RandomStream& stream) const override;
  void add_increment(std::size_t k, ConstMatrixRef x, std::span<double> log_weight) const override;

 private:
  PathPoint point(std::size_t k) const;
  const GibbsModel& model_;
  const VectorF* base_;
  std::vector<double> betas_;
};

class TrajectoryPath final : public AnnealingPath {
 public:
  // `snapshots` (at least one; all of one kind and layout) are held by
  // reference; `base_visible_bias` is the base of the first one's geometric
  // path (its data's log-odds, say); steps_per_segment[0] steps go from that
  // base to the first snapshot, steps_per_segment[j] from snapshot j to j + 1.
  TrajectoryPath(std::vector<const GibbsModel*> snapshots, VectorF base_visible_bias,
                 std::vector<std::size_t> steps_per_segment);
  std::size_t steps() const override { return total_steps_; }
  Index n_visible() const override { return snapshots_.front()->n_visible(); }
  double base_log_partition() const override;
  void draw_base(MatrixRef x, RandomStream& stream) const override;
  void log_f(std::size_t k, ConstMatrixRef x, std::span<double> out) const override;
  void move(std::size_t k, MatrixRef x, RandomStream& stream) const override;

 private:
  // Point k: the model there (a snapshot, or a scratch model holding the
  // interpolated parameters) and, on the first segment, its beta.
  struct Point {
    const GibbsModel* model;
    float beta;
  };
  Point at(std::size_t k) const;

  std::vector<const GibbsModel*> snapshots_;
  VectorF base_;
  std::vector<std::size_t> segment_end_;  // the step at which each segment ends
  std::size_t total_steps_ = 0;
  // Two scratch models, so that the points k - 1 and k of an increment can
  // both be interpolated; `scratch_point_` says which point each holds.
  mutable std::unique_ptr<GibbsModel> scratch_[2];
  mutable std::size_t scratch_point_[2] = {static_cast<std::size_t>(-1),
                                           static_cast<std::size_t>(-1)};
  mutable int next_scratch_ = 0;
};

}  // namespace logz
