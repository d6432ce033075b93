#!/usr/bin/env bash
# Installs what logz needs (Debian 12 packages) and builds it in build/;
# with --packages-only it installs and stops.
# Run as root, or as a user with sudo; packages already present are not touched.
#   LOGZ_ARCH   value for -march (default: native; CI uses x86-64-v2)
#   BUILD_DIR   build folder (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config          # toolchain
  libopenblas-openmp-dev libeigen3-dev      # GEMM (OpenBLAS, OpenMP build) and matrix types
  libcli11-dev nlohmann-json3-dev libfmt-dev librandom123-dev zlib1g-dev
  libstb-dev                                # PNG pictures (stb_image_write; stb_image in tests)
  libopenmpi-dev openmpi-bin                # MPI: mpirun -np N logz ... (parallel/communicator.hpp)
  liblbfgs-dev                              # full-batch L-BFGS (train/lbfgs.hpp), as plmc uses
  hmmer-examples                            # real protein alignments (Stockholm) for the Potts tests
  libgtest-dev python3-numpy                # tests (C++ and command line)
  pybind11-dev python3-dev                  # the Python module (python/)
  python3-pytest python3-setuptools python3-wheel python3-pip python3-venv   # its tests, pip install
  python3-sklearn                           # scikit-learn's estimator checks, pipelines (Python tests)
  libbenchmark-dev                          # micro-benchmarks (bench/)
  dataset-fashion-mnist                     # --data fashion-mnist and its test
  chromium                                  # tests/cli/report_test.py opens logz report's page headless
)

bash scripts/install-packages.sh "${packages[@]}"
if [ "${1:-}" = "--packages-only" ]; then exit 0; fi

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOGZ_ARCH="${LOGZ_ARCH:-native}"
cmake --build "$build_dir" --parallel
