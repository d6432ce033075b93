#!/usr/bin/python3
"""How often `logz estimate`'s 95% interval holds the exact log Z of a model
that can still be enumerated, over many seeds.

Usage:
  /usr/bin/python3 examples/coverage.py MODEL [--seeds 20] [--logz build/logz] [-- ESTIMATE FLAGS]

Example (the main job's model; docs/estimators.md, "Honest intervals"):
  /usr/bin/python3 examples/coverage.py runs/mnist10k-pcd25 -- --method ais
  /usr/bin/python3 examples/coverage.py runs/mnist10k-pcd25 -- --method ais --replicates 10
"""
import argparse
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def estimate(binary, model, *args):
    out = subprocess.run([binary, "estimate", model, *map(str, args), "--json", "--progress",
                          "never"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    a = ap.parse_args(argv)
    exact = estimate(a.logz, a.model, "--method", "exact")["log_z"]
    rows = []
    for seed in range(1, a.seeds + 1):
        e = estimate(a.logz, a.model, "--seed", seed, *extra)
        lower = -math.inf if e["lower"] is None else e["lower"]
        upper = math.inf if e["upper"] is None else e["upper"]
        rows.append((e["log_z"] - exact, e["std_error"], lower <= exact <= upper, e["seconds"],
                     e["diagnostics"].get("reliable", 1.0)))
        print(f"seed {seed}: error {rows[-1][0]:+.3f}, se {rows[-1][1]:.3f}, "
              f"interval [{lower:.3f}, {upper:.3f}] {'holds' if rows[-1][2] else 'MISSES'} "
              f"exact {exact:.3f} ({e['seconds']:.1f} s)", flush=True)
    n = len(rows)
    errors = [r[0] for r in rows]
    mean = sum(errors) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in errors) / (n - 1)) if n > 1 else 0.0
    print(f"{sum(r[2] for r in rows)}/{n} intervals hold the exact log Z {exact:.4f}; error "
          f"{mean:+.3f} on average (sd {sd:.3f}); {int(sum(r[4] for r in rows))}/{n} reliable; "
          f"{sum(r[3] for r in rows) / n:.1f} s per estimate")


if __name__ == "__main__":
    main()
