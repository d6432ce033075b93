#!/usr/bin/python3
"""Regenerates the docs' main tables, and updates the docs from its output.

  /usr/bin/python3 scripts/figures.py [--only main-job,estimators,principles,performance]
                                      [--logz build/logz] [--dry-run]

Each study runs the command the docs name, on this machine and the checked-out
commit, and its table replaces the block between
  <!-- figures:NAME -->  and  <!-- /figures:NAME -->
in the pages below, with a line saying which command produced it, on which
commit, machine and date. The raw output goes to runs/figures/NAME.txt.
Run it on a quiet machine (timings are part of the tables): all four take
about 40 minutes on 2 cores.

  main-job     bash scripts/main-job.sh (README.md, docs/studies.md)
  estimators   examples/compare_estimators.py (docs/estimators.md)
  principles   examples/inductive_principles.py (docs/principles.md)
  performance  bash bench/compare.sh (docs/performance.md)
"""
import argparse
import datetime
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, **kw).stdout


def machine():
    cpu = re.search(r"Model name:\s*(.*)", sh(["lscpu"])).group(1).strip()
    flags = open("/proc/cpuinfo").read()
    kernels = "AVX-512 kernels" if "avx512f" in flags else "portable kernels (no AVX-512)"
    if os.environ.get("LOGZ_NO_AVX512") == "1" or os.environ.get("LOGZ_GEMM") == "portable":
        kernels = "portable kernels (forced)"
    arch = "?"
    cache = os.path.join(ROOT, "build", "CMakeCache.txt")
    if os.path.exists(cache):
        m = re.search(r"^LOGZ_ARCH:\w+=(.*)$", open(cache).read(), re.M)
        arch = m.group(1) if m else "?"
    blas = os.environ.get("OPENBLAS_CORETYPE", "unset")
    return (f"{cpu}, {os.cpu_count()} cores, {kernels}, built with -march={arch}, "
            f"OPENBLAS_CORETYPE={blas}")


def commit():
    head = sh(["git", "rev-parse", "--short", "HEAD"]).strip()
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no", "--", "src", "scripts",
                "bench", "examples", "CMakeLists.txt"]).strip()
    return head + (" (with uncommitted changes)" if dirty else "")


def main_job(logz):
    run_dir = os.path.join(ROOT, "runs", "figures-main-job")
    start = time.time()
    out = sh(["bash", "scripts/main-job.sh"], env=dict(os.environ, RUN_DIR=run_dir))
    seconds = time.time() - start
    test = re.search(r"average log-likelihood = (-?[\d.]+) nats per example", out).group(1)
    line = re.search(r"exact log Z = ([\d.]+); average log-likelihood: train (-?[\d.]+), test", out)
    trained = re.search(r"by pcd for \d+ epochs .* in ([\d.]+) s", out).group(1)
    table = ("| what | figure |\n|---|---|\n"
             f"| test log-likelihood (1,000 images, exact) | **{test}** nats per example |\n"
             f"| train log-likelihood (9,000 images, exact) | {line.group(2)} |\n"
             f"| exact log Z (2^25 hidden states) | {line.group(1)} |\n"
             f"| training, with exact log Z every 100 epochs | {trained} s |\n"
             f"| the whole job (build up to date) | {seconds:.0f} s |")
    sentence = (f"ends with `average log-likelihood = {test} nats per example` on the 1,000 test "
                f"images (log Z summed exactly over all 2^25 hidden states); it takes "
                f"{seconds / 60:.0f} minutes on 2 cores")
    return out, {"main-job": table, "main-job-sentence": sentence}


def table_of(out):
    return "\n".join(l for l in out.splitlines() if l.startswith("|"))


def estimators(logz):
    out = sh([PY, "examples/compare_estimators.py", "--logz", logz])
    return out, {"estimators": table_of(out)}


def principles(logz):
    out = sh([PY, "examples/inductive_principles.py", "--logz", logz])
    return out, {"principles": table_of(out)}


def performance(logz):
    out = sh(["bash", "bench/compare.sh"])
    tables = [t for t in re.split(r"\n\s*\n", out) if t.lstrip().startswith("|")]
    context = [l for l in out.splitlines() if l.startswith(("OPENBLAS_CORETYPE", "CD-1 epoch:"))]
    body = "\n\n".join(f"{c}\n\n{t.strip()}" for c, t in zip(context[::2], tables)) if tables else out
    notes = "\n\n".join(l for l in context if l.startswith("CD-1 epoch:"))
    return out, {"performance": body + ("\n\n" + notes if notes else "")}


STUDIES = {
    "main-job": (main_job, "bash scripts/main-job.sh", ["README.md", "docs/studies.md"]),
    "estimators": (estimators, "/usr/bin/python3 examples/compare_estimators.py",
                   ["docs/estimators.md"]),
    "principles": (principles, "/usr/bin/python3 examples/inductive_principles.py",
                   ["docs/principles.md"]),
    "performance": (performance, "bash bench/compare.sh", ["docs/performance.md"]),
}


def replace_block(text, name, block):
    pattern = re.compile(rf"(<!-- figures:{re.escape(name)} -->)(.*?)(<!-- /figures:{re.escape(name)} -->)",
                         re.S)
    if not pattern.search(text):
        return text, False
    return pattern.sub(lambda m: m.group(1) + block + m.group(3), text), True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(STUDIES))
    ap.add_argument("--logz", default=os.path.join(ROOT, "build", "logz"))
    ap.add_argument("--dry-run", action="store_true", help="print the blocks, edit nothing")
    a = ap.parse_args()
    names = a.only.split(",")
    for name in names:
        if name not in STUDIES:
            sys.exit(f"--only: {name} is not one of {', '.join(STUDIES)}")
    where = machine()
    sha = commit()
    os.makedirs(os.path.join(ROOT, "runs", "figures"), exist_ok=True)
    for name in names:
        study, command, pages = STUDIES[name]
        print(f"== {name}: {command}", file=sys.stderr, flush=True)
        out, blocks = study(a.logz)
        with open(os.path.join(ROOT, "runs", "figures", name + ".txt"), "w") as f:
            f.write(out)
        today = datetime.date.today().isoformat()
        for key, block in blocks.items():
            if key.endswith("-sentence"):
                text = block  # inline: the sentence alone, no provenance line
            else:
                text = (f"\n_`{command}` on commit {sha}, {today}; {where}. "
                        f"Regenerated by `scripts/figures.py --only {name}`._\n\n{block}\n")
            if a.dry_run:
                print(f"--- {key}\n{text}")
                continue
            found = False
            for page in pages:
                path = os.path.join(ROOT, page)
                new, hit = replace_block(open(path).read(), key, text)
                if hit:
                    with open(path + ".tmp", "w") as f:
                        f.write(new)
                    os.replace(path + ".tmp", path)
                    found = True
            if not found:
                sys.exit(f"no <!-- figures:{key} --> block in {', '.join(pages)}")
        print(f"== {name}: done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
