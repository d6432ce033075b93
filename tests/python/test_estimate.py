"""logz.estimate_log_z: exact enumeration against numpy, AIS against exact."""

import threading
import time

import numpy as np
import pytest

import logz
from conftest import log_z


@pytest.fixture(scope="module")
def trained():
    """A 20 x 12 RBM trained on structured data: sharper than a random one."""
    rng = np.random.default_rng(11)
    prototypes = (rng.random((4, 20)) < 0.4).astype(np.float32)
    rows = prototypes[rng.integers(0, 4, 2000)]
    data = np.where(rng.random(rows.shape) < 0.05, 1 - rows, rows).astype(np.float32)
    rbm = logz.BernoulliRBM(n_hidden=12, n_epochs=20, learning_rate=0.05, seed=3).fit(data)
    return rbm, data


def test_exact_matches_numpy_enumeration(trained):
    rbm, _ = trained
    estimate = logz.estimate_log_z(rbm, method="exact")
    assert estimate.log_z == pytest.approx(log_z(rbm.W, rbm.b, rbm.c), rel=1e-7)
    assert estimate.method == "exact" and estimate.std_error == 0.0
    assert estimate.lower == estimate.upper == estimate.log_z
    assert estimate.effective_sample_size is None and estimate.samples == 2**12
    assert float(estimate) == estimate.log_z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ais_brackets_exact_within_a_few_standard_errors(trained, seed):
    rbm, data = trained
    exact = logz.estimate_log_z(rbm, method="exact").log_z
    ais = logz.estimate_log_z(rbm, method="ais", chains=100, betas=2000, seed=seed, base=data,
                              replicates=0)
    assert ais.method == "ais" and ais.samples == 100
    assert ais.log_weights.shape == (100,) and ais.log_weights.dtype == np.float64
    assert 1 < ais.effective_sample_size <= 100
    assert ais.lower < ais.log_z < ais.upper
    # float32 products add ~1e-4 of noise that the standard error does not hold.
    assert abs(ais.log_z - exact) < 4 * ais.std_error + 2e-4, (ais, exact)


@pytest.mark.parametrize("seed", [0, 1])
def test_smc_brackets_exact_within_a_few_standard_errors(trained, seed):
    rbm, data = trained
    exact = logz.estimate_log_z(rbm, method="exact").log_z
    smc = logz.estimate_log_z(rbm, method="ais", chains=100, betas=2000, seed=seed, base=data,
                              replicates=10)
    assert smc.diagnostics["replicates"] == 10 and smc.diagnostics["particles_per_replicate"] == 10
    assert smc.log_weights.shape == (10,)
    assert smc.diagnostics["reliable"] == 1
    assert abs(smc.log_z - exact) < 4 * smc.std_error + 2e-4, (smc, exact)


def test_ais_is_seeded(trained):
    rbm, _ = trained
    first = logz.estimate_log_z(rbm, method="ais", betas=200, seed=5)
    again = logz.estimate_log_z(rbm, method="ais", betas=200, seed=5)
    other = logz.estimate_log_z(rbm, method="ais", betas=200, seed=6)
    assert first.log_z == again.log_z and first.log_z != other.log_z


def test_schedules(trained):
    rbm, _ = trained
    listed = logz.estimate_log_z(rbm, method="ais", betas=np.linspace(0, 1, 301), seed=1)
    counted = logz.estimate_log_z(rbm, method="ais", betas=300, seed=1)
    assert listed.log_z == pytest.approx(counted.log_z, abs=1e-9)
    with pytest.raises(logz.SettingError, match="betas"):
        logz.estimate_log_z(rbm, method="ais", betas=[0.0, 0.7, 0.5, 1.0])
    with pytest.raises(logz.SettingError, match='betas: "fast"'):
        logz.estimate_log_z(rbm, method="ais", betas="fast")
    with pytest.raises(logz.SettingError, match="chains: 0 must be >= 1"):
        logz.estimate_log_z(rbm, method="ais", chains=0)


def test_score_samples_with_ais_agrees_with_exact(trained):
    rbm, data = trained
    exact = rbm.score_samples(data, method="exact")
    ais = rbm.score_samples(data, method="ais", chains=100, betas=2000)
    error = rbm.log_z_.std_error
    assert rbm.log_z_.method == "ais"
    # Every value shifts by the same error in log Z.
    np.testing.assert_allclose(ais - exact, (ais - exact)[0], atol=1e-9)
    assert abs(ais[0] - exact[0]) < 4 * error + 2e-4


def test_auto_is_exact_for_small_layers_and_ais_beyond():
    rng = np.random.default_rng(0)
    small = logz.BernoulliRBM(n_hidden=5, n_epochs=1).fit((rng.random((50, 30)) < .5) * 1.0)
    assert logz.estimate_log_z(small, method="auto").method == "exact"
    large = logz.BernoulliRBM(n_hidden=30, n_epochs=1).fit((rng.random((50, 30)) < .5) * 1.0)
    assert logz.estimate_log_z(large, method="auto", betas=100).method == "ais"
    large.score_samples(np.zeros((2, 30)), betas=100)
    assert large.log_z_.method == "ais"
    with pytest.raises(logz.SettingError, match="max_exact_bits: exact log Z of this 30 x 30"):
        logz.estimate_log_z(large, method="exact", max_exact_bits=20)


def test_estimation_releases_the_gil(trained):
    rbm, _ = trained
    result = []
    thread = threading.Thread(
        target=lambda: result.append(logz.estimate_log_z(rbm, method="ais", betas=4000)))
    ticks = 0
    thread.start()
    while thread.is_alive():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    assert result and ticks > 20
