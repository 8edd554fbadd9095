"""A libvirt connection that stalls ends (issue 21 §1): opening one has a deadline
(--connect-timeout SECONDS, ZVFIO_CONNECT_TIMEOUT, default 30 s), after which zvfio
exits 8 with one line naming the URI and the time waited; an open connection gets a
keepalive. The stall is a stand-in `ssh` that only sleeps, as a real ssh does towards a
host that drops packets. These tests also run in the ASan build, which links libvirt at
start so that remote connections work under it (issue 21 §6)."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import wrapped

STALL_URI = "qemu+ssh://stall.example/system"


@pytest.fixture
def stalling_ssh(tmp_path):
    """A PATH whose ssh sleeps instead of connecting."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text("#!/bin/sh\nexec sleep 60\n")
    ssh.chmod(0o755)
    return f"{bin_dir}:{os.environ['PATH']}"


def run_in_group(zvfio_bin, args, env, wait):
    """Runs zvfio in its own process group and kills the group (zvfio and the ssh it
    started) after WAIT seconds at the latest: (exit code or None, stderr, seconds)."""
    full_env = dict(os.environ, LC_ALL="C.UTF-8", **env)
    start = time.monotonic()
    proc = subprocess.Popen(wrapped([str(zvfio_bin)] + args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=wait)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code, err = None, ""
    elapsed = time.monotonic() - start
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if code is None:
        proc.communicate()
    return code, err, elapsed


@pytest.mark.parametrize("args, env, seconds", [
    (["--connect-timeout", "2"], {}, 2),
    ([], {"ZVFIO_CONNECT_TIMEOUT": "1"}, 1),
    (["--connect-timeout", "1"], {"ZVFIO_CONNECT_TIMEOUT": "600"}, 1),   # the option wins
], ids=["option", "environment", "option-over-environment"])
def test_stalled_connection_ends_with_exit_8(zvfio_bin, stalling_ssh, args, env, seconds):
    code, err, elapsed = run_in_group(
        zvfio_bin, ["--connect", STALL_URI] + args + ["domains"],
        dict(env, PATH=stalling_ssh), wait=30)
    assert code == 8, (code, err)
    assert err == (f"zvfio: libvirt: cannot connect to {STALL_URI}: no answer within "
                   f"{seconds} s (--connect-timeout or ZVFIO_CONNECT_TIMEOUT sets the time)\n")
    assert seconds <= elapsed < seconds + 10, elapsed


def test_option_after_the_command_counts(zvfio_bin, stalling_ssh):
    code, err, _ = run_in_group(zvfio_bin, ["list", "--connect", STALL_URI,
                                            "--connect-timeout", "1"],
                                {"PATH": stalling_ssh}, wait=30)
    assert code == 8 and "no answer within 1 s" in err, (code, err)


def test_no_deadline_waits(zvfio_bin, stalling_ssh):
    """0 means no deadline: the call still waits after 3 s (killed by the test)."""
    code, err, elapsed = run_in_group(
        zvfio_bin, ["--connect", STALL_URI, "--connect-timeout", "0", "domains"],
        {"PATH": stalling_ssh}, wait=3)
    assert code is None, (code, err)


@pytest.mark.parametrize("value", ["x", "-1", "86401", "", "1.5"])
def test_bad_timeouts_are_usage_errors(run_zvfio, value):
    res = run_zvfio("--connect-timeout", value, "rules")
    assert res.returncode == 2
    assert res.stderr.startswith(f"zvfio: --connect-timeout '{value}' is not a number of seconds")
    res = run_zvfio("rules", env={"ZVFIO_CONNECT_TIMEOUT": value})
    assert res.returncode == 2 and "ZVFIO_CONNECT_TIMEOUT" in res.stderr


def test_failing_transport_still_reports_libvirt_error(zvfio_bin, tmp_path):
    """An ssh that fails at once: libvirt's own error, long before any deadline (and no
    crash in the ASan build, which encodes the first remote call)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ssh").write_text("#!/bin/sh\necho 'ssh: connect to host refused' >&2\nexit 255\n")
    (bin_dir / "ssh").chmod(0o755)
    code, err, elapsed = run_in_group(zvfio_bin, ["--connect", "qemu+ssh://down.example/system",
                                                  "domains"],
                                      {"PATH": f"{bin_dir}:{os.environ['PATH']}"}, wait=30)
    assert code == 8, (code, err)
    assert err.startswith("zvfio: libvirt: cannot connect to qemu+ssh://down.example/system: ")
    assert "no answer within" not in err and elapsed < 25


def test_a_closed_transport_cannot_kill_zvfio_with_sigpipe(zvfio_bin, stalling_ssh):
    """libvirt writes to its transport (an ssh's pipe or socket); when that end has
    closed, the write must fail the call, not kill zvfio with SIGPIPE (it did, now and
    then, with an ssh that exited at once). While connecting, zvfio ignores SIGPIPE
    (as virsh does): read its SigIgn mask while the stand-in ssh stalls."""
    env = dict(os.environ, LC_ALL="C.UTF-8", PATH=stalling_ssh)
    proc = subprocess.Popen([str(zvfio_bin), "--connect", STALL_URI, "--connect-timeout", "20",
                             "domains"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True)
    try:
        ignored = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and ignored is None:
            time.sleep(0.2)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            children = [c for task in Path(f"/proc/{proc.pid}/task").iterdir()
                        for c in (task / "children").read_text().split()]
            if children:   # libvirt has started the ssh: the connection is being opened
                mask = int(next(l for l in status.splitlines()
                                if l.startswith("SigIgn:")).split()[1], 16)
                ignored = bool(mask & (1 << (signal.SIGPIPE - 1)))
        assert ignored is True, "zvfio does not ignore SIGPIPE while it connects"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
