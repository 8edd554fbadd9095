# zvfio define/start/stop/undefine on a remote host through libvirt's node-device API
# (issue 22 §4), against the real libvirtd 9.0 + mdevctl 1.2.0 + zvfio-callout of the
# emulated mainframe. The client connects as to another mainframe:
# qemu+ssh://root@zvfio-remote/system. zvfio-remote is this guest under a name that is
# not its own (ssh's HostName 127.0.0.1; zvfio compares the URI's host with its own
# name, so for it the URI names another host), the transport is a real sshd, ssh and
# virt-ssh-helper, and libvirtd on the far side runs mdevctl with its callout. zvfio must
# read that host's devices from libvirt's node devices only: every zvfio run sees this
# machine's sysfs, /etc/mdevctl.d, /run/zvfio ... empty and its mdevctl as /bin/false
# (a mount namespace, see zr), and must open an ssh session.
. /usr/lib/zvfio-vm/lib.sh
need_cmd prepare release define undefine start stop
need_callout
for c in /usr/sbin/sshd ssh ssh-keygen unshare; do
    command -v $c >/dev/null 2>&1 || skip "$c is not in the image (tests/vm/build-rootfs.sh)"
done
sch=$(dev_field "remote-mdev target" subchannel); devno=$(dev_field "remote-mdev target" devno)
other=$(jq -r '.ccw[] | select(.devno == "0.3.ffff") | .subchannel' $DEVICES)
css=css_${sch//./_}
U1=5a7f0022-0000-4000-8000-000000000001
U2=5a7f0022-0000-4000-8000-000000000002
R=zvfio-remote
URI="qemu+ssh://root@$R/system"
mname1=mdev_${U1//-/_}_${sch//./_}
SSH_CONF=/etc/ssh/ssh_config.d/zvfio-remote.conf
U3=""
U4=5a7f0022-0000-4000-8000-000000000004
D=zr-apply
cleanup() {
    local u
    virsh undefine $D >/dev/null 2>&1
    for u in $U1 $U2 $U3 $U4; do mdevctl stop -u $u; mdevctl undefine -u $u; done >/dev/null 2>&1
    zvfio release ccw:$devno --persist >/dev/null 2>&1
    ssh -n -O exit $R >/dev/null 2>&1
    [ -s $ZV_WORK/sshd.pid ] && kill "$(cat $ZV_WORK/sshd.pid)" 2>/dev/null
    rm -f $SSH_CONF
}
trap cleanup EXIT
# TCG: ssh's key exchange and libvirt's client start-up take seconds each, and every
# zvfio run is traced; one ssh master connection (ControlMaster below) is shared
export ZVFIO_CONNECT_TIMEOUT=180

# What zvfio must not use for a remote host: this machine's device files and tools.
HIDDEN="/sys /etc/mdevctl.d /etc/driverctl.d /run/zvfio /run/lock/zvfio"
TOOLS="$(command -v mdevctl) $(command -v driverctl) $(command -v lscss)"
ssh_sessions() { grep -c "Starting session: command" $ZV_WORK/sshd.log 2>/dev/null; }
# zr ARGS...: zvfio --connect URI ARGS ($OUT, $RC as run) in a mount namespace where
# this machine's sysfs, /etc/mdevctl.d, /etc/driverctl.d and /run/zvfio are empty
# and mdevctl, driverctl and lscss are /bin/false: all zvfio knows and does must go
# through libvirt over ssh (sshd on the far side runs in the real namespace, so that
# side sees the real devices). Fails the scenario when no ssh session was opened.
# (strace -f proves the same in tests/integration/test_remote.py; under TCG a traced
# zvfio took 65-110 s a run, dlopen's and ld.so's file calls each a ptrace stop.)
zr() {
    local t0=$SECONDS before
    before=$(ssh_sessions)
    run unshare -m sh -c 'for d in $0; do [ -d $d ] && mount -t tmpfs -o mode=0755 zvfio-hidden $d; done
        for t in $1; do mount --bind /bin/false $t; done
        shift; exec "$@"' "$HIDDEN" "$TOOLS" zvfio --connect "$URI" "$@"
    [ "$(ssh_sessions)" -gt "$before" ] || fail "zvfio $* opened no ssh session to $R"
    note "($((SECONDS - t0)) s)"
}
# zr_ok ARGS...: zr that must succeed
zr_ok() { zr "$@"; [ $RC -eq 0 ] || fail "'zvfio --connect $URI $*' exited $RC: $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"; }
has() { printf '%s' "$OUT" | grep -qF -- "$1" || fail "${2:-output} lacks '$1': $(printf '%s' "$OUT" | tail -n 4 | tr '\n' ' ')"; }
defined_on() { [ -e /etc/mdevctl.d/$1/$2 ]; }
running() { [ -e /sys/bus/mdev/devices/$1 ]; }
libvirt_lists() { virsh nodedev-list --all --cap mdev 2>/dev/null | grep -qx "$1"; }

step "an sshd on 127.0.0.1 and a client that reaches it as '$R'"
busybox ip link set lo up
mkdir -p /run/sshd /etc/ssh/ssh_config.d && chmod 0755 /run/sshd
ok ssh-keygen -q -t ed25519 -N '' -f $ZV_WORK/host_key
ok ssh-keygen -q -t ed25519 -N '' -f $ZV_WORK/client_key
cp $ZV_WORK/client_key.pub $ZV_WORK/authorized_keys
echo "$R $(cat $ZV_WORK/host_key.pub)" > $ZV_WORK/known_hosts
cat > $ZV_WORK/sshd_config <<EOF
ListenAddress 127.0.0.1:22
HostKey $ZV_WORK/host_key
PidFile $ZV_WORK/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $ZV_WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
cat > $SSH_CONF <<EOF
Host $R
  HostName 127.0.0.1
  HostKeyAlias $R
  IdentityFile $ZV_WORK/client_key
  UserKnownHostsFile $ZV_WORK/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ControlMaster auto
  ControlPath $ZV_WORK/ssh-%C
  ControlPersist 900
EOF
grep -qs '^Include /etc/ssh/ssh_config.d/\*.conf' /etc/ssh/ssh_config \
    || fail "/etc/ssh/ssh_config does not include ssh_config.d"
ok /usr/sbin/sshd -f $ZV_WORK/sshd_config -E $ZV_WORK/sshd.log
wait_for 10 test -s $ZV_WORK/sshd.pid || fail "sshd did not start: $(tail -n 3 $ZV_WORK/sshd.log)"
ok ssh -n root@$R true
ok virsh -c "$URI" nodedev-list --cap css
printf '%s\n' "$OUT" | grep -qx "$css" || fail "libvirt over $URI does not list $css"
note "hostname $(hostname); zvfio sees $URI as another host"

n0=$(ssh_sessions)
zr list ccw
[ $RC -eq 0 ] || fail "zvfio list over $URI with this machine's devices hidden exited $RC"
printf '%s\n' "$OUT" | grep -q "$sch" || fail "zvfio list over $URI does not show $sch"
[ -n "$n0" ] && [ "$n0" -ge 1 ] || fail "sshd logged no session ($(tail -n 2 $ZV_WORK/sshd.log))"
[ -z "$(unshare -m sh -c 'mount -t tmpfs x /sys; ls /sys')" ] || fail "the hiding namespace does not hide /sys"

step "rules that node devices can judge refuse before libvirt is asked: start on $css ($devno online)"
zr start $css
[ $RC -eq 3 ] || fail "remote start on an online device exited $RC, expected 3"
has "error: ccw.online: " "the refusal"
has "checked there by zvfio-callout when its libvirt runs mdevctl" "the note on the rules left to that host"
has "refusing to start an mdev for" "the refusal"
[ -z "$(ls /etc/mdevctl.d/$sch 2>/dev/null)" ] || fail "a definition appeared on $sch"
[ -z "$(ls /sys/bus/mdev/devices 2>/dev/null)" ] || fail "an mdev appeared"

step "apply --connect: $devno (online, on io_subchannel) to domain $D; libvirt cannot bind it: refused, nothing changes"
domain_xml $D $ZV_WORK/$D.console > $ZV_WORK/$D.xml
ok virsh define $ZV_WORK/$D.xml
printf '{"version": 1, "passthroughs": [{"device": "ccw:%s", "domain": "%s", "mdev": "%s", "autostart": true}]}\n' \
    $devno $D $U4 > $ZV_WORK/want.json
printf '{"version": 1, "host": ["ccw:%s"]}\n' $devno > $ZV_WORK/back.json
zr apply $ZV_WORK/want.json
[ $RC -eq 1 ] || fail "remote apply that needs a binding exited $RC, expected 1"
has "refusing to prepare: binding device $devno (subchannel $sch) changes the sysfs of the host of $URI, for which libvirt has no call; run 'zvfio prepare ccw:$devno' on that host" "the refusal"
has "  define: not-run: " "the plan"
[ -z "$(ls /etc/mdevctl.d/$sch 2>/dev/null)" ] || fail "a definition appeared on $sch"
sch_is $sch io_subchannel || fail "$sch left io_subchannel"

step "bind $sch ($devno) to vfio_ccw on 'that host' (its admin's zvfio prepare, no --persist)"
ok zvfio prepare ccw:$devno --offline
wait_for 20 sh -c "virsh nodedev-dumpxml $css | grep -q vfio_ccw-io" || fail "libvirt does not see the mdev type on $css"

step "callout veto: define --auto without a persistent binding; that host's zvfio-callout refuses (ccw.autostart-not-persistent)"
zr define $css --uuid $U2 --auto
[ $RC -eq 3 ] || fail "remote define --auto without driverctl override exited $RC, expected 3 (the callout's veto)"
printf '%s\n' "$OUT" | grep -Eq "^error: ccw\.autostart-not-persistent: .*$sch" \
    || fail "the callout's reason (its ccw.autostart-not-persistent line) is not shown"
has "driverctl -b css set-override $sch vfio_ccw" "the callout's hint"
has "zvfio: the zvfio-callout of the host of $URI refused to set autostart of mdev $U2 on $sch (see the rule violations above); the mdev $U2 defined on $sch by this command was undefined again (nothing changed)" "the error"
! defined_on $sch $U2 || fail "the vetoed definition of $U2 stayed"
wait_for 20 sh -c "! virsh nodedev-list --all --cap mdev | grep -q ${U2//-/_}" || fail "libvirt still lists $U2"

step "apply --connect: the far side's zvfio-callout vetoes the define step (autostart, binding not persistent)"
zr apply $ZV_WORK/want.json
[ $RC -eq 3 ] || fail "remote apply with the callout's veto exited $RC, expected 3"
printf '%s\n' "$OUT" | grep -Eq "^error: ccw\.autostart-not-persistent: .*$sch" \
    || fail "apply does not show the callout's reason (its ccw.autostart-not-persistent line)"
has "refused to set autostart of mdev $U4 on $sch" "the step's error"
has "was undefined again (nothing changed)" "the step's error"
has "  attach: not-run: " "the plan"
! defined_on $sch $U4 || fail "the vetoed definition of $U4 stayed"
virsh dumpxml $D | grep -q "$U4" && fail "domain $D got the hostdev of $U4"

step "the binding made persistent (zvfio prepare --persist on 'that host')"
ok zvfio release ccw:$devno
ok zvfio prepare ccw:$devno --offline --persist
assert_file /etc/driverctl.d/css-$sch "driverctl override of $sch"
wait_for 20 sh -c "virsh nodedev-dumpxml $css | grep -q vfio_ccw-io" || fail "libvirt does not see the mdev type on $css"

step "apply --connect: define (node-device API) and attach; again: nothing to do"
zr apply $ZV_WORK/want.json --check
[ $RC -eq 10 ] || fail "remote apply --check exited $RC, expected 10"
has "through libvirt's node-device API" "the plan"
! defined_on $sch $U4 || fail "apply --check defined $U4"
zr apply $ZV_WORK/want.json --json
[ $RC -eq 10 ] || fail "remote apply exited $RC, expected 10: $(printf '%s' "$OUT" | tail -n 3 | tr '\n' ' ')"
defined_on $sch $U4 || fail "apply defined no $U4 on $sch"
jq -e '.start == "auto" and .mdev_type == "vfio_ccw-io"' /etc/mdevctl.d/$sch/$U4 >/dev/null \
    || fail "definition of $U4: $(cat /etc/mdevctl.d/$sch/$U4)"
virsh dumpxml --inactive $D | grep -q "uuid='$U4'" || fail "domain $D lacks the hostdev of $U4"
zr apply $ZV_WORK/want.json
[ $RC -eq 0 ] || fail "the second remote apply exited $RC, expected 0 (nothing to do)"
has "nothing to do (1 device as the document says)" "the second apply"

step "apply --connect of a host entry: the release cannot be done over libvirt, nothing changes"
zr apply $ZV_WORK/back.json
[ $RC -eq 1 ] || fail "remote apply of a host entry exited $RC, expected 1"
has "run 'zvfio release ccw:$devno' on that host" "the refusal"
defined_on $sch $U4 || fail "the refused host entry undefined $U4"
virsh dumpxml --inactive $D | grep -q "uuid='$U4'" || fail "the refused host entry detached $U4"
zr_ok detach $D $U4
zr_ok undefine $U4
! defined_on $sch $U4 || fail "undefine left $U4"
wait_for 20 sh -c "! virsh nodedev-list --all --cap mdev | grep -q ${U4//-/_}" || fail "libvirt still lists $U4"

step "define --auto --start: virNodeDeviceDefineXML, SetAutostart, Create"
zr_ok define $css --uuid $U1 --auto --start
assert_eq "$(printf '%s' "$OUT" | tail -n 1)" "$U1" "define output"
defined_on $sch $U1 || fail "no definition of $U1 on $sch"
jq -e '.start == "auto" and .mdev_type == "vfio_ccw-io"' /etc/mdevctl.d/$sch/$U1 >/dev/null \
    || fail "definition of $U1: $(cat /etc/mdevctl.d/$sch/$U1)"
wait_for 20 running $U1 || fail "mdev $U1 not created"
wait_for 20 libvirt_lists $mname1 || fail "libvirt does not list $mname1"
ok virsh nodedev-info $mname1
printf '%s' "$OUT" | grep -Eq '^Autostart: +yes' || fail "libvirt: $mname1 not autostart"

step "stop (virNodeDeviceDestroy), start by node device name (virNodeDeviceCreate)"
zr_ok stop $mname1
assert_eq "$(printf '%s' "$OUT" | tail -n 1)" "$U1" "stop output"
wait_for 20 sh -c "! test -e /sys/bus/mdev/devices/$U1" || fail "mdev $U1 still runs after stop"
defined_on $sch $U1 || fail "stop removed the definition"
zr_ok start $mname1
wait_for 20 running $U1 || fail "mdev $U1 not started again"
zr_ok stop $U1
wait_for 20 sh -c "! test -e /sys/bus/mdev/devices/$U1" || fail "mdev $U1 still runs after the second stop"

step "undefine refuses a UUID that is also defined on $other (libvirt's undefine names no parent)"
ok mdevctl define -u $U1 -p $other -t vfio_ccw-io
wait_for 20 libvirt_lists mdev_${U1//-/_}_${other//./_} || fail "libvirt does not list $U1 on $other"
zr undefine $U1
[ $RC -eq 1 ] || fail "remote undefine of a UUID defined twice exited $RC, expected 1"
has "mdev $U1 is defined on $sch and on $other of the host of $URI" "the refusal"
defined_on $sch $U1 && defined_on $other $U1 || fail "a definition of $U1 went"
ok mdevctl undefine -u $U1 -p $other

step "undefine (virNodeDeviceUndefine)"
wait_for 20 sh -c "! virsh nodedev-list --all --cap mdev | grep -q ${U1//-/_}_${other//./_}" || fail "libvirt still lists $U1 on $other"
zr_ok undefine $css
assert_eq "$(printf '%s' "$OUT" | tail -n 1)" "$U1" "undefine output"
! defined_on $sch $U1 || fail "the definition of $U1 stayed"
wait_for 20 sh -c "! virsh nodedev-list --all --cap mdev | grep -q ${U1//-/_}" || fail "libvirt still lists $U1"

step "start without a definition: a transient mdev (virNodeDeviceCreateXML), then stop"
zr_ok start $css
U3=$(printf '%s' "$OUT" | tail -n 1)
running $U3 || fail "no transient mdev '$U3' runs"
[ -z "$(ls /etc/mdevctl.d/$sch 2>/dev/null)" ] || fail "the transient start left a definition"
zr_ok stop $U3
wait_for 20 sh -c "! test -e /sys/bus/mdev/devices/$U3" || fail "transient mdev $U3 still runs"

step "release $sch (--persist: the driverctl override goes too)"
ok zvfio release ccw:$devno --persist
wait_for 15 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel"
assert_no_file /etc/driverctl.d/css-$sch "driverctl override after release"
n=$(ssh_sessions)
trap - EXIT
cleanup
pass "over $URI (real sshd/ssh/virt-ssh-helper; $n ssh sessions): apply --connect showed the far side's callout veto of its define step and took it back, then defined (node-device API) and attached an mdev, had nothing to do the second time, and refused a host entry whose release libvirt cannot do; remote rules refused an online device before libvirt; the far side's zvfio-callout vetoed define --auto without a persistent binding (exit 3, its ccw.autostart-not-persistent line shown, the definition taken back); define --auto --start, stop, start by name, undefine and a transient start/stop drove the real mdev through libvirt's node-device API; undefine refused a UUID defined on two subchannels; zvfio read none of this machine's device files and ran no mdevctl"
