# zvfio list/nodedev/show against the real device set, sysfs, lscss and libvirt.
. /usr/lib/zvfio-vm/lib.sh
need_cmd list nodedev show
step "zvfio list (text and JSON)"
ok zvfio list
ok zvfio list ccw
ok zvfio list pci
ok zvfio list --json
printf '%s' "$OUT" | jq -e . >/dev/null || fail "zvfio list --json is not valid JSON"
step "compare with the device set, sysfs, lscss, virsh nodedev-dumpxml"
python3 $LIB/check_inventory.py $ZV_WORK/first-error || fail "$(cat $ZV_WORK/first-error 2>/dev/null || echo 'check_inventory.py failed')"
step "zvfio show"
devno=$(dev_field "mdevctl-callout target" devno); sch=$(dev_field "mdevctl-callout target" subchannel)
ok zvfio show $devno
printf '%s' "$OUT" | grep -q "$sch" || fail "zvfio show $devno does not mention its subchannel $sch"
ok zvfio show $devno --json
printf '%s' "$OUT" | jq -e . >/dev/null || fail "zvfio show --json is not valid JSON"
addr=$(pci_field "zpci target" address)
ok zvfio show $addr
ok zvfio show fid:0x7
run zvfio show 0.2.0001
[ $RC -eq 4 ] || fail "zvfio show of a missing device exited $RC, expected 4 (not found)"

step "udev: a subchannel bound to vfio_ccw without zvfio gets a devno hint"
hsch=$(dev_field "udev hint target" subchannel); hdevno=$(dev_field "udev hint target" devno)
rule=/usr/lib/udev/rules.d/70-zvfio-devno-hint.rules
assert_file $rule "zvfio's udev rule"
trap 'raw_unbind_vfio $hsch >/dev/null 2>&1' EXIT
rm -f /run/zvfio/devno/$hdevno
raw_bind_vfio $hsch || fail "raw bind of $hsch to vfio_ccw failed"
udevadm settle --timeout=30
wait_for 10 test -e /run/zvfio/devno/$hdevno \
    || fail "no /run/zvfio/devno/$hdevno after $hsch was bound to vfio_ccw by sysfs writes ($rule)"
assert_eq "$(cat /run/zvfio/devno/$hdevno)" "$hsch" "the devno hint udev wrote for $hdevno"
ok zvfio show ccw:$hdevno
printf '%s' "$OUT" | grep -q "Subchannel $hsch" || fail "zvfio show ccw:$hdevno does not name $hsch"
raw_unbind_vfio $hsch || fail "$hsch not back on io_subchannel"
trap - EXIT
pass "zvfio list/show/nodedev agree with QEMU's device set, sysfs, lscss and libvirt; udev hints a foreign vfio_ccw bind"
