#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
t=$(date +%s)
bash scripts/setup.sh
echo "== set-up and build: $(( $(date +%s) - t )) s"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --parallel 2 --timeout 600
if grep -q avx512f /proc/cpuinfo; then
  # This CPU ran the AVX-512 kernels above; run the library's tests again on
  # the portable paths (logz's portable product kernel, scalar Philox) that
  # other CPUs take.
  echo "== again without the AVX-512 kernels (LOGZ_NO_AVX512=1) =="
  # The statistical tests (coverage over 40 seeds, recovery of known models),
  # the estimators' accuracy on trained MNIST models and the command line's
  # end-to-end runs take the same kernels as the unit tests do; they run once.
  LOGZ_NO_AVX512=1 ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --parallel 2 \
    --timeout 600 --exclude-regex "^cli\.|^python\.|^install\.|^docs\.|^(Ais|Bridge|Raise)\..*Mnist|$(cat tests/long-tests.regex)"
fi
