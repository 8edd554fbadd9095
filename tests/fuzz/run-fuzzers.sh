#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS (default 60) each with clang,
# ASan and UBSan, starting from the checked-in corpus, the library instrumented
# too. Fails when a target crashes, leaks or hits a sanitizer report; new
# crashers land in build-fuzz/crash-*: add them to tests/fuzz/corpus/<target>/
# once fixed.
#   tests/fuzz/run-fuzzers.sh [SECONDS] [TARGET...]
# Environment: ZVFIO_FUZZ_BUILD_DIR (default build-fuzz),
#              ZVFIO_FUZZ_JOBS (parallel targets, default 1),
#              ZVFIO_FUZZ_RUNS=N runs each target for N executions instead of
#              SECONDS (the long campaign of docs/reliability.md),
#              ZVFIO_FUZZ_MAX_LEN=BYTES the largest input (default 1 MiB + 1:
#              past every parser's size limit).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ids sysattr mdev-config domain callout-stdin bind-record domain-state mdev-intent)
build=${ZVFIO_FUZZ_BUILD_DIR:-build-fuzz}
cd "$repo"
# libFuzzer's runtime comes with clang's runtime package, not with clang
# (both are in tools/setup.sh's package list; this is for a direct call)
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q \
         --no-install-recommends "$p" >/dev/null
done
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
meson compile -C "$build" >/dev/null

# Runs one target; prints its figures; returns non-zero on a crash.
run_target() {
  local target=$1 work log rc=0
  work=$(mktemp -d)
  log=$(mktemp)
  cp "tests/fuzz/corpus/$target/"* "$work"/
  local limit=(-max_total_time="$seconds")
  [ -n "${ZVFIO_FUZZ_RUNS:-}" ] && limit=(-runs="$ZVFIO_FUZZ_RUNS")
  local start=$SECONDS
  (cd "$build" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ./tests/fuzz/fuzz-$target "${limit[@]}" -max_len="${ZVFIO_FUZZ_MAX_LEN:-$((1024 * 1024 + 1))}" \
     -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 "$work" >"$log" 2>&1) || rc=$?
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  echo "fuzz-$target: ${execs:-?} executions in $((SECONDS - start)) s, coverage ${cov:-?}, exit $rc"
  if [ $rc -ne 0 ]; then
    grep -E "^(==.*ERROR|SUMMARY|.*runtime error)" "$log" | head -n 20 >&2 || true
    tail -n 30 "$log" >&2
  fi
  rm -rf "$work" "$log"
  return $rc
}

jobs=${ZVFIO_FUZZ_JOBS:-1}
failed=0
pids=()
for target in "${targets[@]}"; do
  run_target "$target" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ $failed -eq 0 ] && echo "fuzz: ${#targets[@]} targets, no crash"
exit $failed
