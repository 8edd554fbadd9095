# issue 22 §3: Ansible on the x86 host drives this guest over ssh. This script is
# the guest's part only: it brings up the network interface whose port QEMU forwards
# from the host's 127.0.0.1, starts sshd with the keys the host made for this boot,
# binds one subchannel to vfio_ccw by hand (before zvfio is installed, so that the
# package's postinst has a devno to record), defines the domain g1, and says
# ZVFIO-ANSIBLE-READY. tests/vm/test_vm_ansible.py then runs the playbooks
# (ansible/tests/mainframe-*.yml: install the .deb, pass the DASD stand-in through,
# run again, reverse and purge), checks the guest over ssh and writes its verdict to
# $VERDICT, which ends this scenario. Run only by that test (group "ansible").
. /usr/lib/zvfio-vm/lib.sh
KEYS=/etc/zvfio-vm/ssh
VERDICT=/run/zvfio-vm/verdict
[ -s $KEYS/host_key ] || skip "no ssh keys in the image: this scenario runs from tests/vm/test_vm_ansible.py"
for c in /usr/sbin/sshd python3 dpkg; do
    command -v $c >/dev/null 2>&1 || skip "$c is not in the image (tests/vm/build-rootfs.sh)"
done
# zvfio comes from the .deb the playbook installs, never from the image
command -v zvfio >/dev/null 2>&1 && fail "zvfio is in the image before the .deb was installed: $(command -v zvfio)"
[ -e /etc/libvirt/hooks/qemu.d/zvfio ] && fail "the image has a zvfio hook before the .deb was installed"

nic=$(dev_field "ssh (port forwarded from the host's 127.0.0.1)" devno)
pre=$(dev_field "bound to vfio_ccw before the install" subchannel)
ifc=$(ls /sys/bus/ccw/devices/$nic/virtio*/net/ 2>/dev/null | head -n1)
[ -n "$ifc" ] || fail "no network interface on the ssh device $nic"

step "network: $ifc ($nic) 10.0.2.15/24, QEMU forwards the host's 127.0.0.1 to its port 22"
ok busybox ip link set lo up
ok busybox ip addr add 10.0.2.15/24 dev $ifc
ok busybox ip link set $ifc up

step "sshd with the host's keys for this boot"
mkdir -p /run/sshd /run/zvfio-vm && chmod 0755 /run/sshd
cat > $ZV_WORK/sshd_config <<EOF
ListenAddress 10.0.2.15:22
HostKey $KEYS/host_key
PidFile $ZV_WORK/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $KEYS/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel VERBOSE
EOF
ok /usr/sbin/sshd -f $ZV_WORK/sshd_config -E $ZV_WORK/sshd.log
cleanup() {
    [ -s $ZV_WORK/sshd.pid ] && kill "$(cat $ZV_WORK/sshd.pid)" 2>/dev/null
    cp $ZV_WORK/sshd.log /mnt/results/ansible-sshd.log 2>/dev/null
}
trap cleanup EXIT

step "$pre bound to vfio_ccw by hand, before zvfio is installed"
raw_bind_vfio $pre || fail "could not bind $pre to vfio_ccw"
assert_no_file /run/zvfio "/run/zvfio before zvfio is installed"

step "domain g1, shut off"
domain_xml g1 /var/log/libvirt/qemu/g1.console > $ZV_WORK/g1.xml
ok virsh define $ZV_WORK/g1.xml

echo "ZVFIO-ANSIBLE-READY"
step "waiting for the host's verdict in $VERDICT"
while [ ! -s $VERDICT ]; do sleep 2; done
verdict=$(cat $VERDICT)
note "$verdict"
case $verdict in
    PASS\ *) pass "${verdict#PASS }" ;;
    *) fail "${verdict#FAIL }" ;;
esac
