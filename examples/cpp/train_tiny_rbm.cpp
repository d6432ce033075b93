// Trains a small Bernoulli RBM with persistent contrastive divergence on
// data drawn from a known RBM, then prints its exact log Z, an AIS estimate
// of it, and the average log-likelihood of the data under both models.
//
// Built against an installed logz (see CMakeLists.txt beside it).
#include <cmath>
#include <cstdio>

#include "logz/error.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "logz/train/trainer.hpp"

int main() {
  try {
    constexpr logz::Index n_visible = 16, n_hidden = 4, n_examples = 2000;

    // The generating model: strong random weights, and 2,000 exact draws from it.
    logz::BernoulliRbm truth(n_visible, n_hidden);
    logz::RandomStream truth_stream = logz::make_stream(42, logz::StreamId::initialization);
    truth.initialize(truth_stream, /*weight_stddev=*/1.5);
    logz::RandomStream data_stream = logz::make_stream(42, logz::StreamId::data_generation);
    const logz::MatrixF data = logz::sample_exactly(truth, n_examples, data_stream);

    // The model we fit: the usual start, then 30 epochs of PCD.
    logz::BernoulliRbm rbm(n_visible, n_hidden);
    logz::RandomStream init = logz::make_stream(0, logz::StreamId::initialization);
    rbm.initialize(init, 0.01, logz::ConstMatrixRef(data));
    logz::PersistentContrastiveDivergence pcd(/*chains=*/100, /*k=*/1);
    logz::TrainOptions options;
    options.epochs = 30;
    options.batch_size = 100;
    options.sgd.learning_rate = 0.05;
    logz::Trainer trainer(rbm, pcd, options);
    trainer.run(data, nullptr, nullptr);
    std::printf("trained a %ld x %ld Bernoulli RBM by PCD for %d epochs on %ld examples\n",
                static_cast<long>(n_visible), static_cast<long>(n_hidden), options.epochs,
                static_cast<long>(n_examples));

    const logz::LogZEstimate exact = logz::exact_log_z(rbm);
    std::printf("exact log Z = %.6f\n", exact.log_z);

    logz::AisOptions ais;
    ais.chains = 100;
    ais.betas = logz::linear_schedule(1000);
    const logz::LogZEstimate estimate = logz::ais_log_z(rbm, logz::visible_log_odds(data), ais);
    std::printf("AIS log Z = %.6f +/- %.6f (%ld chains, 1000 steps)\n", estimate.log_z,
                estimate.std_error, static_cast<long>(ais.chains));

    const double fitted = logz::average_log_likelihood(rbm, data, exact).average;
    const double generating =
        logz::average_log_likelihood(truth, data, logz::exact_log_z(truth)).average;
    std::printf("average log-likelihood = %.4f nats (the generating model: %.4f)\n", fitted,
                generating);
    return 0;
  } catch (const logz::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
