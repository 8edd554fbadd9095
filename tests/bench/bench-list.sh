#!/usr/bin/env bash
# Benchmark: zvfio list --json and zvfio show on generated hosts of growing size.
# Anchors: /bin/true (a process start) and `ls -lR` of the host's css tree (a plain
# traversal of the same directories). Prints median wall times and ratios.
# Usage: tests/bench/bench-list.sh [BUILD_DIR]   (results: docs/benchmarks.md)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
zvfio=$build/src/zvfio/zvfio
work=$(mktemp -d)
cd "$repo"
trap 'rm -rf "$work"' EXIT

# median_ms RUNS CMD...: median wall time of CMD in milliseconds
median_ms() {
  local runs=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

printf '%-12s %10s %10s %10s %10s %12s %12s\n' subchannels true_ms lsR_ms list_ms show_ms list/lsR show/true
for n in 100 1000 4000; do
  root=$work/host-$n
  /usr/bin/python3 - "$n" "$root" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, "tests/fixtures")
import zvfio_fixtures
n, root = int(sys.argv[1]), Path(sys.argv[2])
subs = [{"sch": f"0.{i % 4}.{i // 4:04x}", "devno": f"0.{i % 4}.{(i // 4 + 0x1000) & 0xffff:04x}",
         "dev": "dasd"} for i in range(n)]
zvfio_fixtures.build_tree({"subchannels": subs,
                           "pci": [{"fid": "0x10", "uid": "0x10", "preset": "ism"}]}, root)
PY
  t_true=$(median_ms 21 /bin/true)
  t_ls=$(median_ms 5 ls -lR "$root/sys/devices/css0")
  t_list=$(median_ms 5 "$zvfio" --root "$root" list --json)
  t_show=$(median_ms 21 "$zvfio" --root "$root" show 0.1.1001)
  printf '%-12s %10s %10s %10s %10s %12.2f %12.2f\n' "$n" "$t_true" "$t_ls" "$t_list" "$t_show" \
    "$(echo "$t_list / $t_ls" | bc -l)" "$(echo "$t_show / $t_true" | bc -l)"
done
