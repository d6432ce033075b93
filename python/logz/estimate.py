"""Estimates of log Z, the log partition function, with their error bars.

    Z = sum_v exp(-F(v)),   F(v) = -b.v - sum_j softplus(c_j + (v W)_j)

``exact`` sums over every state of the smaller layer (2^min(V, H) terms;
a 784 x 25 RBM takes about 4 s); ``ais`` anneals from a base-rate model of
independent visible units to the RBM (Neal 2001; Salakhutdinov & Murray
2008), lengthening its schedule until the spread of its log-weights is small
enough for its interval to be trusted (the same estimator as
``logz estimate --method ais``; ``replicates`` > 0 runs sequential Monte
Carlo instead).
Annealing errs low on log Z; an estimate whose budget ran out before its
interval could be trusted has ``upper`` = inf and ``diagnostics["reliable"]``
0.
"""

import numbers

import numpy as np

from . import _core

METHODS = ("exact", "ais")
#: "auto" picks exact enumeration up to this many bits (2^25 states, about
#: 4 s for 784 visible units), AIS beyond.
AUTO_EXACT_BITS = 25


def _core_model(model):
    """The C++ model of a BernoulliRBM (fitted) or of a _core.Rbm."""
    if isinstance(model, _core.Rbm):
        return model
    core = getattr(model, "_fitted_core", None)
    if core is None:
        raise TypeError(f"expected a logz.BernoulliRBM, got {type(model).__name__}")
    return core()


def schedule(betas):
    """The inverse temperatures 0 = beta_0 < ... < beta_K = 1 of an annealing run.

    ``betas`` is "sm2008" (Salakhutdinov & Murray's 14,500 steps: 500 to 0.5,
    4,000 to 0.9, 10,000 to 1), an int K (K equal steps), or a sequence of
    floats from 0 to 1 that never decreases. Returns float64 [K + 1].
    """
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
    if values.ndim != 1:
        raise _core.SettingError(f"betas: expected \"sm2008\", a number of steps or a 1-D "
                                 f"sequence of betas, got shape {values.shape}")
    return values


def base_log_odds(model, base=None):
    """The log-odds of the annealing path's base-rate model, float32 [V].

    ``base=None``: the marginals of the data the model was fitted on, when it
    was fitted in this session, else the model's visible biases b; an array
    [n, V] of data: that data's marginals (smoothed by one count each way).
    """
    core = _core_model(model)
    if base is not None:
        return _core.visible_log_odds(base)
    fitted_base = getattr(model, "_base", None)
    return fitted_base if fitted_base is not None else core.b


def estimate_log_z(model, method="exact", chains=100, betas="sm2008", seed=0, base=None,
                   max_exact_bits=30, replicates=0, resample=0.5, adapt=True, adapt_target=0.0,
                   max_betas=0):
    """log Z of a Bernoulli RBM, as a LogZEstimate (never a bare number).

    Parameters
    ----------
    model : BernoulliRBM
        A fitted (or loaded) model.
    method : "exact", "ais" or "auto"
        "auto": exact when the smaller layer has at most 25 units, else AIS.
    chains : int
        AIS chains (independent annealing runs).
    betas : "sm2008", int or sequence of floats
        The AIS schedule (see ``schedule``).
    seed : int
        Seed of AIS's random draws (Philox stream 7 of the seed).
    base : None or array [n, V]
        Data whose marginals make AIS's base-rate model (see ``base_log_odds``).
    max_exact_bits : int
        Exact enumeration of more than 2^max_exact_bits states is refused.
    replicates : int
        AIS's chains as this many independent SMC populations (0: plain AIS).
    resample : float
        SMC: resample a population when its effective sample size falls below
        this fraction of its chains.
    adapt, adapt_target, max_betas : bool, float, int
        Lengthen the schedule while the log-weights (or replicates) spread more
        than ``adapt_target`` (0: by their number), up to ``max_betas`` steps
        (0: 16 times the schedule's).

    Returns
    -------
    LogZEstimate
        ``log_z``, ``std_error`` (0 when exact), ``lower`` and ``upper`` (AIS:
        log of the mean weight -/+ 3 standard errors), ``effective_sample_size``
        (AIS; None when exact), ``samples``, ``seconds``, ``log_weights``
        (AIS, float64 [chains]), ``method``.

    The computation runs in C++ with the GIL released.
    """
    core = _core_model(model)
    method = resolve_method(core, method, max_exact_bits)
    if method == "exact":
        return _core.exact_log_z(core, _check_int("max_exact_bits", max_exact_bits, 1, 40))
    return _core.ais_log_z(core, base_log_odds(model, base), _check_int("chains", chains, 1),
                           schedule(betas), _check_int("seed", seed, 0, 2**64 - 1),
                           _check_int("replicates", replicates, 0), float(resample), bool(adapt),
                           float(adapt_target), _check_int("max_betas", max_betas, 0))


def resolve_method(core, method, max_exact_bits):
    if method == "auto":
        bits = _core.enumeration_bits(core)
        return "exact" if bits <= min(AUTO_EXACT_BITS, max_exact_bits) else "ais"
    if method not in METHODS:
        raise _core.SettingError(f'method: "{method}" is not one of exact, ais, auto')
    return method


def _check_int(name, value, low, high=None):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise _core.SettingError(f"{name}: {value!r} is not an integer")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise _core.SettingError(f"{name}: {value} must be {bound}")
    return int(value)
