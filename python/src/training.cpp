// logz._core.TrainingSession: a training run of any logz model by any
// principle `logz train` offers it, built by the command line's own setup
// (cli/train_setup.hpp: the same model initialization, objective and
// optimizer from the same settings, so a Python fit gives the command's
// model bit for bit), and what the run carries from one call to the next
// (the objective with its persistent chains or tempering ladder, the
// optimizer's moments, the shuffle and sampling streams), so that fit()
// followed by partial_fit() continues exactly as one longer fit() would.
//
// The loop runs with the GIL released. Between batches it looks for Ctrl-C
// (at most every 0.1 s, taking the GIL for that moment) and stops after the
// batch; after each epoch it records the epoch's numbers and calls the
// Python callback, if any. On divergence the model gets back its parameters
// from the end of the last good epoch and the session starts afresh on the
// next call.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <chrono>
#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "errors.hpp"
#include "logz/cli/progress.hpp"
#include "logz/cli/train_setup.hpp"
#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/train/trainer.hpp"

namespace logz::python {
namespace {

// An epoch's numbers under the names of logz train's metrics.csv.
py::dict to_dict(const BatchProgress& p, int epoch) {
  py::dict d;
  d["epoch"] = epoch;
  d["epoch_seconds"] = p.epoch_seconds;
  d["learning_rate"] = p.learning_rate;
  d["batch_objective"] = p.objective ? py::cast(*p.objective) : py::none();
  d["batch_reconstruction_error"] =
      p.reconstruction_error ? py::cast(*p.reconstruction_error) : py::none();
  for (const auto& [key, value] : p.diagnostics)
    d[py::str(key)] = value;
  return d;
}

// The settings of a Python estimator as `logz train`'s flags.
cli::TrainFlags train_flags(const py::dict& s) {
  cli::TrainFlags f;
  take_setting(s, "model", f.model);
  take_setting(s, "hidden", f.hidden);
  take_setting(s, "method", f.method);
  take_setting(s, "k", f.k);
  take_setting(s, "chains", f.chains);
  take_setting(s, "temperatures", f.temperatures);
  take_setting(s, "scan", f.scan);
  take_setting(s, "sigma", f.sigma);
  take_setting(s, "noise_sigma", f.noise_sigma);
  take_setting(s, "noise_ratio", f.noise_ratio);
  take_setting(s, "noise", f.noise);
  take_setting(s, "epochs", f.epochs);
  take_setting(s, "batch", f.batch);
  take_setting(s, "optimizer", f.optimizer);
  take_setting(s, "lr", f.lr);
  take_setting(s, "momentum", f.momentum);
  take_setting(s, "weight_decay", f.weight_decay);
  take_setting(s, "lr_schedule", f.lr_schedule);
  take_setting(s, "lr_final", f.lr_final);
  take_setting(s, "init_std", f.init_std);
  take_setting(s, "seed", f.seed);
  take_setting(s, "lambda_h", f.lambda_h);
  take_setting(s, "lambda_j", f.lambda_j);
  take_setting(s, "lbfgs_history", f.lbfgs_history);
  take_setting(s, "lbfgs_epsilon", f.lbfgs_epsilon);
  take_setting(s, "lbfgs_delta", f.lbfgs_delta);
  take_setting(s, "max_exact_bits", f.max_exact_bits);
  take_setting(s, "monitor", f.monitor);
  return f;
}

// X (and its weights) as the data set `logz train` would have read.
Dataset training_set(ConstMatrixRef x, std::vector<double> weights, int states) {
  Dataset data;
  data.name = "X";
  data.train = x;
  data.states = states;
  data.binary = !find_non_binary(x).has_value();
  data.effective_train_size = static_cast<double>(x.rows());
  if (!weights.empty()) {
    double total = 0.0;
    for (const double w : weights)
      total += w;
    data.effective_train_size = total;
    data.train_weights = std::move(weights);
  }
  return data;
}

class TrainingSession {
 public:
  explicit TrainingSession(const py::dict& settings) : flags_(train_flags(settings)) {
    options_.epochs = flags_.epochs;
    options_.batch_size = flags_.batch;
    options_.seed = flags_.seed;
    options_.checkpoint_every_epochs = 0;
    full_batch_ = flags_.optimizer == "lbfgs";
    const OptimizerKind optimizer =
        full_batch_ ? OptimizerKind::sgd : parse_optimizer(flags_.optimizer);
    options_.sgd = {flags_.lr,           flags_.momentum,
                    flags_.weight_decay, parse_schedule(flags_.lr_schedule),
                    flags_.lr_final,     optimizer};
    options_.sgd.validate();
    if (flags_.monitor != "recon" && flags_.monitor != "pl" && flags_.monitor != "exact" &&
        flags_.monitor != "none") {
      throw SettingError(
          "--monitor", fmt::format("\"{}\" is not one of recon, pl, exact, none", flags_.monitor));
    }
    if (flags_.batch < 1)
      throw SettingError("--batch", fmt::format("{} must be at least 1", flags_.batch));
  }

  // A new model at its starting point for the data X (weights: one per row,
  // or empty; states: q of categorical codes, else 0), and the objective
  // that trains it.
  std::shared_ptr<EnergyModel> start(py::handle x, std::vector<double> weights, int states) {
    const MatrixInput input = as_matrix(x, "X");
    if (input.rows() == 0) throw Error("X: has no examples to train on");
    std::shared_ptr<EnergyModel> model;
    {
      py::gil_scoped_release release;
      const Dataset data = training_set(input.view(), std::move(weights), states);
      ExactOptions exact;
      exact.max_bits = flags_.max_exact_bits;
      std::unique_ptr<EnergyModel> made = cli::make_model(flags_, data);
      if (flags_.method == "exact") check_enumerable(*made, exact);
      objective_ = cli::make_objective(flags_, exact, data, *made);
      if (full_batch_) cli::check_full_batch(flags_, *objective_);
      model = std::move(made);
    }
    optimizer_.reset();
    epochs_done_ = 0;
    return model;
  }

  // `epochs` passes over X (full-batch L-BFGS: at most `epochs` iterations);
  // one dict per epoch is appended to `history` as the epoch ends.
  void run(EnergyModel& model, py::handle x, std::vector<double> weights, int states, int epochs,
           py::list history, py::object callback, bool verbose) {
    if (!objective_) throw Error("the training session has no objective: call start first");
    const MatrixInput input = as_matrix(x, "X", model.n_visible());
    if (input.rows() == 0) throw Error("X: has no examples to train on");
    if (epochs < 1) throw SettingError("--epochs", fmt::format("{} must be at least 1", epochs));
    TrainOptions options = options_;
    options.epochs = epochs;
    options.batch_size = full_batch_ ? input.rows() : std::min(options_.batch_size, input.rows());
    Trainer trainer(model, *objective_, options);
    if (!weights.empty()) trainer.set_example_weights(weights);
    if (optimizer_) {
      trainer.optimizer().restore(*optimizer_);
      trainer.shuffle_stream() = RandomStream(shuffle_);
      trainer.sampling_stream() = RandomStream(sampling_);
    }

    // X as logz train's data set, copied once: L-BFGS reads all of it with
    // its weights, and so does the exact monitor (--monitor: what is measured
    // after each epoch); the others read its first kMonitorRows rows, which
    // is all that is copied when nothing else needs the whole.
    ExactOptions exact;
    exact.max_bits = flags_.max_exact_bits;
    if (flags_.monitor == "exact") check_enumerable(model, exact);
    std::optional<Dataset> whole, head;
    if (full_batch_ || flags_.monitor == "exact") {
      whole = training_set(input.view(), weights, states);
    } else if (flags_.monitor != "none") {
      head =
          training_set(input.view().topRows(std::min(cli::kMonitorRows, input.rows())), {}, states);
    }
    const Dataset* monitored = flags_.monitor == "none" ? nullptr : whole ? &*whole : &*head;

    cli::ProgressBar bar(verbose ? cli::ProgressMode::automatic : cli::ProgressMode::never);
    const bool was_quiet = cli::quiet();
    cli::set_quiet(!verbose);
    const int first_epoch = epochs_done_;
    int last_epoch = first_epoch;
    AlignedFloats last_good(model.parameters().values().begin(), model.parameters().values().end());
    bool interrupted = false;
    auto last_signal_check = std::chrono::steady_clock::now();
    const auto on_batch = [&](const BatchProgress& p) {
      if (!bar.enabled()) return;
      bar.update(fmt::format("epoch {}/{}", first_epoch + p.epoch, first_epoch + p.epochs),
                 static_cast<double>((p.epoch - 1) * p.batches + p.batch),
                 static_cast<double>(p.epochs * p.batches), full_batch_ ? "iteration" : "batch",
                 p.objective ? fmt::format("{} {:.4f}", flags_.method, *p.objective) : "");
    };
    const auto on_epoch = [&](const BatchProgress& p) {
      last_epoch = first_epoch + p.epoch;
      std::copy(model.parameters().values().begin(), model.parameters().values().end(),
                last_good.begin());
      cli::Evaluation evaluation;
      if (monitored) {
        evaluation = cli::evaluate(model, *monitored, flags_.monitor == "pl",
                                   flags_.monitor == "exact", exact, evaluation_);
      }
      py::gil_scoped_acquire acquire;
      const py::dict record = to_dict(p, last_epoch);
      for (const auto& [key, value] : evaluation.values)
        record[py::str(key)] = value;
      history.append(record);
      if (verbose) {
        cli::inform(
            fmt::format("epoch {}  {:.2f} s{}", last_epoch, p.epoch_seconds,
                        p.objective ? fmt::format("  {} {:.4f}", flags_.method, *p.objective)
                                    : std::string()),
            &bar);
      }
      if (callback.is_none()) return true;
      try {
        const py::object answer = callback(record);
        return !(answer.is(py::bool_(false)));
      } catch (py::error_already_set& e) {
        e.restore();
        throw PythonErrorPending{};
      }
    };
    const auto stop_requested = [&] {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_signal_check < std::chrono::milliseconds(100)) return false;
      last_signal_check = now;
      py::gil_scoped_acquire acquire;
      interrupted = PyErr_CheckSignals() != 0;
      return interrupted;
    };

    try {
      py::gil_scoped_release release;
      if (full_batch_) {
        cli::TrainFlags f = flags_;
        f.epochs = epochs;
        cli::run_lbfgs(f, *whole, model, *objective_, on_epoch, on_batch, stop_requested);
      } else {
        Trainer::Hooks hooks;
        hooks.on_batch = on_batch;
        hooks.on_epoch = on_epoch;
        hooks.stop_requested = stop_requested;
        trainer.run(input.view(), hooks);
      }
    } catch (const DivergenceError& e) {
      cli::set_quiet(was_quiet);
      std::copy(last_good.begin(), last_good.end(), model.parameters().values().begin());
      objective_.reset();
      optimizer_.reset();
      std::string what = e.what();
      if (const auto flag = what.find("--lr"); flag != std::string::npos) {
        what.replace(flag, 4, "learning_rate");
      }
      throw DivergenceError(fmt::format(
          "{}; the model keeps its parameters {}; fit again (or lower the learning rate)", what,
          last_epoch > 0 ? fmt::format("from the end of epoch {}", last_epoch)
                         : std::string("from before this call")));
    } catch (...) {
      cli::set_quiet(was_quiet);
      keep_state(trainer, last_epoch);
      throw;
    }
    bar.clear();
    cli::set_quiet(was_quiet);
    keep_state(trainer, last_epoch);
    if (interrupted) throw py::error_already_set();  // KeyboardInterrupt
  }

  bool started() const { return objective_ != nullptr; }
  int epochs_done() const { return epochs_done_; }

 private:
  void keep_state(Trainer& trainer, int epoch) {
    if (full_batch_) {
      epochs_done_ = epoch;
      return;
    }
    optimizer_ = trainer.optimizer().state();
    shuffle_ = trainer.shuffle_stream().state();
    sampling_ = trainer.sampling_stream().state();
    epochs_done_ = epoch;
  }

  cli::TrainFlags flags_;
  TrainOptions options_;
  RandomStream evaluation_ = make_stream(flags_.seed, StreamId::evaluation);
  bool full_batch_ = false;
  std::unique_ptr<Objective> objective_;
  std::optional<SgdMomentum::State> optimizer_;
  RandomStream::State shuffle_, sampling_;
  int epochs_done_ = 0;
};

}  // namespace

void bind_training(py::module_& m) {
  py::class_<TrainingSession>(m, "TrainingSession",
                              "A training run's state across fit and partial_fit calls.")
      .def(py::init<py::dict>(), py::arg("settings"))
      .def_property_readonly("started", &TrainingSession::started)
      .def_property_readonly("epochs_done", &TrainingSession::epochs_done)
      .def("start", &TrainingSession::start, py::arg("X"), py::arg("weights"), py::arg("states"),
           "A new model at its starting point for X, and the objective that trains it.")
      .def("run", &TrainingSession::run, py::arg("model"), py::arg("X"), py::arg("weights"),
           py::arg("states"), py::arg("epochs"), py::arg("history"), py::arg("callback"),
           py::arg("verbose"),
           "Trains the model for `epochs` passes over X, appending one dict per epoch to "
           "history.");

  m.def(
      "check_optimizer",
      [](double learning_rate, double momentum, double weight_decay, const std::string& optimizer,
         const std::string& lr_schedule, double final_learning_rate) {
        SgdOptions{learning_rate,       momentum, weight_decay, parse_schedule(lr_schedule),
                   final_learning_rate, parse_optimizer(optimizer)}
            .validate();
      },
      py::kw_only(), py::arg("learning_rate"), py::arg("momentum"), py::arg("weight_decay"),
      py::arg("optimizer"), py::arg("lr_schedule"), py::arg("final_learning_rate"),
      "Raises SettingError for optimizer settings out of range (the C++ rules).");
}

}  // namespace logz::python
