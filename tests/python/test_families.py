"""Every model family in Python: the command line's model bit for bit for the
same settings, its likelihood against an independent numpy computation, its
samples against the model, and every estimator of log Z against the exact
value."""

import itertools
import json
import subprocess

import numpy as np
import pytest

import logz


def run(cli, *args):
    proc = subprocess.run([cli, *map(str, args), "--progress", "never"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def binary(n, d, seed):
    return (np.random.default_rng(seed).random((n, d)) < 0.3).astype(np.float64)


def codes(n, sites, states, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, states, (n, sites))
    x[:, 1] = np.where(rng.random(n) < 0.7, x[:, 0], x[:, 1])  # a coupled pair
    return x


def gaussian(n, d, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mixing.T


def laplace(n, d, seed):
    rng = np.random.default_rng(seed)
    return rng.laplace(size=(n, d)) @ rng.normal(size=(d, d)).T


# (estimator, its settings, the same as `logz train` flags, data)
FAMILIES = {
    "rbm": (logz.BernoulliRBM, dict(n_hidden=4, method="pcd", n_epochs=3, batch_size=50,
                                    learning_rate=0.02, seed=3),
            ["--model", "rbm", "--hidden", 4, "--method", "pcd", "--epochs", 3, "--batch", 50,
             "--lr", 0.02, "--seed", 3], binary(300, 9, 1)),
    "gbrbm": (logz.GaussianBernoulliRBM, dict(n_hidden=3, method="cd", n_epochs=3, batch_size=40,
                                              learning_rate=0.01, seed=2),
              ["--model", "gbrbm", "--hidden", 3, "--method", "cd", "--epochs", 3, "--batch", 40,
               "--lr", 0.01, "--seed", 2], gaussian(200, 5, 2)),
    "ising": (logz.IsingModel, dict(method="pl", optimizer="lbfgs", n_epochs=30),
              ["--model", "ising", "--method", "pl", "--optimizer", "lbfgs", "--epochs", 30],
              binary(300, 8, 3)),
    "gaussian": (logz.GaussianModel, dict(method="sm", n_epochs=4, batch_size=50,
                                          learning_rate=0.01, seed=1),
                 ["--model", "gaussian", "--method", "sm", "--epochs", 4, "--batch", 50, "--lr",
                  0.01, "--seed", 1], gaussian(300, 4, 4)),
    "ica": (logz.ICAModel, dict(n_epochs=3, batch_size=50, learning_rate=0.01, seed=5),
            ["--model", "ica", "--method", "nce", "--epochs", 3, "--batch", 50, "--lr", 0.01,
             "--seed", 5], laplace(300, 3, 5)),
    "potts": (logz.PottsModel, dict(n_states=3, n_epochs=40),
              ["--model", "potts", "--states", 3, "--method", "pl", "--optimizer", "lbfgs",
               "--epochs", 40], codes(300, 5, 3, 6)),
    "potts_rbm": (logz.PottsRBM, dict(n_hidden=3, n_states=3, method="pcd", n_epochs=3,
                                      batch_size=50, learning_rate=0.05, seed=7),
                  ["--model", "potts_rbm", "--states", 3, "--hidden", 3, "--method", "pcd",
                   "--epochs", 3, "--batch", 50, "--lr", 0.05, "--seed", 7],
                  codes(300, 4, 3, 7)),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_fit_is_logz_train_bit_for_bit(tmp_path, cli, family):
    cls, settings, flags, data = FAMILIES[family]
    path = tmp_path / "data.npy"
    np.save(path, data)
    run(cli, "train", "--data", path, "--test-data", path, *flags, "--out", tmp_path / "run")
    from_cli = logz.load(tmp_path / "run" / "model.safetensors")
    assert type(from_cli) is cls
    from_python = cls(**settings).fit(data)
    assert from_python.tensors().keys() == from_cli.tensors().keys()
    for name, value in from_python.tensors().items():
        np.testing.assert_array_equal(value, from_cli.tensors()[name], err_msg=name)
    # And the likelihood the command reports for it.
    evaluated = json.loads(run(cli, "eval", tmp_path / "run", "--data", path, "--test-data", path,
                               "--split", "train", "--json"))
    assert from_python.score(data) == pytest.approx(evaluated["avg_log_likelihood"], abs=1e-6)


def test_every_family_round_trips_through_files_and_pickles(tmp_path):
    import pickle
    for family, (cls, settings, _, data) in FAMILIES.items():
        model = cls(**settings).fit(data)
        model.save(tmp_path / f"{family}.safetensors")
        for again in (logz.load(tmp_path / f"{family}.safetensors"),
                      pickle.loads(pickle.dumps(model))):
            assert type(again) is cls and again.get_params() == model.get_params()
            for name, value in model.tensors().items():
                np.testing.assert_array_equal(value, again.tensors()[name])
            np.testing.assert_array_equal(again.score_samples(data), model.score_samples(data))


def enumerate_log_z(free_energy, states):
    values = -free_energy(states)
    top = values.max()
    return top + np.log(np.exp(values - top).sum())


def test_ising_likelihood_is_the_enumerated_one():
    data = binary(400, 6, 8)
    model = logz.IsingModel(method="pl", optimizer="lbfgs").fit(data)
    J, h = model.J.astype(np.float64), model.h.astype(np.float64)
    assert np.allclose(J, J.T) and np.all(np.diag(J) == 0)
    states = np.array(list(itertools.product([0, 1], repeat=6)), dtype=np.float64)
    free = lambda x: -(x @ h) - 0.5 * np.einsum("ni,ij,nj->n", x, J, x)  # noqa: E731
    log_z = enumerate_log_z(free, states)
    np.testing.assert_allclose(model.score_samples(data), -free(data) - log_z, rtol=1e-5)
    assert model.log_z_.method == "exact"


def test_potts_likelihood_is_the_enumerated_one():
    data = codes(400, 4, 3, 9)
    model = logz.PottsModel().fit(data)
    J, h = model.J.astype(np.float64), model.h.astype(np.float64)
    assert J.shape == (4, 4, 3, 3) and h.shape == (4, 3)
    states = np.array(list(itertools.product(range(3), repeat=4)))

    def free(x):
        x = np.asarray(x, dtype=int)
        sites = np.arange(4)
        energy = h[sites, x].sum(axis=1)
        for i in range(4):
            for j in range(i + 1, 4):
                energy = energy + J[i, j, x[:, i], x[:, j]]
        return -energy

    log_z = enumerate_log_z(free, states)
    np.testing.assert_allclose(model.score_samples(data), -free(data) - log_z, rtol=1e-5)
    # The planted pair (sites 0 and 1) is the strongest coupling.
    strength = np.linalg.norm(J - J.mean(axis=(2, 3), keepdims=True), axis=(2, 3))
    assert np.unravel_index(np.argmax(strength), strength.shape) in [(0, 1), (1, 0)]


def test_gaussian_and_ica_likelihoods_are_their_densities():
    data = gaussian(500, 3, 10)
    model = logz.GaussianModel(n_epochs=20).fit(data)
    mean, precision = model.mean.astype(np.float64), model.precision.astype(np.float64)
    precision = 0.5 * (precision + precision.T)
    d = data - mean
    expected = (-0.5 * np.einsum("ni,ij,nj->n", d, precision, d) - 1.5 * np.log(2 * np.pi)
                + 0.5 * np.linalg.slogdet(precision)[1])
    np.testing.assert_allclose(model.score_samples(data), expected, rtol=1e-4)
    assert model.log_z_.method == "closed_form"
    ica = logz.ICAModel(n_epochs=5).fit(laplace(500, 3, 11))
    B = ica.B.astype(np.float64)
    x = laplace(50, 3, 12)
    expected = (-np.sqrt(2) * np.abs(x @ B.T).sum(axis=1) - 1.5 * np.log(2)
                + np.linalg.slogdet(B)[1])
    np.testing.assert_allclose(ica.score_samples(x), expected, rtol=1e-4)


def test_exact_samples_of_gaussian_and_ica_models_have_their_moments():
    model = logz.GaussianModel(n_epochs=2).fit(gaussian(500, 3, 13))
    samples = model.sample(20000).astype(np.float64)
    covariance = np.linalg.inv(0.5 * (model.precision + model.precision.T))
    np.testing.assert_allclose(samples.mean(axis=0), model.mean, atol=0.1)
    np.testing.assert_allclose(np.cov(samples.T), covariance, rtol=0.1, atol=0.05)
    ica = logz.ICAModel(n_epochs=2).fit(laplace(500, 3, 14))
    sources = ica.sample(20000).astype(np.float64) @ ica.B.T.astype(np.float64)
    # Unit-variance Laplace sources: variance 1, kurtosis 6.
    np.testing.assert_allclose(sources.var(axis=0), 1.0, rtol=0.08)
    kurtosis = (sources**4).mean(axis=0) / sources.var(axis=0)**2 - 3
    assert np.all(np.abs(kurtosis - 3.0) < 1.0)


def test_gibbs_samples_of_a_potts_model_have_its_marginals():
    model = logz.PottsModel().fit(codes(400, 3, 3, 15))
    states = np.array(list(itertools.product(range(3), repeat=3)), dtype=np.float32)
    p = np.exp(model.score_samples(states))
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    samples = model.sample(4000, steps=50)
    assert samples.shape == (4000, 3) and set(np.unique(samples)) <= {0.0, 1.0, 2.0}
    for site in range(3):
        exact = np.array([p[states[:, site] == a].sum() for a in range(3)])
        seen = np.array([(samples[:, site] == a).mean() for a in range(3)])
        assert np.all(np.abs(seen - exact) < 4.5 * np.sqrt(exact * (1 - exact) / 4000) + 1e-3)


@pytest.fixture(scope="module")
def small_rbm():
    data = binary(500, 12, 16).astype(np.float32)
    rbm = logz.BernoulliRBM(n_hidden=6, n_epochs=30, learning_rate=0.1, seed=1).fit(data)
    return rbm, data, logz.estimate_log_z(rbm, method="exact").log_z


@pytest.mark.parametrize("method, settings", [
    ("ais", dict(chains=100, betas=2000)), ("ais", dict(chains=100, betas=500, replicates=10)),
    ("bridge", dict(chains=50, betas=30))])
def test_estimators_hold_the_exact_log_z(small_rbm, method, settings):
    rbm, _, exact = small_rbm
    estimate = logz.estimate_log_z(rbm, method=method, seed=3, **settings)
    assert estimate.method in (method, "smc")
    assert estimate.std_error > 0 and estimate.lower <= estimate.upper
    assert abs(estimate.log_z - exact) < 4 * estimate.std_error + 0.02
    assert estimate.log_weights.dtype == np.float64


def test_estimators_of_other_families_hold_their_exact_log_z():
    potts = logz.PottsModel().fit(codes(400, 4, 3, 17))
    exact = logz.estimate_log_z(potts, method="exact").log_z
    for method in ("ais", "bridge"):
        estimate = logz.estimate_log_z(potts, method=method, chains=60, seed=2)
        assert abs(estimate.log_z - exact) < 4 * estimate.std_error + 0.02, method
    ising = logz.IsingModel(method="pl", optimizer="lbfgs").fit(binary(300, 8, 18))
    exact = logz.estimate_log_z(ising, method="exact").log_z
    estimate = logz.estimate_log_z(ising, method="bridge", chains=60, seed=2)
    assert abs(estimate.log_z - exact) < 4 * estimate.std_error + 0.02


def test_bounds_bracket_the_exact_log_likelihood(small_rbm):
    rbm, data, exact = small_rbm
    average = rbm.score(data, method="exact")
    raised = logz.log_likelihood_bounds(rbm, data[:100], method="raise", betas=2000, seed=1)
    assert raised.method == "raise" and raised.upper == np.inf
    assert raised.lower < rbm.score(data[:100], method="exact") + 3 * raised.details["std_error"]
    assert raised.details["log_likelihoods"].shape == (100,)
    bracket = logz.log_likelihood_bounds(rbm, data, method="bracket", raise_steps=2000,
                                         examples=100, seed=1)
    # (1e-3: the bracket's free energies are float32 sums, the score's float64.)
    assert bracket.lower - 1e-3 <= average <= bracket.upper + 1e-3
    assert bracket.width < 0.5


def test_learned_log_z_of_nce_is_labelled_as_such():
    rbm = logz.BernoulliRBM(n_hidden=3, method="nce", n_epochs=5).fit(binary(300, 8, 19))
    learned = logz.estimate_log_z(rbm, method="learned")
    assert learned.method == "learned" and learned.log_z == rbm.tensors()["log_z"][0]


def test_trajectory_anneals_along_a_run(tmp_path, cli):
    data = binary(400, 10, 20)
    np.save(tmp_path / "d.npy", data)
    run(cli, "train", "--data", tmp_path / "d.npy", "--test-data", tmp_path / "d.npy", "--hidden",
        5, "--epochs", 10, "--batch", 50, "--snapshot-every", 10, "--out", tmp_path / "run")
    rbm = logz.load(tmp_path / "run")
    exact = logz.estimate_log_z(rbm, method="exact").log_z
    estimate = logz.estimate_log_z(rbm, method="trajectory", run_folder=tmp_path / "run",
                                   betas=2000, seed=1)
    assert estimate.method == "trajectory"
    assert abs(estimate.log_z - exact) < 4 * estimate.std_error + 0.02
    estimated = json.loads(run(cli, "estimate", tmp_path / "run", "--method", "trajectory",
                               "--betas", 2000, "--seed", 1, "--json"))
    assert estimate.log_z == pytest.approx(estimated["log_z"], abs=1e-9)


def test_sequence_weights_are_plmcs(tmp_path):
    data = codes(200, 6, 4, 21)
    data[100:] = data[:100]  # every sequence twice
    weights = logz.PottsModel(reweight=0.8)._weights(data.astype(np.float32), [])
    assert np.all(np.array(weights) <= 0.5 + 1e-12)
    weighted = logz.PottsModel(n_states=4, reweight=0.8).fit(data)
    explicit = logz.PottsModel(n_states=4).fit(data, sample_weight=weights)
    np.testing.assert_array_equal(weighted.J, explicit.J)


def test_verbose_shows_progress(capfd):
    logz.BernoulliRBM(n_hidden=2, n_epochs=2, verbose=1).fit(binary(100, 5, 22))
    assert "epoch 2" in capfd.readouterr().err
    logz.BernoulliRBM(n_hidden=2, n_epochs=2).fit(binary(100, 5, 22))
    assert capfd.readouterr().err == ""


def test_an_alignment_trains_as_logz_train_reads_it(tmp_path, cli):
    fn3 = "/usr/share/doc/hmmer/examples/tutorial/fn3.sto"
    a = logz.load_alignment(fn3, test_count=9, reweight=0.8)
    assert a["train"].shape == (89, 117) and a["test"].shape == (9, 117)
    assert a["states"] == 21 and len(a["alphabet"]) == 21
    assert len(a["train_weights"]) == 89 and np.all(a["train_weights"] <= 1)
    run(cli, "train", "--model", "potts", "--data", fn3, "--test-count", 9, "--reweight", 0.8,
        "--method", "pl", "--optimizer", "lbfgs", "--epochs", 3, "--out", tmp_path / "run")
    from_cli = logz.load(tmp_path / "run")
    potts = logz.PottsModel(n_epochs=3, alphabet=a["alphabet"])
    potts.fit(a["train"], sample_weight=a["train_weights"])
    np.testing.assert_array_equal(potts.J, from_cli.J)
    np.testing.assert_array_equal(potts.h, from_cli.h)
    assert from_cli.alphabet == a["alphabet"]  # kept in the file's metadata


def test_history_holds_what_logz_train_monitors(tmp_path, cli):
    data = binary(300, 9, 23)
    path = tmp_path / "data.npy"
    np.save(path, data)
    run(cli, "train", "--data", path, "--test-data", path, "--hidden", 4, "--epochs", 3,
        "--batch", 50, "--seed", 3, "--out", tmp_path / "run")
    header, *rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    column = header.split(",").index("reconstruction_error")
    from_cli = [float(row.split(",")[column]) for row in rows]
    rbm = logz.BernoulliRBM(n_hidden=4, n_epochs=3, batch_size=50, seed=3).fit(data)
    # (metrics.csv keeps 10 significant digits.)
    np.testing.assert_allclose(rbm.history_["reconstruction_error"], from_cli, rtol=1e-8)
    # monitor="exact": log Z and the training log-likelihood after every epoch.
    exact = logz.BernoulliRBM(n_hidden=4, n_epochs=3, batch_size=50, seed=3,
                              monitor="exact").fit(data)
    assert exact.history_["log_z"][-1] == pytest.approx(
        logz.estimate_log_z(exact, method="exact").log_z, abs=1e-9)
    assert exact.history_["train_log_likelihood"][-1] == pytest.approx(exact.score(data), abs=1e-6)
    assert np.all(np.isfinite(exact.history_["pseudo_log_likelihood"]))
    quiet = logz.BernoulliRBM(n_hidden=4, n_epochs=3, monitor="none").fit(data)
    assert "reconstruction_error" not in quiet.history_
