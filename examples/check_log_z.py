#!/usr/bin/python3
"""Independent check of `logz estimate --method exact`: reads a Bernoulli RBM
from its safetensors file with nothing but numpy, and computes log Z by
enumerating every hidden state in float64,

    log Z = log sum_h exp( c.h + sum_i softplus(b_i + (W h)_i) ).

Usage: examples/check_log_z.py MODEL.safetensors [LOGZ_BINARY]
With a logz binary it also runs `logz estimate --json` and prints both and
their relative difference. 784 x 25 (33.5 M states) takes a few minutes.
"""
import json
import math
import struct
import subprocess
import sys
import time

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).astype(np.float64)
    return tensors, meta


def log_z_by_hidden_enumeration(W, b, c, chunk_bits=14):
    H = W.shape[1]
    low = min(H, chunk_bits)
    low_states = ((np.arange(2 ** low)[:, None] >> np.arange(low)) & 1).astype(np.float64)
    low_act = low_states @ W[:, :low].T            # [2^low, V]
    low_bias = low_states @ c[:low]
    parts = []
    for high in range(2 ** (H - low)):
        hb = np.array([(high >> j) & 1 for j in range(H - low)], dtype=np.float64)
        base = b + W[:, low:] @ hb
        terms = low_bias + c[low:] @ hb + np.logaddexp(0.0, low_act + base).sum(axis=1)
        m = terms.max()
        parts.append(m + math.log(np.exp(terms - m).sum()))
    parts = np.array(parts)
    m = parts.max()
    return m + math.log(np.exp(parts - m).sum())


def main():
    path = sys.argv[1]
    tensors, meta = read_safetensors(path)
    assert meta.get("model") == "bernoulli_rbm", meta
    t0 = time.time()
    ours = log_z_by_hidden_enumeration(tensors["W"], tensors["b"], tensors["c"])
    print(f"numpy float64 enumeration: log Z = {ours:.6f} ({time.time() - t0:.1f} s)")
    if len(sys.argv) > 2:
        out = json.loads(subprocess.run([sys.argv[2], "estimate", path, "--method", "exact", "--json"],
                                        check=True, capture_output=True, text=True).stdout)
        rel = abs(out["log_z"] - ours) / abs(ours)
        print(f"logz estimate:             log Z = {out['log_z']:.6f} ({out['seconds']:.2f} s)")
        print(f"relative difference {rel:.2e}")
        sys.exit(0 if rel < 1e-4 else 1)


if __name__ == "__main__":
    main()
