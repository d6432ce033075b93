#!/usr/bin/python3
"""One run, same machine, same data and settings: logz against the project's
own PyTorch and scikit-learn peers in bench/peers/, with the machine's limits
(bench/peers/sgemm_peak.cpp) measured beside them. Prints one Markdown table
of seconds and ratios (peer / logz). See bench/README.md.

  bash bench/compare.sh            # both BLAS settings (OPENBLAS_CORETYPE as set, then unset)
  /usr/bin/python3 bench/compare.py [--epochs 5] [--ais-betas 14500] [--setting as-set|unset]

What is timed (784 x 500 RBM, batch 100, all 10,000 MNIST-10k images binarized
at 0.5, SGD lr 0.05 momentum 0.5):
  CD-1 and PCD epochs   median of epochs 2..E of each program's own training
                        (scikit-learn: the mean epoch of one fit of E epochs)
  AIS                   100 chains x 14,500 linear steps on logz's CD-1 model,
                        the same model and base rates for both, logz with
                        --adapt off (bench/ais_vs_torch.py)
  exact log Z 784 x 20  each program's own small model (cost does not depend on weights)
  exact PL              all 784 bits of 10,000 images under the 784 x 500 model
                        (the peer's time is measured on 1,000 and scaled, as it prints)
The peers run with OMP_WAIT_POLICY=PASSIVE (their fair setting: PyTorch's
OpenMP threads and an OpenMP OpenBLAS's spin otherwise); logz with its defaults. Peak memory (max RSS) of logz's PCD training and AIS run.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "bench", "peers")
PY = "/usr/bin/python3"


def sh(cmd, env=None, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, **kw).stdout


def peak_rss_mb(cmd, env):
    """Runs cmd in a fresh wrapper process; returns the max RSS of cmd alone in MB
    (RUSAGE_CHILDREN of this script would be the largest child so far)."""
    wrapper = ("import resource, subprocess, sys\n"
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    kb = float(sh([PY, "-c", wrapper, *cmd], env).strip().splitlines()[-1])
    return kb / 1024.0


def median_epoch(run_dir):
    import csv
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        seconds = [float(r["epoch_seconds"]) for r in csv.DictReader(f)]
    return statistics.median(seconds[1:] or seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--ais-betas", type=int, default=14500)
    ap.add_argument("--setting", default="as-set", choices=["as-set", "unset"])
    a = ap.parse_args()

    env = dict(os.environ)
    if a.setting == "unset":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    logz_env = {k: v for k, v in env.items() if k != "OMP_WAIT_POLICY"}
    peer_env = dict(env, OMP_WAIT_POLICY="PASSIVE")
    blas = env.get("OPENBLAS_CORETYPE", "(unset)")
    cpu = re.search(r"Model name:\s*(.*)", sh(["lscpu"])).group(1).strip()
    print(f"machine: {cpu}, {os.cpu_count()} cores; OPENBLAS_CORETYPE={blas}", flush=True)

    tmp = tempfile.mkdtemp(prefix="logz-bench-")
    # The machine's limits: OpenBLAS sgemm on the CD-1 shapes and the FMA peak.
    peak_bin = os.path.join(tmp, "sgemm_peak")
    sh(["g++", "-O2", "-std=c++17", os.path.join(PEERS, "sgemm_peak.cpp"), "-o", peak_bin,
        "-lopenblas", "-pthread"])
    peak = json.loads(re.search(r"^RESULT (.*)$", sh([peak_bin, "2"], env), re.M).group(1))["threads"]["2"]
    sgemm_cd = peak["cd1_batch_gflops"]
    fma512, fma2 = peak["fma_avx512_gflops"], peak["fma_avx2_gflops"]

    rows = {}
    train = ["--data", "mnist10k", "--test-count", "0", "--hidden", "500", "--batch", "100",
             "--lr", "0.05", "--momentum", "0.5", "--epochs", str(a.epochs), "--seed", "1",
             "--progress", "never"]
    for method in ("cd", "pcd"):
        out_dir = os.path.join(tmp, method)
        rss = peak_rss_mb([a.logz, "train", "--method", method, *train, "--out", out_dir], logz_env)
        rows[method] = {"logz": median_epoch(out_dir), "rss": rss}
    model500 = os.path.join(tmp, "cd", "model.safetensors")
    print("logz training done", flush=True)

    # The peers.
    peer = sh([PY, os.path.join(PEERS, "torch_rbm.py"), "--what", "cd1,pcd,exact,pl",
               "--epochs", str(a.epochs)], peer_env)
    torch = json.loads(re.search(r"^RESULT (.*)$", peer, re.M).group(1))
    print("PyTorch peer done", flush=True)
    sk = sh([PY, os.path.join(PEERS, "sklearn_rbm.py"), "--epochs", str(a.epochs),
             "--dtypes", "float32"], peer_env)
    sk_epoch = float(re.search(r"->\s*([\d.]+) s/epoch", sk).group(1))
    print("scikit-learn peer done", flush=True)
    rows["cd"]["torch"] = torch["cd1_s_per_epoch_median"]
    rows["pcd"]["torch"] = torch["pcd_s_per_epoch_median"]
    rows["pcd"]["sklearn"] = sk_epoch

    # AIS on the same model and schedule, both programs (bench/ais_vs_torch.py).
    ais = sh([PY, os.path.join(ROOT, "bench", "ais_vs_torch.py"), model500, "--chains", "100",
              "--betas", str(a.ais_betas), "--logz", a.logz], peer_env)
    ais_result = json.loads(re.search(r"^RESULT (.*)$", ais, re.M).group(1))
    ais_rss = peak_rss_mb([a.logz, "estimate", model500, "--method", "ais", "--chains", "100",
                              "--betas", "200", "--adapt", "off", "--data", "mnist10k",
                              "--progress", "never"], logz_env)
    rows["ais"] = {"logz": ais_result["logz_s"], "torch": ais_result["torch_s"], "rss": ais_rss}

    # Exact log Z: 784 x 20 (and 784 x 25 for logz alone).
    for hidden in (20, 25):
        out_dir = os.path.join(tmp, f"exact{hidden}")
        sh([a.logz, "train", "--data", "mnist10k", "--hidden", str(hidden), "--method", "cd",
            "--epochs", "3", "--out", out_dir, "--progress", "never"], logz_env)
        est = json.loads(sh([a.logz, "estimate", os.path.join(out_dir, "model.safetensors"),
                             "--json"], logz_env))
        rows[f"exact{hidden}"] = {"logz": est["seconds"]}
    rows["exact20"]["torch"] = torch["exact_s"]

    # Exact pseudolikelihood of the 10,000 images.
    pl = json.loads(sh([a.logz, "eval", model500, "--data", "mnist10k", "--split", "all",
                        "--metric", "pseudolikelihood", "--json"], logz_env))
    rows["pl"] = {"logz": pl["seconds"],
                  "torch": torch["pl_exact_s"] * 10000 / torch["pl_exact_n"]}

    names = {"cd": "CD-1 epoch (784 x 500)", "pcd": "PCD epoch (784 x 500)",
             "ais": f"AIS 100 chains x {a.ais_betas} steps (784 x 500)",
             "exact20": "exact log Z, 784 x 20", "exact25": "exact log Z, 784 x 25",
             "pl": "exact pseudolikelihood, 10,000 images (784 x 500)"}
    print()
    print(f"OPENBLAS_CORETYPE={blas}; {cpu}, {os.cpu_count()} cores")
    print()
    print("| task | logz (s) | PyTorch (s) | scikit-learn (s) | PyTorch / logz | scikit-learn / logz | logz peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|")
    for key in ("cd", "pcd", "ais", "exact20", "exact25", "pl"):
        r = rows[key]
        t, s = r.get("torch"), r.get("sklearn")
        cell = lambda x: f"{x:.3f}" if x is not None else "-"
        ratio = lambda x: f"{x / r['logz']:.2f}x" if x is not None else "-"
        rss = f"{r['rss']:.0f}" if "rss" in r else "-"
        print(f"| {names[key]} | {r['logz']:.3f} | {cell(t)} | {cell(s)} | {ratio(t)} | {ratio(s)} | {rss} |")
    flops = 5 * 2.0 * 100 * 784 * 500 * 100
    achieved = flops / rows["cd"]["logz"] * 1e-9
    print()
    baseline = peak_rss_mb([a.logz, "--version"], logz_env)
    fma = f"{fma512:.0f} (AVX-512) / " if fma512 else "(no AVX-512) "
    print(f"CD-1 epoch: {flops * 1e-9:.1f} GFLOP as 5 dense products per batch -> {achieved:.0f} "
          f"GFLOP/s dense-equivalent (logz adds only the rows that binary operands select); "
          f"OpenBLAS sgemm on these 5 products {sgemm_cd:.0f} GFLOP/s (2 threads, this setting), "
          f"a GEMM-only epoch {peak['cd1_epoch_lower_bound_s']:.3f} s; "
          f"FMA peak {fma}{fma2:.0f} (AVX2) GFLOP/s; "
          f"data 10,000 x 784 float32 = {10000 * 784 * 4 / 2**20:.0f} MB; logz's own baseline "
          f"(libraries, no work) {baseline:.0f} MB")


if __name__ == "__main__":
    main()
