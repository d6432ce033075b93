#include <fmt/format.h>

#include <chrono>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/error.hpp"
#include "logz/models/contact_scores.hpp"
#include "logz/models/model_file.hpp"
#include "logz/viz/contact_map.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

struct ShowFlags {
  std::string model_path;
  std::string filters;
  std::string contacts;
  long max_filters = 100;
  long min_separation = 1;
  int scale = 0;
  bool json = false;
};

double seconds_since(std::chrono::steady_clock::time_point begin) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

// --contacts: a Potts model's contact map (viz/contact_map.hpp).
void show_contacts(const ShowFlags& flags, const LoadedModel& loaded,
                   std::chrono::steady_clock::time_point begin) {
  const auto alphabet = loaded.metadata.find("alphabet");
  const int gap = gap_state_of(alphabet == loaded.metadata.end() ? "" : alphabet->second);
  const ContactScores scores = contact_scores(*loaded.model, gap, "--contacts");
  ContactMapOptions options;
  options.scale = flags.scale;
  options.min_separation = flags.min_separation;
  ContactMapPicture picture;
  try {
    picture = contact_map_picture(scores, options);
  } catch (const SettingError&) {
    throw;
  } catch (const Error& e) {  // a picture too large
    throw SettingError("--scale", std::string(e.what()) + " (a smaller --scale)");
  }
  write_png(flags.contacts, picture.image);
  const GridLayout& layout = picture.layout;
  if (flags.json) {
    nlohmann::json result = {
        {"png", flags.contacts},
        {"model", flags.model_path},
        {"kind", loaded.model->kind()},
        {"what", "contacts"},
        {"sites", scores.sites},
        {"excluded_state", scores.excluded_state >= 0 ? nlohmann::json(scores.excluded_state)
                                                      : nlohmann::json(nullptr)},
        {"dots", picture.dots},
        {"min_separation", flags.min_separation},
        {"largest_score", picture.largest_score}};
    result.update(picture_geometry_json(picture.image, layout));
    result["seconds"] = seconds_since(begin);
    print_json(result);
    return;
  }
  fmt::print("wrote {}: the contact map of a {}-site Potts model, {} x {} pixels{}\n",
             flags.contacts, scores.sites, picture.image.width, picture.image.height,
             layout.scale > 1 ? fmt::format(" ({} per site)", layout.scale) : "");
  fmt::print(
      "  above the diagonal the APC-corrected coupling norms (white <= 0, black {:.4g}); "
      "below it the top {} pairs at separation >= {} as black dots\n",
      picture.largest_score, picture.dots, flags.min_separation);
}

void run(const ShowFlags& flags) {
  const auto begin = std::chrono::steady_clock::now();
  if (flags.filters.empty() && flags.contacts.empty()) {
    throw SettingError("--filters",
                       "say what to draw: --filters FILE.png (an RBM's filters, an "
                       "Ising model's couplings) or --contacts FILE.png (a Potts "
                       "model's contact map)");
  }
  const LoadedModel loaded = load_model(flags.model_path);
  if (!flags.contacts.empty()) {
    show_contacts(flags, loaded, begin);
    return;
  }
  Picture picture;
  try {
    picture = filters_picture(*loaded.model, flags.max_filters, flags.scale);
  } catch (const SettingError&) {
    throw;
  } catch (const Error& e) {  // a picture too large
    throw SettingError("--max", std::string(e.what()) + " (a smaller --max or --scale)");
  }
  write_png(flags.filters, picture.image);
  const double seconds = seconds_since(begin);
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
  CLI::App* c = app.add_subcommand(
      "show", "Draw what a saved model has learned: an RBM's filters, a Potts model's contacts");
  c->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  CLI::Option* filters =
      c->add_option("--filters", flags->filters,
                    "Write the filters to this PNG: column j of W (the weights of hidden unit j) "
                    "as an image of the visible layer; for an Ising model, its coupling matrix J");
  CLI::Option* contacts = c->add_option(
      "--contacts", flags->contacts,
      "Write a Potts model's contact map to this PNG: L x L sites, above the diagonal the "
      "APC-corrected coupling norms of `logz contacts` (darker: stronger), below it the top L/2 "
      "pairs as black dots");
  filters->excludes(contacts);
  c->add_option("--max", flags->max_filters, "Filters drawn: the first N hidden units (0: all)")
      ->check(CLI::Range(0L, 1L << 20))
      ->capture_default_str();
  c->add_option("--min-separation", flags->min_separation,
                "--contacts: the dots are the best pairs i < j with j - i >= K")
      ->type_name("K")
      ->check(CLI::Range(1L, 1L << 30))
      ->capture_default_str();
  c->add_option("--scale", flags->scale,
                "Pixels per unit along each side (0: enough for tiles of about 48 pixels)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  c->add_flag(
      "--json", flags->json,
      "Print one JSON object: png, what (filters, couplings or contacts), tiles, width, height, "
      "seconds, ...");
  c->footer(
      "Filters whose visible layer is a perfect square are square images (784 -> 28 x 28), each "
      "scaled to its own min..max: a filter's pattern, not its size, is what shows.\n"
      "Example: logz show runs/pcd25/model.safetensors --filters filters.png\n"
      "         logz show runs/potts/model.safetensors --contacts map.png");
  return {c, [flags] { run(*flags); }};
}

}  // namespace logz::cli
