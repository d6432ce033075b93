// logz._core.TrainingSession: what a training run carries from one call to
// the next (the objective with its persistent chains or tempering ladder, the
// optimizer's moments, the shuffle and sampling streams), so that fit()
// followed by partial_fit() continues exactly as one longer fit() would.
//
// The loop is logz's Trainer, run with the GIL released. Between batches it
// looks for Ctrl-C (at most every 0.1 s, taking the GIL for that moment) and
// stops after the batch; after each epoch it records the epoch's numbers and
// calls the Python callback, if any. On divergence the model gets back its
// parameters from the end of the last good epoch and the session starts
// afresh on the next call.
#include <pybind11/stl.h>

#include <chrono>
#include <fmt/format.h>
#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "errors.hpp"
#include "logz/error.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/train/trainer.hpp"

namespace logz::python {
namespace {

struct TrainingSettings {
  std::string method = "pcd";
  int k = 1;
  Index chains = 0;  // 0: the first batch's size
  int temperatures = 10;
  SgdOptions sgd;
  Index batch_size = 100;
  std::uint64_t seed = 0;
  int max_exact_bits = 30;
};

struct EpochRecord {
  int epoch = 0;
  double seconds = 0.0;
  double learning_rate = 0.0;
  std::optional<double> objective, reconstruction_error;
  std::map<std::string, double> diagnostics;
};

py::dict to_dict(const EpochRecord& r) {
  py::dict d;
  d["epoch"] = r.epoch;
  d["seconds"] = r.seconds;
  d["learning_rate"] = r.learning_rate;
  d["objective"] = r.objective ? py::cast(*r.objective) : py::none();
  d["reconstruction_error"] = r.reconstruction_error ? py::cast(*r.reconstruction_error) : py::none();
  for (const auto& [key, value] : r.diagnostics) d[py::str(key)] = value;
  return d;
}

class TrainingSession {
 public:
  explicit TrainingSession(TrainingSettings settings) : settings_(std::move(settings)) {
    settings_.sgd.validate();
    if (settings_.batch_size < 1) {
      throw SettingError("--batch", fmt::format("{} must be at least 1", settings_.batch_size));
    }
  }

  int epochs_done() const { return epochs_done_; }

  // `epochs` passes over `data` in minibatches of min(batch_size, rows); one
  // dict per epoch is appended to `history` as the epoch ends.
  void run(BernoulliRbm& rbm, py::handle data, int epochs, py::list history,
           py::object callback) {
    const MatrixInput input = as_matrix(data, "X", rbm.n_visible());
    require_binary(input.view(), "X");
    if (input.rows() == 0) throw Error("X: has no examples to train on");
    if (epochs < 1) throw SettingError("--epochs", fmt::format("{} must be at least 1", epochs));
    if (!objective_) objective_ = make_objective(rbm, input.view());

    TrainOptions options;
    options.epochs = epochs;
    options.batch_size = std::min(settings_.batch_size, input.rows());
    options.seed = settings_.seed;
    options.sgd = settings_.sgd;
    options.checkpoint_every_epochs = 0;
    Trainer trainer(rbm, *objective_, options);
    if (optimizer_) {
      trainer.optimizer().restore(*optimizer_);
      trainer.shuffle_stream() = RandomStream(shuffle_);
      trainer.sampling_stream() = RandomStream(sampling_);
    }

    std::vector<EpochRecord> records;
    AlignedFloats last_good(rbm.parameters().values().begin(), rbm.parameters().values().end());
    bool interrupted = false;
    auto last_signal_check = std::chrono::steady_clock::now();
    Trainer::Hooks hooks;
    hooks.on_epoch = [&](const BatchProgress& p) {
      records.push_back({epochs_done_ + p.epoch, p.epoch_seconds, p.learning_rate, p.objective,
                         p.reconstruction_error, p.diagnostics});
      std::copy(rbm.parameters().values().begin(), rbm.parameters().values().end(),
                last_good.begin());
      py::gil_scoped_acquire acquire;
      const py::dict record = to_dict(records.back());
      history.append(record);
      if (callback.is_none()) return true;
      try {
        const py::object answer = callback(record);
        return !(answer.is(py::bool_(false)));
      } catch (py::error_already_set& e) {
        e.restore();
        throw PythonErrorPending{};
      }
    };
    hooks.stop_requested = [&] {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_signal_check < std::chrono::milliseconds(100)) return false;
      last_signal_check = now;
      py::gil_scoped_acquire acquire;
      interrupted = PyErr_CheckSignals() != 0;
      return interrupted;
    };

    try {
      py::gil_scoped_release release;
      trainer.run(input.view(), hooks);
    } catch (const DivergenceError& e) {
      std::copy(last_good.begin(), last_good.end(), rbm.parameters().values().begin());
      const int kept = records.empty() ? epochs_done_ : records.back().epoch;
      objective_.reset();
      optimizer_.reset();
      std::string what = e.what();
      if (const auto flag = what.find("--lr"); flag != std::string::npos) {
        what.replace(flag, 4, "learning_rate");
      }
      throw DivergenceError(fmt::format(
          "{}; the model keeps its parameters {}, and the next partial_fit starts a fresh "
          "optimizer and chains",
          what, kept > 0 ? fmt::format("from the end of epoch {}", kept)
                             : std::string("from before this call")));
    } catch (...) {
      keep_state(trainer, records);
      throw;
    }
    keep_state(trainer, records);
    if (interrupted) throw py::error_already_set();  // KeyboardInterrupt
  }

 private:
  std::unique_ptr<Objective> make_objective(const BernoulliRbm& rbm, ConstMatrixRef first_data) const {
    const TrainingSettings& s = settings_;
    if (s.method == "cd") return std::make_unique<ContrastiveDivergence>(s.k);
    if (s.method == "pcd") return std::make_unique<PersistentContrastiveDivergence>(s.chains, s.k);
    if (s.method == "pt") {
      return std::make_unique<ParallelTempering>(s.chains, s.temperatures, s.k,
                                                 visible_log_odds(first_data));
    }
    if (s.method == "pl") return std::make_unique<Pseudolikelihood>();
    if (s.method == "rm") return std::make_unique<RatioMatching>();
    if (s.method == "exact") {
      ExactOptions exact;
      exact.max_bits = s.max_exact_bits;
      check_enumerable(rbm, exact);
      return std::make_unique<ExactLikelihood>(exact);
    }
    throw SettingError("--method", fmt::format("\"{}\" is not one of cd, pcd, pt, pl, rm, exact",
                                               s.method));
  }

  void keep_state(Trainer& trainer, const std::vector<EpochRecord>& records) {
    optimizer_ = trainer.optimizer().state();
    shuffle_ = trainer.shuffle_stream().state();
    sampling_ = trainer.sampling_stream().state();
    if (!records.empty()) epochs_done_ = records.back().epoch;
  }

  TrainingSettings settings_;
  std::unique_ptr<Objective> objective_;
  std::optional<SgdMomentum::State> optimizer_;
  RandomStream::State shuffle_, sampling_;
  int epochs_done_ = 0;
};

}  // namespace

void bind_training(py::module_& m) {
  py::class_<TrainingSession>(m, "TrainingSession",
                              "A training run's state across fit and partial_fit calls.")
      .def(py::init([](const std::string& method, int k, Index chains, int temperatures,
                       double learning_rate, double momentum, double weight_decay,
                       const std::string& optimizer, const std::string& lr_schedule,
                       double final_learning_rate, Index batch_size, std::uint64_t seed,
                       int max_exact_bits) {
             TrainingSettings s;
             s.method = method;
             s.k = k;
             s.chains = chains;
             s.temperatures = temperatures;
             s.sgd = {learning_rate,          momentum, weight_decay, parse_schedule(lr_schedule),
                      final_learning_rate, parse_optimizer(optimizer)};
             s.batch_size = batch_size;
             s.seed = seed;
             s.max_exact_bits = max_exact_bits;
             return TrainingSession(std::move(s));
           }),
           py::kw_only(), py::arg("method"), py::arg("k"), py::arg("chains"),
           py::arg("temperatures"), py::arg("learning_rate"), py::arg("momentum"),
           py::arg("weight_decay"), py::arg("optimizer"), py::arg("lr_schedule"),
           py::arg("final_learning_rate"), py::arg("batch_size"), py::arg("seed"),
           py::arg("max_exact_bits"))
      .def_property_readonly("epochs_done", &TrainingSession::epochs_done)
      .def("run", &TrainingSession::run, py::arg("rbm"), py::arg("X"), py::arg("epochs"),
           py::arg("history"), py::arg("callback") = py::none(),
           "Trains rbm for `epochs` passes over X, appending one dict per epoch to history.");

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
