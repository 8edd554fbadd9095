# Crash consistency of `zvfio define ID --uuid U --start` on the real kernel, where
# mdevctl start creates the mdev (the host tier's fixture root has no mdev parent,
# so there it stops at a failing start): a fault-injection build of zvfio
# (-Dfault_injection=true, /usr/libexec/zvfio-vm/zvfio-fault) is killed with
# SIGKILL at each of its write steps in turn (ZVFIO_FAULT_AT=N), then the run is
# recovered with `zvfio repair U`, `zvfio repair --all` and the same command again
# (each point three times, once per recovery). What each point must end in follows
# tests/integration/test_crash_mdev.py and docs/architecture.md ("Intent records"):
#   - killed before `mdevctl define` returned, or before `mdevctl start`: repair
#     undoes (nothing left); the re-run settles and does the operation (finished);
#   - killed after `mdevctl start` (the record's removal): every recovery drops the
#     record and leaves the defined, running mdev (finished; zvfio never stops one);
#   - killed at the record update right after `mdevctl define` (the record holds no
#     proof that the definition is zvfio's): every recovery exits 1, keeps the
#     definition (not running) and the record, and says how to go on; following that
#     message (mdevctl undefine -u U -p SCH; zvfio repair U) brings the host back to
#     the state before (kept).
# Never a half state (a running mdev without its definition, or one that runs
# without having been asked for), never a record left after a recovery that exited 0.
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
yn() { "$@" && echo yes || echo no; }
# what a trial may change: the definition, the mdev, the record, the subchannel's driver
host_state() {
    echo "defined=$(yn defined) running=$(yn running) record=$(yn test -e $REC) driver=$(sch_driver $sch)"
}
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
before=$(host_state)
note "state before the trials: $before"

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

# point_kind I: what killing the run before write step I leaves (see the top)
point_kind() {
    local prev
    [ "$1" -ge 2 ] && prev=$(sed -n "$(($1 - 1))p" $ZV_WORK/points | cut -d' ' -f2-) || prev=""
    case $prev in
        "mdevctl define/"*) echo unproven ;;
        "mdevctl start/"*)  echo started ;;
        *)                  echo before-start ;;
    esac
}
kinds=""
for i in $(seq 1 $n); do kinds="$kinds $(point_kind $i)"; done
note "points:$kinds"
printf '%s\n' $kinds | grep -qx unproven || fail "no write step after 'mdevctl define' among:$kinds"
printf '%s\n' $kinds | grep -qx started || fail "no write step after 'mdevctl start' among:$kinds"

undone=0 finished=0 kept=0 trials=0
for i in $(seq 1 $n); do
  kind=$(point_kind $i)
  for how in 1 2 0; do
    trials=$((trials + 1))
    step "killed at write step $i/$n ($(sed -n ${i}p $ZV_WORK/points | cut -d' ' -f2-); $kind), recovery $how"
    ZVFIO_FAULT_AT=$i run $FAULT define ccw:$devno --uuid $U --start
    [ $RC -eq 137 ] || fail "trial $i: not killed at step $i (exit $RC)"
    case $how in
        1) run zvfio repair $U ;;
        2) run zvfio repair --all ;;
        0) run zvfio define ccw:$devno --uuid $U --start ;;
    esac
    last=$(printf '%s' "$OUT" | tail -n 2 | tr '\n' ' ')
    if [ $kind = unproven ]; then
        # fail safe: zvfio cannot show the definition is its own, so it keeps it
        [ $RC -eq 1 ] || fail "trial $i: recovery ($how) of an unproven definition exited $RC, expected 1: $last"
        printf '%s' "$OUT" | grep -qF "mdev $U: kept its definition on $sch and the record $REC" \
            || fail "trial $i: recovery ($how) does not say it kept the definition: $last"
        printf '%s' "$OUT" | grep -qF "'mdevctl undefine -u $U -p $sch', then 'zvfio repair $U'" \
            || fail "trial $i: recovery ($how) does not say how to go on: $last"
        assert_eq "$(host_state)" "defined=yes running=no record=yes driver=vfio_ccw" \
            "trial $i: state after the recovery ($how) of an unproven definition"
        step "trial $i: the admin follows the message: mdevctl undefine -u $U -p $sch; zvfio repair $U"
        ok mdevctl undefine -u $U -p $sch
        ok zvfio repair $U
        assert_eq "$(host_state)" "$before" "trial $i: state after the admin's undefine and repair"
        kept=$((kept + 1))
        continue
    fi
    # `repair U` of a run killed before its record was written finds nothing (exit 4)
    [ $RC -eq 0 ] || { [ $how = 1 ] && [ $RC = 4 ] && [ $i = 1 ] && [ ! -e $REC ]; } \
        || fail "trial $i: recovery ($how) exited $RC: $last"
    assert_no_file $REC "trial $i: intent record after the recovery"
    assert_eq "$(sch_driver $sch)" vfio_ccw "trial $i: driver of $sch after the recovery"
    if running && defined; then
        got=finished; finished=$((finished + 1))
    elif ! running && ! defined; then
        got=undone; undone=$((undone + 1))
    else
        fail "trial $i: half state after the recovery: $(host_state)"
    fi
    # killed after the start: the operation had finished, whoever recovers; before
    # it: repair takes back what the record proves, the re-run does it again
    if [ $kind = started ] || [ $how = 0 ]; then want=finished; else want=undone; fi
    assert_eq "$got" "$want" "trial $i ($kind): outcome of recovery $how"
    [ $kind = started ] && [ $how != 0 ] && { printf '%s' "$OUT" | grep -qF "the interrupted define --start had finished" \
        || fail "trial $i: repair ($how) does not say the define --start had finished: $last"; }
    reset_mdev
  done
done

step "release $sch"
ok zvfio release ccw:$devno
wait_for 15 sch_is $sch io_subchannel || fail "$sch not back on io_subchannel"
wait_for 10 ccw_online_is $devno 1 || fail "ccw device $devno not online again after release"
trap - EXIT
pass "define --start killed at each of its $n write steps on the real kernel, each recovered by repair UUID, repair --all and a re-run ($trials trials): $undone undone, $finished finished, $kept kept for the admin (killed before the proof: exit 1, definition and record kept; mdevctl undefine + repair then restored the state before), no half state"
