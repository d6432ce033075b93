#include "logz/estimators/annealing_path.hpp"

#include <algorithm>
#include <cassert>

#include "logz/error.hpp"

namespace logz {

void AnnealingPath::add_increment(std::size_t k, ConstMatrixRef x,
                                  std::span<double> log_weight) const {
  std::vector<double> before(log_weight.size()), after(log_weight.size());
  log_f(k - 1, x, before);
  log_f(k, x, after);
  for (std::size_t i = 0; i < log_weight.size(); ++i)
    log_weight[i] += after[i] - before[i];
}

GeometricPath::GeometricPath(const GibbsModel& model, const VectorF* base_visible_bias,
                             std::vector<double> betas)
    : model_(model), base_(base_visible_bias), betas_(std::move(betas)) {
  assert(betas_.size() >= 2);
}

PathPoint GeometricPath::point(std::size_t k) const {
  return PathPoint(static_cast<float>(betas_[k]), base_);
}

double GeometricPath::base_log_partition() const {
  const VectorF none = VectorF::Zero(model_.n_visible());
  return model_.base_log_partition(base_ != nullptr ? *base_ : none);
}

void GeometricPath::draw_base(MatrixRef x, RandomStream& stream) const {
  model_.draw_base(base_, x, stream);
}

void GeometricPath::log_f(std::size_t k, ConstMatrixRef x, std::span<double> out) const {
  std::vector<std::vector<double>> values;
  const PathPoint points[1] = {point(k)};
  model_.log_unnormalized(x, points, values);
  std::copy(values[0].begin(), values[0].end(), out.begin());
}

void GeometricPath::move(std::size_t k, MatrixRef x, RandomStream& stream) const {
  model_.sweep_visible(x, stream, point(k));
}

void GeometricPath::add_increment(std::size_t k, ConstMatrixRef x,
                                  std::span<double> log_weight) const {
  std::vector<std::vector<double>> values;
  const PathPoint points[2] = {point(k - 1), point(k)};
  model_.log_unnormalized(x, points, values);  // one product for both points
  for (std::size_t i = 0; i < log_weight.size(); ++i)
    log_weight[i] += values[1][i] - values[0][i];
}

TrajectoryPath::TrajectoryPath(std::vector<const GibbsModel*> snapshots, VectorF base_visible_bias,
                               std::vector<std::size_t> steps_per_segment)
    : snapshots_(std::move(snapshots)), base_(std::move(base_visible_bias)) {
  if (snapshots_.empty()) throw Error("a trajectory needs at least one snapshot");
  if (steps_per_segment.size() != snapshots_.size()) {
    throw Error("a trajectory needs the steps of each of its segments");
  }
  for (const GibbsModel* snapshot : snapshots_) {
    if (snapshot->kind() != snapshots_.front()->kind() ||
        !snapshot->parameters().same_layout(snapshots_.front()->parameters())) {
      throw Error("the snapshots of a trajectory must be models of one kind and size");
    }
  }
  for (std::size_t steps : steps_per_segment) {
    if (steps < 1) throw SettingError("--betas", "every segment of a trajectory needs a step");
    total_steps_ += steps;
    segment_end_.push_back(total_steps_);
  }
  for (auto& scratch : scratch_) {
    std::unique_ptr<EnergyModel> copy = snapshots_.front()->clone();
    scratch.reset(dynamic_cast<GibbsModel*>(copy.release()));
  }
}

TrajectoryPath::Point TrajectoryPath::at(std::size_t k) const {
  assert(k <= total_steps_);
  if (k <= segment_end_[0]) {
    return {snapshots_[0],
            static_cast<float>(static_cast<double>(k) / static_cast<double>(segment_end_[0]))};
  }
  const std::size_t j = static_cast<std::size_t>(
      std::lower_bound(segment_end_.begin(), segment_end_.end(), k) - segment_end_.begin());
  if (k == segment_end_[j]) return {snapshots_[j], 1.0f};
  for (int i = 0; i < 2; ++i) {
    if (scratch_point_[i] == k) return {scratch_[i].get(), 1.0f};
  }
  const std::size_t begin = segment_end_[j - 1];
  const float s = static_cast<float>(static_cast<double>(k - begin) /
                                     static_cast<double>(segment_end_[j] - begin));
  GibbsModel& scratch = *scratch_[next_scratch_];
  const auto a = snapshots_[j - 1]->parameters().values(), b = snapshots_[j]->parameters().values();
  auto out = scratch.parameters().values();
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = a[i] + s * (b[i] - a[i]);
  scratch_point_[next_scratch_] = k;
  next_scratch_ = 1 - next_scratch_;
  return {&scratch, 1.0f};
}

double TrajectoryPath::base_log_partition() const {
  return snapshots_.front()->base_log_partition(base_);
}

void TrajectoryPath::draw_base(MatrixRef x, RandomStream& stream) const {
  snapshots_.front()->draw_base(&base_, x, stream);
}

void TrajectoryPath::log_f(std::size_t k, ConstMatrixRef x, std::span<double> out) const {
  const Point p = at(k);
  std::vector<std::vector<double>> values;
  const PathPoint points[1] = {PathPoint(p.beta, &base_)};
  p.model->log_unnormalized(x, points, values);
  std::copy(values[0].begin(), values[0].end(), out.begin());
}

void TrajectoryPath::move(std::size_t k, MatrixRef x, RandomStream& stream) const {
  const Point p = at(k);
  p.model->sweep_visible(x, stream, PathPoint(p.beta, &base_));
}

}  // namespace logz
