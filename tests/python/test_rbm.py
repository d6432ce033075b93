"""BernoulliRBM: fitting, the scikit-learn verbs, parameters and files,
checked against an independent numpy computation."""

import threading
import time

import numpy as np
import pytest

import logz
from conftest import log_unnormalized, log_z


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_fit_recovers_the_likelihood_of_a_known_model(known_rbm):
    train, test = known_rbm.sample(5000, seed=1), known_rbm.sample(2000, seed=2)
    rbm = logz.BernoulliRBM(n_hidden=3, method="pcd", learning_rate=0.05, n_epochs=50,
                            batch_size=100, seed=0).fit(train)
    # The generating model's average log-likelihood is the target: maximum
    # likelihood on 5,000 examples gets within a few hundredths of a nat.
    assert rbm.score(train) == pytest.approx(known_rbm.log_likelihood(train).mean(), abs=0.05)
    assert rbm.score(test) == pytest.approx(known_rbm.log_likelihood(test).mean(), abs=0.05)
    assert rbm.log_z_.method == "exact"


def test_exact_gradient_recovers_the_likelihood_too(known_rbm):
    train = known_rbm.sample(2000, seed=3)
    rbm = logz.BernoulliRBM(n_hidden=3, method="exact", optimizer="adam", learning_rate=0.05,
                            n_epochs=20, batch_size=200, seed=1).fit(train)
    assert rbm.score(train) == pytest.approx(known_rbm.log_likelihood(train).mean(), abs=0.05)


def test_score_samples_is_the_exact_log_likelihood(binary_data):
    rbm = logz.BernoulliRBM(n_hidden=6, n_epochs=3, batch_size=50).fit(binary_data)
    expected = (log_unnormalized(rbm.W, rbm.b, rbm.c, binary_data.astype(np.float64))
                - log_z(rbm.W, rbm.b, rbm.c))
    scores = rbm.score_samples(binary_data)
    assert scores.dtype == np.float64 and scores.shape == (len(binary_data),)
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    assert rbm.score(binary_data) == pytest.approx(expected.mean(), rel=1e-6)
    assert rbm.log_z_.log_z == pytest.approx(log_z(rbm.W, rbm.b, rbm.c), rel=1e-6)
    np.testing.assert_allclose(rbm.free_energy(binary_data),
                               -log_unnormalized(rbm.W, rbm.b, rbm.c, binary_data), rtol=1e-6,
                               atol=1e-5)


@pytest.mark.parametrize("settings", [dict(method="pcd"), dict(method="cd", k=2),
                                      dict(method="pt", temperatures=4),
                                      dict(method="pcd", optimizer="adam", learning_rate=0.01),
                                      dict(method="rm")])
def test_partial_fit_continues_fit_exactly(binary_data, settings):
    longer = logz.BernoulliRBM(n_hidden=5, n_epochs=4, batch_size=50, seed=2, **settings)
    longer.fit(binary_data)
    shorter = logz.BernoulliRBM(n_hidden=5, n_epochs=3, batch_size=50, seed=2, **settings)
    shorter.fit(binary_data).partial_fit(binary_data)
    for name in ("W", "b", "c"):
        np.testing.assert_array_equal(getattr(shorter, name), getattr(longer, name))
    assert shorter.history_["epoch"].tolist() == [1, 2, 3, 4]


def test_partial_fit_from_scratch_is_fit_epoch_by_epoch(binary_data):
    whole = logz.BernoulliRBM(n_hidden=4, n_epochs=2, batch_size=40, seed=5).fit(binary_data)
    pieces = logz.BernoulliRBM(n_hidden=4, batch_size=40, seed=5)
    pieces.partial_fit(binary_data).partial_fit(binary_data)
    np.testing.assert_array_equal(pieces.W, whole.W)
    # A pass over fewer examples than batch_size is one batch of them all.
    pieces.partial_fit(binary_data[:10])
    assert len(pieces.history_["epoch"]) == 3


def test_a_schedule_belongs_to_fit(binary_data):
    rbm = logz.BernoulliRBM(lr_schedule="linear", final_learning_rate=0.001)
    with pytest.raises(logz.SettingError, match="lr_schedule.*partial_fit"):
        rbm.partial_fit(binary_data)


def test_the_seed_decides_everything(binary_data):
    a = logz.BernoulliRBM(n_hidden=4, n_epochs=2, seed=9).fit(binary_data)
    b = logz.BernoulliRBM(n_hidden=4, n_epochs=2, seed=9).fit(binary_data)
    c = logz.BernoulliRBM(n_hidden=4, n_epochs=2, seed=10).fit(binary_data)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)


def test_transform_is_p_h_given_v(binary_data):
    rbm = logz.BernoulliRBM(n_hidden=7, n_epochs=2).fit(binary_data)
    hidden = rbm.transform(binary_data)
    assert hidden.shape == (len(binary_data), 7) and hidden.dtype == np.float32
    assert np.all((hidden >= 0) & (hidden <= 1))
    np.testing.assert_allclose(hidden, sigmoid(binary_data @ rbm.W + rbm.c), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(logz.DataError, match=r"0 sample\(s\)"):
        rbm.transform(binary_data[:0])


def test_gibbs_is_one_seeded_step(binary_data):
    rbm = logz.BernoulliRBM(n_hidden=5, n_epochs=2, seed=4).fit(binary_data)
    first, second = rbm.gibbs(binary_data), rbm.gibbs(binary_data)
    assert first.shape == binary_data.shape and first.dtype == np.float32
    assert set(np.unique(first)) <= {0.0, 1.0}
    assert not np.array_equal(first, second)  # the stream advances
    again = logz.BernoulliRBM(n_hidden=5, n_epochs=2, seed=4).fit(binary_data)
    np.testing.assert_array_equal(again.gibbs(binary_data), first)


def test_samples_follow_the_model(known_rbm):
    rbm = logz.BernoulliRBM(n_hidden=3).fit(known_rbm.sample(500, seed=4))
    rbm.W, rbm.b, rbm.c = known_rbm.W, known_rbm.b, known_rbm.c
    samples = rbm.sample(4000, steps=100)
    assert samples.shape == (4000, 10) and set(np.unique(samples)) <= {0.0, 1.0}
    # Marginals within 4.5 standard errors of the exact ones (enumeration).
    exact = known_rbm.probability @ known_rbm.states
    error = np.sqrt(exact * (1 - exact) / len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - exact) < 4.5 * error + 1e-3)
    started = rbm.sample(3, steps=0, start=known_rbm.states[[5, 9]])
    np.testing.assert_array_equal(started, known_rbm.states[[5, 9, 5]])


def test_parameters_can_be_read_and_set(binary_data):
    rbm = logz.BernoulliRBM(n_hidden=3, n_epochs=1).fit(binary_data)
    assert rbm.W.shape == (16, 3) and rbm.b.shape == (16,) and rbm.c.shape == (3,)
    assert rbm.n_visible == 16
    before = rbm.score(binary_data)
    W = rbm.W
    W[0, 0] += 1.0  # a copy: the model is unchanged
    assert rbm.score(binary_data) == before
    rbm.W = W
    assert rbm.W[0, 0] == W[0, 0] and rbm.score(binary_data) != before
    np.testing.assert_array_equal(rbm.components_, rbm.W.T)
    np.testing.assert_array_equal(rbm.intercept_visible_, rbm.b)
    np.testing.assert_array_equal(rbm.intercept_hidden_, rbm.c)
    with pytest.raises(logz.DataError,
                       match=r"W: expected an array of shape \(16, 3\), got \(15, 3\)"):
        rbm.W = np.zeros((15, 3))
    with pytest.raises(logz.DataError, match=r"c: holds a non-finite value at flat index 1"):
        rbm.c = [0.0, np.nan, 0.0]


def test_save_and_load(tmp_path, binary_data):
    rbm = logz.BernoulliRBM(n_hidden=4, n_epochs=2, learning_rate=0.02, k=3,
                            batch_size=64).fit(binary_data)
    path = tmp_path / "model.safetensors"
    rbm.save(path)
    loaded = logz.load(path)
    for name in ("W", "b", "c"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(rbm, name))
    assert (loaded.learning_rate, loaded.k, loaded.batch_size, loaded.n_epochs) == (0.02, 3, 64, 2)
    assert loaded.metadata_["model"] == "bernoulli_rbm"
    assert loaded.score(binary_data) == rbm.score(binary_data)
    loaded.partial_fit(binary_data)  # training goes on from the file's parameters
    assert not np.array_equal(loaded.W, rbm.W)


def test_callback_sees_every_epoch_and_can_stop(binary_data):
    seen = []

    def callback(epoch):
        seen.append(epoch)
        return epoch["epoch"] < 2

    rbm = logz.BernoulliRBM(n_hidden=3, n_epochs=5, method="cd").fit(binary_data, callback=callback)
    assert [e["epoch"] for e in seen] == [1, 2] and len(rbm.history_["epoch"]) == 2
    assert seen[0]["batch_reconstruction_error"] > 0 and seen[0]["learning_rate"] == 0.05
    assert seen[0]["reconstruction_error"] > 0  # monitored on 1,000 rows (monitor="recon")
    assert seen[0]["batch_objective"] is None  # CD has no objective value


def test_hyperparameters_follow_scikit_learn_conventions():
    rbm = logz.BernoulliRBM(n_hidden=8, method="cd")
    assert rbm.get_params()["n_hidden"] == 8 and rbm.get_params()["method"] == "cd"
    assert repr(rbm) == "BernoulliRBM(n_hidden=8, method='cd')"
    rbm.set_params(k=4)
    assert rbm.k == 4
    rbm.set_params(k=0)  # checked when fit starts, as scikit-learn does
    with pytest.raises(logz.SettingError, match="k: 0 must be >= 1"):
        rbm.fit(np.zeros((4, 3)))
    with pytest.raises(logz.SettingError, match="not a parameter"):
        rbm.set_params(n_components=3)


def test_training_releases_the_gil():
    data = (np.random.default_rng(0).random((5000, 400)) < 0.2).astype(np.float32)
    rbm = logz.BernoulliRBM(n_hidden=100, n_epochs=3, batch_size=100)
    thread = threading.Thread(target=rbm.fit, args=(data,))
    ticks = 0
    thread.start()
    while thread.is_alive():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    assert len(rbm.history_["epoch"]) == 3
    assert ticks > 20  # the main thread ran while C++ trained
