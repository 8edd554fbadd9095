# libvirt node-device API -> mdevctl -> zvfio-callout -> real mdev.
. /usr/lib/zvfio-vm/lib.sh
need_callout
sch=$(dev_field "libvirt-nodedev target" subchannel)
devno=$(dev_field "libvirt-nodedev target" devno)
U=5a7f0003-0000-4000-8000-000000000001
U2=5a7f0003-0000-4000-8000-000000000002
css=css_${sch//./_}
mname=mdev_${U//-/_}_${sch//./_}
mname2=mdev_${U2//-/_}_${sch//./_}
cleanup() {
    virsh nodedev-destroy $mname >/dev/null 2>&1; virsh nodedev-undefine $mname >/dev/null 2>&1
    mdevctl stop -u $U >/dev/null 2>&1; mdevctl undefine -u $U >/dev/null 2>&1
    mdevctl stop -u $U2 >/dev/null 2>&1; mdevctl undefine -u $U2 >/dev/null 2>&1
    driverctl -b css unset-override $sch >/dev/null 2>&1
    [ -n "${paddr-}" ] && driverctl unset-override $paddr >/dev/null 2>&1
    [ "$(sch_driver $sch)" = io_subchannel ] || raw_unbind_vfio $sch
}
trap cleanup EXIT
# zvfio nodedev NAME must print what libvirt 9.0's libvirtd prints for NAME
# (elements and attributes in order; whitespace between elements ignored).
same_as_libvirt() {
    virsh nodedev-dumpxml "$1" > $ZV_WORK/libvirt.xml 2>&1 || fail "virsh nodedev-dumpxml $1: $(cat $ZV_WORK/libvirt.xml)"
    zvfio nodedev "$1" > $ZV_WORK/zvfio.xml 2>&1 || fail "zvfio nodedev $1: $(cat $ZV_WORK/zvfio.xml)"
    python3 - $ZV_WORK/libvirt.xml $ZV_WORK/zvfio.xml <<'PY' || fail "zvfio nodedev $1 differs from libvirt ($2): $(tr -s ' \n' ' ' < $ZV_WORK/libvirt.xml)"
import sys, xml.etree.ElementTree as ET
def canon(e):
    return (e.tag, sorted(e.attrib.items()), (e.text or "").strip(), [canon(c) for c in e])
a, b = (ET.parse(p).getroot() for p in sys.argv[1:3])
if canon(a) != canon(b):
    print("--- libvirt"); print(open(sys.argv[1]).read()); print("--- zvfio"); print(open(sys.argv[2]).read())
    sys.exit(1)
PY
    note "zvfio nodedev $1 = virsh nodedev-dumpxml $1 ($2)"
}

# zvfio nodedev NAME must print, byte for byte, what libvirtd prints for NAME
# (virsh adds one newline after the document) and warn about nothing.
same_bytes_as_libvirt() {
    virsh nodedev-dumpxml "$1" > $ZV_WORK/libvirt.raw 2>&1 || fail "virsh nodedev-dumpxml $1: $(cat $ZV_WORK/libvirt.raw)"
    zvfio nodedev "$1" > $ZV_WORK/zvfio.raw 2> $ZV_WORK/zvfio.err || fail "zvfio nodedev $1: $(cat $ZV_WORK/zvfio.err)"
    [ ! -s $ZV_WORK/zvfio.err ] || fail "zvfio nodedev $1 warned: $(cat $ZV_WORK/zvfio.err)"
    printf '%s\n' "$(cat $ZV_WORK/libvirt.raw)" > $ZV_WORK/libvirt.xml
    printf '%s\n' "$(cat $ZV_WORK/zvfio.raw)" > $ZV_WORK/zvfio.xml
    cmp -s $ZV_WORK/libvirt.xml $ZV_WORK/zvfio.xml || {
        diff -u $ZV_WORK/libvirt.xml $ZV_WORK/zvfio.xml
        fail "zvfio nodedev $1 differs from libvirt ($2): $(diff $ZV_WORK/libvirt.xml $ZV_WORK/zvfio.xml | tr -s ' \n' ' ' | head -c 400)"
    }
    note "zvfio nodedev $1 = virsh nodedev-dumpxml $1, byte for byte ($2)"
}

step "PCI node devices: every pci_* libvirt lists, byte for byte (issue 21 §4)"
pcis=$(virsh nodedev-list --cap pci | sort)
[ -n "$pcis" ] || fail "libvirt lists no pci node device"
for n in $pcis; do same_bytes_as_libvirt $n "on its host driver"; done
ours=$(zvfio nodedev | sed -n 's|.*<name>\(pci_[^<]*\)</name>.*|\1|p' | sort)
assert_eq "$(echo $ours)" "$(echo $pcis)" "pci node devices in 'zvfio nodedev' (virsh nodedev-list --cap pci)"
paddr=$(pci_field "zpci target" address)
pfid=$(printf '0x%x' "$(pci_field "zpci target" fid)")
pname=pci_$(echo $paddr | tr ':.' '__')
ok driverctl set-override $paddr vfio-pci
wait_for 20 sh -c "virsh nodedev-dumpxml $pname | grep -q '<name>vfio-pci</name>'" || fail "libvirt does not see $paddr on vfio-pci"
same_bytes_as_libvirt $pname "bound to vfio-pci"
ok zvfio nodedev fid:$pfid
[ "$OUT" = "$(cat $ZV_WORK/zvfio.raw)" ] || fail "zvfio nodedev fid:$pfid differs from zvfio nodedev $pname"
ok driverctl unset-override $paddr
wait_for 20 sh -c "virsh nodedev-dumpxml $pname | grep -q '<name>virtio-pci</name>'" || fail "$paddr did not return to virtio-pci"
same_bytes_as_libvirt $pname "back on virtio-pci"

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
wait_for 20 sh -c "virsh nodedev-list --all --cap mdev | grep -qx $mname" || fail "libvirt does not list the defined $mname"
same_as_libvirt $mname "defined, not started"
ok virsh nodedev-start $mname
wait_for 20 test -e /sys/bus/mdev/devices/$U || fail "mdev $U not created"
assert_eq "$(basename "$(readlink /sys/bus/mdev/devices/$U/driver)")" vfio_ccw_mdev "driver of the mdev"
ok virsh nodedev-dumpxml $mname
printf '%s' "$OUT" | grep -q "<parent_addr>$sch</parent_addr>" || fail "libvirt's mdev XML lacks parent_addr $sch"
ok virsh nodedev-list --cap mdev
printf '%s' "$OUT" | grep -qx "$mname" || fail "nodedev-list --cap mdev lacks $mname"
same_as_libvirt $mname "defined and started"

step "nodedev-destroy + nodedev-undefine"
ok virsh nodedev-destroy $mname
wait_for 20 test ! -e /sys/bus/mdev/devices/$U || fail "mdev still there after nodedev-destroy"
ok virsh nodedev-undefine $mname
assert_no_file /etc/mdevctl.d/$sch/$U "definition after nodedev-undefine"

step "zvfio define $css --start: defined and running, libvirt shows it active (virt-manager: enabled)"
ok zvfio define $css --uuid $U2 --start
assert_eq "$OUT" "$U2" "zvfio define --start output"
assert_file /etc/mdevctl.d/$sch/$U2 "definition written by zvfio define --start"
wait_for 20 test -e /sys/bus/mdev/devices/$U2 || fail "mdev $U2 not created by zvfio define --start"
wait_for 20 sh -c "virsh nodedev-list --cap mdev | grep -qx $mname2" || fail "libvirt does not list $mname2 as active"
same_as_libvirt $mname2 "zvfio define --start"
ok zvfio stop $mname2
ok zvfio undefine $mname2
assert_no_file /etc/mdevctl.d/$sch/$U2 "definition after zvfio undefine"
ok driverctl -b css unset-override $sch
wait_for 15 sch_is $sch io_subchannel || fail "$sch did not return to io_subchannel"
trap - EXIT
pass "zvfio nodedev equals libvirtd's XML byte for byte for every pci node device (host driver, vfio-pci, back); virsh nodedev-create vetoed by zvfio-callout on an unbound subchannel; nodedev-define/start/destroy/undefine drive the real mdev; zvfio nodedev equals libvirtd's XML for the defined and the started mdev; zvfio define --start creates an mdev libvirt lists as active"
