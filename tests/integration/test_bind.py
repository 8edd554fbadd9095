"""zvfio prepare / release on generated fixture trees.

The kernel's reaction to driver_override/unbind/drivers_probe/bind is played by
kernel_emulator.KernelEmulator (see tests/README.md, "Driver binding on fixture
trees"); without it the fixture tree does not react, which is exactly the
"drivers_probe not honoured" failure zvfio must roll back cleanly.
"""

import json
import os
import re
from pathlib import Path

import pytest

from conftest import check_golden, host_state

SPEC = "bind"
DASD_SCH = "0.0.0200"          # DASD 0.0.3000, offline, free
ONLINE_SCH = "0.0.0201"        # DASD 0.0.3001, online in the host
ISM = "0010:00:00.0"           # ISM function bound to the ism driver
STATE = Path("run/zvfio/bind")


def sysfs(root, rel):
    """Host path of a root-relative path."""
    return Path(root) / rel.lstrip("/")


def driver_of(root, bus, device):
    """Name of the driver a device is bound to in the fake tree, or None."""
    link = sysfs(root, f"/sys/bus/{bus}/devices/{device}/driver")
    return os.path.basename(os.readlink(link)) if link.is_symlink() else None


def record(root, key):
    """The binding record JSON of KEY ("css-0.0.0200"), or None."""
    path = Path(root) / STATE / f"{key}.json"
    return json.loads(path.read_text()) if path.exists() else None


@pytest.fixture
def root(make_tree, tmp_path):
    """A fresh 'bind' fixture tree."""
    return make_tree(SPEC, tmp_path)


def test_prepare_binds_vfio_ccw_and_release_restores_exactly(root, run_zvfio, kernel):
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_zvfio("prepare", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    check_golden("bind/prepare-dasd.txt", r.stdout)
    assert driver_of(root, "css", DASD_SCH) == "vfio_ccw"
    assert sysfs(root, f"/sys/bus/css/devices/{DASD_SCH}/driver_override").read_text() == \
        "vfio_ccw\n"
    assert not sysfs(root, "/sys/bus/ccw/devices/0.0.3000").exists()
    assert record(root, f"css-{DASD_SCH}") == {
        "version": 2, "bus": "css", "device": DASD_SCH, "driver": "vfio_ccw", "rebound": True,
        "previous_driver": "io_subchannel", "previous_driver_override": None,
        "offline_ccw_device": None, "persist": False, "previous_persist": None, "domain": None,
        "phase": "prepared", "step": 4, "unpersist": False}
    assert emu.events == [("unbind", "css", "io_subchannel", DASD_SCH),
                          ("bind", "css", "vfio_ccw", DASD_SCH)]

    r = run_zvfio("release", "sch:" + DASD_SCH, root=root)
    assert r.returncode == 0, r.stderr
    check_golden("bind/release-dasd.txt", r.stdout)
    assert host_state(root)[0] == before
    assert record(root, f"css-{DASD_SCH}") is None


def test_prepare_is_idempotent(root, run_zvfio, kernel):
    emu = kernel(root)
    assert run_zvfio("prepare", "0.0.3000", root=root).returncode == 0
    emu.idle()
    state, mtimes = host_state(root)
    events = list(emu.events)
    r = run_zvfio("prepare", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"0.0.3000 (subchannel {DASD_SCH}): already bound to vfio_ccw; "
                        "nothing to do\n")
    assert host_state(root) == (state, mtimes)        # not even rewritten
    assert emu.events == events


def test_prepare_already_bound_without_record_changes_nothing(root, run_zvfio):
    before = host_state(root)
    r = run_zvfio("prepare", "sch:0.0.0202", root=root)
    assert r.returncode == 0, r.stderr
    assert "already bound to vfio_ccw; nothing to do" in r.stdout
    assert host_state(root) == before
    assert not any((Path(root) / STATE).glob("*.json"))


def test_online_device_is_vetoed_before_any_write(root, run_zvfio, kernel):
    emu = kernel(root)
    before = host_state(root)
    r = run_zvfio("prepare", "0.0.3001", root=root)
    assert r.returncode == 3
    assert "error: ccw.online: 0.0.3001 (subchannel 0.0.0201): " in r.stderr
    assert "zvfio: refusing to prepare 0.0.3001 (see the rule violations above)" in r.stderr
    assert r.stdout == ""
    assert host_state(root) == before
    assert emu.events == []
    assert record(root, f"css-{ONLINE_SCH}") is None


def test_offline_option_sets_offline_and_release_sets_online_again(root, run_zvfio, kernel):
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_zvfio("prepare", "--offline", "0.0.3001", root=root)
    assert r.returncode == 0, r.stderr
    check_golden("bind/prepare-offline.txt", r.stdout)
    assert record(root, f"css-{ONLINE_SCH}")["offline_ccw_device"] == "0.0.3001"
    assert driver_of(root, "css", ONLINE_SCH) == "vfio_ccw"

    r = run_zvfio("release", "0.0.3001", root=root)
    assert r.returncode == 0, r.stderr
    check_golden("bind/release-offline.txt", r.stdout)
    assert sysfs(root, "/sys/bus/ccw/devices/0.0.3001/online").read_text() == "1\n"
    emu.idle()
    # the device online again is announced to udev listeners (libvirt < 10.5), once
    assert emu.events.count(("uevent", "ccw", "change", "0.0.3001")) == 1
    assert emu.events[-1] == ("uevent", "ccw", "change", "0.0.3001")
    assert host_state(root)[0] == before


def test_release_leaves_a_device_its_driver_set_online_alone(root, run_zvfio, kernel):
    """After the rebind virtio_ccw (or DASD autoonline) sets the device online by itself;
    the kernel refuses a second 'online=1' with EINVAL, so release must not write it."""
    before, _ = host_state(root)
    emulator = kernel(root, autoonline=True)
    assert run_zvfio("prepare", "--offline", "0.0.3001", root=root).returncode == 0
    r = run_zvfio("release", "0.0.3001", root=root)
    assert r.returncode == 0, r.stderr
    online = sysfs(root, "/sys/bus/ccw/devices/0.0.3001/online")
    assert online.read_text() == "1\n"
    stamps = {p.resolve(): t for p, t in emulator.autoonline_stamps.items()}
    assert online.resolve() in stamps
    assert online.stat().st_mtime_ns == stamps[online.resolve()], "release wrote online again"
    emulator.idle()
    # online by its driver, still announced: libvirt < 10.5 dropped it at its "add"
    assert emulator.events[-1] == ("uevent", "ccw", "change", "0.0.3001")
    assert host_state(root)[0] == before


def test_persist_writes_what_driverctl_writes(root, run_zvfio, kernel):
    # driverctl's save_override: echo "$drv" > "$confdir/$sddev" with sddev=$bus-$dev
    driverctl = Path("/usr/sbin/driverctl").read_text()
    assert 'echo "$drv" > "$confdir/$sddev"' in driverctl
    assert 'sddev="$bus-$dev"' in driverctl
    before, _ = host_state(root)
    kernel(root)
    r = run_zvfio("prepare", "--persist", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    check_golden("bind/prepare-persist.txt", r.stdout)
    override = sysfs(root, f"/etc/driverctl.d/css-{DASD_SCH}")
    assert override.read_text() == "vfio_ccw\n"
    assert override.stat().st_mode & 0o777 == 0o644

    r = run_zvfio("release", "0.0.3000", root=root)       # without --persist: kept
    assert r.returncode == 0, r.stderr
    assert f"persistent: kept /etc/driverctl.d/css-{DASD_SCH} (use --persist to remove it)" \
        in r.stdout
    assert override.read_text() == "vfio_ccw\n"

    r = run_zvfio("release", "--persist", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"persistent: removed /etc/driverctl.d/css-{DASD_SCH}\n"
    assert not override.exists()
    assert host_state(root)[0] == before


def test_persist_on_already_bound_device_and_restore_of_previous_override(root, run_zvfio,
                                                                           kernel):
    kernel(root)
    override = sysfs(root, f"/etc/driverctl.d/css-{DASD_SCH}")
    override.write_text("io_subchannel\n")
    r = run_zvfio("prepare", "--persist", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert override.read_text() == "vfio_ccw\n"
    assert record(root, f"css-{DASD_SCH}")["previous_persist"] == "io_subchannel"
    r = run_zvfio("release", "--persist", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert f"persistent: restored /etc/driverctl.d/css-{DASD_SCH} (io_subchannel)" in r.stdout
    assert override.read_text() == "io_subchannel\n"

    # already bound (by the fixture), no record: --persist only writes the file
    r = run_zvfio("prepare", "--persist", "sch:0.0.0202", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("0.0.3002 (subchannel 0.0.0202): already bound to vfio_ccw\n"
                        "persistent: wrote /etc/driverctl.d/css-0.0.0202 "
                        "(driverctl binds it at boot)\n")
    assert record(root, "css-0.0.0202")["rebound"] is False


def test_probe_not_honoured_rolls_back_everything(root, run_zvfio):
    """No emulator: the fake tree ignores every write, as a kernel would ignore a
    driver that does not bind. prepare must fail cleanly and leave no trace."""
    before, _ = host_state(root)
    r = run_zvfio("prepare", "--persist", "--settle-timeout", "200", "0.0.3000", root=root)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == (f"zvfio: 0.0.3000: subchannel {DASD_SCH}: the kernel did not unbind it "
                        "within 200 ms (driver is io_subchannel); every change was rolled back\n")
    after, _ = host_state(root)
    # what a plain file keeps of the writes: the last value zvfio wrote
    override = f"sys/devices/css0/{DASD_SCH}/driver_override"
    unbind = "sys/bus/css/drivers/io_subchannel/unbind"
    assert after.pop(override) == ("file", b"\n", 0o644)          # cleared again
    assert after.pop(unbind) == ("file", f"{DASD_SCH}\n".encode(), 0o200)
    del before[override], before[unbind]
    assert after == before                                        # no driverctl file either
    assert record(root, f"css-{DASD_SCH}") is None


def test_vfio_probe_failure_restores_driver_online_state_and_persist(root, run_zvfio, kernel):
    """vfio_ccw refuses the subchannel (as for a QDIO device): io_subchannel is bound
    again, the ccw device online again, no override file, no record."""
    before, _ = host_state(root)
    emu = kernel(root, refuse={"vfio_ccw"})
    r = run_zvfio("prepare", "--offline", "--persist", "--settle-timeout", "300", "0.0.3001",
                  root=root)
    assert r.returncode == 1
    # after the ccw.online warning (its lines, then the hint's): zvfio's own lines
    check_golden("bind/rollback-refused.txt", r.stderr[r.stderr.index("\nzvfio: ") + 1:])
    emu.idle()
    assert emu.events == [("unbind", "css", "io_subchannel", ONLINE_SCH),
                          ("refused", "css", "vfio_ccw", ONLINE_SCH),
                          ("bind", "css", "io_subchannel", ONLINE_SCH),
                          ("uevent", "ccw", "change", "0.0.3001")]
    assert host_state(root)[0] == before
    assert record(root, f"css-{ONLINE_SCH}") is None


def test_failed_write_mid_way_restores_driver_override(root, run_zvfio, kernel):
    """The unbind attribute cannot be written (injected: a directory in its place)."""
    unbind = sysfs(root, "/sys/bus/css/drivers/io_subchannel/unbind")
    unbind.unlink()
    unbind.mkdir()
    emu = kernel(root)
    before, _ = host_state(root)
    r = run_zvfio("prepare", "0.0.3000", root=root)
    assert r.returncode == 1
    assert re.search(r"cannot (open|write) /sys/bus/css/drivers/io_subchannel/unbind", r.stderr)
    assert r.stderr.rstrip().endswith("every change was rolled back")
    emu.idle()
    assert host_state(root)[0] == before
    assert driver_of(root, "css", DASD_SCH) == "io_subchannel"


def test_pci_function_to_vfio_pci_and_back(root, run_zvfio, kernel):
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_zvfio("prepare", "fid:0x10", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"PCI function {ISM}: bound to vfio-pci (was ism)\n"
    assert driver_of(root, "pci", ISM) == "vfio-pci"
    r = run_zvfio("release", ISM, root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"PCI function {ISM}: bound to ism again (was vfio-pci)\n"
    assert emu.events == [("unbind", "pci", "ism", ISM), ("bind", "pci", "vfio-pci", ISM),
                          ("unbind", "pci", "vfio-pci", ISM), ("bind", "pci", "ism", ISM)]
    assert host_state(root)[0] == before


def test_release_without_record_returns_driverctl_binding_to_host(root, run_zvfio, kernel):
    """0.0.0205 was bound by driverctl at boot: release --persist puts it on
    io_subchannel and removes the override file."""
    kernel(root)
    r = run_zvfio("release", "--persist", "sch:0.0.0205", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("0.0.3005 (subchannel 0.0.0205): bound to io_subchannel (was vfio_ccw; "
                        "no zvfio record)\n"
                        "persistent: removed /etc/driverctl.d/css-0.0.0205\n")
    assert driver_of(root, "css", "0.0.0205") == "io_subchannel"
    assert sysfs(root, "/sys/bus/css/devices/0.0.0205/driver_override").read_text() == \
        "(null)\n"


def test_release_of_unbound_device_does_nothing(root, run_zvfio):
    before = host_state(root)
    r = run_zvfio("release", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (f"0.0.3000 (subchannel {DASD_SCH}): not bound to vfio_ccw and no zvfio "
                        "record; nothing to release\n")
    assert host_state(root) == before


def test_release_refuses_a_binding_owned_by_a_domain(root, run_zvfio, kernel):
    kernel(root)
    assert run_zvfio("prepare", "0.0.3000", root=root).returncode == 0
    path = Path(root) / STATE / f"css-{DASD_SCH}.json"
    data = json.loads(path.read_text())
    data["domain"] = "zguest"
    path.write_text(json.dumps(data))
    r = run_zvfio("release", "0.0.3000", root=root)
    assert r.returncode == 9
    assert "was bound by zvfio-hook for domain 'zguest'" in r.stderr
    assert driver_of(root, "css", DASD_SCH) == "vfio_ccw"
    r = run_zvfio("release", "--force", "0.0.3000", root=root)
    assert r.returncode == 0, r.stderr
    assert driver_of(root, "css", DASD_SCH) == "io_subchannel"


@pytest.mark.parametrize("content, message", [
    ("{", "invalid JSON"),
    ('{"version": 3}', "'version' must be 1 to 2"),
    ('{"version": 2, "bus": "css", "device": "0.0.0200", "driver": "vfio_ccw", '
     '"offline_ccw_device": null, "domain": null, "rebound": true, "persist": false, '
     '"previous_driver": "io_subchannel", "previous_driver_override": null, '
     '"previous_persist": null, "phase": "done", "step": 1, "unpersist": false}',
     "invalid phase 'done'"),
    ('{"version": 2, "bus": "css", "device": "0.0.0200", "driver": "vfio_ccw", '
     '"offline_ccw_device": null, "domain": null, "rebound": true, "persist": false, '
     '"previous_driver": "io_subchannel", "previous_driver_override": null, '
     '"previous_persist": null, "phase": "preparing", "step": 9, "unpersist": false}',
     "'step' must be 0 to 5"),
    ('{"version": 1, "bus": "css", "device": "0.0.0201", "driver": "vfio_ccw", '
     '"offline_ccw_device": null, "domain": null, "rebound": true, "persist": false, '
     '"previous_driver": "io_subchannel", "previous_driver_override": null, '
     '"previous_persist": null}', "record is for css-0.0.0201"),
    ('{"version": 1, "bus": "css", "device": "0.0.0200", "driver": "vfio_ccw", '
     '"offline_ccw_device": null, "domain": null, "rebound": true, "persist": false, '
     '"previous_driver": "../../x", "previous_driver_override": null, '
     '"previous_persist": null}', "invalid previous_driver '../../x'"),
])
def test_bad_record_is_an_error_and_changes_nothing(root, run_zvfio, content, message):
    path = Path(root) / STATE / f"css-{DASD_SCH}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    before = host_state(root)
    for command in ("prepare", "release"):
        r = run_zvfio(command, "0.0.3000", root=root)
        assert r.returncode == 7, r.stderr
        assert message in r.stderr
    assert host_state(root) == before


@pytest.mark.parametrize("args, code, message", [
    (["prepare"], 2, "prepare: expected one device ID"),
    (["prepare", "0.0.3000", "0.0.3004"], 2, "prepare: expected one device ID"),
    (["prepare", "--settle-timeout", "-1", "0.0.3000"], 2, "--settle-timeout must be 0..60000"),
    (["release", "--settle-timeout", "70000", "0.0.3000"], 2,
     "--settle-timeout must be 0..60000"),
    (["prepare", "0.0.9999"], 4, ""),
    (["release", "zz"], 2, "is not a device id"),
])
def test_usage_errors(root, run_zvfio, args, code, message):
    before = host_state(root)
    r = run_zvfio(*args, root=root)
    assert r.returncode == code, r.stderr
    assert message in r.stderr
    assert host_state(root) == before


def interrupted_prepare(root, emu):
    """What a prepare --offline of 0.0.3001 killed after its unbind leaves: the record
    ("preparing", step 3 = unbind), the DASD offline and gone with its subchannel's
    driver, driver_override vfio_ccw."""
    path = Path(root) / STATE / f"css-{ONLINE_SCH}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "version": 2, "bus": "css", "device": ONLINE_SCH, "driver": "vfio_ccw",
        "rebound": True, "previous_driver": "io_subchannel", "previous_driver_override": None,
        "offline_ccw_device": "0.0.3001", "persist": False, "previous_persist": None,
        "domain": None, "phase": "preparing", "step": 3, "unpersist": False}))
    sysfs(root, "/sys/bus/ccw/devices/0.0.3001/online").write_text("0\n")
    sysfs(root, f"/sys/bus/css/devices/{ONLINE_SCH}/driver_override").write_text("vfio_ccw\n")
    sysfs(root, "/sys/bus/css/drivers/io_subchannel/unbind").write_text(ONLINE_SCH + "\n")
    emu.idle()
    assert driver_of(root, "css", ONLINE_SCH) is None


@pytest.mark.parametrize("commands, output", [
    ([["prepare", "--offline", "sch:" + ONLINE_SCH], ["release", "sch:" + ONLINE_SCH]], None),
    ([["release", "sch:" + ONLINE_SCH]], None),
    ([["repair", "sch:" + ONLINE_SCH]],
     f"subchannel {ONLINE_SCH}: undid an interrupted prepare\n"),
    ([["repair", "--all"]], f"subchannel {ONLINE_SCH}: undid an interrupted prepare\n"),
], ids=["prepare-release", "release", "repair", "repair-all"])
def test_interrupted_prepare_is_undone_from_its_record(root, run_zvfio, kernel, commands,
                                                       output):
    """Issue 14 defect 1: prepare after a killed prepare replaced the record with one
    planned from the half-changed device (no driver, DASD offline), so the release
    that followed left the DASD offline and the subchannel without its driver."""
    before, _ = host_state(root)
    emu = kernel(root)
    interrupted_prepare(root, emu)
    for command in commands:
        r = run_zvfio(*command, root=root)
        assert r.returncode == 0, r.stderr
    if output is not None:
        assert r.stdout == output
    emu.idle()
    assert host_state(root)[0] == before
    assert record(root, f"css-{ONLINE_SCH}") is None


def test_interrupted_release_is_finished_and_a_finished_prepare_left_alone(root, run_zvfio,
                                                                           kernel):
    emu = kernel(root)
    before, _ = host_state(root)
    assert run_zvfio("prepare", "--persist", "0.0.3000", root=root).returncode == 0
    r = run_zvfio("repair", "0.0.3000", root=root)
    assert (r.returncode, r.stdout) == (0, f"subchannel {DASD_SCH}: prepared by zvfio and "
                                           "complete; nothing to repair ('zvfio release' undoes "
                                           "it)\n")
    # a release --persist killed after its intent was written
    path = Path(root) / STATE / f"css-{DASD_SCH}.json"
    data = json.loads(path.read_text())
    data.update(phase="releasing", unpersist=True)
    path.write_text(json.dumps(data))
    r = run_zvfio("repair", "--all", root=root)
    assert (r.returncode, r.stdout) == (0, f"subchannel {DASD_SCH}: finished an interrupted "
                                           "release\n")
    emu.idle()
    assert host_state(root)[0] == before
    r = run_zvfio("repair", "--all", root=root)
    assert (r.returncode, r.stdout, r.stderr) == (0, "nothing to repair: no record of an "
                                                  "interrupted operation and no temporary file "
                                                  "of a killed one in /run/zvfio or "
                                                  "/etc/driverctl.d\n", "")


@pytest.mark.parametrize("args, message", [
    (["repair"], "repair: expected one device ID or --all"),
    (["repair", "--all", "0.0.3000"], "repair: expected one device ID or --all"),
    (["repair", "0.0.3000", "0.0.3004"], "repair: expected one device ID or --all"),
    (["repair", "--settle-timeout", "70000", "--all"], "--settle-timeout must be 0..60000"),
])
def test_repair_usage_errors(root, run_zvfio, args, message):
    before = host_state(root)
    r = run_zvfio(*args, root=root)
    assert r.returncode == 2
    assert message in r.stderr
    assert host_state(root) == before


def test_repair_of_a_device_without_record(root, run_zvfio):
    before = host_state(root)
    r = run_zvfio("repair", "0.0.3000", root=root)
    assert (r.returncode, r.stdout) == (0, f"subchannel {DASD_SCH}: no zvfio record; nothing "
                                           "to repair\n")
    assert host_state(root) == before
