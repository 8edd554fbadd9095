#!/usr/bin/env bash
# Issue 13: "time linear in the number of devices from 1,024 to 65,536" and the
# P2 lookups, one command:
#   tests/bench/bench-linear.sh [-n "1024 4096 16384 65536"] [-r RUNS] [-b BUILD_DIR]
# For each size (host trees from gen-host.py, cached in $ZVFIO_BENCH_CACHE, default
# /var/tmp/zvfio-bench, as bench.sh), prints the median wall time of RUNS runs
# (default 3) of `zvfio list ccw` and `zvfio list --json ccw`, that time per 1,000
# subchannels, syscalls per subchannel (strace -c -f; they do not depend on the
# machine's load, the times do: the load average is printed with them), and the file
# syscalls (strace %file,%desc, from the first access below the root, getdents in
# brackets) of `zvfio show` for IDs without a ccw device: the devno of the last
# vfio_ccw-bound subchannel (no hint), a devno that exists nowhere in set 1 (the set
# with vfio_ccw-bound subchannels) and a bare id that is only a subchannel number; then
# the first again with the hint zvfio-udev-hint writes when udev reports the bind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need bc strace
repo=$(cd "$(dirname "$0")/../.." && pwd)
sizes="1024 4096 16384 65536"
runs=3
build=$repo/build
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) sizes=$2; shift 2 ;;
    -r) runs=$2; shift 2 ;;
    -b) build=$2; shift 2 ;;
    *) echo "usage: $0 [-n SIZES] [-r RUNS] [-b BUILD_DIR]" >&2; exit 2 ;;
  esac
done
cache=${ZVFIO_BENCH_CACHE:-/var/tmp/zvfio-bench}
zvfio=$build/src/zvfio/zvfio
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# file syscalls of zvfio show ID on ROOT after the first access below ROOT: "total (getdents)"
show_cost() {
  local root=$1 id=$2
  strace -f -qq -e trace=%file,%desc -o "$work/st" "$zvfio" --root "$root" show "$id" \
    >/dev/null 2>&1 || true
  awk -v r="$root" 'index($0, r) && !s {s = 1} s {t++; if (/getdents/) g++}
                    END {printf "%d (%d)", t, g}' "$work/st"
}

printf '%-7s %-14s %-20s %9s %11s %9s\n' subch load program median_ms ms/1000sch sysc/sch
for n in $sizes; do
  tree=$cache/host-$n
  [[ -d $tree/sys ]] || "$repo/tests/bench/gen-host.py" "$n" "$tree"
  load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)
  for args in "list ccw" "list --json ccw"; do
    times=""
    for _ in $(seq "$runs"); do
      # shellcheck disable=SC2086
      times+="$(us "$zvfio" --root "$tree" $args) "
    done
    med=$(tr ' ' '\n' <<<"$times" | grep . | median)
    # shellcheck disable=SC2086
    printf '%-7s %-14s %-20s %9s %11.1f %9s\n' "$n" "$load" "$args" "$med" \
      "$(echo "$med * 1000 / $n" | bc -l)" "$(syscalls "$n" "$zvfio" --root "$tree" $args)"
  done
  # gen-host.py: entry i is subchannel 0.(i%4).(i/4), devno +0x1000, vfio_ccw when i%10 == 9
  last=$(( n - 1 )); while (( last % 10 != 9 )); do last=$(( last - 1 )); done
  vfio_devno=$(printf '0.%x.%04x' $(( last % 4 )) $(( (last / 4 + 0x1000) & 0xffff )))
  printf '%-7s show: vfio_ccw-bound %s %s, nowhere 0.1.ffff %s, bare sch 0.1.0005 %s\n' "$n" \
    "$vfio_devno" "$(show_cost "$tree" "ccw:$vfio_devno")" "$(show_cost "$tree" ccw:0.1.ffff)" \
    "$(show_cost "$tree" 0.1.0005)"
  # the same devno once udev ran zvfio-udev-hint for its subchannel (the hint is removed after)
  vfio_sch=$(printf '0.%x.%04x' $(( last % 4 )) $(( last / 4 )))
  hint=$tree/run/zvfio/devno/$vfio_devno
  if [[ ! -e $hint ]] && ZVFIO_ROOT=$tree "$build/callouts/zvfio-udev-hint" "$vfio_sch"; then
    printf '%-7s show: vfio_ccw-bound %s with the hint of zvfio-udev-hint %s\n' "$n" "$vfio_devno" \
      "$(show_cost "$tree" "ccw:$vfio_devno")"
    rm -f "$hint"
  fi
done
