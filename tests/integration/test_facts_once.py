"""The host facts are read once per command, however many devices it names
(issue 23 §3): check with several IDs, define --start (define and start rules),
attach with several IDs. Counted with strace as the opens of the host-wide
fact files (/proc/cio_ignore, the IPL device, /proc/self/mountinfo): a command
with three devices opens each as often as the same command with one."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import zvfio_fixtures

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")

# the host-wide facts: read by zv_host_facts_new and the host usage tables
FACT_FILES = ['"/proc/cio_ignore"', '"/sys/firmware/ipl"', '"/proc/self/mountinfo"']


def dasd_host():
    """Three online DASDs with block devices (one mounted), an IPL device, cio_ignore."""
    subs = [{"sch": f"0.0.02{i:02x}", "devno": f"0.0.30{i:02x}", "chpids": "40",
             "dev": {"preset": "dasd", "online": 1, "block": f"dasd{'abc'[i]}"}}
            for i in range(3)]
    subs.append({"sch": "0.0.0300", "devno": "0.0.9999", "chpids": "40",
                 "dev": {"preset": "dasd", "online": 1, "block": "dasdz"}})
    return {"subchannels": subs, "ipl": {"type": "ccw", "device": "0.0.9999"},
            "cio_ignore": ["0.0.9000"], "mounts": ["/dev/dasdz1 / ext4 rw 0 0"]}


def fact_opens(zvfio_bin, root, args, tmp_path, env=None):
    """(exit code, stderr, {fact file: opens}) of zvfio --root ROOT ARGS under strace."""
    log = tmp_path / "strace.log"
    full_env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", LC_ALL="C.UTF-8")
    full_env.pop("ZVFIO_ROOT", None)
    full_env.update(env or {})
    res = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,openat2", "-o", str(log),
                          str(zvfio_bin), "--root", str(root)] + [str(a) for a in args],
                         capture_output=True, text=True, env=full_env, timeout=120)
    text = log.read_text()
    return res.returncode, res.stderr, {f: text.count(f) for f in FACT_FILES}


def test_check_reads_the_facts_once_for_all_ids(zvfio_bin, tmp_path):
    root = zvfio_fixtures.build_tree(dasd_host(), tmp_path / "root")
    _, err1, one = fact_opens(zvfio_bin, root, ["check", "0.0.3000"], tmp_path)
    _, err3, three = fact_opens(zvfio_bin, root, ["check", "0.0.3000", "0.0.3001", "0.0.3002"],
                                tmp_path)
    assert one['"/proc/cio_ignore"'] >= 1 and one['"/proc/self/mountinfo"'] >= 1, (one, err1)
    assert three == one, f"check of 3 IDs opened {three}, of 1 ID {one}"


def test_check_of_each_id_still_sees_its_own_facts(run_zvfio, tmp_path):
    """Shared host facts, per-device findings: the mounted IPL DASD is refused
    and the free ones pass, in one command, as in three."""
    root = zvfio_fixtures.build_tree(dasd_host(), tmp_path / "root")
    together = run_zvfio("check", "--json", "0.0.3000", "0.0.9999", "0.0.3001", root=root)
    apart = [run_zvfio("check", "--json", i, root=root)
             for i in ("0.0.3000", "0.0.9999", "0.0.3001")]
    got = json.loads(together.stdout)
    want = [v for r in apart for v in json.loads(r.stdout)["violations"]]
    assert got["violations"] == want
    assert any(v["rule"] == "ccw.ipl-device" and v["device"] == "0.0.9999"
               for v in got["violations"]), together.stdout


def test_define_start_reads_the_facts_once(zvfio_bin, passthrough_root, tmp_path):
    """define --start runs the define and the start rules on one read of the facts
    (mdevctl itself is refused for a --root tree, after the rules)."""
    root = passthrough_root
    _, err, both = fact_opens(zvfio_bin, root, ["define", "0.0.1001", "--start"], tmp_path)
    assert "mdevctl" in err, err   # the rules passed: it got as far as mdevctl
    _, _, start = fact_opens(zvfio_bin, root, ["start", "0.0.1001"], tmp_path)
    assert both['"/proc/cio_ignore"'] >= 1, both
    assert both == start, f"define --start opened {both}, start alone {start}"


def test_attach_reads_the_facts_once_for_all_ids(zvfio_bin, passthrough_root, test_uri,
                                                 tmp_path):
    root = passthrough_root
    rc1, err1, one = fact_opens(zvfio_bin, root, ["--connect", test_uri, "attach", "guest1",
                                                  "0.0.1001"], tmp_path)
    rc2, err2, two = fact_opens(zvfio_bin, root, ["--connect", test_uri, "attach", "guest1",
                                                  "0.0.1001", "0010:00:00.0"], tmp_path)
    assert rc1 == 0 and rc2 == 0, (err1, err2)
    assert one['"/proc/cio_ignore"'] >= 1, one
    assert two == one, f"attach of 2 IDs opened {two}, of 1 ID {one}"
