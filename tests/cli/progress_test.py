#!/usr/bin/python3
"""What long commands say on stderr when it is not a terminal (here: a pipe):
plain progress lines at most every LOGZ_PROGRESS_SECONDS (10 s unless set;
set to 0 here so that tiny runs show them), never a bar's carriage returns;
nothing with --progress never; nothing at all but errors with --quiet.

Usage: progress_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"

# "ais: 45% (6528/14500, 3 s elapsed, 2100 step/s, ETA 4 s)", the rate and ETA once known.
LINE = re.compile(r"^(?P<label>[\w/ ]+): (?P<percent>\d+)% \((?P<done>[\d.]+[MG]?)/(?P<total>[\d.]+[MG]?), "
                  r"\d+ s elapsed(, \S+ \w+/s)?(, ETA .+)?\)")


def logz(*args, seconds=None):
    env = dict(os.environ)
    env.pop("LOGZ_PROGRESS_SECONDS", None)
    if seconds is not None:
        env["LOGZ_PROGRESS_SECONDS"] = str(seconds)
    return subprocess.run([LOGZ, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=env)


def progress_lines(stderr, label):
    return [m for m in (LINE.match(line) for line in stderr.splitlines()) if m and m["label"] == label]


class Progress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        proc = logz("train", "--hidden", 10, "--epochs", 1, "--progress", "never", "--out", cls.run_dir)
        assert proc.returncode == 0, proc.stderr
        cls.model = os.path.join(cls.run_dir, "model.safetensors")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def ok(self, *args, seconds=None):
        proc = logz(*args, seconds=seconds)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("\r", proc.stderr)
        self.assertNotIn("\x1b", proc.stderr)
        return proc

    def test_training_prints_plain_lines_over_the_whole_run(self):
        proc = self.ok("train", "--hidden", 5, "--epochs", 2, "--out", os.path.join(self.tmp.name, "t"),
                       seconds=0)
        lines = progress_lines(proc.stderr, "epoch 2/2")
        self.assertTrue(lines, proc.stderr)
        self.assertEqual(lines[-1]["done"], "180")  # 2 epochs of 90 batches
        self.assertEqual(lines[-1]["total"], "180")
        self.assertTrue(progress_lines(proc.stderr, "epoch 1/2"))
        self.assertIn("epoch 1/2  ", proc.stderr)  # the epoch's summary line stays

    def test_the_default_interval_keeps_a_short_run_silent_but_for_its_summaries(self):
        proc = self.ok("train", "--hidden", 5, "--epochs", 1, "--out", os.path.join(self.tmp.name, "d"))
        self.assertEqual(proc.stderr.strip().splitlines(), [l for l in proc.stderr.strip().splitlines()
                                                            if l.startswith("epoch 1/1  ")])
        self.assertFalse(progress_lines(proc.stderr, "epoch 1/1"))

    def test_progress_never_is_silent(self):
        proc = self.ok("train", "--hidden", 5, "--epochs", 1, "--progress", "never",
                       "--out", os.path.join(self.tmp.name, "n"), seconds=0)
        self.assertNotIn("%", proc.stderr)
        proc = self.ok("estimate", self.model, "--method", "ais", "--chains", 10, "--betas", 300,
                       "--progress", "never", seconds=0)
        self.assertEqual(proc.stderr, "")

    def test_estimators_eval_and_sample_report_progress(self):
        cases = [
            ("ais", ["estimate", self.model, "--method", "ais", "--chains", 10, "--betas", 300]),
            ("bridge", ["estimate", self.model, "--method", "bridge", "--chains", 4, "--betas", 5,
                        "--burn-in", 20, "--samples-per-chain", 5]),
            ("exact", ["estimate", self.model]),
            ("ais", ["eval", self.model, "--logz-method", "ais", "--chains", 10, "--betas", 300]),
            ("sample", ["sample", self.model, "--n", 4, "--steps", 50,
                        "--png", os.path.join(self.tmp.name, "s.png")]),
        ]
        for label, args in cases:
            with self.subTest(label=label, command=args[0]):
                proc = self.ok(*args, seconds=0)
                lines = progress_lines(proc.stderr, label)
                self.assertTrue(lines, proc.stderr)
                self.assertTrue(all(0 <= int(m["percent"]) <= 100 for m in lines))
                # With no interval every report is a line, the last one at the end.
                self.assertEqual(lines[-1]["done"], lines[-1]["total"])
                self.assertEqual(lines[-1]["percent"], "100")
        exact = progress_lines(self.ok("estimate", self.model, seconds=0).stderr, "exact")
        self.assertEqual(exact[-1]["total"], "1024")  # 2^10 hidden states

    def test_quiet_leaves_only_the_results(self):
        png = os.path.join(self.tmp.name, "q.png")
        commands = [
            ["--quiet", "train", "--hidden", 5, "--epochs", 2, "--out", os.path.join(self.tmp.name, "q")],
            ["train", "--hidden", 5, "--epochs", 2, "--out", os.path.join(self.tmp.name, "q2"), "--quiet"],
            ["--quiet", "estimate", self.model, "--method", "ais", "--chains", 10, "--betas", 300],
            ["--quiet", "eval", self.model, "--logz-method", "exact"],
            ["--quiet", "sample", self.model, "--n", 4, "--steps", 20, "--png", png, "--progress", "always"],
            ["--quiet", "show", self.model, "--filters", png],
        ]
        for args in commands:
            with self.subTest(args=args):
                proc = self.ok(*args, seconds=0)
                self.assertEqual(proc.stderr, "")
                self.assertTrue(proc.stdout.strip())
        proc = logz("--quiet", "sample", self.model, "--n", 0, "--png", png)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
        self.assertIn("--n", proc.stderr)

    def test_json_results_stay_parseable_beside_progress(self):
        png = os.path.join(self.tmp.name, "j.png")
        for args in (["sample", self.model, "--n", 4, "--steps", 5, "--png", png],
                     ["show", self.model, "--filters", png],
                     ["estimate", self.model, "--method", "ais", "--chains", 5, "--betas", 100]):
            with self.subTest(command=args[0]):
                proc = self.ok(*args, "--json", seconds=0)
                self.assertIsInstance(json.loads(proc.stdout), dict)

    def test_always_draws_the_bar_even_into_a_pipe(self):
        proc = logz("estimate", self.model, "--method", "ais", "--chains", 10, "--betas", 300,
                    "--progress", "always")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("\x1b[Kais [", proc.stderr)  # (text mode reads the \r as a newline)

    def test_a_bad_interval_is_a_one_line_error(self):
        proc = logz("estimate", self.model, "--method", "ais", "--chains", 5, "--betas", 10,
                    seconds="soon")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn("LOGZ_PROGRESS_SECONDS", proc.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
