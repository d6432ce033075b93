#!/usr/bin/python3
"""Benchmark: AIS on one Bernoulli RBM, logz against the project's PyTorch
peer (bench/peers/torch_rbm.py, its ais_log_z), same model, same linear
schedule (logz with --adapt off, so that it runs that schedule once and no
more), same number of chains, same base-rate model, on the same cores in the
same run. Prints both estimates, the seconds and the ratio peer / logz.

Usage (from the project root):
  /usr/bin/python3 bench/ais_vs_torch.py MODEL.safetensors \
      [--chains 100] [--betas 14500] [--logz build/logz] [--peer bench/peers/torch_rbm.py]
The model is read with numpy from its safetensors file; the base rates come
from the bundled MNIST-10k training split (binarized at 0.5), as logz's
`--base data` does for a model trained on mnist10k. The peer runs with
OMP_WAIT_POLICY=PASSIVE (set here when unset), logz without it.
"""
import os

# The peer's fair setting, set before numpy or torch load libgomp (logz runs without it).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import gzip  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4")
            .reshape(v["shape"]) for k, v in header.items()}


def mnist_train_split():
    with gzip.open(os.path.join(ROOT, "data", "mnist10k", "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(10000, 784)
    return (x[:9000] > 127).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--chains", type=int, default=100)
    ap.add_argument("--betas", type=int, default=14500)
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--peer", default=os.path.join(ROOT, "bench", "peers", "torch_rbm.py"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    spec = importlib.util.spec_from_file_location("torch_rbm", a.peer)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    torch = peer.torch
    torch.set_num_threads(a.threads)

    t = read_safetensors(a.model)
    W, b, c = (torch.from_numpy(t[k].copy()) for k in ("W", "b", "c"))
    x = mnist_train_split()
    n = x.shape[0]
    pbar = x.mean(0).astype(np.float64)
    base_b = torch.from_numpy(np.log((pbar * n + 1) / ((1 - pbar) * n + 1))).float()
    env = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_CORETYPE", "OMP_WAIT_POLICY")}
    print(f"model {a.model}: {W.shape[0]} x {W.shape[1]}; {a.chains} chains x {a.betas} linear "
          f"steps; env {env}", flush=True)

    # OMP_WAIT_POLICY=PASSIVE is the peer's fair setting (torch's and OpenBLAS's
    # thread pools fight without it); logz has one pool and runs with its default.
    logz_env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = json.loads(subprocess.run(
        [a.logz, "estimate", a.model, "--method", "ais", "--chains", str(a.chains), "--betas",
         str(a.betas), "--adapt", "off", "--base", "data", "--data", "mnist10k", "--json",
         "--progress", "never"],
        check=True, capture_output=True, text=True, env=logz_env).stdout)
    print(f"logz : log Z = {out['log_z']:.3f} +/- {out['std_error']:.3f}  {out['seconds']:.2f} s",
          flush=True)
    steps = out.get("diagnostics", {}).get("steps")
    if steps is not None and int(steps) != a.betas:
        print(f"WARNING: logz ran {int(steps)} steps, not {a.betas}", flush=True)

    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    z, std_error, lo, hi = peer.ais_log_z(W, b, c, base_b, a.chains, a.betas, gen)
    peer_s = time.perf_counter() - t0
    print(f"torch: log Z = {z:.3f} +/- {std_error:.3f} [{lo:.3f}, {hi:.3f}]  {peer_s:.2f} s", flush=True)
    ratio = peer_s / out["seconds"]
    print(f"ratio peer / logz = {ratio:.2f}")
    print("RESULT " + json.dumps({"logz_s": out["seconds"], "torch_s": peer_s, "ratio": ratio,
                                  "logz_log_z": out["log_z"], "torch_log_z": z,
                                  "logz_std_error": out["std_error"], "torch_std_error": std_error,
                                  "chains": a.chains, "betas": a.betas}))


if __name__ == "__main__":
    main()
