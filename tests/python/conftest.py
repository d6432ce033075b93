"""What the Python tests share: an independent numpy reference for small RBMs
(enumeration of every visible state, in float64) and exact draws from it.

Run by CTest with PYTHONPATH at the build's python/ folder; LOGZ_CLI names
the logz executable (tests that compare with it are skipped without it).
"""

import os

import numpy as np
import pytest


def softplus(x):
    return np.logaddexp(0.0, x)


def all_states(n):
    """Every binary vector of length n, float64 [2^n, n]."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1).astype(np.float64)


def log_unnormalized(W, b, c, V):
    """log p~(v) = b.v + sum_j softplus(c_j + (v W)_j), float64 [n]."""
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    return V @ b + softplus(V @ W + c).sum(axis=1)


def log_z(W, b, c):
    """log Z by summing over every state of the smaller layer, in float64."""
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    if len(c) < len(b):  # the same sum over hidden states
        W, b, c = W.T, c, b
    values = log_unnormalized(W, b, c, all_states(len(b)))
    top = values.max()
    return top + np.log(np.exp(values - top).sum())


class KnownRbm:
    """An RBM with given parameters and exact draws from it."""

    def __init__(self, n_visible, n_hidden, weight_scale, seed):
        rng = np.random.default_rng(seed)
        self.W = rng.normal(0.0, weight_scale, (n_visible, n_hidden))
        self.b = rng.normal(-0.5, 0.5, n_visible)
        self.c = rng.normal(0.0, 0.5, n_hidden)
        self.states = all_states(n_visible)
        values = log_unnormalized(self.W, self.b, self.c, self.states)
        self.log_z = log_z(self.W, self.b, self.c)
        self.probability = np.exp(values - self.log_z)

    def sample(self, n, seed):
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(self.states), size=n, p=self.probability / self.probability.sum())
        return self.states[rows].astype(np.float32)

    def log_likelihood(self, X):
        return log_unnormalized(self.W, self.b, self.c, np.asarray(X, np.float64)) - self.log_z


@pytest.fixture
def known_rbm():
    return KnownRbm(n_visible=10, n_hidden=3, weight_scale=1.5, seed=7)


@pytest.fixture
def binary_data():
    rng = np.random.default_rng(3)
    return (rng.random((400, 16)) < 0.3).astype(np.float32)


@pytest.fixture
def cli():
    path = os.environ.get("LOGZ_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("LOGZ_CLI does not name the logz executable")
    return path
