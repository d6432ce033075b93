#!/usr/bin/python3
"""PyTorch peer: a Potts model of categorical sequences fitted by pseudolikelihood
on the CPU in float32, as plmc / EVcouplings define the fit (the project's own
peer; bench/README.md, bench/potts_pl.py).

Model: p(x) ~ exp(sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j)) over L sites of q
states. Objective, minimized by torch.optim.LBFGS with its strong-Wolfe line
search (history 10):
    sum_n -log PL(x_n) + lambda_h |h|^2 + lambda_J sum_{i<j} |J_ij|^2,
    log PL(x) = sum_i log p(x_i | x_-i),
lambda_h 0.01 and lambda_J 0.01 (q - 1)(L - 1) as EVcouplings sets them for plmc.
The couplings are one parameter per pair i < j (the upper blocks of an
Lq x Lq matrix, mirrored into the lower ones), as logz and plmc count them.
The conditional logits of every site are one product of the sequences' one-hot
codes (N x Lq) with that symmetric matrix; --product auto times one objective
and gradient with the one-hot as a dense matrix and as a sparse COO matrix
(torch.sparse.mm) before the fit and keeps the faster.

  /usr/bin/python3 bench/peers/torch_potts.py --data codes.csv --states 21 --out J.npy
  /usr/bin/python3 bench/peers/torch_potts.py --synthetic 100,21,5000 --iters 35 --threads 2

--data: a CSV of integer codes 0..q-1, one sequence a row. --synthetic L,q,N:
N random sequences from numpy's default_rng(0), as bench/potts_pl.py writes.
--out J.npy saves the couplings as an L x L x q x q array (J[i, j, a, b], both
triangles, zero diagonal blocks) and the fields as J_h.npy (L x q).
The last line printed is `RESULT {json}`: iterations, evaluations, the
objective at the start and at the end (float32), seconds of the L-BFGS run.
OMP_WAIT_POLICY defaults to PASSIVE here (set before torch loads).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class PottsPseudolikelihood:
    """The penalized negative log-pseudolikelihood of integer codes X (N x L)."""

    def __init__(self, X, q, lambda_h, lambda_j, product="dense"):
        codes = torch.as_tensor(X, dtype=torch.int64)
        self.n, self.L = codes.shape
        self.q = q
        self.lambda_h, self.lambda_j = lambda_h, lambda_j
        self.codes = codes
        onehot = F.one_hot(codes, q).reshape(self.n, self.L * q).float()
        self.onehot = onehot.to_sparse().coalesce() if product == "sparse" else onehot
        self.product = product
        site = torch.arange(self.L).repeat_interleave(q)
        self.upper = (site[:, None] < site[None, :]).float()   # blocks (i, j) with i < j
        self.h = torch.zeros(self.L, q, requires_grad=True)
        self.C = torch.zeros(self.L * q, self.L * q, requires_grad=True)  # upper blocks used

    def parameters(self):
        return [self.h, self.C]

    def couplings(self):
        """The symmetric Lq x Lq coupling matrix: row (j, b), column (i, a) holds J_ij(a, b)."""
        pairs = self.C * self.upper
        return pairs + pairs.t()

    def __call__(self):
        pairs = self.C * self.upper
        J = pairs + pairs.t()
        if self.product == "sparse":
            logits = torch.sparse.mm(self.onehot, J)
        else:
            logits = self.onehot @ J
        logits = logits.view(self.n, self.L, self.q) + self.h
        log_conditional = torch.log_softmax(logits, dim=2).gather(2, self.codes[:, :, None])
        return (-log_conditional.sum() + self.lambda_h * self.h.square().sum()
                + self.lambda_j * pairs.square().sum())

    def fields_and_couplings(self):
        """h (L x q) and J (L x L x q x q) as numpy arrays."""
        with torch.no_grad():
            J = self.couplings().view(self.L, self.q, self.L, self.q).permute(0, 2, 1, 3)
            return self.h.detach().numpy().copy(), J.contiguous().numpy()


def seconds_per_evaluation(objective):
    """One objective and gradient, timed (after a first, untimed one)."""
    for p in objective.parameters():
        p.grad = None
    objective().backward()
    started = time.perf_counter()
    objective().backward()
    seconds = time.perf_counter() - started
    for p in objective.parameters():
        p.grad = None
    return seconds


def fit(X, q, lambda_h, lambda_j, iterations, product="auto", history=10, log=print):
    if product == "auto":
        timed = {p: seconds_per_evaluation(PottsPseudolikelihood(X, q, lambda_h, lambda_j, p))
                 for p in ("dense", "sparse")}
        product = min(timed, key=timed.get)
        log(f"one objective and gradient: dense one-hot {timed['dense']:.3f} s, sparse "
            f"{timed['sparse']:.3f} s; using {product}")
    objective = PottsPseudolikelihood(X, q, lambda_h, lambda_j, product)
    opt = torch.optim.LBFGS(objective.parameters(), lr=1, max_iter=iterations, history_size=history,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    started = time.perf_counter()
    start_loss = float(opt.step(closure))   # LBFGS.step returns the loss at the start point
    seconds = time.perf_counter() - started
    with torch.no_grad():
        final_loss = float(objective())
    state = opt.state[opt.param_groups[0]["params"][0]]
    return objective, dict(iterations=int(state.get("n_iter", 0)), evaluations=int(state.get("func_evals", 0)),
                           start_objective=start_loss, objective=final_loss, seconds=seconds, product=product)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="CSV of integer codes 0..q-1, a sequence per row")
    source.add_argument("--synthetic", help="L,q,N: N random sequences of L sites, q states")
    ap.add_argument("--states", type=int, default=21, help="q for --data")
    ap.add_argument("--iters", type=int, default=100, help="most L-BFGS iterations")
    ap.add_argument("--lambda-h", type=float, default=0.01)
    ap.add_argument("--lambda-j", type=float, help="default 0.01 (q - 1)(L - 1)")
    ap.add_argument("--product", default="auto", choices=["auto", "dense", "sparse"],
                    help="one-hot codes times couplings as a dense or sparse product (auto: the faster)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: every core)")
    ap.add_argument("--out", help="save J (L x L x q x q) here and h beside it as *_h.npy")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    if a.synthetic:
        L, q, n = map(int, a.synthetic.split(","))
        X = np.random.default_rng(0).integers(0, q, (n, L))
    else:
        X = np.loadtxt(a.data, delimiter=",", dtype=np.int64, ndmin=2)
        q = a.states
        if X.min() < 0 or X.max() >= q:
            raise SystemExit(f"{a.data}: codes outside 0..{q - 1}")
    n, L = X.shape
    lambda_j = a.lambda_j if a.lambda_j is not None else 0.01 * (q - 1) * (L - 1)
    print(f"Potts pseudolikelihood: N {n}, L {L}, q {q}, lambda_h {a.lambda_h}, lambda_J {lambda_j:g}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}", flush=True)
    objective, result = fit(X, q, a.lambda_h, lambda_j, a.iters, a.product,
                            log=lambda s: print(s, flush=True))
    print(f"L-BFGS: {result['iterations']} iterations, {result['evaluations']} evaluations, objective "
          f"{result['start_objective']:.2f} -> {result['objective']:.2f} in {result['seconds']:.2f} s", flush=True)
    if a.out:
        h, J = objective.fields_and_couplings()
        np.save(a.out, J)
        np.save(a.out[:-4] + "_h.npy" if a.out.endswith(".npy") else a.out + "_h.npy", h)
    result.update(peer="torch_potts", L=L, q=q, n=n, lambda_h=a.lambda_h, lambda_j=lambda_j,
                  threads=torch.get_num_threads())
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
