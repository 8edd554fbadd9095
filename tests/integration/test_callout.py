"""zvfio-callout: mdevctl's callout protocol, driven directly (every event x action,
malformed argv and stdin, missing sysfs, locks, foreign types)."""

import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import unwrap_violations

UUID = "11111111-2222-3333-4444-555555555555"
GOOD = json.dumps({"mdev_type": "vfio_ccw-io", "start": "manual", "attrs": []})
AUTO = json.dumps({"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": []})
PROVIDES = json.dumps({"provides": {
    "version": 2,
    "actions": ["start", "stop", "define", "undefine", "modify", "attributes", "capabilities"],
    "events": ["pre", "post", "notify", "get", "live"]}})
ACTIONS = ["define", "undefine", "modify", "start", "stop"]


@pytest.fixture(scope="module")
def ccw_root(tmp_path_factory):
    """The rules-ccw fixture tree (generated once for this module)."""
    import zvfio_fixtures
    return zvfio_fixtures.build_tree("rules-ccw", tmp_path_factory.mktemp("callout") / "root")


def lock_files(root):
    """Names of the lock files in ROOT's lock directory."""
    lock_dir = root / "run" / "lock" / "zvfio"
    return sorted(p.name for p in lock_dir.iterdir()) if lock_dir.exists() else []


# --- foreign types -------------------------------------------------------------

def test_foreign_type_exits_2_without_reading_stdin(callout_bin, tmp_path):
    """stdin is a pipe nobody writes or closes: the callout must not wait for it."""
    read_end, write_end = os.pipe()
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [str(callout_bin), "-t", "vfio_ap-passthrough", "-e", "pre", "-a", "define", "-s",
             "none", "-u", UUID, "-p", "matrix"],
            stdin=read_end, capture_output=True, timeout=10,
            env={"ZVFIO_ROOT": str(tmp_path / "does-not-exist")})
    finally:
        os.close(read_end)
        os.close(write_end)
    assert proc.returncode == 2
    assert proc.stdout == b"" and proc.stderr == b""
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("event,action", [("get", "capabilities"), ("get", "attributes"),
                                          ("post", "start"), ("live", "modify")])
def test_foreign_type_exits_2_on_every_event(run_callout, event, action):
    proc = run_callout(event, action, parent="matrix", type="vfio_ap-passthrough",
                       input=PROVIDES)
    assert proc.returncode == 2
    assert proc.stdout == ""


def test_foreign_type_is_cheap(callout_bin, tmp_path):
    """One exec and out: after start-up the callout touches no file, reads no stdin."""
    argv = [str(callout_bin), "-t", "vfio_ap-passthrough", "-e", "pre", "-a", "start", "-s",
            "none", "-u", UUID, "-p", "matrix"]
    log = tmp_path / "strace.log"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", ZVFIO_ROOT=str(tmp_path))
    res = subprocess.run(["strace", "-qq", "-e", "trace=%file,read", "-o", str(log)] + argv,
                         stdin=subprocess.DEVNULL, env=env)
    assert res.returncode == 2
    calls = log.read_text().splitlines()
    assert not any(line.startswith("read(0,") for line in calls), calls
    touched = [line for line in calls
               if f'"{tmp_path}' in line or '"/sys/bus' in line or '"/sys/devices' in line
               or '"/etc/mdevctl' in line]
    assert touched == []


def test_foreign_type_is_answered_by_the_libc_only_front_end(callout_bin, tmp_path):
    """The binary mdevctl runs answers a foreign type itself: one execve (its own),
    no glib, json-glib or libxml2 loaded; vfio_ccw-io goes on to the full callout."""
    log = tmp_path / "strace.log"
    argv = [str(callout_bin), "-t", "vfio_ap-passthrough", "-e", "pre", "-a", "start", "-s",
            "none", "-u", UUID, "-p", "matrix"]
    # LeakSanitizer cannot run under ptrace (the sanitizer tier)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    res = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve,openat", "-o", str(log)]
                         + argv, stdin=subprocess.DEVNULL, env=env)
    assert res.returncode == 2
    calls = log.read_text().splitlines()
    assert len([c for c in calls if "execve(" in c]) == 1, calls
    assert not [c for c in calls if "libglib" in c or "libjson" in c or "libxml" in c], calls
    argv = [str(callout_bin), "-t", "vfio_ccw-io", "-e", "get", "-a", "attributes", "-s",
            "none", "-u", UUID, "-p", "0.0.0140"]
    res = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(log)] + argv,
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    assert res.returncode == 0 and res.stdout == "[]\n", res.stderr
    execs = [c for c in log.read_text().splitlines() if "execve(" in c and "= 0" in c]
    assert len(execs) == 2 and "zvfio-callout-worker" in execs[1], execs


def test_front_end_without_worker_reads_stdin_before_failing(callout_bin, tmp_path):
    """The front end alone (its worker neither beside it nor installed: a broken
    install) fails with exit 1, but only after reading stdin: mdevctl 1.2 would take
    an early exit's broken pipe for a script that did not run and go on."""
    lone = tmp_path / "zvfio-callout"
    shutil.copy(callout_bin, lone)
    installed = subprocess.run(["strings", str(lone)], capture_output=True, text=True).stdout
    worker = next(line for line in installed.splitlines() if line.endswith("/zvfio-callout-worker"))
    if os.path.exists(worker):
        pytest.skip(f"{worker} is installed on this machine")
    proc = subprocess.Popen([str(lone)] + PRE_DEFINE, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    running = proc.poll() is None
    os.write(proc.stdin.fileno(), GOOD.encode())
    proc.stdin.close()
    proc.stdin = None
    _, stderr = proc.communicate(timeout=30)
    assert running, "answered before reading stdin"
    assert proc.returncode == 1
    assert f"zvfio-callout: cannot run {worker}" in stderr.decode()


# --- argv ----------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    [],
    ["-e", "pre", "-a", "define", "-s", "none", "-u", UUID, "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID],
    ["-t", "vfio_ccw-io", "-e", "pre", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "0.0.0140"],
    ["-t=vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID, "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID, "-p"],
    ["-t", "vfio_ccw-io", "-x", "pre", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "PRE", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", "not-a-uuid",
     "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", "AAAAAAAA-2222-3333-4444-555555555555",
     "-p", "0.0.0140"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "../../etc"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "0.0.0ABC"],
    ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
     "-p", "0.4.0001"],
], ids=["empty", "no-type", "no-parent", "duplicate", "equals-form", "dangling", "unknown-opt",
        "uppercase-event", "bad-uuid", "uppercase-uuid", "traversal", "uppercase-parent",
        "bad-ssid"])
def test_malformed_argv(run_callout, ccw_root, argv):
    proc = run_callout(argv=argv, input=GOOD, root=ccw_root)
    assert proc.returncode == 1
    assert "usage: zvfio-callout -t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT" \
        in proc.stderr
    assert lock_files(ccw_root) == []


# --- get -----------------------------------------------------------------------

def test_get_attributes_is_empty_array(run_callout, ccw_root):
    proc = run_callout("get", "attributes", root=ccw_root)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_get_capabilities_answers_what_it_supports(run_callout):
    proc = run_callout("get", "capabilities", input=PROVIDES)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer == {"supports": {
        "version": 2,
        "actions": ["start", "stop", "define", "undefine", "modify", "attributes",
                    "capabilities"],
        "events": ["pre", "post", "get"]}}


def test_get_capabilities_intersects_with_provides(run_callout):
    provides = {"provides": {"version": 2, "actions": ["define", "start", "frobnicate"],
                             "events": ["pre", "live"]}}
    proc = run_callout("get", "capabilities", input=json.dumps(provides))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["supports"] == {"version": 2,
                                                   "actions": ["define", "start"],
                                                   "events": ["pre"]}


@pytest.mark.parametrize("stdin", ["", "{", "[]", '{"provides": 3}'])
def test_get_capabilities_rejects_garbage(run_callout, stdin):
    proc = run_callout("get", "capabilities", input=stdin)
    assert proc.returncode not in (0, 2)
    assert "invalid capabilities request" in proc.stderr
    assert proc.stdout == ""


# --- pre / post ------------------------------------------------------------------

@pytest.mark.parametrize("action", ACTIONS)
def test_pre_and_post_on_a_good_subchannel(run_callout, ccw_root, action):
    """Every action passes 'pre' on a clean vfio_ccw subchannel; 'post' releases the lock."""
    pre = run_callout("pre", action, parent="0.0.0140", input=GOOD, root=ccw_root)
    assert pre.returncode == 0, pre.stderr
    assert pre.stderr == ""
    assert lock_files(ccw_root) == ["css-0.0.0140.lock"]
    for state in ("success", "failure"):
        post = run_callout("post", action, parent="0.0.0140", input=GOOD, state=state,
                           root=ccw_root)
        assert post.returncode == 0
    assert lock_files(ccw_root) == []


@pytest.mark.parametrize("event", ["notify", "future"])
@pytest.mark.parametrize("action", ACTIONS + ["future"])
def test_other_events_and_actions_are_accepted(run_callout, ccw_root, event, action):
    proc = run_callout(event, action, parent="0.0.0110", root=ccw_root)
    assert proc.returncode == 0
    assert lock_files(ccw_root) == []


def test_unknown_action_on_pre_is_not_vetoed(run_callout, ccw_root):
    proc = run_callout("pre", "frobnicate", parent="0.0.0110", root=ccw_root)
    assert proc.returncode == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_live_is_refused(run_callout, ccw_root, action):
    proc = run_callout("live", action, input=GOOD, root=ccw_root)
    assert proc.returncode == 1
    assert "without --live" in proc.stderr


@pytest.mark.parametrize("parent,rule,text", [
    ("0.0.0110", "ccw.qdio", "QDIO device"),
    ("0.0.ff40", "ccw.not-io-subchannel", "subchannel 0.0.ff40 is of type 1 (chsc)"),
    ("0.0.ff00", "ccw.not-io-subchannel", "subchannel 0.0.ff00 is of type 3 (adm)"),
    ("0.0.ff80", "ccw.not-io-subchannel", "subchannel 0.0.ff80 is of type 2 (message)"),
    ("0.0.2000", "ccw.not-a-subchannel", "sits on subchannel 0.0.0140"),
    ("0.0.5555", "ccw.no-subchannel", "no subchannel 0.0.5555"),
    ("0.0.2004", "ccw.cio-ignored", "cio_ignore list"),
    ("0.0.0100", "ccw.ipl-device", "IPL device"),
])
def test_pre_define_refusals(run_callout, ccw_root, parent, rule, text):
    proc = run_callout("pre", "define", parent=parent, input=GOOD, root=ccw_root)
    assert proc.returncode == 3
    lines = [line for line in unwrap_violations(proc.stderr).splitlines()
             if line.startswith("error: ")]
    assert any(line.startswith(f"error: {rule}: ") and text in line and "(fix: " in line
               for line in lines), proc.stderr
    # no article glued to a generated name ("a adm subchannel"), no zPCI function
    # "backed by" a QDIO adapter (there is none)
    assert not re.search(r"\ba [aeiou]", proc.stderr), proc.stderr
    assert "backed by" not in proc.stderr
    assert lock_files(ccw_root) == []   # a vetoed pre leaves no lock behind


@pytest.mark.parametrize("stdin,text", [
    ("", "empty input"),
    ("{", "invalid JSON"),
    ("[]", "not a JSON object"),
    ('{"mdev_type":"vfio_ccw-io"}', "'start' must be a string"),
    ('{"mdev_type":"vfio_ccw-io","start":"sometimes"}', "must be \"auto\" or \"manual\""),
    ('{"mdev_type":"vfio_ccw-io","start":"manual","attrs":{}}', "'attrs' must be an array"),
    ('{"mdev_type":"vfio_ccw-io","start":"manual","attrs":[{"a":"b"}]}', "1 attribute(s)"),
    ("\0", "NUL byte"),
])
def test_pre_define_bad_config(run_callout, ccw_root, stdin, text):
    proc = run_callout("pre", "define", input=stdin, root=ccw_root)
    assert proc.returncode == 3
    assert "error: ccw.mdev-config: 0.0.2000 (subchannel 0.0.0140): " in proc.stderr
    assert text in unwrap_violations(proc.stderr)


def test_pre_define_type_mismatch(run_callout, ccw_root):
    config = json.dumps({"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": []})
    proc = run_callout("pre", "define", input=config, root=ccw_root)
    assert proc.returncode == 3
    assert ("error: ccw.mdev-type: 0.0.2000 (subchannel 0.0.0140): the definition's mdev_type "
            "'vfio_ap-passthrough'") in unwrap_violations(proc.stderr)


def test_huge_stdin_is_refused(run_callout, ccw_root):
    proc = run_callout("pre", "define", input=" " * (1024 * 1024) + GOOD, root=ccw_root)
    assert proc.returncode == 3
    assert "larger than 65536 bytes" in proc.stderr


def test_pre_define_autostart_needs_persistent_binding(run_callout, ccw_root):
    proc = run_callout("pre", "define", parent="0.0.0144", input=AUTO, root=ccw_root)
    assert proc.returncode == 3
    assert "error: ccw.autostart-not-persistent: 0.0.2005 (subchannel 0.0.0144):" in proc.stderr
    assert "driverctl -b css set-override 0.0.0144 vfio_ccw" in proc.stderr
    assert "zvfio" not in proc.stderr        # the zvfio CLI's advice is for the CLI only
    relaxed = run_callout("pre", "define", parent="0.0.0144", input=AUTO, root=ccw_root,
                          env={"ZVFIO_ALLOW_VOLATILE_AUTOSTART": "1"})
    assert relaxed.returncode == 0
    assert "warning: ccw.autostart-not-persistent" in relaxed.stderr
    run_callout("post", "define", parent="0.0.0144", state="success", root=ccw_root)
    persistent = run_callout("pre", "define", parent="0.0.0140", input=AUTO, root=ccw_root)
    assert persistent.returncode == 0, persistent.stderr
    run_callout("post", "define", parent="0.0.0140", state="success", root=ccw_root)


@pytest.mark.parametrize("parent,devno,rule,text", [
    ("0.0.0143", "0.0.2003", "ccw.not-vfio-bound", "bound to no driver"),
    ("0.0.0141", "0.0.2001", "ccw.no-instance", "already running"),
    ("0.0.0103", "0.0.1003", "ccw.online", "online in the host"),
])
def test_pre_start_refusals(run_callout, ccw_root, parent, devno, rule, text):
    proc = run_callout("pre", "start", parent=parent, input=GOOD, root=ccw_root)
    assert proc.returncode == 3
    assert f"error: {rule}: {devno} (subchannel {parent}): " in proc.stderr
    assert text in unwrap_violations(proc.stderr)


def test_pre_stop_and_undefine_are_never_vetoed(run_callout, ccw_root):
    """Even on a QDIO or vanished subchannel an admin can stop/undefine."""
    for parent in ("0.0.0110", "0.0.5555"):
        for action in ("stop", "undefine"):
            proc = run_callout("pre", action, parent=parent, input="garbage", root=ccw_root)
            assert proc.returncode == 0, proc.stderr
            run_callout("post", action, parent=parent, state="success", root=ccw_root)
    assert lock_files(ccw_root) == []


def test_missing_sysfs(run_callout, tmp_path):
    proc = run_callout("pre", "define", input=GOOD, root=tmp_path)
    assert proc.returncode == 5
    assert "no channel subsystem below root" in proc.stderr
    stop = run_callout("pre", "stop", input=GOOD, root=tmp_path)
    assert stop.returncode == 0


def test_vanished_subchannel(run_callout, make_tree, tmp_path):
    root = make_tree("rules-ccw", tmp_path)
    ok = run_callout("pre", "start", parent="0.0.0140", input=GOOD, root=root)
    assert ok.returncode == 0
    run_callout("post", "start", parent="0.0.0140", state="success", root=root)
    # the subchannel goes away (device detached from the LPAR)
    (root / "sys" / "bus" / "css" / "devices" / "0.0.0140").unlink()
    gone = run_callout("pre", "start", parent="0.0.0140", input=GOOD, root=root)
    assert gone.returncode == 3
    assert "error: ccw.no-subchannel: 0.0.0140: there is no subchannel 0.0.0140" in gone.stderr


# --- MDEVCTL_ENV_ROOT (mdevctl >= 1.3) ----------------------------------------------

def test_follows_mdevctl_env_root(run_callout, ccw_root):
    """mdevctl >= 1.3 run with MDEVCTL_ENV_ROOT=DIR keeps definitions and reads sysfs
    below DIR, and its callouts inherit the variable: the callout checks that same tree
    (mdevctl 1.4.0 with only MDEVCTL_ENV_ROOT set got exit 5 'no channel subsystem'
    from the host's sysfs before)."""
    env = {"MDEVCTL_ENV_ROOT": str(ccw_root)}
    qdio = run_callout("pre", "define", parent="0.0.0110", input=GOOD, env=env)
    assert qdio.returncode == 3, qdio.stderr
    assert "error: ccw.qdio: 0.0.f500 (subchannel 0.0.0110): " in qdio.stderr
    good = run_callout("pre", "start", parent="0.0.0140", input=GOOD, env=env)
    assert good.returncode == 0, good.stderr
    assert lock_files(ccw_root) == ["css-0.0.0140.lock"]
    run_callout("post", "start", parent="0.0.0140", state="success", env=env)
    assert lock_files(ccw_root) == []


def test_zvfio_root_wins_over_mdevctl_env_root(run_callout, ccw_root, tmp_path):
    proc = run_callout("pre", "define", input=GOOD, root=tmp_path,
                       env={"MDEVCTL_ENV_ROOT": str(ccw_root)})
    assert proc.returncode == 5
    assert "no channel subsystem" in proc.stderr


# --- locks -----------------------------------------------------------------------

def test_pre_is_serialized_per_subchannel(callout_bin, ccw_root):
    """A 'pre' of another live mdevctl waits for the first one's 'post' (then times out)."""
    env = dict(os.environ, ZVFIO_ROOT=str(ccw_root), ZVFIO_LOCK_TIMEOUT_MS="300")
    argv = ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
            "-p", "0.0.0140"]
    # a 'pre stop' runs under a parent that stays alive (like mdevctl between pre and
    # post): its lock stays
    holder_argv = [a if a != "define" else "stop" for a in argv]
    holder = subprocess.Popen(["/bin/sh", "-c", '"$0" "$@" < /dev/null; sleep 30',
                               str(callout_bin)] + holder_argv, env=env)
    try:
        # the lock is made as a temp file and linked into place: wait for the lock
        # alone (the temp file can be seen for a moment before it is unlinked)
        deadline = time.monotonic() + 10
        while lock_files(ccw_root) != ["css-0.0.0140.lock"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock_files(ccw_root) == ["css-0.0.0140.lock"]
        assert (ccw_root / "run/lock/zvfio/css-0.0.0140.lock").read_text() == f"{holder.pid}\n"
        second = subprocess.run([str(callout_bin)] + argv, input=GOOD, capture_output=True,
                                text=True, env=env, timeout=30)
        assert second.returncode == 9
        assert f"held by process {holder.pid}" in second.stderr
        other = subprocess.run([str(callout_bin)] + argv[:-1] + ["0.0.0144"], input=GOOD,
                               capture_output=True, text=True, env=env, timeout=30)
        assert other.returncode == 0, other.stderr   # other subchannels are independent
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the holder is dead now: its stale lock is recovered
    again = subprocess.run([str(callout_bin)] + argv, input=GOOD, capture_output=True,
                           text=True, env=env, timeout=30)
    assert again.returncode == 0, again.stderr


# --- installation ------------------------------------------------------------------

def test_meson_install_lays_out_both_callout_dirs(build_dir, tmp_path):
    """meson install --destdir puts the binary in mdevctl_callout_dir and the wrapper
    (pointing at it) in mdevctl_legacy_callout_dir (meson_options.txt)."""
    from install_info import build_options, install_dir
    options = build_options(build_dir)
    dest = tmp_path / "dest"
    proc = subprocess.run(["meson", "install", "-C", str(build_dir), "--destdir", str(dest),
                           "--no-rebuild", "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    installed_path = f"{install_dir(options, 'mdevctl_callout_dir')}/zvfio-callout"
    assert sorted(dest.glob("**/zvfio-callout")) == sorted(
        [dest / installed_path.lstrip("/")]
        + ([dest / install_dir(options, "mdevctl_legacy_callout_dir").lstrip("/") / "zvfio-callout"]
           if options["mdevctl_legacy_callout_dir"] else []))
    binary = dest / installed_path.lstrip("/")
    assert os.access(binary, os.X_OK)
    assert binary.read_bytes().startswith(b"\x7fELF")
    # the full callout is outside mdevctl's directory (mdevctl runs every file there)
    worker = dest / (install_dir(options, "libexecdir") + "/zvfio/zvfio-callout-worker").lstrip("/")
    assert os.access(worker, os.X_OK)
    assert not list(binary.parent.glob("zvfio-callout-worker"))
    if not options["mdevctl_legacy_callout_dir"]:
        return
    wrapper = dest / install_dir(options, "mdevctl_legacy_callout_dir").lstrip("/") / "zvfio-callout"
    assert os.access(wrapper, os.X_OK)
    text = wrapper.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert f"bin='{installed_path}'\n" in text
    assert 'exec "$bin" "$@"' in text
    # outside the destdir the binary is not at its installed path: the wrapper says "not mine"
    if not os.path.exists(installed_path):
        assert subprocess.run([str(wrapper), "-t", "vfio_ccw-io"]).returncode == 2


def test_refusal_messages_golden(run_callout, make_tree, tmp_path):
    """The exact stderr lines mdevctl shows for each refusal (callout-only rules included)."""
    from conftest import check_golden
    root = make_tree("rules-ccw", tmp_path)
    cases = [
        ("define", "0.0.2000", GOOD), ("define", "0.0.5555", GOOD),
        ("define", "0.0.3001", GOOD), ("define", "0.0.ff80", GOOD),
        ("define", "0.0.0111", GOOD), ("define", "0.0.0144", AUTO),
        ("define", "0.0.0140", '{"mdev_type":"vfio_ccw-io","start":"manual","attrs":[{"x":"1"}]}'),
        ("define", "0.0.0140", '{"mdev_type":"vfio_ap-passthrough","start":"manual"}'),
        ("define", "0.0.0140", "not json"),
        ("start", "0.0.0143", GOOD), ("start", "0.0.0141", GOOD), ("start", "0.0.0103", GOOD),
    ]
    out = []
    for action, parent, stdin in cases:
        proc = run_callout("pre", action, parent=parent, input=stdin, root=root)
        out.append(f"$ pre {action} -p {parent}: exit {proc.returncode}\n{proc.stderr}")
    check_golden("callout/refusals.txt", "".join(out))


# --- --help and --version ---------------------------------------------------------

@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_touch_neither_stdin_nor_sysfs(callout_bin, build_dir, tmp_path, option):
    """An admin asking what the file in mdevctl's directory is gets an answer on stdout,
    exit 0; stdin (a pipe nobody closes) and every device file stay untouched."""
    from install_info import run_info_option, touches_input
    proc, traced, root = run_info_option(callout_bin, option, tmp_path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert touches_input(traced, root) == []
    assert proc.stdout.startswith("Usage: zvfio-callout " if option == "--help" else "zvfio-callout ")


def test_version_is_the_project_version(callout_bin, build_dir):
    from install_info import project_version
    proc = subprocess.run([str(callout_bin), "--version"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=10)
    assert (proc.returncode, proc.stdout, proc.stderr) == \
        (0, f"zvfio-callout {project_version(build_dir)}\n", "")


def test_help_says_how_mdevctl_runs_it_and_where_it_is_installed(callout_bin, build_dir):
    from install_info import build_options, install_dir
    proc = subprocess.run([str(callout_bin), "--help"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=10)
    assert proc.returncode == 0 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == ("Usage: zvfio-callout -t TYPE -e EVENT -a ACTION -s STATE -u UUID "
                        "-p PARENT")
    options = build_options(build_dir)
    assert f"{install_dir(options, 'mdevctl_callout_dir')}/zvfio-callout" in proc.stdout
    if options["mdevctl_legacy_callout_dir"]:
        assert install_dir(options, "mdevctl_legacy_callout_dir") in proc.stdout
    assert "Exit codes: 0 ok" in proc.stdout


@pytest.mark.parametrize("argv", [["--help", "-t", "vfio_ccw-io"], ["--version", "--help"],
                                  ["-h"], ["--Help"]])
def test_info_options_only_alone(run_callout, argv):
    """--help/--version are answered only as the sole argument: anything else is the
    strict mdevctl protocol (a usage error, nothing on stdout)."""
    proc = run_callout(argv=argv)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "usage: zvfio-callout -t TYPE" in proc.stderr


def test_trickling_stdin_hits_one_overall_deadline(callout_bin, make_tree, tmp_path):
    """A writer sending a byte every 0.5 s (and never closing) cannot keep the callout
    alive past its 10 s stdin deadline, nor hold the subchannel's lock meanwhile (stdin
    is read before the lock is taken)."""
    ccw_root = make_tree("rules-ccw", tmp_path)
    env = dict(os.environ, ZVFIO_ROOT=str(ccw_root))
    proc = subprocess.Popen(
        [str(callout_bin), "-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none",
         "-u", UUID, "-p", "0.0.0140"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    start = time.monotonic()
    try:
        while proc.poll() is None and time.monotonic() - start < 30:
            try:
                proc.stdin.write(b" ")
                proc.stdin.flush()
            except BrokenPipeError:
                break
            time.sleep(0.5)
            if time.monotonic() - start < 8:
                assert lock_files(ccw_root) == []
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
        stderr = proc.communicate()[1].decode()
    assert elapsed < 14, elapsed
    assert proc.returncode == 3, stderr
    assert "no complete device configuration on stdin within 10000 ms" in unwrap_violations(stderr)


# --- stdin is read before any refusal (mdevctl 1.2 and a broken pipe) --------------

def _hold_lock(callout_bin, ccw_root, parent):
    """A 'pre stop' whose parent stays alive holds PARENT's lock (like mdevctl between
    pre and post); returns the holder process once the lock is in place."""
    env = dict(os.environ, ZVFIO_ROOT=str(ccw_root))
    argv = ["-t", "vfio_ccw-io", "-e", "pre", "-a", "stop", "-s", "none", "-u", UUID,
            "-p", parent]
    holder = subprocess.Popen(["/bin/sh", "-c", '"$0" "$@" < /dev/null; sleep 60',
                               str(callout_bin)] + argv, env=env)
    deadline = time.monotonic() + 10
    while lock_files(ccw_root) != [f"css-{parent}.lock"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock_files(ccw_root) == [f"css-{parent}.lock"]
    return holder


PRE_DEFINE = ["-t", "vfio_ccw-io", "-e", "pre", "-a", "define", "-s", "none", "-u", UUID,
              "-p", "0.0.0140"]


@pytest.mark.parametrize("case", ["live", "no-css", "lock-busy", "usage", "rule"])
def test_refusal_waits_for_stdin(callout_bin, make_tree, tmp_path, case):
    """Every refusal is given only after stdin was read to its end. mdevctl 1.2 spawns
    the callout and then writes the config; when the callout has already exited, the
    write fails with a broken pipe, and mdevctl takes that for 'could not run the
    script', skips it and goes on: the refusal is lost (1.3 tolerates the broken pipe).
    Here the writer waits 1 s before writing: the callout must still be waiting."""
    ccw_root = make_tree("rules-ccw", tmp_path)
    env = dict(os.environ, ZVFIO_ROOT=str(ccw_root), ZVFIO_LOCK_TIMEOUT_MS="50")
    argv, expected, holder = list(PRE_DEFINE), 3, None
    if case == "live":
        argv[3] = "live"
        expected = 1
    elif case == "no-css":
        (tmp_path / "empty").mkdir()
        env["ZVFIO_ROOT"] = str(tmp_path / "empty")
        expected = 5
    elif case == "lock-busy":
        holder = _hold_lock(callout_bin, ccw_root, "0.0.0140")
        expected = 9
    elif case == "usage":
        argv = argv[:-2]
        expected = 1
    elif case == "rule":
        argv[-1] = "0.0.0110"   # a QDIO subchannel: ccw.qdio
    try:
        proc = subprocess.Popen([str(callout_bin)] + argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(1.0)
        running = proc.poll() is None
        try:
            os.write(proc.stdin.fileno(), GOOD.encode())
            broken_pipe = False
        except BrokenPipeError:
            broken_pipe = True
        proc.stdin.close()
        proc.stdin = None
        _, stderr = proc.communicate(timeout=30)
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
    assert running and not broken_pipe, f"answered before reading stdin: {stderr.decode()}"
    assert proc.returncode == expected, stderr.decode()
