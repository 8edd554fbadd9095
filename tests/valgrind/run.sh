#!/usr/bin/env bash
# The valgrind memcheck tier: the unit tests and the integration tests that run
# zvfio, zvfio-callout and zvfio-hook, every one of those programs under
# valgrind memcheck. Fails on any invalid read or write, use of uninitialised
# memory or DEFINITE leak (errors of the libraries' own, if ever needed, are
# suppressed in tests/valgrind/zvfio.supp, which says why).
#
#   tests/valgrind/run.sh [unit|integration|all] [TEST PATHS...]
#
# The integration part runs tests (by default the selection below, which fits the
# CI budget) through the fixtures' ZVFIO_WRAPPER
# (tests/integration/conftest.py), in parallel (pytest-xdist, ZVFIO_VALGRIND_JOBS,
# default 2), with test timeouts multiplied by 20; tests that measure time or
# count syscalls, and the ones that start no zvfio program, are left out (listed
# below with the reason).
# Environment: ZVFIO_VALGRIND_BUILD_DIR (default build), ZVFIO_VALGRIND_JOBS.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
part=${1:-all}
[ $# -gt 0 ] && shift
build=${ZVFIO_VALGRIND_BUILD_DIR:-build}
jobs=${ZVFIO_VALGRIND_JOBS:-2}
command -v valgrind >/dev/null || { echo "valgrind: not installed (tools/setup.sh installs it)" >&2; exit 1; }
[ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
meson compile -C "$build" >/dev/null

logs=$(mktemp -d /tmp/zvfio-valgrind.XXXXXX)
# children are traced (the hook gate execs zvfio-hook), system programs are not
# (mdevctl, the shell, python)
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
 --errors-for-leak-kinds=definite --suppressions=$repo/tests/valgrind/zvfio.supp
 --trace-children=yes --trace-children-skip=/usr/*,/bin/*,/sbin/*
 --log-file=$logs/%p.log"
vg=$(echo $vg)
start=$SECONDS
rc=0

if [ "$part" = unit ] || [ "$part" = all ]; then
  echo "==> valgrind: unit tests and fuzz corpus replays (meson test --wrap)"
  # /root/write-swap-race (20,000 atomic writes) and /lock/swap-race (3,000 lock
  # cycles) run against a thread swapping a directory for a link: they prove a
  # race, not memory safety, and valgrind, which runs one thread at a time, lets
  # the swapping thread starve them past the timeout (/lock/swap-race: 600 s in
  # stop 25's CI); /root/mkdir-race (4 threads spinning at a start line) took 554 s
  # here. Their code runs in the other unit tests here.
  meson test -C "$build" --suite unit --wrap="$vg" --timeout-multiplier=20 \
    --test-args="-s /root/write-swap-race -s /lock/swap-race -s /root/mkdir-race" --print-errorlogs || rc=1
  meson test -C "$build" --suite fuzz --wrap="$vg" --timeout-multiplier=20 \
    --print-errorlogs || rc=1
fi

# Left out of the integration part, and why:
deselect=(
  # they measure time, count syscalls or wait on deadlines that valgrind's 20-50x
  # slowdown breaks; their code paths run in the other tests
  -k "not cheap and not cost and not deadline and not trickl and not timeout and not serialized and not strace and not fsync and not bounded"
  # no zvfio program is run (docs, schemas, fixtures, completion text, package
  # layout) or the program under test is run outside the fixtures' wrapper
  --ignore=tests/integration/test_docs.py --ignore=tests/integration/test_completion.py
  --ignore=tests/integration/test_fixture_formats.py --ignore=tests/integration/test_install.py
)
# What CI runs (the time budget of the fuzz and valgrind tiers together is about
# 15 minutes on a 2-core machine; every program start costs 1.5-2 s of CPU under
# memcheck): the bad-input catalog, which drives zvfio, zvfio-callout and
# zvfio-hook through their error paths with every kind of hostile input, and the
# hook's and the CLI's prepare/release, rollback and concurrency tests on the
# kernel emulator.
# `tests/valgrind/run.sh integration tests/integration` runs the whole suite.
hook=tests/integration/test_hook.py bind=tests/integration/test_bind.py
default_tests=(tests/integration/test_bad_input.py
  $hook::test_prepare_binds_zpci_and_release_restores_exactly
  $hook::test_metadata_offline_allow_lets_the_hook_set_the_device_offline
  $hook::test_mdev_start_failure_undoes_every_binding
  $hook::test_bind_failure_undoes_earlier_bindings
  $hook::test_release_after_manual_release_is_clean
  $hook::test_two_domains_starting_at_once
  $bind::test_prepare_binds_vfio_ccw_and_release_restores_exactly
  $bind::test_offline_option_sets_offline_and_release_sets_online_again
  $bind::test_persist_writes_what_driverctl_writes)
if [ "$part" = integration ] || [ "$part" = all ]; then
  echo "==> valgrind: integration tests, zvfio/zvfio-callout/zvfio-hook under memcheck ($jobs jobs)"
  ZVFIO_BUILD_DIR="$repo/$build" ZVFIO_WRAPPER="$vg" ZVFIO_TIMEOUT_FACTOR=20 \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider -n "$jobs" "${deselect[@]}" \
    "${@:-${default_tests[@]}}" || rc=1
fi

# every error is in a log of its own process: show them all
bad=$(grep -l -E "Invalid (read|write|free)|uninitialised|definitely lost|ERROR SUMMARY: [1-9]" \
        "$logs"/*.log 2>/dev/null || true)
if [ -n "$bad" ]; then
  for f in $bad; do echo "---- $f"; head -n 60 "$f"; done >&2
  echo "valgrind: memcheck errors in $(echo "$bad" | wc -l) process(es)" >&2
  rc=1
fi
echo "valgrind: $(ls "$logs" | wc -l) processes checked in $((SECONDS - start)) s, rc $rc"
[ $rc -eq 0 ] && rm -rf "$logs"
exit $rc
