# zvfio bring-up of a devno for a libvirt domain, and the zvfio hook driving
# virsh start/destroy of a nested TCG domain.
. /usr/lib/zvfio-vm/lib.sh
need_cmd prepare define attach release stop
need_hook
need_callout
sch=$(dev_field "passthrough target" subchannel); devno=$(dev_field "passthrough target" devno)
U=5a7f0005-0000-4000-8000-000000000001
U2=5a7f0005-0000-4000-8000-000000000002
U3=5a7f0005-0000-4000-8000-000000000003
sch2=$(dev_field "second subchannel (veto tests)" subchannel)
devno2=$(dev_field "second subchannel (veto tests)" devno)
LOG=/var/log/libvirt/qemu/g1.console
cleanup() {
    for d in g1 g2; do virsh destroy $d >/dev/null 2>&1; virsh undefine $d >/dev/null 2>&1; done
    mdevctl stop -u $U >/dev/null 2>&1; mdevctl undefine -u $U >/dev/null 2>&1
    rm -f /etc/mdevctl.d/$sch/$U2
    mdevctl stop -u $U3 >/dev/null 2>&1; mdevctl undefine -u $U3 >/dev/null 2>&1
    zvfio release $devno >/dev/null 2>&1
    zvfio release $devno2 >/dev/null 2>&1
}
trap cleanup EXIT

step "a plain domain g1"
# g1 stays up for the live attach below even when its nested kernel panics
# (panic=-1 reboots it inside the same QEMU; a disabled wait pauses it)
domain_xml g1 $LOG | sed -e 's|<on_reboot>destroy<|<on_reboot>restart<|' \
    -e 's|<on_crash>destroy<|<on_crash>preserve<|' > $ZV_WORK/g1.xml
ok virsh define $ZV_WORK/g1.xml

step "zvfio prepare + define + attach $devno"
ok zvfio prepare $devno --offline
assert_eq "$(sch_driver $sch)" vfio_ccw "driver of $sch after prepare"
ok zvfio define $devno --uuid $U
assert_file /etc/mdevctl.d/$sch/$U "mdevctl definition of $U"
ok zvfio attach g1 $devno --config
ok virsh dumpxml g1
printf '%s' "$OUT" | grep -q "uuid='$U'" || fail "g1's XML has no hostdev for mdev $U after zvfio attach"

step "back to the host state of a fresh boot: mdev stopped, $sch on io_subchannel"
[ -e /sys/bus/mdev/devices/$U ] && ok zvfio stop $U
ok zvfio release $devno
wait_for 15 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel after zvfio release"
wait_for 10 test -e /sys/bus/ccw/devices/$devno || fail "ccw device $devno missing after zvfio release"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online after zvfio release"
# libvirt 9.0 keeps a ccw device only if it was online at its last uevent; zvfio
# announces the device online again, so libvirt lists it (without a restart)
ccwname=ccw_${devno//./_}
wait_for 15 virsh nodedev-dumpxml $ccwname \
    || fail "libvirt does not list $ccwname after zvfio release brought it online"

step "veto: $devno is online in the host, so the hook refuses to start g1"
refused 'ccw.online' virsh start g1
assert_eq "$(dom_state g1)" "shut off" "state of g1 after the ccw.online veto"
assert_eq "$(sch_driver $sch)" io_subchannel "driver of $sch after the veto (nothing changed)"

step "the admin lets zvfio-hook set $devno offline: <zvfio:hook offline='allow'/> in g1's metadata"
ok virsh metadata g1 --uri urn:zvfio:metadata:1 --key zvfio --set "<hook offline='allow'/>" --config
ok virsh dumpxml --inactive g1
printf '%s' "$OUT" | grep -q 'xmlns:zvfio="urn:zvfio:metadata:1"' \
    || fail "g1's XML lacks the zvfio metadata after virsh metadata"
assert_eq "$(cat /sys/bus/ccw/devices/$devno/online)" 1 "online state of $devno before virsh start"

step "virsh start g1: the hook binds $sch and starts $U"
t0=$(date +%s)
ok virsh start g1
note "virsh start took $(( $(date +%s) - t0 )) s"
assert_eq "$(dom_state g1)" running "state of g1"
assert_eq "$(sch_driver $sch)" vfio_ccw "driver of $sch while g1 runs"
assert_file /sys/bus/mdev/devices/$U "mdev $U while g1 runs"
qemu_cmdline g1 | grep -q "sysfsdev\":\"/sys/bus/mdev/devices/$U\"" || fail "g1's QEMU has no vfio-ccw on $U"

step "veto: g2 wants a second mdev on the same subchannel while g1 runs"
mkdir -p /etc/mdevctl.d/$sch
printf '{"mdev_type":"vfio_ccw-io","start":"manual","attrs":[]}\n' > /etc/mdevctl.d/$sch/$U2
domain_xml g2 /var/log/libvirt/qemu/g2.console "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='$U2'/></source>
    </hostdev>" > $ZV_WORK/g2.xml
ok virsh define $ZV_WORK/g2.xml
refused 'hooks/qemu.d/zvfio|zvfio' virsh start g2
assert_eq "$(dom_state g2)" "shut off" "state of g2 after the veto"
assert_eq "$(dom_state g1)" running "state of g1 after g2's veto"
assert_file /sys/bus/mdev/devices/$U "g1's mdev after g2's veto"

step "live attach: $devno2 prepared, its mdev $U3 defined and started by zvfio, hot-plugged into running g1"
ok zvfio prepare $devno2 --offline
ok zvfio define $devno2 --uuid $U3
ok zvfio start $U3
assert_file /sys/bus/mdev/devices/$U3 "mdev $U3 after zvfio start"
ok zvfio attach g1 $devno2 --live
printf '%s' "$OUT" | grep -q "running guest (device API)" \
    || fail "zvfio attach --live did not go through the device API: $OUT"
ok virsh dumpxml g1
printf '%s' "$OUT" | grep -q "uuid='$U3'" || fail "g1's live XML has no hostdev for $U3 after attach --live"
ok virsh dumpxml --inactive g1
printf '%s' "$OUT" | grep -q "uuid='$U3'" && fail "attach --live changed g1's persistent definition"
ok virsh qemu-monitor-command g1 --hmp "info qtree"
printf '%s' "$OUT" | grep -q "/sys/bus/mdev/devices/$U3" \
    || fail "g1's QEMU has no vfio-ccw device on $U3 after attach --live"
step "a device g1 has only live is in use: zvfio domains lists it, g2 may not take it"
ok zvfio domains
printf '%s\n' "$OUT" | grep -Eq "^g1 +running +vfio-ccw +$sch2 +$devno2 +$U3 " \
    || fail "zvfio domains does not list the live-only $U3 for g1: $OUT"
refused 'ccw.used-by-domain' zvfio hostdev $devno2 --domain g2
step "live detach of $U3 from g1"
ok zvfio detach g1 $U3 --live
wait_for 90 eval "! virsh dumpxml g1 | grep -q \"uuid='$U3'\"" \
    || fail "g1's live XML still has $U3 90 s after detach --live (a guest busy booting acknowledges the unplug late)"
ok virsh qemu-monitor-command g1 --hmp "info qtree"
printf '%s' "$OUT" | grep -q "/sys/bus/mdev/devices/$U3" && fail "g1's QEMU still has $U3 after detach --live"
ok zvfio stop $U3
ok zvfio release $devno2
wait_for 15 sch_is $sch2 io_subchannel || fail "$sch2 not back on io_subchannel after zvfio release"
assert_eq "$(dom_state g1)" running "state of g1 after the live attach/detach"

step "virsh destroy g1: the hook stops $U and restores io_subchannel + $devno"
ok virsh destroy g1
wait_for 20 test ! -e /sys/bus/mdev/devices/$U || fail "mdev $U still active after virsh destroy"
wait_for 20 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel after virsh destroy (driver $(sch_driver $sch))"
wait_for 10 test -e /sys/bus/ccw/devices/$devno || fail "ccw device $devno not restored after virsh destroy"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online again after virsh destroy (the hook set it offline)"
wait_for 15 virsh nodedev-dumpxml $ccwname \
    || fail "libvirt does not list $ccwname after the hook's release brought it online"
trap - EXIT
cleanup
pass "prepare/define/attach; online $devno vetoed; with offline='allow' metadata virsh start -> hook set $devno offline, bound $sch, started $U -> vfio-ccw realized; g2 vetoed; live attach/detach of $U3; destroy restored io_subchannel and $devno online"
