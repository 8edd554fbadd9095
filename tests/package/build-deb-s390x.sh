#!/bin/bash
# Cross-builds the zvfio .deb for s390x from the same debian/ on this x86 machine.
#
#   tests/package/build-deb-s390x.sh [OUTDIR]    (root; prints the path of the .deb)
#
# The s390x libraries come from the sysroot of tests/vm/build-zvfio.sh (run first: it
# makes or reuses the cached sysroot and its s390x-linux-gnu-pkg-config wrapper).
# dpkg-buildpackage -a s390x -d (the s390x -dev packages are in the sysroot, not
# installed), with the repo's meson cross file (tests/vm/s390x-cross.ini, passed as
# DH_MESON_CROSS_FILE) and --sysroot in CFLAGS/LDFLAGS. dpkg-shlibdeps needs to know
# which package ships each library and its symbols: the s390x runtime library packages
# are downloaded (apt-get download) and described in a private dpkg database whose file
# lists name the sysroot's paths (debian/rules passes it when ZVFIO_SHLIBDEPS_ADMINDIR
# is set). Tests are not run (s390x binaries). lintian errors fail the build.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${ZVFIO_SRC:-$(cd "$here/../.." && pwd)}
out=${1:-$PWD}
work=$(mktemp -d /tmp/zvfio-deb-s390x.XXXXXX)
log() { echo "build-deb-s390x: $*" >&2; }
fail() { log "$*"; log "FAIL (logs in $work)"; exit 1; }
(( $(id -u) == 0 )) || fail "needs root (apt-get, tests/vm/build-zvfio.sh)"
. "$here/../lib/debian.sh"
export ZV_APT_LOG=$work/apt-host.log
# the runtime packages of the libraries zvfio links (debian/control Build-Depends)
runtime_libs=(libc6 libglib2.0-0 libjson-glib-1.0-0 libxml2 libvirt0)

zv_apt_install debhelper dpkg-dev lintian fakeroot gcc-s390x-linux-gnu meson pkgconf \
    || fail "cannot install the host packages"

log "s390x sysroot: tests/vm/build-zvfio.sh (log: $work/build-zvfio.log)"
set +e
vmbuild=$("$src/tests/vm/build-zvfio.sh" 2>"$work/build-zvfio.log" | tail -n 1)
rc=$?
set -e
# exit 3: zvfio itself did not build there, the sysroot is still fine
((rc == 0 || rc == 3)) || { tail -n 20 "$work/build-zvfio.log" >&2; fail "tests/vm/build-zvfio.sh failed ($rc)"; }
sysroot=$(sed -n "s/^sys_root = '\(.*\)'\$/\1/p" "$vmbuild/sysroot.ini")
[[ -d $sysroot/usr/lib/s390x-linux-gnu && -x $vmbuild/bin/s390x-linux-gnu-pkg-config ]] \
    || fail "no sysroot or pkg-config wrapper in $vmbuild"

log "describing the sysroot's libraries for dpkg-shlibdeps (${runtime_libs[*]})"
mkdir -p "$work/debs" "$work/admindir/info" "$work/admindir/updates"
chown _apt "$work/debs" 2>/dev/null || true
(cd "$work/debs" && apt-get download "${runtime_libs[@]/%/:s390x}") >"$work/download.log" 2>&1 \
    || { tail -n 10 "$work/download.log" >&2; fail "apt-get download of the s390x libraries failed"; }
adm=$work/admindir
echo 1 >"$adm/info/format"        # multiarch names: <package>:<arch>.list
: >"$adm/status"
: >"$adm/available"
for d in "$work"/debs/*.deb; do
    p=$(dpkg-deb -f "$d" Package)
    a=$(dpkg-deb -f "$d" Architecture)
    v=$(dpkg-deb -f "$d" Version)
    doc=$sysroot/usr/share/doc/$p
    [[ -d $doc ]] || fail "$p is not in the sysroot $sysroot"
    ctl=$work/control-$p
    dpkg-deb -e "$d" "$ctl"
    { sed '/^$/d' "$ctl/control" | sed '1a Status: install ok installed'; echo; } >>"$adm/status"
    for f in symbols shlibs; do
        [[ -f $ctl/$f ]] && cp "$ctl/$f" "$adm/info/$p:$a.$f"
    done
    dpkg-deb --fsys-tarfile "$d" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^/$' \
        | sed "s|^|$sysroot|" >"$adm/info/$p:$a.list"
    log "  $p $v"
done

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
tree=$work/src/zvfio-$version
zv_copy_checkout "$src" "$tree"
log "dpkg-buildpackage -a s390x (log: $work/build.log)"
t0=$(date +%s)
(cd "$tree" && env PATH="$vmbuild/bin:$PATH" \
    DH_MESON_CROSS_FILE="$tree/tests/vm/s390x-cross.ini" \
    DEB_CFLAGS_APPEND="--sysroot=$sysroot" DEB_LDFLAGS_APPEND="--sysroot=$sysroot" \
    DEB_BUILD_OPTIONS=nocheck ZVFIO_SHLIBDEPS_ADMINDIR="$adm" \
    ZVFIO_SHLIBDEPS_LIBDIRS="$sysroot/lib/s390x-linux-gnu $sysroot/usr/lib/s390x-linux-gnu" \
    dpkg-buildpackage -a s390x -d -us -uc -b) >"$work/build.log" 2>&1 \
    || { tail -n 30 "$work/build.log" >&2; fail "dpkg-buildpackage -a s390x failed"; }
deb=$work/src/zvfio_${version}_s390x.deb
[[ -f $deb ]] || fail "no $deb"
log "built in $(( $(date +%s) - t0 )) s; Depends: $(dpkg-deb -f "$deb" Depends)"
lintian --fail-on error "$work/src/zvfio_${version}_s390x.changes" >"$work/lintian.log" 2>&1 \
    || { cat "$work/lintian.log" >&2; fail "lintian reports errors"; }
grep -E '^[EW]:' "$work/lintian.log" >&2 || true
mkdir -p "$out"
cp "$deb" "$out/"
rm -rf "$work"
log "PASS"
echo "$out/$(basename "$deb")"
