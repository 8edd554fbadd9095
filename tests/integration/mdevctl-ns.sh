#!/bin/sh
# Runs COMMAND with the real mdevctl (1.2, no fake-root variable) confined to a
# fixture root, in a private mount namespace:
#   mdevctl-ns.sh ROOT CALLOUT_BINARY COMMAND [ARGS...]
# - ROOT/etc/mdevctl.d is bind-mounted over /etc/mdevctl.d, so mdevctl reads and
#   writes the fixture's definitions and the host's stay untouched;
# - scripts.d/{callouts,notifiers} are created in it, holding the zvfio-callout
#   wrapper (callouts/zvfio-callout.sh) pointed at CALLOUT_BINARY;
# - ZVFIO_ROOT=ROOT, so the callout (and zvfio) read the fixture's sysfs.
# Needs root (unshare -m). Arguments are passed on, never evaluated as shell code.
set -eu
usage() {
    echo "usage: $0 ROOT CALLOUT_BINARY COMMAND [ARGS...]" >&2
    exit 2
}
if [ -z "${ZVFIO_NS_INNER:-}" ]; then
    [ $# -ge 3 ] || usage
    ZVFIO_NS_INNER=1 exec unshare --mount --propagation private /bin/sh "$0" "$@"
fi
unset ZVFIO_NS_INNER
root=$1
callout=$2
shift 2
case $callout in
    *\'*) echo "$0: the callout path must not contain a quote" >&2; exit 2 ;;
esac
template="$(dirname "$0")/../../callouts/zvfio-callout.sh"
mkdir -p "$root/etc/mdevctl.d/scripts.d/callouts" "$root/etc/mdevctl.d/scripts.d/notifiers"
mount --bind "$root/etc/mdevctl.d" /etc/mdevctl.d
target=/etc/mdevctl.d/scripts.d/callouts/zvfio-callout
# written in scripts.d (which mdevctl does not run) and renamed into place:
# concurrent runs on one root (test_stress) must never exec a wrapper another run
# holds open for writing ("Text file busy"), nor find a temporary copy in callouts/
temp=/etc/mdevctl.d/scripts.d/.zvfio-callout.tmp.$$
while IFS= read -r line; do
    case $line in
        bin=*) printf "bin='%s'\n" "$callout" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$template" > "$temp"
chmod 755 "$temp"
mv -f "$temp" "$target"
ZVFIO_ROOT=$root
export ZVFIO_ROOT
exec "$@"
