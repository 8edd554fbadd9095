#!/bin/bash
# Build (or reuse) the s390x Debian 12 userspace of the emulated mainframe.
#
#   tests/vm/build-rootfs.sh     -> prints the cache directory, which holds
#       tree/         the unpacked, fixed-up root file system
#       rootfs.cpio   the same tree as an uncompressed newc cpio (the initramfs base)
#
# Packages are unpacked with `mmdebstrap --variant=extract --arch=s390x` from the
# machine's own apt sources (no maintainer script runs), then the fix-ups from
# shared/facts/emulated-mainframe.md are applied. The cache key is the sha256 of
# the package list + fix-ups (the BEGIN-KEY..END-KEY part of this script), the
# suite and the apt sources used:
#   ${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}/rootfs-<key:12>/
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ZVFIO_VM_CACHE:-/var/cache/zvfio-vm}
suite=${ZVFIO_VM_SUITE:-bookworm}

log() { echo "build-rootfs: $*" >&2; }

# BEGIN-KEY (the cache key covers everything up to END-KEY)
# The guest userspace. busybox-static (not busybox) so that the same binary can
# be the nested guest's whole userspace. openssh (+ debianutils' which, that
# libvirt's ssh transport runs on the far side): scenario remote-mdev connects to
# the guest's libvirtd as a remote client, qemu+ssh://root@zvfio-remote/system.
pkgs=(
    base-files base-passwd bash coreutils util-linux mount hostname grep sed findutils
    gawk diffutils gzip tar libc-bin busybox-static procps
    kmod udev dbus
    mdevctl driverctl s390-tools
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-misc
    libxml2-utils jq python3-minimal libpython3.11-stdlib strace
    virtinst
    libglib2.0-0 libjson-glib-1.0-0 libxml2 libvirt0
    openssh-client openssh-server debianutils
)

mkdir -p "$cache"
"$here/host-packages.sh"
if ! dpkg --print-foreign-architectures | grep -qx s390x; then
    log "adding dpkg architecture s390x and refreshing apt lists"
    dpkg --add-architecture s390x
    apt-get -o DPkg::Lock::Timeout=900 update -q >"$cache/apt-update.log" 2>&1 || { cat "$cache/apt-update.log" >&2; exit 1; }
fi

# The machine's own apt sources (enabled files only).
sources=()
[[ -s /etc/apt/sources.list ]] && grep -q '^[[:space:]]*deb' /etc/apt/sources.list && sources+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -s $f ]] && sources+=("$f")
done
((${#sources[@]})) || { log "no apt sources found under /etc/apt"; exit 1; }

key=$( { echo "$suite"; sed -n '/^# BEGIN-KEY/,/^# END-KEY/p' "$0"; cat "$here/rootfs-dpkg-db.sh" "${sources[@]}"; } | sha256sum | cut -c1-12)
out=$cache/rootfs-$key
if [[ -s $out/rootfs.cpio && -d $out/tree ]]; then
    log "cached: $out"
    echo "$out"
    exit 0
fi

start=$SECONDS
work=$(mktemp -d "$cache/.rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
include=$(IFS=,; echo "${pkgs[*]}")
log "mmdebstrap --variant=extract --arch=s390x ($suite, ${#pkgs[@]} packages + dependencies)"
# the extract variant leaves dpkg's database empty: the hook records every package
# unpacked (rootfs-dpkg-db.sh), so that the zvfio .deb installs with plain dpkg -i
mmdebstrap --quiet --variant=extract --arch=s390x --include="$include" \
    --extract-hook="$here/rootfs-dpkg-db.sh \"\$1\"" \
    "$suite" "$work/rootfs.tar" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1 \
    || { tail -n 40 "$work/mmdebstrap.log" >&2; log "mmdebstrap failed"; exit 1; }
t=$work/tree
mkdir -p "$t"
tar -C "$t" -xf "$work/rootfs.tar"
rm -f "$work/rootfs.tar"

log "applying fix-ups"
# merged /usr: make sure the classic paths resolve whatever the tarball did
for d in bin sbin lib; do
    if [[ ! -e $t/$d && ! -L $t/$d ]]; then ln -s "usr/$d" "$t/$d"; fi
done
# users and groups (no maintainer script ran); libvirtd's QEMU driver needs libvirt-qemu
cp "$t/usr/share/base-passwd/passwd.master" "$t/etc/passwd"
cp "$t/usr/share/base-passwd/group.master" "$t/etc/group"
cat >>"$t/etc/group" <<'GRP'
kvm:x:994:libvirt-qemu
libvirt:x:995:
libvirt-qemu:x:64055:libvirt-qemu
messagebus:x:996:
GRP
cat >>"$t/etc/passwd" <<'PW'
libvirt-qemu:x:64055:994:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin
messagebus:x:996:996::/nonexistent:/usr/sbin/nologin
sshd:x:997:65534::/run/sshd:/usr/sbin/nologin
PW
: >"$t/etc/shadow"
awk -F: '{print $1":*:19000:0:99999:7:::"}' "$t/etc/passwd" >"$t/etc/shadow"
chmod 0640 "$t/etc/shadow"
# /bin/sh: hooks, callouts and driverctl are shell scripts (bookworm's extract
# variant is not merged-/usr here: bash lives in /bin)
ln -sf bash "$t/bin/sh"
# which: debianutils' postinst makes the alternative (none ran); libvirt's ssh
# transport runs 'which virt-ssh-helper' on the far side, else falls back to nc
ln -sf which.debianutils "$t/usr/bin/which"
# /var/run -> /run, /var/lock -> /run/lock
rm -rf "$t/var/run" "$t/var/lock"
ln -s ../run "$t/var/run"
ln -s ../run/lock "$t/var/lock"
# mount points
mkdir -p "$t"/{proc,sys,dev,run,tmp,mnt/results,root,var/log/libvirt/qemu,var/lib/libvirt/images,var/cache/libvirt}
chmod 1777 "$t/tmp"
# mdevctl refuses to run without its directories
mkdir -p "$t/etc/mdevctl.d/scripts.d/callouts" "$t/etc/mdevctl.d/scripts.d/notifiers" \
         "$t/usr/lib/mdevctl/scripts.d/callouts" "$t/usr/lib/mdevctl/scripts.d/notifiers" \
         "$t/etc/libvirt/hooks/qemu.d"
# a stable machine id (libvirt/dbus read it)
echo 5a7f10000000000000000000000000e1 >"$t/etc/machine-id"
echo zvfio-vm >"$t/etc/hostname"
# Prune what the guest never uses: other QEMU system emulators (~200 MB; libvirt
# would also probe each of them under TCG), docs, man pages, locales. Halves the
# initramfs and its unpack time.
find "$t/usr/bin" -name 'qemu-system-*' ! -name qemu-system-s390x -delete
rm -rf "$t/usr/share/doc" "$t/usr/share/man" "$t/usr/share/locale" "$t/usr/share/info"
# busybox-static provides the nested guest's userspace; check it is there
[[ -x $t/usr/bin/busybox || -x $t/bin/busybox ]] || { log "busybox missing from the tree"; exit 1; }

# END-KEY
log "writing rootfs.cpio"
(cd "$t" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc) >"$work/rootfs.cpio"

rm -rf "$out"
mkdir -p "$out"
mv "$t" "$out/tree"
mv "$work/rootfs.cpio" "$out/rootfs.cpio"
printf '%s\n' "${pkgs[@]}" >"$out/packages"
cp "$work/mmdebstrap.log" "$out/mmdebstrap.log"
# drop rootfs caches of older package lists / fix-ups
for old in "$cache"/rootfs-*; do [[ $old == "$out" ]] || rm -rf "$old"; done
log "built $out in $((SECONDS - start)) s ($(du -sh "$out/rootfs.cpio" | cut -f1) cpio)"
echo "$out"
