"""The bad-input catalog: each row is an input an attacker or a clumsy admin gives
zvfio, the exit code and message fragment expected, and the promise that the tree
is unchanged afterwards (no file written, none removed, no mode changed). Rows for
defects found by hand stay here so that they stay fixed."""

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, host_state

DEMO = REPO_ROOT / "examples" / "demo-lpar"


def fifo_attr(root):
    """The 'online' attribute of ccw device 0.0.0100 replaced by a FIFO."""
    attr = (root / "sys/bus/ccw/devices/0.0.0100").resolve() / "online"
    attr.unlink()
    os.mkfifo(attr)


def fifo_override(root):
    """The 'driver_override' attribute of subchannel 0.0.0000 replaced by a FIFO."""
    attr = (root / "sys/bus/css/devices/0.0.0000").resolve() / "driver_override"
    attr.unlink()
    os.mkfifo(attr)


def deep_definition(root):
    """A definition file of 100,000 nested arrays."""
    path = root / "etc/mdevctl.d/0.0.0041/a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5b"
    path.write_text("[" * 100000 + "]" * 100000)


def css_devices_outside(root):
    """/sys/bus/css/devices is an absolute symlink that names a host directory."""
    devices = root / "sys/bus/css/devices"
    shutil.rmtree(devices)
    devices.symlink_to("/sys/bus/css/devices")


# (id, argv (ROOT replaced by the tree), setup, exit code, fragment of stderr)
CASES = [
    ("root-empty", ["--root", "", "list"], None, 2, "root directory is empty"),
    ("root-missing", ["--root", "/nonexistent/zvfio", "list"], None, 6, "cannot use root directory"),
    ("root-is-file", ["--root", "ROOT/proc/mounts", "list"], None, 6, "not a directory"),
    ("domain-xml-dir", ["check", "0.0.0100", "--domain-xml", "ROOT/etc"], None, 6,
     "cannot read domain XML ROOT/etc: Is a directory"),
    ("domain-xml-missing", ["check", "0.0.0100", "--domain-xml", "ROOT/nope.xml"], None, 4,
     "No such file"),
    ("id-traversal", ["show", "../../etc/passwd"], None, 2, "is not a device id"),
    ("id-newline", ["show", "0.0.0100\n0.0.0101"], None, 2, "is not a device id"),
    ("id-five-digits", ["show", "0.0.12345"], None, 2, "is not a device id"),
    ("id-ssid-4", ["show", "sch:0.4.0000"], None, 2, "is not a device id"),
    ("id-uppercase-prefix-junk", ["show", "ccw:0.0.zzzz"], None, 2, "is not a device id"),
    ("id-unknown-devno", ["show", "0.0.7777"], None, 4, "0.0.7777"),
    ("id-unknown-uuid", ["show", "11111111-2222-3333-4444-555555555555"], None, 4,
     "neither active nor defined"),
    ("prepare-unknown", ["prepare", "0.0.7777"], None, 4, "0.0.7777"),
    ("fifo-online-show", ["show", "0.0.0100"], fifo_attr, 0, "online is not a regular file"),
    ("fifo-online-list", ["list"], fifo_attr, 0, "online is not a regular file"),
    ("fifo-override-prepare", ["prepare", "0.0.0000"], fifo_override, None,
     "driver_override is not a regular file"),
    ("deep-definition", ["show", "0.0.0041"], deep_definition, 0,
     "JSON nested deeper than 64 levels"),
    ("css-outside-root", ["list"], css_devices_outside, None, "/sys/bus/css/devices"),
    ("boot-zero", ["hostdev", "0.0.0041", "--boot", "0"], None, 2,
     "--boot needs an order of 1 or more"),
    ("boot-negative", ["hostdev", "0.0.0041", "--boot", "-3"], None, 2,
     "--boot needs an order of 1 or more"),
]


def tree_state(root):
    """What must not change; the lock directory (/run/lock/zvfio) may appear, since
    an action takes its device lock before it reads anything."""
    state, mtimes = host_state(root, parts=("sys", "etc", "run", "proc"))
    keep = {k: v for k, v in state.items() if not k.startswith("run/lock")}
    return keep, {k: v for k, v in mtimes.items() if not k.startswith("run/lock")}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path, run_zvfio):
    name, argv, setup, code, fragment = case
    root = tmp_path / "lpar"
    shutil.copytree(DEMO, root, symlinks=True)
    if setup:
        setup(root)
    before = tree_state(root)
    args = [a.replace("ROOT", str(root)) for a in argv]
    if args[0] != "--root":
        args = ["--root", str(root)] + args
    res = run_zvfio(*args, timeout=30)
    if code is None:
        assert res.returncode != 0, res.stderr
    else:
        assert res.returncode == code, (res.returncode, res.stderr)
    assert fragment.replace("ROOT", str(root)) in res.stderr, res.stderr
    assert tree_state(root) == before, "the tree changed"
    # nothing outside the root is ever named as if it were inside
    assert "/sys/bus/css/devices/../" not in res.stderr


def test_uppercase_definition_name_is_found_as_listed(tmp_path, run_zvfio):
    """mdevctl accepts a definition file named by an uppercase UUID, and `list` shows
    it; `show` by UUID found nothing ("neither active nor defined") before."""
    root = tmp_path / "lpar"
    shutil.copytree(DEMO, root, symlinks=True)
    d = root / "etc/mdevctl.d/0.0.0042"
    (d / "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b").rename(d / "A1B2C3D4-0202-4E5F-8A9B-0C1D2E3F4A5B")
    listed = run_zvfio("list", "--json", root=root)
    assert "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b" in listed.stdout
    shown = run_zvfio("show", "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b", root=root)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Subchannel 0.0.0042\n")
