# libvirt node-device API -> mdevctl -> zvfio-callout -> real mdev.
. /usr/lib/zvfio-vm/lib.sh
need_callout
sch=$(dev_field "libvirt-nodedev target" subchannel)
devno=$(dev_field "libvirt-nodedev target" devno)
U=5a7f0003-0000-4000-8000-000000000001
css=css_${sch//./_}
mname=mdev_${U//-/_}_${sch//./_}
cleanup() {
    virsh nodedev-destroy $mname >/dev/null 2>&1; virsh nodedev-undefine $mname >/dev/null 2>&1
    mdevctl stop -u $U >/dev/null 2>&1; mdevctl undefine -u $U >/dev/null 2>&1
    driverctl -b css unset-override $sch >/dev/null 2>&1
    [ "$(sch_driver $sch)" = io_subchannel ] || raw_unbind_vfio $sch
}
trap cleanup EXIT
cat > $ZV_WORK/mdev.xml <<XML
<device>
  <parent>$css</parent>
  <capability type='mdev'>
    <type id='vfio_ccw-io'/>
    <uuid>$U</uuid>
  </capability>
</device>
XML

step "veto: nodedev-create on $sch while it is still on io_subchannel"
refused 'zvfio' virsh nodedev-create $ZV_WORK/mdev.xml
assert_no_file /sys/bus/mdev/devices/$U "mdev after the veto"

step "bind $sch to vfio_ccw"
ok driverctl -b css set-override $sch vfio_ccw
wait_for 15 sch_is $sch vfio_ccw || fail "$sch not bound to vfio_ccw"
wait_for 20 sh -c "virsh nodedev-dumpxml $css | grep -q vfio_ccw-io" || fail "libvirt does not see the mdev type on $css"

step "nodedev-define + nodedev-start"
ok virsh nodedev-define $ZV_WORK/mdev.xml
assert_file /etc/mdevctl.d/$sch/$U "mdevctl definition written by libvirt"
ok virsh nodedev-start $mname
wait_for 20 test -e /sys/bus/mdev/devices/$U || fail "mdev $U not created"
assert_eq "$(basename "$(readlink /sys/bus/mdev/devices/$U/driver)")" vfio_ccw_mdev "driver of the mdev"
ok virsh nodedev-dumpxml $mname
printf '%s' "$OUT" | grep -q "<parent_addr>$sch</parent_addr>" || fail "libvirt's mdev XML lacks parent_addr $sch"
ok virsh nodedev-list --cap mdev
printf '%s' "$OUT" | grep -qx "$mname" || fail "nodedev-list --cap mdev lacks $mname"

step "nodedev-destroy + nodedev-undefine"
ok virsh nodedev-destroy $mname
wait_for 20 test ! -e /sys/bus/mdev/devices/$U || fail "mdev still there after nodedev-destroy"
ok virsh nodedev-undefine $mname
assert_no_file /etc/mdevctl.d/$sch/$U "definition after nodedev-undefine"
ok driverctl -b css unset-override $sch
wait_for 15 sch_is $sch io_subchannel || fail "$sch did not return to io_subchannel"
trap - EXIT
pass "virsh nodedev-create vetoed by zvfio-callout on an unbound subchannel; nodedev-define/start/destroy/undefine drive the real mdev"
