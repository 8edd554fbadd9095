"""Crash consistency: an interrupted prepare or release never loses the host's state.

The binaries are built with -Dfault_injection=true (tools/setup.sh's test builds):
ZVFIO_FAULT_AT=N makes zvfio / zvfio-hook kill themselves with SIGKILL right before
their N-th write step (a sysfs attribute, a record or driverctl file written or
removed), ZVFIO_FAULT_LOG=FILE lists the steps (src/lib/base/zv-fault.h). For every
operation (CLI prepare/release with and without --offline/--persist, the hook's
prepare begin / release end) the test first counts its write steps, then stops it
at EVERY one of them on a fresh fixture tree (the kernel's part played by
kernel_emulator.KernelEmulator) and runs what an admin or libvirt runs next:
`release`, `repair`, or `prepare` followed by `release`. Afterwards the host must be
exactly as before the operation: drivers, driver_override, online state, driverctl
files, and no record left in /run/zvfio.

CI stops each point once, with the recoveries taking turns; ZVFIO_CRASH_FULL=1 runs
every recovery after every point. A random-kill loop does the same with kill -9 at
random moments; its trial count per operation is ZVFIO_CRASH_TRIALS (CI: 5;
docs/reliability.md has a long run).
"""

import os
import random
import signal
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, host_state
from install_info import build_options
from kernel_emulator import KernelEmulator

HOOK_XML = REPO_ROOT / "tests" / "integration" / "hook"
ISM = "0010:00:00.0"
TEMP = re.compile(r"(^|/)\.[^/]*\.zvfio-tmp-[^/]*$")   # a killed writer's hidden temp file


@pytest.fixture(scope="module")
def binaries(build_dir):
    """(zvfio, zvfio-hook-gate) of a build with fault injection."""
    if not build_options(build_dir).get("fault_injection"):
        pytest.fail(f"{build_dir} is not built with -Dfault_injection=true (tools/setup.sh "
                    "test builds are): meson configure <build dir> -Dfault_injection=true")
    return (build_dir / "src" / "zvfio" / "zvfio",
            build_dir / "callouts" / "zvfio-hook-gate")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One generated 'bind' tree, copied for every trial (generating is slower)."""
    import zvfio_fixtures
    return zvfio_fixtures.build_tree("bind", tmp_path_factory.mktemp("template") / "root")


def command(binaries, root, cmd, env=None, popen=False):
    """Runs CMD: ("zvfio", args...) or ("hook", op, subop, xml file name)."""
    zvfio, hook = binaries
    full_env = dict(os.environ)
    full_env["LC_ALL"] = "C.UTF-8"
    full_env.pop("ZVFIO_FAULT_AT", None)
    full_env.pop("ZVFIO_FAULT_LOG", None)
    if cmd[0] == "zvfio":
        full_env.pop("ZVFIO_ROOT", None)
        argv, stdin = [str(zvfio), "--root", str(root)] + list(cmd[1:]), ""
    else:
        full_env["ZVFIO_ROOT"] = str(root)
        argv = [str(hook), "zguest", cmd[1], cmd[2], "-"]
        stdin = (HOOK_XML / cmd[3]).read_text() if len(cmd) > 3 else ""
    full_env.update(env or {})
    if popen:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=full_env)
        proc.stdin.write(stdin)
        proc.stdin.close()
        return proc
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=full_env,
                          timeout=60)


def observed(root):
    """What must come back: /sys and /etc (a dead writer's hidden temp files aside,
    which driverctl and zvfio ignore) and the records left in /run/zvfio."""
    state = {k: v for k, v in host_state(root)[0].items() if not TEMP.search(k)}
    records = sorted(str(p.relative_to(root)) for p in (Path(root) / "run").glob("**/*.json"))
    return state, records


# The operations: (id, commands run before it without faults, the operation).
CLI_PREPARE = [
    ("prepare", [], ("zvfio", "prepare", "0.0.3000")),
    ("prepare-offline", [], ("zvfio", "prepare", "--offline", "0.0.3001")),
    ("prepare-persist", [], ("zvfio", "prepare", "--persist", "0.0.3000")),
    ("prepare-offline-persist", [], ("zvfio", "prepare", "--offline", "--persist", "0.0.3001")),
    ("prepare-pci", [], ("zvfio", "prepare", ISM)),
]
CLI_RELEASE = [
    ("release", [("zvfio", "prepare", "0.0.3000")], ("zvfio", "release", "0.0.3000")),
    ("release-offline", [("zvfio", "prepare", "--offline", "0.0.3001")],
     ("zvfio", "release", "0.0.3001")),
    ("release-persist", [("zvfio", "prepare", "--persist", "0.0.3000")],
     ("zvfio", "release", "--persist", "0.0.3000")),
    ("release-offline-persist", [("zvfio", "prepare", "--offline", "--persist", "0.0.3001")],
     ("zvfio", "release", "--persist", "0.0.3001")),
]
HOOK = [
    ("hook-prepare", [], ("hook", "prepare", "begin", "ism.xml")),
    # binds, sets 0.0.3001 offline, then mdevctl fails on a fixture root: the undo is
    # interrupted too
    ("hook-prepare-offline", [], ("hook", "prepare", "begin",
                                  "mdev-online-offline-allowed.xml")),
    ("hook-release", [("hook", "prepare", "begin", "ism.xml")], ("hook", "release", "end")),
]

# A check between recovery commands: the host is exactly as before the operation or
# exactly as its setup left it (an operation stopped before its first write).
SETTLED = ("settled",)

# What runs after the stop, per device operation: (id, commands, whether each must exit 0).
RECOVER_CLI = {
    "prepare": [("release", lambda op: [release_of(op)]),
                ("repair", lambda op: [("zvfio", "repair", device_of(op))]),
                ("prepare-release", lambda op: [prepare_of(op), release_of(op)])],
    # repair after a release stopped before its first write finds a finished prepare
    # (the release had not begun): SETTLED accepts that state, and the release follows
    "release": [("release", lambda op: [op]),
                ("repair", lambda op: [("zvfio", "repair", "--all"), SETTLED, op]),
                ("prepare-release", lambda op: [prepare_of(op), op])],
}
RECOVER_HOOK = [
    ("release-end", lambda op: [("hook", "release", "end")]),
    ("repair", lambda op: [("zvfio", "repair", "--all")] +
     ([SETTLED, ("hook", "release", "end")] if op[1] == "release" else [])),
    ("prepare-release", lambda op: [op if op[1] == "prepare" else
                                    ("hook", "prepare", "begin", "ism.xml"),
                                    ("hook", "release", "end")]),
]


def device_of(op):
    """The device ID an operation names."""
    return op[-1]


def release_of(op):
    """The release undoing a prepare (with --persist when it persisted)."""
    return ("zvfio", "release") + (("--persist",) if "--persist" in op else ()) + (op[-1],)


def prepare_of(op):
    """The prepare whose effect a release undoes (same options)."""
    opts = tuple(o for o in op[2:-1] if o == "--persist")
    offline = ("--offline",) if op[-1] == "0.0.3001" else ()
    return ("zvfio", "prepare") + offline + opts + (op[-1],)


def must_succeed(cmd):
    """Whether a recovery command must exit 0 (a hook prepare of the mdev domain never
    can on a fixture root: mdevctl is refused there)."""
    return not (cmd[0] == "hook" and cmd[1] == "prepare" and "mdev" in cmd[3])


class Trial:
    """One fresh copy of the template tree with the kernel emulator running."""

    def __init__(self, template, base, binaries, **knobs):
        import shutil
        self.root = Path(base) / "root"
        shutil.copytree(template, self.root, symlinks=True)
        self.binaries = binaries
        self.emu = KernelEmulator(self.root, **knobs).__enter__()

    def run(self, cmd, env=None):
        r = command(self.binaries, self.root, cmd, env)
        self.emu.idle()
        return r

    def close(self):
        """Stops the emulator and removes the tree (hundreds of trials per run)."""
        import shutil
        self.emu.__exit__(None, None, None)
        shutil.rmtree(self.root.parent, ignore_errors=True)


def count_points(template, tmp_path, binaries, setup, op):
    """The write steps of OP (ZVFIO_FAULT_LOG), after SETUP."""
    trial = Trial(template, tmp_path / "count", binaries)
    try:
        for cmd in setup:
            r = trial.run(cmd)
            assert r.returncode == 0, (cmd, r.stderr)
        log = tmp_path / "points.log"
        r = trial.run(op, env={"ZVFIO_FAULT_LOG": str(log)})
        assert r.returncode == 0 or not must_succeed(op), r.stderr
        return log.read_text().splitlines()
    finally:
        trial.close()


def stop_and_recover(template, base, binaries, setup, op, point, recovery):
    """Stops OP at write step POINT, runs RECOVERY; None when the host came back
    exactly, else what differs."""
    trial = Trial(template, base, binaries)
    try:
        before = observed(trial.root)
        for cmd in setup:
            r = trial.run(cmd)
            assert r.returncode == 0, (cmd, r.stderr)
        ready = observed(trial.root)
        r = trial.run(op, env={"ZVFIO_FAULT_AT": str(point)})
        if r.returncode != -9:
            return f"not stopped (exit {r.returncode}): {r.stderr.strip()}"
        problems = []
        for cmd in recovery:
            if cmd == SETTLED:
                if observed(trial.root) not in (before, ready):
                    problems.append("repair left a state that is neither the one before nor "
                                    "the one after the operation")
                continue
            r = trial.run(cmd)
            if r.returncode != 0 and must_succeed(cmd):
                problems.append(f"{' '.join(cmd[1:])}: exit {r.returncode}: {r.stderr.strip()}")
        after = observed(trial.root)
        if after != before:
            changed = sorted(k for k in set(before[0]) | set(after[0])
                             if before[0].get(k) != after[0].get(k))
            problems.append(f"changed {changed[:6]}, records {after[1]}")
        return "; ".join(problems) or None
    finally:
        trial.close()


# CI runs each stop point with one of the recoveries, in turn (every recovery meets
# every step kind); ZVFIO_CRASH_FULL=1 runs every point with every recovery.
FULL = os.environ.get("ZVFIO_CRASH_FULL") == "1"


def every_point(template, tmp_path, binaries, setup, op, recoveries):
    """Runs stop_and_recover at every write step of OP; asserts none failed."""
    points = count_points(template, tmp_path, binaries, setup, op)
    assert points, "no write step counted: is fault injection compiled in?"
    failed, trials = [], 0
    for n in range(1, len(points) + 1):
        chosen = recoveries if FULL else [recoveries[(n - 1) % len(recoveries)]]
        for rid, recover in chosen:
            trials += 1
            problem = stop_and_recover(template, tmp_path / f"p{n}-{rid}", binaries, setup, op,
                                       n, recover(op))
            if problem:
                failed.append(f"point {n} ({points[n - 1].split(' ', 1)[1]}), then {rid}: "
                              f"{problem}")
    print(f"{' '.join(op[1:])}: {len(points)} points, {trials} trials, {len(failed)} failed")
    assert not failed, (f"{len(failed)} of {trials} trials ({len(points)} points) failed:\n"
                        + "\n".join(failed))


@pytest.mark.parametrize("name, setup, op", CLI_PREPARE, ids=[c[0] for c in CLI_PREPARE])
def test_cli_prepare_stopped_at_every_write_step(template, tmp_path, binaries, name, setup,
                                                 op):
    every_point(template, tmp_path, binaries, setup, op, RECOVER_CLI["prepare"])


@pytest.mark.parametrize("name, setup, op", CLI_RELEASE, ids=[c[0] for c in CLI_RELEASE])
def test_cli_release_stopped_at_every_write_step(template, tmp_path, binaries, name, setup,
                                                 op):
    every_point(template, tmp_path, binaries, setup, op, RECOVER_CLI["release"])


@pytest.mark.parametrize("name, setup, op", HOOK, ids=[c[0] for c in HOOK])
def test_hook_stopped_at_every_write_step(template, tmp_path, binaries, name, setup, op):
    every_point(template, tmp_path, binaries, setup, op, RECOVER_HOOK)


# ---- kill -9 at random moments

RANDOM = [
    ("cli-prepare", [], ("zvfio", "prepare", "--offline", "--persist", "0.0.3001"),
     [("zvfio", "prepare", "--offline", "--persist", "0.0.3001"),
      ("zvfio", "release", "--persist", "0.0.3001")]),
    ("cli-release", [("zvfio", "prepare", "--offline", "--persist", "0.0.3001")],
     ("zvfio", "release", "--persist", "0.0.3001"),
     [("zvfio", "repair", "--all"), SETTLED, ("zvfio", "release", "--persist", "0.0.3001")]),
    ("hook-prepare", [], ("hook", "prepare", "begin", "ism.xml"),
     [("hook", "prepare", "begin", "ism.xml"), ("hook", "release", "end")]),
    ("hook-release", [("hook", "prepare", "begin", "ism.xml")], ("hook", "release", "end"),
     [("zvfio", "repair", "--all"), SETTLED, ("hook", "release", "end")]),
]
TRIALS = int(os.environ.get("ZVFIO_CRASH_TRIALS", "5"))


@pytest.mark.parametrize("name, setup, op, recovery", RANDOM, ids=[c[0] for c in RANDOM])
def test_kill_at_random_moments(template, tmp_path, binaries, name, setup, op, recovery):
    """kill -9 after a random delay within the operation's duration, then RECOVERY."""
    rng = random.Random(os.environ.get("ZVFIO_CRASH_SEED", name))
    trial = Trial(template, tmp_path / "time", binaries)
    try:
        for cmd in setup:
            assert trial.run(cmd).returncode == 0
        start = time.monotonic()
        assert trial.run(op).returncode == 0
        duration = time.monotonic() - start
    finally:
        trial.close()
    failed, killed = [], 0
    for i in range(TRIALS):
        trial = Trial(template, tmp_path / f"t{i}", binaries)
        try:
            before = observed(trial.root)
            for cmd in setup:
                assert trial.run(cmd).returncode == 0
            ready = observed(trial.root)
            delay = rng.uniform(0, duration)
            proc = command(binaries, trial.root, op, popen=True)
            time.sleep(delay)
            proc.kill()
            killed += proc.wait() == -9
            proc.stdout.close()
            proc.stderr.close()
            trial.emu.idle(writers_gone=True)
            problems = []
            for cmd in recovery:
                if cmd == SETTLED:
                    if observed(trial.root) not in (before, ready):
                        problems.append("repair left a state neither before nor after")
                    continue
                r = trial.run(cmd)
                if r.returncode != 0:
                    problems.append(f"{' '.join(cmd[1:])}: exit {r.returncode}: "
                                    f"{r.stderr.strip()}")
            if observed(trial.root) != before:
                problems.append("host state differs")
            if problems:
                failed.append(f"trial {i} (kill after {delay * 1000:.1f} ms): "
                              + "; ".join(problems))
        finally:
            trial.close()
    print(f"{name}: {TRIALS} trials, {killed} killed mid-run, {len(failed)} failed")
    assert not failed, "\n".join(failed)


# ---- SIGINT / SIGTERM roll back like a failure

def wait_until(predicate, timeout=10):
    """Polls PREDICATE until it holds (AssertionError after TIMEOUT seconds)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


@pytest.mark.parametrize("signo", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
@pytest.mark.parametrize("op, device, bus", [
    (("zvfio", "prepare", "--offline", "--persist", "--settle-timeout", "20000", "0.0.3001"),
     "0.0.0201", "css"),
    (("hook", "prepare", "begin", "ism.xml"), ISM, "pci"),
], ids=["cli", "hook"])
def test_signal_during_prepare_rolls_back(template, tmp_path, binaries, op, device, bus, signo):
    """The kernel never binds the vfio driver (drivers_probe ignored), so the
    operation waits; the signal comes while the device is unbound: the wait ends,
    everything is rolled back, the exit code is the failure code, no record stays."""
    trial = Trial(template, tmp_path, binaries, ignore_probe=True)
    try:
        before = observed(trial.root)
        link = trial.root / f"sys/bus/{bus}/devices/{device}/driver"
        proc = command(binaries, trial.root, op, popen=True)
        wait_until(lambda: not link.is_symlink())
        proc.send_signal(signo)
        proc.wait(timeout=30)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        trial.emu.idle()
        name = signal.Signals(signo).name
        assert proc.returncode == 1, err
        assert f"interrupted by {name}" in err
        if op[0] == "zvfio":
            assert err.rstrip().endswith("every change was rolled back"), err
        else:
            assert "undid what this hook changed" in err
        assert observed(trial.root) == before
    finally:
        trial.close()


# ---- the hook writes its domain record once per step, not per hostdev (defect 9)

def many_functions(tmp_path, count, driver):
    """A tree with COUNT ISM functions (fid 0x100...) on DRIVER, and a domain using them."""
    import zvfio_fixtures
    spec = {"comment": "many zPCI functions", "subchannels": [], "pci": [
        dict({"fid": hex(0x100 + i), "uid": hex(0x100 + i), "preset": "ism", "pchid": "0x7c0"},
             **({"driver": driver} if driver != "ism" else {})) for i in range(count)]}
    root = zvfio_fixtures.build_tree(spec, tmp_path / "root")
    hostdevs = "".join(
        f"<hostdev mode='subsystem' type='pci' managed='no'><source>"
        f"<address domain='0x{0x100 + i:04x}' bus='0x00' slot='0x00' function='0x0'/>"
        f"</source></hostdev>" for i in range(count))
    return root, f"<domain type='kvm'><name>big</name><devices>{hostdevs}</devices></domain>"


def hook_writes(binaries, root, op, subop, xml_text, log):
    """Runs the hook for domain 'big'; the write steps it took (ZVFIO_FAULT_LOG)."""
    env = dict(os.environ, ZVFIO_ROOT=str(root), ZVFIO_FAULT_LOG=str(log))
    r = subprocess.run([str(binaries[1]), "big", op, subop, "-"], input=xml_text, text=True,
                       capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    steps = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return steps


def test_hook_with_nothing_to_change_writes_nothing(tmp_path, binaries):
    """64 host devices already on vfio-pci: before, the hook wrote the domain record
    twice per hostdev (128 atomic writes, 3 fsyncs per hostdev); now not once."""
    root, domain = many_functions(tmp_path, 64, "vfio-pci")
    before = observed(root)
    assert hook_writes(binaries, root, "prepare", "begin", domain, tmp_path / "log") == []
    assert hook_writes(binaries, root, "release", "end", domain, tmp_path / "log") == []
    assert observed(root) == before


def test_hook_writes_the_domain_record_once_per_step(tmp_path, binaries):
    """8 functions to bind: the domain record is written twice by prepare begin
    ("preparing" with every binding, "prepared") and twice by release end
    ("releasing", removed), whatever the number of devices; each binding record once
    per step of its own."""
    root, domain = many_functions(tmp_path, 8, "ism")
    with KernelEmulator(root):
        before = observed(root)
        steps = hook_writes(binaries, root, "prepare", "begin", domain, tmp_path / "log")
        record = [s.split(" ", 1)[1] for s in steps if "/run/zvfio/big.json" in s]
        assert record == ["replace /run/zvfio/big.json"] * 2
        per_device = [s for s in steps if "/run/zvfio/bind/pci-0100:00:00.0.json" in s]
        assert len(per_device) == 4          # override, unbind, probe, prepared
        steps = hook_writes(binaries, root, "release", "end", domain, tmp_path / "log")
        record = [s.split(" ", 1)[1] for s in steps if "/run/zvfio/big.json" in s]
        assert record == ["replace /run/zvfio/big.json", "remove /run/zvfio/big.json"]
        assert observed(root) == before


def test_killed_writer_truncation_is_no_store(template, tmp_path, binaries):
    """kill -9 between a write's open (O_TRUNC) and its write(): real sysfs never
    truncates, so the attribute keeps its old value; the emulator models that once
    the writer is gone. Without it a random-kill trial ended with an empty
    driver_override that no release rewrites (CI, cli-release, kill after 101.7 ms)."""
    trial = Trial(template, tmp_path / "t", binaries)
    try:
        before = observed(trial.root)
        assert trial.run(("zvfio", "prepare", "0.0.3000")).returncode == 0
        override = Path(trial.root) / "sys/bus/css/devices/0.0.0200/driver_override"
        assert override.read_text() == "vfio_ccw\n"
        override.write_text("")              # the killed release's open(O_TRUNC)
        trial.emu.idle(writers_gone=True)
        assert override.read_text() == "vfio_ccw\n"
        assert trial.run(("zvfio", "release", "0.0.3000")).returncode == 0
        assert observed(trial.root) == before
    finally:
        trial.close()


def test_a_store_right_after_a_clear_is_kept(template, tmp_path, monkeypatch):
    """A clear of driver_override ("\\n") with no driver action, then at once a store
    ("vfio_ccw\\n"), as repair-then-prepare does: the kernel keeps the store. The
    emulator once rewrote a clear as "(null)" at a moment of its own: in CI (ASan
    tier, prepare --persist stopped at point 3, then prepare again) it read the clear,
    the prepare stored vfio_ccw, its rewrite put "(null)" back and the probe bound
    io_subchannel. Here the store lands between any read and write of the emulator's."""
    import shutil
    root = tmp_path / "root"
    shutil.copytree(template, root, symlinks=True)
    emu = KernelEmulator(root)          # no thread: the test chooses the interleaving
    override = Path(os.path.realpath(root / "sys/bus/css/devices/0.0.0200")) / "driver_override"
    override.write_text("\n")
    stored = []
    plain_read = Path.read_text

    def read_then_store(self, *args, **kwargs):
        data = plain_read(self, *args, **kwargs)
        if self == override and data == "\n" and not stored:
            stored.append(True)
            self.write_text("vfio_ccw\n")   # the command's next store
        return data

    monkeypatch.setattr(Path, "read_text", read_then_store)
    emu.step()
    monkeypatch.undo()
    if not stored:
        override.write_text("vfio_ccw\n")
    assert override.read_text() == "vfio_ccw\n"
    (root / "sys/bus/css/drivers/io_subchannel/unbind").write_text("0.0.0200\n")
    (root / "sys/bus/css/drivers_probe").write_text("0.0.0200\n")
    emu.step()
    assert emu.events[-1] == ("bind", "css", "vfio_ccw", "0.0.0200")


def test_the_emulator_never_shows_a_killed_writers_truncated_online(kernel, make_tree, tmp_path):
    """sysfs stores an attribute whole or not at all; the emulated tree is plain files,
    which a writer killed between its O_TRUNC open and its write leaves empty. The
    emulator shows the old value again once the writer is gone (as for driver_override
    and uevent), else a kill there read as a malformed 'online' to the recovery run
    (the fresh-chroot run of this session: 'attribute online has an unparsable value')."""
    root = make_tree({"subchannels": [{"sch": "0.0.0200", "devno": "0.0.3000",
                                       "dev": "dasd"}]}, tmp_path)
    emu = kernel(root)
    online = root / "sys/bus/ccw/devices/0.0.3000/online"
    before = online.read_text()
    emu.idle()
    online.write_text("")            # the killed writer's O_TRUNC, no write
    emu.idle()
    assert online.read_text() == ""  # a write may still be in flight
    emu.idle(writers_gone=True)
    assert online.read_text() == before
