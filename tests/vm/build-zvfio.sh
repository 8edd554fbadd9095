#!/bin/bash
# Cross-build zvfio for s390x and stage its install tree for the emulated mainframe.
#
#   tests/vm/build-zvfio.sh      -> prints the build directory BUILD; it holds
#       BUILD/staging/           `meson install --destdir` of zvfio (layered into the guest)
#       BUILD/staging-selftest/  the cross-toolchain self-test program (always built)
#       BUILD/zvfio-status       "ok" or "FAILED: <step>" (+ BUILD/zvfio-build.log)
#   exit 0: zvfio built and staged; exit 3: zvfio itself did not build (the
#   self-test is staged, scenarios needing zvfio report SKIP/FAIL); other: broken
#   toolchain or sysroot.
#
# Toolchain: gcc-s390x-linux-gnu + meson with tests/vm/s390x-cross.ini.
# Libraries: a cached s390x sysroot unpacked with mmdebstrap --variant=extract
# (libc6-dev libglib2.0-dev libjson-glib-dev libxml2-dev libvirt-dev), used through
# --sysroot and a s390x-linux-gnu-pkg-config wrapper. Installing the same -dev
# packages as :s390x multiarch packages next to the host's amd64 ones needs
# identical versions of every Multi-Arch: same library for both architectures;
# on the Debian mirror the s390x builds of security/point updates lag the amd64
# ones (e.g. libpcre2-8-0 10.42-1 vs 10.42-1+deb12u2), and apt then wants to
# remove half the host, so the sysroot is the robust way to get the same packages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${ZVFIO_SRC:-$(cd "$here/../.." && pwd)}
cache=${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}
build=${ZVFIO_VM_BUILD:-/tmp/zvfio-vm-build-$(echo "$src" | sha256sum | cut -c1-8)}
suite=${ZVFIO_VM_SUITE:-bookworm}

log() { echo "build-zvfio: $*" >&2; }

mkdir -p "$cache" "$build"
"$here/host-packages.sh"
if ! dpkg --print-foreign-architectures | grep -qx s390x; then
    dpkg --add-architecture s390x
    apt-get -o DPkg::Lock::Timeout=900 update -q >"$build/apt-update.log" 2>&1 || { cat "$build/apt-update.log" >&2; exit 1; }
fi

# ---- sysroot -------------------------------------------------------------
dev_pkgs=(libc6-dev libglib2.0-dev libjson-glib-dev libxml2-dev libvirt-dev)
. "$here/../lib/debian.sh"
zv_apt_sources || { log "no apt sources found under /etc/apt"; exit 1; }
key=$( { printf '%s\n' "${dev_pkgs[@]}"; echo "$suite"; cat "${apt_sources[@]}"; } | sha256sum | cut -c1-12)
sysroot=$cache/sysroot-$key
if [[ ! -d $sysroot/usr/lib/s390x-linux-gnu/pkgconfig ]]; then
    log "unpacking s390x sysroot (${dev_pkgs[*]})"
    tmp=$(mktemp -d "$cache/.sysroot.XXXXXX")
    mmdebstrap --quiet --variant=extract --arch=s390x --include="$(IFS=,; echo "${dev_pkgs[*]}")" \
        "$suite" "$tmp/sysroot.tar" "${apt_sources[@]}" >"$tmp/mmdebstrap.log" 2>&1 \
        || { tail -n 40 "$tmp/mmdebstrap.log" >&2; rm -rf "$tmp"; log "mmdebstrap (sysroot) failed"; exit 1; }
    mkdir "$tmp/root"
    tar -C "$tmp/root" -xf "$tmp/sysroot.tar"
    # absolute symlinks (lib*.so -> /lib/...) must resolve inside the sysroot
    while IFS= read -r -d '' l; do
        tgt=$(readlink "$l")
        ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$tmp/root$tgt")" "$l"
    done < <(find "$tmp/root" -type l -lname '/*' -print0)
    rm -rf "$sysroot"
    mv "$tmp/root" "$sysroot"
    rm -rf "$tmp"
fi

# ---- pkg-config wrapper + generated cross file -----------------------------
mkdir -p "$build/bin"
cat >"$build/bin/s390x-linux-gnu-pkg-config" <<PKGC
#!/bin/sh
export PKG_CONFIG_SYSROOT_DIR='$sysroot'
export PKG_CONFIG_LIBDIR='$sysroot/usr/lib/s390x-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig'
unset PKG_CONFIG_PATH
exec pkg-config "\$@"
PKGC
chmod +x "$build/bin/s390x-linux-gnu-pkg-config"
export PATH=$build/bin:$PATH
cat >"$build/sysroot.ini" <<INI
[properties]
sys_root = '$sysroot'

[built-in options]
c_args = ['--sysroot=$sysroot']
c_link_args = ['--sysroot=$sysroot']
INI
cross=(--cross-file "$here/s390x-cross.ini" --cross-file "$build/sysroot.ini")
common=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var --libdir=lib/s390x-linux-gnu)

# (re)configure when the build dir is missing or belongs to another source dir
setup_or_reuse() { # <srcdir> <builddir> [meson options...]
    local s=$1 b=$2; shift 2
    if [[ -f $b/build.ninja && "$(cat "$b/.zvfio-src" 2>/dev/null)" == "$s" ]]; then
        return 0
    fi
    rm -rf "$b"
    meson setup "$b" "$s" "${cross[@]}" "${common[@]}" "$@" && echo "$s" >"$b/.zvfio-src"
}

# ---- the self-test (proves toolchain + sysroot + guest libraries) ----------
if ! { setup_or_reuse "$here/cross-selftest" "$build/selftest" && meson compile -C "$build/selftest" \
        && rm -rf "$build/staging-selftest" && meson install -C "$build/selftest" --destdir "$build/staging-selftest"; } \
        >"$build/selftest-build.log" 2>&1; then
    tail -n 40 "$build/selftest-build.log" >&2
    log "the cross toolchain itself is broken (self-test did not build)"
    exit 1
fi

# ---- zvfio ----------------------------------------------------------------
status=ok
{
    echo "== meson setup/compile/install of $src ($(date -Is))"
    if ! setup_or_reuse "$src" "$build/zvfio" -Dwerror=true; then status="FAILED: meson setup"
    elif ! meson compile -C "$build/zvfio"; then status="FAILED: meson compile"
    elif ! { rm -rf "$build/staging" && meson install -C "$build/zvfio" --destdir "$build/staging"; }; then
        status="FAILED: meson install"
    elif [[ ! -x $build/staging/usr/bin/zvfio ]]; then status="FAILED: no /usr/bin/zvfio in the install tree"
    fi
} >"$build/zvfio-build.log" 2>&1 || true
echo "$status" >"$build/zvfio-status"
if [[ $status != ok ]]; then
    rm -rf "$build/staging"
    log "zvfio cross build $status (log: $build/zvfio-build.log); last lines:"
    tail -n 15 "$build/zvfio-build.log" | sed 's/^/    /' >&2
    echo "$build"
    exit 3
fi
# ---- a fault-injection zvfio for the crash scenario (test builds only) ------
# zv_fault_point() exists only with -Dfault_injection=true (src/lib/base/zv-fault.h); the
# define-start-crash scenario runs this second binary, every other scenario the
# product build above. A failure here only makes that scenario skip.
fault_bin=$build/staging/usr/libexec/zvfio-vm/zvfio-fault
if { setup_or_reuse "$src" "$build/zvfio-fault" -Dwerror=true -Dfault_injection=true \
        && meson compile -C "$build/zvfio-fault" src/zvfio/zvfio; } >"$build/zvfio-fault-build.log" 2>&1; then
    install -D -m 0755 "$build/zvfio-fault/src/zvfio/zvfio" "$fault_bin"
else
    log "fault-injection build failed (log: $build/zvfio-fault-build.log): define-start-crash will skip"
fi
log "zvfio staged in $build/staging:"
(cd "$build/staging" && find . -type f -o -type l | sed 's/^\./    /') >&2
echo "$build"
