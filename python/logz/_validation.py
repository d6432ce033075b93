"""Input checks shared by every estimator: what scikit-learn's check_array
does, with logz's messages (each names the argument, and the row and column
of a bad value), and without converting what logz can read in place.

A C-contiguous float32 2-D array goes to C++ as it is (no copy); any other
array of real numbers (float64, integers, bool, Fortran order, slices, lists,
objects holding numbers) is converted once to float32.
"""

import numbers

import numpy as np

from . import _core


def check_int(name, value, low, high=None):
    """``value`` as an int in [low, high]; SettingError naming ``name`` otherwise."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise _core.SettingError(f"{name}: {value!r} is not an integer")
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise _core.SettingError(f"{name}: {value} must be {bound}")
    return int(value)


def check_number(name, value, low=None, high=None, low_open=False):
    """``value`` as a finite float in its range; SettingError naming ``name`` otherwise."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not np.isfinite(value):
        raise _core.SettingError(f"{name}: {value!r} is not a finite number")
    if low is not None and (value < low or (low_open and value == low)):
        raise _core.SettingError(f"{name}: {value} must be {'>' if low_open else '>='} {low}")
    if high is not None and value > high:
        raise _core.SettingError(f"{name}: {value} must be <= {high}")
    return float(value)


def check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise _core.SettingError(f'{name}: {value!r} is not one of {", ".join(map(str, choices))}')
    return value


class DataTypeError(_core.DataError, TypeError):
    """Input that is not numbers at all (an object array holding a dict, say):
    a DataError, and a TypeError as numpy's own conversion raises."""


def _is_sparse(X):
    module = type(X).__module__ or ""
    return module.startswith("scipy.sparse") or (hasattr(X, "tocsr") and hasattr(X, "nnz"))


def as_matrix(X, name="X", n_features=None, estimator=None):
    """X as a 2-D float32 array [n, d] with at least one row and one column.

    Raises DataError (a ValueError) for sparse, complex, non-numeric, 1-D or
    empty input and for a width other than ``n_features``. Non-finite values
    are found by the C++ core (with their row and column) when it reads X.
    """
    if _is_sparse(X):
        raise _core.DataError(f"{name}: a sparse matrix ({type(X).__name__}); logz needs a dense "
                              f"array: pass {name}.toarray()")
    try:
        array = np.asarray(X)
    except (TypeError, ValueError) as e:
        raise _core.DataError(f"{name}: not an array of numbers: {e}") from e
    if np.iscomplexobj(array):
        raise _core.DataError(f"{name}: Complex data not supported: logz models take real numbers")
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as e:
            raise DataTypeError(f"{name}: an object array that is not all numbers: {e}") from e
    if array.dtype.kind not in "biuf":
        raise _core.DataError(f"{name}: dtype {array.dtype} is not numeric: logz takes arrays of "
                              f"real numbers")
    if array.ndim != 2:
        hint = f" (one example is {name}.reshape(1, -1))" if array.ndim == 1 else ""
        raise _core.DataError(f"{name}: expected a 2-D array [n_examples, n_features], got shape "
                              f"{array.shape}; Reshape your data{hint}")
    if array.shape[0] == 0:
        raise _core.DataError(f"{name}: 0 sample(s) (shape={array.shape}) while a minimum of 1 is "
                              f"required.")
    if array.shape[1] == 0:
        raise _core.DataError(f"{name}: 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
                              f"required.")
    if n_features is not None and array.shape[1] != n_features:
        owner = f"this {type(estimator).__name__}" if estimator is not None else "the model"
        raise _core.DataError(f"{name} has {array.shape[1]} features, but {owner} was fitted with "
                              f"{n_features} (is expecting {n_features} features as input)")
    if array.dtype == np.float32 and array.flags.c_contiguous and array.flags.aligned:
        return array  # read in place by C++
    return np.ascontiguousarray(array, dtype=np.float32)


def require_finite(X, name="X"):
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        value = "NaN" if np.isnan(X[r, c]) else X[r, c]
        raise _core.DataError(f"{name}[{r}, {c}] is {value}: logz needs finite numbers (no NaN or "
                              f"inf)")


def binary_input(X, binarize, name="X"):
    """X for a model of binary units, and whether it holds probabilities.

    binarize "threshold": X > 0.5 (a copy). None: X must lie in [0, 1]; values
    strictly between are probabilities (returned as they are, flagged).
    """
    require_finite(X, name)
    if binarize == "threshold":
        return (X > 0.5).astype(np.float32), False
    outside = (X < 0) | (X > 1)
    if outside.any():
        r, c = np.argwhere(outside)[0]
        raise _core.DataError(f"{name}[{r}, {c}] is {X[r, c]}, but the model's units are binary: "
                              f"give 0s and 1s (or probabilities in [0, 1]), or binarize="
                              f"'threshold' (x > 0.5)")
    fractional = bool(((X != 0) & (X != 1)).any())
    return X, fractional


def codes_input(X, n_states, name="X"):
    """X of integer codes 0..n_states-1 (categorical units), checked."""
    require_finite(X, name)
    bad = (X < 0) | (X != np.floor(X)) | ((X >= n_states) if n_states is not None else False)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        states = (f"{n_states} states: codes 0 to {n_states - 1}" if n_states
                  else "integer codes >= 0")
        raise _core.DataError(f"{name}[{r}, {c}] is {X[r, c]}, but the model's units take {states}")
    return X
