#!/bin/bash
# Installs every Debian package the emulated-mainframe tier needs on the host
# (x86 Debian 12), and nothing it does not: the one list for run.sh and the
# build-*.sh scripts. The fresh-machine check (tests/fresh/run.sh) runs it in a
# clean chroot and then starts QEMU with every device set (vmrunner.py probe),
# so a package that only a hand-installed machine has shows up there.
#   tests/vm/host-packages.sh          install what is missing (quiet when nothing is)
#   tests/vm/host-packages.sh --list   print the list
set -euo pipefail

pkgs=(
    # QEMU for s390x (its firmware comes with qemu-system-data, a Depends)
    qemu-system-misc
    # the kernel: Debian's source, the cross compiler and kbuild's tools
    linux-source-6.1 gcc-s390x-linux-gnu bc flex bison libssl-dev libelf-dev make xz-utils kmod
    # the s390x userspace and sysroot, the initramfs
    mmdebstrap cpio
    # the zvfio cross build
    meson ninja-build pkgconf
    # the runner
    python3 python3-pytest
)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${pkgs[@]}"; exit 0; fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "host-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" >/tmp/zvfio-vm-apt.log 2>&1; then
    # a machine whose package lists are old or absent: refresh once and retry
    apt-get -o DPkg::Lock::Timeout=900 update -q >>/tmp/zvfio-vm-apt.log 2>&1 || true
    apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" >>/tmp/zvfio-vm-apt.log 2>&1 \
        || { tail -n 30 /tmp/zvfio-vm-apt.log >&2; exit 1; }
fi
