. /usr/lib/zvfio-vm/lib.sh
step "runner self-test: console markers and the results share work"
assert_eq "$(uname -m)" s390x "guest architecture"
[ -d /sys/bus/css/devices/0.1.0000 ] || fail "subchannel 0.1.0000 (devno fe.1.0007) missing"
assert_eq "$(cat /sys/bus/css/devices/0.1.0000/0.1.0007/cutype)" 3832/01 "cutype of 0.1.0007"
pass "booted, s390x, devno 0.1.0007 on subchannel 0.1.0000"
