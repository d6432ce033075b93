#!/usr/bin/python3
"""Potts models end to end: data drawn exactly from a known sparse Potts
model (two coupled pairs of sites), a Potts model trained on it by
pseudolikelihood with L-BFGS, then `logz contacts` (the planted pairs come
first), `logz show --contacts` (the contact map as a PNG), `logz sample`
(FASTA and CSV sequences), `logz eval` and `logz estimate` (exact log Z,
checked against a sum over every sequence written here, and AIS), and the
refusals: contacts of a Potts RBM, a picture of sequences, FASTA of binary
units.

Usage: potts_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import itertools
import json
import math
import os
import struct
import sys
import tempfile
import unittest
import zlib

import numpy as np

from cli_helpers import read_safetensors, run, run_json

SITES, STATES = 6, 3
PLANTED = {(1, 4), (2, 6)}  # 1-based pairs coupled in the generating model
LETTERS = "-AB"  # an alphabet with a gap for the alignment-trained model


def all_sequences():
    return np.array(list(itertools.product(range(STATES), repeat=SITES)), dtype=np.int64)


def energies(sequences, h, J):
    """E(x) = -sum_i h_i(x_i) - sum_{i<j} J_ij(x_i, x_j) for rows of codes."""
    e = -h[np.arange(SITES), sequences].sum(axis=1)
    for i in range(SITES):
        for j in range(i + 1, SITES):
            e -= J[i, j][sequences[:, i], sequences[:, j]]
    return e


def log_sum_exp(x):
    m = x.max()
    return m + math.log(np.exp(x - m).sum())


def generating_model(rng):
    h = 0.3 * rng.standard_normal((SITES, STATES))
    J = np.zeros((SITES, SITES, STATES, STATES))
    block = 1.6 * (np.eye(STATES) - 1.0 / STATES)  # zero-sum: agreement is favoured
    for i, j in PLANTED:
        J[i - 1, j - 1] = block
        J[j - 1, i - 1] = block.T
    return h, J


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def decode_gray_png(path):
    """The pixels of an 8-bit gray, non-interlaced PNG, [height, width]."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 0, 0)
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    raw = zlib.decompress(idat)
    pixels = np.zeros((height, width), dtype=np.int64)
    previous = np.zeros(width, dtype=np.int64)
    for y in range(height):
        kind = raw[y * (width + 1)]
        line = np.frombuffer(raw, np.uint8, width, y * (width + 1) + 1).astype(np.int64)
        row = np.zeros(width, dtype=np.int64)
        for x in range(width):
            left, up = (row[x - 1] if x else 0), previous[x]
            up_left = previous[x - 1] if x else 0
            p = left + up - up_left
            paeth = min((abs(p - left), 0, left), (abs(p - up), 1, up),
                        (abs(p - up_left), 2, up_left))[2]
            row[x] = (line[x] + [0, left, up, (left + up) // 2, paeth][kind]) % 256
        pixels[y], previous = row, row
    return pixels


def read_fasta(path):
    records = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(">"):
                records.append([line[1:], ""])
            else:
                records[-1][1] += line
    return records


class PottsCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(11)
        cls.h, cls.J = generating_model(rng)
        sequences = all_sequences()
        log_p = -energies(sequences, cls.h, cls.J)
        p = np.exp(log_p - log_sum_exp(log_p))
        cls.data = sequences[rng.choice(len(sequences), size=2000, p=p)]
        cls.csv = cls.path("codes.csv")
        np.savetxt(cls.csv, cls.data, fmt="%d", delimiter=",")
        cls.run_dir = cls.path("run")
        run("train", "--model", "potts", "--data", cls.csv, "--states", STATES, "--test-count",
            200, "--method", "pl", "--optimizer", "lbfgs", "--epochs", 200, "--progress", "never",
            "--out", cls.run_dir, "--json")
        cls.model = os.path.join(cls.run_dir, "model.safetensors")
        # The same sequences as an alignment whose alphabet has a gap, code 0.
        fasta = cls.path("family.fasta")
        with open(fasta, "w") as f:
            for n, row in enumerate(cls.data):
                f.write(f">seq{n}\n{''.join(LETTERS[c] for c in row)}\n")
        run("train", "--model", "potts", "--data", fasta, "--alphabet=" + LETTERS, "--test-count",
            200, "--method", "pl", "--optimizer", "lbfgs", "--epochs", 200, "--progress", "never",
            "--out", cls.path("run_alignment"), "--json")
        cls.alignment_model = os.path.join(cls.path("run_alignment"), "model.safetensors")
        # A Potts RBM file, to be refused where contacts need pairwise couplings.
        cls.rbm = cls.path("potts_rbm.safetensors")
        write_safetensors(cls.rbm, {"W": 0.1 * rng.standard_normal((SITES, STATES, 2)),
                                    "b": np.zeros((SITES, STATES)), "c": np.zeros(2)},
                          {"model": "potts_rbm"})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def expect_error(self, args, code, *words):
        proc = run(*args, check=False)
        self.assertEqual(proc.returncode, code, proc.stderr)
        for word in words:
            self.assertIn(word, proc.stderr)

    def test_contacts_put_the_planted_pairs_first(self):
        out = run_json("contacts", self.model)
        contacts = out["contacts"]
        self.assertEqual(len(contacts), SITES * (SITES - 1) // 2)
        self.assertEqual(out["pairs"], len(contacts))
        self.assertEqual({(c["i"], c["j"]) for c in contacts[:2]}, PLANTED)
        self.assertTrue(all(1 <= c["i"] < c["j"] <= SITES for c in contacts))
        scores = [c["score"] for c in contacts]
        self.assertEqual(scores, sorted(scores, reverse=True))
        # Integer codes without an alphabet: every state counts.
        self.assertIsNone(out["excluded_state"])
        self.assertGreater(contacts[1]["score"], 5 * abs(contacts[2]["score"]))

    def test_ratio_matching_and_nce_find_the_planted_pairs(self):
        for method, extra in (("rm", ["--optimizer", "lbfgs", "--epochs", 200]),
                              ("nce", ["--optimizer", "adam", "--lr", 0.02, "--lr-schedule",
                                       "linear", "--lr-final", 0, "--epochs", 15, "--batch",
                                       100])):
            with self.subTest(method=method):
                out_dir = self.path("run_" + method)
                run("train", "--model", "potts", "--data", self.csv, "--states", STATES,
                    "--test-count", 200, "--method", method, *extra, "--progress", "never",
                    "--out", out_dir, "--json")
                contacts = run_json("contacts", os.path.join(out_dir, "model.safetensors"))
                self.assertEqual({(c["i"], c["j"]) for c in contacts["contacts"][:2]}, PLANTED)
        # NCE's noise for categorical data is categorical, and only that.
        self.expect_error(["train", "--model", "potts", "--data", self.csv, "--states", STATES,
                           "--method", "nce", "--noise", "gaussian", "--epochs", 1,
                           "--progress", "never", "--out", self.path("run_refused")],
                          2, "--noise", "categorical")

    def test_contacts_csv_with_top_and_separation(self):
        lines = run("contacts", self.model, "--top", 3).stdout.splitlines()
        self.assertEqual(lines[0], "i,j,score")
        self.assertEqual(len(lines), 4)
        first = lines[1].split(",")
        self.assertIn((int(first[0]), int(first[1])), PLANTED)
        far = run_json("contacts", self.model, "--min-separation", 4)["contacts"]
        self.assertEqual({(c["i"], c["j"]) for c in far}, {(1, 5), (1, 6), (2, 6)})
        self.assertEqual((far[0]["i"], far[0]["j"]), (2, 6))

    def test_contacts_of_an_alignment_leave_the_gap_out(self):
        out = run_json("contacts", self.alignment_model)
        self.assertEqual(out["alphabet"], LETTERS)
        self.assertEqual(out["excluded_state"], 0)
        self.assertEqual({(c["i"], c["j"]) for c in out["contacts"][:2]}, PLANTED)
        # FASTA samples in the model's letters.
        fasta = self.path("family_samples.fa")
        sampled = run_json("sample", self.alignment_model, "--n", 5, "--steps", 3, "--start",
                           "base", "--out", fasta)
        self.assertEqual(sampled["alphabet"], LETTERS)
        records = read_fasta(fasta)
        self.assertEqual(len(records), 5)
        self.assertTrue(all(len(s) == SITES and set(s) <= set(LETTERS) for _, s in records))

    def test_the_data_a_model_names_is_read_as_it_was_for_training(self):
        # The model file names its alignment and its alphabet: chains start from
        # its sequences, read in that alphabet (not the default, protein).
        out = run_json("sample", self.alignment_model, "--n", 4, "--steps", 1, "--out",
                       self.path("from_data.fasta"))
        self.assertEqual(out["start"], "data")
        # Integer codes: the model's q, with no --states given.
        out = run_json("sample", self.model, "--n", 4, "--steps", 0, "--out",
                       self.path("from_codes.csv"))
        self.assertEqual(out["start"], "data")
        codes = np.loadtxt(self.path("from_codes.csv"), delimiter=",", ndmin=2).astype(int)
        test_rows = {tuple(row) for row in self.data[-200:]}
        self.assertTrue(all(tuple(row) in test_rows for row in codes))

    def test_show_draws_the_contact_map(self):
        png = self.path("map.png")
        out = run_json("show", self.model, "--contacts", png)
        scale = out["scale"]
        self.assertEqual((out["width"], out["height"]), (SITES * scale, SITES * scale))
        self.assertEqual(out["what"], "contacts")
        self.assertEqual(out["dots"], SITES // 2)
        pixels = decode_gray_png(png)[::scale, ::scale]
        self.assertEqual(pixels.shape, (SITES, SITES))
        self.assertTrue(all(pixels[k, k] == 128 for k in range(SITES)))
        top = run_json("contacts", self.model, "--top", SITES // 2)["contacts"]
        best = top[0]
        self.assertEqual(pixels[best["i"] - 1, best["j"] - 1], 0)  # the largest score, black
        for c in top:  # the top L/2 pairs as black dots below the diagonal
            self.assertEqual(pixels[c["j"] - 1, c["i"] - 1], 0)
        below = np.tril(np.ones((SITES, SITES), dtype=bool), -1)
        self.assertEqual(int((pixels[below] == 0).sum()), SITES // 2)

    def test_sample_writes_fasta_and_csv(self):
        fasta = self.path("samples.fasta")
        out = run_json("sample", self.model, "--n", 20, "--chains", 10, "--steps", 5, "--out",
                       fasta, "--data", self.csv, "--states", STATES)
        self.assertEqual((out["format"], out["samples"], out["sites"]), ("fasta", 20, SITES))
        self.assertEqual(out["alphabet"], "012")  # no alphabet and q != 21: codes as digits
        records = read_fasta(fasta)
        self.assertEqual(len(records), 20)
        for k, (name, sequence) in enumerate(records):
            self.assertTrue(name.startswith(f"sample_{k + 1} chain={k // 2 + 1} "), name)
            self.assertEqual(len(sequence), SITES)
            self.assertLessEqual(set(sequence), set("012"))
        csv = self.path("samples.csv")
        out = run_json("sample", self.model, "--n", 7, "--steps", 2, "--start", "base", "--out",
                       csv)
        self.assertEqual(out["start"], "base")
        codes = np.loadtxt(csv, delimiter=",", ndmin=2)
        self.assertEqual(codes.shape, (7, SITES))
        self.assertTrue(np.all((codes >= 0) & (codes < STATES) & (codes == np.round(codes))))

    def exact_reference(self):
        """log Z of the trained model and the average log-likelihood of its test rows."""
        tensors, _ = read_safetensors(self.model)
        h, J = tensors["h"].astype(np.float64), tensors["J"].astype(np.float64)
        log_z = log_sum_exp(-energies(all_sequences(), h, J))
        test = self.data[-200:]
        return log_z, float(np.mean(-energies(test, h, J))) - log_z

    def test_eval_and_estimate_give_the_exact_log_likelihood(self):
        log_z, average = self.exact_reference()
        exact = run_json("eval", self.model, "--data", self.csv, "--states", STATES,
                         "--test-count", 200, "--logz-method", "exact")
        self.assertEqual(exact["examples"], 200)
        self.assertAlmostEqual(exact["log_z"], log_z, places=3)
        self.assertAlmostEqual(exact["avg_log_likelihood"], average, places=3)
        self.assertEqual(exact["std_error"], 0.0)
        self.assertNotIn("weighted_avg_log_likelihood", exact)
        # With sequence weights (computed within the test rows): the weighted average too.
        weighted = run_json("eval", self.model, "--data", self.csv, "--states", STATES,
                            "--test-count", 200, "--reweight", 0.8, "--logz-method", "exact")
        test = self.data[-200:]
        matches = (test[:, None, :] == test[None, :, :]).sum(axis=2)
        w = 1.0 / (matches >= 5).sum(axis=1)  # identity >= 0.8 of 6 sites
        tensors, _ = read_safetensors(self.model)
        minus_f = -energies(test, tensors["h"].astype(np.float64), tensors["J"].astype(np.float64))
        self.assertAlmostEqual(weighted["effective_examples"], w.sum(), places=6)
        self.assertAlmostEqual(weighted["weighted_avg_log_likelihood"],
                               (w * minus_f).sum() / w.sum() - log_z, places=3)
        self.assertAlmostEqual(weighted["avg_log_likelihood"], average, places=3)
        estimated = run_json("estimate", self.model, "--method", "ais", "--chains", 100,
                             "--schedule", "sm2008", "--betas", 2000, "--seed", 5)
        self.assertTrue(math.isfinite(estimated["log_z"]))
        self.assertLess(abs(estimated["log_z"] - log_z), 4 * estimated["std_error"] + 0.05)
        annealed = run_json("eval", self.model, "--data", self.csv, "--states", STATES,
                            "--test-count", 200, "--logz-method", "ais", "--chains", 100,
                            "--schedule", "sm2008", "--betas", 2000, "--seed", 5)
        self.assertLess(abs(annealed["avg_log_likelihood"] - average),
                        4 * annealed["std_error"] + 0.05)

    def test_refusals_name_the_problem(self):
        self.expect_error(["contacts", self.rbm], 2, "Potts model", "Potts RBM")
        self.expect_error(["show", self.rbm, "--contacts", self.path("rbm.png")], 2,
                          "--contacts", "Potts model")
        png = self.path("sequences.png")
        self.expect_error(["sample", self.model, "--out", png], 2, png, "FASTA")
        self.expect_error(["sample", self.model, "--png", png], 2, "--png", "FASTA")
        self.assertFalse(os.path.exists(png))
        self.expect_error(["sample", self.model, "--out", self.path("s.txt")], 2, "extension")
        self.expect_error(["sample", self.model], 2, "--out")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
