"""The Bernoulli RBM with the verbs scikit-learn users know.

    E(v, h) = -b.v - c.h - v^T W h,   v in {0,1}^V, h in {0,1}^H
    F(v)    = -b.v - sum_j softplus(c_j + (v W)_j)
    p(v)    = exp(-F(v)) / Z

Hyperparameters are the constructor's arguments, checked there and kept
apart from what training learns (W, b, c and the training state). Every
computation runs in logz's C++ core with the GIL released.

Arrays in: a C-contiguous float32 2-D array [n_examples, n_units] is read
where it lies, without a copy; any other array of numbers (float64, bool,
integers, Fortran order, slices, lists) is converted once to float32.
"""

import inspect
import math
import numbers

from . import _core
from .estimate import (AUTO_EXACT_BITS, _check_int, base_log_odds, estimate_log_z,
                       resolve_method, schedule)

METHODS = ("cd", "pcd", "pt", "pl", "rm", "exact")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "linear", "exponential")

# Model-file metadata (as `logz train` writes it) -> constructor argument.
_METADATA_SETTINGS = {
    "method": "method", "k": "k", "chains": "chains", "temperatures": "temperatures",
    "lr": "learning_rate", "momentum": "momentum", "weight_decay": "weight_decay",
    "optimizer": "optimizer", "lr_schedule": "lr_schedule", "lr_final": "final_learning_rate",
    "batch": "batch_size", "epochs": "n_epochs", "seed": "seed", "init_std": "init_std",
}


class NotFittedError(_core.Error, ValueError, AttributeError):
    """A model used before fit, partial_fit or load gave it parameters."""


class BernoulliRBM:
    """A Bernoulli-Bernoulli restricted Boltzmann machine.

    Parameters
    ----------
    n_hidden : int
        Hidden units H (25 keeps log Z exactly computable for any V).
    method : str
        Inductive principle: "cd" (CD-k), "pcd" (persistent CD / stochastic
        maximum likelihood), "pt" (SML with parallel tempering), "pl"
        (pseudolikelihood), "rm" (ratio matching), "exact" (exact
        log-likelihood gradient by enumeration; small models).
    k : int
        Gibbs sweeps per update (cd, pcd; ladder sweeps for pt).
    learning_rate : float
        Step size (> 0).
    momentum : float or None
        SGD momentum in [0, 1), Adam's beta1; None: 0.5 for sgd, 0.9 for adam.
    batch_size : int
        Minibatch size (a pass over fewer examples uses them all as one batch).
    n_epochs : int
        Passes over the data made by fit().
    seed : int
        Seed of every random choice (initialization, shuffling, sampling):
        the same seed gives the same model, bit for bit, for any thread count.
    chains : int or None
        Persistent chains of pcd, chains per temperature of pt; None: the
        batch size.
    temperatures : int
        Inverse temperatures of pt's ladder (>= 2).
    weight_decay : float
        L2 penalty on W (>= 0).
    optimizer : "sgd" or "adam"
    lr_schedule : "constant", "linear" or "exponential"
        Over fit()'s n_epochs, from learning_rate to final_learning_rate.
    final_learning_rate : float
    init_std : float
        Standard deviation of the initial weights (b starts at the data's
        log-odds, c at 0).
    max_exact_bits : int
        Exact enumeration (method="exact", exact log Z) of more than
        2^max_exact_bits states is refused.

    Fitted state: ``W`` [V, H], ``b`` [V], ``c`` [H] (float32 numpy copies;
    assignable), ``history_`` (one dict per epoch trained), ``log_z_`` (the
    estimate the last score_samples used), ``metadata_`` (of a loaded file).
    A model is not safe to use from two threads at once.
    """

    def __init__(self, n_hidden=25, method="pcd", k=1, learning_rate=0.05, momentum=None,
                 batch_size=100, n_epochs=10, seed=0, chains=None, temperatures=10,
                 weight_decay=0.0, optimizer="sgd", lr_schedule="constant",
                 final_learning_rate=0.0, init_std=0.01, max_exact_bits=30):
        self.n_hidden = n_hidden
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed
        self.chains = chains
        self.temperatures = temperatures
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.final_learning_rate = final_learning_rate
        self.init_std = init_std
        self.max_exact_bits = max_exact_bits
        self._validate()
        self._forget()

    # -- hyperparameters ---------------------------------------------------

    def get_params(self, deep=True):
        """The constructor's arguments as a dict (scikit-learn's convention)."""
        return {name: getattr(self, name) for name in _PARAMETERS}

    def set_params(self, **params):
        """Sets constructor arguments, checks them, and forgets what was learned."""
        for name, value in params.items():
            if name not in _PARAMETERS:
                raise _core.SettingError(f"{name}: not a parameter of BernoulliRBM (they are "
                                         f"{', '.join(_PARAMETERS)})")
            setattr(self, name, value)
        self._validate()
        self._forget()
        return self

    def __repr__(self):
        changed = [f"{name}={getattr(self, name)!r}" for name, default in _PARAMETERS.items()
                   if getattr(self, name) != default]
        return f"BernoulliRBM({', '.join(changed)})"

    def _validate(self):
        _check_int("n_hidden", self.n_hidden, 1)
        _check_choice("method", self.method, METHODS)
        _check_int("k", self.k, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("n_epochs", self.n_epochs, 1)
        _check_int("seed", self.seed, 0, 2**64 - 1)
        if self.chains is not None:
            _check_int("chains", self.chains, 1)
        _check_int("temperatures", self.temperatures, 2)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("lr_schedule", self.lr_schedule, SCHEDULES)
        _check_int("max_exact_bits", self.max_exact_bits, 1, 40)
        for name in ("learning_rate", "weight_decay", "final_learning_rate", "init_std"):
            _check_number(name, getattr(self, name))
        if self.momentum is not None:
            _check_number("momentum", self.momentum)
        if not (math.isfinite(self.init_std) and self.init_std >= 0):
            raise _core.SettingError(f"init_std: {self.init_std} must be a finite number >= 0")
        _core.check_optimizer(**self._optimizer_settings())

    def _optimizer_settings(self):
        momentum = self.momentum
        if momentum is None:
            momentum = 0.9 if self.optimizer == "adam" else 0.5
        return dict(learning_rate=float(self.learning_rate), momentum=float(momentum),
                    weight_decay=float(self.weight_decay), optimizer=self.optimizer,
                    lr_schedule=self.lr_schedule,
                    final_learning_rate=float(self.final_learning_rate))

    # -- training ----------------------------------------------------------

    def fit(self, X, callback=None):
        """Trains a new model on X for n_epochs epochs; returns self.

        X : array [n_examples, V] of 0s and 1s (float32 C-contiguous is used
            in place; other arrays are converted once).
        callback : called after every epoch with that epoch's dict (epoch,
            seconds, learning_rate, objective, reconstruction_error, ...);
            returning False stops training.

        Ctrl-C stops after the current minibatch (KeyboardInterrupt), leaving
        the parameters reached. A DivergenceError leaves the parameters of the
        last good epoch.
        """
        X = _core.as_matrix(X, "X", binary=True)  # converted once, if at all
        self._forget()
        self._start(X)
        try:
            self._train(X, self.n_epochs, callback)
        except _core.SettingError:
            self._forget()  # refused before training (exact on too many states): no model
            raise
        return self

    def partial_fit(self, X, callback=None):
        """One pass over X, continuing the optimizer, chains and random streams.

        The first call on an untrained model initializes it from X. After
        fit(X) with n_epochs = E, partial_fit(X) gives the same model as fit
        with E + 1 epochs (for X of at least batch_size rows; a pass over
        fewer rows makes them one batch). A learning-rate schedule belongs to
        fit's run, so partial_fit needs lr_schedule="constant". Returns self.
        """
        if self.lr_schedule != "constant":
            raise _core.SettingError(
                f'lr_schedule: "{self.lr_schedule}" spans fit()\'s n_epochs; partial_fit '
                f'trains one pass at a time and needs "constant"')
        columns = -1 if self._rbm is None else self._rbm.n_visible
        X = _core.as_matrix(X, "X", columns, binary=True)
        if self._rbm is None:
            self._start(X)
        self._train(X, 1, callback)
        return self

    def _start(self, X):
        rbm = _core.Rbm(X.shape[1], self.n_hidden)
        rbm.initialize(self.seed, float(self.init_std), X)
        self._rbm = rbm
        self._base = _core.visible_log_odds(X)
        self._stream = _core.Stream(self.seed)
        self._changed()

    def _train(self, X, epochs, callback):
        if self._session is None:
            settings = self._optimizer_settings()
            self._session = _core.TrainingSession(
                method=self.method, k=self.k, chains=self.chains or 0,
                temperatures=self.temperatures, batch_size=self.batch_size, seed=self.seed,
                max_exact_bits=self.max_exact_bits, **settings)
        try:
            self._session.run(self._rbm, X, epochs, self.history_, callback)
        except _core.DivergenceError:
            self._session = None
            raise
        finally:
            self._changed()

    # -- what the model computes -------------------------------------------

    def transform(self, X):
        """p(h = 1 | v) for each row of X [n, V]: float32 [n, H]."""
        return self._fitted_core().hidden_probability(X)

    def gibbs(self, V):
        """One Gibbs step from each row of V [n, V]: h ~ p(h | v), v' ~ p(v | h).

        Returns the new visible states, float32 [n, V] of 0s and 1s. The draws
        come from the model's own stream (seeded by ``seed``), which advances:
        successive calls differ, and the sequence repeats after fit.
        """
        return self._fitted_core().gibbs(V, self._stream)

    def sample(self, n_samples, steps=1000, start=None):
        """n_samples visible states [n_samples, V] (float32 0s and 1s) from the model.

        Each chain starts from an exact draw of the base-rate model
        (independent units with the training data's marginals, or sigmoid(b)
        for a loaded model), or at the rows of ``start`` (cycled), and runs
        ``steps`` Gibbs sweeps, drawing from the model's own stream.
        """
        core = self._fitted_core()
        _check_int("n_samples", n_samples, 0)
        _check_int("steps", steps, 0, 2**31 - 1)
        return core.sample(n_samples, steps, base_log_odds(self), start, self._stream)

    def free_energy(self, X):
        """F(v) for each row of X [n, V]: float64 [n] (log p(v) = -F(v) - log Z)."""
        return self._fitted_core().free_energy(X)

    def score_samples(self, X, method="auto", chains=100, betas="sm2008", seed=None):
        """log p(v) = -F(v) - log Z for each row of X [n, V] of 0s and 1s: float64 [n].

        method : "exact" (enumeration), "ais" (an AIS estimate of log Z, with
            ``chains`` chains and the schedule ``betas``; seed: the model's
            ``seed`` unless given) or "auto" (exact when the smaller layer has
            at most 25 units, else AIS).

        log Z is computed once for the parameters and settings and reused;
        the estimate used is ``log_z_`` (for AIS, its std_error shifts every
        value alike).
        """
        core = self._fitted_core()
        self.log_z_ = self._log_z(method, chains, betas, seed)
        return core.log_likelihood(X, self.log_z_.log_z)

    def score(self, X, method="auto", **estimator):
        """The average log-likelihood of the rows of X, in nats (see score_samples)."""
        return float(self.score_samples(X, method, **estimator).mean())

    def pseudo_log_likelihood(self, X):
        """log PL(v) = sum_i log p(v_i | v_-i) over all bits, per row of X: float64 [n]."""
        return self._fitted_core().pseudo_log_likelihood(X)

    def _log_z(self, method, chains, betas, seed):
        core = self._fitted_core()
        method = resolve_method(core, method, self.max_exact_bits)
        seed = self.seed if seed is None else seed
        key = (method, chains, betas if isinstance(betas, (str, numbers.Integral))
               else tuple(schedule(betas)), seed)
        if key not in self._log_z_cache:
            self._log_z_cache[key] = estimate_log_z(self, method, chains, betas, seed,
                                                    max_exact_bits=self.max_exact_bits)
        return self._log_z_cache[key]

    # -- parameters --------------------------------------------------------

    @property
    def n_visible(self):
        """Visible units V of the fitted model."""
        return self._fitted_core().n_visible

    @property
    def W(self):
        """Weights, float32 [V, H] (a copy; assign an array to change them)."""
        return self._fitted_core().W

    @W.setter
    def W(self, value):
        self._fitted_core().W = value
        self._changed()

    @property
    def b(self):
        """Visible biases, float32 [V] (a copy; assignable)."""
        return self._fitted_core().b

    @b.setter
    def b(self, value):
        self._fitted_core().b = value
        self._changed()

    @property
    def c(self):
        """Hidden biases, float32 [H] (a copy; assignable)."""
        return self._fitted_core().c

    @c.setter
    def c(self, value):
        self._fitted_core().c = value
        self._changed()

    # scikit-learn's names for the same tensors.
    components_ = property(lambda self: self.W.T, doc="W.T, float32 [H, V] (scikit-learn's name)")
    intercept_hidden_ = property(lambda self: self.c, doc="c (scikit-learn's name)")
    intercept_visible_ = property(lambda self: self.b, doc="b (scikit-learn's name)")

    # -- files -------------------------------------------------------------

    def save(self, path):
        """Writes the model as safetensors (W, b, c float32; metadata: the
        hyperparameters, as `logz train` writes them). Atomic: a temporary
        file, then rename. The logz command line reads it."""
        core = self._fitted_core()
        metadata = {"n_visible": str(core.n_visible), "n_hidden": str(core.n_hidden),
                    "epochs_completed": str(len(self.history_)), "written_by": "logz python"}
        for key, name in _METADATA_SETTINGS.items():
            value = getattr(self, name)
            if name == "momentum":
                value = self._optimizer_settings()["momentum"]
            if name == "chains" and value is None:
                value = self.batch_size
            metadata[key] = value if isinstance(value, str) else repr(value)
        core.save(str(path), metadata)

    # -- state -------------------------------------------------------------

    def _fitted_core(self):
        if self._rbm is None:
            raise NotFittedError("this BernoulliRBM is not fitted yet: call fit(X) or "
                                 "partial_fit(X), or logz.load(path)")
        return self._rbm

    def _forget(self):
        self._rbm = None
        self._session = None
        self._base = None
        self._stream = _core.Stream(self.seed)
        self.history_ = []
        self.metadata_ = {}
        self._changed()

    def _changed(self):
        self._log_z_cache = {}
        self.log_z_ = None


# The constructor's arguments and their defaults.
_PARAMETERS = {name: p.default for name, p in
               list(inspect.signature(BernoulliRBM.__init__).parameters.items())[1:]}


def load(path):
    """A BernoulliRBM from a safetensors model file (written by save() or by
    `logz train`), with the hyperparameters its metadata holds (``metadata_``
    keeps all of it). partial_fit continues training from the loaded
    parameters with a fresh optimizer and chains."""
    core, metadata = _core.load_rbm(str(path))
    params = {"n_hidden": core.n_hidden}
    for key, name in _METADATA_SETTINGS.items():
        if key in metadata:
            params[name] = _parse(metadata[key])
    try:
        model = BernoulliRBM(**params)
    except _core.SettingError:
        model = BernoulliRBM(n_hidden=core.n_hidden)  # settings from elsewhere: defaults
    model._rbm = core
    model.metadata_ = dict(metadata)
    return model


def _parse(text):
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _check_choice(name, value, choices):
    if value not in choices:
        raise _core.SettingError(f'{name}: "{value}" is not one of {", ".join(choices)}')


def _check_number(name, value):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise _core.SettingError(f"{name}: {value!r} is not a number")


__all__ = ["BernoulliRBM", "NotFittedError", "load", "AUTO_EXACT_BITS"]
