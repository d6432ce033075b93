"""logz: energy-based models whose partition function Z is intractable.

Train them, and know their real log-likelihood, from Python:

    import logz
    train, test = logz.load_data("mnist10k")  # float32 [n, 784] of 0s and 1s
    rbm = logz.BernoulliRBM(n_hidden=25, method="pcd", n_epochs=10).fit(train)
    rbm.score_samples(test)                 # log p(v) per example, exact log Z
    logz.estimate_log_z(rbm, method="ais")  # log Z with its error bar
    rbm.save("model.safetensors"); logz.load("model.safetensors")

The computations are logz's C++ core (the library behind the `logz`
command line), run with the GIL released. Errors are logz.Error and its
subclasses, each also a standard exception: SettingError and DataError are
ValueErrors, FileError an OSError, DivergenceError an ArithmeticError.
"""

from . import _core
from ._core import (DataError, DivergenceError, Error, FileError, LogZEstimate, SettingError,
                    __version__)
from .estimate import estimate_log_z
from .rbm import BernoulliRBM, NotFittedError, load


def load_data(source="mnist10k", test_data=None, test_count=None, binarize="auto",
              threshold=0.5, seed=0):
    """(train, test): a data set as the logz command line reads it, float32
    [n, units] arrays (no copy is made of what C++ read).

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


def set_threads(threads):
    """Threads for logz's matrix products and kernels; 0: all cores."""
    _core.set_threads(threads)


def threads():
    """The number of threads logz's parallel loops use."""
    return _core.threads()


__all__ = ["BernoulliRBM", "load", "load_data", "estimate_log_z", "LogZEstimate", "set_threads", "threads",
           "Error", "SettingError", "DataError", "FileError", "DivergenceError",
           "NotFittedError", "__version__"]
