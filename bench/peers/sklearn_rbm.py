#!/usr/bin/python3
"""scikit-learn peer: sklearn.neural_network.BernoulliRBM on MNIST-10k (the
project's own peer; bench/README.md).

BernoulliRBM trains by PCD ("stochastic maximum likelihood") with batch_size
persistent hidden states and plain SGD (it has no momentum): per minibatch
three products for the positive phase and the Gibbs step, two for the
gradient, the same 5 as logz's PCD. Settings as logz's benchmark: 784 x 500,
batch 100, learning rate 0.05, all 10,000 images binarized at 0.5.

  /usr/bin/python3 bench/peers/sklearn_rbm.py [--epochs 5] [--dtypes float32,float64]

For each dtype it prints one line
  [float32] 5 epochs in 2.80 s -> 0.560 s/epoch (...)
(bench/compare.py reads the `-> X s/epoch`), then `RESULT {json}` with all of
them; --json FILE appends that JSON to FILE. One fit() of E epochs is timed
(fit has no per-epoch hook) after a one-epoch warm-up on 2,000 images, so the
figure is the mean epoch, not the median. numpy's matrix products go to the
system OpenBLAS: OPENBLAS_NUM_THREADS (default: every core) and
OPENBLAS_CORETYPE act as for any OpenBLAS program. Debian's OpenBLAS may be
its OpenMP build (the one scripts/setup.sh installs), whose idle threads spin
unless OMP_WAIT_POLICY=PASSIVE: this script sets that when it is unset,
before numpy loads, as the PyTorch peers do.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.neural_network import BernoulliRBM  # noqa: E402

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST10K = os.path.join(PROJECT, "data", "mnist10k", "images-idx3-ubyte.gz")


def read_idx_images(path):
    """An IDX3 file of uint8 images (gzipped or not) as an (n, rows * cols) array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = struct.unpack(">4I", raw[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: not an IDX3 uint8 file (magic {magic:#x})")
    return np.frombuffer(raw, dtype=np.uint8, count=count * rows * cols, offset=16).reshape(count, rows * cols)


def blas_pools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return [{k: pool.get(k) for k in ("internal_api", "num_threads", "architecture")}
            for pool in threadpool_info()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=MNIST10K, help="IDX3 images (default: the bundled MNIST-10k)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--dtypes", default="float32,float64", help="comma-separated: float32, float64")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="append the result line's JSON to this file")
    a = ap.parse_args()

    env = {k: os.environ.get(k, "(unset)") for k in
           ("OMP_WAIT_POLICY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}; "
          f"{env}; BLAS {blas_pools()}", flush=True)
    bits = read_idx_images(a.data) > 0.5 * 255
    n, n_visible = bits.shape
    batches = -(-n // a.batch)
    flops_per_epoch = 5 * 2.0 * a.batch * n_visible * a.hidden * batches
    print(f"data {n} x {n_visible}, binarized at 0.5, {bits.mean():.4f} of the pixels on; "
          f"{batches} minibatches of {a.batch} per epoch", flush=True)

    runs = []
    for dtype in a.dtypes.split(","):
        X = bits.astype(dtype)
        settings = dict(n_components=a.hidden, learning_rate=a.lr, batch_size=a.batch, random_state=a.seed)
        BernoulliRBM(n_iter=1, **settings).fit(X[:2000])  # warm-up: BLAS threads, first touches
        rbm = BernoulliRBM(n_iter=a.epochs, verbose=0, **settings)
        started = time.perf_counter()
        rbm.fit(X)
        seconds = time.perf_counter() - started
        if rbm.components_.dtype != np.dtype(dtype):
            raise SystemExit(f"BernoulliRBM trained in {rbm.components_.dtype}, not {dtype}")
        per_epoch = seconds / a.epochs
        started = time.perf_counter()
        pl = float(rbm.score_samples(X).mean())
        pl_seconds = time.perf_counter() - started
        runs.append(dict(dtype=dtype, epochs=a.epochs, seconds=seconds, s_per_epoch=per_epoch,
                         stochastic_pl=pl, stochastic_pl_s=pl_seconds))
        print(f"[{dtype}] {a.epochs} epochs in {seconds:.2f} s -> {per_epoch:.3f} s/epoch "
              f"({flops_per_epoch / per_epoch * 1e-9:.1f} GFLOP/s counting 5 products per minibatch); "
              f"score_samples (pseudo-likelihood from one random bit per image) {pl:.2f} "
              f"in {pl_seconds:.2f} s", flush=True)

    result = dict(peer="sklearn_rbm", sklearn=sklearn.__version__, numpy=np.__version__, env=env,
                  hidden=a.hidden, batch=a.batch, lr=a.lr, runs=runs)
    line = json.dumps(result)
    print("RESULT " + line)
    if a.json:
        with open(a.json, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
