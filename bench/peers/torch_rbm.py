#!/usr/bin/python3
"""PyTorch peer: logz's Bernoulli-RBM work written the way a PyTorch user writes
it, on the CPU in float32 (the project's own peer; bench/README.md).

  cd1, pcd  train a 784 x 500 RBM on MNIST-10k (all 10,000 images, binarized at
            0.5): minibatches of 100, SGD with momentum (torch.optim.SGD, lr 0.05,
            momentum 0.5), one Gibbs step per update. CD-1 starts the negative
            phase from the data; PCD keeps 100 persistent hidden states (as
            scikit-learn does). Both do 5 matrix products per minibatch.
            Timed per epoch; the median of epochs 2..E is reported.
  exact     log Z by enumerating the 2^H hidden states of a small RBM
            (784 x 20, trained here for 3 CD-1 epochs, or --model), checked on a
            tiny RBM against the sum over visible states.
  ais       annealed importance sampling from the data's base-rate model
            (W = 0, c = 0, smoothed visible base rates) with linear betas, on the
            CD-1 model trained here (or --model); float32 Gibbs steps and
            terms, the log-weights summed and accumulated in float64.
  pl        exact pseudo-log-likelihood, all 784 bits of each image (one flip per
            bit, from the cached activation), timed on the first --pl-exact-n
            images; the mean over them.

  /usr/bin/python3 bench/peers/torch_rbm.py --what cd1,pcd,exact,ais,pl --epochs 5
  /usr/bin/python3 bench/peers/torch_rbm.py --what exact,ais,pl --model run/model.safetensors

The last line printed is `RESULT {json}`; --json FILE also appends it to FILE.
Threads: torch.set_num_threads(--threads, default 2). OMP_WAIT_POLICY defaults to
PASSIVE here (set before torch loads): on 2 cores torch's OpenMP threads and
OpenBLAS's would otherwise spin against each other.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST10K = os.path.join(PROJECT, "data", "mnist10k", "images-idx3-ubyte.gz")


# ------------------------------------------------------------------ data, files
def read_idx_images(path):
    """An IDX3 file of uint8 images (gzipped or not) as an (n, rows * cols) array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = struct.unpack(">4I", raw[:16])
    if magic != 0x00000803:
        raise ValueError(f"{path}: not an IDX3 uint8 file (magic {magic:#x})")
    return np.frombuffer(raw, dtype=np.uint8, count=count * rows * cols, offset=16).reshape(count, rows * cols)


def binarized(pixels, threshold=0.5):
    """Pixels above threshold * 255 become 1.0, the rest 0.0 (logz's --binarize threshold)."""
    return torch.from_numpy((pixels > threshold * 255).astype(np.float32))


def base_rate_bias(X):
    """Visible biases of the independent model that matches the data's marginals,
    smoothed by one pseudo-count on each side: log((n p + 1) / (n (1 - p) + 1))."""
    n = X.shape[0]
    ones = X.double().sum(0)
    return torch.log((ones + 1.0) / (n - ones + 1.0)).float()


def load_safetensors_rbm(path):
    """W (V x H), b (V), c (H) of a Bernoulli RBM saved by logz (safetensors, F32)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        payload = f.read()
    tensors = {}
    for name in ("W", "b", "c"):
        entry = header[name]
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        array = np.frombuffer(payload[start:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors["W"], tensors["b"], tensors["c"]


# ------------------------------------------------------------------ the model
def bernoulli_draw(p, gen):
    """0/1 floats with P(1) = p: a uniform draw compared with p in place
    (the same distribution as torch.bernoulli, and several times faster on the CPU)."""
    return torch.rand(p.shape, generator=gen, dtype=p.dtype).lt_(p)


class BernoulliRBM:
    """E(v, h) = -b.v - c.h - v.W.h over binary v (V) and h (H); float32 tensors."""

    def __init__(self, W, b, c):
        self.W, self.b, self.c = W, b, c

    @classmethod
    def initial(cls, n_visible, n_hidden, visible_bias, gen, init_std=0.01):
        W = init_std * torch.randn(n_visible, n_hidden, generator=gen)
        return cls(W, visible_bias.clone(), torch.zeros(n_hidden))

    def hidden_probabilities(self, v):
        return torch.addmm(self.c, v, self.W).sigmoid_()

    def visible_probabilities(self, h):
        return torch.addmm(self.b, h, self.W.t()).sigmoid_()

    def free_energy(self, v):
        return -(v @ self.b) - F.softplus(torch.addmm(self.c, v, self.W)).sum(1)


def train(rbm, X, method, epochs, batch, lr, momentum, chains, gen, log=None):
    """CD-1 or PCD with torch.optim.SGD; returns the seconds of each epoch.

    Per minibatch: p(h | v_data) [product 1], the negative phase v ~ p(v | h)
    [product 2] and p(h | v) [product 3], and the weight gradient
    <v h>_model - <v h>_data [products 4 and 5, one addmm]."""
    params = [rbm.W, rbm.b, rbm.c]
    for p in params:
        p.grad = torch.zeros_like(p)
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
    n = X.shape[0]
    persistent = None
    if method == "pcd":
        persistent = bernoulli_draw(rbm.hidden_probabilities(X[:chains]), gen)
    seconds = []
    for epoch in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        for first in range(0, n, batch):
            v_data = X[order[first:first + batch]]
            ph_data = rbm.hidden_probabilities(v_data)
            h = persistent if method == "pcd" else bernoulli_draw(ph_data, gen)
            v_model = bernoulli_draw(rbm.visible_probabilities(h), gen)
            ph_model = rbm.hidden_probabilities(v_model)
            if method == "pcd":
                persistent = bernoulli_draw(ph_model, gen)
            n_data, n_model = v_data.shape[0], v_model.shape[0]
            # gradient of the negative log-likelihood, for SGD to descend
            torch.mm(v_model.t(), ph_model, out=rbm.W.grad)
            rbm.W.grad.addmm_(v_data.t(), ph_data, beta=1.0 / n_model, alpha=-1.0 / n_data)
            torch.sub(v_model.mean(0), v_data.mean(0), out=rbm.b.grad)
            torch.sub(ph_model.mean(0), ph_data.mean(0), out=rbm.c.grad)
            opt.step()
        seconds.append(time.perf_counter() - started)
        if log:
            log(f"  {method} epoch {epoch + 1}: {seconds[-1]:.3f} s")
    for p in params:
        p.grad = None
    return seconds


def reconstruction_error(rbm, X):
    """Mean squared error per image of v against p(v | E[h | v])."""
    with torch.no_grad():
        return float(((X - rbm.visible_probabilities(rbm.hidden_probabilities(X))) ** 2).sum(1).mean())


# ------------------------------------------------------------------ log Z
def all_binary_rows(k, dtype=torch.float64):
    """The 2^k binary vectors of length k as rows, bit j of row r = (r >> j) & 1."""
    r = torch.arange(1 << k, dtype=torch.int64)
    return ((r[:, None] >> torch.arange(k, dtype=torch.int64)) & 1).to(dtype)


def exact_log_z(W, b, c, low_bits=10):
    """log Z = log sum_h exp(c.h) prod_i (1 + exp(b_i + (W h)_i)).

    The hidden bits are split in two: a table of b + W_low h_low for every
    setting of the low bits is built once, and each setting of the high bits
    shifts it by W_high h_high. The activations and their softplus are float32
    (PyTorch's default); each row's sum over the visible units, the biases and
    the logsumexp are float64, which keeps log Z within about 1e-7 of an
    all-float64 sum at half its time."""
    W64, b64, c64 = W.double(), b.double(), c.double()
    n_hidden = W.shape[1]
    m = min(n_hidden, low_bits)
    low = all_binary_rows(m)
    table = torch.addmm(b64, low, W64[:, :m].t()).float()   # 2^m x V
    low_bias = low @ c64[:m]                                # 2^m
    W_high, c_high = W64[:, m:], c64[m:]
    high_bits = torch.arange(n_hidden - m, dtype=torch.int64)
    work = torch.empty_like(table)
    row_sums = torch.empty(table.shape[0], dtype=torch.float64)
    per_high = torch.empty(1 << (n_hidden - m), dtype=torch.float64)
    for k in range(per_high.shape[0]):
        h_high = ((k >> high_bits) & 1).double()
        torch.add(table, (W_high @ h_high).float(), out=work)
        torch.sum(F.softplus(work), 1, dtype=torch.float64, out=row_sums)
        per_high[k] = torch.logsumexp(row_sums.add_(low_bias), 0) + c_high @ h_high
    return float(torch.logsumexp(per_high, 0))


def brute_force_log_z(W, b, c):
    """log Z by summing over all 2^V visible states (tiny V only): a check of exact_log_z."""
    W, b, c = W.double(), b.double(), c.double()
    v = all_binary_rows(W.shape[0])
    return float(torch.logsumexp(v @ b + F.softplus(torch.addmm(c, v, W)).sum(1), 0))


def ais_log_z(W, b, c, base_b, chains, steps, gen):
    """AIS from the base-rate model p_0(v) ~ exp(base_b.v) (W = 0, c = 0) to the RBM
    along p_beta(v) ~ exp((1 - beta) base_b.v + beta b.v) prod_j (1 + exp(beta (c + v W)_j)),
    beta = 0, 1/steps, ..., 1. Returns (log Z, its standard error, lower, upper):
    the error from the spread of the importance weights (delta method), the
    interval log(mean w -/+ 3 standard errors)."""
    n_visible, n_hidden = W.shape
    betas = [k / steps for k in range(steps + 1)]
    log_z0 = float(F.softplus(base_b.double()).sum()) + n_hidden * math.log(2.0)
    visible_shift = b - base_b
    v = bernoulli_draw(torch.sigmoid(base_b).expand(chains, n_visible).contiguous(), gen)
    log_w = torch.zeros(chains, dtype=torch.float64)
    for k in range(1, steps + 1):
        beta, previous = betas[k], betas[k - 1]
        activation = torch.addmm(c, v, W)                        # c + v W, chains x H
        # log f_beta(v) - log f_previous(v) at the state that T_previous left;
        # float32 terms, summed and accumulated in float64
        log_w += (beta - previous) * (v @ visible_shift).double()
        log_w += (F.softplus(beta * activation) - F.softplus(previous * activation)).sum(1, dtype=torch.float64)
        if k < steps:  # a Gibbs sweep that leaves p_beta invariant
            h = bernoulli_draw(activation.mul_(beta).sigmoid_(), gen)
            mixed = torch.lerp(base_b, b, beta)                 # (1 - beta) base_b + beta b
            v = bernoulli_draw(torch.addmm(mixed, h, W.t(), alpha=beta).sigmoid_(), gen)
    top = float(log_w.max())
    w = torch.exp(log_w - top)
    mean, sem = float(w.mean()), float(w.std()) / math.sqrt(chains)
    log_z = log_z0 + top + math.log(mean)
    lower = log_z0 + top + math.log(mean - 3 * sem) if mean > 3 * sem else float("-inf")
    upper = log_z0 + top + math.log(mean + 3 * sem)
    return log_z, sem / mean, lower, upper


# ------------------------------------------------------------------ pseudolikelihood
def exact_pseudo_log_likelihood(rbm, X, chunk=8):
    """sum_i log p(v_i | v_-i) for each row of X, every bit flipped once.

    Flipping bit i moves the hidden activation a = c + v W by s_i W_i (s_i = 1 - 2 v_i),
    so log f(v~) - log f(v) = s_i b_i + sum_j [softplus(a_j + s_i W_ij) - softplus(a_j)]
    and log p(v_i | v_-i) = -softplus(log f(v~) - log f(v))."""
    W, b = rbm.W, rbm.b
    n_visible, n_hidden = W.shape
    out = torch.empty(X.shape[0])
    flipped = torch.empty(chunk, n_visible, n_hidden)
    for first in range(0, X.shape[0], chunk):
        v = X[first:first + chunk]
        m = v.shape[0]
        a = torch.addmm(rbm.c, v, W)                           # m x H
        sign = 1.0 - 2.0 * v                                   # m x V
        torch.addcmul(a[:, None, :], sign[:, :, None], W[None], out=flipped[:m])
        delta = F.softplus(flipped[:m]).sum(2)                 # m x V
        delta.sub_(F.softplus(a).sum(1, keepdim=True)).addcmul_(sign, b)
        out[first:first + m] = -F.softplus(delta).sum(1)
    return out


# ------------------------------------------------------------------ the run
def median_after_first(seconds):
    return statistics.median(seconds[1:] or seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--what", default="cd1,pcd,exact,ais,pl", help="comma-separated: cd1, pcd, exact, ais, pl")
    ap.add_argument("--data", default=MNIST10K, help="IDX3 images (default: the bundled MNIST-10k)")
    ap.add_argument("--model", help="logz model file (.safetensors): exact, ais and pl use it")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=500)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--chains", type=int, default=0, help="PCD persistent chains (0: the batch size)")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.5)
    ap.add_argument("--small-hidden", type=int, default=20, help="hidden units of the model of exact")
    ap.add_argument("--small-epochs", type=int, default=3, help="its CD-1 epochs")
    ap.add_argument("--ais-chains", type=int, default=100)
    ap.add_argument("--ais-betas", type=int, default=10000, help="annealing steps (linear)")
    ap.add_argument("--pl-exact-n", type=int, default=1000, help="images the exact PL is timed on")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="append the result line's JSON to this file")
    a = ap.parse_args()
    what = set(a.what.split(","))
    unknown = what - {"cd1", "pcd", "exact", "ais", "pl"}
    if unknown:
        ap.error(f"--what: unknown {sorted(unknown)}")

    torch.set_num_threads(a.threads)
    log = lambda s: print(s, flush=True)  # noqa: E731
    env = {k: os.environ.get(k, "(unset)") for k in
           ("OMP_WAIT_POLICY", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    log(f"python {platform.python_version()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads; {env}")
    gen = torch.Generator().manual_seed(a.seed)
    X = binarized(read_idx_images(a.data))
    n, n_visible = X.shape
    base_b = base_rate_bias(X)
    chains = a.chains or a.batch
    batches = math.ceil(n / a.batch)
    flops_per_epoch = 5 * 2.0 * a.batch * n_visible * a.hidden * batches
    log(f"data {n} x {n_visible}, binarized at 0.5; {batches} minibatches of {a.batch} per epoch")
    result = {"peer": "torch_rbm", "torch": torch.__version__, "threads": torch.get_num_threads(), "env": env}

    given = BernoulliRBM(*load_safetensors_rbm(a.model)) if a.model else None
    trained = None
    for method in ("cd1", "pcd"):
        if method not in what:
            continue
        rbm = BernoulliRBM.initial(n_visible, a.hidden, base_b, gen)
        seconds = train(rbm, X, "pcd" if method == "pcd" else "cd", a.epochs, a.batch, a.lr,
                        a.momentum, chains, gen, log)
        median = median_after_first(seconds)
        log(f"{method}: median {median:.3f} s/epoch (epochs 2..{a.epochs}), min {min(seconds):.3f}; "
            f"{flops_per_epoch / median * 1e-9:.1f} GFLOP/s counting 5 products per minibatch; "
            f"reconstruction error {reconstruction_error(rbm, X):.2f} per image")
        result[f"{method}_s_per_epoch"] = seconds
        result[f"{method}_s_per_epoch_median"] = median
        result[f"{method}_s_per_epoch_min"] = min(seconds)
        if method == "cd1":
            trained = rbm

    if "exact" in what:
        g = torch.Generator().manual_seed(1)
        tiny = [torch.randn(12, 9, generator=g), torch.randn(12, generator=g), torch.randn(9, generator=g)]
        by_hidden, by_visible = exact_log_z(*tiny, low_bits=4), brute_force_log_z(*tiny)
        log(f"check, tiny 12 x 9 RBM: log Z over hidden states {by_hidden:.9f}, over visible states "
            f"{by_visible:.9f}")
        if abs(by_hidden - by_visible) > 1e-6 * max(1.0, abs(by_visible)):
            raise SystemExit("exact_log_z disagrees with the brute-force sum")
        if given is not None:
            small, origin = given, a.model
        else:
            small = BernoulliRBM.initial(n_visible, a.small_hidden, base_b, gen)
            train(small, X, "cd", a.small_epochs, a.batch, a.lr, a.momentum, chains, gen)
            origin = f"trained here, {a.small_epochs} CD-1 epochs"
        hidden = small.W.shape[1]
        if hidden > 30:
            raise SystemExit(f"exact: {hidden} hidden units, 2^{hidden} states is too many")
        started = time.perf_counter()
        log_z = exact_log_z(small.W, small.b, small.c)
        seconds = time.perf_counter() - started
        log(f"exact log Z, {small.W.shape[0]} x {hidden} ({origin}): {log_z:.6f} in {seconds:.2f} s "
            f"(2^{hidden} hidden states)")
        result.update(exact_log_z=log_z, exact_s=seconds, small_hidden=hidden)

    if "ais" in what:
        rbm = given or trained
        if rbm is None:
            rbm = BernoulliRBM.initial(n_visible, a.hidden, base_b, gen)
            train(rbm, X, "cd", 1, a.batch, a.lr, a.momentum, chains, gen)
        started = time.perf_counter()
        log_z, std_error, lower, upper = ais_log_z(rbm.W, rbm.b, rbm.c, base_b, a.ais_chains, a.ais_betas, gen)
        seconds = time.perf_counter() - started
        log(f"AIS, {rbm.W.shape[0]} x {rbm.W.shape[1]}, {a.ais_chains} chains x {a.ais_betas} linear steps: "
            f"log Z {log_z:.3f} +/- {std_error:.3f} [{lower:.3f}, {upper:.3f}] in {seconds:.2f} s; "
            f"mean log p(v) of the data {float(-rbm.free_energy(X).mean()) - log_z:.3f}")
        result.update(ais_log_z=log_z, ais_std_error=std_error, ais_upper=upper,
                      ais_lower=lower if math.isfinite(lower) else None,
                      ais_s=seconds, ais_chains=a.ais_chains, ais_betas=a.ais_betas)

    if "pl" in what:
        rbm = given or trained
        if rbm is None:
            rbm = BernoulliRBM.initial(n_visible, a.hidden, base_b, gen)
            train(rbm, X, "cd", 1, a.batch, a.lr, a.momentum, chains, gen)
        count = min(a.pl_exact_n, n)
        exact_pseudo_log_likelihood(rbm, X[:16])  # warm-up: threads, buffers
        started = time.perf_counter()
        pl = exact_pseudo_log_likelihood(rbm, X[:count])
        seconds = time.perf_counter() - started
        log(f"exact pseudo-log-likelihood, all {n_visible} bits of {count} images: mean {float(pl.mean()):.3f} "
            f"in {seconds:.2f} s (-> {seconds * n / count:.1f} s for all {n})")
        result.update(pl_exact=float(pl.mean()), pl_exact_n=count, pl_exact_s=seconds)

    line = json.dumps(result)
    log("RESULT " + line)
    if a.json:
        with open(a.json, "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    main()
