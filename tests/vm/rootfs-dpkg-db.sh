#!/bin/bash
# mmdebstrap --extract-hook of build-rootfs.sh: the dpkg database of the rootfs.
#
#   rootfs-dpkg-db.sh ROOT      (ROOT: mmdebstrap's chroot directory, "$1" of the hook)
#
# `mmdebstrap --variant=extract` unpacks the packages but leaves dpkg's database
# empty, so dpkg in the emulated mainframe knew no package and refused the zvfio
# .deb's Depends. When this hook runs, every package mmdebstrap unpacked is still in
# ROOT/var/cache/apt/archives: each one is recorded as dpkg records an installed
# package, its control record in status with "Status: install ok installed" (and its
# conffiles with their checksums), its file list, md5sums, conffiles, shlibs,
# symbols and triggers in info/ (PACKAGE:ARCH.* for Multi-Arch: same). Maintainer
# scripts do not run here (they are s390x programs, and the rootfs never ran them):
# the database describes the rootfs as it is. Runs on the build machine.
set -euo pipefail
root=${1:?usage: rootfs-dpkg-db.sh ROOT}
archives=$root/var/cache/apt/archives
db=$root/var/lib/dpkg
mkdir -p "$db/info" "$db/updates"
shopt -s nullglob
debs=("$archives"/*.deb)
((${#debs[@]})) || { echo "rootfs-dpkg-db: no packages in $archives" >&2; exit 1; }
ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
status=$db/status
: >"$status"
for d in "${debs[@]}"; do
    p=$(dpkg-deb -f "$d" Package)
    a=$(dpkg-deb -f "$d" Architecture)
    name=$p
    [[ $(dpkg-deb -f "$d" Multi-Arch) == same ]] && name=$p:$a
    rm -rf "$ctl/c" && dpkg-deb -e "$d" "$ctl/c"
    {
        sed -e '/^Package:/a Status: install ok installed' "$ctl/c/control"
        if [[ -s $ctl/c/conffiles ]]; then
            echo "Conffiles:"
            while read -r f; do
                [[ -n $f ]] || continue
                if [[ -f $root$f ]]; then
                    echo " $f $(md5sum <"$root$f" | cut -d' ' -f1)"
                else
                    echo " $f newconffile"
                fi
            done <"$ctl/c/conffiles"
        fi
        echo
    } >>"$status"
    dpkg-deb --fsys-tarfile "$d" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' \
        >"$db/info/$name.list"
    for f in md5sums conffiles shlibs symbols triggers; do
        [[ -f $ctl/c/$f ]] && cp "$ctl/c/$f" "$db/info/$name.$f"
    done
done
echo "rootfs-dpkg-db: ${#debs[@]} packages recorded in /var/lib/dpkg" >&2
