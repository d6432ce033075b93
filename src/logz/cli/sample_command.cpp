#include <chrono>
#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/error.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/model_file.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

struct SampleFlags {
  std::string model_path;
  long n = 100;
  int steps = 1000;
  long chains = 0;
  std::uint64_t seed = 0;
  std::string start;  // "data", "base", or empty: data when known, else base
  DataFlags data;
  std::string png;
  int scale = 0;
  std::string progress = "auto";
  bool json = false;
};

// Where the chains start, and the words that say so.
struct Start {
  MatrixF rows;
  std::string kind;         // "data" or "base"
  std::string description;  // e.g. "test rows of mnist10k"
};

// `chains` of `rows`, distinct while there are enough, in random order.
MatrixF random_rows(const MatrixF& rows, Index chains, RandomStream& stream) {
  std::vector<Index> order(static_cast<std::size_t>(rows.rows()));
  for (Index i = 0; i < rows.rows(); ++i) order[static_cast<std::size_t>(i)] = i;
  const Index picked = std::min(chains, rows.rows());
  for (Index i = 0; i < picked; ++i) {
    const Index j =
        i + static_cast<Index>(stream.below(static_cast<std::uint64_t>(rows.rows() - i)));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  MatrixF out(chains, rows.cols());
  for (Index c = 0; c < chains; ++c)
    out.row(c) = rows.row(order[static_cast<std::size_t>(c % picked)]);
  return out;
}

Start start_of(const SampleFlags& flags, const LoadedModel& loaded, Index chains,
               RandomStream& stream) {
  const EnergyModel& model = *loaded.model;
  std::optional<Dataset> data;
  if (flags.start != "base" || flags.data.given())
    data = data_for_model(flags.data, loaded, flags.model_path);
  if (flags.start == "data" && !data) {
    throw SettingError("--start", fmt::format("data: {} names no data set; give --data, or "
                                              "--start base", flags.model_path));
  }
  if (flags.start != "base" && data) {
    const bool test = data->test.rows() > 0;
    return {random_rows(test ? data->test : data->train, chains, stream), "data",
            fmt::format("{} rows of {}", test ? "test" : "training", data->name)};
  }
  if (const auto* gibbs = dynamic_cast<const GibbsModel*>(&model); gibbs && !model.binary_visible()) {
    MatrixF start(chains, model.n_visible());
    gibbs->draw_base(nullptr, start, stream);
    return {std::move(start), "base", "independent Gaussian units with the model's means and scales"};
  }
  // Independent units: the data's marginals when known, else the model's own biases.
  VectorF log_odds;
  std::string source;
  if (data) {
    log_odds = visible_log_odds(data->train);
    source = "the marginals of " + data->name;
  } else if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    log_odds = rbm->b();
    source = "the model's visible biases";
  } else if (const auto* ising = dynamic_cast<const IsingModel*>(&model)) {
    log_odds = ising->h();
    source = "the model's fields";
  } else {
    log_odds = VectorF::Zero(model.n_visible());
    source = "coin flips";
  }
  return {base_rate_draws(log_odds, chains, stream), "base",
          "independent units with " + source};
}

void run(const SampleFlags& flags) {
  const LoadedModel loaded = load_model(flags.model_path);
  const auto* model = dynamic_cast<const GibbsModel*>(loaded.model.get());
  if (model == nullptr) {
    throw SettingError("model", fmt::format("{} is {}, which logz cannot Gibbs sample",
                                            flags.model_path, describe_kind(loaded.model->kind())));
  }
  const Index chains = flags.chains > 0 ? flags.chains : flags.n;
  if (chains > flags.n) {
    throw SettingError("--chains", fmt::format("{} chains for --n {} samples: give at most --n "
                                               "chains (each gives ceil(n / chains) samples)",
                                               chains, flags.n));
  }
  // Check the picture's size before any sampling.
  GridOptions grid;
  grid.scale = flags.scale;
  GridLayout layout;
  try {
    layout = plan_grid(flags.n, model->n_visible(), grid);
  } catch (const Error& e) {
    throw SettingError("--scale", std::string(e.what()) + " (fewer --n or a smaller --scale)");
  }
  ProgressBar bar(parse_progress_mode(flags.progress));
  const auto begin = std::chrono::steady_clock::now();
  RandomStream stream = make_stream(flags.seed, StreamId::pictures);
  const Start start = start_of(flags, loaded, chains, stream);
  const GibbsSamples samples = draw_samples(
      *model, start.rows, chains, flags.steps, flags.n, stream,
      [&bar](std::size_t done, std::size_t total) {
        bar.update("sample", static_cast<double>(done), static_cast<double>(total), "sweep", "",
                   done == total);
      });
  bar.clear();
  const bool means = samples.means.rows() > 0;
  const Picture picture = samples_picture(means ? samples.means : samples.states, flags.scale);
  write_png(flags.png, picture.image);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const std::string values = means ? "visible_probability" : "visible_state";
  if (flags.json) {
    nlohmann::json result = {{"png", flags.png},
                {"model", flags.model_path},
                {"kind", loaded.model->kind()},
                {"samples", flags.n},
                {"chains", samples.chains},
                {"samples_per_chain", samples.per_chain},
                {"steps", flags.steps},
                {"start", start.kind},
                {"start_description", start.description},
                {"seed", flags.seed},
                {"values", values}};
    result.update(picture_geometry_json(picture.image, layout));
    result["seconds"] = seconds;
    print_json(result);
    return;
  }
  fmt::print("wrote {}: {} samples of a {} ({} chains, {} Gibbs sweeps before each sample, "
             "started from {}) in {:.2f} s\n",
             flags.png, flags.n, describe_model(*model), samples.chains, flags.steps,
             start.description, seconds);
  fmt::print("  {} x {} pixels: {} x {} tiles of {} x {}{}, {}; {}\n", picture.image.width,
             picture.image.height, layout.columns, layout.rows, layout.tile.height,
             layout.tile.width, layout.scale > 1 ? fmt::format(" at {}x", layout.scale) : "",
             samples.per_chain > 1
                 ? fmt::format("each chain's {} samples in consecutive tiles (row by row)",
                               samples.per_chain)
                 : std::string("one chain per tile"),
             !means                   ? "white units are on"
             : model->binary_visible() ? "gray levels are p(v = 1 | h) of each sample's last "
                                         "visible draw (white 1)"
                                       : "gray levels are the mean E[v | h] of each sample's last "
                                         "visible draw (white 1, clamped to [0, 1])");
}

}  // namespace

Command add_sample_command(CLI::App& app) {
  auto flags = std::make_shared<SampleFlags>();
  CLI::App* c = app.add_subcommand(
      "sample", "Draw samples of a saved model by Gibbs sampling and write them as a PNG grid");
  c->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  c->add_option("--n", flags->n, "Samples to draw (tiles of the picture)")
      ->check(CLI::Range(1L, 10000L))
      ->capture_default_str();
  c->add_option("--steps", flags->steps,
                "Gibbs sweeps before each sample (from the start, then between a chain's samples)")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  c->add_option("--chains", flags->chains,
                "Independent chains (0: --n, one sample each); fewer chains give several samples "
                "each, --steps apart, side by side")
      ->check(CLI::Range(0L, 10000L))
      ->capture_default_str();
  c->add_option("--seed", flags->seed, "Seed of the start and of every draw")
      ->capture_default_str();
  c->add_option("--start", flags->start,
                "Where chains start: data (random test rows of --data or of the model's data set) "
                "or base (independent units with the data's marginals, else the model's biases); "
                "default: data when known, else base")
      ->check(CLI::IsMember({"data", "base"}));
  flags->data.add_to(*c);
  c->add_option("--png", flags->png, "The picture to write (PNG, 8-bit gray)")->required();
  c->add_option("--scale", flags->scale,
                "Pixels per unit along each side (0: enough for tiles of about 48 pixels)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  c->add_option(
       "--progress", flags->progress,
       "Progress on stderr: auto (a bar on a terminal, else a line every 10 s), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->add_flag(
      "--json", flags->json,
      "Print one JSON object: png, samples, chains, steps, start, width, height, seconds, ...");
  c->footer(
      "Rows whose length is a perfect square are drawn as square images (784 -> 28 x 28); others "
      "as horizontal bars of cells, one per unit. An RBM's samples show p(v = 1 | h) of their last "
      "visible draw (smoother than the binary states); an Ising model's show the states.\n"
      "Example: logz sample runs/pcd25/model.safetensors --n 100 --steps 1000 --png samples.png");
  return {c, [flags] { run(*flags); }};
}

}  // namespace logz::cli
