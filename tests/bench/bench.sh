#!/usr/bin/env bash
# The inventory benchmark of issue 13, one command:
#   tests/bench/bench.sh [-n "1024 16384 65536"] [-r RUNS] [-b BUILD_DIR] [--no-lscss]
# Generates host trees (subchannel sets 0-3, ~10% vfio_ccw with mdevs, 256 zPCI
# functions; cached in $ZVFIO_BENCH_CACHE, default /var/tmp/zvfio-bench) and
# prints, per size, medians of RUNS interleaved runs (default 5):
#   native x86: zvfio list ccw, zvfio list --json ccw and the floor program
#     (tests/bench/floor.c: opens, reads, closes only what the table needs: the
#     files lscss reads; x_min: against its --uevent variant, the minimal floor,
#     which reads a ccw device's types from one uevent instead of cutype+devtype),
#     syscalls per subchannel (strace -c -f) and peak RSS per subchannel;
#   qemu-s390x user mode: Debian's s390x lscss (s390-tools .deb) against zvfio
#     cross-built for s390x (tests/vm/build-zvfio.sh), both on the same tree
#     (SYSFS_ROOT=T/sys, --root T), and the guest syscalls per subchannel
#     (qemu -strace).
# A first line names the zvfio commit, the time and the load average, and one
# after each size the load average again (the ratios need a quiet machine).
# The quick smoke for CI: tests/bench/bench.sh -n 1024 -r 1 --no-lscss
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need bc strace gcc /usr/bin/time
repo=$(cd "$(dirname "$0")/../.." && pwd)
sizes="1024 16384 65536"
runs=5
build=$repo/build
lscss=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) sizes=$2; shift 2 ;;
    -r) runs=$2; shift 2 ;;
    -b) build=$2; shift 2 ;;
    --no-lscss) lscss=0; shift ;;
    *) echo "usage: $0 [-n SIZES] [-r RUNS] [-b BUILD_DIR] [--no-lscss]" >&2; exit 2 ;;
  esac
done
cache=${ZVFIO_BENCH_CACHE:-/var/tmp/zvfio-bench}
vmcache=${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}
zvfio=$build/src/zvfio/zvfio
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc -O2 -w -o "$work/floor" "$repo/tests/bench/floor.c"

if [[ $lscss == 1 ]]; then
  command -v qemu-s390x >/dev/null || { echo "bench: qemu-s390x missing (apt-get install qemu-user)" >&2; exit 1; }
  sysroot=$(ls -d "$vmcache"/sysroot-* 2>/dev/null | head -1)
  [[ -n $sysroot ]] || { echo "bench: no s390x sysroot; run tests/vm/build-zvfio.sh" >&2; exit 1; }
  tools=$cache/s390-tools
  if [[ ! -x $tools/sbin/lscss ]]; then
    dpkg --print-foreign-architectures | grep -qx s390x || { dpkg --add-architecture s390x; apt-get update -q >/dev/null; }
    (cd "$cache" && apt-get download -q s390-tools:s390x >/dev/null 2>&1)
    rm -rf "$tools" && dpkg-deb -x "$(ls "$cache"/s390-tools_*_s390x.deb | tail -1)" "$tools"
  fi
  xbuild=$("$repo/tests/vm/build-zvfio.sh" 2>/dev/null | tail -1)
  xzvfio=$(find "$xbuild/staging" -path '*bin/zvfio' -type f | head -1)
  [[ -x $xzvfio ]] || { echo "bench: no cross-built zvfio in $xbuild" >&2; exit 1; }
  s390() { qemu-s390x -L "$sysroot" "$@"; }
fi

# peak RSS per subchannel of CMD... in KiB
rss() {
  local n=$1; shift
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
  awk -v n="$n" '{printf "%.2f", $1 / n}' "$work/rss"
}

# what was measured, and how busy the machine was (the ratios need a quiet one)
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "bench: zvfio $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?') ($zvfio)," \
  "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(loadavg)"
printf '%-7s %-22s %9s %8s %8s %8s %9s %9s\n' subch program median_ms x_floor x_min x_lscss sysc/sch KiB/sch
for n in $sizes; do
  tree=$cache/host-$n
  [[ -d $tree/sys ]] || "$repo/tests/bench/gen-host.py" "$n" "$tree"
  declare -A t=()
  for _ in $(seq "$runs"); do
    t[floor]+="$(us "$work/floor" "$tree/sys") "
    t[ufloor]+="$(us "$work/floor" --uevent "$tree/sys") "
    t[list]+="$(us "$zvfio" --root "$tree" list ccw) "
    t[json]+="$(us "$zvfio" --root "$tree" list --json ccw) "
    if [[ $lscss == 1 ]]; then
      t[lscss]+="$(us env SYSFS_ROOT="$tree/sys" qemu-s390x -L "$sysroot" "$tools/sbin/lscss") "
      t[xlist]+="$(us s390 "$xzvfio" --root "$tree" list ccw) "
      t[xjson]+="$(us s390 "$xzvfio" --root "$tree" list --json ccw) "
    fi
  done
  m() { tr ' ' '\n' <<<"${t[$1]}" | grep . | median; }
  floor=$(m floor)
  ufloor=$(m ufloor)
  printf '%-7s %-22s %9s %8s %8.2f %8s %9s %9s\n' "$n" floor "$floor" 1.00 \
    "$(echo "$floor / $ufloor" | bc -l)" - \
    "$(syscalls "$n" "$work/floor" "$tree/sys")" "$(rss "$n" "$work/floor" "$tree/sys")"
  printf '%-7s %-22s %9s %8.2f %8s %8s %9s %9s\n' "$n" "floor --uevent" "$ufloor" \
    "$(echo "$ufloor / $floor" | bc -l)" 1.00 - \
    "$(syscalls "$n" "$work/floor" --uevent "$tree/sys")" \
    "$(rss "$n" "$work/floor" --uevent "$tree/sys")"
  for k in list json; do
    args=(list ccw); [[ $k == json ]] && args=(list --json ccw)
    printf '%-7s %-22s %9s %8.2f %8.2f %8s %9s %9s\n' "$n" "zvfio ${args[*]}" "$(m $k)" \
      "$(echo "$(m $k) / $floor" | bc -l)" "$(echo "$(m $k) / $ufloor" | bc -l)" - \
      "$(syscalls "$n" "$zvfio" --root "$tree" "${args[@]}")" \
      "$(rss "$n" "$zvfio" --root "$tree" "${args[@]}")"
  done
  if [[ $lscss == 1 ]]; then
    l=$(m lscss)
    gsys() {  # guest syscalls per subchannel under qemu -strace
      "$@" 2>&1 >/dev/null | grep -c '^[0-9]* ' | awk -v n="$n" '{printf "%.1f", $1 / n}'
    }
    printf '%-7s %-22s %9s %8s %8s %8s %9s %9s\n' "$n" "s390x lscss (qemu)" "$l" - - 1.00 \
      "$(SYSFS_ROOT="$tree/sys" gsys qemu-s390x -strace -L "$sysroot" "$tools/sbin/lscss")" -
    for k in xlist xjson; do
      args=(list ccw); [[ $k == xjson ]] && args=(list --json ccw)
      printf '%-7s %-22s %9s %8s %8s %8.2f %9s %9s\n' "$n" "s390x ${args[*]}" "$(m $k)" - - \
        "$(echo "$(m $k) / $l" | bc -l)" \
        "$(gsys qemu-s390x -strace -L "$sysroot" "$xzvfio" --root "$tree" "${args[@]}")" -
    done
  fi
  unset t
  echo "bench: load average after $n subchannels: $(loadavg)"
done
