"""Host facts that cannot be read fail closed: an unreadable or malformed IPL,
mounts, holders or cio_ignore file makes the rules that need it refuse, with an
error naming the file, in every front end that runs the rules (zvfio check,
zvfio prepare, zvfio-callout, zvfio-hook) -- never a silent pass."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, host_state, unwrap_violations

SPECS = REPO_ROOT / "tests" / "fixtures" / "specs"
HOOK_XML = REPO_ROOT / "tests" / "integration" / "hook"
SCH, DEVNO = "0.0.0200", "0.0.3000"
BLOCK = f"sys/devices/css0/{SCH}/{DEVNO}/block/dasdx"
GOOD = json.dumps({"mdev_type": "vfio_ccw-io", "start": "manual", "attrs": []})


def spec():
    """The 'bind' spec with a block device on 0.0.3000, an IPL device and a cio_ignore list."""
    data = json.loads((SPECS / "bind.json").read_text())
    data["subchannels"][0]["dev"]["block"] = "dasdx"
    data["ipl"] = {"type": "ccw", "device": "0.0.9999"}
    data["cio_ignore"] = ["0.0.9000"]
    return data


def break_ipl(root):
    path = root / "sys/firmware/ipl/ipl_type"
    path.unlink()
    path.mkdir()


def break_mounts(root):
    # a line that is no mount: must not be read as "nothing mounted"
    (root / "proc/self/mountinfo").write_text("22 1 0:21 / /sys rw - sysfs sysfs rw\n"
                                              "#" * 200 + "\n")


def break_holders(root):
    holders = root / BLOCK / "holders"
    shutil.rmtree(holders)
    holders.write_text("x")


def break_cio_ignore(root):
    (root / "proc/cio_ignore").write_text("0.0.9000-garbage\n")


CASES = [
    pytest.param(break_ipl, "ccw.ipl-device", "/sys/firmware/ipl/ipl_type", id="ipl"),
    pytest.param(break_mounts, "ccw.in-use", "/proc/self/mountinfo", id="mounts"),
    pytest.param(break_holders, "ccw.in-use", "/block/dasdx/holders", id="holders"),
    pytest.param(break_cio_ignore, "ccw.cio-ignored", "/proc/cio_ignore", id="cio_ignore"),
]


@pytest.fixture
def broken(make_tree, tmp_path, request):
    """Return make(mutate) -> a fresh tree with one host fact broken by MUTATE."""
    def _make(mutate):
        root = Path(make_tree(spec(), tmp_path))
        mutate(root)
        return root
    return _make


def assert_fails_closed(text, rule, path):
    line = next((l for l in unwrap_violations(text).splitlines() if f"error: {rule}: " in l),
                None)
    assert line is not None, text
    assert "cannot check this rule" in line and path in line, line


@pytest.mark.parametrize("mutate, rule, path", CASES)
def test_check_fails_closed(broken, run_zvfio, mutate, rule, path):
    root = broken(mutate)
    r = run_zvfio("check", DEVNO, root=root)
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stdout, rule, path)


@pytest.mark.parametrize("mutate, rule, path", CASES)
def test_prepare_fails_closed_without_changes(broken, run_zvfio, mutate, rule, path):
    root = broken(mutate)
    before = host_state(root)
    r = run_zvfio("prepare", DEVNO, root=root)
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stderr, rule, path)
    assert host_state(root) == before


@pytest.mark.parametrize("mutate, rule, path", CASES)
def test_callout_vetoes(broken, run_callout, mutate, rule, path):
    root = broken(mutate)
    r = run_callout("pre", "define", parent=SCH, input=GOOD, root=root)
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stderr, rule, path)


@pytest.mark.parametrize("mutate, rule, path", CASES)
def test_hook_refuses_the_domain(broken, run_hook, mutate, rule, path):
    root = broken(mutate)
    before = host_state(root)
    r = run_hook(root, "zguest", "prepare", "begin", (HOOK_XML / "mdev-defined.xml").read_text())
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stderr, rule, path)
    assert host_state(root) == before
    assert list(root.glob("run/zvfio/**/*.json")) == []
