#!/usr/bin/python3
"""End-to-end tests of the logz command line: run the real binary on small
settings, parse its JSON, and check the numbers against an independent numpy
computation from the safetensors file it wrote.

Usage: cli_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import math
import os
import sys
import tempfile
import unittest

import numpy as np

from cli_helpers import ROOT, read_safetensors, run


def numpy_log_z(W, b, c):
    """log Z of a Bernoulli RBM by enumerating the hidden layer, float64."""
    W, b, c = W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    H = W.shape[1]
    h = ((np.arange(2 ** H)[:, None] >> np.arange(H)) & 1).astype(np.float64)
    act = h @ W.T + b
    terms = h @ c + np.logaddexp(0.0, act).sum(axis=1)
    m = terms.max()
    return m + math.log(np.exp(terms - m).sum())


def numpy_free_energy(W, b, c, v):
    W, b, c = W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)
    return -(v @ b) - np.logaddexp(0.0, v @ W + c).sum(axis=1)


def mnist_test_split():
    import gzip
    with gzip.open(os.path.join(ROOT, "data", "mnist10k", "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(10000, 784)
    return (x[9000:] > 127).astype(np.float64)


class TrainEstimateEval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        proc = run("train", "--data", "mnist10k", "--hidden", 8, "--method", "pcd", "--epochs", 2,
                   "--seed", 5, "--monitor", "exact", "--out", cls.run_dir, "--json")
        cls.summary = json.loads(proc.stdout)
        cls.model = os.path.join(cls.run_dir, "model.safetensors")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_run_folder(self):
        for name in ("model.safetensors", "metrics.csv", "settings.json"):
            self.assertTrue(os.path.exists(os.path.join(self.run_dir, name)), name)
        with open(os.path.join(self.run_dir, "metrics.csv")) as f:
            rows = [line.strip().split(",") for line in f]
        self.assertEqual(rows[0][0], "epoch")
        self.assertEqual(len(rows), 3)  # header + 2 epochs
        header = rows[0]
        last = dict(zip(header, rows[2]))
        self.assertAlmostEqual(float(last["test_log_likelihood"]),
                               self.summary["test_log_likelihood"], places=6)
        with open(os.path.join(self.run_dir, "settings.json")) as f:
            settings = json.load(f)
        self.assertEqual(settings["method"], "pcd")
        self.assertEqual(settings["n_hidden"], 8)
        self.assertEqual(settings["seed"], 5)

    def test_model_file_is_plain_safetensors(self):
        tensors, meta = read_safetensors(self.model)
        self.assertEqual(meta["model"], "bernoulli_rbm")
        self.assertEqual(meta["method"], "pcd")
        self.assertEqual(tensors["W"].shape, (784, 8))
        self.assertEqual(tensors["b"].shape, (784,))
        self.assertEqual(tensors["c"].shape, (8,))

    def test_estimate_json_agrees_with_numpy(self):
        out = json.loads(run("estimate", self.model, "--method", "exact", "--json").stdout)
        for key in ("log_z", "std_error", "lower", "upper", "effective_sample_size", "method",
                    "samples", "seconds"):
            self.assertIn(key, out)
        self.assertEqual(out["method"], "exact")
        self.assertEqual(out["std_error"], 0.0)
        self.assertEqual(out["samples"], 2 ** 8)
        tensors, _ = read_safetensors(self.model)
        expected = numpy_log_z(tensors["W"], tensors["b"], tensors["c"])
        self.assertLess(abs(out["log_z"] - expected), 1e-6 * abs(expected))

    def test_eval_json_agrees_with_numpy(self):
        out = json.loads(run("eval", self.model, "--data", "mnist10k", "--split", "test",
                             "--logz-method", "exact", "--json").stdout)
        tensors, _ = read_safetensors(self.model)
        log_z = numpy_log_z(tensors["W"], tensors["b"], tensors["c"])
        v = mnist_test_split()
        expected = float(np.mean(-numpy_free_energy(tensors["W"], tensors["b"], tensors["c"], v))) - log_z
        self.assertEqual(out["examples"], 1000)
        self.assertLess(abs(out["avg_log_likelihood"] - expected), 1e-5 * abs(expected))
        self.assertAlmostEqual(out["avg_log_likelihood"], self.summary["test_log_likelihood"], places=5)
        self.assertEqual(out["std_error"], 0.0)
        self.assertGreater(out["std_error_of_mean"], 0.0)
        # The text form says the same.
        text = run("eval", self.model, "--data", "mnist10k").stdout
        self.assertIn(f"{out['avg_log_likelihood']:.4f}", text)

    def test_training_improved_the_likelihood(self):
        # A base-rate start (W ~ 0) has test log-likelihood about -206 on this split;
        # two PCD epochs with 8 hidden units must do clearly better.
        self.assertGreater(self.summary["test_log_likelihood"], -190.0)


class Estimators(unittest.TestCase):
    """AIS, bridge and RAISE from the command line, against exact values."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        run_dir = os.path.join(cls.tmp.name, "run")
        run("train", "--hidden", 10, "--method", "pcd", "--epochs", 3, "--seed", 2, "--out", run_dir)
        cls.model = os.path.join(run_dir, "model.safetensors")
        cls.exact = json.loads(run("estimate", cls.model, "--json").stdout)["log_z"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_ais_json_and_log_weights(self):
        weights = os.path.join(self.tmp.name, "w.txt")
        out = json.loads(run("estimate", self.model, "--method", "ais", "--chains", 50, "--betas", 2000,
                             "--replicates", 0, "--seed", 1, "--log-weights", weights,
                             "--json").stdout)
        for key in ("log_z", "std_error", "lower", "upper", "effective_sample_size", "method",
                    "chains", "seconds", "log_weights"):
            self.assertIn(key, out)
        self.assertEqual(out["method"], "ais")
        self.assertEqual(out["chains"], 50)
        self.assertEqual(out["base"], "data mnist10k")  # from the model file's metadata
        self.assertLess(abs(out["log_z"] - self.exact), 3 * out["std_error"] + 1e-3)
        with open(weights) as f:
            values = [float(line) for line in f if not line.startswith("#")]
        self.assertEqual(len(values), 50)
        self.assertEqual(values, out["log_weights"])
        # log Z = log Z_0 + log mean w: the file and the estimate agree.
        self.assertGreater(out["effective_sample_size"], 1.0)
        self.assertLessEqual(out["effective_sample_size"], 50.0)
        # SMC (the default for 20 chains or more, in tens): one value per population.
        out = json.loads(run("estimate", self.model, "--method", "ais", "--chains", 50, "--betas", 2000,
                             "--replicates", 5, "--seed", 1, "--log-weights", weights,
                             "--json").stdout)
        with open(weights) as f:
            self.assertTrue(f.readline().startswith("# SMC"))
            values = [float(line) for line in f if not line.startswith("#")]
        self.assertEqual(len(values), 5)
        self.assertEqual(out["diagnostics"]["replicates"], 5)
        self.assertEqual(out["diagnostics"]["particles_per_replicate"], 10)
        self.assertLess(abs(out["log_z"] - self.exact), 3 * out["std_error"] + 1e-3)

    def test_same_seed_same_answer(self):
        a = run("estimate", self.model, "--method", "ais", "--chains", 20, "--betas", 300, "--seed", 4, "--json").stdout
        b = run("estimate", self.model, "--method", "ais", "--chains", 20, "--betas", 300, "--seed", 4, "--json").stdout
        self.assertEqual(json.loads(a)["log_z"], json.loads(b)["log_z"])

    def test_bridge_brackets_exact(self):
        out = json.loads(run("estimate", self.model, "--method", "bridge", "--betas", 30, "--chains", 50,
                             "--json").stdout)
        self.assertEqual(out["method"], "bridge")
        self.assertLess(abs(out["log_z"] - self.exact), 3 * out["std_error"] + 1e-3)

    def test_bridge_to_a_reference_model(self):
        ref_dir = os.path.join(self.tmp.name, "ref")
        run("train", "--hidden", 10, "--method", "pcd", "--epochs", 2, "--seed", 2, "--out", ref_dir)
        ref = os.path.join(ref_dir, "model.safetensors")
        out = json.loads(run("estimate", self.model, "--method", "bridge", "--reference", ref,
                             "--burn-in", 300, "--json").stdout)
        ref_exact = json.loads(run("estimate", ref, "--json").stdout)["log_z"]
        self.assertLess(abs(out["log_ratio"] - (self.exact - ref_exact)), 3 * out["std_error"] + 1e-3)
        self.assertAlmostEqual(out["reference_log_z"], ref_exact, places=6)

    def test_eval_with_ais_and_raise(self):
        exact = json.loads(run("eval", self.model, "--json").stdout)["avg_log_likelihood"]
        ais = json.loads(run("eval", self.model, "--logz-method", "ais", "--betas", 2000,
                             "--chains", 50, "--json").stdout)
        self.assertEqual(ais["logz_method"], "ais")
        self.assertLess(abs(ais["avg_log_likelihood"] - exact), 3 * ais["std_error"] + 1e-3)
        self.assertLessEqual(ais["lower"], ais["avg_log_likelihood"])
        raise_ = json.loads(run("eval", self.model, "--logz-method", "raise", "--betas", 200,
                                "--json").stdout)
        self.assertEqual(raise_["examples"], 1000)
        self.assertLess(raise_["avg_log_likelihood"], exact + 3 * raise_["std_error"])
        text = run("eval", self.model, "--logz-method", "ais", "--betas", 500).stdout
        self.assertIn("error bar from log Z", text)

    def test_schedule_errors_name_the_file_or_flag(self):
        bad = os.path.join(self.tmp.name, "bad-schedule.txt")
        with open(bad, "w") as f:
            f.write("0\n0.5\n0.4\n1\n")
        proc = run("estimate", self.model, "--method", "ais", "--schedule-file", bad, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(bad, proc.stderr)
        self.assertIn("never decreases", proc.stderr)
        good = os.path.join(self.tmp.name, "schedule.txt")
        with open(good, "w") as f:
            f.write("# three steps\n0, 0.5\n0.9 1\n")
        out = json.loads(run("estimate", self.model, "--method", "ais", "--schedule-file", good,
                             "--adapt", "off", "--json").stdout)
        self.assertEqual(out["betas"], 4)
        # sm2008's shape in 10 steps.
        out = json.loads(run("estimate", self.model, "--method", "ais", "--schedule", "sm2008",
                             "--betas", 10, "--adapt", "off", "--json").stdout)
        self.assertEqual(out["betas"], 11)
        proc = run("estimate", self.model, "--log-weights", "x.txt", check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--log-weights", proc.stderr)


class Principles(unittest.TestCase):
    """Every principle trains both model types from the command line."""

    def train(self, tmp, *args, epochs=2):
        out = os.path.join(tmp, args[args.index("--model") + 1] if "--model" in args else "rbm",
                           args[args.index("--method") + 1])
        return json.loads(run("train", *args, "--epochs", epochs, "--out", out, "--json").stdout), out

    def test_rbm_with_every_principle(self):
        with tempfile.TemporaryDirectory() as tmp:
            for method in ("cd", "pcd", "pt", "pl", "rm", "exact"):
                extra = ["--batch", 500, "--lr", 0.3] if method == "exact" else []
                summary, out = self.train(tmp, "--model", "rbm", "--hidden", 6, "--method", method, *extra,
                                          epochs=3 if method == "exact" else 2)
                self.assertIn("test_log_likelihood", summary, method)  # small: evaluated exactly
                self.assertIn("test_pseudo_log_likelihood", summary, method)
                # better than the independent-units start (about -206 nats)
                self.assertGreater(summary["test_log_likelihood"], -200.0, method)
            with open(os.path.join(tmp, "rbm", "pt", "metrics.csv")) as f:
                header = f.readline().strip().split(",")
                row = dict(zip(header, f.readline().strip().split(",")))
            self.assertGreater(float(row["swap_acceptance"]), 0.0)

    def test_ising_with_every_principle(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "spins.csv")
            rng = np.random.default_rng(0)
            x = (rng.random((400, 12)) < 0.3).astype(int)
            x[:, 1] = x[:, 0]  # a strong coupling to learn
            np.savetxt(data, 2 * x - 1, fmt="%d", delimiter=",")  # {-1, +1} spins
            for method in ("cd", "pcd", "pt", "pl", "rm", "exact"):
                summary, out = self.train(tmp, "--model", "ising", "--data", data, "--method", method,
                                          "--batch", 50, "--lr", 0.1, epochs=10)
                self.assertIn("test_log_likelihood", summary, method)
                tensors, meta = read_safetensors(os.path.join(out, "model.safetensors"))
                self.assertEqual(meta["model"], "ising")
                J = tensors["J"]
                self.assertTrue(np.array_equal(J, J.T))
                self.assertTrue(np.all(np.diag(J) == 0))
                self.assertGreater(J[0, 1], 1.5, method)  # the coupled pair
                self.assertLess(np.abs(J[2:, 2:]).max(), 1.0, method)  # and no others
            out = json.loads(run("eval", os.path.join(out, "model.safetensors"), "--data", data,
                                 "--json").stdout)
            self.assertLess(out["avg_log_likelihood"], 0.0)

    def test_hidden_units_are_refused_for_ising(self):
        proc = run("train", "--model", "ising", "--hidden", 5, "--out", "x", check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--hidden", proc.stderr)

    def test_eval_pseudolikelihood_matches_numpy(self):
        with tempfile.TemporaryDirectory() as tmp:
            summary, out = self.train(tmp, "--hidden", 5, "--method", "pl")
            model = os.path.join(out, "model.safetensors")
            got = json.loads(run("eval", model, "--metric", "pseudolikelihood", "--json").stdout)
            t, _ = read_safetensors(model)
            v = mnist_test_split()[:50]
            W, b, c = (t[k].astype(np.float64) for k in ("W", "b", "c"))
            f = numpy_free_energy(W, b, c, v)
            total = np.zeros(len(v))
            for i in range(v.shape[1]):
                flipped = v.copy()
                flipped[:, i] = 1 - flipped[:, i]
                total += -np.logaddexp(0.0, -(numpy_free_energy(W, b, c, flipped) - f))
            sub = json.loads(run("eval", model, "--metric", "pseudolikelihood", "--data",
                                 os.path.join(tmp, "first50.csv") if False else "mnist10k",
                                 "--json").stdout)
            self.assertEqual(got["examples"], 1000)
            self.assertEqual(sub["avg_pseudo_log_likelihood"], got["avg_pseudo_log_likelihood"])
            # The first 50 test images, computed independently:
            np.savetxt(os.path.join(tmp, "first50.csv"), v, fmt="%d", delimiter=",")
            part = json.loads(run("eval", model, "--metric", "pseudolikelihood", "--data",
                                  os.path.join(tmp, "first50.csv"), "--test-count", 0, "--split",
                                  "train", "--json").stdout)
            self.assertLess(abs(part["avg_pseudo_log_likelihood"] - total.mean()), 1e-3)


class Reproducibility(unittest.TestCase):
    def test_same_seed_same_model_bytes(self):
        with tempfile.TemporaryDirectory() as tmp:
            models = []
            for name, seed in (("a", 3), ("b", 3), ("c", 4)):
                out = os.path.join(tmp, name)
                run("train", "--hidden", 5, "--method", "cd", "--epochs", 1, "--seed", seed,
                    "--out", out)
                with open(os.path.join(out, "model.safetensors"), "rb") as f:
                    models.append(f.read())
            self.assertEqual(models[0], models[1])
            self.assertNotEqual(models[0], models[2])


class ExactMethod(unittest.TestCase):
    def test_exact_gradient_training_runs_and_reports_the_objective(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = json.loads(run("train", "--hidden", 4, "--method", "exact", "--epochs", 2,
                                 "--batch", 1000, "--lr", 0.1, "--out", tmp, "--json").stdout)
            self.assertIn("test_log_likelihood", out)
            with open(os.path.join(tmp, "metrics.csv")) as f:
                header = f.readline().strip().split(",")
                row = dict(zip(header, f.readline().strip().split(",")))
            # exact ML reports its objective: the mean negative log-likelihood of the batches
            self.assertGreater(float(row["batch_objective"]), 100.0)


class Errors(unittest.TestCase):
    def expect(self, args, code, *fragments):
        proc = run(*args, check=False)
        self.assertEqual(proc.returncode, code, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        for fragment in fragments:
            self.assertIn(fragment, proc.stderr)

    def test_flags_out_of_range_name_the_flag(self):
        self.expect(["train", "--hidden", 0, "--out", "x"], 2, "--hidden")
        self.expect(["train", "--method", "magic", "--out", "x"], 2, "--method")
        self.expect(["train", "--lr", -1, "--out", "x", "--epochs", 1], 2, "--lr")
        self.expect(["train", "--batch", 100000, "--out", "x"], 2, "--batch")
        self.expect(["train", "--k", 0, "--out", "x"], 2, "--k")
        self.expect(["train", "--momentum", 1.5, "--out", "x"], 2, "--momentum")

    def test_too_big_for_exact_is_refused_politely(self):
        with tempfile.TemporaryDirectory() as tmp:
            run("train", "--hidden", 30, "--method", "cd", "--epochs", 1, "--out", tmp)
            self.expect(["estimate", os.path.join(tmp, "model.safetensors"), "--max-exact-bits", 20],
                        2, "--max-exact-bits", "2^30")

    def test_bad_files_name_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "missing.safetensors")
            self.expect(["estimate", missing], 1, missing)
            junk = os.path.join(tmp, "junk.safetensors")
            with open(junk, "wb") as f:
                f.write(b"\x05\x00\x00\x00\x00\x00\x00\x00{]")
            self.expect(["estimate", junk], 1, junk)
            bad_data = os.path.join(tmp, "bad.csv")
            with open(bad_data, "w") as f:
                f.write("1,0\n0,x\n")
            self.expect(["train", "--data", bad_data, "--out", tmp], 1, bad_data, "line 2, column 2")

    def test_data_that_does_not_fit_the_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            run("train", "--hidden", 3, "--epochs", 1, "--out", tmp)
            small = os.path.join(tmp, "small.csv")
            with open(small, "w") as f:
                f.write("1,0,1\n0,1,1\n1,1,0\n")
            self.expect(["eval", os.path.join(tmp, "model.safetensors"), "--data", small], 1,
                        "3 values per example", "784 visible units")
            grey = os.path.join(tmp, "grey.csv")
            with open(grey, "w") as f:
                f.write("0.5,0.25\n1,0\n0,1\n")
            self.expect(["train", "--data", grey, "--out", tmp], 1, "non-binary value 0.5",
                        "--binarize")

    def test_help_teaches_every_command(self):
        self.assertIn("train", run("--help").stdout)
        for command in ("train", "estimate", "eval"):
            text = run(command, "--help").stdout
            self.assertIn("--", text)
        self.assertIn("--max-exact-bits", run("estimate", "--help").stdout)
        self.assertIn("=pcd", run("train", "--help").stdout)  # defaults are shown


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
