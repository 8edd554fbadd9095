# Crash consistency of `zvfio define ID --uuid U --start` on the real kernel, where
# mdevctl start creates the mdev (the host tier's fixture root has no mdev parent,
# so there it stops at a failing start): a fault-injection build of zvfio
# (-Dfault_injection=true, /usr/libexec/zvfio-vm/zvfio-fault) is killed with
# SIGKILL at each of its write steps in turn (ZVFIO_FAULT_AT=N), then the run is
# recovered with `zvfio repair U`, `zvfio repair --all` and the same command again
# (each point three times, once per recovery). Afterwards no intent record is left and the host holds either
# nothing (undone) or the defined and running mdev (finished), never one without
# the other.
. /usr/lib/zvfio-vm/lib.sh
need_cmd prepare define repair release
FAULT=/usr/libexec/zvfio-vm/zvfio-fault
[ -x $FAULT ] || skip "no fault-injection build in the image ($FAULT; see build-zvfio.sh's log)"
sch=$(dev_field "udev hint target" subchannel); devno=$(dev_field "udev hint target" devno)
U=5a7f0014-0000-4000-8000-000000000001
REC=/run/zvfio/mdev/$U.json
cleanup() {
    mdevctl stop -u $U >/dev/null 2>&1; mdevctl undefine -u $U >/dev/null 2>&1
    rm -f $REC
    zvfio release ccw:$devno >/dev/null 2>&1
}
trap cleanup EXIT

defined() { [ -e /etc/mdevctl.d/$sch/$U ]; }
running() { [ -e /sys/bus/mdev/devices/$U ]; }
# back to nothing: no mdev, no definition, no record
reset_mdev() {
    running && mdevctl stop -u $U >/dev/null 2>&1
    defined && mdevctl undefine -u $U >/dev/null 2>&1
    wait_for 10 sh -c "! test -e /sys/bus/mdev/devices/$U" || fail "cannot stop mdev $U"
    ! defined || fail "cannot undefine $U"
    assert_no_file $REC "intent record before a trial"
}

step "bind $sch ($devno) to vfio_ccw"
ok zvfio prepare ccw:$devno --offline
assert_eq "$(sch_driver $sch)" vfio_ccw "driver of $sch"

step "count the write steps of a complete define --start"
rm -f $ZV_WORK/points
ZVFIO_FAULT_LOG=$ZV_WORK/points run $FAULT define ccw:$devno --uuid $U --start
[ $RC -eq 0 ] || fail "define --start (fault build, counting) exited $RC"
running && defined || fail "define --start did not leave a defined, running mdev"
assert_no_file $REC "intent record after a complete define --start"
n=$(wc -l < $ZV_WORK/points)
note "write steps: $n: $(cut -d' ' -f2- $ZV_WORK/points | tr '\n' ';')"
[ "$n" -ge 5 ] || fail "only $n write steps counted"
reset_mdev

undone=0 finished=0 trials=0
for i in $(seq 1 $n); do
  for how in 1 2 0; do
    trials=$((trials + 1))
    step "killed at write step $i/$n ($(sed -n ${i}p $ZV_WORK/points | cut -d' ' -f2-)), recovery $how"
    ZVFIO_FAULT_AT=$i run $FAULT define ccw:$devno --uuid $U --start
    [ $RC -eq 137 ] || fail "trial $i: not killed at step $i (exit $RC)"
    case $how in
        1) run zvfio repair $U ;;
        2) run zvfio repair --all ;;
        0) run zvfio define ccw:$devno --uuid $U --start ;;
    esac
    # `repair U` of a run killed before its record was written finds nothing (exit 4)
    [ $RC -eq 0 ] || { [ $how = 1 ] && [ $RC = 4 ] && [ ! -e $REC ]; } \
        || fail "trial $i: recovery ($how) exited $RC: $(printf '%s' "$OUT" | tail -n 2 | tr '\n' ' ')"
    assert_no_file $REC "trial $i: intent record after the recovery"
    if running && defined; then
        finished=$((finished + 1))
    elif ! running && ! defined; then
        undone=$((undone + 1))
    else
        fail "trial $i: half state after the recovery: running=$(running && echo yes || echo no) defined=$(defined && echo yes || echo no)"
    fi
    reset_mdev
  done
done

step "release $sch"
ok zvfio release ccw:$devno
wait_for 15 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online again after release"
trap - EXIT
pass "define --start killed at each of its $n write steps on the real kernel, each recovered by repair UUID, repair --all and a re-run ($trials trials): $undone undone, $finished finished, no half state, no record left"
