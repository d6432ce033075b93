#!/usr/bin/env bash
# Times logz against the project's own PyTorch and scikit-learn peers
# (bench/peers/) in one run, under both BLAS settings: OPENBLAS_CORETYPE as this
# machine sets it, then unset (bench/README.md). Prints a Markdown table for each.
#   bash bench/compare.sh [--epochs 5] [--ais-betas 14500]   (the options go to bench/compare.py)
# From a fresh clone on Debian 12, as root (or a user with sudo): builds logz
# with scripts/setup.sh when build/logz is missing, and installs what the peers
# need with scripts/install-packages.sh (their output goes to stderr, the tables
# to stdout).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x build/logz ]; then
  echo "build/logz is missing: building it (scripts/setup.sh)" >&2
  bash scripts/setup.sh >&2
fi
# The peers: PyTorch, scikit-learn and numpy for /usr/bin/python3; g++ and
# OpenBLAS's headers for bench/peers/sgemm_peak.cpp (the OpenMP flavour, the
# one scripts/setup.sh installs, so that logz and the peers load the same OpenBLAS).
bash scripts/install-packages.sh python3-torch python3-sklearn python3-numpy g++ libopenblas-openmp-dev >&2

/usr/bin/python3 bench/compare.py --setting as-set "$@"
# Unsetting changes nothing where the machine does not set them.
if [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
  echo
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare.py --setting unset "$@"
fi
