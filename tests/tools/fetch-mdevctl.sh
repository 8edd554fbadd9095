#!/bin/sh
# Fetches Debian trixie's mdevctl (1.4.x: versioned callouts, /usr/lib/mdevctl/scripts.d,
# MDEVCTL_ENV_ROOT) into a test-only prefix and prints the path of a wrapper that runs it:
#
#   fetch-mdevctl.sh [--arch ARCH] [--suite SUITE] [--refresh]
#
# * apt runs with a PRIVATE configuration under the cache directory: its own sources
#   list (SUITE on the mirror the machine's own Debian sources name, read at run time
#   from /etc/apt/sources.list.d/*.sources or the one-line lists, with the same
#   keyring), its own Dir::Etc, Dir::State (lists, empty dpkg status) and Dir::Cache.
#   The machine's sources, lists, caches and installed packages are never touched;
#   nothing is installed: the .debs are unpacked with dpkg-deb -x.
# * Cached by version: <cache>/<suite>-<arch>/prefix-l<layout>-<versions>/ plus a
#   'current' link; the wrapper is <prefix>/mdevctl and finds the prefix from its own
#   path (the prefix can be copied elsewhere).
#   A run that finds a complete prefix uses it without the network; --refresh (or
#   ZVFIO_MDEVCTL_REFRESH=1) asks the mirror again and unpacks new versions only.
# * Cache directory: $ZVFIO_MDEVCTL_CACHE, else /var/cache/zvfio-mdevctl as root, else
#   ${XDG_CACHE_HOME:-~/.cache}/zvfio-mdevctl.
#
# Why libc6 too: trixie's mdevctl needs GLIBC_2.39 (objdump -T), bookworm has 2.36.
# So trixie's libc6 and libgcc-s1 are unpacked into the same prefix and the wrapper runs
# mdevctl through the prefix's dynamic loader with --library-path. Deliberately NOT
# LD_LIBRARY_PATH: that would leak into the callouts mdevctl executes, which are built
# against the host's glibc and must keep the host's loader and libc. For a foreign ARCH
# (e.g. s390x for the emulated mainframe) the prefix is unpacked the same way; its
# wrapper only runs on that architecture.
#
# Exit 0 and the wrapper path on stdout; otherwise a message on stderr and exit 1.
set -eu

prog=fetch-mdevctl.sh
layout=2        # bump when the prefix layout or the wrapper changes
die() {
    echo "$prog: $*" >&2
    exit 1
}

arch=
suite=trixie
refresh=${ZVFIO_MDEVCTL_REFRESH:-0}
while [ $# -gt 0 ]; do
    case $1 in
        --arch) [ $# -ge 2 ] || die "--arch needs a value"; arch=$2; shift 2 ;;
        --suite) [ $# -ge 2 ] || die "--suite needs a value"; suite=$2; shift 2 ;;
        --refresh) refresh=1; shift ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (usage: $prog [--arch ARCH] [--suite SUITE] [--refresh])" ;;
    esac
done
[ -n "$arch" ] || arch=$(dpkg --print-architecture)
case $arch$suite in
    *[!a-z0-9-]*) die "invalid --arch or --suite" ;;
esac

if [ -n "${ZVFIO_MDEVCTL_CACHE:-}" ]; then
    cache=$ZVFIO_MDEVCTL_CACHE
elif [ "$(id -u)" = 0 ]; then
    cache=/var/cache/zvfio-mdevctl
else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/zvfio-mdevctl
fi
base=$cache/$suite-$arch
mkdir -p "$base" || die "cannot create the cache directory $base"
base=$(cd "$base" && pwd -P)
case $base in
    *\'*|*'"'*|*'\\'*|*'$'*|*'`'*) die "the cache path must not contain quotes, backslashes, \$ or \`" ;;
esac

# one fetch at a time per suite/arch (parallel test runs share the cache)
exec 9>"$base/lock"
flock -w 600 9 || die "timed out waiting for $base/lock"

wrapper_of() {
    printf '%s/mdevctl\n' "$1"
}

if [ "$refresh" != 1 ] && [ -f "$base/current/.complete" ] &&
   [ "$(head -n 1 "$base/current/.complete")" = "layout $layout" ]; then
    wrapper_of "$(cd "$base/current" && pwd -P)"
    exit 0
fi

# --- the machine's Debian mirror and keyring (read, never changed) -------------------
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
mirror=
keyring=
for sources in /etc/apt/sources.list.d/*.sources; do
    # deb822 (any file name: mmdebstrap writes 0000debian.sources): the first 'deb'
    # stanza whose Suites name the host's own release
    [ -f "$sources" ] && [ -z "$mirror" ] || continue
    found=$(awk -v want="$codename" '
        function flush() {
            if (!done && types ~ /(^| )deb( |$)/ && (want == "" || suites ~ ("(^| )" want "( |$)"))) {
                split(uris, u, " "); print u[1] "\t" key; done = 1
            }
            types = ""; uris = ""; suites = ""; key = ""
        }
        /^[ \t]*$/ { flush(); next }
        /^#/ { next }
        tolower($1) == "types:" { types = substr($0, index($0, ":") + 1) }
        tolower($1) == "uris:" { uris = substr($0, index($0, ":") + 1) }
        tolower($1) == "suites:" { suites = substr($0, index($0, ":") + 1) }
        tolower($1) == "signed-by:" { key = $2 }
        END { flush() }' "$sources")
    mirror=$(printf '%s' "$found" | cut -f1)
    keyring=$(printf '%s' "$found" | cut -f2)
done
for sources in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    # one-line format: deb [options] URI SUITE COMPONENTS
    [ -f "$sources" ] && [ -z "$mirror" ] || continue
    mirror=$(awk -v want="$codename" '
        $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                      if (want == "" || $(i + 1) == want) { print $i; exit } }' "$sources")
done
[ -n "$mirror" ] || die "found no Debian mirror for '$codename' in /etc/apt/sources.list.d/*.sources, /etc/apt/sources.list or /etc/apt/sources.list.d/*.list"
[ -n "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "keyring $keyring is not readable"

# --- private apt configuration -------------------------------------------------------
apt_dir=$base/apt
mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" \
    "$apt_dir/etc/apt.conf.d" "$apt_dir/etc/trusted.gpg.d" \
    "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$base/debs"
: > "$apt_dir/state/status"
: > "$apt_dir/etc/sources.list"
cat > "$apt_dir/etc/sources.list.d/$suite.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: $keyring
EOF
# Read after the machine's apt.conf (so a proxy configured there still applies); the
# machine's update/dpkg hooks are cleared: this apt touches nothing of the machine's.
cat > "$apt_dir/apt.conf" <<EOF
Dir::Etc "$apt_dir/etc";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Etc::preferencesparts "preferences.d";
Dir::Etc::trustedparts "trusted.gpg.d";
Dir::State "$apt_dir/state";
Dir::State::status "$apt_dir/state/status";
Dir::Cache "$apt_dir/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "$arch";
#clear APT::Architectures;
APT::Architectures { "$arch"; };
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::Retries "1";
Acquire::http::Timeout "20";
Acquire::https::Timeout "20";
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
EOF
if id _apt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    # apt downloads as _apt; let it write its partial files and the .debs
    chown _apt "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$base/debs"
fi
apt_get() {
    apt-get -c "$apt_dir/apt.conf" -q "$@"
}

log=$base/last-fetch.log
if ! apt_get --error-on=any update > "$log" 2>&1; then
    sed 's/^/  /' "$log" >&2
    die "apt-get update for '$suite' from $mirror failed (network or mirror unreachable?); mdevctl $suite is needed by the mdevctl 1.4 integration tests"
fi

packages="mdevctl libc6 libgcc-s1"
versions=
for pkg in $packages; do
    v=$(apt-cache -c "$apt_dir/apt.conf" policy "$pkg" 2>/dev/null |
        awk '$1 == "Candidate:" { print $2 }')
    case $v in
        ''|'(none)') die "$suite ($arch) on $mirror has no package '$pkg'" ;;
    esac
    versions="$versions${versions:+_}$pkg-$v"
done
# ':' and '~' are legal in Debian versions but awkward in paths
key=$(printf '%s' "$versions" | tr ':~' '%-')
prefix=$base/prefix-l$layout-$key

if [ ! -f "$prefix/.complete" ]; then
    (cd "$base/debs" && apt_get download $packages) > "$log" 2>&1 || {
        sed 's/^/  /' "$log" >&2
        die "apt-get download $packages from $mirror ($suite, $arch) failed"
    }
    rm -rf "$prefix.tmp"
    mkdir -p "$prefix.tmp"
    for pkg in $packages; do
        deb=$(ls "$base/debs/${pkg}_"*"_$arch.deb" "$base/debs/${pkg}_"*"_all.deb" 2>/dev/null |
              sort -V | tail -n 1)
        [ -n "$deb" ] || die "apt-get download left no .deb for $pkg in $base/debs"
        dpkg-deb -x "$deb" "$prefix.tmp" || die "dpkg-deb -x $deb failed"
    done

    bin=$prefix/usr/bin/mdevctl
    [ -x "$prefix.tmp/usr/bin/mdevctl" ] || { bin=$prefix/usr/sbin/mdevctl
        [ -x "$prefix.tmp/usr/sbin/mdevctl" ] || die "no mdevctl binary in the $suite package"; }
    libc=$(cd "$prefix.tmp" && find . -name libc.so.6 -path '*/lib/*' | head -n 1)
    [ -n "$libc" ] || die "no libc.so.6 in $suite's libc6 ($arch)"
    libdir=$prefix/${libc#./}
    libdir=${libdir%/libc.so.6}
    # the loader the binary asks for (PT_INTERP), inside the prefix
    interp=$(LC_ALL=C readelf -l "$prefix.tmp${bin#"$prefix"}" |
             sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
    [ -n "$interp" ] || die "cannot read the program interpreter of mdevctl"
    case $interp in
        /lib/*|/lib64/*) [ -e "$prefix.tmp$interp" ] || interp=/usr$interp ;;
    esac
    [ -e "$prefix.tmp$interp" ] || die "the prefix lacks mdevctl's loader $interp"
    rel_libdir=${libdir#"$prefix"}
    rel_bin=${bin#"$prefix"}
    cat > "$prefix.tmp/mdevctl" <<EOF
#!/bin/sh
# mdevctl from Debian $suite ($versions, $arch), unpacked by
# tests/tools/fetch-mdevctl.sh. It needs a newer glibc than the host's, so it runs
# through the prefix's own loader with an explicit --library-path (not LD_LIBRARY_PATH,
# which would leak into the callouts mdevctl executes). The prefix is this script's
# directory, so it can be copied elsewhere (e.g. into a guest's root file system).
p=\$(dirname "\$(readlink -f "\$0")")
exec "\$p$interp" --library-path "\$p$rel_libdir" --argv0 "\$0" "\$p$rel_bin" "\$@"
EOF
    chmod 755 "$prefix.tmp/mdevctl"
    printf 'layout %s\n%s\n' "$layout" "$versions" > "$prefix.tmp/.complete"
    rm -rf "$prefix"
    mv "$prefix.tmp" "$prefix"
    rm -f "$base/debs"/*.deb     # the unpacked prefix is the cache
fi
ln -sfn "$(basename "$prefix")" "$base/current.tmp"
mv -T "$base/current.tmp" "$base/current"
for old in "$base"/prefix-*; do      # older versions and layouts
    [ "$old" = "$prefix" ] || rm -rf "$old"
done
wrapper_of "$prefix"
