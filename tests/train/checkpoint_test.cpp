#include "logz/train/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>

#include "logz/error.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/objectives/noise_contrastive_estimation.hpp"
#include "logz/objectives/noise_distribution.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "testing/brute_force.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

struct Setup {
  std::string method;
  bool ising = false;
  OptimizerKind optimizer = OptimizerKind::sgd;
};

void PrintTo(const Setup& s, std::ostream* os) {
  *os << s.method << (s.ising ? " on an Ising model" : " on an RBM")
      << (s.optimizer == OptimizerKind::adam ? " with Adam" : " with SGD");
}

std::string setup_name(const ::testing::TestParamInfo<Setup>& info) {
  return info.param.method + (info.param.ising ? "_ising" : "_rbm") +
         (info.param.optimizer == OptimizerKind::adam ? "_adam" : "_sgd");
}

class Resume : public ::testing::TestWithParam<Setup> {
 protected:
  Resume() {
    const BernoulliRbm truth = testing::random_rbm(10, 4, 1.5, 3);
    RandomStream stream = make_stream(3, StreamId::data_generation);
    data_ = sample_exactly(truth, 230, stream);  // the last batch is a short one
  }

  std::unique_ptr<EnergyModel> fresh_model() const {
    if (GetParam().ising) {
      auto ising = std::make_unique<IsingModel>(data_.cols());
      ising->initialize(data_);
      return ising;
    }
    auto rbm = std::make_unique<BernoulliRbm>(data_.cols(), 5);
    RandomStream init = make_stream(7, StreamId::initialization);
    rbm->initialize(init, 0.1, data_);
    if (GetParam().method == "nce") rbm->add_log_normalizer(5.0);
    return rbm;
  }

  std::unique_ptr<Objective> fresh_objective() const {
    const std::string& m = GetParam().method;
    if (m == "cd") return std::make_unique<ContrastiveDivergence>(2);
    if (m == "pcd") return std::make_unique<PersistentContrastiveDivergence>(0, 1);
    if (m == "pt") return std::make_unique<ParallelTempering>(7, 4, 1, visible_log_odds(data_));
    if (m == "pl") return std::make_unique<Pseudolikelihood>();
    if (m == "rm") return std::make_unique<RatioMatching>();
    // Noise drawn from the trainer's stream each batch: a resumed run must draw the same.
    if (m == "nce") return std::make_unique<NoiseContrastiveEstimation>(make_noise("bernoulli", data_), 2.0);
    return std::make_unique<ExactLikelihood>();
  }

  TrainOptions options() const {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 50;
    o.seed = 11;
    o.sgd.learning_rate = GetParam().optimizer == OptimizerKind::adam ? 0.01 : 0.1;
    o.sgd.momentum = 0.5;
    o.sgd.weight_decay = 1e-3;
    o.sgd.schedule = LearningRateSchedule::linear;
    o.sgd.final_learning_rate = 0.01;
    o.sgd.kind = GetParam().optimizer;
    return o;
  }

  MatrixF data_;
};

bool bit_identical(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_P(Resume, AStopAtAnyBatchThenResumeEndsWithTheSameParametersBitForBit) {
  // The run never stopped.
  std::unique_ptr<EnergyModel> reference = fresh_model();
  std::unique_ptr<Objective> reference_objective = fresh_objective();
  std::vector<double> reference_objectives;
  {
    Trainer trainer(*reference, *reference_objective, options());
    Trainer::Hooks hooks;
    hooks.on_epoch = [&](const BatchProgress& p) {
      reference_objectives.push_back(p.objective.value_or(p.reconstruction_error.value_or(0.0)));
      return true;
    };
    EXPECT_EQ(trainer.run(data_, hooks), Trainer::End::completed);
  }
  const int batches = 5, total = options().epochs * batches;
  testing::TempDir dir;
  // Stopped after batch `stop_at` of the run (mid-epoch, at an epoch's end,
  // the very first), saved to a file, loaded into fresh objects, resumed.
  for (int stop_at : {1, 3, 5, 7, 10, 14, total - 1}) {
    SCOPED_TRACE(stop_at);
    const std::string path = dir.file("checkpoint.safetensors");
    {
      std::unique_ptr<EnergyModel> model = fresh_model();
      std::unique_ptr<Objective> objective = fresh_objective();
      Trainer trainer(*model, *objective, options());
      int done = 0;
      Trainer::Hooks hooks;
      hooks.stop_requested = [&] { return ++done == stop_at; };
      hooks.on_checkpoint = [&](const TrainerState& state) {
        save_checkpoint(path, *model, state, {{"note", "test"}});
      };
      ASSERT_EQ(trainer.run(data_, hooks), Trainer::End::stop_requested);
    }
    std::unique_ptr<EnergyModel> model = fresh_model();
    std::unique_ptr<Objective> objective = fresh_objective();
    LoadedCheckpoint loaded = load_checkpoint(path, *model);
    EXPECT_EQ(loaded.metadata.at("note"), "test");
    EXPECT_EQ((loaded.state.epoch - 1) * batches + loaded.state.batches_done, stop_at);
    Trainer trainer(*model, *objective, options());
    trainer.resume_from(std::move(loaded.state));
    std::vector<double> objectives;
    Trainer::Hooks hooks;
    hooks.on_epoch = [&](const BatchProgress& p) {
      objectives.push_back(p.objective.value_or(p.reconstruction_error.value_or(0.0)));
      return true;
    };
    EXPECT_EQ(trainer.run(data_, hooks), Trainer::End::completed);
    EXPECT_TRUE(bit_identical(model->parameters().values(), reference->parameters().values()));
    // The epochs' reported means are the same too (those after the stop).
    ASSERT_LE(objectives.size(), reference_objectives.size());
    for (std::size_t i = 0; i < objectives.size(); ++i) {
      EXPECT_EQ(objectives[objectives.size() - 1 - i],
                reference_objectives[reference_objectives.size() - 1 - i]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryPrinciple, Resume,
    ::testing::Values(Setup{"cd"}, Setup{"pcd"}, Setup{"pcd", false, OptimizerKind::adam},
                      Setup{"pt"}, Setup{"pl"}, Setup{"rm", false, OptimizerKind::adam},
                      Setup{"exact"}, Setup{"pcd", true}, Setup{"pt", true},
                      Setup{"pl", true, OptimizerKind::adam},
                      Setup{"nce", false, OptimizerKind::adam}),
    setup_name);

TEST(Checkpoint, IsAModelFileAndRefusesAnotherModel) {
  testing::TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  BernoulliRbm rbm = testing::random_rbm(6, 3, 1.0, 1);
  TrainerState state;
  state.order = {2, 0, 1};
  state.objective_sum = 0.1;  // not exact in decimal
  state.optimizer.velocity.assign(static_cast<std::size_t>(rbm.parameters().size()), 0.25f);
  state.objective.matrices["chains.visible"] = MatrixF::Ones(4, 6);
  save_checkpoint(path, rbm, state, {});

  const LoadedModel as_model = load_model(path);  // estimate and eval read it as the model
  EXPECT_TRUE(bit_identical(as_model.model->parameters().values(), rbm.parameters().values()));

  BernoulliRbm same(6, 3);
  const LoadedCheckpoint loaded = load_checkpoint(path, same);
  EXPECT_EQ(loaded.state.order, state.order);
  EXPECT_EQ(loaded.state.objective_sum, 0.1);
  EXPECT_EQ(loaded.state.objective.matrices.at("chains.visible"), state.objective.matrices.at("chains.visible"));

  BernoulliRbm wider(6, 4);
  EXPECT_THROW(
      {
        try {
          load_checkpoint(path, wider);
        } catch (const FileError& e) {
          EXPECT_NE(std::string(e.what()).find("this run trains"), std::string::npos) << e.what();
          throw;
        }
      },
      FileError);
  save_model(path, rbm);  // a plain model file is not a checkpoint
  EXPECT_THROW(load_checkpoint(path, same), FileError);
}

TEST(Checkpoint, ResumeRefusesADifferentDataSet) {
  const BernoulliRbm truth = testing::random_rbm(8, 3, 1.0, 2);
  RandomStream stream = make_stream(2, StreamId::data_generation);
  const MatrixF data = sample_exactly(truth, 100, stream);
  BernoulliRbm model(8, 3);
  PersistentContrastiveDivergence pcd(0, 1);
  TrainOptions options;
  options.epochs = 2;
  options.batch_size = 20;
  std::optional<TrainerState> saved;
  {
    Trainer trainer(model, pcd, options);
    Trainer::Hooks hooks;
    hooks.on_checkpoint = [&](const TrainerState& s) { saved = s; };
    hooks.stop_requested = [] { return true; };
    trainer.run(data, hooks);
  }
  ASSERT_TRUE(saved);
  Trainer trainer(model, pcd, options);
  trainer.resume_from(*saved);
  EXPECT_THROW(trainer.run(data.topRows(80), Trainer::Hooks{}), Error);
}

}  // namespace
}  // namespace logz
