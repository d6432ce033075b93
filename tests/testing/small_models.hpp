// Small Bernoulli RBMs trained on real data, for estimator tests that need a
// realistic (peaked, multi-modal) model whose log Z is still enumerable.
#pragma once

#include "logz/data/dataset.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/train/trainer.hpp"

namespace logz::testing {

// A 784 x `hidden` RBM trained for `epochs` on MNIST-10k's training split
// (binarized): with CD-1 at a constant learning rate (`persistent` false), or
// with PCD and a learning rate decaying linearly to zero (a well-fitted model).
struct TrainedMnistRbm {
  BernoulliRbm rbm;
  Dataset data;
};

inline TrainedMnistRbm train_mnist_rbm(Index hidden, int epochs, std::uint64_t seed = 1,
                                       bool persistent = false) {
  Dataset data = load_dataset(DataOptions{});
  BernoulliRbm rbm(data.train.cols(), hidden);
  RandomStream init = make_stream(seed, StreamId::initialization);
  rbm.initialize(init, 0.01, data.train);
  ContrastiveDivergence cd(1);
  PersistentContrastiveDivergence pcd(0, 1);
  TrainOptions options;
  options.epochs = epochs;
  options.seed = seed;
  if (persistent) options.sgd.schedule = LearningRateSchedule::linear;
  Trainer trainer(rbm, persistent ? static_cast<Objective&>(pcd) : cd, options);
  trainer.run(data.train, nullptr, nullptr);
  return {std::move(rbm), std::move(data)};
}

}  // namespace logz::testing
