#include "logz/cli/run_pictures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "logz/io/png.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/gaussian.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

constexpr Index kSamples = 100;
constexpr int kSweepsFromData = 100;
constexpr Index kFilters = 100;

}  // namespace

RunPictures write_run_pictures(const std::string& folder, const EnergyModel& model,
                               const Objective& objective, ConstMatrixRef train,
                               std::uint64_t seed) {
  RunPictures written;
  // Sequences of codes are no pictures: `logz sample` writes them as FASTA,
  // `logz show --contacts` draws what a Potts model learned.
  if (dynamic_cast<const CategoricalModel*>(&model) != nullptr) return written;
  MatrixF samples;
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  const auto* gaussian = dynamic_cast<const GaussianModel*>(&model);
  if (const std::optional<ChainState> chains = objective.persistent_chains()) {
    const Index n = std::min(kSamples, chains->chains());
    const bool means = chains->visible_probability.rows() == chains->chains();
    samples = (means ? chains->visible_probability : chains->visible).topRows(n);
    written.samples_source =
        fmt::format("{} of the {} persistent chains{}", n, chains->chains(),
                    means ? " (the mean of their last visible draw given h)" : "");
  } else if (gaussian != nullptr) {
    RandomStream stream = make_stream(seed, StreamId::pictures);
    samples = gaussian->sample(kSamples, stream);
    written.samples_source = fmt::format("{} exact draws of the Gaussian", kSamples);
  } else if (gibbs == nullptr) {
    return written;  // no sampler (ICA): no pictures
  } else {
    const Index n = std::min(kSamples, train.rows());
    MatrixF start(n, train.cols());
    for (Index i = 0; i < n; ++i)
      start.row(i) = train.row(i * train.rows() / n);
    RandomStream stream = make_stream(seed, StreamId::pictures);
    const GibbsSamples drawn = draw_samples(*gibbs, start, n, kSweepsFromData, n, stream);
    samples = drawn.means.rows() > 0 ? drawn.means : drawn.states;
    written.samples_source =
        fmt::format("{} chains after {} Gibbs sweeps from training rows{}", n, kSweepsFromData,
                    drawn.means.rows() > 0 ? " (the mean of the last visible draw given h)" : "");
  }
  const std::string samples_path = (std::filesystem::path(folder) / "samples.png").string();
  write_png(samples_path, samples_picture(samples).image);
  written.files.push_back(samples_path);
  if (dynamic_cast<const BernoulliRbm*>(&model) != nullptr ||
      dynamic_cast<const GaussianBernoulliRbm*>(&model) != nullptr) {
    const std::string filters_path = (std::filesystem::path(folder) / "filters.png").string();
    write_png(filters_path, filters_picture(model, kFilters).image);
    written.files.push_back(filters_path);
  }
  return written;
}

}  // namespace logz::cli
