#!/usr/bin/python3
"""logz under mpirun (Open MPI): the same bits for 1, 2 and 3 ranks from every
distributed estimator and from training, resume across a change of rank
count, rank 0 alone printing, and a failing rank ending the job.

Skips (exit 0, saying so) when logz was built without MPI or mpirun is absent.

Usage: mpi_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"
MPIRUN = shutil.which("mpirun")
# Open MPI refuses root unless told; CI runs as root. --bind-to none lets each
# rank's threads use any core; --oversubscribe allows 3 ranks on 2 cores.
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1")
RANKS = (1, 2, 3)


def mpi(ranks, *args, env=None, timeout=300, threads=1):
    command = [MPIRUN, "--oversubscribe", "--bind-to", "none", "-np", str(ranks), LOGZ,
               "--threads", str(threads), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=dict(ENV, **(env or {})))


def mpi_ok(ranks, *args):
    proc = mpi(ranks, *args)
    if proc.returncode != 0:
        raise AssertionError(f"-np {ranks} logz {' '.join(map(str, args))} failed "
                             f"({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def without_times(value):
    """A JSON result with every timing removed (they differ run to run)."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if "seconds" not in k}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class Mpi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="logz-mpi-")
        cls.folder = os.path.join(cls.tmp.name, "run")
        # A small trained model (784 x 16: exact log Z over 2^16 states) and
        # its trajectory of snapshots.
        proc = subprocess.run([LOGZ, "train", "--data", "mnist10k", "--hidden", "16", "--epochs",
                               "2", "--seed", "3", "--snapshot-every", "50", "--progress", "never",
                               "--out", cls.folder], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        cls.model = os.path.join(cls.folder, "model.safetensors")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def same_for_all_ranks(self, *args):
        """The JSON that every rank count prints, checked equal; returns it."""
        results = [without_times(json.loads(mpi_ok(n, *args, "--json").stdout)) for n in RANKS]
        for n, r in zip(RANKS[1:], results[1:]):
            self.assertEqual(r, results[0], f"{n} ranks differ from 1: {' '.join(map(str, args))}")
        return results[0]

    def test_ais_and_smc(self):
        weights = os.path.join(self.tmp.name, "weights.txt")
        single = json.loads(subprocess.run(
            [LOGZ, "--threads", "1", "estimate", self.model, "--method", "ais", "--chains", "30",
             "--betas", "300", "--log-weights", weights, "--json"], capture_output=True, text=True,
            env=ENV).stdout)
        ais = self.same_for_all_ranks("estimate", self.model, "--method", "ais", "--chains", 30,
                                      "--betas", 300, "--log-weights", weights)
        # Under mpirun with one rank, and alone: the same numbers.
        self.assertEqual(ais, without_times(single))
        self.assertEqual(len(ais["log_weights"]), 30)
        # Hybrid: 2 ranks x 2 threads, the same numbers again.
        hybrid = mpi(2, "estimate", self.model, "--method", "ais", "--chains", 30, "--betas", 300,
                     "--log-weights", weights, "--json", threads=2)
        self.assertEqual(hybrid.returncode, 0, hybrid.stderr)
        self.assertEqual(without_times(json.loads(hybrid.stdout)), ais)
        smc = self.same_for_all_ranks("estimate", self.model, "--method", "ais", "--chains", 40,
                                      "--replicates", 4, "--resample", 0.9, "--betas", 200,
                                      "--adapt", "off")
        self.assertGreater(smc["diagnostics"]["resamplings"], 0)

    def test_exact(self):
        exact = self.same_for_all_ranks("estimate", self.model, "--method", "exact")
        self.assertEqual(exact["samples"], 2 ** 16)

    def test_raise_and_bracket(self):
        self.same_for_all_ranks("eval", self.model, "--data", "mnist10k", "--logz-method", "raise",
                                "--betas", 100)
        bracket = self.same_for_all_ranks("eval", self.model, "--data", "mnist10k", "--bracket",
                                          "--examples", 50, "--raise-betas", 100, "--max-betas",
                                          2000, "--chains", 20)
        self.assertIn("bracket", json.dumps(bracket))

    def test_trajectory(self):
        self.same_for_all_ranks("estimate", self.folder, "--method", "trajectory", "--chains", 20,
                                "--betas", 200)

    def test_bridge(self):
        self.same_for_all_ranks("estimate", self.model, "--method", "bridge", "--chains", 6,
                                "--betas", 8, "--samples-per-chain", 20, "--burn-in", 10)

    def train(self, ranks, out, *extra):
        mpi_ok(ranks, "train", "--data", "mnist10k", "--hidden", 12, "--batch", 60, "--seed", 4,
               "--progress", "never", "--out", out, *extra)
        return file_bytes(os.path.join(out, "model.safetensors"))

    def test_training_is_the_same_for_any_rank_count(self):
        folder = self.tmp.name
        for method in (["--method", "pcd", "--chains", 30],
                       ["--method", "pt", "--chains", 12, "--temperatures", 3]):
            name = method[1]
            models = [self.train(n, os.path.join(folder, f"{name}{n}"), *method, "--epochs", 1,
                                 "--micro-batches", 3) for n in RANKS]
            self.assertEqual(models[1], models[0], name)
            self.assertEqual(models[2], models[0], name)
        # One part (the default) on two ranks: the single-process run, bit for bit.
        alone = os.path.join(folder, "alone")
        proc = subprocess.run([LOGZ, "--threads", "1", "train", "--data", "mnist10k", "--hidden",
                               "12", "--batch", "60", "--seed", "4", "--progress", "never",
                               "--epochs", "1", "--out", alone], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.train(2, os.path.join(folder, "two"), "--epochs", 1),
                         file_bytes(os.path.join(alone, "model.safetensors")))

    def test_resume_on_another_rank_count(self):
        folder = self.tmp.name
        settings = ["--method", "pcd", "--chains", 24, "--micro-batches", 4, "--monitor", "track",
                    "--track-chains", 20, "--track-betas", 200]
        straight = self.train(1, os.path.join(folder, "straight"), *settings, "--epochs", 2)
        resumed = os.path.join(folder, "resumed")
        self.train(2, resumed, *settings, "--epochs", 1)
        mpi_ok(3, "train", "--resume", resumed, "--epochs", 2, "--progress", "never")
        self.assertEqual(file_bytes(os.path.join(resumed, "model.safetensors")), straight)

        def metrics(name):
            with open(os.path.join(folder, name, "metrics.csv")) as f:
                rows = [line.rstrip("\n").split(",") for line in f]
            keep = [i for i, c in enumerate(rows[0]) if "seconds" not in c]
            return [[r[i] for i in keep] for r in rows]
        # The tracked log Z of each evaluation, too.
        self.assertEqual(metrics("resumed"), metrics("straight"))

    def test_rank_zero_alone_prints_and_writes(self):
        outputs = [mpi_ok(n, "estimate", self.model, "--method", "exact").stdout for n in RANKS]
        self.assertEqual(outputs[2].count("log Z ="), 1)
        self.assertEqual(outputs[2].replace(outputs[2].split("states summed, ")[1], ""),
                         outputs[0].replace(outputs[0].split("states summed, ")[1], ""))

    def test_a_failing_rank_ends_the_job(self):
        start = time.monotonic()
        proc = mpi(3, "estimate", self.model, "--method", "ais", "--chains", 30, "--betas", 20000,
                   env={"LOGZ_FAIL_ON_RANK": "1"}, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("rank 1 of 3", proc.stderr)
        self.assertIn("injected failure", proc.stderr)
        self.assertLess(time.monotonic() - start, 30)
        # A bad file on one rank only (rank 1 reads another path): the others
        # are already in their annealing, and still end, with its message.
        bad = os.path.join(self.tmp.name, "bad.safetensors")
        with open(bad, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
        start = time.monotonic()
        common = ["--bind-to", "none", "--oversubscribe"]
        proc = subprocess.run(
            [MPIRUN, *common, "-np", "1", LOGZ, "estimate", self.model, "--method", "ais",
             "--betas", "20000", ":", "-np", "1", LOGZ, "estimate", bad, "--method", "ais",
             "--betas", "20000"], capture_output=True, text=True, timeout=60, env=ENV)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("rank 1 of 2", proc.stderr)
        self.assertIn("bad.safetensors", proc.stderr)
        self.assertLess(time.monotonic() - start, 30)


def main():
    version = subprocess.run([LOGZ, "--version"], capture_output=True, text=True).stdout
    if "without MPI" in version or MPIRUN is None:
        print(f"skipped: {version.strip()}; mpirun: {MPIRUN}")
        return 0
    del sys.argv[1:]
    return 0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
