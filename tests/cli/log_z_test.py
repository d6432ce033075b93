#!/usr/bin/python3
"""log Z of models too large to enumerate, end to end, against exact
enumeration on models that are not: log Z tracked along a training run, the
trajectory of snapshots and annealing along it, and the bracket of
`logz eval --bracket`.

Usage: log_z_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_helpers import read_safetensors, run, run_json  # noqa: E402

# The main job's settings (scripts/main-job.sh) on a model enumerable in about
# a second, trained for fewer epochs (the schedule decays to zero over them).
def main_job(hidden=22, method="pcd", lr="0.05", momentum="0.5"):
    return ["--data", "mnist10k", "--model", "rbm", "--hidden", hidden, "--method", method,
            "--batch", "100", "--lr", lr, "--lr-schedule", "linear", "--momentum", momentum,
            "--weight-decay", "0.0001", "--seed", "1", "--progress", "never"]


def metrics(folder):
    with open(os.path.join(folder, "metrics.csv")) as f:
        rows = [line.rstrip("\n").split(",") for line in f]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def tensors(folder):
    return read_safetensors(os.path.join(folder, "model.safetensors"))[0]


class Tracking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="logz-track-")
        cls.exact_run = os.path.join(cls.tmp.name, "exact")
        cls.tracked_run = os.path.join(cls.tmp.name, "tracked")
        run("train", *main_job(), "--epochs", 100, "--monitor", "exact", "--eval-every", 50,
            "--out", cls.exact_run)
        run("train", *main_job(), "--epochs", 100, "--monitor", "track", "--eval-every", 50,
            "--out", cls.tracked_run)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_tracked_log_z_is_within_its_error_of_exact_at_every_evaluation(self):
        exact = [r for r in metrics(self.exact_run) if r["log_z"]]
        tracked = [r for r in metrics(self.tracked_run) if r["log_z"]]
        self.assertEqual([r["epoch"] for r in exact], ["50", "100"])
        self.assertEqual([r["epoch"] for r in tracked], ["50", "100"])
        for e, t in zip(exact, tracked):
            error = abs(float(t["log_z"]) - float(e["log_z"]))
            se = float(t["log_z_std_error"])
            print(f"epoch {e['epoch']}: exact {float(e['log_z']):.3f}, tracked "
                  f"{float(t['log_z']):.3f} +/- {se:.3f}", file=sys.stderr)
            self.assertGreater(se, 0.0)
            self.assertLess(error, max(3 * se, 0.3), (e, t))
            # The log-likelihoods move with log Z, one for one.
            self.assertAlmostEqual(float(t["test_log_likelihood"]) - float(e["test_log_likelihood"]),
                                   float(e["log_z"]) - float(t["log_z"]), places=4)

    def test_monitoring_does_not_change_the_model(self):
        exact, tracked = tensors(self.exact_run), tensors(self.tracked_run)
        self.assertEqual(exact.keys(), tracked.keys())
        for name in exact:
            self.assertEqual(exact[name].tobytes(), tracked[name].tobytes(), name)

    def test_settings_say_what_was_monitored(self):
        with open(os.path.join(self.tracked_run, "settings.json")) as f:
            settings = json.load(f)
        self.assertEqual(settings["monitor"]["monitor"], "track")
        self.assertEqual(settings["monitor"]["track_chains"], 100)


class Trajectory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="logz-trajectory-")
        cls.folder = os.path.join(cls.tmp.name, "run")
        # 30 epochs of 90 updates; a snapshot every 3 epochs, and whenever the
        # swap acceptance to the last falls below 0.2.
        run("train", *main_job(hidden=12), "--epochs", 30, "--snapshot-every", 270,
            "--snapshot-acceptance", 0.2, "--out", cls.folder)
        cls.exact = run_json("estimate", cls.folder, "--method", "exact")["log_z"]
        # Annealing along a trajectory needs one that moves smoothly: at the
        # main job's rate and momentum, PCD's parameters zig-zag (log Z jumps by
        # nats between updates 10 apart) and the geometric path does better
        # (docs/estimators.md, "Keeping the trajectory"). A slower run, snapshots
        # every epoch:
        cls.smooth = os.path.join(cls.tmp.name, "smooth")
        run("train", *main_job(hidden=12, lr="0.01", momentum="0"), "--epochs", 10,
            "--snapshot-every", 90, "--out", cls.smooth)
        cls.smooth_exact = run_json("estimate", cls.smooth, "--method", "exact")["log_z"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def snapshots(self):
        folder = os.path.join(self.folder, "trajectory")
        return sorted(os.listdir(folder)), folder

    def test_snapshots_keep_the_first_and_last_models_and_their_updates(self):
        names, folder = self.snapshots()
        self.assertEqual(names[0], "update-0000000000.safetensors")
        self.assertEqual(names[-1], "update-0000002700.safetensors")
        by_count = {f"update-{u:010d}.safetensors" for u in range(0, 2701, 270)}
        self.assertTrue(by_count <= set(names), names)
        last, meta = read_safetensors(os.path.join(folder, names[-1]))
        self.assertEqual(meta["trajectory.update"], "2700")
        self.assertEqual(meta["model"], "bernoulli_rbm")
        for name, values in tensors(self.folder).items():
            self.assertEqual(values.tobytes(), last[name].tobytes(), name)
        extra = set(names) - by_count
        for name in extra:  # kept by the acceptance policy, which says why
            self.assertIn("trajectory.swap_acceptance_from_previous",
                          read_safetensors(os.path.join(folder, name))[1])

    def test_annealing_along_the_trajectory_finds_the_exact_log_z(self):
        out = run_json("estimate", self.smooth, "--method", "trajectory", "--betas", 4000,
                       "--seed", 3)
        self.assertEqual(out["method"], "trajectory")
        self.assertEqual(out["diagnostics"]["snapshots"], 11)
        self.assertEqual(out["diagnostics"]["reliable"], 1)
        self.assertLessEqual(out["lower"], self.smooth_exact)
        self.assertGreaterEqual(out["upper"], self.smooth_exact)
        self.assertLess(abs(out["log_z"] - self.smooth_exact), 4 * out["std_error"] + 1e-3)

    def test_a_zig_zagging_trajectory_says_it_cannot_be_trusted(self):
        out = run_json("estimate", self.folder, "--method", "trajectory", "--betas", 2000,
                       "--max-betas", 8000, "--seed", 3)
        self.assertEqual(out["diagnostics"]["reliable"], 0)
        self.assertIsNone(out["upper"])  # no upper end: +infinity
        self.assertLess(out["log_z"], self.exact)  # annealing errs low
        self.assertTrue(any("no upper end" in w for w in out["warnings"]), out["warnings"])

    def test_trajectory_needs_a_run_folder(self):
        proc = run("estimate", os.path.join(self.folder, "model.safetensors"), "--method",
                   "trajectory", check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--method: trajectory does not apply", proc.stderr)
        self.assertIn("run folder", proc.stderr)

    def test_the_bracket_holds_the_exact_log_likelihood(self):
        exact = run_json("eval", self.folder, "--logz-method", "exact")["avg_log_likelihood"]
        out = run_json("eval", self.folder, "--bracket", "--examples", 100, "--raise-betas", 3000,
                       "--seed", 2)
        b = out["bracket"]
        print(f"bracket [{b['lower']:.3f}, {b['upper']:.3f}] around exact {exact:.3f}",
              file=sys.stderr)
        self.assertLessEqual(b["lower"], exact)
        self.assertGreaterEqual(b["upper"], exact)
        self.assertAlmostEqual(b["width"], b["upper"] - b["lower"], places=9)
        self.assertEqual(out["raise"]["examples"], 100)
        self.assertEqual(out["raise"]["steps"], 3000)
        self.assertLess(b["width"], 5.0)  # a bracket, not a shrug

    def test_bracket_settings_need_the_bracket(self):
        for flag, value in [("--time-budget", 5), ("--examples", 10), ("--raise-betas", 100)]:
            proc = run("eval", self.folder, "--data", "mnist10k", flag, value, check=False)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn(f"{flag} requires --bracket", proc.stderr)

    def test_snapshot_acceptance_needs_persistent_chains(self):
        proc = run("train", *main_job(method="cd"), "--epochs", 1, "--snapshot-acceptance", 0.5,
                   "--out", os.path.join(self.tmp.name, "cd"), check=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--snapshot-acceptance", proc.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
