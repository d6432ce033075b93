#!/usr/bin/env bash
# Times logz against the PyTorch and scikit-learn peers (../shared/bench) in
# one run, under both BLAS settings: OPENBLAS_CORETYPE as this machine sets
# it, then unset (see ../shared/bench/README.md). Needs the build (scripts/
# setup.sh) and python3-torch, python3-sklearn, libopenblas-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in python3-torch python3-sklearn libopenblas-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/compare.sh needs: apt-get install ${missing[*]}" >&2
  exit 1
fi
/usr/bin/python3 bench/compare.py --setting as-set "$@"
echo
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare.py --setting unset "$@"
