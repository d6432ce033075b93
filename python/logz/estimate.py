"""Estimates of log Z, the log partition function, and bounds on the
log-likelihood, each with its error: the estimators of ``logz estimate`` and
``logz eval``, the same code and settings.

    log Z = log sum_x exp(-F(x)),    log p(x) = -F(x) - log Z

=========== ================================================ =================
method      what it does                                     which way it errs
=========== ================================================ =================
exact       sums every state of the smaller layer            exact
closed_form Gaussian and ICA models' formula                 exact
ais         annealed importance sampling from a base-rate    low on log Z (in
            model (Neal 2001; Salakhutdinov & Murray 2008),  expectation)
            lengthening its schedule until its interval can
            be trusted; ``replicates`` > 0: SMC
bridge      bridge sampling along a tempering ladder         either way
            (Bennett 1976; Meng & Wong 1996)
trajectory  AIS along a training run's snapshots             low
learned     NCE's learned normalizer (a parameter)           not an estimate
=========== ================================================ =================

:func:`log_likelihood_bounds` gives RAISE (Burda, Grosse & Salakhutdinov
2015: a stochastic lower bound on the average log-likelihood) and the
bracket (RAISE below, AIS above).
"""

from __future__ import annotations

import numbers
import os
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import _core
from ._validation import as_matrix, check_choice, check_int, check_number

METHODS = ("auto", "exact", "closed_form", "ais", "bridge", "trajectory", "learned")
BOUND_METHODS = ("raise", "bracket")
#: "auto" picks exact enumeration up to this many bits (2^25 states, about
#: 4 s for 784 visible units), an estimate beyond.
AUTO_EXACT_BITS = 25


def _core_model(model):
    """The C++ model of a fitted logz estimator (or a _core.Model)."""
    if isinstance(model, _core.Model):
        return model
    fitted = getattr(model, "_fitted", None)
    if fitted is None:
        raise TypeError(f"expected a fitted logz estimator, got {type(model).__name__}")
    return fitted()


def schedule(betas: Union[None, str, int, Sequence[float]], method: str = "ais") -> np.ndarray:
    """The inverse temperatures 0 = beta_0 < ... < beta_K = 1 of an annealing run.

    ``betas`` is None (the method's default: sm2008 for ais and raise, 30
    linear steps for bridge, 20,000 for trajectory), "sm2008"
    (Salakhutdinov & Murray's 14,500 steps: 500 to 0.5, 4,000 to 0.9, 10,000
    to 1), an int K (K equal steps, as ``--betas K``), or a sequence of floats
    from 0 to 1 that never decreases. Returns float64 array of shape (K + 1,).
    """
    if betas is None:
        if method == "bridge":
            return _core.linear_schedule(30)
        if method == "trajectory":
            return _core.linear_schedule(20000)
        return _core.sm2008_schedule()
    if isinstance(betas, str):
        if betas != "sm2008":
            raise _core.SettingError(f'betas: "{betas}" is not a schedule: give "sm2008", a '
                                     f'number of steps or a sequence of betas')
        return _core.sm2008_schedule()
    if isinstance(betas, numbers.Integral) and not isinstance(betas, bool):
        if betas < 1:
            raise _core.SettingError(f"betas: {betas} steps; an annealing schedule needs at "
                                     f"least 1 step")
        return _core.linear_schedule(int(betas))
    values = np.asarray(betas, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise _core.SettingError(f"betas: expected \"sm2008\", a number of steps or a 1-D "
                                 f"sequence of betas from 0 to 1, got shape {values.shape}")
    if values[0] != 0 or values[-1] != 1 or np.any(np.diff(values) < 0):
        raise _core.SettingError("betas: a schedule runs from 0 to 1 and never decreases")
    return values


def base_log_odds(model: Any, base: Optional[Any] = None) -> np.ndarray:
    """The visible biases of the annealing path's base model: float32 array
    of shape (n_features,) (categorical models: (sites * states,)).

    ``base=None``: the marginals of the data the model was fitted on, when it
    was fitted in this session, else the model's own visible biases or
    fields; an array of shape (n_examples, n_features): that data's marginals
    (smoothed by one count each way).
    """
    core = _core_model(model)
    if base is not None:
        return core.data_base(as_matrix(base, "base", core.n_visible), [])
    fitted_base = getattr(model, "_base", None)
    return fitted_base if fitted_base is not None else core.model_base()


def _resolve(core, method, max_exact_bits):
    check_choice("method", method, METHODS)
    if method != "auto":
        return method
    if _core.closed_form_log_z(core) is not None:
        return "closed_form"
    bits = _core.enumeration_bits(core)
    if bits is not None and bits <= min(AUTO_EXACT_BITS, max_exact_bits):
        return "exact"
    return "bridge" if core.kind == "ising" else "ais"


def estimate_log_z(model: Any, method: str = "auto", chains: int = 100,
                   betas: Union[None, str, int, Sequence[float]] = None, seed: int = 0,
                   base: Optional[Any] = None, max_exact_bits: int = 30, replicates: int = 0,
                   resample: float = 0.5, adapt: bool = True, adapt_target: float = 0.0,
                   max_betas: int = 0, burn_in: int = 500, thinning: int = 2,
                   samples_per_chain: int = 10,
                   run_folder: "Optional[str | os.PathLike[str]]" = None,
                   verbose: int = 0) -> _core.LogZEstimate:
    """log Z of a fitted model, as a :class:`LogZEstimate` (never a bare number).

    Parameters
    ----------
    model : fitted logz estimator
        Any of BernoulliRBM, GaussianBernoulliRBM, IsingModel, GaussianModel,
        ICAModel, PottsModel, PottsRBM (fitted or loaded).
    method : str
        "auto" (closed form, else exact up to 2^25 states, else AIS, or
        bridge for an Ising model), "exact", "closed_form", "ais", "bridge",
        "trajectory" (needs ``run_folder``) or "learned" (NCE's normalizer).
    chains : int
        AIS chains; bridge: Gibbs chains per level.
    betas : None, "sm2008", int or sequence of floats
        The annealing schedule (see :func:`schedule`).
    seed : int
        Seed of the estimator's random draws.
    base : None or array of shape (n_examples, n_features)
        Data whose marginals make the annealing base (see
        :func:`base_log_odds`); bridge also starts chains at its rows.
    max_exact_bits : int
        Exact enumeration of more than 2^max_exact_bits states is refused.
    replicates : int
        ais, trajectory: the chains as this many SMC populations (0: plain AIS).
    resample : float
        SMC: resample a population below this fraction of effective samples.
    adapt, adapt_target, max_betas : bool, float, int
        ais, trajectory: lengthen the schedule while the log-weights spread
        more than ``adapt_target`` (0: by their number), up to ``max_betas``
        steps (0: 16 times the schedule's).
    burn_in, thinning, samples_per_chain : int
        bridge: Gibbs sweeps before sampling, between samples, samples kept.
    run_folder : str or path, optional
        trajectory: the run folder of ``logz train --snapshot-every N``.
    verbose : int
        > 0: a progress bar (or lines) on stderr.

    Returns
    -------
    LogZEstimate
        ``log_z``, ``std_error`` (0 when exact), ``lower`` and ``upper`` (the
        interval: annealing's log of the mean weight -/+ 3 standard errors,
        ``upper`` = inf when its budget ran out first), ``effective_sample_size``,
        ``samples``, ``seconds``, ``log_weights`` (float64 [chains]), ``method``,
        ``diagnostics``, ``warnings``.
    """
    core = _core_model(model)
    max_exact_bits = check_int("max_exact_bits", max_exact_bits, 1, 40)
    method = _resolve(core, method, max_exact_bits)
    if method == "closed_form":
        estimate = _core.closed_form_log_z(core)
        if estimate is None:
            raise _core.SettingError(f"method: closed_form is for Gaussian and ICA models, not "
                                     f"{core.kind}")
        return estimate
    settings = {
        "method": method, "max_exact_bits": max_exact_bits,
        "chains": check_int("chains", chains, 1),
        "seed": check_int("seed", seed, 0, 2**64 - 1),
        "replicates": check_int("replicates", replicates, 0),
        "resample": check_number("resample", resample, 0.0, 1.0),
        "adapt": bool(adapt),
        "adapt_target": check_number("adapt_target", adapt_target, 0.0, 100.0),
        "max_betas": check_int("max_betas", max_betas, 0),
        "burn_in": check_int("burn_in", burn_in, 0),
        "thinning": check_int("thinning", thinning, 1),
        "samples_per_chain": check_int("samples_per_chain", samples_per_chain, 1),
        "betas": [float(b) for b in schedule(betas, method)],
    }
    if method == "trajectory":
        if run_folder is None:
            raise _core.SettingError("run_folder: trajectory anneals along a training run's "
                                     "snapshots: give the run folder of `logz train "
                                     "--snapshot-every N`")
        settings["run_folder"] = str(run_folder)
        updates = getattr(model, "metadata_", {}).get("updates_completed")
        if updates is not None:
            settings["model_updates"] = int(updates)
    data = None
    base_vector = None
    if base is not None:
        data = as_matrix(base, "base", core.n_visible)
    elif core.has_gibbs_sampler and method in ("ais", "bridge"):
        base_vector = base_log_odds(model)
    return _core.estimate_log_z(core, settings, base_vector, data, [], bool(verbose))


class LogLikelihoodBounds:
    """Bounds on the average log-likelihood of a data set (nats per example).

    ``lower`` and ``upper`` (RAISE alone: ``upper`` is inf), ``method``
    ("raise" or "bracket"), ``details`` (a dict of everything the estimator
    reports: RAISE's per-example ``log_likelihoods`` and ``std_error``, the
    bracket's ``forward`` LogZEstimate, its ``log_z_upper``, steps, seconds).
    """

    def __init__(self, details: dict) -> None:
        self.details = details
        self.method = details["method"]
        self.lower = float(details["lower"])
        self.upper = float(details["upper"])

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def __repr__(self):
        return (f"LogLikelihoodBounds(method={self.method!r}, lower={self.lower:.6f}, "
                f"upper={self.upper:.6f})")


def log_likelihood_bounds(model: Any, X: Any, method: str = "bracket", chains: int = 100,
                          betas: Union[None, str, int, Sequence[float]] = None, seed: int = 0,
                          base: Optional[Any] = None, replicates: int = 0, adapt: bool = True,
                          max_betas: int = 0, raise_steps: int = 14500, examples: int = 100,
                          time_budget: float = 0.0, verbose: int = 0) -> "LogLikelihoodBounds":
    """Bounds on the average log-likelihood of the rows of X.

    Parameters
    ----------
    model : fitted logz estimator with a Gibbs sampler
    X : array-like of shape (n_examples, n_features)
    method : "raise" or "bracket"
        "raise": reverse AIS from each row (Burda et al. 2015), a stochastic
        lower bound (errs low) with ``betas`` as its schedule. "bracket":
        RAISE on ``examples`` random rows with ``raise_steps`` steps below,
        forward AIS (SMC with ``replicates``) above.
    time_budget : float
        bracket: seconds for both bounds (0: the step counts given).

    Returns
    -------
    LogLikelihoodBounds
    """
    core = _core_model(model)
    check_choice("method", method, BOUND_METHODS)
    X = as_matrix(X, "X", core.n_visible, model)
    if core.binary_visible and np.any((X != 0) & (X != 1)):
        X = (X > 0.5).astype(np.float32)
    settings = {
        "chains": check_int("chains", chains, 1),
        "seed": check_int("seed", seed, 0, 2**64 - 1),
        "replicates": check_int("replicates", replicates, 0),
        "adapt": bool(adapt), "max_betas": check_int("max_betas", max_betas, 0),
        "betas": [float(b) for b in schedule(betas, "ais")],
        "raise_steps": check_int("raise_steps", raise_steps, 1),
        "examples": check_int("examples", examples, 0),
        "time_budget": check_number("time_budget", time_budget, 0.0),
    }
    base_vector = base_log_odds(model, base)
    if method == "raise":
        details = _core.raise_bound(core, X, settings, base_vector, bool(verbose))
    else:
        details = _core.bracket(core, X, settings, base_vector, bool(verbose))
    return LogLikelihoodBounds(details)
