# What the host itself needs never goes to a guest (issue 20, rule zpci.in-use), on
# the real kernel: the host's own network function (a virtio-net zPCI function, up,
# with an address and the default route) and a virtio-blk zPCI function with a
# mounted partition (mounted through a device node of another name) and a swap
# partition. check --op prepare exits 3 naming the interface/partition and its use,
# prepare is refused and changes nothing; as the host lets go step by step, the
# reasons go away one by one, and at the end check passes and prepare/release work.
# (No NVMe function: QEMU 7.2's s390x has no nvme device, docs/vm-tests.md.)
. /usr/lib/zvfio-vm/lib.sh
need_cmd check prepare release
need_rule zpci.in-use
nic=$(pci_field "host nic" address); blk=$(pci_field "host disk" address)
other=$(pci_field "zpci target" address)
ip() { busybox ip "$@"; }    # the image has busybox's ip, not iproute2
MNT=/mnt/zv-host-disk
ifname=""; disk=""

# Undoes whatever the scenario set up, also when a check failed half way.
cleanup() {
    [ -n "$disk" ] && { swapoff /dev/${disk}2; umount $MNT; } 2>/dev/null
    if [ -n "$ifname" ]; then
        ip route del default dev $ifname; ip addr flush dev $ifname; ip link set $ifname down
    fi 2>/dev/null
    for a in $nic $blk; do pci_is $a vfio-pci && zvfio release $a >/dev/null 2>&1; done
}
trap cleanup EXIT

# in_use_lines: the zpci.in-use lines of $OUT
# (a violation zvfio wraps over several lines is joined back into one first)
# (the image has no awk: plain shell)
in_use_lines() {
    printf '%s\n' "$OUT" | {
        joined=
        while IFS= read -r line; do
            case $line in
                " "*) joined="$joined ${line#"${line%%[! ]*}"}" ;;
                *) [ -n "$joined" ] && printf '%s\n' "$joined"; joined=$line ;;
            esac
        done
        [ -n "$joined" ] && printf '%s\n' "$joined"
    } | grep -F 'zpci.in-use'
}
# expect_in_use ADDR ERE...: check --op prepare exits 3 and the zpci.in-use line of
# ADDR matches every ERE (case-insensitive). The line lists the uses, comma-separated
# ("vda1 mounted on /mnt", "enc1 carries the host's default route"): an ERE of the
# form 'NAME[^,]*WHAT' ties a name to its use.
expect_in_use() {
    local addr=$1 e lines; shift
    run zvfio check $addr --op prepare
    [ $RC -eq 3 ] || fail "zvfio check $addr --op prepare exited $RC, expected 3 (zpci.in-use: $*): $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"
    lines=$(in_use_lines | grep -F -- "$addr")
    [ -n "$lines" ] || fail "zvfio check $addr --op prepare has no zpci.in-use line for $addr: $(printf '%s' "$OUT" | tr '\n' ' ')"
    for e in "$@"; do
        printf '%s\n' "$lines" | grep -Eqi -- "$e" || fail "the zpci.in-use line of $addr does not match /$e/: $lines"
    done
}
# expect_no_use ADDR ERE: $OUT (of a check of ADDR) has no zpci.in-use line matching ERE
expect_no_use() {
    ! in_use_lines | grep -Eqi -- "$2" || fail "zpci.in-use of $1 still matches /$2/: $(in_use_lines | tr '\n' ' ')"
}
# expect_free ADDR: check --op prepare passes with no zpci.in-use line
expect_free() {
    run zvfio check $1 --op prepare
    [ $RC -eq 0 ] && [ -z "$(in_use_lines)" ] || fail "zvfio check $1 --op prepare exited $RC, expected 0 without zpci.in-use: $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"
}
# expect_prepare_refused ADDR DRIVER: prepare exits 3 naming zpci.in-use, and ADDR stays on DRIVER
expect_prepare_refused() {
    refused 'zpci\.in-use' zvfio prepare $1
    [ $RC -eq 3 ] || fail "zvfio prepare $1 exited $RC, expected 3"
    assert_eq "$(pci_driver $1)" "$2" "driver of $1 after the refused prepare"
}
iface_up() { [ $(( $(cat /sys/class/net/$ifname/flags) & 1 )) -eq 1 ]; }
# first_entry DIR: the one entry of DIR (a device's virtio<N>/net or virtio<N>/block)
first_entry() { local e; for e in $1; do [ -e "$e" ] && { basename "$e"; return 0; }; done; return 1; }

step "the functions: host nic $nic, host disk $blk (both on virtio-pci), control $other"
for a in $nic $blk $other; do
    wait_for 20 pci_is $a virtio-pci || fail "$a is on $(pci_driver $a), not virtio-pci"
done
wait_for 20 first_entry "/sys/bus/pci/devices/$nic/virtio*/net/*" || fail "no network interface below $nic"
ifname=$(first_entry "/sys/bus/pci/devices/$nic/virtio*/net/*")
wait_for 20 first_entry "/sys/bus/pci/devices/$blk/virtio*/block/*" || fail "no disk below $blk"
disk=$(first_entry "/sys/bus/pci/devices/$blk/virtio*/block/*")
wait_for 20 test -b /dev/${disk}1 -a -b /dev/${disk}2 || fail "partitions ${disk}1/${disk}2 of $disk (MBR written by the runner) missing"
note "interface $ifname, disk $disk"
step "control: an unused zPCI function ($other, interface down) is not in use"
expect_free $other

step "$ifname becomes the host's network: up, 10.0.2.15/24, default route via 10.0.2.2"
ok ip addr add 10.0.2.15/24 dev $ifname
ok ip link set $ifname up
ok ip route add default via 10.0.2.2 dev $ifname
run cat /proc/net/route
printf '%s\n' "$OUT" | grep -Eq "^$ifname[[:space:]]+00000000[[:space:]]+0A000202[[:space:]]" \
    || fail "/proc/net/route has no default route via 10.0.2.2 (0A000202 on big-endian s390x) on $ifname"
run grep -F " $ifname" /proc/net/ipv6_route

step "$disk: ${disk}1 ext2, mounted through a node of another name; ${disk}2 swap"
ok mke2fs -q -F -t ext2 -L zv-host /dev/${disk}1
mm=$(cat /sys/class/block/${disk}1/dev)
ok mknod $ZV_WORK/host-root-alias b ${mm%%:*} ${mm##*:}
mkdir -p $MNT
ok mount -t ext2 $ZV_WORK/host-root-alias $MNT
echo "the host's data" > $MNT/data || fail "cannot write to $MNT"
ok mkswap /dev/${disk}2
ok swapon /dev/${disk}2
run grep -F "$mm" /proc/self/mountinfo
run cat /proc/swaps

step "check refuses both: the interface and its default route, the partition mounted, the swap"
expect_in_use $nic "$ifname[^,]*default route"
expect_in_use $blk "${disk}1[^,]*mounted" "${disk}2[^,]*swap"
ok zvfio check $other --op prepare

step "prepare is refused and changes nothing: drivers, interface, route, mount and swap stay"
expect_prepare_refused $nic virtio-pci
iface_up || fail "$ifname is no longer up after the refused prepare"
ip route | grep -q "^default via 10.0.2.2 dev $ifname" || fail "default route gone after the refused prepare: $(ip route | tr '\n' ' ')"
expect_prepare_refused $blk virtio-pci
mountpoint -q $MNT || fail "$MNT no longer mounted after the refused prepare"
grep -q "^/dev/${disk}2[[:space:]]" /proc/swaps || fail "${disk}2 no longer swap after the refused prepare"
assert_eq "$(cat $MNT/data)" "the host's data" "the mounted file system's data"

step "the host lets go step by step: each reason goes, the rest stays"
ok ip route del default dev $ifname
ok ip addr del 10.0.2.15/24 dev $ifname
expect_in_use $nic "$ifname[^,]* up"          # still up
expect_no_use $nic "$ifname[^,]*default route"   # (IPv6 link-local routes stay while up)
ok ip link set $ifname down
expect_free $nic
ok swapoff /dev/${disk}2
expect_in_use $blk "${disk}1[^,]*mounted"
expect_no_use $blk "${disk}2"
ok umount $MNT
expect_free $blk

step "free now: prepare binds both to vfio-pci, release gives them back"
for a in $nic $blk; do
    ok zvfio prepare $a
    assert_eq "$(pci_driver $a)" vfio-pci "driver of $a after prepare"
    ok zvfio release $a
    assert_eq "$(pci_driver $a)" virtio-pci "driver of $a after release"
done
wait_for 20 first_entry "/sys/bus/pci/devices/$blk/virtio*/block/*" || fail "no disk below $blk after release"
used_if=$ifname; used_disk=$disk; disk=""; ifname=""
trap - EXIT
pass "zpci.in-use refuses check/prepare of the host NIC $nic ($used_if up, default route) and the disk $blk (${used_disk}1 mounted, ${used_disk}2 swap); drivers, route, mount and swap untouched; free once the host lets go; no NVMe in QEMU 7.2"
