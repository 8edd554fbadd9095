"""zvfio-udev-hint and 70-zvfio-devno-hint.rules: a subchannel bound to vfio_ccw by
anyone (driverctl, an admin's echo), not only by zvfio prepare, gets the devno hint
that makes its devno lookup constant-time (issue 13, P2). The kernel emulator plays
the kernel's bind; the test plays udev with the rule file meson built. Real udev on
the real kernel: tests/vm/guest/scenarios/inventory.sh."""

import os
import re
import subprocess

import pytest

from conftest import zvfio_fixtures, host_state, wrapped, TIMEOUT_FACTOR
from test_show_cost import syscall_counts, vfio_host_spec

RULE_NAME = "70-zvfio-devno-hint.rules"


@pytest.fixture(scope="module")
def hint_bin(build_dir):
    return build_dir / "callouts" / "zvfio-udev-hint"


@pytest.fixture(scope="module")
def rule(build_dir):
    """The rule as {match key: value} plus 'RUN': [program, args...] (one rule line)."""
    lines = [line for line in (build_dir / "callouts" / RULE_NAME).read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(lines) == 1, lines
    parsed = {}
    for key, op, value in re.findall(r'([A-Z]+)(==|\+=)"([^"]*)"', lines[0]):
        parsed[key] = value.split() if key == "RUN" else value
        assert op == ("+=" if key == "RUN" else "==")
    return parsed


def play_udev(rule, hint_bin, root, events):
    """Runs the rule's program for each kernel event it matches, as udev would
    ($kernel = the device's name), with the build's binary for the installed one."""
    runs = []
    for action, bus, driver, name in events:
        if (action, bus, driver) != (rule["ACTION"], rule["SUBSYSTEM"], rule["DRIVER"]):
            continue
        argv = wrapped([hint_bin] + [a.replace("$kernel", name) for a in rule["RUN"][1:]])
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30 * TIMEOUT_FACTOR,
                              env=dict(os.environ, ZVFIO_ROOT=str(root)))
        assert proc.returncode == 0, proc.stderr
        runs.append(name)
    return runs


def test_rule_matches_vfio_ccw_binds_and_runs_the_installed_helper(rule, build_dir):
    from install_info import build_options, install_dir
    options = build_options(build_dir)
    assert (rule["ACTION"], rule["SUBSYSTEM"], rule["DRIVER"]) == ("bind", "css", "vfio_ccw")
    assert rule["RUN"] == [install_dir(options, "libexecdir") + "/zvfio/zvfio-udev-hint",
                           "$kernel"]


def test_a_foreign_bind_gets_a_hint_and_show_finds_the_devno(kernel, rule, hint_bin,
                                                             run_zvfio, tmp_path):
    """An admin binds a DASD's subchannel to vfio_ccw with sysfs writes (no zvfio):
    udev's run of the helper records devno -> subchannel, and show finds it there."""
    spec = {"subchannels": [{"sch": "0.0.0200", "devno": "0.0.3000", "dev": "dasd"},
                            {"sch": "0.0.0201", "devno": "0.0.3001", "dev": "dasd"}]}
    root = zvfio_fixtures.build_tree(spec, tmp_path / "t")
    emu = kernel(root)
    sch = root / "sys/bus/css/devices/0.0.0201"
    (sch / "driver_override").write_text("vfio_ccw\n")
    (root / "sys/bus/css/drivers/io_subchannel/unbind").write_text("0.0.0201\n")
    emu.idle()
    (root / "sys/bus/css/drivers_probe").write_text("0.0.0201\n")
    emu.idle()
    assert os.readlink(sch / "driver").endswith("/vfio_ccw")
    assert play_udev(rule, hint_bin, root, emu.events) == ["0.0.0201"]
    assert (root / "run/zvfio/devno/0.0.3001").read_text() == "0.0.0201\n"
    res = run_zvfio("show", "0.0.3001", root=root)
    assert res.returncode == 0 and "Subchannel 0.0.0201" in res.stdout, res.stdout + res.stderr


def test_hinted_foreign_devno_costs_the_same_on_a_small_and_a_large_host(rule, hint_bin,
                                                                         zvfio_bin, tmp_path):
    """Without the hint the lookup reads every vfio_ccw-bound subchannel of the set
    (it grows with the host: the check that this test can fail); with the helper's
    hint, the same file syscalls apart from getdents."""
    without, with_hint = [], []
    for n in (8, 800):
        root = zvfio_fixtures.build_tree(vfio_host_spec(n), tmp_path / f"h{n}")
        rc, out, total, getdents = syscall_counts(zvfio_bin, root, ["show", "ccw:0.1.1005"],
                                                  tmp_path)
        assert rc == 0 and "Subchannel 0.1.0005" in out, out
        without.append(total - getdents)
        assert play_udev(rule, hint_bin, root, [("bind", "css", "vfio_ccw", "0.1.0005")])
        rc, out, total, getdents = syscall_counts(zvfio_bin, root, ["show", "ccw:0.1.1005"],
                                                  tmp_path)
        assert rc == 0 and "Subchannel 0.1.0005" in out, out
        with_hint.append((total, getdents))
    assert without[1] > 2 * without[0], without
    (a, ga), (b, gb) = with_hint
    assert a - ga == b - gb, f"{a} ({ga} getdents) on 9 subchannels, {b} ({gb}) on 801"
    assert b <= 1.2 * a


@pytest.mark.parametrize("argv,code,message", [
    ([], 2, "usage"),
    (["0.1.0005", "extra"], 2, "usage"),
    (["../../etc"], 2, "is not a subchannel id"),
    (["0.1.000A"], 2, "is not a subchannel id"),           # udev's $kernel is lower case
    (["0.1.0005\n"], 2, "is not a subchannel id"),
    (["0.1.7fff"], 4, "0.1.7fff"),                        # no such subchannel
])
def test_bad_arguments_change_nothing(argv, code, message, hint_bin, tmp_path):
    root = zvfio_fixtures.build_tree(vfio_host_spec(8), tmp_path / "h")
    before = host_state(root, ("sys", "run"))
    proc = subprocess.run(wrapped([hint_bin] + argv), capture_output=True, text=True,
                          timeout=30 * TIMEOUT_FACTOR,
                          env=dict(os.environ, ZVFIO_ROOT=str(root)))
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert host_state(root, ("sys", "run")) == before
    assert not (root / "run/zvfio/devno").exists()


def test_a_subchannel_no_longer_on_vfio_ccw_gets_no_hint(hint_bin, tmp_path):
    """An old event (the subchannel went back to io_subchannel meanwhile): nothing."""
    spec = {"subchannels": [{"sch": "0.0.0200", "devno": "0.0.3000", "dev": "dasd"}]}
    root = zvfio_fixtures.build_tree(spec, tmp_path / "t")
    proc = subprocess.run(wrapped([hint_bin, "0.0.0200"]), capture_output=True, text=True,
                          timeout=30 * TIMEOUT_FACTOR, env=dict(os.environ, ZVFIO_ROOT=str(root)))
    assert proc.returncode == 0, proc.stderr
    assert not (root / "run/zvfio/devno").exists()


def test_a_hint_directory_link_never_leads_out_of_the_root(hint_bin, tmp_path):
    """run/zvfio is a link that climbs out of the root (../../outside): it is
    resolved clamped to the root, as by a chroot, so the hint lands in ROOT/outside
    and the directory beside the root stays empty."""
    root = zvfio_fixtures.build_tree(vfio_host_spec(8), tmp_path / "h")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "run").mkdir(exist_ok=True)
    (root / "run/zvfio").symlink_to("../../outside")
    proc = subprocess.run(wrapped([hint_bin, "0.1.0005"]), capture_output=True, text=True,
                          timeout=30 * TIMEOUT_FACTOR, env=dict(os.environ, ZVFIO_ROOT=str(root)))
    assert proc.returncode == 0, proc.stderr
    assert list(outside.iterdir()) == []
    assert (root / "outside/devno/0.1.1005").read_text() == "0.1.0005\n"


def test_a_killed_writers_temporary_hints_are_swept(hint_bin, tmp_path):
    """udev kills a helper that overruns its time: the temporary file of its atomic
    write stays. The next hint written removes every such file whose writer is gone
    (any devno, not only its own), and leaves a live writer's and other names."""
    root = zvfio_fixtures.build_tree(vfio_host_spec(8), tmp_path / "h")
    hints = root / "run/zvfio/devno"
    hints.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = hints / f".0.0.7777.zvfio-tmp-{dead.pid}.0badf00d"
    live = hints / f".0.0.7778.zvfio-tmp-{os.getpid()}.0badf00d"
    other = hints / "0.0.7779"
    for f in (stale, live, other):
        f.write_text("0.0.0001\n")
    proc = subprocess.run(wrapped([hint_bin, "0.1.0005"]), capture_output=True, text=True,
                          timeout=30 * TIMEOUT_FACTOR, env=dict(os.environ, ZVFIO_ROOT=str(root)))
    assert proc.returncode == 0, proc.stderr
    assert (hints / "0.1.1005").read_text() == "0.1.0005\n"
    assert not stale.exists()
    assert live.exists() and other.exists()


def test_help_names_the_hint_directory(hint_bin):
    proc = subprocess.run(wrapped([hint_bin, "--help"]), capture_output=True, text=True,
                          timeout=30 * TIMEOUT_FACTOR)
    assert proc.returncode == 0 and "/run/zvfio/devno/<devno>" in proc.stdout
