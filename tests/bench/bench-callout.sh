#!/usr/bin/env bash
# Benchmark: zvfio-callout for a foreign mdev type (what mdevctl runs for every
# vfio_ap, ... mdev) against /bin/true, and the full callout (zvfio-callout-worker)
# answering the same call, as the callout did before its libc-only front end.
# Medians of RUNS interleaved runs (default 301).
# Usage: tests/bench/bench-callout.sh [BUILD_DIR] [RUNS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
runs=${2:-301}
args=(-t vfio_ap-passthrough -e pre -a start -s none -u 11111111-2222-3333-4444-555555555555
      -p matrix)
declare -A t=()
for _ in $(seq "$runs"); do
  for k in true front worker; do
    case $k in
      true) cmd=(/bin/true "${args[@]}") ;;
      front) cmd=("$build/callouts/zvfio-callout" "${args[@]}") ;;
      worker) cmd=("$build/callouts/zvfio-callout-worker" "${args[@]}") ;;
    esac
    t0=$(date +%s%N); "${cmd[@]}" </dev/null >/dev/null 2>&1 || true; t1=$(date +%s%N)
    t[$k]+="$(( (t1 - t0) / 1000 )) "
  done
done
med() { tr ' ' '\n' <<<"${t[$1]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(med true)
printf '%-44s %10s %8s\n' case median_us x_true
for k in true front worker; do
  case $k in
    true) name="/bin/true" ;;
    front) name="zvfio-callout, foreign type (front end)" ;;
    worker) name="zvfio-callout-worker, foreign type" ;;
  esac
  printf '%-44s %10s %8.2f\n' "$name" "$(med $k)" "$(echo "$(med $k) / $base" | bc -l)"
done
