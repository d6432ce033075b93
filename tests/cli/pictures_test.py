#!/usr/bin/python3
"""Pictures end to end: `logz train` leaves samples.png and filters.png in its
run folder, `logz sample` and `logz show` draw a saved model. The PNG files are
read back by a decoder written here from the PNG specification (chunks, CRCs,
zlib, the five row filters), independent of the encoder.

Usage: pictures_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

import numpy as np

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"
ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def logz(*args):
    return subprocess.run([LOGZ, *map(str, args)], capture_output=True, text=True, timeout=600)


def run_json(test, *args):
    proc = logz(*args, "--json")
    test.assertEqual(proc.returncode, 0, proc.stderr)
    return json.loads(proc.stdout)


def ihdr(path):
    """(width, height, bit depth, colour type) from the IHDR chunk, which must come first."""
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == SIGNATURE, f"{path}: not a PNG signature: {head[:8]!r}"
    length, kind = struct.unpack(">I4s", head[8:16])
    assert (length, kind) == (13, b"IHDR"), (length, kind)
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    return width, height, depth, colour


def decode_gray_png(path):
    """The pixels of an 8-bit grayscale, non-interlaced PNG as a [height, width] uint8 array."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == SIGNATURE
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
        if kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    assert (depth, colour, interlace) == (8, 0, 0), header
    raw = zlib.decompress(idat)
    assert len(raw) == height * (width + 1)
    out = np.zeros((height, width), dtype=np.int64)
    previous = np.zeros(width, dtype=np.int64)
    for y in range(height):
        kind = raw[y * (width + 1)]
        line = np.frombuffer(raw, np.uint8, width, y * (width + 1) + 1).astype(np.int64)
        row = np.zeros(width, dtype=np.int64)
        for x in range(width):
            left = row[x - 1] if x > 0 else 0
            up = previous[x]
            up_left = previous[x - 1] if x > 0 else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = left
            elif kind == 2:
                predictor = up
            elif kind == 3:
                predictor = (left + up) // 2
            else:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
            row[x] = (line[x] + predictor) % 256
        out[y] = row
        previous = row
    return out.astype(np.uint8)


def tiles(pixels, layout):
    """The tiles of a grid picture, each [tile_height, tile_width] at scale 1, in order."""
    th, tw, s = layout["tile_height"], layout["tile_width"], layout["scale"]
    out = []
    for i in range(layout["columns"] * layout["rows"]):
        top, left = (i // layout["columns"]) * (th * s + 1), (i % layout["columns"]) * (tw * s + 1)
        out.append(pixels[top:top + th * s:s, left:left + tw * s:s])
    return out


def mnist_test_rows():
    with gzip.open(os.path.join(ROOT, "data", "mnist10k", "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(10000, 784)
    return (x[9000:] > 127).astype(np.uint8)


class Pictures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        proc = logz("train", "--hidden", 10, "--epochs", 1, "--seed", 3, "--progress", "never",
                    "--out", cls.run_dir, "--json")
        assert proc.returncode == 0, proc.stderr
        cls.summary = json.loads(proc.stdout)
        cls.model = os.path.join(cls.run_dir, "model.safetensors")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_train_leaves_samples_and_filters_in_the_run_folder(self):
        samples, filters = (os.path.join(self.run_dir, n) for n in ("samples.png", "filters.png"))
        self.assertEqual(self.summary["pictures"], [samples, filters])
        self.assertIn("persistent chains", self.summary["samples_source"])
        # 100 persistent chains: 10 x 10 digits of 28 x 28 at 2x, 1-pixel separators.
        self.assertEqual(ihdr(samples), (10 * 56 + 9, 10 * 56 + 9, 8, 0))
        # 10 filters: 4 columns, 3 rows.
        self.assertEqual(ihdr(filters), (4 * 56 + 3, 3 * 56 + 2, 8, 0))

    def test_sample_writes_the_grid_its_json_describes(self):
        png = self.path("samples.png")
        out = run_json(self, "sample", self.model, "--n", 16, "--steps", 5, "--png", png)
        self.assertEqual(out["png"], png)
        self.assertEqual((out["samples"], out["chains"], out["samples_per_chain"]), (16, 16, 1))
        self.assertEqual((out["columns"], out["rows"], out["scale"]), (4, 4, 2))
        self.assertEqual(out["values"], "visible_probability")
        self.assertEqual(out["start"], "data")
        self.assertGreaterEqual(out["seconds"], 0)
        self.assertEqual(ihdr(png)[:2], (out["width"], out["height"]))
        self.assertEqual(out["width"], 4 * 56 + 3)
        pixels = decode_gray_png(png)
        self.assertEqual(pixels.shape, (out["height"], out["width"]))
        self.assertTrue((pixels[56, :] == 128).all())  # the first horizontal separator
        self.assertTrue((pixels[:, 56] == 128).all())

    def test_without_sweeps_the_tiles_are_the_test_rows_the_chains_start_from(self):
        png = self.path("start.png")
        out = run_json(self, "sample", self.model, "--n", 9, "--steps", 0, "--scale", 1,
                       "--seed", 4, "--png", png)
        self.assertEqual(out["values"], "visible_state")
        test_rows = {row.tobytes() for row in mnist_test_rows()}
        drawn = tiles(decode_gray_png(png), out)
        self.assertEqual(len(drawn), 9)
        for tile in drawn:
            self.assertTrue(set(np.unique(tile)) <= {0, 255})
            self.assertIn((tile.reshape(-1) // 255).astype(np.uint8).tobytes(), test_rows)

    def test_same_seed_same_picture_and_fewer_chains_from_the_base(self):
        a, b = self.path("a.png"), self.path("b.png")
        args = ["--n", 12, "--chains", 4, "--steps", 3, "--start", "base", "--seed", 9]
        out = run_json(self, "sample", self.model, *args, "--png", a)
        run_json(self, "sample", self.model, *args, "--png", b)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        self.assertEqual((out["chains"], out["samples_per_chain"], out["start"]), (4, 3, "base"))

    def test_show_draws_filters_and_honours_max(self):
        png = self.path("filters.png")
        out = run_json(self, "show", self.model, "--filters", png, "--max", 4)
        self.assertEqual((out["what"], out["tiles"], out["available"]), ("filters", 4, 10))
        self.assertEqual(ihdr(png)[:2], (2 * 56 + 1, 2 * 56 + 1))
        pixels = decode_gray_png(png)
        for tile in tiles(pixels, out):  # each filter spans black to white
            self.assertEqual((tile.min(), tile.max()), (0, 255))
        text = logz("show", self.model, "--filters", png)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("10 filters", text.stdout)

    def test_pictures_every_leaves_the_model_unchanged(self):
        models = []
        for every in (0, 1):
            out = os.path.join(self.tmp.name, f"every{every}")
            proc = logz("train", "--hidden", 5, "--epochs", 2, "--method", "cd", "--seed", 1,
                        "--progress", "never", "--pictures-every", every, "--out", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertTrue(os.path.exists(os.path.join(out, "samples.png")))
            with open(os.path.join(out, "model.safetensors"), "rb") as f:
                models.append(f.read())
        self.assertEqual(models[0], models[1])

    def test_ising_models_show_their_couplings_and_non_square_samples_are_bars(self):
        rng = np.random.default_rng(0)
        data = self.path("bits10.csv")
        np.savetxt(data, (rng.random((200, 10)) < 0.4).astype(int), fmt="%d", delimiter=",")
        out = self.path("ising")
        proc = logz("train", "--data", data, "--model", "ising", "--method", "pl", "--epochs", 1,
                    "--progress", "never", "--out", out, "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["pictures"], [os.path.join(out, "samples.png")])
        model = os.path.join(out, "model.safetensors")
        couplings = self.path("J.png")
        shown = run_json(self, "show", model, "--filters", couplings)
        self.assertEqual((shown["what"], shown["tiles"]), ("couplings", 1))
        self.assertEqual(ihdr(couplings)[:2], (10 * 5, 10 * 5))  # 10 x 10 at 5x
        text = logz("show", model, "--filters", couplings).stdout
        self.assertIn("no filters", text)
        bars = self.path("bars.png")
        sampled = run_json(self, "sample", model, "--n", 6, "--steps", 2, "--png", bars)
        self.assertEqual((sampled["tile_height"], sampled["tile_width"], sampled["columns"]), (1, 10, 1))
        self.assertEqual(sampled["values"], "visible_state")
        self.assertEqual(ihdr(bars)[:2], (10 * 5, 6 * 5 + 5))
        pixels = decode_gray_png(bars)
        self.assertTrue(set(np.unique(pixels)) <= {0, 128, 255})

    def expect_error(self, args, code, *fragments):
        proc = logz(*args)
        self.assertEqual(proc.returncode, code, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("logz: error: "), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])

    def test_errors_are_one_line_with_the_exit_code_of_the_table(self):
        png = self.path("x.png")
        self.expect_error(["sample", self.model, "--n", 0, "--png", png], 2, "--n")
        self.expect_error(["sample", self.model, "--n", "many", "--png", png], 2, "--n")
        self.expect_error(["sample", self.model, "--n", 4, "--chains", 5, "--png", png], 2,
                          "--chains")
        self.expect_error(["sample", self.model, "--n", 4], 2, "--png")
        missing = self.path("missing.safetensors")
        self.expect_error(["sample", missing, "--png", png], 1, missing)
        self.expect_error(["show", missing, "--filters", png], 1, missing)
        self.expect_error(["show", self.model], 2, "--filters")
        self.expect_error(["sample", self.model, "--n", 10000, "--scale", 64, "--png", png], 2,
                          "--scale", "too large")
        unwritable = self.path("no-such-folder/x.png")
        self.expect_error(["show", self.model, "--filters", unwritable], 1, unwritable)
        self.assertFalse(os.path.exists(png))

    def test_help_teaches_sample_and_show(self):
        for command, flag in (("sample", "--steps"), ("show", "--filters")):
            proc = logz(command, "--help")
            self.assertEqual(proc.returncode, 0)
            self.assertIn(flag, proc.stdout)
            self.assertIn("Example:", proc.stdout)
        self.assertIn("--pictures-every", logz("train", "--help").stdout)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
