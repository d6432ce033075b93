// What `logz train` builds from its flags: the model (with its starting
// parameters) and the inductive principle that trains it.
//
//   --model   rbm (Bernoulli RBM), gbrbm (Gaussian-Bernoulli RBM), gaussian,
//             ica, ising
//   --method  cd, pcd, pt, exact (Gibbs models); pl, rm (binary units);
//             sm, dsm (real-valued units with a score); nce (any model: it
//             learns a log normalizer beside the model's parameters)
//
// A method that does not fit the model is refused by name (SettingError).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "logz/cli/common.hpp"
#include "logz/data/dataset.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/models/energy_model.hpp"
#include "logz/objectives/objective.hpp"
#include "logz/train/run_monitor.hpp"
#include "logz/train/trainer.hpp"

namespace logz::cli {

struct TrainFlags {
  DataFlags data;
  std::string model = "rbm";
  long hidden = 25;
  CLI::Option* hidden_option = nullptr;
  std::string method = "pcd";
  int k = 1;
  long chains = 0;
  long micro_batches = 1;  // data-parallel parts of each minibatch (train/partitioned_objective.hpp)
  int temperatures = 10;
  std::string scan = "sequential";
  std::string sigma = "learned";  // gbrbm: learned or fixed visible standard deviations
  double noise_sigma = 0.1;       // dsm: standard deviation of the corruption
  double noise_ratio = 5.0;       // nce: noise samples per data point (nu)
  std::string noise = "auto";     // nce: auto, gaussian, uniform, bernoulli
  int epochs = 20;
  long batch = 100;
  std::string optimizer = "sgd";
  double lr = 0.05;
  double momentum = 0.5;
  CLI::Option* momentum_option = nullptr;
  double weight_decay = 0.0;
  std::string lr_schedule = "constant";
  double lr_final = 0.0;
  double init_std = 0.01;
  std::uint64_t seed = 0;
  std::string monitor = "recon";
  int eval_every = 1;
  long track_chains = 100;         // --monitor track: chains of each evaluation's AIS
  long track_replicates = 0;       // ... as this many SMC populations (0: plain AIS)
  long track_betas = 14500;        // the first evaluation's schedule (sm2008's shape)
  long track_max_betas = 0;        // an evaluation's budget; 0: 16 times --track-betas
  long snapshot_every = 0;         // keep the trajectory: a snapshot every N updates
  double snapshot_acceptance = 0;  // ... or when the swap acceptance to the last falls below this
  double lambda_h = -1.0;          // pl of categorical data: L2 on fields (-1: plmc's 0.01)
  double lambda_j = -1.0;          // ... on couplings (-1: plmc's 0.01 (q-1)(L-1); potts_rbm 0.01)
  long lbfgs_history = 10;
  double lbfgs_epsilon = 1e-5;
  double lbfgs_delta = 1e-7;
  int max_exact_bits = ExactOptions{}.max_bits;
  std::string out;
  std::string checkpoint_every = "1epoch";
  int pictures_every = 0;
  std::string resume;
  std::string progress = "auto";
  bool json = false;
  CLI::App* command = nullptr;  // to tell which flags were given
};

// Whether --model names a model of real-valued visible units.
bool continuous_model(const std::string& model);

// The model at its starting point, fitted to the training data where its
// initialization uses data (biases, means, scales). With --method nce it
// also carries a learned log normalizer, started at the log Z of the model's
// starting point where that is known in closed form or by enumeration of at
// most 2^20 states, else at 0.
std::unique_ptr<EnergyModel> make_model(const TrainFlags& flags, const Dataset& data);

std::unique_ptr<Objective> make_objective(const TrainFlags& flags, const ExactOptions& exact,
                                          const Dataset& data, const EnergyModel& model);

// The mean of `x`, and how much it would move on another sample of examples.
double mean(const std::vector<double>& x);
double std_error_of_mean(const std::vector<double>& x);

// Reconstruction error and pseudo-log-likelihood are measured on at most
// this many training examples.
constexpr Index kMonitorRows = 1000;

struct Evaluation {
  std::map<std::string, double> values;
  std::string text;
};

// What is measured after an epoch: the reconstruction error (RBMs), the
// pseudo-log-likelihood of training examples (`pseudo`; binary and
// categorical units), and log Z with train and test log-likelihoods: exact
// when `exact` (always for models with log Z in closed form), else the
// tracked estimate when given (--monitor track; log_z_std_error is its
// error, which moves both averages as one). A model with a learned log
// normalizer (NCE) also gets the test log-likelihood under it, apart from
// the true one. Averages over examples come with their standard error over
// the examples (NAME_std_error), which logz report draws as bands.
Evaluation evaluate(const EnergyModel& model, const Dataset& data, bool pseudo, bool exact,
                    const ExactOptions& exact_options, RandomStream& stream,
                    const std::optional<LogZEstimate>& tracked = std::nullopt);

// --optimizer lbfgs: throws SettingError unless the method has a
// deterministic value on the whole training set (pl, rm, exact) and the run
// asks for nothing that follows minibatch updates (--resume, --monitor
// track, --micro-batches, MPI).
void check_full_batch(const TrainFlags& flags, const Objective& objective);

// Full-batch L-BFGS (--optimizer lbfgs) on the whole (weighted) training
// set, at most flags.epochs iterations: each iteration is reported as an
// epoch of one batch to on_batch and on_epoch (false from on_epoch stops).
Trainer::End run_lbfgs(const TrainFlags& flags, const Dataset& data, EnergyModel& model,
                       Objective& objective, const Trainer::EpochCallback& on_epoch,
                       const Trainer::BatchCallback& on_batch,
                       const std::function<bool()>& stop_requested);

// What the run tracks and keeps (--monitor track, --track-*, --snapshot-*),
// checked against the model: tracking needs a Gibbs sampler.
RunMonitorOptions monitor_options(const TrainFlags& flags, const Dataset& data,
                                  const EnergyModel& model);
// The same, for settings.json.
nlohmann::json monitor_json(const TrainFlags& flags);
// Registers --track-chains, --track-replicates, --track-betas,
// --track-max-betas, --snapshot-every, --snapshot-acceptance.
void add_monitor_flags(CLI::App& command, TrainFlags& flags);

}  // namespace logz::cli
