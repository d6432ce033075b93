#!/usr/bin/python3
"""A study users can rerun: Gaussian-Bernoulli RBMs on the pixels of
MNIST-10k (9,000 training, 1,000 test images), one per inductive principle
for real-valued data -- score matching (Hyvarinen 2005), denoising score
matching (Vincent 2011), noise-contrastive estimation (Gutmann & Hyvarinen
2010) and PCD -- with the same model size, seed, initialization, optimizer
and budget of epochs. Test log-likelihoods come from AIS (with their
standard errors) and, for comparison, NCE's own learned normalizer.

Preprocessing, stated once: pixels k in {0..255} are dequantized to
x = (k + u) / 256, u ~ Uniform(0, 1) (logz's --dequantize, the default for
models of real-valued units), so the model is a density on (0, 1)^784 and
its log-likelihood in nats per image is a proper continuous one; minus
784 log 256 = 4347.4 nats it bounds the log-probability of the 8-bit image.

Usage (from the project root, after scripts/setup.sh):
  /usr/bin/python3 examples/continuous_principles.py [--epochs 20] [--hidden 50]
      [--out runs/continuous-study] [--logz build/logz]
Prints a Markdown table; each principle's run folder (model, metrics.csv,
samples.png, filters.png) stays under --out.
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Learning rates (Adam): 0.001 for all but NCE, whose 0.001 with nu = 5 gave
# a test log-likelihood of -11,664 nats (its learned log normalizer cannot
# follow the model's log Z, see docs/studies.md).
PRINCIPLES = [  # label, flags, learning rate (Adam)
    ("score matching", ["--method", "sm"], 0.001),
    ("denoising score matching (sigma 0.1)", ["--method", "dsm", "--noise-sigma", "0.1"], 0.001),
    ("NCE (Gaussian noise, nu 20)", ["--method", "nce", "--noise-ratio", "20"], 0.0001),
    ("PCD-1", ["--method", "pcd"], 0.001),
]


def logz_json(logz, *args):
    proc = subprocess.run([logz, *map(str, args), "--json", "--progress", "never"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"logz {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chains", type=int, default=100, help="AIS chains")
    ap.add_argument("--betas", type=int, default=50000, help="AIS steps")
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "continuous-study"))
    ap.add_argument("--lr", type=float, default=None, help="one learning rate for all (tuning)")
    a = ap.parse_args()
    rows = []
    for label, flags, lr in PRINCIPLES:
        out = os.path.join(a.out, flags[1])
        logz_json(a.logz, "train", "--data", "mnist10k", "--model", "gbrbm", "--hidden", a.hidden,
                  *flags, "--epochs", a.epochs, "--optimizer", "adam", "--lr", a.lr or lr,
                  "--batch", 100, "--seed", a.seed, "--out", out)
        with open(os.path.join(out, "metrics.csv")) as f:
            train_seconds = sum(float(r["epoch_seconds"]) for r in csv.DictReader(f))
        model = os.path.join(out, "model.safetensors")
        ais = logz_json(a.logz, "eval", model, "--logz-method", "ais", "--chains", a.chains,
                        "--betas", a.betas, "--seed", a.seed)
        learned = ais.get("learned_normalizer", {}).get("avg_log_likelihood")
        rows.append((label, a.lr or lr, ais, learned, train_seconds))
        print(f"{label}: done", flush=True, file=sys.stderr)
    print(f"| principle ({a.epochs} epochs, 784 x {a.hidden} GBRBM, Adam) | learning rate | "
          f"test log-likelihood (AIS, nats) | +/- (log Z) | +/- (test mean) | AIS ESS | "
          f"NCE's learned normalizer | training time (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, lr, ais, learned, seconds in rows:
        learned_text = f"{learned:.1f}" if learned is not None else "-"
        print(f"| {label} | {lr:g} | {ais['avg_log_likelihood']:.1f} | {ais['std_error']:.2f} | "
              f"{ais['std_error_of_mean']:.1f} | {ais['log_z_estimate']['effective_sample_size']:.1f}"
              f" | {learned_text} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
