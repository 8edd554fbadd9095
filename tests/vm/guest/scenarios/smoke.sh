# Infrastructure proof (no zvfio involved): the outer QEMU's device set is what
# Linux, lscss and libvirt see; vfio_ccw binding, mdev create via mdevctl and
# libvirt's node-device API, vfio-pci binding of a zPCI function, and a C
# program cross-built like zvfio talking to libvirtd.
. /usr/lib/zvfio-vm/lib.sh

# keep zvfio's callout out of this infrastructure check (mdevctl runs every
# file in its callout directories, so move them out, restore on exit)
moved=()
for f in $CALLOUT /etc/mdevctl.d/scripts.d/callouts/zvfio-callout; do
    if [ -e $f ]; then mkdir -p /tmp/smoke-off; mv $f /tmp/smoke-off/$(echo $f | tr / _); moved+=($f); fi
done
trap 'for f in "${moved[@]}"; do mv /tmp/smoke-off/$(echo $f | tr / _) $f; done' EXIT

step "ccw devices: sysfs and lscss match the outer QEMU's -device list"
run lscss
LSCSS=$OUT
n=0
while IFS=$'\t' read -r devno sch cutype; do
    n=$((n + 1))
    assert_file /sys/bus/css/devices/$sch/$devno "ccw device $devno under subchannel $sch"
    assert_eq "$(cat /sys/bus/css/devices/$sch/$devno/cutype)" "$cutype" "cutype of $devno"
    printf '%s\n' "$LSCSS" | grep -Eq "^$devno +$sch +[0-9a-f/]+ +$cutype " \
        || fail "lscss has no line '$devno $sch ... $cutype'"
    ssid=${sch:2:1}; schno=${sch:4}
    [ "$ssid" = 0 ] || note "subchannel set $ssid: $devno on $sch"
done < <(jq -r '.ccw[] | [.devno, .subchannel, .cutype] | @tsv' $DEVICES)
[ $n -ge 4 ] || fail "device set too small ($n)"
sets=$(jq -r '[.ccw[].subchannel[2:3]] | unique | join(",")' $DEVICES)
assert_eq "$sets" "0,1,3" "subchannel sets used"
diff=$(jq -r '[.ccw[] | select(.devno[4:] != .subchannel[4:])] | length' $DEVICES)
[ "$diff" -eq $n ] || fail "some devno equals its subchannel number"

step "zPCI functions: uid/fid/pft/slot as chosen on the QEMU command line"
while IFS=$'\t' read -r addr uid fid vendor device; do
    d=/sys/bus/pci/devices/$addr
    assert_file $d "zPCI function $addr"
    assert_eq "$(cat $d/uid)" "$(printf '0x%x' $uid)" "uid of $addr"
    assert_eq "$(cat $d/function_id)" "$(printf '0x%08x' $fid)" "function_id of $addr"
    assert_eq "$(cat $d/pft)" 0x00 "pft of $addr"
    assert_eq "$(cat $d/uid_is_unique)" 1 "uid_is_unique of $addr"
    assert_eq "$(cat $d/vendor)" "$(printf '0x%04x' $vendor)" "vendor of $addr"
    assert_eq "$(cat $d/device)" "$(printf '0x%04x' $device)" "device of $addr"
    assert_file /sys/bus/pci/slots/$(printf '%08x' $fid) "slot of fid $fid"
done < <(jq -r '.pci[] | [.address, .uid, .fid, .vendor, .device] | @tsv' $DEVICES)

step "libvirt node devices for every subchannel"
ok virsh nodedev-list --cap css
for sch in $(jq -r '.ccw[].subchannel' $DEVICES); do
    name=css_${sch//./_}
    printf '%s\n' "$OUT" | grep -qx "$name" || fail "virsh nodedev-list --cap css lacks $name"
done
sch=$(dev_field "smoke target" subchannel); devno=$(dev_field "smoke target" devno)
name=css_${sch//./_}
ok virsh nodedev-dumpxml $name
x=$(printf '%s' "$OUT" | xmllint --xpath 'string(/device/capability/channel_dev_addr/devno)' -)
assert_eq "$x" "0x${devno:4}" "libvirt channel_dev_addr of $name"

step "bind $sch to vfio_ccw (driver_override, unbind, drivers_probe)"
raw_bind_vfio $sch || fail "no mdev_supported_types/vfio_ccw-io after binding $sch"
assert_eq "$(sch_driver $sch)" vfio_ccw "driver of $sch"
assert_no_file /sys/bus/ccw/devices/$devno "ccw device $devno after the rebind"
assert_eq "$(cat /sys/bus/css/devices/$sch/mdev_supported_types/vfio_ccw-io/device_api)" vfio-ccw device_api
ok virsh nodedev-dumpxml $name
printf '%s' "$OUT" | grep -q "<type id='vfio_ccw-io'>" || fail "libvirt does not show the vfio_ccw-io mdev type on $name"

step "mdev through libvirt -> mdevctl (nodedev-define + nodedev-start)"
uuid=5a7f0001-0000-4000-8000-00000000c0de
cat > $ZV_WORK/mdev.xml <<XML
<device>
  <parent>$name</parent>
  <capability type='mdev'>
    <type id='vfio_ccw-io'/>
    <uuid>$uuid</uuid>
  </capability>
</device>
XML
ok virsh nodedev-define $ZV_WORK/mdev.xml
assert_file /etc/mdevctl.d/$sch/$uuid "mdevctl definition"
mname=mdev_${uuid//-/_}_${sch//./_}
ok virsh nodedev-start $mname
wait_for 20 test -e /sys/bus/mdev/devices/$uuid || fail "mdev $uuid did not appear"
assert_eq "$(basename "$(readlink /sys/bus/mdev/devices/$uuid/driver)")" vfio_ccw_mdev "mdev driver"
assert_eq "$(cat /sys/bus/css/devices/$sch/mdev_supported_types/vfio_ccw-io/available_instances)" 0 available_instances
ok lscss --vfio
printf '%s' "$OUT" | grep -q "$uuid" || fail "lscss --vfio does not show $uuid"
ok mdevctl list
printf '%s' "$OUT" | grep -q "^$uuid $sch vfio_ccw-io" || fail "mdevctl list does not show $uuid"
ok virsh nodedev-destroy $mname
wait_for 20 test ! -e /sys/bus/mdev/devices/$uuid || fail "mdev $uuid still there after nodedev-destroy"
ok virsh nodedev-undefine $mname
assert_no_file /etc/mdevctl.d/$sch/$uuid "mdevctl definition after undefine"

step "back to io_subchannel"
raw_unbind_vfio $sch || fail "$sch did not return to io_subchannel"
wait_for 10 test -e /sys/bus/ccw/devices/$devno || fail "ccw device $devno did not come back"

step "zPCI function to vfio-pci and back"
addr=$(pci_field "zpci target" address)
orig=$(pci_driver $addr)
echo vfio-pci > /sys/bus/pci/devices/$addr/driver_override
echo $addr > /sys/bus/pci/devices/$addr/driver/unbind
echo $addr > /sys/bus/pci/drivers_probe
assert_eq "$(pci_driver $addr)" vfio-pci "driver of $addr"
grp=$(basename "$(readlink /sys/bus/pci/devices/$addr/iommu_group)")
assert_file /dev/vfio/$grp "/dev/vfio/$grp"
echo > /sys/bus/pci/devices/$addr/driver_override
echo $addr > /sys/bus/pci/devices/$addr/driver/unbind
echo $addr > /sys/bus/pci/drivers_probe
assert_eq "$(pci_driver $addr)" "$orig" "driver of $addr after restore"

step "a program cross-built like zvfio (glib, json-glib, libxml2, libvirt) runs"
ok /usr/libexec/zvfio-vm/zvfio-cross-selftest
printf '%s' "$OUT" | grep -q "byteorder big" || fail "self-test did not report big endian"

pass "lscss/sysfs/libvirt agree with the device set; vfio_ccw bind + mdev via libvirt/mdevctl; vfio-pci bind; cross-built C runs"
