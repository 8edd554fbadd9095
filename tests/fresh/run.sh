#!/bin/bash
# The fresh-machine check: proves that the README's two commands work on a clean
# Debian 12 system, so that nothing the tests need comes from a package that was
# once installed by hand on this machine.
#
#   tests/fresh/run.sh            build (or reuse) a minimal Debian 12 chroot, copy
#                                 the checkout in, run `tools/setup.sh demo` and
#                                 `ZVFIO_SKIP_VM=1 tools/setup.sh test` there (fuzz
#                                 and valgrind runs skipped, their tools checked), then
#                                 install the emulated-mainframe tier's host packages
#                                 (tests/vm/host-packages.sh) and start QEMU with
#                                 every device set of the tier (vmrunner.py probe)
#
# The chroot is thrown away after each run; only the mmdebstrap base tarball is
# cached, in ${ZVFIO_FRESH_CACHE:-/var/cache/zvfio-fresh}, keyed by the suite and
# the machine's apt sources, and so are downloaded .deb files (archives/).
# Everything else is installed by the repo's scripts inside the chroot, as on a
# new machine. Mounts live in a private mount
# namespace, so they vanish with the run whatever happens.
# Environment: ZVFIO_FRESH_KEEP=1 keeps the chroot (its path is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${ZVFIO_FRESH_CACHE:-/var/cache/zvfio-fresh}
suite=bookworm
log() { echo "fresh: $*" >&2; }

[[ $(id -u) == 0 ]] || { log "needs root (mmdebstrap, chroot, mounts)"; exit 2; }
start=$SECONDS

. "$here/../lib/debian.sh"
zv_apt_install mmdebstrap
zv_apt_sources || { log "no apt sources found under /etc/apt"; exit 1; }

# bump when what goes into the base changes
format=1
key=$( { echo "$suite minbase format=$format"; cat "${apt_sources[@]}"; } | sha256sum | cut -c1-12)
base=$cache/$suite-minbase-$key.tar
mkdir -p "$cache"
if [[ ! -s $base ]]; then
    log "mmdebstrap --variant=minbase $suite (cached as $base)"
    rm -f "$cache"/$suite-minbase-*.tar
    tmp=$cache/.partial-$key.tar   # mmdebstrap picks the format from the .tar name
    mmdebstrap --quiet --variant=minbase "$suite" "$tmp" "${apt_sources[@]}" \
        >"$cache/mmdebstrap.log" 2>&1 || { tail -n 40 "$cache/mmdebstrap.log" >&2; rm -rf "$tmp"; exit 1; }
    mv "$tmp" "$base"
fi

work=$(mktemp -d /var/tmp/zvfio-fresh.XXXXXX)
cleanup() {
    if [[ ${ZVFIO_FRESH_KEEP:-0} == 1 ]]; then log "kept $work/root"; else rm -rf "$work"; fi
}
trap cleanup EXIT
root=$work/root
mkdir -p "$root"
tar -xf "$base" -C "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# The checkout: tracked files plus new files git does not ignore; no build
# directories, caches or anything else this machine left in the work tree.
zv_copy_checkout "$repo" "$root/src/zvfio"

# What runs inside: the README's two commands, then the VM tier's host packages.
cat >"$root/fresh-check.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
cd /src/zvfio
step() { echo "fresh: ==> $* ($((SECONDS)) s)"; }
step "tools/setup.sh demo"
tools/setup.sh demo
step "ZVFIO_SKIP_VM=1 tools/setup.sh test"
# the long fuzz, valgrind and ASan integration runs are skipped here (the CI
# host runs them on the same code); setup.sh still installs their packages,
# builds the ASan/UBSan build and runs its unit tests, and checks that clang
# builds a libFuzzer binary and that valgrind runs zvfio
ZVFIO_SKIP_VM=1 ZVFIO_SKIP_PACKAGE=1 ZVFIO_SKIP_FRESH=1 ZVFIO_SKIP_FUZZ=1 ZVFIO_SKIP_VALGRIND=1 \
  ZVFIO_SKIP_SANITIZE_PYTEST=1 tools/setup.sh test
step "tests/vm/host-packages.sh"
tests/vm/host-packages.sh
step "tests/vm/vmrunner.py probe"
/usr/bin/python3 tests/vm/vmrunner.py probe
step "done"
EOF
chmod +x "$root/fresh-check.sh"

log "running the README's commands in a clean $suite chroot ($work/root)"
rc=0
unshare --mount --propagation private /bin/bash -c '
    set -e
    root=$1
    # the chroot root must be a mount point of its own, as on a real system:
    # otherwise `unshare -m` (the mdevctl tests) cannot make it private
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mount -t tmpfs tmpfs "$root/run"
    # downloaded .debs are kept between runs (what is installed is not)
    mkdir -p "$2" "$root/var/cache/apt/archives"
    mount --bind "$2" "$root/var/cache/apt/archives"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 CI=true /fresh-check.sh
' fresh "$root" "$cache/archives" || rc=$?
if ((rc == 0)); then
    log "PASS: README commands on a clean $suite system ($((SECONDS - start)) s)"
else
    log "FAIL: exit $rc after $((SECONDS - start)) s"
fi
exit $rc
