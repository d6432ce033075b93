#!/usr/bin/python3
"""A study users can rerun, in the spirit of Marlin, Swersky, Chen & de Freitas
(2010), "Inductive principles for restricted Boltzmann machine learning":
784 x 25 Bernoulli RBMs on MNIST-10k (9,000 training, 1,000 test images,
binarized at 0.5), one per principle, the same budget of epochs, the same
seed and initialization, the learning rate decaying linearly to zero. With 25
hidden units the test log-likelihood is exact (2^25 hidden states summed).

Learning rates: the best of {0.01, 0.05, 0.2, 1.0} per principle after 30
epochs (CD-1 also tried at 0.1), found with this script's --lr flag.

Usage (from the project root, after scripts/setup.sh):
  /usr/bin/python3 examples/inductive_principles.py [--epochs 50] [--logz build/logz]
Prints a Markdown table: exact test log-likelihood, exact test
pseudo-log-likelihood (all 784 bits), training seconds (evaluation excluded).
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRINCIPLES = [  # label, flags, learning rate
    ("CD-1", ["--method", "cd", "--k", "1"], 0.1),
    ("CD-10", ["--method", "cd", "--k", "10"], 0.2),
    ("PCD (SML)", ["--method", "pcd"], 0.05),
    ("PT (10 temperatures)", ["--method", "pt", "--temperatures", "10"], 0.2),
    ("pseudolikelihood", ["--method", "pl"], 1.0),
    ("ratio matching", ["--method", "rm"], 1.0),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--hidden", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr", type=float, default=None, help="one learning rate for all (tuning)")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, flags, lr in PRINCIPLES:
            out = os.path.join(tmp, label.split()[0])
            summary = json.loads(subprocess.run(
                [a.logz, "train", "--data", "mnist10k", "--hidden", str(a.hidden), *flags,
                 "--epochs", str(a.epochs), "--lr", str(a.lr or lr), "--lr-schedule", "linear",
                 "--momentum", "0.5", "--seed", str(a.seed), "--monitor", "exact",
                 "--eval-every", str(a.epochs), "--out", out, "--json", "--progress", "never"],
                check=True, capture_output=True, text=True).stdout)
            with open(os.path.join(out, "metrics.csv")) as f:
                train_seconds = sum(float(r["epoch_seconds"]) for r in csv.DictReader(f))
            rows.append((label, a.lr or lr, summary["test_log_likelihood"],
                         summary["test_pseudo_log_likelihood"], train_seconds))
            print(f"{label}: done", flush=True, file=__import__("sys").stderr)
    print(f"| principle ({a.epochs} epochs, 784 x {a.hidden}) | learning rate | test log-likelihood "
          f"(exact) | test pseudo-log-likelihood | training time (s) |")
    print("|---|---|---|---|---|")
    for label, lr, ll, pl, seconds in rows:
        print(f"| {label} | {lr:g} | {ll:.2f} | {pl:.2f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
