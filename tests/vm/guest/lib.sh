# Helpers for the scenario scripts (sourced; bash). Every check ASSERTS:
# fail/skip/xfail end the scenario with a one-line detail for the result marker.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ZV_DETAIL=${ZV_DETAIL:-/tmp/zv-detail}
ZV_WORK=${ZV_WORK:-/tmp/zv-work}
mkdir -p "$ZV_WORK"
DEVICES=/etc/zvfio-vm/devices.json
LIB=/usr/lib/zvfio-vm

step()  { echo "--- [${SECONDS}s] $*"; }
note()  { echo "    $*"; }
pass()  { echo "$*" > "$ZV_DETAIL"; echo "PASS: $*"; exit 0; }
fail()  { echo "$*" > "$ZV_DETAIL"; echo "ASSERTION FAILED: $*"; zv_diag; exit 1; }
skip()  { echo "$*" > "$ZV_DETAIL"; echo "SKIP: $*"; exit 77; }
xfail() { echo "$*" > "$ZV_DETAIL"; echo "XFAIL: $*"; exit 78; }

# diagnostics printed on failure (goes to console + scenario log)
zv_diag() {
    echo "=== diagnostics ($ZV_SCENARIO)"
    lscss 2>&1 | head -30
    lscss --vfio 2>&1 | head -10
    ls -l /sys/bus/mdev/devices/ 2>&1
    mdevctl list --defined 2>&1 | head
    virsh -q list --all 2>&1 | head
    grep -v virNetSocketReadWire /var/log/libvirt/libvirtd.log 2>/dev/null | tail -n 15
    for f in /var/log/libvirt/qemu/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 4 "$f"; }; done
    dmesg | tail -n 20
}

# run CMD...: echo it, capture stdout+stderr in $OUT and the exit code in $RC
run() {
    echo "+ $*"
    OUT=$("$@" 2>&1); RC=$?
    [ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/  | /' | head -n 200
    [ $RC -eq 0 ] || echo "  (exit $RC)"
    return 0
}
# ok CMD...: must succeed
ok() { run "$@"; [ $RC -eq 0 ] || fail "'$*' exited $RC: $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"; }
# refused PATTERN CMD...: must fail and its output must match the ERE PATTERN
refused() {
    local pat=$1; shift
    run "$@"
    [ $RC -ne 0 ] || fail "'$*' succeeded but should have been refused"
    printf '%s' "$OUT" | grep -Eqi -- "$pat" || fail "'$*' failed (exit $RC) without the expected message /$pat/: $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"
}
assert_eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }
assert_file() { [ -e "$1" ] || fail "${2:-$1} does not exist"; }
assert_no_file() { [ ! -e "$1" ] || fail "${2:-$1} exists but should not"; }

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
    local t=$1; shift
    local end=$(( $(date +%s) + t ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.5
    done
}

# ---- zvfio availability: scenarios turn on as the commands land ----------
zvfio_status() { cat /etc/zvfio-vm/zvfio-status 2>/dev/null || echo "FAILED: unknown"; }
need_zvfio() {
    command -v zvfio >/dev/null 2>&1 || skip "zvfio is not in the image (cross build: $(zvfio_status))"
}
# need_cmd NAME...: zvfio must list the commands in 'zvfio help'
need_cmd() {
    need_zvfio
    local help c missing=""
    help=$(zvfio help 2>&1)
    for c in "$@"; do
        printf '%s\n' "$help" | grep -Eq "^[[:space:]]+$c([[:space:]]|$)" || missing="$missing $c"
    done
    [ -z "$missing" ] || skip "zvfio does not implement:$missing (yet)"
}
CALLOUT=/usr/lib/mdevctl/scripts.d/callouts/zvfio-callout
HOOK=/etc/libvirt/hooks/qemu.d/zvfio
need_callout() { [ -x $CALLOUT ] || skip "zvfio-callout is not installed at $CALLOUT (not built by meson yet)"; }
need_hook() { [ -x $HOOK ] || skip "zvfio hook is not installed at $HOOK (not built by meson yet)"; }
# need_rule ID...: zvfio must list the rules in 'zvfio rules'
need_rule() {
    need_zvfio
    local rules r missing=""
    rules=$(zvfio rules 2>&1)
    for r in "$@"; do
        printf '%s\n' "$rules" | grep -Eq "(^|[[:space:]])${r//./\\.}([[:space:]]|$)" || missing="$missing $r"
    done
    [ -z "$missing" ] || skip "zvfio has no rule:$missing (yet)"
}

# ---- the device set the runner created ------------------------------------
# dev_field ROLE FIELD: a field of the ccw device with that role
dev_field() {
    jq -r --arg r "$1" --arg f "$2" '.ccw[] | select(.role == $r) | .[$f]' $DEVICES
}
pci_field() {
    jq -r --arg r "$1" --arg f "$2" '.pci[] | select(.role == $r) | .[$f]' $DEVICES
}

# ---- sysfs helpers -------------------------------------------------------
sch_driver() { basename "$(readlink /sys/bus/css/devices/$1/driver 2>/dev/null)" 2>/dev/null || echo none; }
sch_is() { [ "$(sch_driver $1)" = "$2" ]; }
pci_driver() { basename "$(readlink /sys/bus/pci/devices/$1/driver 2>/dev/null)" 2>/dev/null || echo none; }
pci_is() { [ "$(pci_driver $1)" = "$2" ]; }
# raw (no zvfio) bind of a subchannel to vfio_ccw / back to io_subchannel
raw_bind_vfio() {
    echo vfio_ccw > /sys/bus/css/devices/$1/driver_override
    [ -e /sys/bus/css/devices/$1/driver ] && echo $1 > /sys/bus/css/devices/$1/driver/unbind
    echo $1 > /sys/bus/css/drivers_probe
    wait_for 10 test -d /sys/bus/css/devices/$1/mdev_supported_types/vfio_ccw-io
}
# ccw_online_is DEVNO 0|1: the ccw device's online attribute reads that value
ccw_online_is() { [ "$(cat /sys/bus/ccw/devices/$1/online 2>/dev/null)" = "$2" ]; }
raw_unbind_vfio() {
    local m
    for m in /sys/bus/css/devices/$1/*-*-*-*-*; do [ -e "$m/remove" ] && echo 1 > "$m/remove"; done
    echo > /sys/bus/css/devices/$1/driver_override
    [ -e /sys/bus/css/devices/$1/driver ] && echo $1 > /sys/bus/css/devices/$1/driver/unbind
    echo $1 > /sys/bus/css/drivers_probe
    wait_for 10 sch_is $1 io_subchannel || return 1
    # libvirt 9.0 keeps a ccw device only if it was online at its last uevent, and
    # the "add" of the re-registered device comes while it is offline: once the
    # driver has set it online, announce it (as zvfio release does) so that later
    # scenarios find libvirt's node devices in step with sysfs
    local c
    for c in /sys/bus/css/devices/$1/0.*.*; do
        wait_for 10 grep -qx 1 $c/online && udevadm trigger --action=change $c
    done
    return 0
}

# ---- nested TCG domains --------------------------------------------------
NESTED=/var/lib/zvfio-vm/nested
# domain_xml NAME CONSOLE_LOG [EXTRA_DEVICE_XML]: a 256 MiB s390x TCG domain
# booting the outer kernel with the busybox-only initramfs (guest/nested-init)
domain_xml() {
    cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
    <kernel>$NESTED/bzImage</kernel>
    <initrd>$NESTED/initrd.cpio</initrd>
    <cmdline>console=ttysclp0 initcall_blacklist=virtio_ccw_init panic=-1 quiet</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-s390x</emulator>
    <console type='file'>
      <source path='$2'/>
      <target type='sclp' port='0'/>
    </console>
    <memballoon model='none'/>
    ${3:-}
  </devices>
</domain>
XML
}
dom_state() { virsh domstate "$1" 2>/dev/null | head -n1; }
# qemu_cmdline NAME: the nested QEMU's command line as libvirt logged it
qemu_cmdline() { cat /var/log/libvirt/qemu/$1.log 2>/dev/null; }
# nested_wait NAME LOG SECONDS: until the nested guest reported (NESTED-END)
# or its domain is no longer running
nested_done() { grep -q NESTED-END "$2" 2>/dev/null || [ "$(dom_state "$1")" != running ]; }
nested_wait() { wait_for "$3" nested_done "$1" "$2"; sleep 1; }
# nested_stop_point LOG: where the nested guest's console stopped
nested_stop_point() {
    local p
    p=$(grep -aE 'Kernel panic|Failed to execute|error -[0-9]+|Unable to|not syncing' "$1" | head -n 3 | tr '\n' ' ' | cut -c1-300)
    [ -n "$p" ] || p=$(grep -av '^[[:space:]]*$' "$1" | tail -n1 | cut -c1-200)
    echo "${p:-<empty console>}"
}
