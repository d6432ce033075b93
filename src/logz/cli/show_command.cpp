#include <chrono>
#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/error.hpp"
#include "logz/models/model_file.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

struct ShowFlags {
  std::string model_path;
  std::string filters;
  long max_filters = 100;
  int scale = 0;
  bool json = false;
};

void run(const ShowFlags& flags) {
  const auto begin = std::chrono::steady_clock::now();
  const LoadedModel loaded = load_model(flags.model_path);
  Picture picture;
  try {
    picture = filters_picture(*loaded.model, flags.max_filters, flags.scale);
  } catch (const SettingError&) {
    throw;
  } catch (const Error& e) {  // a picture too large
    throw SettingError("--max", std::string(e.what()) + " (a smaller --max or --scale)");
  }
  write_png(flags.filters, picture.image);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const GridLayout& layout = picture.layout;
  if (flags.json) {
    nlohmann::json result = {{"png", flags.filters},
                {"model", flags.model_path},
                {"kind", loaded.model->kind()},
                {"what", picture.what},
                {"tiles", layout.tiles},
                {"available", picture.available}};
    result.update(picture_geometry_json(picture.image, layout));
    result["seconds"] = seconds;
    print_json(result);
    return;
  }
  const std::string scale = layout.scale > 1 ? fmt::format(" at {}x", layout.scale) : "";
  if (picture.what == "couplings") {
    fmt::print("wrote {}: an Ising model has no filters; its couplings J as one {} x {} image{} "
               "({} x {} pixels): 0 mid-gray, +max|J| white, -max|J| black\n",
               flags.filters, layout.tile.height, layout.tile.width, scale, picture.image.width,
               picture.image.height);
    return;
  }
  fmt::print("wrote {}: {} {} filters of a {} (columns of W, each from its own min, black, to its "
             "max, white)\n", flags.filters, layout.tiles < picture.available ? "the first" : "all",
             layout.tiles, describe_model(*loaded.model));
  fmt::print("  {} x {} pixels: {} x {} tiles of {} x {}{}\n", picture.image.width,
             picture.image.height, layout.columns, layout.rows, layout.tile.height,
             layout.tile.width, scale);
}

}  // namespace

Command add_show_command(CLI::App& app) {
  auto flags = std::make_shared<ShowFlags>();
  CLI::App* c = app.add_subcommand("show", "Draw what a saved model has learned: an RBM's filters");
  c->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  c->add_option("--filters", flags->filters,
                "Write the filters to this PNG: column j of W (the weights of hidden unit j) as an "
                "image of the visible layer; for an Ising model, its coupling matrix J")
      ->required();
  c->add_option("--max", flags->max_filters, "Filters drawn: the first N hidden units (0: all)")
      ->check(CLI::Range(0L, 1L << 20))
      ->capture_default_str();
  c->add_option("--scale", flags->scale,
                "Pixels per unit along each side (0: enough for tiles of about 48 pixels)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  c->add_flag("--json", flags->json,
              "Print one JSON object: png, what (filters or couplings), tiles, width, height, "
              "seconds, ...");
  c->footer(
      "Filters whose visible layer is a perfect square are square images (784 -> 28 x 28), each "
      "scaled to its own min..max: a filter's pattern, not its size, is what shows.\n"
      "Example: logz show runs/pcd25/model.safetensors --filters filters.png");
  return {c, [flags] { run(*flags); }};
}

}  // namespace logz::cli
