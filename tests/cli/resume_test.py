#!/usr/bin/python3
"""Interruption, resume and divergence, end to end: the real binary, real
signals, model files compared bit for bit.

Usage: resume_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import math
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"

# A run long enough to be interrupted (about 40 ms per epoch on 2 cores).
RUN = ["--data", "mnist10k", "--hidden", "20", "--batch", "100", "--seed", "5", "--progress", "never"]


def logz(*args, **kw):
    return subprocess.run([LOGZ, *map(str, args)], capture_output=True, text=True, timeout=600, **kw)


def snapshot_bytes(folder):
    """The trajectory's snapshots, file name to contents."""
    trajectory = os.path.join(folder, "trajectory")
    out = {}
    for name in sorted(os.listdir(trajectory)):
        with open(os.path.join(trajectory, name), "rb") as f:
            out[name] = f.read()
    return out


def tensors(path):
    """The tensors' raw bytes by name (safetensors), and the metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items()}, meta


def model_bytes(folder):
    t, _ = tensors(os.path.join(folder, "model.safetensors"))
    return t


def metrics_without_times(folder):
    with open(os.path.join(folder, "metrics.csv")) as f:
        rows = [line.rstrip("\n").split(",") for line in f]
    timed = {i for i, name in enumerate(rows[0]) if name.endswith("seconds")}
    return [[x for i, x in enumerate(r) if i not in timed] for r in rows]


class Resume(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="logz-resume-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def folder(self, name):
        return os.path.join(self.dir, name)

    def interrupted_run(self, args, out, sig, rng):
        """Starts the run, waits for its first checkpoint, sends `sig` a random
        moment later; returns the completed process (retrying with a shorter
        delay if the run finished first)."""
        for attempt in range(5):
            shutil.rmtree(out, ignore_errors=True)
            proc = subprocess.Popen([LOGZ, "train", *args, "--out", out], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            checkpoint = os.path.join(out, "checkpoint.safetensors")
            deadline = time.time() + 120
            while not os.path.exists(checkpoint) and proc.poll() is None and time.time() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.6) / (attempt + 1))
            if proc.poll() is None:
                proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=300)
            if proc.returncode != 0:
                return proc.returncode, stderr
        self.fail("the run always finished before the signal")

    def test_a_signal_at_a_random_batch_then_resume_gives_the_same_model_bit_for_bit(self):
        rng = random.Random(2026)
        # The tracked run: 21 hidden units (log Z by annealing, not enumeration),
        # snapshots by count and by swap acceptance.
        track = ["--epochs", "20", "--hidden", "21", "--monitor", "track", "--eval-every", "4",
                 "--track-betas", "300", "--track-max-betas", "1200", "--snapshot-every", "250",
                 "--snapshot-acceptance", "0.3"]
        for name, method, extra, sig in [
                ("pcd", "pcd", ["--epochs", "40"], signal.SIGINT),
                ("pt", "pt", ["--epochs", "12", "--temperatures", "4", "--chains", "50"],
                 signal.SIGTERM),
                ("cd", "cd", ["--epochs", "40", "--optimizer", "adam", "--lr", "0.01",
                              "--lr-schedule", "linear", "--lr-final", "0.001",
                              "--checkpoint-every", "13batches"], signal.SIGINT),
                ("pcd-tracked", "pcd", track, signal.SIGINT)]:
            with self.subTest(run=name):
                args = [a for a in RUN if "--hidden" not in extra or a not in ("--hidden", "20")]
                args += ["--method", method] + extra
                whole, parts = self.folder(name + "-whole"), self.folder(name + "-parts")
                proc = logz("train", *args, "--out", whole)
                self.assertEqual(proc.returncode, 0, proc.stderr)

                code, stderr = self.interrupted_run(args, parts, sig, rng)
                self.assertEqual(code, 128 + sig, stderr)
                last = stderr.strip().splitlines()[-1]
                self.assertIn("stopped by " + signal.Signals(sig).name, last)
                self.assertIn("--resume " + parts, last)
                state = json.loads(tensors(os.path.join(parts, "checkpoint.safetensors"))[1]["train.state"])
                print(f"{method}: {signal.Signals(sig).name} at epoch {state['epoch']}, "
                      f"batch {state['batches_done']}", file=sys.stderr)

                proc = logz("train", "--resume", parts, "--progress", "never")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn("resuming", proc.stderr)
                self.assertEqual(model_bytes(whole), model_bytes(parts))
                self.assertEqual(metrics_without_times(whole), metrics_without_times(parts))
                if name == "pcd-tracked":
                    self.assertEqual(snapshot_bytes(whole), snapshot_bytes(parts))
                    self.assertGreater(len(snapshot_bytes(whole)), 2)

    def test_resume_extends_a_finished_run_to_the_same_model_as_a_longer_run(self):
        # With a constant learning rate, 6 epochs then 4 more are 10 epochs.
        args = RUN + ["--method", "pcd"]
        longer, extended = self.folder("ten"), self.folder("six")
        self.assertEqual(logz("train", *args, "--epochs", "10", "--out", longer).returncode, 0)
        self.assertEqual(logz("train", *args, "--epochs", "6", "--out", extended).returncode, 0)
        proc = logz("train", "--resume", extended, "--epochs", "10", "--json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["epochs"], 10)
        self.assertEqual(model_bytes(longer), model_bytes(extended))

    def test_resume_refuses_changed_settings_and_missing_checkpoints(self):
        out = self.folder("short")
        self.assertEqual(logz("train", *RUN, "--epochs", "1", "--out", out).returncode, 0)
        proc = logz("train", "--resume", out, "--lr", "0.5")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--lr", proc.stderr)
        self.assertIn("cannot change when resuming", proc.stderr)
        proc = logz("train", "--resume", out, "--epochs", "0")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        missing = self.folder("nothing-here")
        proc = logz("train", "--resume", missing)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn(os.path.join(missing, "checkpoint.safetensors"), proc.stderr)
        proc = logz("train", *RUN, "--epochs", "1", "--out", out, "--checkpoint-every", "often")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--checkpoint-every", proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)

    def test_divergence_stops_naming_the_batch_and_keeps_the_last_checkpoint(self):
        out = self.folder("diverged")
        proc = logz("train", *RUN, "--method", "pcd", "--epochs", "3", "--lr", "1e6",
                    "--momentum", "0.9", "--checkpoint-every", "1batch", "--out", out)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        message = proc.stderr.strip().splitlines()[-1]
        self.assertRegex(message, r"diverged at epoch 1, batch \d+")
        self.assertIn("--lr", message)
        self.assertIn("is intact in " + os.path.join(out, "checkpoint.safetensors"), message)
        estimate = logz("estimate", os.path.join(out, "checkpoint.safetensors"), "--method", "exact",
                        "--json")
        self.assertEqual(estimate.returncode, 0, estimate.stderr)
        self.assertTrue(math.isfinite(json.loads(estimate.stdout)["log_z"]))
        t, _ = tensors(os.path.join(out, "checkpoint.safetensors"))
        self.assertIn("W", t)

    def test_the_same_seed_gives_the_same_model_however_the_command_is_spelled(self):
        # Regression: results once depended on where the heap put a buffer,
        # which changed with the length of the command line.
        base = RUN + ["--method", "pcd", "--epochs", "2"]
        outs = []
        for i, extra in enumerate([[], ["--threads", "1"], ["--threads", "2"], ["--json"],
                                   ["--checkpoint-every", "0"]]):
            out = self.folder(f"spelled{i}")
            args = (extra[:2] + ["train"] + base) if extra and extra[0] == "--threads" else \
                ["train"] + base + extra
            proc = logz(*args, "--out", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            outs.append(model_bytes(out))
        for other in outs[1:]:
            self.assertEqual(outs[0], other)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
