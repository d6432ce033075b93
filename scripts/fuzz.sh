#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang in build-fuzz/ and runs
# each for a bounded time, then prints how many inputs each one tried:
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 60)
# A target stops at its first bug (a crash, a sanitizer report, an exception
# other than FileError, an allocation over the limit below); the script then
# fails and leaves the input in build-fuzz/artifacts/. Reproduce one with
#   build-fuzz/fuzz/fuzz_TARGET build-fuzz/artifacts/TARGET-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

t=$(date +%s)
bash scripts/setup.sh --packages-only
# Debian's clang does not pull in libFuzzer and the sanitizer runtimes
# (libclang-rt-14-dev); libomp-14-dev lets CMake find OpenMP for clang.
bash scripts/install-packages.sh clang libclang-rt-14-dev libomp-14-dev

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DLOGZ_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DLOGZ_ARCH="${LOGZ_ARCH:-native}" -DLOGZ_BUILD_TESTS=OFF -DLOGZ_BUILD_BENCH=OFF -DLOGZ_PYTHON=OFF \
  -DLOGZ_MPI=OFF
cmake --build "$build_dir" --target fuzzers
echo "== fuzz targets' build: $(( $(date +%s) - t )) s"

# Inputs are at most 4 KB (libFuzzer's default length for these seeds) and a
# parser needs a few times its input, so an allocation over 64 MB can only
# be a size read from a header and trusted. One input taking 10 s is a hang.
mkdir -p "$build_dir/artifacts"
failed=()
summary=()
for target in idx csv npy safetensors alignment; do
  # New inputs go to the first folder (build-fuzz/), never into the seeds.
  work="$build_dir/fuzz-corpus/$target"
  mkdir -p "$work"
  log="$build_dir/fuzz-$target.log"
  echo "== fuzz_$target for ${seconds} s (log: $log)"
  if ! "$build_dir/fuzz/fuzz_$target" "$work" "fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 \
      -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$target-" >"$log" 2>&1; then
    failed+=("$target")
    grep -a -E "ERROR|SUMMARY|fuzz check failed|what\(\)|runtime error|Test unit written" "$log" || tail -n 30 "$log"
  fi
  executions=$(grep -a -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo "?")
  summary+=("$(printf "%-12s %12s executions in %s s" "$target" "$executions" "$seconds")")
done
printf "%s\n" "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found bugs in: ${failed[*]} (inputs in $build_dir/artifacts/)" >&2
  exit 1
fi
