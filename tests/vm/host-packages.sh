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
    # tests/bench/bench.sh: Debian's s390x lscss and the cross-built zvfio in user mode
    qemu-user
)

if [[ ${1:-} == --list ]]; then printf '%s\n' "${pkgs[@]}"; exit 0; fi
. "$(dirname "$0")/../lib/debian.sh"
ZV_APT_LOG=/tmp/zvfio-vm-apt.log zv_apt_install "${pkgs[@]}"
