#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <initializer_list>
#include <optional>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/data/alignment.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/categorical.hpp"
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
  std::string out;
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
  if (const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
      gibbs && dynamic_cast<const CategoricalModel*>(&model) != nullptr) {
    // Independent sites: the data's site frequencies when known, else the model's fields.
    const VectorF base =
        data ? gibbs->data_base(data->train, data->train_weights) : gibbs->model_base();
    MatrixF start(chains, model.n_visible());
    gibbs->draw_base(&base, start, stream);
    return {std::move(start), "base",
            "independent sites with " + (data ? "the state frequencies of " + data->name
                                              : std::string("the model's fields"))};
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

enum class OutputFormat { png, fasta, csv };

// The file to write and its format: --png FILE, or --out FILE by its extension.
struct Output {
  std::string path;
  std::string flag;
  OutputFormat format = OutputFormat::png;
};

bool ends_with_any(const std::string& path, std::initializer_list<std::string_view> suffixes) {
  std::string lower = path;
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string_view suffix : suffixes) {
    if (lower.size() >= suffix.size() &&
        lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  }
  return false;
}

// Throws SettingError unless the command names one file to write.
void check_output_given(const SampleFlags& flags) {
  if (flags.png.empty() && flags.out.empty()) {
    throw SettingError("--out",
                       "give the file to write: --out FILE (.png, .fasta or .fa, .csv) "
                       "or --png FILE");
  }
}

Output output_of(const SampleFlags& flags, const EnergyModel& model) {
  Output output{flags.png.empty() ? flags.out : flags.png, flags.png.empty() ? "--out" : "--png"};
  if (flags.png.empty()) {
    if (ends_with_any(output.path, {".png"})) {
      output.format = OutputFormat::png;
    } else if (ends_with_any(output.path, {".csv"})) {
      output.format = OutputFormat::csv;
    } else if (ends_with_any(output.path, {".fasta", ".fa", ".fas", ".afa", ".fasta.gz", ".fa.gz",
                                           ".fas.gz", ".afa.gz"})) {
      output.format = OutputFormat::fasta;
    } else {
      throw SettingError("--out", fmt::format("{}: name the format by the extension: .png (a "
                                              "picture), .fasta or .fa (sequences of a Potts "
                                              "model; .gz allowed) or .csv (one sample per row)",
                                              output.path));
    }
  }
  const bool categorical = dynamic_cast<const CategoricalModel*>(&model) != nullptr;
  if (categorical && output.format == OutputFormat::png) {
    throw SettingError(output.flag,
                       fmt::format("{}: the samples of {} are sequences of categorical states, not "
                                   "pictures; write FASTA (--out samples.fasta) or CSV of the "
                                   "codes (--out samples.csv)",
                                   output.path, describe_kind(model.kind())));
  }
  if (!categorical && output.format == OutputFormat::fasta) {
    throw SettingError("--out", fmt::format("{}: FASTA holds the sequences of a categorical model "
                                            "(potts, potts_rbm); write the samples of {} as .png "
                                            "or .csv",
                                            output.path, describe_kind(model.kind())));
  }
  return output;
}

// The letters of a categorical model's samples, and where they come from:
// the model's alphabet (metadata "alphabet", as `logz train` writes it for
// an alignment), else the protein alphabet when q = 21 (the q of protein
// families: gap and the 20 amino acids), else the characters 0-9, A-Z, a-z
// standing for codes 0, 1, ... (up to 62 states; more need --out FILE.csv).
Alphabet sample_alphabet(const LoadedModel& loaded, const std::string& model_path, Index q,
                         std::string& source) {
  const auto found = loaded.metadata.find("alphabet");
  if (found != loaded.metadata.end() && !found->second.empty()) {
    const std::string& letters = found->second;
    if (static_cast<Index>(letters.size()) != q) {
      throw FileError(model_path, fmt::format("its metadata alphabet \"{}\" has {} letters for {} "
                                              "states",
                                              printable(letters), letters.size(), q));
    }
    try {
      Alphabet alphabet(letters);
      source = "the model's alphabet " + letters;
      return alphabet;
    } catch (const SettingError& e) {
      throw FileError(model_path, std::string("its metadata alphabet: ") + e.what());
    }
  }
  if (q == 21) {
    source = "the protein alphabet -ACDEFGHIKLMNPQRSTVWY (the model names no alphabet; q = 21)";
    return protein_alphabet();
  }
  constexpr std::string_view kSymbols =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  if (q > static_cast<Index>(kSymbols.size())) {
    throw SettingError("--out", fmt::format("the model names no alphabet, and its {} states are "
                                            "more than the {} characters 0-9, A-Z, a-z that could "
                                            "stand for them; write the codes with --out FILE.csv",
                                            q, kSymbols.size()));
  }
  const std::string letters(kSymbols.substr(0, static_cast<std::size_t>(q)));
  source = "the characters " + letters + " for codes 0.." + std::to_string(q - 1) +
           " (the model names no alphabet)";
  return Alphabet(letters);
}

void write_samples_csv(const std::string& path, const MatrixF& states) {
  std::string text;
  for (Index r = 0; r < states.rows(); ++r) {
    for (Index c = 0; c < states.cols(); ++c) {
      text += fmt::format("{}{}", c == 0 ? "" : ",", states(r, c));
    }
    text += '\n';
  }
  write_file_atomic(path, text);
}

// >sample_K chain=C sweeps=S F=...: the K-th sample (1-based), its chain and
// the sweeps the chain had run when it was taken, and its free energy.
std::vector<std::string> sample_names(const GibbsModel& model, const GibbsSamples& samples,
                                      int steps) {
  std::vector<double> free_energy(static_cast<std::size_t>(samples.states.rows()));
  model.free_energy(samples.states, free_energy);
  std::vector<std::string> names;
  for (Index r = 0; r < samples.states.rows(); ++r) {
    names.push_back(fmt::format("sample_{} chain={} sweeps={} F={:.4f}", r + 1,
                                r / samples.per_chain + 1,
                                static_cast<std::int64_t>(steps) * (r % samples.per_chain + 1),
                                free_energy[static_cast<std::size_t>(r)]));
  }
  return names;
}

void run(const SampleFlags& flags) {
  check_output_given(flags);
  const LoadedModel loaded = load_model(flags.model_path);
  const auto* model = dynamic_cast<const GibbsModel*>(loaded.model.get());
  if (model == nullptr) {
    throw SettingError("model", fmt::format("{} is {}, which logz cannot Gibbs sample",
                                            flags.model_path, describe_kind(loaded.model->kind())));
  }
  const Output output = output_of(flags, *model);
  const Index chains = flags.chains > 0 ? flags.chains : flags.n;
  if (chains > flags.n) {
    throw SettingError("--chains", fmt::format("{} chains for --n {} samples: give at most --n "
                                               "chains (each gives ceil(n / chains) samples)",
                                               chains, flags.n));
  }
  // Check the picture's size, and the letters of sequences, before any sampling.
  GridOptions grid;
  grid.scale = flags.scale;
  GridLayout layout;
  if (output.format == OutputFormat::png) {
    try {
      layout = plan_grid(flags.n, model->n_visible(), grid);
    } catch (const Error& e) {
      throw SettingError("--scale", std::string(e.what()) + " (fewer --n or a smaller --scale)");
    }
  }
  std::optional<Alphabet> alphabet;
  std::string letters_source;
  if (output.format == OutputFormat::fasta) {
    const auto& categorical = dynamic_cast<const CategoricalModel&>(*model);
    alphabet = sample_alphabet(loaded, flags.model_path, categorical.n_states(), letters_source);
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
  const bool means = output.format == OutputFormat::png && samples.means.rows() > 0;
  Picture picture;
  if (output.format == OutputFormat::png) {
    picture = samples_picture(means ? samples.means : samples.states, flags.scale);
    write_png(output.path, picture.image);
  } else if (output.format == OutputFormat::fasta) {
    write_fasta(output.path, sample_names(*model, samples, flags.steps), samples.states, *alphabet);
  } else {
    write_samples_csv(output.path, samples.states);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const std::string values = means ? "visible_probability" : "visible_state";
  const std::string format = output.format == OutputFormat::png     ? "png"
                             : output.format == OutputFormat::fasta ? "fasta"
                                                                    : "csv";
  if (flags.json) {
    nlohmann::json result = {{"out", output.path},
                             {"format", format},
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
    if (output.format == OutputFormat::png) {
      result["png"] = output.path;
      result.update(picture_geometry_json(picture.image, layout));
    } else {
      result["sites"] = model->n_visible();
    }
    if (alphabet) result["alphabet"] = alphabet->letters;
    result["seconds"] = seconds;
    print_json(result);
    return;
  }
  fmt::print(
      "wrote {}: {} samples of a {} ({} chains, {} Gibbs sweeps before each sample, "
      "started from {}) in {:.2f} s\n",
      output.path, flags.n, describe_model(*model), samples.chains, flags.steps, start.description,
      seconds);
  if (output.format == OutputFormat::fasta) {
    fmt::print(
        "  FASTA, {} letters per sequence from {}; names: sample_K chain=C sweeps=S F=free "
        "energy\n",
        model->n_visible(), letters_source);
    return;
  }
  if (output.format == OutputFormat::csv) {
    fmt::print("  CSV, one sample per row of {} values{}\n", model->n_visible(),
               dynamic_cast<const CategoricalModel*>(model) != nullptr ? " (state codes)" : "");
    return;
  }
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
      "sample",
      "Draw samples of a saved model by Gibbs sampling: a PNG grid, FASTA sequences (Potts "
      "models) or CSV rows");
  c->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  c->add_option("--n", flags->n, "Samples to draw (tiles of the picture, sequences)")
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
                "or base (independent units with the data's marginals, else the model's biases or "
                "fields); "
                "default: data when known, else base")
      ->check(CLI::IsMember({"data", "base"}));
  flags->data.add_to(*c);
  CLI::Option* png = c->add_option("--png", flags->png,
                                   "The picture to write (PNG, 8-bit gray); same as --out "
                                   "FILE.png");
  CLI::Option* out = c->add_option(
      "--out", flags->out,
      "The file to write, its format by its extension: .png (a picture of the samples), .fasta, "
      ".fa, .fas or .afa, optionally .gz (the sequences of a Potts model or Potts RBM, in the "
      "model's alphabet), .csv (one sample per row: states, or a categorical model's codes)");
  png->excludes(out);
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
      "Print one JSON object: out, format, samples, chains, steps, start, seconds, and for a "
      "picture png, width, height, ...");
  c->footer(
      "Rows whose length is a perfect square are drawn as square images (784 -> 28 x 28); others "
      "as horizontal bars of cells, one per unit. An RBM's samples show p(v = 1 | h) of their last "
      "visible draw (smoother than the binary states); an Ising model's show the states.\n"
      "Categorical models write sequences: FASTA records >sample_K chain=C sweeps=S F=... whose "
      "letters are the model's alphabet (from training on an alignment), else the protein "
      "alphabet -ACDEFGHIKLMNPQRSTVWY when q = 21, else 0-9, A-Z, a-z for codes 0, 1, ...; chains "
      "start from data rows or from independent sites with the data's (else the model's) "
      "frequencies.\n"
      "Example: logz sample runs/pcd25/model.safetensors --n 100 --steps 1000 --png samples.png\n"
      "         logz sample runs/potts/model.safetensors --n 500 --out samples.fasta");
  return {c, [flags] { run(*flags); }};
}

}  // namespace logz::cli
