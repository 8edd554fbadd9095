"""zvfio list finds each subchannel's ccw device from one listing of the ccw bus
(/sys/bus/ccw/devices/<devno> -> ../../../devices/css0/<subchannel>/<devno>, issue 23
§4), not by listing every subchannel's directory. The bus link is only a hint: the
device is opened as a real child directory of its subchannel, and a subchannel the bus
names no device for, or whose named device does not open, is listed as before. So the
output is the same whatever the bus says while devices come and go:

* a device not (yet) on the bus (the kernel adds the device's directory before its bus
  link): found in its subchannel's directory, shown as with the link;
* a bus link whose subchannel is gone: nothing shown for it, no warning;
* a stale link (the device moved to another subchannel) or one naming a child that is
  a symlink: the subchannel is listed, the device shown where its directory is."""

import os
import shutil
import subprocess

import pytest

from conftest import zvfio_fixtures

CCW_BUS = "sys/bus/ccw/devices"


def outputs(run_zvfio, root):
    """(table stdout, table stderr, JSON stdout) of list ccw on ROOT."""
    table = run_zvfio("list", "ccw", root=root)
    js = run_zvfio("list", "ccw", "--json", root=root)
    assert table.returncode == 0 and js.returncode == 0, table.stderr + js.stderr
    return table.stdout, table.stderr, js.stdout


def test_device_not_on_the_bus_yet_is_shown(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    before = outputs(run_zvfio, root)
    row = next(line for line in before[0].splitlines() if "  0.0.0100  " in line)
    assert row.split()[:6] == ["0.0.1000", "0.0.0100", "io", "3390/0c", "3990/e9", "yes"], row
    (root / CCW_BUS / "0.0.1000").unlink()
    (root / CCW_BUS / "0.1.0005").unlink()
    assert outputs(run_zvfio, root) == before


def test_bus_link_of_a_vanished_subchannel_shows_nothing(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    before = outputs(run_zvfio, root)
    # a link to a subchannel css0 does not have (removed meanwhile), and one to a
    # subchannel of another name whose directory exists but holds no such device
    os.symlink("../../../devices/css0/0.0.0fff/0.0.9999", root / CCW_BUS / "0.0.9999")
    os.symlink("../../../devices/css0/0.0.0140/0.0.9998", root / CCW_BUS / "0.0.9998")
    assert outputs(run_zvfio, root) == before


def test_stale_link_shows_the_device_where_it_is(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    before = outputs(run_zvfio, root)
    # the bus says 0.0.1001 is below 0.0.0100 and 0.0.1000 below 0.0.0101: swapped
    for devno, sch in (("0.0.1000", "0.0.0101"), ("0.0.1001", "0.0.0100")):
        (root / CCW_BUS / devno).unlink()
        os.symlink(f"../../../devices/css0/{sch}/{devno}", root / CCW_BUS / devno)
    assert outputs(run_zvfio, root) == before


def test_link_to_a_child_that_is_a_symlink_is_not_followed(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    css0 = root / "sys/devices/css0"
    # 0.0.0100's device directory is replaced by a link to another subchannel's device
    shutil.rmtree(css0 / "0.0.0100/0.0.1000")
    os.symlink("../0.0.0101/0.0.1001", css0 / "0.0.0100/0.0.1000")
    table, _, js = outputs(run_zvfio, root)
    row = next(line for line in table.splitlines() if "  0.0.0100  " in line)
    # not a device of 0.0.0100: the row shows the subchannel's dev_busid, no types
    assert row.split()[:5] == ["0.0.1000", "0.0.0100", "io", "-", "-"], row
    assert '"device" : null' in js.split('"id" : "0.0.0100"')[1].split('"id" : ')[0]


def test_device_without_uevent_reads_its_type_attributes(make_tree, tmp_path, run_zvfio):
    """The table reads a linked device's files through its subchannel's directory
    (<devno>/uevent, no directory opened for the device); a device whose uevent is
    missing or a symlink is opened as a directory and read as before."""
    root = make_tree("all-kinds", tmp_path)
    before = outputs(run_zvfio, root)
    css0 = root / "sys/devices/css0"
    (css0 / "0.0.0100/0.0.1000/uevent").unlink()
    (css0 / "0.0.0101/0.0.1001/uevent").unlink()
    os.symlink("../../0.0.0103/0.0.1003/uevent", css0 / "0.0.0101/0.0.1001/uevent")
    assert outputs(run_zvfio, root) == before


def host_spec(n):
    """N DASDs over subchannel sets 0-3 and one vfio_ccw-bound subchannel."""
    subs = [{"sch": f"0.{i % 4}.{i:04x}", "devno": f"0.{i % 4}.{(i + 0x1000) & 0xffff:04x}",
             "dev": "dasd"} for i in range(n)]
    subs.append({"sch": "0.1.f000", "devno": "0.1.2b08", "driver": "vfio_ccw",
                 "mdev": "7e270a25-e163-4922-af60-757fc8ed48c6"})
    return {"subchannels": subs}


def getdents_calls(zvfio_bin, root, tmp_path, *args):
    """Number of getdents64 calls of zvfio ARGS on ROOT."""
    log = tmp_path / "strace.log"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")   # LeakSanitizer cannot run under ptrace
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=getdents64", "-o", str(log),
                    str(zvfio_bin), "--root", str(root), *args],
                   check=True, capture_output=True, env=env)
    return len(log.read_text().splitlines())


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
@pytest.mark.parametrize("args", [("list", "ccw"), ("list", "--json", "ccw")])
def test_subchannel_directories_are_not_listed(args, zvfio_bin, tmp_path):
    """The listings do not grow with the number of subchannels that have a ccw
    device (before: two getdents per such subchannel, its own and its device's)."""
    small = zvfio_fixtures.build_tree(host_spec(4), tmp_path / "small")
    large = zvfio_fixtures.build_tree(host_spec(64), tmp_path / "large")
    a = getdents_calls(zvfio_bin, small, tmp_path, *args)
    b = getdents_calls(zvfio_bin, large, tmp_path, *args)
    assert a == b, f"{' '.join(args)}: {a} getdents64 on 5 subchannels, {b} on 65"
