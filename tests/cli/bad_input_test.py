#!/usr/bin/python3
"""Bad input, end to end: every reader and every flag check of the logz
command line, on tiny files crafted here. Each case runs the real binary and
asserts the exit code (1: bad input, 2: a flag out of range), that nothing
crashed (no signal), that stderr is one line, and the words that tell the
user where the problem is: the file with its offset, line, row or column, or
the flag with its allowed range.

Usage: bad_input_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"

BAD_INPUT = 1  # a file, the data, a model
BAD_FLAG = 2   # a command line that does not parse, a flag out of range


class BadInputCase(unittest.TestCase):
    """Crafts files in a fresh folder and checks how logz refuses them."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        self.out = os.path.join(self.dir, "run")

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, content):
        path = self.path(name)
        with open(path, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        return path

    def expect(self, args, code, *fragments):
        """Runs logz; asserts exit code, no crash, one line of stderr holding every fragment."""
        proc = subprocess.run([LOGZ, *map(str, args)], capture_output=True, text=True,
                              timeout=60)
        where = f"logz {' '.join(map(str, args))}\nstderr: {proc.stderr!r}"
        self.assertGreaterEqual(proc.returncode, 0, "killed by a signal: " + where)
        self.assertEqual(proc.returncode, code, where)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, where)
        self.assertTrue(lines[0].startswith("logz: error: "), where)
        for fragment in fragments:
            self.assertIn(str(fragment), lines[0], where)
        return lines[0]

    def train(self, data, *extra):
        """`logz train` on a data file: the data is read before anything is trained."""
        return ["train", "--data", data, "--hidden", 2, "--epochs", 1, "--batch", 2,
                "--out", self.out, *extra]

    def binary_csv(self, name="bits.csv", rows=10, cols=3, seed=0):
        x = (np.random.default_rng(seed).random((rows, cols)) < 0.5).astype(int)
        np.savetxt(self.path(name), x, fmt="%d", delimiter=",")
        return self.path(name)


# ---------------------------------------------------------------- IDX

def idx_header(type_code, dims):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


class Idx(BadInputCase):
    def test_bad_magic(self):
        path = self.write("bad-magic.idx", b"\x00\x01\x08\x02" + struct.pack(">II", 2, 2) + bytes(4))
        self.expect(self.train(path), BAD_INPUT, path, "bad magic number 0x00010802",
                    "offset 0")

    def test_wrong_type_code(self):
        path = self.write("type.idx", idx_header(0x07, [2, 2]) + bytes(4))
        self.expect(self.train(path), BAD_INPUT, path, "type code 0x07", "offset 2")

    def test_truncated_data(self):
        path = self.write("short.idx", idx_header(0x08, [4, 3]) + bytes(5))
        self.expect(self.train(path), BAD_INPUT, path, "4 x 3", "truncated")

    def test_truncated_header(self):
        path = self.write("short-header.idx", bytes([0, 0, 0x08, 3, 0, 0]))
        self.expect(self.train(path), BAD_INPUT, path, "truncated IDX header",
                    "3 dimensions need 16 bytes")

    def test_dimension_product_overflowing(self):
        # 2^32-1 cubed overflows 64 bits; nothing may be allocated from it.
        path = self.write("huge.idx", idx_header(0x0D, [0xFFFFFFFF] * 3) + bytes(8))
        self.expect(self.train(path), BAD_INPUT, path,
                    "4294967295 x 4294967295 x 4294967295", "claim more float values")

    def test_dimensions_not_matching_the_file_size(self):
        path = self.write("long.idx", idx_header(0x08, [2, 2]) + bytes(6))
        self.expect(self.train(path), BAD_INPUT, path, "dimensions 2 x 2 need 16 bytes",
                    "the file has 18")

    def test_corrupt_gzip(self):
        raw = gzip.compress(idx_header(0x08, [50, 20]) + bytes(range(250)) * 4, mtime=0)
        damaged = bytearray(raw)
        for i in range(12, len(raw) - 8):
            damaged[i] ^= 0x55
        path = self.write("damaged.idx.gz", bytes(damaged))
        self.expect(self.train(path), BAD_INPUT, path, "damaged", "gzip")

    def test_truncated_gzip(self):
        raw = gzip.compress(idx_header(0x08, [50, 20]) + bytes(range(250)) * 4, mtime=0)
        path = self.write("cut.idx.gz", raw[:len(raw) // 2])
        self.expect(self.train(path), BAD_INPUT, path, "truncated gzip data",
                    "decompressed bytes")


# ---------------------------------------------------------------- CSV

class Csv(BadInputCase):
    def test_ragged_row(self):
        path = self.write("ragged.csv", "1,0,1\n0,1,1\n0,1\n")
        self.expect(self.train(path), BAD_INPUT, path, "line 3 has 2 values", "line 1 has 3",
                    "ragged")

    def test_non_numeric_cell(self):
        path = self.write("word.csv", "a,b,c\n1,0,1\n0,yes,1\n")
        self.expect(self.train(path), BAD_INPUT, path, "line 3, column 2", '"yes"',
                    "not a number")


# ---------------------------------------------------------------- NPY

class Npy(BadInputCase):
    def test_unsupported_dtype(self):
        path = self.path("complex.npy")
        np.save(path, np.zeros((4, 3), dtype=np.complex64))
        self.expect(self.train(path), BAD_INPUT, path, "dtype '<c8' is not supported")

    def test_unsupported_order(self):
        path = self.path("fortran3d.npy")
        np.save(path, np.asfortranarray(np.zeros((4, 2, 2), dtype=np.float32)))
        self.expect(self.train(path), BAD_INPUT, path, "Fortran order is not supported")
        header = "{'descr': '<f4', 'fortran_order': 'K', 'shape': (2, 2), }"
        header += " " * (63 - (10 + len(header)) % 64) + "\n"
        path = self.write("order.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
                          + header.encode() + bytes(16))
        self.expect(self.train(path), BAD_INPUT, path, "fortran_order 'K'", "unsupported order")

    def test_truncated(self):
        path = self.path("cut.npy")
        np.save(path, np.ones((10, 3), dtype=np.float32))
        with open(path, "rb") as f:
            raw = f.read()
        with open(path, "wb") as f:
            f.write(raw[:-7])
        self.expect(self.train(path), BAD_INPUT, path, "shape (10, 3)", "after the header at offset",
                    "truncated")

    def test_header_length_beyond_the_file(self):
        path = self.path("cut-header.npy")
        np.save(path, np.ones((10, 3), dtype=np.float32))
        with open(path, "rb") as f:
            raw = f.read()
        with open(path, "wb") as f:
            f.write(raw[:40])
        self.expect(self.train(path), BAD_INPUT, path, "header length", "runs past the end")


# ---------------------------------------------------------------- NaN, Inf

class NonFinite(BadInputCase):
    def test_nan_in_csv(self):
        path = self.write("nan.csv", "1,0,1\n0,nan,1\n1,1,0\n")
        self.expect(self.train(path), BAD_INPUT, path, "line 2, column 2", '"nan"',
                    "not a finite number")

    def test_inf_in_csv(self):
        path = self.write("inf.csv", "1,0,1\n0,1,1\n1,1,-inf\n")
        self.expect(self.train(path), BAD_INPUT, path, "line 3, column 3", '"-inf"',
                    "not a finite number")

    def test_nan_in_npy(self):
        x = np.zeros((6, 3), dtype=np.float32)
        x[4, 1] = np.nan
        path = self.path("nan.npy")
        np.save(path, x)
        self.expect(self.train(path), BAD_INPUT, path, "row 5, column 2", "nan is not finite")

    def test_inf_in_idx(self):
        x = np.zeros((6, 3), dtype=">f4")
        x[2, 0] = np.inf
        path = self.write("inf.idx", idx_header(0x0D, [6, 3]) + x.tobytes())
        self.expect(self.train(path), BAD_INPUT, path, "row 3, column 1", "inf is not finite")


# ---------------------------------------------------------------- safetensors

def safetensors(tensors, metadata=None, header=None, header_length=None, data=None):
    """tensors: name -> (dtype, shape, bytes, offsets or None for packed)."""
    entries = {"__metadata__": metadata or {"model": "bernoulli_rbm"}}
    buffer = b""
    for name, (dtype, shape, raw, offsets) in tensors.items():
        if offsets is None:
            offsets = [len(buffer), len(buffer) + len(raw)]
            buffer += raw
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": offsets}
    text = header if header is not None else json.dumps(entries).encode()
    length = len(text) if header_length is None else header_length
    return struct.pack("<Q", length) + text + (buffer if data is None else data)


def f32(*shape):
    return np.zeros(shape, dtype="<f4").tobytes()


def rbm_tensors(n_visible=3, n_hidden=2):
    return {"W": ("F32", [n_visible, n_hidden], f32(n_visible, n_hidden), None),
            "b": ("F32", [n_visible], f32(n_visible), None),
            "c": ("F32", [n_hidden], f32(n_hidden), None)}


class Safetensors(BadInputCase):
    def estimate(self, name, content):
        return ["estimate", self.write(name, content)]

    def test_a_good_file_is_read(self):  # the crafted files differ from this one in one thing
        path = self.write("good.safetensors", safetensors(rbm_tensors()))
        proc = subprocess.run([LOGZ, "estimate", path, "--json"], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertAlmostEqual(json.loads(proc.stdout)["log_z"], 5 * np.log(2), places=5)

    def test_header_length_beyond_the_file(self):
        args = self.estimate("long.safetensors", safetensors(rbm_tensors(), header_length=10**9))
        self.expect(args, BAD_INPUT, args[1], "header length 1000000000 at offset 0",
                    "runs past the end")

    def test_invalid_json(self):
        args = self.estimate("json.safetensors", safetensors({}, header=b'{"W": {"dtype": "F32",,}}'))
        self.expect(args, BAD_INPUT, args[1], "not valid JSON at offset 30")

    def test_missing_tensor(self):
        tensors = rbm_tensors()
        del tensors["c"]
        args = self.estimate("missing.safetensors", safetensors(tensors))
        self.expect(args, BAD_INPUT, args[1], 'missing tensor "c"')

    def test_wrong_dtype(self):
        tensors = rbm_tensors()
        tensors["W"] = ("I32", [3, 2], np.zeros((3, 2), "<i4").tobytes(), None)
        args = self.estimate("dtype.safetensors", safetensors(tensors))
        self.expect(args, BAD_INPUT, args[1], 'tensor "W"', 'dtype "I32" is not supported',
                    "F32 and F64")

    def test_wrong_shape(self):
        tensors = rbm_tensors()
        tensors["b"] = ("F32", [4], f32(4), None)
        args = self.estimate("shape.safetensors", safetensors(tensors))
        self.expect(args, BAD_INPUT, args[1], 'tensor "b" has shape [4]', "needs [3]")

    def test_offsets_out_of_range(self):
        tensors = rbm_tensors()
        tensors["W"] = ("F32", [3, 2], f32(3, 2), [1000, 1024])
        args = self.estimate("range.safetensors", safetensors(tensors))
        self.expect(args, BAD_INPUT, args[1], 'tensor "W"', "data_offsets [1000, 1024]",
                    "outside the data buffer of 20 bytes")

    def test_overlapping_offsets(self):
        tensors = {"W": ("F32", [3, 2], f32(3, 2), [0, 24]),
                   "b": ("F32", [3], f32(3), [12, 24]),
                   "c": ("F32", [2], f32(2), [24, 32])}
        args = self.estimate("overlap.safetensors", safetensors(tensors, data=bytes(32)))
        self.expect(args, BAD_INPUT, args[1], '"W" (data_offsets [0, 24])', '"b" ([12, 24])',
                    "overlap")


# ---------------------------------------------------------------- data against model

class DataAgainstModel(BadInputCase):
    def setUp(self):
        super().setUp()
        self.rbm = self.write("rbm.safetensors", safetensors(rbm_tensors(3, 2)))
        ising = {"J": ("F32", [3, 3], f32(3, 3), None), "h": ("F32", [3], f32(3), None)}
        self.ising = self.write("ising.safetensors", safetensors(ising, {"model": "ising"}))

    def test_visible_size_differs(self):
        data = self.binary_csv("four.csv", cols=4)
        self.expect(["eval", self.rbm, "--data", data], BAD_INPUT, data,
                    "4 values per example", self.rbm, "3 visible units")
        self.expect(["estimate", self.rbm, "--method", "ais", "--data", data], BAD_INPUT, data,
                    "4 values per example", "3 visible units")

    def test_test_file_of_another_width(self):
        train, test = self.binary_csv("three.csv"), self.binary_csv("four.csv", cols=4)
        self.expect(self.train(train, "--test-data", test), BAD_INPUT, test,
                    "has 4 values per row", "has 3")

    def test_non_binary_values_without_binarize(self):
        grey = self.write("grey.csv", "0,1,1\n1,0.25,0\n0,1,0\n1,1,1\n")
        for args in (["eval", self.rbm, "--data", grey, "--split", "all"],
                     ["eval", self.ising, "--data", grey, "--split", "all"],
                     self.train(grey, "--test-count", 1),
                     ["train", "--data", grey, "--model", "ising", "--epochs", 1, "--batch", 2,
                      "--test-count", 1, "--out", self.out]):
            self.expect(args, BAD_INPUT, grey, "non-binary value 0.25", "row 2, column 2",
                        "--binarize threshold")
        # --binarize none is a choice to keep the values: refused all the same.
        self.expect(["eval", self.rbm, "--data", grey, "--binarize", "none"], BAD_INPUT,
                    "non-binary value 0.25", "Bernoulli RBM")
        # The hint works.
        proc = subprocess.run([LOGZ, "eval", self.rbm, "--data", grey, "--split", "all",
                               "--binarize", "threshold", "--json"], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)


# ---------------------------------------------------------------- flags

class Flags(BadInputCase):
    def setUp(self):
        super().setUp()
        self.data = self.binary_csv(rows=20)  # 18 training rows, 2 test rows

    def train_with(self, *flags):
        batch = [] if "--batch" in flags else ["--batch", 5]
        return ["train", "--data", self.data, "--epochs", 1, *batch, "--out", self.out, *flags]

    def test_hidden_must_be_positive(self):
        for value in (0, -4):
            self.expect(self.train_with("--hidden", value), BAD_FLAG, "--hidden",
                        f"Value {value} not in range 1 to")

    def test_k_must_be_at_least_one(self):
        self.expect(self.train_with("--method", "cd", "--k", 0), BAD_FLAG, "--k",
                    "Value 0 not in range 1 to")

    def test_learning_rate_must_be_positive(self):
        for value in (0, -0.5, "nan"):
            self.expect(self.train_with("--lr", value), BAD_FLAG, "--lr",
                        "must be a finite number > 0")

    def test_batch_larger_than_the_data(self):
        self.expect(self.train_with("--batch", 19), BAD_FLAG, "--batch: 19 must be in [1, 18]",
                    "the number of training examples")
        self.expect(self.train_with("--batch", 0), BAD_FLAG, "--batch",
                    "Value 0 not in range 1 to")

    def test_unknown_method_for_a_model(self):
        rbm = self.write("rbm.safetensors", safetensors(rbm_tensors(3, 2)))
        ising = {"J": ("F32", [3, 3], f32(3, 3), None), "h": ("F32", [3], f32(3), None)}
        ising = self.write("ising.safetensors", safetensors(ising, {"model": "ising"}))
        self.expect(["estimate", ising, "--method", "ais"], BAD_FLAG,
                    "--method: ais does not apply to", ising, "an Ising model",
                    "allowed for this model: exact, bridge")
        self.expect(["eval", ising, "--data", self.data, "--logz-method", "raise"], BAD_FLAG,
                    "--logz-method: raise does not apply", "allowed for this model: exact, bridge")
        self.expect(["eval", ising, "--data", self.data, "--logz-method", "ais"], BAD_FLAG,
                    "--logz-method: ais does not apply")
        self.expect(["estimate", rbm, "--method", "raise"], BAD_FLAG, "--method",
                    "raise not in {exact,ais,bridge,learned,trajectory}")
        self.expect(self.train_with("--model", "ising", "--method", "magic"), BAD_FLAG,
                    "--method", "magic not in {cd,pcd,pt,pl,rm,exact,sm,dsm,nce}")
        self.expect(self.train_with("--model", "ising", "--hidden", 5), BAD_FLAG,
                    "--hidden", "an Ising model has no hidden units")

    def test_other_ranges_name_the_flag(self):
        self.expect(self.train_with("--test-count", -1), BAD_FLAG, "--test-count",
                    "Value -1 not in range 0 to")
        self.expect(self.train_with("--test-count", 20), BAD_FLAG, "--test-count",
                    "must be in [0, 20)")
        self.expect(self.train_with("--threshold", "nan"), BAD_FLAG, "--threshold",
                    "outside (0, 1)")
        self.expect(["train", "--data", "", "--out", self.out], BAD_FLAG, "--data", "is empty")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
