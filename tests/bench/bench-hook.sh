#!/usr/bin/env bash
# Benchmark: what zvfio-hook costs libvirt for a domain without passthrough devices.
# Anchor: /bin/true with the same stdin (one process start). Cases (through the gate,
# as libvirt runs it, unless marked "direct"):
#   other-op      'started begin': argv check only (stdin not read)
#   no-hostdev    'prepare begin' with a plain domain: stdin read + scan for "<hostdev"
#   no-hostdev-L  the same with a large domain (200 disks)
#   release-none  'release end' of a domain zvfio keeps no state for
#   direct-*      the same two first cases run by zvfio-hook itself (glib, json-glib,
#                 libxml2 loaded): what the gate saves
#   mdev-active   'prepare begin' with an already active vfio-ccw mdev: full parse,
#                 inventory lookup and rules on a fixture root (for comparison)
# Uses hyperfine when installed (apt install hyperfine), else a loop of date +%s%N.
# Usage: tests/bench/bench-hook.sh [BUILD_DIR]   (results: docs/benchmarks.md)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
gate=$build/callouts/zvfio-hook-gate   # what libvirt runs (qemu.d/zvfio)
hook=$build/callouts/zvfio-hook        # the full hook, run directly for comparison
xmls=$repo/tests/integration/hook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$repo/tests/fixtures/zvfio_fixtures.py" bind "$work/root" >/dev/null
export ZVFIO_ROOT=$work/root
plain=$xmls/no-passthrough.xml
large=$work/large.xml
{
  sed -n '1,/<emulator>/p' "$plain"
  for i in $(seq 1 200); do
    printf "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    printf "<source file='/var/lib/libvirt/images/d%d.qcow2'/><target dev='vd%d' bus='virtio'/></disk>\n" "$i" "$i"
  done
  sed -n '/<\/devices>/,$p' "$plain"
} > "$large"

names=(true other-op no-hostdev no-hostdev-L release-none direct-other-op direct-no-hostdev
       mdev-active)
cmds=("/bin/true < $plain"
      "$gate zguest started begin - < $plain"
      "$gate zguest prepare begin - < $plain"
      "$gate zguest prepare begin - < $large"
      "$gate zguest release end - < $plain"
      "$hook zguest started begin - < $plain"
      "$hook zguest prepare begin - < $plain"
      "$gate zguest prepare begin - < $xmls/mdev-active.xml")

if command -v hyperfine >/dev/null; then
  args=()
  for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
  hyperfine -N --warmup 20 --runs 300 "${args[@]}" 2>/dev/null || \
    hyperfine --warmup 20 --runs 300 "${args[@]}"
  exit 0
fi

# median_us CMD: median wall time of CMD (eval'd for the redirection), microseconds, 301 runs
median_us() {
  local times=() t0 t1
  for _ in $(seq 301); do
    t0=$(date +%s%N); eval "$1" >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

base=$(median_us "${cmds[0]}")
printf '%-18s %10s %8s\n' case median_us x_true
for i in "${!names[@]}"; do
  t=$(median_us "${cmds[$i]}")
  printf '%-18s %10s %8.2f\n' "${names[$i]}" "$t" "$(echo "$t / $base" | bc -l)"
done
