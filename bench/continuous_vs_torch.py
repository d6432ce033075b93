#!/usr/bin/python3
"""Benchmark: a Gaussian-Bernoulli RBM on dequantized MNIST-10k pixels, logz
against a PyTorch CPU float32 script written the way a user would (the score
and its divergence in closed form, parameter gradients by autograd, Adam),
in the same run on the same cores: an epoch of score matching, of denoising
score matching and of PCD-1 (9,000 images, batch 100), and AIS (100 chains,
linear schedule) on the model logz trained by PCD. Prints seconds and the
ratios peer / logz.

Usage (from the project root, after scripts/setup.sh; needs python3-torch):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/continuous_vs_torch.py \
      [--hidden 500] [--epochs 3] [--betas 2000] [--logz build/logz]
"""
import argparse
import csv
import gzip
import json
import math
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dequantized_mnist_train(seed=0):
    with gzip.open(os.path.join(ROOT, "data", "mnist10k", "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    k = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(10000, 784)[:9000]
    u = np.random.default_rng(seed).random(k.shape)
    return ((k + u) / 256.0).astype(np.float32)


class TorchGbrbm:
    """E(v, h) = |(v - b) / sigma|^2 / 2 - c.h - (v / sigma)^T W h, as logz's."""

    def __init__(self, x, hidden, gen):
        v = x.shape[1]
        self.W = (0.01 * torch.randn(v, hidden, generator=gen)).requires_grad_()
        self.b = x.mean(0).clone().requires_grad_()
        self.log_sigma = x.std(0).clamp_min(1e-3).log().clone().requires_grad_()
        self.c = torch.zeros(hidden, requires_grad=True)
        self.params = [self.W, self.b, self.c, self.log_sigma]

    def free_energy(self, v):
        sigma = self.log_sigma.exp()
        return (((v - self.b) / sigma) ** 2).sum(1) / 2 - torch.nn.functional.softplus(
            self.c + (v / sigma) @ self.W).sum(1)

    def score_and_divergence(self, v):
        sigma = self.log_sigma.exp()
        p = torch.sigmoid(self.c + (v / sigma) @ self.W)
        score = -(v - self.b) / sigma ** 2 + (p @ self.W.T) / sigma
        w2 = ((self.W / sigma[:, None]) ** 2).sum(0)
        divergence = -(1 / sigma ** 2).sum() + (p * (1 - p)) @ w2
        return score, divergence

    def gibbs(self, v, gen):
        with torch.no_grad():
            sigma = self.log_sigma.exp()
            h = torch.bernoulli(torch.sigmoid(self.c + (v / sigma) @ self.W), generator=gen)
            mean = self.b + sigma * (h @ self.W.T)
            return mean + sigma * torch.randn(mean.shape, generator=gen)


def torch_epoch(x, method, hidden, gen, noise_sigma=0.1, batch=100):
    model = TorchGbrbm(x, hidden, gen)
    opt = torch.optim.Adam(model.params, lr=1e-3)
    chains = x[:batch].clone()
    order = torch.randperm(x.shape[0], generator=gen)
    t0 = time.perf_counter()
    for start in range(0, x.shape[0], batch):
        v = x[order[start:start + batch]]
        if method == "sm":
            score, divergence = model.score_and_divergence(v)
            loss = (0.5 * (score ** 2).sum(1) + divergence).mean()
        elif method == "dsm":
            e = torch.randn(v.shape, generator=gen)
            score, _ = model.score_and_divergence(v + noise_sigma * e)
            loss = 0.5 * ((score + e / noise_sigma) ** 2).sum(1).mean()
        else:  # pcd
            chains = model.gibbs(chains, gen)
            loss = model.free_energy(v).mean() - model.free_energy(chains).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def torch_ais(W, b, c, log_sigma, chains, steps, gen):
    """AIS from N(b, sigma^2) x uniform hidden to the GBRBM, as logz anneals."""
    sigma = log_sigma.exp()
    betas = torch.linspace(0, 1, steps + 1, dtype=torch.float64)
    v = b + sigma * torch.randn(chains, b.shape[0], generator=gen)
    log_w = torch.zeros(chains, dtype=torch.float64)
    t0 = time.perf_counter()
    for k in range(1, steps + 1):
        a = c + (v / sigma) @ W
        log_w += (torch.nn.functional.softplus(betas[k] * a) -
                  torch.nn.functional.softplus(betas[k - 1] * a)).sum(1).double()
        if k < steps:
            h = torch.bernoulli(torch.sigmoid(float(betas[k]) * a), generator=gen)
            v = b + float(betas[k]) * sigma * (h @ W.T) + sigma * torch.randn(v.shape, generator=gen)
    log_z0 = W.shape[1] * math.log(2) + (math.log(math.sqrt(2 * math.pi)) + log_sigma).sum().item()
    log_z = log_z0 + (torch.logsumexp(log_w, 0) - math.log(chains)).item()
    return log_z, time.perf_counter() - t0


def logz_epoch_seconds(logz, method, hidden, epochs, out):
    subprocess.run([logz, "train", "--data", "mnist10k", "--model", "gbrbm", "--hidden", str(hidden),
                    "--method", method, "--optimizer", "adam", "--lr", "0.001", "--epochs",
                    str(epochs), "--batch", "100", "--noise-sigma", "0.1", "--out", out,
                    "--progress", "never", "--max-exact-bits", "1"],
                   check=True, capture_output=True, text=True, env=logz_env())
    with open(os.path.join(out, "metrics.csv")) as f:
        return statistics.median(float(r["epoch_seconds"]) for r in csv.DictReader(f))


def logz_env():
    # OMP_WAIT_POLICY=PASSIVE is the peer's fair setting (torch's and OpenBLAS's
    # thread pools fight without it); logz has one pool and runs with its default.
    return {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--chains", type=int, default=100)
    ap.add_argument("--betas", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(dequantized_mnist_train())
    env = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_CORETYPE", "OMP_WAIT_POLICY")}
    print(f"784 x {a.hidden} Gaussian-Bernoulli RBM, 9,000 dequantized MNIST-10k images, batch "
          f"100, Adam; env {env}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method in ("sm", "dsm", "pcd"):
            ours = logz_epoch_seconds(a.logz, method, a.hidden, a.epochs, os.path.join(tmp, method))
            gen = torch.Generator().manual_seed(0)
            peer = statistics.median(torch_epoch(x, method, a.hidden, gen) for _ in range(a.epochs))
            results[method] = (ours, peer)
            print(f"{method:4s} epoch: logz {ours:.3f} s, torch {peer:.3f} s, ratio {peer / ours:.2f}",
                  flush=True)
        model = os.path.join(tmp, "pcd", "model.safetensors")
        est = json.loads(subprocess.run(
            [a.logz, "estimate", model, "--method", "ais", "--chains", str(a.chains), "--betas",
             str(a.betas), "--adapt", "off", "--json", "--progress", "never"],
            check=True, capture_output=True, text=True, env=logz_env()).stdout)
        with open(model, "rb") as f:
            raw = f.read()
        n = int.from_bytes(raw[:8], "little")
        header = json.loads(raw[8:8 + n])
        header.pop("__metadata__", None)
        t = {k: torch.from_numpy(np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n +
                                                   v["data_offsets"][1]], "<f4")
                                 .reshape(v["shape"]).copy()) for k, v in header.items()}
        gen = torch.Generator().manual_seed(0)
        peer_log_z, peer_s = torch_ais(t["W"], t["b"], t["c"], t["log_sigma"], a.chains, a.betas, gen)
        results["ais"] = (est["seconds"], peer_s)
        print(f"AIS ({a.chains} chains x {a.betas} steps): logz log Z {est['log_z']:.2f} +/- "
              f"{est['std_error']:.2f} in {est['seconds']:.2f} s, torch {peer_log_z:.2f} in "
              f"{peer_s:.2f} s, ratio {peer_s / est['seconds']:.2f}", flush=True)
    print("RESULT " + json.dumps({k: {"logz_s": v[0], "torch_s": v[1], "ratio": v[1] / v[0]}
                                  for k, v in results.items()}))


if __name__ == "__main__":
    main()
