"""logz's model families as scikit-learn estimators.

=====================  =====================  ===================================
estimator              units                  training methods (``method=``)
=====================  =====================  ===================================
BernoulliRBM           binary                 cd, pcd, pt, pl, rm, exact, nce
GaussianBernoulliRBM   real                   cd, pcd, pt, exact, sm, dsm, nce
IsingModel             binary                 cd, pcd, pt, pl, rm, exact, nce
GaussianModel          real                   sm, dsm, nce
ICAModel               real                   nce
PottsModel             categorical codes      pl, rm, cd, pcd, pt, exact, nce
PottsRBM               categorical codes      cd, pcd, pt, pl, rm, exact, nce
=====================  =====================  ===================================

Each trains with the settings of ``logz train --model M --method ...`` and
gives the same model, bit for bit. ``optimizer="lbfgs"`` (pl, rm, exact)
minimizes the whole training set's objective, as plmc does for Potts models.
"""

from __future__ import annotations

import ast
import os
from typing import Any, Optional

import numpy as np

from . import _core
from ._base import LogzModel, NotFittedError, tensor_property
from ._validation import check_choice, check_int, check_number

_GIBBS = ("cd", "pcd", "pt", "exact")


class _Transformer:
    """RBMs: hidden-unit probabilities as features (scikit-learn's transform)."""

    def transform(self, X: Any) -> np.ndarray:
        """p(h_j = 1 | x) for each row of X: float32 array of shape (n_examples, n_hidden)."""
        X, _ = self._input(X)  # probabilities stay probabilities
        return self._fitted().hidden_probability(X)

    def fit_transform(self, X: Any, y: None = None, **fit_params: Any) -> np.ndarray:
        """fit(X), then transform(X)."""
        return self.fit(X, y, **fit_params).transform(X)


class _FromMoments:
    """Models of real-valued units initialized from the data's moments."""

    def _training_input(self, X, sample_weight, fresh):
        X, weights = super()._training_input(X, sample_weight, fresh)
        if X.shape[0] < 2:
            raise _core.DataError(f"X: 1 sample (n_samples = 1): a {type(self).__name__} is "
                                  f"initialized from the data's variances, which needs at "
                                  f"least 2 examples")
        return X, weights


class BernoulliRBM(_Transformer, LogzModel):
    """A Bernoulli-Bernoulli restricted Boltzmann machine.

        E(v, h) = -b.v - c.h - v^T W h,   v in {0,1}^V, h in {0,1}^H
        F(v)    = -b.v - sum_j softplus(c_j + (v W)_j)

    Parameters
    ----------
    n_hidden : int
        Hidden units H (25 keeps log Z exactly computable for any V).
    method : str
        "cd" (CD-k), "pcd" (persistent CD / SML), "pt" (SML with parallel
        tempering), "pl" (pseudolikelihood), "rm" (ratio matching), "exact"
        (exact log-likelihood gradient; small models), "nce"
        (noise-contrastive estimation, which also learns log Z).
    k : int
        Gibbs sweeps per update (cd, pcd; ladder sweeps for pt).
    learning_rate : float
    momentum : float or None
        SGD momentum in [0, 1), Adam's beta1; None: 0.5 for sgd, 0.9 for adam.
    batch_size : int
    n_epochs : int or None
        Passes over the data made by fit (L-BFGS: its most iterations);
        None: 10 (L-BFGS: 500).
    seed : int
        Seed of every random choice: the same seed gives the same model, bit
        for bit, for any thread count.
    chains : int or None
        Persistent chains of pcd, chains per temperature of pt; None: the
        batch size.
    temperatures : int
        Inverse temperatures of pt's ladder (>= 2).
    weight_decay : float
        L2 penalty on the weights (>= 0).
    optimizer : "sgd", "adam" or "lbfgs"
    lr_schedule : "constant", "linear" or "exponential"
    final_learning_rate : float
    init_std : float
        Standard deviation of the initial weights (b starts at the data's
        log-odds, c at 0).
    noise_ratio : float
        nce: noise samples per data point.
    noise : str
        nce: "auto" (bernoulli), "bernoulli" or "uniform".
    binarize : None or "threshold"
        None: X must lie in [0, 1]; values strictly between are
        probabilities, trained on as they are by cd, pcd and pt (a warning
        says so) and thresholded at 0.5 for likelihoods. "threshold": every X
        is binarized as x > 0.5 first.
    monitor : str
        What is measured after each epoch into ``history_``, as ``logz train
        --monitor``: "recon" (RBMs: the reconstruction error of 1,000
        training rows), "pl" (also their pseudo-log-likelihood), "exact"
        (also log Z and the training log-likelihood, exactly; small models),
        "none".
    max_exact_bits : int
        Exact enumeration of more than 2^max_exact_bits states is refused.
    verbose : int
        > 0: a progress bar and a line per epoch on stderr.

    Attributes
    ----------
    W, b, c : float32 arrays of shapes (V, H), (V,), (H,) (copies; assignable)
    components_, intercept_hidden_, intercept_visible_ : scikit-learn's names
    n_features_in_ : int
    history_ : dict of float64 arrays, one entry per epoch (epoch, seconds,
        learning_rate, objective, reconstruction_error, ...)
    log_z_ : LogZEstimate used by the last score_samples
    """

    _kind = "bernoulli_rbm"
    _cli_model = "rbm"
    _methods = ("cd", "pcd", "pt", "pl", "rm", "exact", "nce")
    _units = "binary"

    def __init__(self, n_hidden: int = 25, method: str = "pcd", k: int = 1,
                 learning_rate: float = 0.05, momentum: Optional[float] = None,
                 batch_size: int = 100, n_epochs: Optional[int] = None, seed: int = 0,
                 chains: Optional[int] = None, temperatures: int = 10, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, init_std: float = 0.01,
                 noise_ratio: float = 5.0, noise: str = "auto", binarize: Optional[str] = None,
                 monitor: str = "recon", max_exact_bits: int = 30, verbose: int = 0) -> None:
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
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.binarize = binarize
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        if self.binarize is not None:
            check_choice("binarize", self.binarize, ("threshold",))
        return self._method_settings(("n_hidden", "k", "chains", "temperatures", "init_std",
                                      "noise_ratio", "noise"))

    W = tensor_property("W", "Weights, float32 (V, H) (a copy; assign an array to change them).")
    b = tensor_property("b", "Visible biases, float32 (V,).")
    c = tensor_property("c", "Hidden biases, float32 (H,).")
    components_ = property(lambda self: self.W.T, doc="W.T, float32 (H, V) (scikit-learn's name)")
    intercept_hidden_ = property(lambda self: self.c, doc="c (scikit-learn's name)")
    intercept_visible_ = property(lambda self: self.b, doc="b (scikit-learn's name)")

    def pseudo_log_likelihood(self, X: Any) -> np.ndarray:
        """log PL(v) = sum_i log p(v_i | v_-i) per row of X: float64 (n_examples,)."""
        return self._fitted().pseudo_log_likelihood(self._scoring_input(X))


class GaussianBernoulliRBM(_Transformer, _FromMoments, LogzModel):
    """A Gaussian-Bernoulli RBM: real-valued visible units, binary hidden ones.

        F(v) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_j softplus(c_j + sum_i v_i W_ij / s_i^2)

    with s_i = exp(log_sigma_i) learned (``sigma="learned"``) or kept at 1
    (``"fixed"``). Methods: cd, pcd, pt, exact (enumerates the hidden layer),
    sm (score matching), dsm (denoising score matching, ``noise_sigma``),
    nce. Other parameters as in :class:`BernoulliRBM`.

    Attributes: ``W`` (V, H), ``b`` (V,), ``c`` (H,), ``log_sigma`` (V,).
    """

    _kind = "gaussian_bernoulli_rbm"
    _cli_model = "gbrbm"
    _methods = ("cd", "pcd", "pt", "exact", "sm", "dsm", "nce")
    _units = "real"

    def __init__(self, n_hidden: int = 25, method: str = "pcd", sigma: str = "learned", k: int = 1,
                 learning_rate: float = 0.01, momentum: Optional[float] = None,
                 batch_size: int = 100, n_epochs: Optional[int] = None, seed: int = 0,
                 chains: Optional[int] = None, temperatures: int = 10, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, init_std: float = 0.01,
                 noise_sigma: float = 0.1, noise_ratio: float = 5.0, noise: str = "auto",
                 monitor: str = "recon", max_exact_bits: int = 30, verbose: int = 0) -> None:
        self.n_hidden = n_hidden
        self.method = method
        self.sigma = sigma
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
        self.noise_sigma = noise_sigma
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        s = self._method_settings(("n_hidden", "k", "chains", "temperatures", "init_std",
                                   "noise_sigma", "noise_ratio", "noise"))
        s["sigma"] = check_choice("sigma", self.sigma, ("learned", "fixed"))
        return s

    W = tensor_property("W", "Weights, float32 (V, H).")
    b = tensor_property("b", "Visible means, float32 (V,).")
    c = tensor_property("c", "Hidden biases, float32 (H,).")
    log_sigma = tensor_property("log_sigma", "Log standard deviations of the visible units, (V,).")


class IsingModel(LogzModel):
    """A fully visible Boltzmann machine (Ising model) on {0, 1}^n.

        F(x) = -h.x - 1/2 x^T J x,   J symmetric with a zero diagonal

    Methods: cd, pcd, pt (Gibbs sweeps in ``scan`` order), pl, rm, exact,
    nce; ``optimizer="lbfgs"`` with pl, rm or exact. Other parameters as in
    :class:`BernoulliRBM`.

    Attributes: ``J`` (n, n), ``h`` (n,).
    """

    _kind = "ising"
    _cli_model = "ising"
    _methods = ("cd", "pcd", "pt", "pl", "rm", "exact", "nce")
    _units = "binary"

    def __init__(self, method: str = "pcd", scan: str = "sequential", k: int = 1,
                 learning_rate: float = 0.05, momentum: Optional[float] = None,
                 batch_size: int = 100, n_epochs: Optional[int] = None, seed: int = 0,
                 chains: Optional[int] = None, temperatures: int = 10, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, noise_ratio: float = 5.0, noise: str = "auto",
                 lbfgs_history: int = 10, lbfgs_epsilon: float = 1e-5, lbfgs_delta: float = 1e-7,
                 binarize: Optional[str] = None, monitor: str = "recon", max_exact_bits: int = 30,
                 verbose: int = 0) -> None:
        self.method = method
        self.scan = scan
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
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.lbfgs_history = lbfgs_history
        self.lbfgs_epsilon = lbfgs_epsilon
        self.lbfgs_delta = lbfgs_delta
        self.binarize = binarize
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        if self.binarize is not None:
            check_choice("binarize", self.binarize, ("threshold",))
        s = self._method_settings(("k", "chains", "temperatures", "noise_ratio", "noise",
                                   "lbfgs_history"))
        s["scan"] = check_choice("scan", self.scan, ("sequential", "random"))
        return s

    J = tensor_property("J", "Couplings, float32 (n, n), symmetric with a zero diagonal.")
    h = tensor_property("h", "Fields, float32 (n,).")
    pseudo_log_likelihood = BernoulliRBM.pseudo_log_likelihood


class _Continuous(_FromMoments, LogzModel):
    """Gaussian and ICA models: log Z in closed form, exact samples, and
    principles (sm, dsm, nce) that take no example weights."""

    _units = "real"

    def fit(self, X: Any, y: None = None, callback: Optional[Any] = None) -> "_Continuous":
        """Trains a new model on X (array-like (n_examples, n_features)); y is
        ignored; callback as in :meth:`BernoulliRBM.fit`. Returns self."""
        return super().fit(X, y, callback)

    def partial_fit(self, X: Any, y: None = None,
                    callback: Optional[Any] = None) -> "_Continuous":
        """One more pass over X (see :meth:`BernoulliRBM.partial_fit`)."""
        return super().partial_fit(X, y, callback)


class GaussianModel(_Continuous):
    """A multivariate Gaussian as an energy model (score matching's test case).

        F(x) = 1/2 (x - mu)^T S (x - mu),   S the precision matrix

    log Z = D/2 log 2 pi - 1/2 log det S in closed form. Methods: sm, dsm
    (``noise_sigma``), nce. Other parameters as in :class:`BernoulliRBM`.

    Attributes: ``mean`` (D,), ``precision`` (D, D).
    """

    _kind = "gaussian"
    _cli_model = "gaussian"
    _methods = ("sm", "dsm", "nce")

    def __init__(self, method: str = "sm", learning_rate: float = 0.01,
                 momentum: Optional[float] = None, batch_size: int = 100,
                 n_epochs: Optional[int] = None, seed: int = 0, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, noise_sigma: float = 0.1,
                 noise_ratio: float = 5.0, noise: str = "auto", monitor: str = "recon",
                 max_exact_bits: int = 30, verbose: int = 0) -> None:
        self.method = method
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.final_learning_rate = final_learning_rate
        self.noise_sigma = noise_sigma
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        return self._method_settings(("noise_sigma", "noise_ratio", "noise"))

    mean = tensor_property("mean", "The mean mu, float32 (D,).")
    precision = tensor_property("precision", "The precision matrix S, float32 (D, D).")


class ICAModel(_Continuous):
    """Independent component analysis as an energy model (NCE's test case):
    x = A s with independent unit-variance Laplace sources, B = A^-1.

        F(x) = sqrt(2) sum_i |b_i . x|,   log Z = D/2 log 2 - log |det B|

    Method: nce (noise-contrastive estimation, ``noise_ratio``, ``noise``).
    Other parameters as in :class:`BernoulliRBM`.

    Attributes: ``B`` (D, D), the demixing matrix.
    """

    _kind = "ica"
    _cli_model = "ica"
    _methods = ("nce",)

    def __init__(self, method: str = "nce", learning_rate: float = 0.01,
                 momentum: Optional[float] = None, batch_size: int = 100,
                 n_epochs: Optional[int] = None, seed: int = 0, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, noise_ratio: float = 5.0, noise: str = "auto",
                 monitor: str = "recon", max_exact_bits: int = 30, verbose: int = 0) -> None:
        self.method = method
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.final_learning_rate = final_learning_rate
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        return self._method_settings(("noise_ratio", "noise"))

    B = tensor_property("B", "The demixing matrix, float32 (D, D).")


class _Categorical(LogzModel):
    """Potts models and Potts RBMs: sites of ``n_states`` states, coded 0..q-1."""

    _units = "categorical"

    def _states(self, X):
        known = self._known_states(fresh=False)
        return known if known is not None else max(2, int(X.max()) + 1)

    def _known_states(self, fresh):
        """q, where it is known: the fitted model's, or for a new model
        (fresh) the n_states given; None when fit takes it from the data."""
        fitted = getattr(self, "_model", None)
        if fitted is not None and not fresh:
            return fitted.n_states
        if self.n_states is not None:
            return check_int("n_states", self.n_states, 2, 255)
        return None

    def _training_input(self, X, sample_weight, fresh):
        X, weights = super()._training_input(X, sample_weight, fresh)
        if self._known_states(fresh) is None and X.max() + 1 > 255:
            raise _core.DataError(f"X: codes up to {int(X.max())}; logz's categorical models "
                                  f"take at most 255 states")
        return X, weights

    def _weights(self, X, weights):
        if weights or not self.reweight:
            return weights
        theta = check_number("reweight", self.reweight, 0.0, 1.0, low_open=True)
        return _core.identity_weights(X, theta).tolist()

    def _penalty(self):
        s = {}
        for name in ("lambda_h", "lambda_j"):
            value = getattr(self, name)
            s[name] = -1.0 if value is None else check_number(name, value, 0.0)
        return s

    def _metadata(self):
        metadata = super()._metadata()
        if self.alphabet:
            metadata["alphabet"] = str(self.alphabet)
        return metadata

    def pseudo_log_likelihood(self, X: Any) -> np.ndarray:
        """log PL(a) = sum_i log p(a_i | a_-i) per row of X: float64 (n_examples,)."""
        return self._fitted().pseudo_log_likelihood(self._scoring_input(X))


class PottsModel(_Categorical):
    """A Potts model (direct coupling analysis) on L sites of q states.

        F(a) = -sum_i h_i(a_i) - sum_{i<j} J_ij(a_i, a_j)

    Parameters particular to it (others as in :class:`BernoulliRBM`):

    n_states : int or None
        q; None: the largest code in X plus one.
    method : str
        "pl" (pseudolikelihood, plmc's L2 penalties ``lambda_h`` and
        ``lambda_j``; None: plmc's 0.01 and 0.01 (q-1)(L-1)), "rm", "cd",
        "pcd", "pt", "exact", "nce".
    optimizer : str
        "lbfgs" (default: the whole data set's objective, as plmc) or "sgd",
        "adam".
    reweight : float
        Sequence weights at this identity threshold (plmc's theta, usually
        0.8); 0: none. ``sample_weight`` in fit takes precedence.
    alphabet : str or None
        The letters of codes 0..q-1 (kept in saved files for FASTA samples).

    Attributes: ``J`` (L, L, q, q), ``h`` (L, q).
    """

    _kind = "potts"
    _cli_model = "potts"
    _methods = ("pl", "rm", "cd", "pcd", "pt", "exact", "nce")

    def __init__(self, n_states: Optional[int] = None, method: str = "pl",
                 optimizer: str = "lbfgs", lambda_h: Optional[float] = None,
                 lambda_j: Optional[float] = None, reweight: float = 0.0,
                 alphabet: Optional[str] = None, k: int = 1, learning_rate: float = 0.05,
                 momentum: Optional[float] = None, batch_size: int = 100,
                 n_epochs: Optional[int] = None, seed: int = 0, chains: Optional[int] = None,
                 temperatures: int = 10, weight_decay: float = 0.0, lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, noise_ratio: float = 5.0, noise: str = "auto",
                 lbfgs_history: int = 10, lbfgs_epsilon: float = 1e-5, lbfgs_delta: float = 1e-7,
                 monitor: str = "recon", max_exact_bits: int = 30, verbose: int = 0) -> None:
        self.n_states = n_states
        self.method = method
        self.optimizer = optimizer
        self.lambda_h = lambda_h
        self.lambda_j = lambda_j
        self.reweight = reweight
        self.alphabet = alphabet
        self.k = k
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.seed = seed
        self.chains = chains
        self.temperatures = temperatures
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.final_learning_rate = final_learning_rate
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.lbfgs_history = lbfgs_history
        self.lbfgs_epsilon = lbfgs_epsilon
        self.lbfgs_delta = lbfgs_delta
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        s = self._method_settings(("k", "chains", "temperatures", "noise_ratio", "noise",
                                   "lbfgs_history"))
        s.update(self._penalty())
        return s

    J = tensor_property("J", "Couplings, float32 (L, L, q, q); J[j, i] = J[i, j].T.")
    h = tensor_property("h", "Fields, float32 (L, q).")


class PottsRBM(_Transformer, _Categorical):
    """A Potts RBM: L categorical visible sites of q states, H binary hidden units.

        F(a) = -sum_i b_i(a_i) - sum_j softplus(c_j + sum_i W_i(a_i, j))

    Methods: cd, pcd, pt, exact, pl, rm, nce (``lambda_h``, ``lambda_j``:
    pl's L2 penalties; None: 0.01). Other parameters as in
    :class:`PottsModel` and :class:`BernoulliRBM`.

    Attributes: ``W`` (L, q, H), ``b`` (L, q), ``c`` (H,).
    """

    _kind = "potts_rbm"
    _cli_model = "potts_rbm"
    _methods = ("cd", "pcd", "pt", "exact", "pl", "rm", "nce")

    def __init__(self, n_hidden: int = 25, n_states: Optional[int] = None, method: str = "pcd",
                 k: int = 1, learning_rate: float = 0.05, momentum: Optional[float] = None,
                 batch_size: int = 100, n_epochs: Optional[int] = None, seed: int = 0,
                 chains: Optional[int] = None, temperatures: int = 10, weight_decay: float = 0.0,
                 optimizer: str = "sgd", lr_schedule: str = "constant",
                 final_learning_rate: float = 0.0, init_std: float = 0.01,
                 lambda_h: Optional[float] = None, lambda_j: Optional[float] = None,
                 reweight: float = 0.0, alphabet: Optional[str] = None, noise_ratio: float = 5.0,
                 noise: str = "auto", lbfgs_history: int = 10, lbfgs_epsilon: float = 1e-5,
                 lbfgs_delta: float = 1e-7, monitor: str = "recon", max_exact_bits: int = 30,
                 verbose: int = 0) -> None:
        self.n_hidden = n_hidden
        self.n_states = n_states
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
        self.lambda_h = lambda_h
        self.lambda_j = lambda_j
        self.reweight = reweight
        self.alphabet = alphabet
        self.noise_ratio = noise_ratio
        self.noise = noise
        self.lbfgs_history = lbfgs_history
        self.lbfgs_epsilon = lbfgs_epsilon
        self.lbfgs_delta = lbfgs_delta
        self.monitor = monitor
        self.max_exact_bits = max_exact_bits
        self.verbose = verbose

    def _model_settings(self):
        s = self._method_settings(("n_hidden", "k", "chains", "temperatures", "init_std",
                                   "noise_ratio", "noise", "lbfgs_history"))
        s.update(self._penalty())
        return s

    W = tensor_property("W", "Weights, float32 (L, q, H).")
    b = tensor_property("b", "Visible fields, float32 (L, q).")
    c = tensor_property("c", "Hidden biases, float32 (H,).")


ESTIMATORS = {cls._kind: cls for cls in (BernoulliRBM, GaussianBernoulliRBM, IsingModel,
                                         GaussianModel, ICAModel, PottsModel, PottsRBM)}

# Model-file metadata of `logz train` -> constructor argument.
_CLI_SETTINGS = {
    "method": "method", "k": "k", "chains": "chains", "temperatures": "temperatures",
    "lr": "learning_rate", "momentum": "momentum", "weight_decay": "weight_decay",
    "optimizer": "optimizer", "lr_schedule": "lr_schedule", "lr_final": "final_learning_rate",
    "batch": "batch_size", "epochs": "n_epochs", "seed": "seed", "init_std": "init_std",
    "n_hidden": "n_hidden", "scan": "scan", "sigma": "sigma", "noise_sigma": "noise_sigma",
    "noise_ratio": "noise_ratio", "noise": "noise", "states": "n_states",
    "alphabet": "alphabet", "reweight": "reweight",
}


def _parse(text):
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def _model_estimator(core, metadata, source):
    cls = ESTIMATORS.get(core.kind)
    if cls is None:
        raise _core.FileError(f"{source}: holds a model of kind {core.kind}, which logz's Python "
                              f"API does not know")
    names = cls._parameter_names()
    params = {}
    for key, value in metadata.items():
        if key.startswith("python."):
            name = key[len("python."):]
            if name in names:
                try:
                    params[name] = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    pass
    if not params:
        for key, name in _CLI_SETTINGS.items():
            if key in metadata and name in names:
                params[name] = _parse(metadata[key])
    estimator = cls(**params)
    try:
        estimator._validate_settings()
    except _core.SettingError:
        estimator = cls()  # settings from elsewhere: defaults
    estimator._model = core
    estimator.n_features_in_ = core.n_visible
    estimator._records = []
    estimator.history_ = {}
    estimator.metadata_ = dict(metadata)
    return estimator


def load(path: "str | os.PathLike[str]") -> LogzModel:
    """The estimator of a safetensors model file (written by ``save`` or by
    ``logz train``), of the class its kind names (BernoulliRBM, IsingModel,
    PottsModel, ...), with the hyperparameters its metadata holds
    (``metadata_`` keeps all of it). partial_fit continues training from the
    loaded parameters with a fresh optimizer and chains. A run folder of
    ``logz train`` reads its model.safetensors."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    core, metadata = _core.load_model(str(path))
    return _model_estimator(core, metadata, str(path))


def save(model: LogzModel, path: "str | os.PathLike[str]") -> None:
    """Writes a fitted estimator's model file (``model.save(path)``)."""
    if not isinstance(model, LogzModel):
        raise TypeError(f"expected a logz estimator, got {type(model).__name__}")
    model.save(path)


__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "IsingModel", "GaussianModel", "ICAModel",
           "PottsModel", "PottsRBM", "NotFittedError", "load", "save"]
