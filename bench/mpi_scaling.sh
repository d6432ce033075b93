#!/usr/bin/env bash
# Strong scaling under MPI on this machine: the same job on 1 rank x 1 thread
# and on N ranks x 1 thread (default 2), with the results checked identical,
# printed as a Markdown table of seconds and speed-ups:
#   bash bench/mpi_scaling.sh [RANKS]
# Needs the build (scripts/setup.sh, which installs Open MPI). The jobs:
#   AIS      784 x 500 RBM (random, weights of scale 0.05), 2,000 chains, 2,000 steps, --adapt off
#   RAISE    the same model, the 1,000 test examples, 1,000 steps
#   exact    784 x 24 RBM, 2^24 hidden states
#   epoch    pcd, 784 x 500, --micro-batches 4 (the same on both), batch = chains = 100, then 1,000
# Times are the jobs' own (see json_seconds, epoch_seconds), without mpirun's start.
set -euo pipefail
cd "$(dirname "$0")/.."
ranks=${1:-2}
logz=${LOGZ:-build/logz}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mpi() { local n=$1; shift; mpirun --oversubscribe --bind-to none -np "$n" "$logz" --threads 1 --quiet "$@"; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

# Models: 1 epoch of PCD gives a 784 x 500 RBM with data-like weights.
"$logz" --quiet train --data mnist10k --hidden 500 --epochs 1 --seed 1 --out "$tmp/h500" > /dev/null
"$logz" --quiet train --data mnist10k --hidden 24 --epochs 1 --seed 1 --out "$tmp/h24" > /dev/null
model="$tmp/h500/model.safetensors"

# The job's own seconds: "seconds" of its JSON (without the launch and the
# model's loading), or the mean epoch_seconds of epochs 2 and 3 of a run.
json_seconds() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$1"; }
epoch_seconds() {
  /usr/bin/python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(sum(float(x["epoch_seconds"]) for x in r[1:]) / len(r[1:]))' "$1"
}
print_row() { printf '| %s | %.2f | %.2f | %sx | %s |\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"; }

row() {  # name, then the command after "logz"
  local name=$1; shift
  mpi 1 "$@" > "$tmp/one"
  mpi "$ranks" "$@" > "$tmp/many"
  local same="yes"
  if ! diff <(grep -v seconds "$tmp/one") <(grep -v seconds "$tmp/many") > /dev/null; then same="NO"; fi
  print_row "$name" "$(json_seconds "$tmp/one")" "$(json_seconds "$tmp/many")" "$same"
}

epoch_row() {  # batch (= chains)
  local batch=$1 n
  for n in 1 "$ranks"; do
    rm -rf "$tmp/epoch$n"
    mpi "$n" train --data mnist10k --hidden 500 --epochs 3 --batch "$batch" --chains "$batch" \
      --micro-batches 4 --seed 2 --out "$tmp/epoch$n" > /dev/null
  done
  local same="yes"
  cmp -s "$tmp/epoch1/model.safetensors" "$tmp/epoch$ranks/model.safetensors" || same="NO"
  print_row "PCD epoch, 784 x 500, batch $batch, 4 micro-batches" \
    "$(epoch_seconds "$tmp/epoch1/metrics.csv")" "$(epoch_seconds "$tmp/epoch$ranks/metrics.csv")" "$same"
}

echo "| job | 1 rank x 1 thread (s) | $ranks ranks x 1 thread (s) | speed-up | same result |"
echo "|---|---|---|---|---|"
row "AIS, 2,000 chains x 2,000 steps" estimate "$model" --method ais --chains 2000 --betas 2000 --adapt off --json
row "RAISE, 1,000 examples x 1,000 steps" eval "$model" --data mnist10k --logz-method raise --betas 1000 --json
row "exact, 784 x 24 (2^24 states)" estimate "$tmp/h24/model.safetensors" --method exact --json
epoch_row 100
epoch_row 1000
