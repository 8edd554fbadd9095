#!/bin/sh
# Runs inside the chroot of tests/package/test-deb.sh, after apt installed zvfio:
#   smoke.sh VERSION DEMO_ROOT
# Every check prints "ok: ..." or "FAIL: ..."; exit 1 if any failed.
set -u
version=$1
demo=$2
failed=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; failed=1; }

callout=/usr/lib/mdevctl/scripts.d/callouts/zvfio-callout
wrapper=/etc/mdevctl.d/scripts.d/callouts/zvfio-callout
hook=/etc/libvirt/hooks/qemu.d/zvfio

# Runs "$@" and checks its exit code and that stdout equals / starts with a text.
expect() { # <exit code> <exact|prefix|contains> <text> <command>...
    want=$1 how=$2 text=$3
    shift 3
    out=$("$@" 2>/tmp/smoke.err </dev/null)
    rc=$?
    case $how in
        exact) [ "$out" = "$text" ] ;;
        prefix) case $out in "$text"*) true ;; *) false ;; esac ;;
        contains) case $out in *"$text"*) true ;; *) false ;; esac ;;
    esac
    match=$?
    if [ "$rc" -eq "$want" ] && [ "$match" -eq 0 ]; then
        ok "$* (exit $rc)"
    else
        bad "$*: exit $rc (want $want), stdout: $(echo "$out" | head -n 3), stderr: $(head -n 3 /tmp/smoke.err)"
    fi
}

# the files, where mdevctl and libvirt look
for f in /usr/bin/zvfio "$callout" "$wrapper" /usr/libexec/zvfio/zvfio-hook-gate \
         /usr/libexec/zvfio/zvfio-hook; do
    if [ -f "$f" ] && [ -x "$f" ]; then ok "$f is an executable file"; else bad "$f missing or not executable"; fi
done
if [ -L "$hook" ] && [ "$(readlink "$hook")" = /usr/libexec/zvfio/zvfio-hook-gate ]; then
    ok "$hook -> /usr/libexec/zvfio/zvfio-hook-gate"
else
    bad "$hook is not a link to /usr/libexec/zvfio/zvfio-hook-gate"
fi
# the udev rule runs the helper the package installs
rule=/usr/lib/udev/rules.d/70-zvfio-devno-hint.rules
hint=$(sed -n 's/.*RUN+="\([^ "]*\) .*/\1/p' "$rule" 2>/dev/null)
if [ -n "$hint" ] && [ -x "$hint" ] && grep -q '^ACTION=="bind", SUBSYSTEM=="css", DRIVER=="vfio_ccw"' "$rule"; then
    ok "$rule runs $hint on a vfio_ccw bind"
else
    bad "$rule missing, or its RUN program '$hint' is not an installed executable"
fi
# every path the package lists exists; man pages, if the package has any, are in place
dpkg -L zvfio | while read -r p; do
    [ -e "$p" ] || [ -L "$p" ] || echo "$p"
done >/tmp/smoke.missing
if [ -s /tmp/smoke.missing ]; then bad "listed by dpkg -L but missing: $(head -n 3 /tmp/smoke.missing)"; else ok "every path of dpkg -L zvfio exists"; fi
mans=$(dpkg -L zvfio | grep -c '^/usr/share/man/man[1-8]/.*\.[1-8]\.gz$')
if [ "$mans" -gt 0 ]; then
    for m in $(dpkg -L zvfio | grep '^/usr/share/man/man[1-8]/.*\.[1-8]\.gz$'); do
        if [ -s "$m" ] && gzip -t "$m"; then ok "man page $m"; else bad "man page $m broken"; fi
    done
else
    echo "note: the package installs no man page"
fi
[ -f /usr/share/zvfio/schemas/zvfio-list.schema.json ] && ok "schemas installed" || bad "no /usr/share/zvfio/schemas/zvfio-list.schema.json"

# the programs
expect 0 exact "zvfio $version" zvfio --version
expect 0 contains "0.0.0100  0.0.0000  io       3390/0c" zvfio --root "$demo" list
expect 0 prefix "Usage: zvfio-callout -t TYPE" "$callout" --help
expect 0 exact "zvfio-callout $version" "$wrapper" --version   # wrapper -> binary
expect 0 prefix "Usage: zvfio-hook DOMAIN" "$hook" --help      # link -> gate -> worker
expect 0 exact "zvfio-hook $version" "$hook" --version
expect 0 exact "zvfio-udev-hint $version" "$hint" --version
expect 4 exact "" env ZVFIO_ROOT=/tmp "$hint" 0.0.0001   # no such subchannel: nothing written
# a libvirt call with nothing to do, and mdevctl's call for a foreign type
expect 0 exact "" "$hook" guest1 started begin -
expect 2 exact "" "$wrapper" -t vfio_ap-passthrough -e pre -a define -s none \
    -u 11111111-2222-3333-4444-555555555555 -p matrix

# mdevctl itself runs the installed callout: with no channel subsystem here it vetoes,
# every time. The refusal comes at once; mdevctl 1.2 writes the config to the callout's
# stdin after starting it and skips a callout whose stdin is closed by then (a broken
# pipe), so a callout that answered before reading stdin lost this veto now and then
# (CI of stop 24: 'exit 0', the definition written). 20 trials.
lost=0
for trial in $(seq 20); do
    out=$(mdevctl define -u 11111111-2222-3333-4444-555555555555 -p 0.0.0001 -t vfio_ccw-io 2>&1)
    rc=$?
    case $out in
        *zvfio-callout*) [ $rc -ne 0 ] && [ ! -e /etc/mdevctl.d/0.0.0001 ] || lost=$((lost + 1)) ;;
        *) lost=$((lost + 1)) ;;
    esac
    rm -rf /etc/mdevctl.d/0.0.0001
done
if [ $lost -eq 0 ]; then
    ok "mdevctl define ran zvfio-callout, which refused, 20 of 20 times (exit $rc)"
else
    bad "mdevctl define was let through $lost of 20 times (last: exit $rc): $out"
fi

[ $failed -eq 0 ] && echo "smoke: all checks passed"
exit $failed
