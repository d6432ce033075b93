"""numpy arrays in: C-contiguous float32 is read in place, everything else is
converted once; bad arrays are refused with a message that locates them."""

import numpy as np
import pytest

import logz
from logz import _core


def address(array):
    return array.__array_interface__["data"][0]


@pytest.fixture(scope="module")
def rbm():
    data = (np.random.default_rng(0).random((200, 12)) < 0.3).astype(np.float32)
    return logz.BernoulliRBM(n_hidden=5, n_epochs=2).fit(data)


def test_c_contiguous_float32_is_not_copied():
    large = np.zeros((20000, 784), dtype=np.float32)  # 63 MB
    assert _core.data_address(large) == address(large)
    rows = large[100:200]  # a block of rows is still C-contiguous
    assert _core.data_address(rows) == address(rows)
    checked = _core.as_matrix(large, "X")
    assert checked is large


@pytest.mark.parametrize("convert", [lambda x: x.astype(np.float64), lambda x: x.astype(bool),
                                     lambda x: x.astype(np.int64), np.asfortranarray,
                                     lambda x: np.repeat(x, 2, axis=1)[:, ::2],
                                     lambda x: x.tolist()])
def test_other_arrays_are_converted_once(rbm, convert):
    data = (np.random.default_rng(1).random((30, 12)) < 0.3).astype(np.float32)
    other = convert(data)
    if isinstance(other, np.ndarray):
        assert _core.data_address(other) != address(other)
    np.testing.assert_array_equal(rbm.transform(other), rbm.transform(data))
    np.testing.assert_array_equal(rbm.score_samples(other), rbm.score_samples(data))
    converted = _core.as_matrix(other, "X")
    assert converted.dtype == np.float32 and converted.flags["C_CONTIGUOUS"]


def test_unaligned_float32_is_copied_and_read_right(rbm):
    data = (np.random.default_rng(2).random((10, 12)) < 0.5).astype(np.float32)
    buffer = np.zeros(data.nbytes + 1, dtype=np.uint8)
    unaligned = np.frombuffer(buffer.data, dtype=np.float32, count=data.size,
                              offset=1).reshape(data.shape)
    buffer[1:] = data.view(np.uint8).ravel()
    assert not unaligned.flags["ALIGNED"]
    np.testing.assert_array_equal(rbm.transform(unaligned), rbm.transform(data))


def test_bad_arrays_are_refused_with_their_location(rbm):
    good = np.zeros((4, 12), dtype=np.float32)
    with pytest.raises(logz.DataError,
                       match=r"X: expected a 2-D array.*shape \(12,\).*Reshape your data"):
        rbm.transform(good[0])
    with pytest.raises(logz.DataError,
                       match=r"X has 11 features, but this BernoulliRBM was fitted with 12"):
        rbm.transform(good[:, :11])
    bad = good.copy()
    bad[2, 3] = np.nan
    with pytest.raises(logz.DataError, match=r"X\[2, 3\] is NaN: logz needs finite numbers"):
        rbm.transform(bad)
    bad[2, 3] = 0.5
    bad[2, 3] = 1.5
    with pytest.raises(logz.DataError, match=r"X\[2, 3\] is 1.5, but the model's units are "
                                             r"binary"):
        rbm.score_samples(bad)
    with pytest.raises(logz.DataError, match="dtype <U1 is not numeric"):
        rbm.transform(np.array([["a"] * 12]))
    with pytest.raises(logz.DataError, match=r"0 sample\(s\)"):
        logz.BernoulliRBM().fit(np.zeros((0, 12)))
    with pytest.raises(ValueError):  # DataError is a ValueError
        rbm.gibbs(np.ones((2, 3)))


def test_load_data_hands_over_the_arrays_it_read(tmp_path):
    train, test = logz.load_data("mnist10k")
    assert train.shape == (9000, 784) and test.shape == (1000, 784)
    assert train.dtype == np.float32 and train.flags["C_CONTIGUOUS"]
    assert not train.flags["OWNDATA"]  # numpy holds C++'s matrix, not a copy
    assert set(np.unique(train)) == {0.0, 1.0}  # pixels > 127
    path = tmp_path / "spins.csv"
    np.savetxt(path, [[-1, 1, 1], [1, -1, 1], [1, 1, -1], [-1, -1, -1]], fmt="%d",
               delimiter=",")
    train, test = logz.load_data(path, test_count=1)
    np.testing.assert_array_equal(train, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    assert test.shape == (1, 3)
    with pytest.raises(logz.FileError, match="missing.csv"):
        logz.load_data(tmp_path / "missing.csv")
    with pytest.raises(logz.SettingError, match="binarize"):
        logz.load_data(path, binarize="sometimes")


def test_logz_keeps_its_openmp_openblas_beside_numpy():
    # numpy (imported first, as here) loads Debian's pthreads OpenBLAS as
    # libopenblas.so.0; logz links the OpenMP build into its module instead.
    assert np.__name__ and _core.openblas_parallel() == 2  # 2: OpenMP
