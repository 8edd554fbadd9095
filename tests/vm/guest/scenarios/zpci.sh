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
trap - EXIT
pass "prepare binds $addr to vfio-pci, hostdev XML has uid $uid/fid $fid, release restores $orig (nested zPCI start: see nested-zpci)"
