"""Python and the logz command line are one core: the same settings give the
same model bit for bit, and the same numbers for log Z and log-likelihoods."""

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


@pytest.fixture
def csv_data(tmp_path, binary_data):
    path = tmp_path / "data.csv"
    np.savetxt(path, binary_data, fmt="%d", delimiter=",")
    return path, binary_data


@pytest.mark.parametrize("method, extra", [("pcd", []), ("cd", ["--k", "2"]),
                                           ("pt", ["--temperatures", "4"])])
def test_fit_is_logz_train(tmp_path, cli, csv_data, method, extra):
    path, data = csv_data
    run(cli, "train", "--data", path, "--test-count", 0, "--hidden", 5, "--method", method,
        "--epochs", 3, "--batch", 50, "--lr", 0.02, "--seed", 3, "--out", tmp_path / "run", *extra)
    from_cli = logz.load(tmp_path / "run" / "model.safetensors")
    settings = dict(k=2) if method == "cd" else dict(temperatures=4) if method == "pt" else {}
    from_python = logz.BernoulliRBM(n_hidden=5, method=method, n_epochs=3, batch_size=50,
                                    learning_rate=0.02, seed=3, **settings).fit(data)
    for name in ("W", "b", "c"):
        np.testing.assert_array_equal(getattr(from_python, name), getattr(from_cli, name))
    # The file's settings come back as hyperparameters.
    assert (from_cli.method, from_cli.n_epochs, from_cli.batch_size) == (method, 3, 50)


def test_score_samples_is_logz_eval(tmp_path, cli, csv_data):
    path, data = csv_data
    rbm = logz.BernoulliRBM(n_hidden=6, n_epochs=4, batch_size=40).fit(data)
    model = tmp_path / "model.safetensors"
    rbm.save(model)
    evaluated = json.loads(run(cli, "eval", model, "--data", path, "--test-count", 0, "--split",
                               "train", "--logz-method", "exact", "--json"))
    assert rbm.score(data, method="exact") == pytest.approx(evaluated["avg_log_likelihood"],
                                                            abs=1e-9)
    assert rbm.log_z_.log_z == pytest.approx(evaluated["log_z"], abs=1e-9)
    estimated = json.loads(run(cli, "estimate", model, "--method", "exact", "--json"))
    assert logz.estimate_log_z(rbm).log_z == pytest.approx(estimated["log_z"], abs=1e-9)


def test_ais_is_logz_estimate_ais(tmp_path, cli, binary_data):
    rbm = logz.BernoulliRBM(n_hidden=6, n_epochs=4, batch_size=40).fit(binary_data)
    model = tmp_path / "model.safetensors"
    rbm.save(model)
    estimated = json.loads(run(cli, "estimate", model, "--method", "ais", "--chains", 50,
                               "--betas", 500, "--seed", 4, "--base", "model", "--json"))
    # A loaded model knows no training data: its base is its own visible biases.
    ais = logz.estimate_log_z(logz.load(model), method="ais", chains=50, betas=500, seed=4)
    assert ais.log_z == pytest.approx(estimated["log_z"], abs=1e-9)
    assert ais.std_error == pytest.approx(estimated["std_error"], abs=1e-9)
    assert ais.effective_sample_size == pytest.approx(estimated["effective_sample_size"])
