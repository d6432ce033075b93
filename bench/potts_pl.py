#!/usr/bin/python3
"""Potts pseudolikelihood, logz against the PyTorch peer, in one run.

The family-sized fit of issue 14: L sites, q states, N sequences of random
codes (numpy's default_rng(0), the peer's --synthetic data), the objective
of plmc / EVcouplings (sum_n -log PL(x_n) + lambda_h |h|^2 + lambda_J |J|^2,
lambda_h 0.01, lambda_J 0.01 (q-1)(L-1), each coupling pair once),
minimized by L-BFGS on both sides: the peer with torch.optim.LBFGS
(strong Wolfe), logz with libLBFGS (More-Thuente).

The peer is the project's own, bench/peers/torch_potts.py. It runs
--peer-iterations L-BFGS iterations at most (35: 30-85 s on 2 cores;
torch.optim.LBFGS also stops after 1.25 times as many evaluations); logz
runs to convergence, and the ratio is taken at the first logz iteration
whose objective is at or below the peer's final one. The peer reports its
objective at the start and at the end in float32; the final one is
recomputed here from the parameters it saves, in double with numpy, and
that is the one compared.

  /usr/bin/python3 bench/potts_pl.py [--size 100,21,5000] [--peer-iterations 35]
                                     [--logz build/logz] [--peer bench/peers/torch_potts.py]
Prints a Markdown table.
"""
import argparse
import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plmc_objective(X, q, J, h):
    """sum_n -log PL(x_n) + lambda_h |h|^2 + lambda_J sum_{i<j} |J_ij|^2, in double."""
    n, L = X.shape
    lambda_h, lambda_j = 0.01, 0.01 * (q - 1) * (L - 1)
    J = J.astype(np.float64)
    for i in range(L):
        J[i, i] = 0.0
    # logits[n, i, a] = h[i, a] + sum_{j != i} J[i, j, a, x_nj]
    onehot = np.zeros((n, L * q))
    onehot[np.arange(n)[:, None], np.arange(L) * q + X] = 1.0
    jmat = J.transpose(1, 3, 0, 2).reshape(L * q, L * q)  # [(j, b), (i, a)]
    logits = (onehot @ jmat).reshape(n, L, q) + h.astype(np.float64)
    top = logits.max(axis=2, keepdims=True)
    log_norm = np.log(np.exp(logits - top).sum(axis=2)) + top[:, :, 0]
    observed = np.take_along_axis(logits, X[:, :, None], axis=2)[:, :, 0]
    nll = (log_norm - observed).sum()
    return nll + lambda_h * (h.astype(np.float64) ** 2).sum() + lambda_j / 2 * (J ** 2).sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="100,21,5000", help="L,q,N")
    ap.add_argument("--peer-iterations", type=int, default=35)
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--peer", default=os.path.join(ROOT, "bench", "peers", "torch_potts.py"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if importlib.util.find_spec("torch") is None:  # the peer's
        sys.exit("bench/potts_pl.py needs the peer's PyTorch: bash scripts/install-packages.sh python3-torch")
    L, q, n = map(int, a.size.split(","))
    work = tempfile.mkdtemp(prefix="logz-potts-bench-")
    data = os.path.join(work, "codes.csv")
    X = np.random.default_rng(0).integers(0, q, (n, L))
    np.savetxt(data, X, fmt="%d", delimiter=",")

    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    peer_out = os.path.join(work, "peer_J.npy")
    peer = subprocess.run([sys.executable, a.peer, "--data", data, "--states", str(q), "--iters",
                           str(a.peer_iterations), "--threads", str(a.threads), "--out", peer_out],
                          env=env, check=True, capture_output=True, text=True)
    peer_result = json.loads(re.search(r"^RESULT (.*)$", peer.stdout, re.M).group(1))
    # The objective of the peer's final parameters, in double (the peer's own is float32).
    peer_start = peer_result["start_objective"]
    peer_float32 = peer_result["objective"]
    peer_result["objective"] = plmc_objective(X, q, np.load(peer_out), np.load(peer_out[:-4] + "_h.npy"))

    run = os.path.join(work, "run")
    started = time.perf_counter()
    subprocess.run([a.logz, "train", "--model", "potts", "--data", data, "--states", str(q),
                    "--test-count", "0", "--method", "pl", "--optimizer", "lbfgs", "--epochs", "500",
                    "--threads", str(a.threads), "--out", run, "--json", "--progress", "never"],
                   env=env, check=True, capture_output=True, text=True)
    logz_wall = time.perf_counter() - started
    rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
    final = rows[-1]
    reached = next((r for r in rows if float(r["lbfgs_objective"]) <= peer_result["objective"]), None)

    print(f"Potts pseudolikelihood, L = {L}, q = {q}, N = {n} (random codes), {a.threads} threads\n")
    print("| | iterations | objective | seconds |")
    print("|---|---|---|---|")
    print(f"| start (h = 0, J = 0), the peer's | 0 | {peer_start:.2f} | |")
    print(f"| PyTorch peer (torch.optim.LBFGS, {peer_result['evaluations']} evaluations, {peer_result['product']} one-hot) | {peer_result['iterations']} | {peer_result['objective']:.2f} | {peer_result['seconds']:.2f} |")
    if reached is not None:
        print(f"| logz, to the peer's objective | {reached['epoch']} | {float(reached['lbfgs_objective']):.2f} | {float(reached['epoch_seconds']):.2f} |")
    print(f"| logz, to convergence | {final['epoch']} | {float(final['lbfgs_objective']):.2f} | {float(final['epoch_seconds']):.2f} |")
    print(f"| logz, whole command (start, data, model file) | | | {logz_wall:.2f} |")
    print(f"\nthe peer's final objective: {peer_result['objective']:.2f} in double (here), {peer_float32:.2f} in float32 (the peer's)")
    if reached is not None:
        print(f"\nspeed-up to the peer's objective: {peer_result['seconds'] / float(reached['epoch_seconds']):.1f}x")
    else:
        print("\nlogz did not reach the peer's objective")


if __name__ == "__main__":
    main()
