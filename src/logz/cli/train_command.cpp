#include <chrono>
#include <filesystem>
#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/io/file.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/train/metrics.hpp"
#include "logz/train/trainer.hpp"

namespace logz::cli {
namespace {

namespace fs = std::filesystem;

// Models this small are evaluated exactly at the end of every run: 2^20
// states take a fraction of a second.
constexpr int kAlwaysExactBits = 20;
// Reconstruction error is measured on at most this many training examples.
constexpr Index kReconstructionRows = 1000;

struct TrainFlags {
  DataFlags data;
  std::string model = "rbm";
  long hidden = 25;
  std::string method = "pcd";
  int k = 1;
  long chains = 0;
  int epochs = 20;
  long batch = 100;
  double lr = 0.05;
  double momentum = 0.5;
  double weight_decay = 0.0;
  std::string lr_schedule = "constant";
  double lr_final = 0.0;
  double init_std = 0.01;
  std::uint64_t seed = 0;
  std::string monitor = "recon";
  int eval_every = 1;
  int max_exact_bits = ExactOptions{}.max_bits;
  std::string out;
  std::string progress = "auto";
  bool json = false;
};

nlohmann::json settings_json(const TrainFlags& f, const Dataset& data) {
  return {{"model", "bernoulli_rbm"},
          {"n_visible", data.train.cols()},
          {"n_hidden", f.hidden},
          {"method", f.method},
          {"k", f.k},
          {"chains", f.method == "pcd" ? (f.chains > 0 ? f.chains : f.batch) : 0},
          {"epochs", f.epochs},
          {"batch", f.batch},
          {"lr", f.lr},
          {"momentum", f.momentum},
          {"weight_decay", f.weight_decay},
          {"lr_schedule", f.lr_schedule},
          {"lr_final", f.lr_final},
          {"init_std", f.init_std},
          {"seed", f.seed},
          {"data", data.name},
          {"train_examples", data.train.rows()},
          {"test_examples", data.test.rows()},
          {"binarize", to_string(data.binarization)},
          {"threshold", f.data.threshold},
          {"binarize_seed", f.data.binarize_seed},
          {"logz_version", LOGZ_VERSION}};
}

// safetensors metadata holds strings only.
Metadata flatten(const nlohmann::json& settings) {
  Metadata metadata;
  for (const auto& [key, value] : settings.items()) {
    metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return metadata;
}

std::unique_ptr<Objective> make_objective(const TrainFlags& f, const ExactOptions& exact) {
  if (f.method == "cd") return std::make_unique<ContrastiveDivergence>(f.k);
  if (f.method == "pcd") return std::make_unique<PersistentContrastiveDivergence>(f.chains, f.k);
  return std::make_unique<ExactLikelihood>(exact);
}

struct Evaluation {
  std::map<std::string, double> values;
  std::string text;
};

Evaluation evaluate(const BernoulliRbm& rbm, const Dataset& data, bool exact,
                    const ExactOptions& exact_options, RandomStream& stream) {
  Evaluation e;
  const double recon = reconstruction_error(
      rbm, data.train.topRows(std::min(kReconstructionRows, data.train.rows())), stream);
  e.values["reconstruction_error"] = recon;
  e.text = fmt::format("recon {:.3f}", recon);
  if (exact) {
    const LogZEstimate log_z = exact_log_z(rbm, exact_options);
    const double train_ll = average_log_likelihood(rbm, data.train, log_z).average;
    e.values["log_z"] = log_z.log_z;
    e.values["train_log_likelihood"] = train_ll;
    e.text += fmt::format("  log Z {:.3f}  train ll {:.3f}", log_z.log_z, train_ll);
    if (data.test.rows() > 0) {
      const double test_ll = average_log_likelihood(rbm, data.test, log_z).average;
      e.values["test_log_likelihood"] = test_ll;
      e.text += fmt::format("  test ll {:.3f}", test_ll);
    }
  }
  return e;
}

void run(const TrainFlags& f) {
  ProgressBar bar(parse_progress_mode(f.progress));
  if (f.out.empty()) throw SettingError("--out", "a run folder is required");
  const Dataset data = load_dataset(f.data.options());
  BernoulliRbm rbm(data.train.cols(), f.hidden);
  check_fits(rbm, data.train, data.name, "training");
  check_fits(rbm, data.test, data.name, "test");

  ExactOptions exact;
  exact.max_bits = f.max_exact_bits;
  const bool monitor_exact = f.monitor == "exact";
  if (monitor_exact || f.method == "exact") check_enumerable(rbm, exact);
  std::unique_ptr<Objective> objective = make_objective(f, exact);
  TrainOptions options;
  options.epochs = f.epochs;
  options.batch_size = f.batch;
  options.seed = f.seed;
  options.sgd = {f.lr, f.momentum, f.weight_decay, parse_schedule(f.lr_schedule), f.lr_final};
  options.validate(data.train.rows());
  if (!(f.init_std >= 0.0)) throw SettingError("--init-std", "must be >= 0");

  RandomStream init = make_stream(f.seed, StreamId::initialization);
  rbm.initialize(init, f.init_std, data.train);

  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) throw FileError(f.out, "cannot create the run folder: " + ec.message());
  const std::string model_path = (fs::path(f.out) / "model.safetensors").string();
  const std::string metrics_path = (fs::path(f.out) / "metrics.csv").string();
  nlohmann::json settings = settings_json(f, data);
  write_file_atomic((fs::path(f.out) / "settings.json").string(), settings.dump(2) + "\n");

  MetricsTable metrics({"epoch", "epoch_seconds", "elapsed_seconds", "learning_rate",
                        "batch_objective", "batch_reconstruction_error", "reconstruction_error",
                        "log_z", "train_log_likelihood", "test_log_likelihood"});
  RandomStream evaluation_stream = make_stream(f.seed, StreamId::evaluation);
  Trainer trainer(rbm, *objective, options);
  const auto start = std::chrono::steady_clock::now();
  int epochs_done = 0;
  Evaluation last;
  std::string monitored = "";

  const auto on_batch = [&](const BatchProgress& p) {
    std::string detail = fmt::format("{}/{}  {:.0f} batch/s", p.batch, p.batches,
                                     static_cast<double>(p.batch) / std::max(p.epoch_seconds, 1e-9));
    if (p.objective) detail += fmt::format("  nll {:.3f}", *p.objective);
    if (p.reconstruction_error) detail += fmt::format("  recon {:.3f}", *p.reconstruction_error);
    bar.update(static_cast<double>(p.batch) / static_cast<double>(p.batches),
               fmt::format("epoch {}/{}", p.epoch, p.epochs), detail + monitored);
  };
  const auto on_epoch = [&](const BatchProgress& p) {
    bar.clear();
    epochs_done = p.epoch;
    const bool exact_now = monitor_exact && (p.epoch % f.eval_every == 0 || p.epoch == f.epochs);
    last = evaluate(rbm, data, exact_now, exact, evaluation_stream);
    std::map<std::string, double> row = last.values;
    row["epoch"] = p.epoch;
    row["epoch_seconds"] = p.epoch_seconds;
    row["elapsed_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row["learning_rate"] = p.learning_rate;
    if (p.objective) row["batch_objective"] = *p.objective;
    if (p.reconstruction_error) row["batch_reconstruction_error"] = *p.reconstruction_error;
    metrics.add_row(row);
    metrics.write(metrics_path);
    settings["epochs_completed"] = p.epoch;
    save_model(model_path, rbm, flatten(settings));
    // One line per evaluated epoch, and about ten over the run besides.
    const int stride = std::max(1, f.epochs / 10);
    if (exact_now || p.epoch == 1 || p.epoch % stride == 0 || p.epoch == f.epochs) {
      fmt::print(stderr, "epoch {}/{}  {:.2f} s  {}\n", p.epoch, p.epochs, p.epoch_seconds, last.text);
    }
    monitored = "  (last: " + last.text + ")";
    return true;
  };
  try {
    trainer.run(data.train, on_batch, on_epoch);
  } catch (const DivergenceError& e) {
    bar.clear();
    throw DivergenceError(std::string(e.what()) +
                          (epochs_done > 0 ? fmt::format("; the model after epoch {} is intact in {}",
                                                         epochs_done, model_path)
                                           : std::string("; no model was written")));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The final numbers: exact when monitored, or when the model is tiny.
  const int bits = plan_enumeration(rbm).bits;
  if (!last.values.contains("log_z") && bits <= std::min(kAlwaysExactBits, f.max_exact_bits)) {
    last = evaluate(rbm, data, true, exact, evaluation_stream);
  }
  nlohmann::json summary = {{"model", model_path},
                            {"run_folder", f.out},
                            {"epochs", epochs_done},
                            {"seconds", seconds},
                            {"train_examples", data.train.rows()},
                            {"test_examples", data.test.rows()}};
  for (const auto& [key, value] : last.values) summary[key] = value;
  if (f.json) {
    print_json(summary);
    return;
  }
  fmt::print("trained a {} x {} Bernoulli RBM with {} for {} epochs on {} ({} examples) in {:.1f} s\n",
             rbm.n_visible(), rbm.n_hidden(), f.method, epochs_done, data.name, data.train.rows(),
             seconds);
  fmt::print("model, metrics.csv and settings.json in {}\n", f.out);
  if (last.values.contains("test_log_likelihood")) {
    fmt::print("exact log Z = {:.4f}; average log-likelihood: train {:.4f}, test {:.4f} nats per "
               "example\n",
               last.values["log_z"], last.values["train_log_likelihood"],
               last.values["test_log_likelihood"]);
  } else {
    fmt::print("log Z of this model needs 2^{} states; evaluate it with `logz eval {} --data {}`\n",
               bits, model_path, f.data.source);
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train a model on a data set; writes a run folder");
  f->data.add_to(*c);
  c->add_option("--model", f->model, "Model type: rbm (Bernoulli-Bernoulli RBM)")
      ->check(CLI::IsMember({"rbm"}))
      ->capture_default_str();
  c->add_option("--hidden", f->hidden, "Number of hidden units (the default keeps log Z exact)")
      ->check(CLI::Range(1L, 1L << 20))
      ->capture_default_str();
  c->add_option("--method", f->method,
                "Inductive principle: cd (contrastive divergence CD-k), pcd (persistent CD / "
                "stochastic maximum likelihood), exact (exact log-likelihood gradient by "
                "enumeration; small models)")
      ->check(CLI::IsMember({"cd", "pcd", "exact"}))
      ->capture_default_str();
  c->add_option("--k", f->k, "Gibbs sweeps per update (cd, pcd)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--chains", f->chains, "Persistent chains for pcd (0: the batch size)")
      ->check(CLI::Range(0L, 1L << 24))
      ->capture_default_str();
  c->add_option("--epochs", f->epochs, "Passes over the training data")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--batch", f->batch, "Minibatch size")
      ->check(CLI::Range(1L, 1L << 30))
      ->capture_default_str();
  c->add_option("--lr", f->lr, "Learning rate (> 0)")->capture_default_str();
  c->add_option("--momentum", f->momentum, "Momentum, in [0, 1)")->capture_default_str();
  c->add_option("--weight-decay", f->weight_decay, "L2 penalty on W (>= 0)")->capture_default_str();
  c->add_option("--lr-schedule", f->lr_schedule,
                "constant, linear (to --lr-final at the last update) or exponential")
      ->check(CLI::IsMember({"constant", "linear", "exponential"}))
      ->capture_default_str();
  c->add_option("--lr-final", f->lr_final, "Learning rate reached at the end (linear, exponential)")
      ->capture_default_str();
  c->add_option("--init-std", f->init_std, "Standard deviation of the initial weights")
      ->capture_default_str();
  c->add_option("--seed", f->seed, "Seed of every random choice: same seed, same run, bit for bit")
      ->capture_default_str();
  c->add_option("--monitor", f->monitor,
                "Measured after each evaluated epoch: recon (reconstruction error), exact (also "
                "exact log Z and train/test log-likelihood; small models)")
      ->check(CLI::IsMember({"recon", "exact"}))
      ->capture_default_str();
  c->add_option("--eval-every", f->eval_every, "Exact monitoring every N epochs (and the last)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--max-exact-bits", f->max_exact_bits,
                "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  c->add_option("--out", f->out, "Run folder: model.safetensors, metrics.csv, settings.json")
      ->required();
  c->add_option("--progress", f->progress, "Progress bar on stderr: auto (if a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->add_flag("--json", f->json, "Print the final summary as one JSON object");
  return {c, [f] { run(*f); }};
}

}  // namespace logz::cli
