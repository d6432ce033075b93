"""What every logz estimator shares, with scikit-learn's conventions.

- Hyperparameters are the constructor's arguments, stored as given and
  nothing else (checked when fit starts); ``get_params``/``set_params`` and
  ``sklearn.base.clone`` round-trip them.
- ``fit(X, y=None, ...)`` trains a new model and returns self; fitted
  attributes end in ``_`` (``n_features_in_``, ``history_``, ``log_z_``).
- Pickling keeps the model's safetensors bytes and the hyperparameters
  (``__getstate__``/``__setstate__``), so joblib and GridSearchCV(n_jobs=2)
  work; a training run's optimizer state and chains are not kept (the next
  partial_fit starts fresh ones from the pickled parameters).

Training and estimation are the command line's own code (logz train, logz
estimate), reached through logz._core with the GIL released: the same
settings give the same model, bit for bit.
"""

from __future__ import annotations

import inspect
import os
import warnings
from typing import Any, Callable, Optional

import numpy as np

from . import _core
from ._validation import (as_matrix, binary_input, check_choice, check_int, check_number,
                          codes_input, require_finite)
from .estimate import estimate_log_z

#: What numpy can turn into a 2-D array of numbers.
ArrayLike = Any
#: Called after every epoch with its numbers; returning False stops training.
Callback = Callable[[dict], Optional[bool]]

OPTIMIZERS = ("sgd", "adam", "lbfgs")
SCHEDULES = ("constant", "linear", "exponential")
#: L-BFGS iterations when n_epochs is None (it stops earlier by its own tests).
LBFGS_ITERATIONS = 500
#: Epochs of a minibatch optimizer when n_epochs is None.
EPOCHS = 10
#: The training methods that take example weights (sample_weight).
WEIGHTED_METHODS = ("pl", "rm", "pcd", "exact")
#: Why scikit-learn's check_sample_weights_invariance fails for minibatch training.
MINIBATCH_WEIGHTS = ("minibatches are drawn from every row, so a row of weight 0 still changes "
                     "which examples share a batch: zero weight is not the same as removing the "
                     "row (as for scikit-learn's SGDClassifier); full-batch L-BFGS passes")


class NotFittedError(_core.Error, ValueError, AttributeError):
    """A model used before fit, partial_fit or load gave it parameters."""


class LogzModel:
    """The base of logz's estimators (not used directly)."""

    #: The model's kind in model files, e.g. "bernoulli_rbm".
    _kind = None
    #: Its name on the command line (logz train --model).
    _cli_model = None
    #: The training methods logz offers it (the command line's --method).
    _methods = ()
    #: "binary", "categorical" or "real": what its visible units take.
    _units = "real"
    #: Tensors and their docstrings (shapes), exposed as properties.
    _tensors = {}

    # -- hyperparameters ---------------------------------------------------

    @classmethod
    def _parameter_names(cls):
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments as a dict (scikit-learn's convention)."""
        return {name: getattr(self, name) for name in self._parameter_names()}

    def set_params(self, **params: Any) -> "LogzModel":
        """Sets constructor arguments (checked at the next fit); returns self."""
        names = self._parameter_names()
        for name, value in params.items():
            if name not in names:
                raise _core.SettingError(f"{name}: not a parameter of {type(self).__name__} "
                                         f"(they are {', '.join(names)})")
            setattr(self, name, value)
        return self

    def __repr__(self):
        parameters = inspect.signature(type(self).__init__).parameters.values()
        defaults = {p.name: p.default for p in parameters if p.name != "self"}
        changed = []
        for name, default in defaults.items():
            value = getattr(self, name, default)
            same = value is default or (type(value) is type(default) and value == default)
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _more_tags(self):
        tags = {"requires_y": False, "poor_score": True, "X_types": ["2darray"],
                "preserves_dtype": [np.float32]}
        if self._units == "categorical":
            tags["X_types"] = ["2darray", "categorical"]
        if getattr(self, "optimizer", "sgd") != "lbfgs":
            tags["_xfail_checks"] = {"check_sample_weights_invariance": MINIBATCH_WEIGHTS}
        return tags

    def _validate_settings(self):
        """The hyperparameters as `logz train` settings (checked)."""
        method = check_choice("method", self.method, self._methods)
        optimizer = check_choice("optimizer", self.optimizer, OPTIMIZERS)
        schedule = check_choice("lr_schedule", self.lr_schedule, SCHEDULES)
        if optimizer == "lbfgs" and method not in ("pl", "rm", "exact"):
            raise _core.SettingError(f"optimizer: lbfgs minimizes a deterministic objective on the "
                                     f"whole training set: method pl, rm or exact, not {method}")
        epochs = self.n_epochs
        if epochs is None:
            epochs = LBFGS_ITERATIONS if optimizer == "lbfgs" else EPOCHS
        momentum = self.momentum
        if momentum is None:
            momentum = 0.9 if optimizer == "adam" else 0.5
        settings = {
            "model": self._cli_model, "method": method,
            "epochs": check_int("n_epochs", epochs, 1),
            "batch": check_int("batch_size", self.batch_size, 1),
            "optimizer": optimizer, "lr_schedule": schedule,
            "lr": check_number("learning_rate", self.learning_rate),
            "momentum": check_number("momentum", momentum),
            "weight_decay": check_number("weight_decay", self.weight_decay, 0.0),
            "lr_final": check_number("final_learning_rate", self.final_learning_rate),
            "seed": check_int("seed", self.seed, 0, 2**64 - 1),
            "max_exact_bits": check_int("max_exact_bits", self.max_exact_bits, 1, 40),
            "monitor": check_choice("monitor", self.monitor, ("recon", "pl", "exact", "none")),
        }
        if optimizer != "lbfgs":
            _core.check_optimizer(learning_rate=settings["lr"], momentum=settings["momentum"],
                                  weight_decay=settings["weight_decay"], optimizer=optimizer,
                                  lr_schedule=schedule, final_learning_rate=settings["lr_final"])
        settings.update(self._model_settings())
        return settings

    def _model_settings(self):
        """The settings particular to a model family (overridden)."""
        return {}

    def _method_settings(self, names):
        """Settings of the training methods that this estimator has, checked."""
        s = {}
        if "k" in names:
            s["k"] = check_int("k", self.k, 1)
        if "chains" in names:
            s["chains"] = 0 if self.chains is None else check_int("chains", self.chains, 1)
        if "temperatures" in names:
            s["temperatures"] = check_int("temperatures", self.temperatures, 2)
        if "noise_ratio" in names:
            s["noise_ratio"] = check_number("noise_ratio", self.noise_ratio, 0.0, low_open=True)
        if "noise" in names:
            s["noise"] = check_choice("noise", self.noise,
                                      ("auto", "gaussian", "uniform", "bernoulli", "categorical"))
        if "noise_sigma" in names:
            s["noise_sigma"] = check_number("noise_sigma", self.noise_sigma, 0.0, low_open=True)
        if "init_std" in names:
            s["init_std"] = check_number("init_std", self.init_std, 0.0)
        if "n_hidden" in names:
            s["hidden"] = check_int("n_hidden", self.n_hidden, 1)
        if "lbfgs_history" in names:
            s["lbfgs_history"] = check_int("lbfgs_history", self.lbfgs_history, 1)
            s["lbfgs_epsilon"] = check_number("lbfgs_epsilon", self.lbfgs_epsilon, 0.0)
            s["lbfgs_delta"] = check_number("lbfgs_delta", self.lbfgs_delta, 0.0)
        return s

    # -- data --------------------------------------------------------------

    def _input(self, X, name="X", fresh=False):
        """X checked for this model: (float32 array, holds probabilities).
        fresh: X is to start a new model (fit), so the width and number of
        states of the model fitted before do not bind it."""
        fitted = getattr(self, "_model", None)
        X = as_matrix(X, name, None if fresh or fitted is None else fitted.n_visible, self)
        if self._units == "binary":
            return binary_input(X, getattr(self, "binarize", None), name)
        if self._units == "categorical":
            return codes_input(X, self._known_states(fresh), name), False
        require_finite(X, name)
        return X, False

    def _training_input(self, X, sample_weight, fresh):
        X, fractional = self._input(X, fresh=fresh)
        if fractional and self.method not in ("cd", "pcd", "pt"):
            raise _core.DataError(f"X holds values strictly between 0 and 1: method "
                                  f"{self.method!r} needs 0s and 1s (cd, pcd and pt take "
                                  f"probabilities); binarize='threshold' makes them binary")
        if fractional:
            warnings.warn("X holds probabilities (values strictly between 0 and 1): trained on as "
                          "they are; log-likelihoods (score_samples) are of data binarized at "
                          "0.5", UserWarning, stacklevel=3)
        weights = []
        if sample_weight is not None:
            if self.method not in WEIGHTED_METHODS:
                raise _core.SettingError(f"sample_weight: method {self.method!r} does not take "
                                         f"example weights; {', '.join(WEIGHTED_METHODS)} do")
            weights = np.asarray(sample_weight, dtype=np.float64)
            if weights.shape != (X.shape[0],) or not np.all(np.isfinite(weights)) or \
                    np.any(weights < 0) or weights.sum() <= 0:
                raise _core.DataError(f"sample_weight: expected {X.shape[0]} finite weights >= 0 "
                                      f"with a positive sum, got shape {weights.shape}")
            weights = weights.tolist()
        return X, weights

    def _scoring_input(self, X):
        X, fractional = self._input(X)
        if fractional:
            warnings.warn("X holds probabilities: its log-likelihood is of the data binarized at "
                          "0.5", UserWarning, stacklevel=3)
            X = (X > 0.5).astype(np.float32)
        return X

    # -- training ----------------------------------------------------------

    def fit(self, X: ArrayLike, y: None = None, callback: Optional[Callback] = None,
            sample_weight: Optional[ArrayLike] = None) -> "LogzModel":
        """Trains a new model on X; returns self.

        Parameters
        ----------
        X : array-like of shape (n_examples, n_features)
            Training data (float32 C-contiguous is read in place; anything
            else is converted once).
        y : None
            Ignored (scikit-learn's convention for unsupervised estimators).
        callback : callable, optional
            Called after every epoch (L-BFGS: iteration) with that epoch's
            dict of numbers; returning False stops training.
        sample_weight : array-like of shape (n_examples,), optional
            Weights of the examples (sequence reweighting), scaled to mean 1.

        Ctrl-C stops after the current minibatch (KeyboardInterrupt), leaving
        the parameters reached. A DivergenceError leaves the parameters of
        the last good epoch.
        """
        X, weights = self._start(X, sample_weight)
        self._train(X, weights, self._settings["epochs"], callback)
        return self

    def partial_fit(self, X: ArrayLike, y: None = None, callback: Optional[Callback] = None,
                    sample_weight: Optional[ArrayLike] = None) -> "LogzModel":
        """One pass over X (L-BFGS: n_epochs iterations), continuing the
        optimizer, chains and random streams; returns self.

        The first call on an untrained model initializes it from X. After
        fit(X) with n_epochs = E, partial_fit(X) gives the same model as fit
        with E + 1 epochs (for X of at least batch_size rows). A learning-rate
        schedule belongs to fit's run, so partial_fit needs
        lr_schedule="constant".
        """
        if self.lr_schedule != "constant":
            raise _core.SettingError(
                f'lr_schedule: "{self.lr_schedule}" spans fit()\'s n_epochs; partial_fit trains '
                f'one pass at a time and needs "constant"')
        if getattr(self, "_model", None) is None:
            X, weights = self._start(X, sample_weight)
        else:
            X, weights = self._training_input(X, sample_weight, fresh=False)
            weights = self._weights(X, weights)
            if getattr(self, "_session", None) is None or not self._session.started:
                # A loaded or unpickled model: a fresh optimizer and chains,
                # started from its parameters.
                self._settings = self._validate_settings()
                session = _core.TrainingSession(self._settings)
                start = session.start(X, weights, self._states(X))
                for name in self._model.tensor_names:
                    if name in start.tensor_names:
                        start.set_tensor(name, self._model.tensor(name))
                self._model, self._session = start, session
        epochs = self._settings["epochs"] if self._settings["optimizer"] == "lbfgs" else 1
        self._train(X, weights, epochs, callback)
        return self

    def _start(self, X, sample_weight):
        """A new model at its starting point for X, and its training session."""
        settings = self._validate_settings()
        X, weights = self._training_input(X, sample_weight, fresh=True)
        weights = self._weights(X, weights)
        self._forget()
        session = _core.TrainingSession(settings)
        self._model = session.start(X, weights, self._states(X))
        self._session, self._settings = session, settings
        self.n_features_in_ = X.shape[1]
        self._after_start(X, weights)
        return X, weights

    def _states(self, X):
        return 0

    def _weights(self, X, weights):
        return weights

    def _after_start(self, X, weights):
        self._base = self._model.data_base(X, weights) if self._model.has_gibbs_sampler else None

    def _train(self, X, weights, epochs, callback):
        records = []
        try:
            self._session.run(self._model, X, weights, self._states(X), epochs, records, callback,
                              bool(self.verbose))
        except _core.DivergenceError:
            self._session = None
            raise
        finally:
            self._records = getattr(self, "_records", []) + records
            self.history_ = _table(self._records)
            self._changed()

    # -- what the model computes -------------------------------------------

    def free_energy(self, X: ArrayLike) -> np.ndarray:
        """F(x) for each row of X: float64 array of shape (n_examples,);
        log p(x) = -F(x) - log Z."""
        return self._fitted().free_energy(self._scoring_input(X))

    def score_samples(self, X: ArrayLike, method: str = "auto", **estimator: Any) -> np.ndarray:
        """log p(x) = -F(x) - log Z for each row of X: float64 (n_examples,).

        Parameters
        ----------
        X : array-like of shape (n_examples, n_features)
        method : str
            How log Z is found: "auto" (closed form for Gaussian and ICA
            models, exact enumeration up to 2^25 states, else AIS, or bridge
            sampling for an Ising model), or any method of
            :func:`logz.estimate_log_z`.
        **estimator
            Settings of that estimator (chains, betas, seed, ...).

        log Z is computed once for the parameters and settings and reused;
        the estimate used is ``log_z_`` (a :class:`logz.LogZEstimate`, which
        says its method; for an estimate, its ``std_error`` shifts every value
        alike).
        """
        model = self._fitted()
        X = self._scoring_input(X)
        self.log_z_ = self._log_z(method, estimator)
        return model.log_likelihood(X, self.log_z_.log_z)

    def score(self, X: ArrayLike, y: None = None, method: str = "auto", **estimator: Any) -> float:
        """The average log-likelihood of the rows of X, in nats (see score_samples)."""
        return float(self.score_samples(X, method, **estimator).mean())

    def sample(self, n_samples: int = 1, steps: int = 1000,
               start: Optional[ArrayLike] = None) -> np.ndarray:
        """Samples of the model: float32 array of shape (n_samples, n_features).

        Gaussian and ICA models draw exactly. Models with a Gibbs sampler run
        one chain per sample for ``steps`` sweeps, each started by an exact
        draw from the annealing base (the training data's marginals, or the
        model's own visible biases or fields when loaded) or at the rows of
        ``start`` (cycled). The draws come from the model's own stream
        (seeded by ``seed``), which advances: successive calls differ.
        """
        model = self._fitted()
        n_samples = check_int("n_samples", n_samples, 0)
        steps = check_int("steps", steps, 0, 2**31 - 1)
        if start is not None:
            start = self._scoring_input(start)
        base = None
        if model.has_gibbs_sampler:
            base = self._base if getattr(self, "_base", None) is not None else model.model_base()
        return model.sample(n_samples, steps, base, start, self._random_stream())

    def gibbs(self, V: ArrayLike) -> np.ndarray:
        """One sweep of the model's Gibbs sampler from each row of V:
        float32 array of the shape of V (the stream advances)."""
        return self._fitted().gibbs(self._scoring_input(V), self._random_stream())

    def _random_stream(self):
        stream = getattr(self, "_stream", None)
        if stream is None:
            stream = self._stream = _core.Stream(self.seed)
        return stream

    def _log_z(self, method, estimator):
        key = (method, tuple(sorted((k, repr(v)) for k, v in estimator.items())))
        cache = getattr(self, "_log_z_cache", None)
        if cache is None:
            cache = self._log_z_cache = {}
        if key not in cache:
            estimator.setdefault("max_exact_bits", self.max_exact_bits)
            estimator.setdefault("seed", self.seed)
            cache[key] = estimate_log_z(self, method, **estimator)
        return cache[key]

    # -- parameters --------------------------------------------------------

    @property
    def n_visible(self) -> int:
        """Visible units (features) of the fitted model."""
        return self._fitted().n_visible

    def tensors(self) -> dict[str, np.ndarray]:
        """The model's tensors by name: dict of float32 arrays (copies)."""
        model = self._fitted()
        return {name: model.tensor(name) for name in model.tensor_names}

    def _fitted(self):
        model = getattr(self, "_model", None)
        if model is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X) or "
                                 f"partial_fit(X), or logz.load(path)")
        return model

    def __sklearn_is_fitted__(self):
        return getattr(self, "_model", None) is not None

    # -- files and pickling ------------------------------------------------

    def _metadata(self):
        metadata = {"written_by": "logz python", "python_estimator": type(self).__name__}
        for name, value in self.get_params().items():
            if name in ("verbose",):
                continue
            metadata[f"python.{name}"] = repr(value)
        metadata["epochs_completed"] = str(len(getattr(self, "_records", [])))
        return metadata

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Writes the model as a safetensors file (its tensors, float32, and
        the hyperparameters in its metadata). Atomic: a temporary file, then
        rename. The logz command line reads it."""
        self._fitted().save(str(path), self._metadata())

    def __getstate__(self):
        state = {name: getattr(self, name) for name in self._parameter_names()}
        model = getattr(self, "_model", None)
        if model is not None:
            state["_model_bytes"] = model.encode(self._metadata())
            state["n_features_in_"] = self.n_features_in_
            state["history_"] = self.history_
            state["_records"] = getattr(self, "_records", [])
            state["metadata_"] = getattr(self, "metadata_", {})
            state["_base"] = getattr(self, "_base", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        model_bytes = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        if model_bytes is not None:
            self._model, _ = _core.decode_model(model_bytes, "pickle")

    def _forget(self):
        for name in ("_model", "_session", "_settings", "_base", "_stream", "_records",
                     "n_features_in_", "history_", "log_z_", "metadata_", "_log_z_cache"):
            self.__dict__.pop(name, None)

    def _changed(self):
        self._log_z_cache = {}
        self.__dict__.pop("log_z_", None)


def _table(records):
    """Per-epoch dicts as a dict of float64 arrays (missing values: NaN)."""
    keys = []
    for record in records:
        for key in record:
            if key not in keys:
                keys.append(key)
    table = {}
    for key in keys:
        values = [record.get(key) for record in records]
        table[key] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if "epoch" in table:
        table["epoch"] = table["epoch"].astype(np.int64)
    return table


def tensor_property(name, doc):
    """A property for the fitted model's tensor ``name`` (a copy; assignable)."""

    def get(self):
        return self._fitted().tensor(name)

    def set_(self, value):
        self._fitted().set_tensor(name, value)
        self._changed()

    return property(get, set_, doc=doc)
