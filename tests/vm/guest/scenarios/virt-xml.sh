# virt-manager's path with the real virt-xml (Debian's virtinst 4.1 in the guest
# image): an mdev started with zvfio shows up as libvirt node device
# mdev_<uuid>_0_0_XXXX, `virt-xml DOMAIN --add-device --hostdev NODEDEV` adds it
# (managed='no' model='vfio-ccw', no guest address: libvirt assigns one),
# `zvfio check --domain` answers as the hook will, and `virsh start` runs the
# domain through zvfio-hook, which sets the device offline, binds the subchannel
# and starts the mdev.
. /usr/lib/zvfio-vm/lib.sh
need_cmd prepare define start stop release check
need_hook
need_callout
command -v virt-xml >/dev/null || fail "virt-xml is not in the guest image (tests/vm/build-rootfs.sh lists virtinst)"
sch=$(dev_field "passthrough target" subchannel); devno=$(dev_field "passthrough target" devno)
U=5a7f0006-0000-4000-8000-000000000001
NODEDEV=mdev_${U//-/_}_${sch//./_}
LOG=/var/log/libvirt/qemu/g3.console
cleanup() {
    virsh destroy g3 >/dev/null 2>&1; virsh undefine g3 >/dev/null 2>&1
    mdevctl stop -u $U >/dev/null 2>&1; mdevctl undefine -u $U >/dev/null 2>&1
    zvfio release $devno >/dev/null 2>&1
}
trap cleanup EXIT

step "a plain domain g3"
domain_xml g3 $LOG | sed -e 's|<on_crash>destroy<|<on_crash>preserve<|' > $ZV_WORK/g3.xml
ok virsh define $ZV_WORK/g3.xml

step "zvfio prepare + define + start: the mdev becomes node device $NODEDEV"
ok zvfio prepare $devno --offline
ok zvfio define $devno --uuid $U
# defined only: libvirt lists an inactive node device (virt-manager greys it out)
wait_for 30 virsh nodedev-info $NODEDEV || fail "libvirt does not list the defined mdev as $NODEDEV"
ok virsh nodedev-info $NODEDEV
printf '%s\n' "$OUT" | grep -Eq '^Active: +no$' || fail "$NODEDEV is not inactive while only defined: $OUT"
ok zvfio start $U
wait_for 30 eval "virsh nodedev-info $NODEDEV | grep -Eq '^Active: +yes\$'" \
    || fail "$NODEDEV is not active 30 s after zvfio start"

step "virt-xml g3 --add-device --hostdev $NODEDEV"
t0=$(date +%s)
ok virt-xml g3 --add-device --hostdev $NODEDEV
note "virt-xml took $(( $(date +%s) - t0 )) s"
ok virsh dumpxml --inactive g3
printf '%s' "$OUT" | grep -Eq "<hostdev mode=.subsystem. type=.mdev. managed=.no. model=.vfio-ccw.>" \
    || fail "virt-xml did not add <hostdev type='mdev' managed='no' model='vfio-ccw'>"
printf '%s' "$OUT" | grep -q "uuid='$U'" || fail "g3's XML has no hostdev for $U after virt-xml"

step "zvfio check --domain g3: ok while the device is prepared"
ok zvfio check --domain g3
printf '%s' "$OUT" | grep -q "check: ok: 0 errors" || fail "zvfio check --domain g3 did not say ok: $OUT"

step "back to a fresh boot's state: mdev stopped, $sch on io_subchannel, $devno online"
ok zvfio stop $U
ok zvfio release $devno
wait_for 15 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel after zvfio release"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online after zvfio release"

step "check and hook agree: $devno is online in the host, both refuse with ccw.online"
run zvfio check --domain g3
[ $RC -eq 3 ] || fail "zvfio check --domain g3 exited $RC, expected 3 (ccw.online): $OUT"
# the violation's head (its message and fix wrap at 100 columns, the hook's narrower
# after its 'zvfio-hook: g3: ' prefix): 'error: ccw.online: DEVNO (subchannel SCH):'
check_line=$(printf '%s\n' "$OUT" | grep -o '^error: ccw\.online: [^:]*:')
[ -n "$check_line" ] || fail "zvfio check --domain g3 did not name ccw.online: $OUT"
refused 'ccw.online' virsh start g3
printf '%s' "$OUT" | grep -qF "$check_line" \
    || fail "the hook's refusal differs from check's ('$check_line'): $(printf '%s' "$OUT" | tr '\n' ' ')"
assert_eq "$(dom_state g3)" "shut off" "state of g3 after the veto"
assert_eq "$(sch_driver $sch)" io_subchannel "driver of $sch after the veto (nothing changed)"

step "with <zvfio:hook offline='allow'/> check says ok and virsh start g3 runs the hook"
ok virsh metadata g3 --uri urn:zvfio:metadata:1 --key zvfio --set "<hook offline='allow'/>" --config
ok zvfio check --domain g3
printf '%s' "$OUT" | grep -q "check: ok: 0 errors" || fail "zvfio check --domain g3 did not say ok: $OUT"
ok virsh start g3
assert_eq "$(dom_state g3)" running "state of g3"
assert_eq "$(sch_driver $sch)" vfio_ccw "driver of $sch while g3 runs"
assert_file /sys/bus/mdev/devices/$U "mdev $U while g3 runs"
qemu_cmdline g3 | grep -q "sysfsdev\":\"/sys/bus/mdev/devices/$U\"" || fail "g3's QEMU has no vfio-ccw on $U"

step "virsh destroy g3: the hook stops $U and restores io_subchannel + $devno"
ok virsh destroy g3
wait_for 20 test ! -e /sys/bus/mdev/devices/$U || fail "mdev $U still active after virsh destroy"
wait_for 20 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel after virsh destroy"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online again after virsh destroy"
trap - EXIT
cleanup
pass "virt-xml --add-device --hostdev $NODEDEV -> managed='no' model='vfio-ccw'; check --domain ok, then with $devno online check and hook both refuse (ccw.online); offline='allow' -> check ok, virsh start via zvfio-hook bound $sch and started $U, vfio-ccw realized; destroy restored"
