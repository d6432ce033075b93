#!/usr/bin/env bash
# The main job: set up, train a 25-hidden-unit RBM with PCD on the bundled
# MNIST-10k (9,000 training images), then report its exact test
# log-likelihood (log Z by enumerating all 2^25 hidden states).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
logz=${BUILD_DIR:-build}/logz
run=${RUN_DIR:-runs/mnist10k-pcd25}
"$logz" train --data mnist10k --model rbm --hidden 25 --method pcd \
  --epochs 500 --batch 100 --lr 0.05 --lr-schedule linear --momentum 0.5 --weight-decay 0.0001 \
  --seed 1 --monitor exact --eval-every 100 --out "$run"
"$logz" eval "$run/model.safetensors" --data mnist10k --split test --logz-method exact
