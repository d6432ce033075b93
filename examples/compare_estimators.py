#!/usr/bin/python3
"""The estimator table of docs/estimators.md ("Estimators side by side"): for
each model, exact log Z (where the smaller layer can be enumerated), AIS and
bridge sampling with their standard errors, and the test log-likelihood from
each, with RAISE's conservative bound beside them. Runs the logz command
line; rerun it to check the table.

Usage (from the project root, after `bash scripts/main-job.sh`):
  /usr/bin/python3 examples/compare_estimators.py [--logz build/logz] [--models M1 M2 ...]
Models missing from runs/ are trained first with the main job's settings.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN_JOB = ["--data", "mnist10k", "--method", "pcd", "--epochs", "500", "--batch", "100",
            "--lr", "0.05", "--lr-schedule", "linear", "--momentum", "0.5",
            "--weight-decay", "0.0001", "--seed", "1"]
MODELS = {
    "runs/mnist10k-cd20": ["--data", "mnist10k", "--hidden", "20", "--method", "cd", "--epochs", "5",
                           "--seed", "1"],
    "runs/mnist10k-pcd25": MAIN_JOB + ["--hidden", "25"],
    "runs/mnist10k-pcd500": MAIN_JOB + ["--hidden", "500"],
}


def logz(binary, *args):
    out = subprocess.run([binary, *args, "--json"], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    a = ap.parse_args()
    rows = []
    for run in a.models:
        model = os.path.join(run, "model.safetensors")
        if not os.path.exists(os.path.join(ROOT, model)):
            print(f"training {run} ...", file=sys.stderr, flush=True)
            subprocess.run([a.logz, "train", *MODELS[run], "--out", run, "--progress", "never"],
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"estimating {run} ...", file=sys.stderr, flush=True)
        with open(os.path.join(ROOT, run, "settings.json")) as f:
            hidden = json.load(f)["n_hidden"]
        row = {"model": f"784 x {hidden}, {os.path.basename(run)}"}
        if hidden <= 25:
            exact = logz(a.logz, "eval", model, "--logz-method", "exact")
            row["exact"] = (exact["log_z"], exact["log_z_estimate"]["seconds"], exact["avg_log_likelihood"])
        for method in ("ais", "bridge"):
            # One run of the sm2008 schedule, as the table has always shown; the
            # default (--adapt on) spends more until its interval can be trusted.
            once = ["--adapt", "off"] if method == "ais" else []
            e = logz(a.logz, "eval", model, "--logz-method", method, "--progress", "never", *once)
            row[method] = (e["log_z"], e["log_z_estimate"]["std_error"], e["log_z_estimate"]["seconds"],
                           e["avg_log_likelihood"])
            d = e["log_z_estimate"]
            if method == "ais":
                row["notes"] = [f"AIS ESS {d['effective_sample_size']:.1f}/{d['samples']}"]
            elif "start_disagreement" in d.get("diagnostics", {}):
                row["notes"].append(f"bridge starts disagree by {d['diagnostics']['start_disagreement']:.2f}"
                                    f" +/- {d['diagnostics']['start_disagreement_std_error']:.2f}")
        r = logz(a.logz, "eval", model, "--logz-method", "raise", "--progress", "never")
        row["raise"] = (r["avg_log_likelihood"], r["std_error"], r["seconds"])
        rows.append(row)

    print("| model | exact log Z | AIS log Z (s) | bridge log Z (s) | test LL: exact | AIS | bridge | RAISE bound (s) | diagnostics |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ex = row.get("exact")
        exact_z = f"{ex[0]:.2f} ({ex[1]:.1f} s)" if ex else "-"
        exact_ll = f"{ex[2]:.2f}" if ex else "-"
        ais, br, ra = row["ais"], row["bridge"], row["raise"]
        print(f"| {row['model']} | {exact_z} | {ais[0]:.2f} +/- {ais[1]:.2f} ({ais[2]:.1f} s) | "
              f"{br[0]:.2f} +/- {br[1]:.2f} ({br[2]:.1f} s) | {exact_ll} | {ais[3]:.2f} | {br[3]:.2f} | "
              f"{ra[0]:.2f} +/- {ra[1]:.2f} ({ra[2]:.1f} s) | {'; '.join(row['notes'])} |")


if __name__ == "__main__":
    main()
