# mdevctl (Debian 1.2.0) + zvfio-callout on a real vfio_ccw subchannel:
# vetoes stop mdevctl with zvfio's message, the good path creates the real
# mdev, other mdev types are left alone.
. /usr/lib/zvfio-vm/lib.sh
need_callout
sch=$(dev_field "mdevctl-callout target" subchannel)
devno=$(dev_field "mdevctl-callout target" devno)
U1=5a7f0002-0000-4000-8000-000000000001
U2=5a7f0002-0000-4000-8000-000000000002
cleanup() {
    mdevctl stop -u $U1 >/dev/null 2>&1; mdevctl undefine -u $U1 >/dev/null 2>&1
    mdevctl undefine -u $U2 >/dev/null 2>&1
    driverctl -b css unset-override $sch >/dev/null 2>&1
    [ "$(sch_driver $sch)" = io_subchannel ] || raw_unbind_vfio $sch
    [ -e /sys/bus/ccw/devices/$devno/online ] && echo 1 > /sys/bus/ccw/devices/$devno/online
}
trap cleanup EXIT

step "veto: $sch still on io_subchannel, ccw device $devno online"
assert_eq "$(cat /sys/bus/ccw/devices/$devno/online)" 1 "online state of $devno"
refused 'zvfio' mdevctl start -u $U1 -p $sch -t vfio_ccw-io
assert_no_file /sys/bus/mdev/devices/$U1 "mdev $U1 after the veto"
assert_eq "$(sch_driver $sch)" io_subchannel "driver of $sch after the veto"

step "veto: ccw device $devno offline, subchannel still not bound to vfio_ccw"
echo 0 > /sys/bus/ccw/devices/$devno/online
refused 'zvfio' mdevctl start -u $U1 -p $sch -t vfio_ccw-io
assert_no_file /sys/bus/mdev/devices/$U1 "mdev $U1 after the veto"
echo 1 > /sys/bus/ccw/devices/$devno/online

step "veto: a device number given as parent ($devno instead of subchannel $sch)"
refused 'zvfio' mdevctl define -u $U1 -p $devno -t vfio_ccw-io
assert_no_file /etc/mdevctl.d/$devno/$U1 "definition under $devno"

step "bind $sch to vfio_ccw with driverctl"
ok driverctl -b css set-override $sch vfio_ccw
wait_for 15 sch_is $sch vfio_ccw || fail "$sch not bound to vfio_ccw after driverctl set-override"
wait_for 10 test -d /sys/bus/css/devices/$sch/mdev_supported_types/vfio_ccw-io || fail "no vfio_ccw-io type on $sch"

step "good path: mdevctl define + start through zvfio-callout"
ok mdevctl define -u $U1 -p $sch -t vfio_ccw-io
assert_file /etc/mdevctl.d/$sch/$U1 "mdevctl definition of $U1"
ok mdevctl start -u $U1
wait_for 10 test -e /sys/bus/mdev/devices/$U1 || fail "mdev $U1 not created"
assert_eq "$(basename "$(readlink /sys/bus/mdev/devices/$U1/driver)")" vfio_ccw_mdev "driver of mdev $U1"
assert_eq "$(basename "$(readlink -f /sys/bus/mdev/devices/$U1/..)")" "$sch" "parent of mdev $U1"
ok mdevctl list
printf '%s' "$OUT" | grep -q "^$U1 $sch vfio_ccw-io manual" || fail "mdevctl list does not show $U1 on $sch"
ok lscss --vfio
printf '%s' "$OUT" | grep -q "^$U1 *$sch" || fail "lscss --vfio does not show $U1 on $sch"

step "a second vfio_ccw-io mdev on the same subchannel is refused (one instance)"
run mdevctl start -u $U2 -p $sch -t vfio_ccw-io
[ $RC -ne 0 ] || fail "a second mdev on $sch was started"
assert_no_file /sys/bus/mdev/devices/$U2

step "other mdev types are not zvfio's business"
ok mdevctl define -u $U2 -p matrix -t vfio_ap-passthrough
assert_file /etc/mdevctl.d/matrix/$U2 "definition of the vfio_ap mdev"
ok mdevctl undefine -u $U2

step "stop + undefine, back to io_subchannel"
ok mdevctl stop -u $U1
wait_for 10 test ! -e /sys/bus/mdev/devices/$U1 || fail "mdev $U1 still there after stop"
ok mdevctl undefine -u $U1
ok driverctl -b css unset-override $sch
wait_for 15 sch_is $sch io_subchannel || fail "$sch did not return to io_subchannel"
wait_for 10 test -e /sys/bus/ccw/devices/$devno || fail "ccw device $devno did not come back"
trap - EXIT
pass "vetoes (not bound/online, offline, devno as parent) stop mdevctl with zvfio's message; define+start creates the real mdev; vfio_ap untouched"
