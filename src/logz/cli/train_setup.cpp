#include "logz/cli/train_setup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "logz/cli/estimator_flags.hpp"
#include "logz/cli/progress.hpp"
#include "logz/error.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/gaussian.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/models/ica.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/potts.hpp"
#include "logz/models/potts_rbm.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/categorical_pseudolikelihood.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/denoising_score_matching.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"
#include "logz/objectives/noise_contrastive_estimation.hpp"
#include "logz/objectives/noise_distribution.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/objectives/score_matching.hpp"
#include "logz/parallel/communicator.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/train/lbfgs.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

// NCE's log normalizer starts at the model's log Z where that is cheap:
// enumeration of up to 2^20 states takes a fraction of a second.
constexpr int kStartExactBits = 20;

bool given(const CLI::Option* option) {
  return option != nullptr && option->count() > 0;
}

// Where NCE's learned log normalizer starts: the starting model's log Z when
// it is cheap to know, else the log Z of the path's base (exact for an RBM
// whose weights are zero, and close to it for the small starting weights).
double starting_log_normalizer(const EnergyModel& model) {
  if (is_enumerable(model) && enumeration_bits(model) <= kStartExactBits) {
    return exact_log_z(model).log_z;
  }
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    return rbm->base_log_partition(rbm->b());
  }
  if (const auto* gibbs = dynamic_cast<const GibbsModel*>(&model)) {
    return gibbs->base_log_partition(VectorF::Zero(gibbs->model_base().size()));
  }
  return 0.0;
}

std::unique_ptr<EnergyModel> make_bare_model(const TrainFlags& f, const Dataset& data) {
  const Index n = data.train.cols();
  const bool hidden_given = given(f.hidden_option);
  if (f.model != "gbrbm" &&
      given(f.command != nullptr ? f.command->get_option("--sigma") : nullptr)) {
    throw SettingError("--sigma", "applies to a Gaussian-Bernoulli RBM (--model gbrbm) only");
  }
  if (f.model == "ising" || f.model == "gaussian" || f.model == "ica") {
    if (hidden_given) {
      // "an Ising model", "a Gaussian", "an ICA model"
      throw SettingError("--hidden", describe_kind(f.model) + " has no hidden units");
    }
  }
  const bool categorical_model = f.model == "potts" || f.model == "potts_rbm";
  if (categorical_model != (data.states > 0)) {
    throw SettingError("--model", categorical_model
                                      ? fmt::format("{} needs categorical data: an alignment "
                                                    "(--data family.sto, .a2m, .fasta) or integer "
                                                    "codes with --states Q",
                                                    f.model)
                                      : fmt::format("{} does not model categorical data ({} "
                                                    "states); use --model potts or potts_rbm",
                                                    f.model, data.states));
  }
  if (f.model == "potts") {
    if (hidden_given) throw SettingError("--hidden", "a Potts model has no hidden units");
    auto potts = std::make_unique<PottsModel>(n, data.states);
    potts->initialize(data.train, data.train_weights);
    return potts;
  }
  if (f.model == "ising") {
    auto ising = std::make_unique<IsingModel>(n);
    ising->set_scan(f.scan == "random" ? IsingModel::Scan::random : IsingModel::Scan::sequential);
    ising->initialize(data.train);
    return ising;
  }
  if (f.model == "gaussian") {
    auto gaussian = std::make_unique<GaussianModel>(n);
    gaussian->initialize(data.train);
    return gaussian;
  }
  RandomStream init = make_stream(f.seed, StreamId::initialization);
  if (f.model == "ica") {
    auto ica = std::make_unique<IcaModel>(n);
    ica->initialize(data.train, init);
    return ica;
  }
  if (!(f.init_std >= 0.0)) throw SettingError("--init-std", "must be >= 0");
  if (f.model == "potts_rbm") {
    auto rbm = std::make_unique<PottsRbm>(n, data.states, f.hidden);
    rbm->initialize(init, f.init_std, data.train, data.train_weights);
    return rbm;
  }
  if (f.model == "gbrbm") {
    auto gbrbm = std::make_unique<GaussianBernoulliRbm>(n, f.hidden);
    gbrbm->set_learn_sigma(f.sigma == "learned");
    gbrbm->initialize(init, f.init_std, data.train);
    return gbrbm;
  }
  auto rbm = std::make_unique<BernoulliRbm>(n, f.hidden);
  rbm->initialize(init, f.init_std, data.train);
  return rbm;
}

}  // namespace

bool continuous_model(const std::string& model) {
  return model == "gbrbm" || model == "gaussian" || model == "ica";
}

std::unique_ptr<EnergyModel> make_model(const TrainFlags& f, const Dataset& data) {
  std::unique_ptr<EnergyModel> model = make_bare_model(f, data);
  if (f.method == "nce") model->add_log_normalizer(starting_log_normalizer(*model));
  return model;
}

std::unique_ptr<Objective> make_objective(const TrainFlags& f, const ExactOptions& exact,
                                          const Dataset& data, const EnergyModel& model) {
  const auto refuse_unless = [&](bool fits, const std::string& what) {
    if (!fits) {
      throw SettingError("--method", fmt::format("{} needs {}; {} is not one (--model {})",
                                                 f.method, what, describe_model(model), f.model));
    }
  };
  const bool gibbs = dynamic_cast<const GibbsModel*>(&model) != nullptr;
  if (f.method == "cd" || f.method == "pcd" || f.method == "pt" || f.method == "exact") {
    refuse_unless(gibbs, "a model with a Gibbs sampler (rbm, gbrbm, ising, potts, potts_rbm)");
  }
  if (f.method == "cd") return std::make_unique<ContrastiveDivergence>(f.k);
  if (f.method == "pcd") return std::make_unique<PersistentContrastiveDivergence>(f.chains, f.k);
  if (f.method == "pt") {
    // The ladder's base: the data's base rates for binary units; a model of
    // real-valued units anneals from its own Gaussian and ignores it.
    return std::make_unique<ParallelTempering>(
        f.chains, f.temperatures, f.k,
        require_gibbs(model, "pt").data_base(data.train, data.train_weights));
  }
  if (f.method == "pl" && dynamic_cast<const CategoricalModel*>(&model) != nullptr) {
    PseudolikelihoodPenalty penalty;
    penalty.n_effective = data.effective_train_size;
    const bool potts = model.kind() == "potts";
    const Index sites = model.n_visible(), states = data.states;
    penalty.lambda_fields = f.lambda_h >= 0.0 ? f.lambda_h : 0.01;
    penalty.lambda_couplings =
        f.lambda_j >= 0.0 ? f.lambda_j
        : potts           ? PseudolikelihoodPenalty::plmc(sites, states, 1.0).lambda_couplings
                          : 0.01;
    return std::make_unique<CategoricalPseudolikelihood>(penalty);
  }
  if (f.method == "rm" && dynamic_cast<const CategoricalModel*>(&model) != nullptr) {
    return std::make_unique<CategoricalRatioMatching>();
  }
  if (f.method == "pl" || f.method == "rm") {
    refuse_unless(dynamic_cast<const BitFlipModel*>(&model) != nullptr,
                  "a model of binary or categorical units (rbm, ising, potts, potts_rbm)");
    if (f.method == "pl") return std::make_unique<Pseudolikelihood>();
    return std::make_unique<RatioMatching>();
  }
  if (f.method == "sm" || f.method == "dsm") {
    refuse_unless(dynamic_cast<const ScoreModel*>(&model) != nullptr,
                  "a model of real-valued units with a smooth score (gbrbm, gaussian)");
    if (f.method == "sm") return std::make_unique<ScoreMatching>();
    return std::make_unique<DenoisingScoreMatching>(f.noise_sigma);
  }
  if (f.method == "nce") {
    const std::string noise = f.noise != "auto"        ? f.noise
                              : data.states > 0        ? "categorical"
                              : model.binary_visible() ? "bernoulli"
                                                       : "gaussian";
    return std::make_unique<NoiseContrastiveEstimation>(make_noise(noise, data.train, data.states),
                                                        f.noise_ratio);
  }
  return std::make_unique<ExactLikelihood>(exact);
}

RunMonitorOptions monitor_options(const TrainFlags& f, const Dataset& data,
                                  const EnergyModel& model) {
  RunMonitorOptions options;
  options.track = f.monitor == "track";
  options.track_chains = f.track_chains;
  options.track_replicates = f.track_replicates;
  options.track_steps = static_cast<std::size_t>(f.track_betas);
  options.track_max_steps = static_cast<std::size_t>(f.track_max_betas);
  options.snapshot_every = f.snapshot_every;
  options.snapshot_acceptance = f.snapshot_acceptance;
  options.trajectory_folder = (std::filesystem::path(f.out) / "trajectory").string();
  options.seed = f.seed;
  if (const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
      gibbs != nullptr &&
      (model.binary_visible() || dynamic_cast<const CategoricalModel*>(&model))) {
    options.base_visible_bias = gibbs->data_base(data.train, data.train_weights);
  }
  options.validate();
  const bool gibbs = dynamic_cast<const GibbsModel*>(&model) != nullptr;
  if (options.track && !gibbs && !model.has_closed_form_log_z()) {
    throw SettingError("--monitor",
                       fmt::format("track needs a model with a Gibbs sampler (rbm, "
                                   "gbrbm, ising) or a closed-form log Z; {} has neither",
                                   describe_model(model)));
  }
  if (options.snapshot_acceptance > 0.0 && f.method != "pcd" && f.method != "pt") {
    throw SettingError("--snapshot-acceptance", fmt::format("estimates the acceptance from the "
                                                            "training's persistent chains: pcd and "
                                                            "pt keep them, {} does not",
                                                            f.method));
  }
  return options;
}

double mean(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x)
    sum += v;
  return sum / static_cast<double>(x.size());
}

// How much the mean of `x` would move on another sample of examples.
double std_error_of_mean(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size()), average = mean(x);
  double squares = 0.0;
  for (double v : x)
    squares += (v - average) * (v - average);
  return x.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
}

Evaluation evaluate(const EnergyModel& model, const Dataset& data, bool pseudo, bool exact,
                    const ExactOptions& exact_options, RandomStream& stream,
                    const std::optional<LogZEstimate>& tracked) {
  Evaluation e;
  const MatrixF sample = data.train.topRows(std::min(kMonitorRows, data.train.rows()));
  const auto add = [&](const std::string& key, const std::string& label, double value) {
    e.values[key] = value;
    e.text += fmt::format("{}{} {:.3f}", e.text.empty() ? "" : "  ", label, value);
  };
  const bool categorical = dynamic_cast<const CategoricalModel*>(&model) != nullptr;
  if (const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
      gibbs && model.kind() != "ising" && !categorical) {
    add("reconstruction_error", "recon", reconstruction_error(*gibbs, sample, stream));
  }
  exact = exact || model.has_closed_form_log_z();
  if ((pseudo || exact) && dynamic_cast<const BitFlipModel*>(&model) != nullptr) {
    const std::vector<double> pseudo_log_likelihoods = pseudo_log_likelihood(model, sample);
    add("pseudo_log_likelihood", "pl", mean(pseudo_log_likelihoods));
    e.values["pseudo_log_likelihood_std_error"] = std_error_of_mean(pseudo_log_likelihoods);
  }
  if (categorical && (pseudo || exact)) {
    const std::vector<double> pseudo_log_likelihoods =
        categorical_pseudo_log_likelihood(model, sample);
    add("pseudo_log_likelihood", "pl", mean(pseudo_log_likelihoods));
    e.values["pseudo_log_likelihood_std_error"] = std_error_of_mean(pseudo_log_likelihoods);
  }
  std::optional<LogZEstimate> log_z;
  if (exact) {
    log_z = exact_log_z(model, exact_options);
  } else if (tracked) {
    log_z = tracked;
  }
  if (log_z) {
    if (exact) {
      add("log_z", "log Z", log_z->log_z);
    } else {
      e.values["log_z"] = log_z->log_z;
      e.values["log_z_std_error"] = log_z->std_error;
      e.text += fmt::format("{}log Z {:.3f} +/- {:.3f} (tracked)", e.text.empty() ? "" : "  ",
                            log_z->log_z, log_z->std_error);
    }
    const LogLikelihood train = average_log_likelihood(model, data.train, *log_z);
    add("train_log_likelihood", "train ll", train.average);
    e.values["train_log_likelihood_std_error"] = train.std_error_of_mean;
    if (data.test.rows() > 0) {
      const LogLikelihood test = average_log_likelihood(model, data.test, *log_z);
      add("test_log_likelihood", "test ll", test.average);
      e.values["test_log_likelihood_std_error"] = test.std_error_of_mean;
      if (data.standardized) {
        e.values["test_log_likelihood_before_standardization"] = test.average + data.log_jacobian;
      }
    }
  }
  if (model.has_log_normalizer()) {
    const LogZEstimate learned = learned_log_z(model);
    add("learned_log_z", "learned log Z", learned.log_z);
    if (data.test.rows() > 0) {
      const LogLikelihood test = average_log_likelihood(model, data.test, learned);
      add("test_log_likelihood_learned_normalizer", "test ll (learned Z)", test.average);
    }
  }
  return e;
}

// --optimizer lbfgs takes a principle with a deterministic value on the whole
// training set, and none of what follows minibatch updates.
void check_full_batch(const TrainFlags& f, const Objective& objective) {
  if (f.method != "pl" && f.method != "exact" && f.method != "rm") {
    throw SettingError("--optimizer", fmt::format("lbfgs minimizes a deterministic objective on "
                                                  "the whole training set: pl, rm or exact, not {}",
                                                  f.method));
  }
  if (!f.resume.empty()) throw SettingError("--resume", "an lbfgs run keeps no checkpoints");
  if (f.monitor == "track") {
    throw SettingError("--monitor",
                       "track follows minibatch updates; an lbfgs run evaluates "
                       "log Z after it ends (logz eval)");
  }
  if (f.micro_batches > 1 || Communicator::world().distributed()) {
    throw SettingError("--micro-batches", "an lbfgs run is one process, one batch");
  }
  (void)objective;
}

// Full-batch L-BFGS on the whole (weighted) training set: each iteration
// counts as an epoch of one batch for the metrics, the evaluations and the
// progress bar. The objective is shown per example (the loss the objective
// reports); the optimizer minimizes N times it, plmc's scale.
Trainer::End run_lbfgs(const TrainFlags& f, const Dataset& data, EnergyModel& model,
                       Objective& objective, const Trainer::EpochCallback& on_epoch,
                       const Trainer::BatchCallback& on_batch,
                       const std::function<bool()>& stop_requested) {
  LbfgsOptions options;
  options.max_iterations = f.epochs;
  options.history = static_cast<int>(f.lbfgs_history);
  options.epsilon = f.lbfgs_epsilon;
  options.delta = f.lbfgs_delta;
  const double n = static_cast<double>(data.train.rows());
  std::vector<double> weights = data.train_weights;
  if (!weights.empty()) {
    double total = 0.0;
    for (const double w : weights)
      total += w;
    for (double& w : weights)
      w *= n / total;
  }
  RandomStream unused = make_stream(f.seed, StreamId::sampling);
  const FullBatchObjective loss = [&](const EnergyModel& at, ParameterVector& gradient) {
    const StepReport report =
        weights.empty() ? objective.gradient(at, data.train, gradient, unused)
                        : objective.weighted_gradient(at, data.train, weights, gradient, unused);
    for (float& g : gradient.values())
      g = static_cast<float>(g * n);
    return *report.objective * n;
  };
  bool stopped_by_callback = false;
  const LbfgsSummary summary = minimize_lbfgs(model, loss, options, [&](const LbfgsIteration& it) {
    BatchProgress p;
    p.epoch = it.iteration;
    p.epochs = f.epochs;
    p.batch = p.batches = 1;
    p.epoch_seconds = it.seconds;
    p.learning_rate = it.step;
    p.objective = it.objective / n;
    p.diagnostics["lbfgs_objective"] = it.objective;
    p.diagnostics["lbfgs_gradient_norm"] = it.gradient_norm;
    p.diagnostics["lbfgs_evaluations"] = it.evaluations;
    on_batch(p);
    if (!on_epoch(p)) {
      stopped_by_callback = true;
      return false;
    }
    return !stop_requested();
  });
  inform(
      fmt::format("L-BFGS: {} after {} iterations ({} evaluations), objective {:.6g} "
                  "({:.6g} per example)",
                  summary.status, summary.iterations, summary.evaluations, summary.objective,
                  summary.objective / n));
  if (summary.stopped && !stopped_by_callback) return Trainer::End::stop_requested;
  return Trainer::End::completed;
}

nlohmann::json monitor_json(const TrainFlags& f) {
  nlohmann::json j = {{"monitor", f.monitor}, {"eval_every", f.eval_every}};
  if (f.monitor == "track") {
    j["track_chains"] = f.track_chains;
    j["track_replicates"] = f.track_replicates;
    j["track_betas"] = f.track_betas;
    j["track_max_betas"] = f.track_max_betas;
  }
  j["snapshot_every"] = f.snapshot_every;
  j["snapshot_acceptance"] = f.snapshot_acceptance;
  return j;
}

void add_monitor_flags(CLI::App& c, TrainFlags& f) {
  c.add_option("--track-chains", f.track_chains,
               "--monitor track: chains of the AIS that estimates log Z at each evaluation")
      ->check(CLI::Range(2L, 1L << 24))
      ->capture_default_str();
  c.add_option("--track-replicates", f.track_replicates,
               "--monitor track: run the chains as this many populations of sequential Monte "
               "Carlo, whose spread is the error bar (0: plain AIS)")
      ->check(CLI::Range(0L, 1L << 24))
      ->capture_default_str();
  c.add_option("--track-betas", f.track_betas,
               "--monitor track: annealing steps of the first evaluation (sm2008's shape); later "
               "ones start from what the last needed")
      ->check(CLI::Range(3L, 1000000000L))
      ->capture_default_str();
  c.add_option("--track-max-betas", f.track_max_betas,
               "--monitor track: the most steps an evaluation may spend to make its interval "
               "trustworthy (0: 16 times --track-betas)")
      ->check(CLI::Range(0L, 1000000000L))
      ->capture_default_str();
  c.add_option(
       "--snapshot-every", f.snapshot_every,
       "Keep the trajectory: a snapshot of the parameters in DIR/trajectory/ every N updates "
       "(0: not by count); the first and last models are always kept")
      ->check(CLI::Range(0L, 1L << 40))
      ->capture_default_str();
  c.add_option("--snapshot-acceptance", f.snapshot_acceptance,
               "Keep the trajectory: a snapshot whenever the estimated swap acceptance between the "
               "last snapshot and the model falls below this (pcd, pt: from their chains, checked "
               "every 10 updates; 0: not by acceptance)")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
}

}  // namespace logz::cli
