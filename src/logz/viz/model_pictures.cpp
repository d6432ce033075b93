#include "logz/viz/model_pictures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "logz/error.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"

namespace logz {

Picture filters_picture(const EnergyModel& model, Index max_filters, int scale,
                        const std::string& flag) {
  GridOptions options;
  options.scale = scale;
  Picture picture;
  // An RBM's filters: the columns of W (a Gaussian-Bernoulli RBM's act on v / sigma).
  std::optional<ConstMatrixMap> weights;
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) weights.emplace(rbm->W());
  if (const auto* gbrbm = dynamic_cast<const GaussianBernoulliRbm*>(&model)) weights.emplace(gbrbm->W());
  if (weights) {
    const Index hidden = weights->cols();
    picture.available = hidden;
    const Index shown = max_filters > 0 ? std::min(max_filters, hidden) : hidden;
    const MatrixF filters = weights->leftCols(shown).transpose();
    options.gray = GrayScale::tile_range;
    // Filters are mostly mid-gray around their strokes: black lines part them.
    options.separator_level = 0;
    picture.what = "filters";
    picture.layout = plan_grid(filters.rows(), filters.cols(), options);
    picture.image = image_grid(filters, options);
    return picture;
  }
  if (const auto* ising = dynamic_cast<const IsingModel*>(&model)) {
    const Index n = ising->n_visible();
    const MatrixF couplings = Eigen::Map<const MatrixF>(ising->J().data(), 1, n * n);
    options.tile = {n, n};
    options.gray = GrayScale::symmetric;
    picture.what = "couplings";
    picture.available = 1;
    picture.layout = plan_grid(1, n * n, options);
    picture.image = image_grid(couplings, options);
    return picture;
  }
  throw SettingError(flag, fmt::format("{} has no filters or couplings to draw",
                                       describe_model(model)));
}

Picture samples_picture(ConstMatrixRef rows, int scale) {
  GridOptions options;
  options.scale = scale;
  Picture picture;
  picture.what = "samples";
  picture.available = rows.rows();
  picture.layout = plan_grid(rows.rows(), rows.cols(), options);
  picture.image = image_grid(rows, options);
  return picture;
}

std::string describe_model(const EnergyModel& model) {
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    return fmt::format("{} x {} Bernoulli RBM", rbm->n_visible(), rbm->n_hidden());
  }
  if (const auto* gbrbm = dynamic_cast<const GaussianBernoulliRbm*>(&model)) {
    return fmt::format("{} x {} Gaussian-Bernoulli RBM", gbrbm->n_visible(), gbrbm->n_hidden());
  }
  if (dynamic_cast<const IsingModel*>(&model) != nullptr) {
    return fmt::format("{}-unit Ising model", model.n_visible());
  }
  if (model.kind() == "gaussian") return fmt::format("{}-dimensional Gaussian", model.n_visible());
  if (model.kind() == "ica") return fmt::format("{}-dimensional ICA model", model.n_visible());
  if (const auto* categorical = dynamic_cast<const CategoricalModel*>(&model)) {
    if (model.kind() == "potts") {
      return fmt::format("Potts model of {} sites x {} states", model.n_visible(),
                         categorical->n_states());
    }
    return fmt::format("{} sites x {} states Potts RBM with {} hidden units", model.n_visible(),
                       categorical->n_states(), model.parameters().spec("c").size());
  }
  return fmt::format("model of kind {} with {} visible units", model.kind(), model.n_visible());
}

}  // namespace logz
