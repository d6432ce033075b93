#!/usr/bin/python3
"""End-to-end tests of the models of real-valued units on the command line:
the Gaussian, ICA and Gaussian-Bernoulli RBM trained by score matching,
denoising score matching, noise-contrastive estimation and PCD on data
whose generating parameters are known, with log Z checked in closed form,
by enumeration and by AIS; and the refusals of flags that do not fit.

Usage: continuous_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import math
import os
import sys
import tempfile
import unittest

import numpy as np

from cli_helpers import read_safetensors, run, run_json

MEAN = np.array([1.0, -2.0, 0.5])
COVARIANCE = np.array([[1.0, 0.5, 0.2], [0.5, 2.0, 0.3], [0.2, 0.3, 0.5]])


def gaussian_log_density(x, mean, covariance):
    d = x - mean
    precision = np.linalg.inv(covariance)
    _, log_det = np.linalg.slogdet(covariance)
    return -0.5 * np.einsum("ij,jk,ik->i", d, precision, d) - 0.5 * (
        len(mean) * math.log(2 * math.pi) + log_det)


class ContinuousModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(7)
        # 6,000 rows: the last 1,000 (--test-count) are the test set.
        cls.gaussian_data = rng.multivariate_normal(MEAN, COVARIANCE, size=6000)
        cls.gaussian_path = os.path.join(cls.tmp.name, "gaussian.npy")
        np.save(cls.gaussian_path, cls.gaussian_data.astype(np.float32))
        cls.train = cls.gaussian_data[:5000]
        cls.test = cls.gaussian_data[5000:]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def train_gaussian(self, name, *flags):
        out = os.path.join(self.tmp.name, name)
        summary = run_json("train", "--data", self.gaussian_path, "--test-count", 1000,
                           "--model", "gaussian", "--optimizer", "adam", "--lr", 0.03,
                           "--lr-schedule", "linear", "--epochs", 40, "--batch", 250,
                           "--seed", 3, "--progress", "never", "--out", out, *flags)
        tensors, meta = read_safetensors(os.path.join(out, "model.safetensors"))
        return summary, tensors, meta

    def assert_gaussian(self, tensors, mean, covariance, tolerance):
        precision = np.linalg.inv(covariance)
        learned = tensors["precision"].astype(np.float64)
        np.testing.assert_allclose(tensors["mean"], mean, atol=tolerance)
        np.testing.assert_allclose(learned, precision, atol=tolerance * np.abs(precision).max())

    def test_score_matching_recovers_the_gaussian(self):
        summary, tensors, meta = self.train_gaussian("sm", "--method", "sm")
        self.assertEqual(meta["model"], "gaussian")
        # Score matching's optimum for a Gaussian is the sample mean and the
        # inverse sample covariance; the minibatch noise of Adam on top stays
        # well under 5 %.
        self.assert_gaussian(tensors, self.train.mean(0), np.cov(self.train.T, bias=True), 0.05)
        # The test log-likelihood with log Z in closed form, against numpy's
        # density of the true Gaussian: equal within the fit's error.
        truth = gaussian_log_density(self.test, MEAN, COVARIANCE).mean()
        self.assertAlmostEqual(summary["test_log_likelihood"], truth, delta=0.05)
        self.assertIn("log_z", summary)

    def test_denoising_score_matching_inflates_the_variance_by_sigma_squared(self):
        sigma = 0.6
        _, tensors, _ = self.train_gaussian("dsm", "--method", "dsm", "--noise-sigma", sigma)
        sample = np.cov(self.train.T, bias=True)
        inflated = sample + sigma ** 2 * np.eye(3)
        # DSM fits the data convolved with the noise: precision (Sigma + sigma^2 I)^-1 ...
        self.assert_gaussian(tensors, self.train.mean(0), inflated, 0.08)
        # ... and clearly not Sigma^-1 (the shift is several times the tolerance).
        shift = np.abs(np.linalg.inv(sample) - np.linalg.inv(inflated)).max()
        error = np.abs(tensors["precision"] - np.linalg.inv(sample)).max()
        self.assertGreater(error, 0.5 * shift)

    def test_nce_recovers_the_gaussian_and_its_log_z(self):
        summary, tensors, _ = self.train_gaussian("nce", "--method", "nce", "--noise-ratio", 10,
                                                  "--noise", "uniform")
        self.assertIn("log_z", tensors)
        self.assert_gaussian(tensors, MEAN, COVARIANCE, 0.12)
        # The learned normalizer against the exact log Z of the learned model.
        self.assertAlmostEqual(summary["learned_log_z"], summary["log_z"], delta=0.1)
        self.assertAlmostEqual(summary["test_log_likelihood_learned_normalizer"],
                               summary["test_log_likelihood"], delta=0.1)

    def test_nce_on_ica_recovers_the_demixing_matrix_and_log_z(self):
        rng = np.random.default_rng(11)
        mixing = np.array([[1.0, 0.6], [-0.4, 0.8]])
        sources = rng.laplace(scale=1 / math.sqrt(2), size=(11000, 2))  # unit variance
        path = os.path.join(self.tmp.name, "ica.npy")
        np.save(path, (sources @ mixing.T).astype(np.float32))
        out = os.path.join(self.tmp.name, "ica")
        summary = run_json("train", "--data", path, "--test-count", 1000, "--model", "ica",
                           "--method", "nce", "--noise-ratio", 10, "--optimizer", "adam",
                           "--lr", 0.02, "--lr-schedule", "linear", "--epochs", 30, "--batch", 500,
                           "--seed", 1, "--progress", "never", "--out", out)
        tensors, _ = read_safetensors(os.path.join(out, "model.safetensors"))
        product = tensors["B"].astype(np.float64) @ mixing
        # B A is a signed permutation: each row has one entry near +/-1.
        np.testing.assert_allclose(np.sort(np.abs(product), axis=1)[:, -1], [1, 1], atol=0.1)
        np.testing.assert_allclose(np.sort(np.abs(product), axis=1)[:, 0], [0, 0], atol=0.1)
        true_log_z = math.log(2) - math.log(abs(np.linalg.det(np.linalg.inv(mixing))))
        self.assertAlmostEqual(summary["learned_log_z"], true_log_z, delta=0.1)
        self.assertAlmostEqual(summary["log_z"], true_log_z, delta=0.1)

    def test_gbrbm_estimate_ais_brackets_exact_and_eval_reports_both(self):
        out = os.path.join(self.tmp.name, "gbrbm")
        run("train", "--data", self.gaussian_path, "--test-count", 1000, "--model", "gbrbm",
            "--hidden", 6, "--method", "pcd", "--optimizer", "adam", "--lr", 0.01,
            "--init-std", 0.1, "--epochs", 5, "--seed", 2, "--progress", "never", "--out", out)
        model = os.path.join(out, "model.safetensors")
        tensors, meta = read_safetensors(model)
        self.assertEqual(meta["model"], "gaussian_bernoulli_rbm")
        self.assertEqual(sorted(tensors), ["W", "b", "c", "log_sigma"])
        exact = run_json("estimate", model, "--method", "exact")
        ais = run_json("estimate", model, "--method", "ais", "--chains", 200, "--betas", 2000,
                       "--seed", 5)
        self.assertLess(abs(ais["log_z"] - exact["log_z"]), 4 * ais["std_error"] + 0.02)
        self.assertEqual(ais["base"], "the model's own Gaussian")
        evaluation = run_json("eval", model, "--data", self.gaussian_path, "--test-count", 1000,
                              "--logz-method", "exact")
        # log p = -F - log Z, F from the file's tensors in numpy.
        W, b, c = (tensors[k].astype(np.float64) for k in ("W", "b", "c"))
        sigma = np.exp(tensors["log_sigma"].astype(np.float64))
        free_energy = (((self.test - b) / sigma) ** 2).sum(1) / 2 - np.logaddexp(
            0, (self.test / sigma) @ W + c).sum(1)
        self.assertAlmostEqual(evaluation["avg_log_likelihood"],
                               (-free_energy).mean() - exact["log_z"], delta=1e-3)

    def test_gbrbm_on_dequantized_mnist(self):
        out = os.path.join(self.tmp.name, "mnist")
        summary = run_json("train", "--data", "mnist10k", "--model", "gbrbm", "--hidden", 8,
                           "--method", "sm", "--optimizer", "adam", "--lr", 0.001, "--epochs", 1,
                           "--seed", 1, "--progress", "never", "--out", out)
        # 8 hidden units: log Z is exact, and so is the test log-likelihood,
        # a density on dequantized pixels: finite, and far above the uniform
        # density on (0, 1)^784 (log 1 = 0) since most pixels are nearly constant.
        self.assertTrue(math.isfinite(summary["test_log_likelihood"]))
        self.assertGreater(summary["test_log_likelihood"], 0)
        self.assertEqual(sorted(os.path.basename(p) for p in summary["pictures"]),
                         ["filters.png", "samples.png"])
        _, meta = read_safetensors(os.path.join(out, "model.safetensors"))
        self.assertEqual(meta["dequantize"], "uniform")
        evaluation = run_json("eval", os.path.join(out, "model.safetensors"), "--logz-method",
                              "exact")
        self.assertTrue(evaluation["dequantized"])
        self.assertAlmostEqual(evaluation["avg_log_likelihood"], summary["test_log_likelihood"],
                               delta=1e-6 * abs(summary["test_log_likelihood"]))


class Refusals(unittest.TestCase):
    def refused(self, flag, *args):
        proc = run(*args, check=False)
        self.assertGreater(proc.returncode, 0, proc.stderr)  # an error, not a signal
        self.assertIn("logz: error:", proc.stderr)
        self.assertIn(flag, proc.stderr)
        return proc.stderr

    def test_methods_that_do_not_fit_the_model(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.npy")
            np.save(path, np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32))
            out = os.path.join(tmp, "run")
            self.refused("--method", "train", "--data", path, "--model", "gaussian", "--method",
                         "cd", "--out", out)
            self.refused("--method", "train", "--data", path, "--model", "ica", "--method", "sm",
                         "--out", out)
            self.refused("--method", "train", "--data", path, "--model", "gbrbm", "--method",
                         "pl", "--out", out)
            self.refused("--noise", "train", "--data", path, "--model", "gaussian", "--method",
                         "nce", "--noise", "bernoulli", "--out", out)
            self.refused("--hidden", "train", "--data", path, "--model", "gaussian", "--hidden",
                         4, "--method", "sm", "--out", out)
            self.refused("--sigma", "train", "--data", path, "--model", "rbm", "--sigma", "fixed",
                         "--out", out)
            self.refused("--dequantize", "train", "--data", path, "--model", "gbrbm",
                         "--dequantize", "uniform", "--out", out)
            self.refused("--noise-sigma", "train", "--data", path, "--model", "gaussian",
                         "--method", "dsm", "--noise-sigma", 0, "--out", out)
            self.refused("--noise-ratio", "train", "--data", path, "--model", "gaussian",
                         "--method", "nce", "--noise-ratio", -1, "--out", out)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
