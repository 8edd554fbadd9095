#!/bin/bash
# Builds the zvfio Debian package and proves it in a clean Debian 12 chroot.
#
#   tests/package/test-deb.sh [--deb FILE] [--keep]
#
#  1. installs what it needs on the host (debhelper, dpkg-dev, lintian, mmdebstrap,
#     fakeroot, build-essential and the Build-Depends of debian/control);
#  2. builds the package from a copy of the source tree (`dpkg-source -b` and
#     `dpkg-buildpackage -us -uc -b`; the unit tests run in the build) unless
#     --deb FILE gives one, and runs lintian on it: any error fails;
#  3. makes a minbase Debian chroot with mmdebstrap from this machine's own apt sources,
#     holding the package's Depends (cached as a tarball under $ZVFIO_CHROOT_CACHE,
#     default /var/cache/zvfio-chroot, keyed by a hash of the package list, the suite,
#     the architecture and the sources: a second run unpacks it);
#  4. installs the .deb there with apt, runs the smoke test (tests/package/smoke.sh)
#     inside, then `dpkg -r` (only the package's conffiles may stay) and `dpkg -P`
#     (nothing may stay): file lists of the chroot before and after are compared.
#
# Prints "test-deb: PASS ..." or "test-deb: FAIL: <step>" last; exit 0 only on PASS.
# Needs root (apt, chroot, mount namespace). Logs and the .deb stay in the work
# directory ($ZVFIO_DEB_WORK, default a new /tmp/zvfio-deb.XXXXXX) with --keep or on FAIL.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${ZVFIO_SRC:-$(cd "$here/../.." && pwd)}
cache=${ZVFIO_CHROOT_CACHE:-/var/cache/zvfio-chroot}
suite=${ZVFIO_DEB_SUITE:-bookworm}
deb=
keep=0

while (($#)); do
    case $1 in
        --deb) deb=$(realpath -e "${2:?--deb needs a file}"); shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "test-deb: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

start=$(date +%s)
work=${ZVFIO_DEB_WORK:-$(mktemp -d /tmp/zvfio-deb.XXXXXX)}
mkdir -p "$work"
step=setup
log() { echo "test-deb: $*" >&2; }
finish() {
    local rc=$?
    if ((rc == 0)); then
        echo "test-deb: PASS ($(( $(date +%s) - start )) s: built, lintian clean of errors, installed, smoke-tested, removed and purged without leftovers)"
        ((keep)) || rm -rf "$work"
    else
        # keep the logs and the .deb, not the big trees (--keep keeps everything)
        ((keep)) || rm -rf "$work/chroot" "$work"/src/zvfio-*/
        echo "test-deb: FAIL: $step (logs in $work)"
    fi
}
trap finish EXIT
fail() { log "$*"; exit 1; }

(( $(id -u) == 0 )) || fail "needs root (apt-get, chroot, mount namespaces)"

# ---- 1. host packages -------------------------------------------------------------
step="installing host packages"
. "$here/../lib/debian.sh"
export ZV_APT_LOG=$work/apt-host.log
zv_apt_install debhelper dpkg-dev lintian mmdebstrap fakeroot build-essential
if [[ -z $deb ]]; then
    # Build-Depends exactly as debian/control says (dpkg-checkbuilddeps prints what is missing)
    if ! missing=$(cd "$src" && dpkg-checkbuilddeps 2>&1); then
        log "${missing##*: }"
        (cd "$src" && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
            build-dep -y -q --no-install-recommends ./) >>"$work/apt-host.log" 2>&1 \
            || { tail -n 30 "$work/apt-host.log" >&2; fail "cannot install the Build-Depends"; }
    fi
fi

# ---- 2. build + lintian -----------------------------------------------------------
if [[ -z $deb ]]; then
    step="copying the source tree"
    version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
    tree=$work/src/zvfio-$version
    rm -rf "$work/src"
    zv_copy_checkout "$src" "$tree"
    step="dpkg-source -b"
    (cd "$work/src" && dpkg-source -b "zvfio-$version") >"$work/dpkg-source.log" 2>&1 \
        || { tail -n 20 "$work/dpkg-source.log" >&2; fail "dpkg-source -b failed"; }
    step="dpkg-buildpackage -us -uc -b"
    log "building the package (log: $work/build.log)"
    t0=$(date +%s)
    (cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 \
        || { tail -n 40 "$work/build.log" >&2; fail "dpkg-buildpackage failed"; }
    log "built in $(( $(date +%s) - t0 )) s"
    deb=$(ls "$work"/src/zvfio_"$version"_*.deb)
    changes=$(ls "$work"/src/zvfio_"$version"_*.changes)
    lint_targets=("$changes" "$work/src/zvfio_$version.dsc")
else
    lint_targets=("$deb")
fi
step="lintian"
set +e
lintian --fail-on error --display-info "${lint_targets[@]}" >"$work/lintian.log" 2>&1
lint_rc=$?
set -e
log "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors, $(grep -c '^W:' "$work/lintian.log" || true) warnings, $(grep -c '^I:' "$work/lintian.log" || true) info"
sed 's/^/    /' "$work/lintian.log" >&2
((lint_rc == 0)) || fail "lintian reports errors (exit $lint_rc)"

pkg=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
[[ $pkg == zvfio ]] || fail "$deb is package '$pkg', not zvfio"

# ---- 3. the cached chroot -----------------------------------------------------------
# Its packages: the first alternative of each Depends of the .deb (versions are checked
# by apt at install time), so apt resolves the real Depends against them.
step="making the chroot"
mapfile -t deps < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/:any//; s/[[:space:]]//g' \
    | grep -v '^$' | sort -u)
zv_apt_sources || fail "no apt sources on this machine (/etc/apt/sources.list*)"
key=$( { printf '%s\n' "${deps[@]}"; echo "$suite $arch minbase"; cat "${apt_sources[@]}"; } | sha256sum | cut -c1-12)
tarball=$cache/chroot-$suite-$arch-$key.tar
mkdir -p "$cache"
if [[ ! -s $tarball ]]; then
    log "creating the $suite chroot (${deps[*]}) with mmdebstrap (cache: $tarball)"
    t0=$(date +%s)
    tmp=$(mktemp "$cache/.chroot.XXXXXX.tar")
    mmdebstrap --quiet --variant=minbase --arch="$arch" --include="$(IFS=,; echo "${deps[*]}")" \
        "$suite" "$tmp" "${apt_sources[@]}" >"$work/mmdebstrap.log" 2>&1 \
        || { tail -n 40 "$work/mmdebstrap.log" >&2; rm -f "$tmp"; fail "mmdebstrap failed"; }
    mv "$tmp" "$tarball"
    log "chroot made in $(( $(date +%s) - t0 )) s"
    # chroots for older package lists or sources are not used again
    find "$cache" -maxdepth 1 -name "chroot-$suite-$arch-*.tar" ! -name "${tarball##*/}" -delete
else
    log "using the cached chroot $tarball"
fi
root=$work/chroot
rm -rf "$root" && mkdir "$root"
tar -C "$root" -xf "$tarball"

# Runs a command inside the chroot, in a private mount namespace (/proc and /dev are
# mounted there and vanish with it; nothing leaks onto the host).
in_chroot() {
    unshare --mount --propagation private -- /bin/sh -c \
        'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' \
        "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
# The chroot's files (path and type), apt's and dpkg's own bookkeeping left out.
snapshot() {
    in_chroot find / -xdev \( -path /proc -o -path /dev -o -path /sys -o -path /tmp \
        -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/log -o -path /var/cache/apt \
        -o -path /var/cache/debconf -o -path /var/cache/ldconfig -o -path /etc/ld.so.cache \) \
        -prune -o -printf '%p %y\n' | LC_ALL=C sort >"$1"
}

# ---- 4. install, smoke test, remove, purge ------------------------------------------
step="installing the .deb with apt"
cp "$deb" "$root/tmp/$pkg.deb"
cp -a "$src/examples/demo-lpar" "$root/tmp/demo-lpar"
cp "$here/smoke.sh" "$root/tmp/smoke.sh"
snapshot "$work/files-before"
in_chroot apt-get -o Debug::pkgProblemResolver=yes install -y -q --no-install-recommends \
    "/tmp/$pkg.deb" >"$work/apt-chroot.log" 2>&1 \
    || { tail -n 30 "$work/apt-chroot.log" >&2; fail "apt-get install of $pkg.deb in the chroot failed"; }
grep -A12 '^zvfio: ' "$work/apt-chroot.log" | sed 's/^/    postinst> /' >&2 || true
in_chroot dpkg-query -W -f='${Status}\n' "$pkg" | grep -qx 'install ok installed' \
    || fail "$pkg is not 'install ok installed' after apt-get install"
grep -q '^zvfio: libvirt qemu hook installed' "$work/apt-chroot.log" \
    || fail "the postinst did not tell what libvirtd needs for the new hook"

step="smoke test in the chroot"
in_chroot /bin/sh /tmp/smoke.sh "$version" /tmp/demo-lpar >"$work/smoke.log" 2>&1 \
    || { sed 's/^/    /' "$work/smoke.log" >&2; fail "smoke test failed"; }
sed 's/^/    /' "$work/smoke.log" >&2
in_chroot find /tmp/demo-lpar -newer /tmp/smoke.sh -print >"$work/demo-changed" 2>&1 || true
[[ ! -s $work/demo-changed ]] || fail "the smoke test changed the demo tree: $(head -3 "$work/demo-changed")"

step="dpkg -r"
in_chroot dpkg-query -W -f='${Conffiles}\n' "$pkg" | awk 'NF {print $1 " f"}' | LC_ALL=C sort >"$work/conffiles"
in_chroot dpkg -r "$pkg" >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log" >&2; fail "dpkg -r failed"; }
snapshot "$work/files-removed"
# what dpkg -r left: exactly the conffiles (Debian keeps them until purge)
comm -13 "$work/files-before" "$work/files-removed" >"$work/left-after-remove"
if ! diff -u "$work/conffiles" "$work/left-after-remove" >"$work/remove.diff"; then
    cat "$work/remove.diff" >&2
    fail "dpkg -r left more (+) or other than the conffiles"
fi
comm -23 "$work/files-before" "$work/files-removed" >"$work/lost-after-remove"
[[ ! -s $work/lost-after-remove ]] || { cat "$work/lost-after-remove" >&2; fail "dpkg -r removed files that were there before"; }

step="dpkg -P"
in_chroot dpkg -P "$pkg" >"$work/dpkg-P.log" 2>&1 || { cat "$work/dpkg-P.log" >&2; fail "dpkg -P failed"; }
snapshot "$work/files-purged"
if ! diff -u "$work/files-before" "$work/files-purged" >"$work/purge.diff"; then
    cat "$work/purge.diff" >&2
    fail "after dpkg -P the chroot differs from before the install"
fi
status=$(in_chroot dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
[[ -z $status || $status == un* ]] || fail "dpkg still knows $pkg after purge: '$status'"
log "removed: only the conffiles stayed ($(wc -l <"$work/conffiles")); purged: nothing stayed"
step=done
