"""logz: energy-based models whose partition function Z is intractable.

Train them, and know their real log-likelihood, from Python, with
scikit-learn's conventions:

    import logz
    train, test = logz.load_data("mnist10k")  # float32 [n, 784] of 0s and 1s
    rbm = logz.BernoulliRBM(n_hidden=25, method="pcd", n_epochs=10).fit(train)
    rbm.score_samples(test)                 # log p(v) per example, exact log Z
    logz.estimate_log_z(rbm, method="ais")  # log Z with its error bar
    rbm.save("model.safetensors"); logz.load("model.safetensors")

Estimators: BernoulliRBM, GaussianBernoulliRBM, IsingModel, GaussianModel,
ICAModel, PottsModel, PottsRBM (logz.models). Each trains by every method
`logz train` offers it, with the command's own code: the same settings give
the same model bit for bit. Estimates of log Z (logz.estimate_log_z) and
bounds on the log-likelihood (logz.log_likelihood_bounds) are `logz
estimate` and `logz eval`.

The computations are logz's C++ core, run with the GIL released. Errors are
logz.Error and its subclasses, each also a standard exception: SettingError
and DataError are ValueErrors, FileError an OSError, DivergenceError an
ArithmeticError, NotFittedError a ValueError and an AttributeError,
DataTypeError (input that is not numbers) a DataError and a TypeError.
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np

from . import _core
from ._core import (DataError, DivergenceError, Error, FileError, LogZEstimate, SettingError,
                    __version__)
from ._validation import DataTypeError
from .estimate import LogLikelihoodBounds, estimate_log_z, log_likelihood_bounds
from .models import (BernoulliRBM, GaussianBernoulliRBM, GaussianModel, ICAModel, IsingModel,
                     NotFittedError, PottsModel, PottsRBM, load, save)


def load_data(source: "str | os.PathLike[str]" = "mnist10k",
              test_data: "Optional[str | os.PathLike[str]]" = None,
              test_count: Optional[int] = None, binarize: str = "auto", threshold: float = 0.5,
              seed: int = 0) -> "tuple[np.ndarray, np.ndarray]":
    """(train, test): a data set as the logz command line reads it, float32
    arrays of shape (n_examples, n_features) (no copy is made of what C++ read).

    source : "mnist10k" (10,000 MNIST digits bundled with logz, found in the
        source tree or the installed share/logz/data, or $LOGZ_DATA_DIR; the
        last 1,000 are the test set), "fashion-mnist" (Debian's
        dataset-fashion-mnist) or a path to an IDX, CSV or NPY file (.gz allowed).
    test_data : a separate test file for a path; else the last ``test_count``
        rows are held out (default: 10%).
    binarize : "auto" (threshold images, map {-1, +1} to {0, 1}, keep other
        data), "none", "threshold" (x > threshold times the maximum) or
        "stochastic" (x ~ Bernoulli(value), seeded by ``seed``).
    """
    return _core.load_data(str(source), "" if test_data is None else str(test_data), test_count,
                           binarize, threshold, seed)


def load_alignment(source: "str | os.PathLike[str]",
                   test_data: "Optional[str | os.PathLike[str]]" = None, test_count: int = 0,
                   alphabet: str = "", reweight: float = 0.0, unknown_as_gap: bool = False,
                   states: int = 0) -> dict:
    """A multiple sequence alignment (Stockholm, A2M/A3M, FASTA) or a file of
    integer codes (with ``states``), as the logz command line reads it.

    Returns a dict: ``train`` and ``test`` (float32 arrays of codes 0..q-1,
    shape (n_sequences, L)), ``states`` (q), ``alphabet`` (the letters of the
    codes), ``train_names``/``test_names``, ``train_weights``/
    ``test_weights`` (float64 sequence weights at identity threshold
    ``reweight``, plmc's theta; empty when 0), ``name``.
    """
    return _core.load_categorical(str(source), "" if test_data is None else str(test_data),
                                  test_count, states, alphabet, reweight, unknown_as_gap)


def set_threads(threads: int) -> None:
    """Threads for logz's matrix products and kernels; 0: all cores."""
    _core.set_threads(threads)


def threads() -> int:
    """The number of threads logz's parallel loops use."""
    return _core.threads()


__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "IsingModel", "GaussianModel", "ICAModel",
           "PottsModel", "PottsRBM", "load", "save", "load_data", "load_alignment",
           "estimate_log_z", "log_likelihood_bounds", "LogZEstimate", "LogLikelihoodBounds",
           "set_threads", "threads", "Error", "SettingError", "DataError", "FileError",
           "DivergenceError", "NotFittedError", "DataTypeError", "__version__"]
