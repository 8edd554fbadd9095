#!/bin/bash
# Build (or reuse) the s390x kernel image for the emulated-mainframe test tier.
#
#   tests/vm/build-kernel.sh            -> prints the path of the cached bzImage
#
# The image is built from Debian's linux-source-6.1 with tests/vm/kernel.config
# merged on top of allnoconfig, and cached OUTSIDE the work tree at
#   ${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}/kernel-<source version>-<fragment sha256:12>/bzImage
# A second run with the same source version and fragment is a no-op.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}
fragment=$here/kernel.config
jobs=${ZVFIO_VM_JOBS:-2}

log() { echo "build-kernel: $*" >&2; }

mkdir -p "$cache"
"$here/host-packages.sh"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# bump when the cache layout changes (2: modules/ with modules.builtin for kmod)
format=2
fraghash=$( { cat "$fragment"; echo "format=$format"; } | sha256sum | cut -c1-12)
out=$cache/kernel-$srcver-$fraghash
if [[ -s $out/bzImage && -d $out/modules ]]; then
    log "cached: $out/bzImage"
    echo "$out/bzImage"
    exit 0
fi

tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
[[ -n $tarball ]] || { log "no /usr/src/linux-source-6.1.tar.* after installing linux-source-6.1"; exit 1; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/.kbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
log "unpacking $tarball"
tar -C "$work" -xaf "$tarball"
ksrc=$(echo "$work"/linux-source-6.1)
kmake() { make -C "$ksrc" ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- "$@"; }

log "configuring (allnoconfig + $fragment + olddefconfig)"
kmake allnoconfig >/dev/null
(cd "$ksrc" && ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- \
    scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null)
kmake olddefconfig >/dev/null

# Every =y in the fragment must have survived olddefconfig (a dropped symbol
# means a missing dependency: fail loudly instead of booting a kernel without it).
bad=0
while IFS= read -r line; do
    [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=y$ ]] || continue
    sym=${BASH_REMATCH[1]}
    grep -qx "$sym=y" "$ksrc/.config" || { log "fragment symbol $sym=y did not survive olddefconfig"; bad=1; }
done <"$fragment"
((bad == 0)) || exit 1

log "building bzImage with make -j$jobs (takes ~4 min on 2 cores)"
kmake -j"$jobs" bzImage >"$work/build.log" 2>&1 || { tail -n 50 "$work/build.log" >&2; log "kernel build failed"; exit 1; }

mkdir -p "$out.tmp"
cp "$ksrc/arch/s390/boot/bzImage" "$out.tmp/bzImage"
cp "$ksrc/.config" "$out.tmp/config"
echo "$srcver" >"$out.tmp/source-version"
# Everything is built in, but modprobe --dry-run (driverctl) and friends look
# drivers up in modules.builtin: ship it with depmod's indexes.
kver=$(kmake -s kernelrelease)
mkdir -p "$out.tmp/modules/lib/modules/$kver"
cp "$ksrc"/modules.builtin "$ksrc"/modules.builtin.modinfo "$out.tmp/modules/lib/modules/$kver/"
: >"$out.tmp/modules/lib/modules/$kver/modules.order"
depmod -b "$out.tmp/modules" "$kver"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built $out/bzImage in $((SECONDS - start)) s"
echo "$out/bzImage"
