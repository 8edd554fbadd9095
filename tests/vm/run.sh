#!/bin/bash
# Runs the emulated-mainframe system-test tier alone (see docs/vm-tests.md):
# builds or reuses the cached s390x kernel, the Debian s390x userspace and the
# zvfio cross build, then runs one pytest test per guest scenario.
#
#   tests/vm/run.sh [pytest args...]        e.g. tests/vm/run.sh -k inventory
#
# Environment: ZVFIO_VM_CACHE (default /var/cache/zvfio-vm), ZVFIO_VM_ARTIFACTS
# (default /tmp/zvfio-vm-artifacts), ZVFIO_VM_TIME_SCALE (timeouts x N).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[[ $(id -u) == 0 ]] || { echo "run.sh: needs root (apt-get, mmdebstrap, ${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm})" >&2; exit 2; }
start=$SECONDS
# The kernel compiles (CPU) while the rootfs and the sysroot are fetched and
# unpacked (network, disk); apt runs in one script at a time: every host
# package is installed first, before anything runs in parallel.
"$here/host-packages.sh"
"$here/build-kernel.sh" >/dev/null &
kernel_pid=$!
images_rc=0
"$here/build-rootfs.sh" >/dev/null || images_rc=$?
if ((images_rc == 0)); then
    "$here/build-zvfio.sh" >/dev/null || images_rc=$?   # a zvfio that does not cross-build fails the tier
fi
kernel_rc=0
wait $kernel_pid || kernel_rc=$?
((kernel_rc == 0)) || { echo "run.sh: kernel build failed (exit $kernel_rc)" >&2; exit 1; }
((images_rc == 0)) || { echo "run.sh: userspace/zvfio build failed (exit $images_rc)" >&2; exit 1; }
echo "run.sh: images ready after $((SECONDS - start)) s" >&2
cd "$repo"
rc=0
/usr/bin/python3 -m pytest tests/vm -v -rsxX -p no:cacheprovider "$@" || rc=$?
echo "run.sh: done after $((SECONDS - start)) s (artefacts: ${ZVFIO_VM_ARTIFACTS:-/tmp/zvfio-vm-artifacts})" >&2
exit $rc
