"""logz's errors in Python: typed, also standard exceptions, with the C++
messages; training stops cleanly on divergence, callback errors and Ctrl-C."""

import _thread
import threading

import numpy as np
import pytest

import logz


@pytest.fixture
def data():
    return (np.random.default_rng(5).random((300, 20)) < 0.3).astype(np.float32)


def test_the_exception_types():
    assert issubclass(logz.SettingError, logz.Error) and issubclass(logz.SettingError, ValueError)
    assert issubclass(logz.DataError, logz.Error) and issubclass(logz.DataError, ValueError)
    assert issubclass(logz.FileError, logz.Error) and issubclass(logz.FileError, OSError)
    assert issubclass(logz.DivergenceError, logz.Error)
    assert issubclass(logz.DivergenceError, ArithmeticError)
    assert issubclass(logz.NotFittedError, logz.Error)
    assert logz.SettingError.__module__ == "logz"


@pytest.mark.parametrize("settings, message", [
    (dict(learning_rate=0.0), "learning_rate: 0 must be a finite number > 0"),
    (dict(learning_rate=float("nan")), "learning_rate: nan is not a finite number"),
    (dict(momentum=1.5), r"momentum: 1.5 must be in \[0, 1\)"),
    (dict(weight_decay=-1.0), r"weight_decay: -1.0 must be >= 0.0"),
    (dict(lr_schedule="exponential"), "final_learning_rate: the exponential schedule needs"),
    (dict(method="sml"), "method: 'sml' is not one of cd, pcd, pt, pl, rm, exact, nce"),
    (dict(binarize="yes"), "binarize: 'yes' is not one of threshold"),
    (dict(optimizer="lbfgs"), "optimizer: lbfgs minimizes a deterministic objective"),
    (dict(n_hidden=0), "n_hidden: 0 must be >= 1"),
    (dict(batch_size="100"), "batch_size: '100' is not an integer"),
    (dict(seed=-1), r"seed: -1 must be \[0, 18446744073709551615\]"),
    (dict(temperatures=1), "temperatures: 1 must be >= 2"),
])
def test_settings_are_checked_when_fit_starts(settings, message, data):
    rbm = logz.BernoulliRBM(**settings)  # scikit-learn's convention: stored as given
    assert rbm.get_params()[next(iter(settings))] is next(iter(settings.values()))
    with pytest.raises(logz.SettingError, match=message):
        rbm.fit(data)
    with pytest.raises(logz.NotFittedError):
        rbm.W


def test_exact_training_of_a_model_too_large_to_enumerate(data):
    rbm = logz.BernoulliRBM(n_hidden=25, method="exact", max_exact_bits=10)
    with pytest.raises(logz.SettingError, match=r"max_exact_bits: exact log Z of this 20 x 25 "
                                                r"RBM sums over 2\^20 visible states"):
        rbm.fit(data)
    with pytest.raises(logz.NotFittedError):  # no half-made model stays behind
        rbm.W


def test_missing_and_damaged_files(tmp_path):
    missing = tmp_path / "missing.safetensors"
    with pytest.raises(OSError) as raised:
        logz.load(missing)
    assert isinstance(raised.value, logz.FileError)
    assert str(raised.value).startswith(str(missing)) and raised.value.path == str(missing)
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(logz.FileError, match=str(damaged)):
        logz.load(damaged)
    rbm = logz.BernoulliRBM(n_hidden=2, n_epochs=1).fit(np.eye(4))
    with pytest.raises(logz.FileError, match="no/such/folder"):
        rbm.save(tmp_path / "no" / "such" / "folder" / "m.safetensors")


def test_an_ising_model_file_is_named_as_such(tmp_path, cli):
    import subprocess
    spins = np.random.default_rng(0).integers(0, 2, (100, 6))
    np.savetxt(tmp_path / "d.csv", spins, fmt="%d", delimiter=",")
    subprocess.run([cli, "train", "--model", "ising", "--method", "pl", "--data",
                    tmp_path / "d.csv", "--epochs", "1", "--batch", "10", "--out", tmp_path / "run",
                    "--progress", "never"], check=True, capture_output=True)
    # Every model file loads as its own estimator.
    ising = logz.load(tmp_path / "run" / "model.safetensors")
    assert type(ising) is logz.IsingModel and ising.J.shape == (6, 6)


def test_divergence_leaves_the_parameters_from_before(data):
    rbm = logz.BernoulliRBM(n_hidden=10, method="pcd", learning_rate=3e5, momentum=0.9,
                            n_epochs=100, batch_size=20)
    with pytest.raises(logz.DivergenceError) as raised:
        rbm.fit(data)
    message = str(raised.value)
    assert message.startswith("training diverged at epoch 1, batch ")
    assert "the parameters exploded" in message and "try a smaller learning_rate" in message
    assert message.endswith("the model keeps its parameters from before this call; fit again (or "
                            "lower the learning rate)")
    assert np.all(np.abs(rbm.W) < 0.1)  # as initialized (init_std 0.01)
    assert np.isfinite(rbm.score(data))
    rbm.set_params(learning_rate=0.01)  # set_params forgets the model: fit anew
    rbm.fit(data)
    assert len(rbm.history_["epoch"]) == 100 and np.isfinite(rbm.score(data))


def test_an_error_in_the_callback_stops_training(data):
    def callback(epoch):
        if epoch["epoch"] == 2:
            raise ZeroDivisionError("from the callback")

    rbm = logz.BernoulliRBM(n_hidden=4, n_epochs=5)
    with pytest.raises(ZeroDivisionError, match="from the callback"):
        rbm.fit(data, callback=callback)
    assert len(rbm.history_["epoch"]) == 2  # the epochs that ran, and the model after them
    rbm.partial_fit(data)
    assert rbm.history_["epoch"].tolist() == [1, 2, 3]


def test_ctrl_c_stops_training_after_a_batch(data):
    big = np.tile(data, (40, 1))
    rbm = logz.BernoulliRBM(n_hidden=50, n_epochs=100000, batch_size=10)
    started = threading.Event()

    def interrupt_soon(epoch):
        if not started.is_set():
            started.set()
            threading.Timer(0.2, _thread.interrupt_main).start()

    with pytest.raises(KeyboardInterrupt):
        rbm.fit(big, callback=interrupt_soon)
    assert 1 <= len(rbm.history_["epoch"]) < 100000
    assert np.all(np.isfinite(rbm.W))


def test_not_fitted():
    with pytest.raises(logz.NotFittedError, match="not fitted yet"):
        logz.BernoulliRBM().W
    with pytest.raises(logz.NotFittedError):
        logz.estimate_log_z(logz.BernoulliRBM())


def test_every_documented_error_path(tmp_path):
    """docs/python.md's table of errors, row by row."""
    import pickle

    import scipy.sparse
    binary = (np.random.default_rng(1).random((50, 4)) < 0.5).astype(np.float32)
    # SettingError: a method the model does not offer, a parameter out of
    # range, sample_weight with a method that takes none.
    with pytest.raises(logz.SettingError, match="method: 'pl' is not one of sm, dsm, nce"):
        logz.GaussianModel(method="pl").fit(np.random.default_rng(0).normal(size=(20, 2)))
    with pytest.raises(logz.SettingError, match="n_states: 1 must be"):
        logz.PottsModel(n_states=1).fit(np.zeros((5, 3)))
    with pytest.raises(logz.SettingError, match="sample_weight: method 'cd' does not take"):
        logz.BernoulliRBM(method="cd").fit(binary, sample_weight=np.ones(50))
    with pytest.raises(logz.SettingError, match="method: 'magic' is not one of"):
        logz.estimate_log_z(logz.BernoulliRBM(n_hidden=2, n_epochs=1).fit(binary), method="magic")
    # DataError: sparse, complex, 1-D, empty, NaN, inf, values outside the
    # units, a different width.
    rbm = logz.BernoulliRBM(n_hidden=2, n_epochs=1).fit(binary)
    cases = [(scipy.sparse.csr_matrix(binary), "sparse matrix.*toarray"),
             (binary.astype(complex), "Complex data not supported"),
             (binary[0], "Reshape your data"), (binary[:0], r"0 sample\(s\)"),
             (np.where(binary > 0, np.nan, 0), "is NaN"),
             (np.where(binary > 0, np.inf, 0), "is inf"),
             (binary * 2, "is 2.0, but the model's units are binary"),
             (binary[:, :3], "X has 3 features, but this BernoulliRBM was fitted with 4")]
    for X, message in cases:
        with pytest.raises(logz.DataError, match=message):
            rbm.score_samples(X)
    with pytest.raises(logz.DataError, match=r"X\[0, 1\] is 3.0, but the model's units take 3 "
                                             r"states"):
        logz.PottsModel(n_states=3).fit(np.array([[0, 3], [1, 2]]))
    with pytest.raises(logz.DataError, match=r"X\[1, 0\] is 0.5.*integer codes"):
        logz.PottsModel().fit(np.array([[0, 1], [0.5, 2]]))
    # More training binds codes to the states of the model fitted first.
    potts = logz.PottsModel(optimizer="sgd", method="pcd", n_epochs=1).fit([[0, 1], [1, 2]])
    with pytest.raises(logz.DataError, match=r"X\[0, 1\] is 3.0, but the model's units take 3 "
                                             r"states"):
        potts.partial_fit(np.array([[0, 3]]))
    assert potts.fit([[0, 3], [1, 2]]).J.shape == (2, 2, 4, 4)  # a new fit starts afresh
    # DataTypeError: a DataError and a TypeError.
    objects = binary.astype(object)
    objects[0, 0] = {"not": "a number"}
    with pytest.raises(logz.DataTypeError, match="argument must be a string or a real number"):
        rbm.score_samples(objects)
    assert issubclass(logz.DataTypeError, logz.DataError)
    assert issubclass(logz.DataTypeError, TypeError)
    # FileError: a file or pickled bytes that are not a model.
    (tmp_path / "x.safetensors").write_bytes(b"nonsense")
    with pytest.raises(logz.FileError, match="x.safetensors"):
        logz.load(tmp_path / "x.safetensors")
    state = rbm.__getstate__()
    state["_model_bytes"] = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "
    with pytest.raises(logz.FileError, match="pickle"):
        pickle.loads(pickle.dumps(rbm)).__setstate__(state)
