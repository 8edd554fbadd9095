# zvfio prepare/release/hostdev of a zPCI function (vfio-pci).
. /usr/lib/zvfio-vm/lib.sh
need_cmd prepare release hostdev
addr=$(pci_field "zpci target" address); uid=$(pci_field "zpci target" uid); fid=$(pci_field "zpci target" fid)
orig=$(pci_driver $addr)
trap 'zvfio release $addr >/dev/null 2>&1' EXIT

step "zvfio prepare $addr"
ok zvfio prepare $addr
assert_eq "$(pci_driver $addr)" vfio-pci "driver of $addr after prepare"
grp=$(basename "$(readlink /sys/bus/pci/devices/$addr/iommu_group)")
assert_file /dev/vfio/$grp "/dev/vfio/$grp"

step "zvfio hostdev $addr and fid:$fid"
ok zvfio hostdev $addr
printf '%s' "$OUT" > $ZV_WORK/hostdev.xml
x() { xmllint --xpath "$1" $ZV_WORK/hostdev.xml 2>/dev/null; }
assert_eq "$(x 'string(/hostdev/@type)')" pci "hostdev type"
assert_eq "$(( $(x 'string(/hostdev/source/address/@domain)') ))" "$uid" "source domain (= uid)"
assert_eq "$(( $(x 'string(/hostdev/source/address/@bus)') ))$(( $(x 'string(/hostdev/source/address/@slot)') ))$(( $(x 'string(/hostdev/source/address/@function)') ))" 000 "source bus/slot/function"
assert_eq "$(( $(x 'string(//address/zpci/@uid)') ))" "$uid" "<zpci uid>"
assert_eq "$(( $(x 'string(//address/zpci/@fid)') ))" "$fid" "<zpci fid>"
ok zvfio hostdev fid:$(printf '0x%x' $fid)
[ "$OUT" = "$(cat $ZV_WORK/hostdev.xml)" ] || fail "zvfio hostdev fid:$fid differs from zvfio hostdev $addr"

step "zvfio release $addr"
ok zvfio release $addr
assert_eq "$(pci_driver $addr)" "$orig" "driver of $addr after release"

step "standby: slot $(printf '%08x' $fid) powered off, zvfio names it and how to configure it"
slot=/sys/bus/pci/slots/$(printf '%08x' $fid)
echo 0 > $slot/power
wait_for 15 test ! -e /sys/bus/pci/devices/$addr || fail "$addr still present after power 0 on its slot"
assert_eq "$(cat $slot/power)" 0 "power of the slot in standby"
run zvfio show fid:$(printf '0x%x' $fid)
[ $RC -eq 4 ] || fail "zvfio show of a standby fid exited $RC, expected 4"
printf '%s' "$OUT" | grep -q "is in standby (slot $(printf '%08x' $fid), power 0); configure it first: echo 1 > $slot/power" \
    || fail "zvfio show of a standby fid does not say how to configure it: $OUT"
echo 1 > $slot/power
wait_for 20 test -e /sys/bus/pci/devices/$addr || fail "$addr did not come back after power 1"
wait_for 10 pci_is $addr "$orig" || fail "$addr not bound to $orig again (driver $(pci_driver $addr))"
ok zvfio show fid:$(printf '0x%x' $fid)
trap - EXIT
pass "prepare binds $addr to vfio-pci, hostdev XML has uid $uid/fid $fid, release restores $orig; standby fid named with its fix (nested zPCI start: see nested-zpci)"
