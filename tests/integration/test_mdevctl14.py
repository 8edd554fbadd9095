"""The real mdevctl admins get with Debian 13 (trixie, mdevctl 1.4.x: versioned callouts,
/usr/lib/mdevctl/scripts.d, MDEVCTL_ENV_ROOT) with zvfio-callout installed.

tests/tools/fetch-mdevctl.sh fetches trixie's package with a private apt configuration
into a cache (offline once cached) and unpacks it into a test-only prefix; it needs
trixie's glibc, so it runs through that prefix's loader. mdevctl 1.4 honours
MDEVCTL_ENV_ROOT, so no mount namespace is needed: mdevctl reads the fixture tree's
sysfs and writes its definitions below it, and the callout (installed below the same
root, where 1.4 looks) checks that same tree. ZVFIO_ROOT is deliberately NOT set.

A fetch failure (mirror unreachable) fails these tests: they are part of the normal
integration run."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT, unwrap_violations

# How the callout's violations name each parent of rules-ccw: the devno first, its
# subchannel second; a subchannel without a devno as sch:; a missing id as given.
DEVICE = {"0.0.0110": "0.0.f500 (subchannel 0.0.0110)", "0.0.2000": "0.0.2000",
          "0.0.0100": "0.0.1000 (subchannel 0.0.0100)", "0.0.ff40": "sch:0.0.ff40",
          "0.0.5555": "0.0.5555", "0.0.0143": "0.0.2003 (subchannel 0.0.0143)",
          "0.0.0103": "0.0.1003 (subchannel 0.0.0103)",
          "0.0.0141": "0.0.2001 (subchannel 0.0.0141)",
          "0.0.0144": "0.0.2005 (subchannel 0.0.0144)"}

FETCH = REPO_ROOT / "tests" / "tools" / "fetch-mdevctl.sh"
LEGACY_WRAPPER = REPO_ROOT / "callouts" / "zvfio-callout.sh"
CALLOUTS = "usr/lib/mdevctl/scripts.d/callouts"
UUID = "7e270a25-e163-4922-af60-757fc8ed48c6"
ACTIVE = "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e01"      # running on 0.0.0141, defined auto
DEFINED_AUTO = "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e02"  # 0.0.0142, not running
DEFINED_MANUAL = "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e05"  # 0.0.0144, no driverctl override
TYPE = "vfio_ccw-io"
CONFIG = {"mdev_type": TYPE, "start": "manual", "attrs": []}
PROVIDES = {"provides": {
    "version": 2,
    "actions": ["start", "stop", "define", "undefine", "modify", "attributes", "capabilities"],
    "events": ["pre", "post", "notify", "get", "live"]}}


@pytest.fixture(scope="session")
def mdevctl14():
    """Path of the wrapper running trixie's mdevctl (fetched once, then cached)."""
    try:
        proc = subprocess.run(["/bin/sh", str(FETCH)], capture_output=True, text=True,
                              timeout=600)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{FETCH} did not finish within 600 s")
    if proc.returncode != 0:
        pytest.fail("could not fetch Debian trixie's mdevctl with apt (the mdevctl 1.4 "
                    "tests need the Debian mirror named in /etc/apt/sources.list.d/"
                    "debian.sources, or a filled cache):\n" + proc.stderr)
    wrapper = Path(proc.stdout.strip().splitlines()[-1])
    assert os.access(wrapper, os.X_OK), wrapper
    return wrapper


def install_callout(root, callout_bin, spy_log=None):
    """Lay out ROOT the way the package/meson install does for mdevctl >= 1.2: the
    binary in usr/lib/mdevctl/scripts.d/callouts, the /bin/sh wrapper (for mdevctl 1.2)
    in etc/mdevctl.d/scripts.d/callouts pointing at it, an empty notifiers dir.
    With SPY_LOG, the installed "binary" is a shim that appends argv and stdin to
    SPY_LOG and execs the real callout (same pid: the lock owner stays mdevctl)."""
    callouts = root / CALLOUTS
    callouts.mkdir(parents=True)
    (root / "usr/lib/mdevctl/scripts.d/notifiers").mkdir()
    installed = callouts / "zvfio-callout"
    # zvfio-callout is a front end that execs the full callout (zvfio-callout-worker)
    # found next to its own binary or at its installed path: a link to the built
    # front end keeps the build's worker next to it
    if spy_log is None:
        installed.symlink_to(callout_bin)
    else:
        real = root / "usr/lib/zvfio-callout.real"
        real.symlink_to(callout_bin)
        installed.write_text(
            "#!/bin/sh\n"
            f"in='{spy_log}.stdin'\n"
            'cat > "$in"\n'
            f"{{ printf '%s\\t' \"$*\"; cat \"$in\"; echo; }} >> '{spy_log}'\n"
            f"exec '{real}' \"$@\" < \"$in\"\n")
        installed.chmod(0o755)
    legacy = root / "etc/mdevctl.d/scripts.d/callouts"
    legacy.mkdir(parents=True)
    (root / "etc/mdevctl.d/scripts.d/notifiers").mkdir()
    text = LEGACY_WRAPPER.read_text().replace("'@CALLOUT_BIN@'", f"'{installed}'")
    (legacy / "zvfio-callout").write_text(text)
    (legacy / "zvfio-callout").chmod(0o755)


@pytest.fixture
def root(make_tree, tmp_path, callout_bin):
    """A fresh rules-ccw tree with zvfio-callout installed where mdevctl 1.4 looks."""
    root = make_tree("rules-ccw", tmp_path)
    install_callout(root, callout_bin)
    return root


def mdevctl_env(root, env=None):
    full = dict(os.environ)
    for name in ("ZVFIO_ROOT", "ZVFIO_ALLOW_VOLATILE_AUTOSTART", "MDEVCTL_LOG"):
        full.pop(name, None)
    full.update({"MDEVCTL_ENV_ROOT": str(root), "LC_ALL": "C.UTF-8", "RUST_BACKTRACE": "0"})
    full.update(env or {})
    return full


@pytest.fixture
def mdevctl(mdevctl14):
    """Return run(root, *args, env=None, input=None) -> CompletedProcess of mdevctl 1.4."""
    def _run(root, *args, env=None, input=None, timeout=60):
        return subprocess.run([str(mdevctl14)] + [str(a) for a in args], input=input,
                              capture_output=True, text=True, env=mdevctl_env(root, env),
                              timeout=timeout)
    return _run


def definition_text(root, parent, uuid):
    path = root / "etc" / "mdevctl.d" / parent / uuid
    return path.read_text() if path.exists() else None


def definition(root, parent, uuid):
    text = definition_text(root, parent, uuid)
    return None if text is None else json.loads(text)


def locks(root):
    lock_dir = root / "run" / "lock" / "zvfio"
    return sorted(p.name for p in lock_dir.iterdir()) if lock_dir.exists() else []


def create_file(root, sch):
    return root / "sys/bus/css/devices" / sch / "mdev_supported_types" / TYPE / "create"


def spy_calls(log):
    """[(argv, stdin)] of each callout run, in order."""
    calls = []
    for line in log.read_text().splitlines() if log.exists() else []:
        argv, _, stdin = line.partition("\t")
        calls.append((argv, stdin))
    return calls


def args_of(uuid, parent, event, action, state="none", type=TYPE):
    return f"-t {type} -e {event} -a {action} -s {state} -u {uuid} -p {parent}"


# --- the binary itself -------------------------------------------------------------

def test_it_is_mdevctl_14_with_env_root(mdevctl, root):
    proc = mdevctl(root, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("mdevctl 1.4."), proc.stdout
    # it reads the fixture's definitions, not the host's
    listed = mdevctl(root, "list", "--defined")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        f"{ACTIVE} 0.0.0141 {TYPE} auto (active)",
        f"{DEFINED_AUTO} 0.0.0142 {TYPE} auto",
        f"{DEFINED_MANUAL} 0.0.0144 {TYPE} manual",
    ]


# --- the protocol as the real 1.4 speaks it ------------------------------------------

@pytest.fixture
def spied(make_tree, tmp_path, callout_bin):
    """(root, log): a rules-ccw tree whose installed callout records every call."""
    root = make_tree("rules-ccw", tmp_path)
    log = tmp_path / "callout-calls.log"
    install_callout(root, callout_bin, spy_log=log)
    return root, log


def test_define_protocol_and_capabilities_accepted(mdevctl, spied):
    """define: get capabilities (1.4 sends version 2 and 'live'), then pre and post, each
    exactly once although the callout is installed in both directories; mdevctl 1.4
    accepts the answer as a versioned script (its debug log says so)."""
    root, log = spied
    proc = mdevctl(root, "define", "-u", UUID, "-p", "0.0.0140", "-t", TYPE,
                   env={"MDEVCTL_LOG": "debug"})
    assert proc.returncode == 0, proc.stderr
    calls = spy_calls(log)
    assert [argv for argv, _ in calls] == [
        args_of(UUID, "0.0.0140", "get", "capabilities"),
        args_of(UUID, "0.0.0140", "pre", "define"),
        args_of(UUID, "0.0.0140", "post", "define", "success"),
    ]
    assert json.loads(calls[0][1]) == PROVIDES
    assert json.loads(calls[1][1]) == CONFIG and json.loads(calls[2][1]) == CONFIG
    assert ("Script supports versioning: CalloutVersion { version: 2, actions: [Start, Stop, "
            "Define, Undefine, Modify, Attributes, Capabilities], events: [Pre, Post, Get] }"
            in proc.stderr), proc.stderr
    assert locks(root) == []


def test_list_active_asks_get_attributes(mdevctl, spied):
    """list (active): get capabilities, then get attributes with no stdin; mdevctl shows
    the callout's empty attribute list."""
    root, log = spied
    proc = mdevctl(root, "list", "--dumpjson")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"0.0.0141": [{ACTIVE: {"mdev_type": TYPE,
                                                                "start": "auto",
                                                                "attrs": []}}]}]
    assert spy_calls(log) == [
        (args_of(ACTIVE, "0.0.0141", "get", "capabilities"), json.dumps(PROVIDES,
                                                                          separators=(",", ":"))),
        (args_of(ACTIVE, "0.0.0141", "get", "attributes"), ""),
    ]
    text = mdevctl(root, "list")
    assert text.stdout == f"{ACTIVE} 0.0.0141 {TYPE} auto (defined)\n"


def test_define_active_device_get_attributes_between_pre_and_post(mdevctl, spied):
    """define -u of a running mdev without a definition: mdevctl takes parent and type
    from sysfs and asks get attributes between pre and post (while pre's lock is held)."""
    root, log = spied
    (root / "etc/mdevctl.d/0.0.0141" / ACTIVE).unlink()
    proc = mdevctl(root, "define", "-u", ACTIVE)
    assert proc.returncode == 0, proc.stderr
    assert [argv for argv, _ in spy_calls(log)] == [
        args_of(ACTIVE, "0.0.0141", "get", "capabilities"),
        args_of(ACTIVE, "0.0.0141", "pre", "define"),
        args_of(ACTIVE, "0.0.0141", "get", "attributes"),
        args_of(ACTIVE, "0.0.0141", "post", "define", "success"),
    ]
    assert definition(root, "0.0.0141", ACTIVE) == CONFIG
    assert locks(root) == []


def test_live_modify_is_refused_by_mdevctl(mdevctl, spied):
    """The callout does not list 'live' in supports: 1.4 refuses modify --live itself,
    without a live callout, and leaves the definition alone."""
    root, log = spied
    config = root.parent / "auto.json"
    config.write_text(json.dumps(dict(CONFIG, start="auto")))
    before = definition_text(root, "0.0.0141", ACTIVE)
    proc = mdevctl(root, "modify", "-u", ACTIVE, "--live", "--defined", "--jsonfile", config)
    assert proc.returncode != 0
    assert "does not support event 'Live'" in proc.stderr
    assert not any(" -e live " in argv for argv, _ in spy_calls(log))
    assert definition_text(root, "0.0.0141", ACTIVE) == before


# --- define ------------------------------------------------------------------------

def test_define_good_subchannel(mdevctl, root):
    proc = mdevctl(root, "define", "-u", UUID, "-p", "0.0.0140", "-t", TYPE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    # mdevctl's own file format: pretty-printed, keys mdev_type, start, attrs
    assert definition_text(root, "0.0.0140", UUID) == (
        '{\n  "mdev_type": "vfio_ccw-io",\n  "start": "manual",\n  "attrs": []\n}')
    listed = mdevctl(root, "list", "-d", "-u", UUID)
    assert listed.stdout == f"{UUID} 0.0.0140 {TYPE} manual\n"
    dump = mdevctl(root, "list", "-d", "-u", UUID, "--dumpjson")
    assert json.loads(dump.stdout) == CONFIG
    assert locks(root) == []


def test_define_generated_uuid_jsonfile_auto(mdevctl, root):
    """--jsonfile with start auto on a subchannel with a persistent vfio_ccw binding."""
    config = root.parent / "auto.json"
    config.write_text(json.dumps(dict(CONFIG, start="auto")))
    proc = mdevctl(root, "define", "-p", "0.0.0140", "--jsonfile", config)
    assert proc.returncode == 0, proc.stderr
    uuid = proc.stdout.strip()
    assert definition(root, "0.0.0140", uuid) == dict(CONFIG, start="auto")


@pytest.mark.parametrize("parent,rule,text", [
    ("0.0.0110", "ccw.qdio", "is a QDIO device"),
    ("0.0.2000", "ccw.not-a-subchannel", "sits on subchannel 0.0.0140"),   # a devno
    ("0.0.0100", "ccw.ipl-device", "IPL device"),
    ("0.0.ff40", "ccw.not-io-subchannel", "subchannel 0.0.ff40 is of type 1 (chsc)"),
    ("0.0.5555", "ccw.no-subchannel", "no subchannel 0.0.5555"),
])
def test_define_refused_with_zvfio_reason(mdevctl, root, parent, rule, text):
    proc = mdevctl(root, "define", "-u", UUID, "-p", parent, "-t", TYPE)
    assert proc.returncode == 1
    lines = unwrap_violations(proc.stderr).splitlines()
    mine = [line for line in lines
            if line.startswith(f"zvfio-callout: error: {rule}: {DEVICE[parent]}: ")]
    assert len(mine) == 1 and text in mine[0] and "(fix: " in mine[0], proc.stderr
    assert f"zvfio-callout\"' failed with status '3'" in proc.stderr
    assert definition(root, parent, UUID) is None
    assert locks(root) == []


def test_define_autostart_without_persistent_binding(mdevctl, root):
    config = root.parent / "auto.json"
    config.write_text(json.dumps(dict(CONFIG, start="auto")))
    proc = mdevctl(root, "define", "-u", UUID, "-p", "0.0.0144", "--jsonfile", config)
    assert proc.returncode == 1
    assert f"zvfio-callout: error: ccw.autostart-not-persistent: {DEVICE['0.0.0144']}: " \
        in proc.stderr
    assert definition(root, "0.0.0144", UUID) is None
    relaxed = mdevctl(root, "define", "-u", UUID, "-p", "0.0.0144", "--jsonfile", config,
                      env={"ZVFIO_ALLOW_VOLATILE_AUTOSTART": "1"})
    assert relaxed.returncode == 0, relaxed.stderr
    assert f"zvfio-callout: warning: ccw.autostart-not-persistent: {DEVICE['0.0.0144']}: " \
        in relaxed.stderr
    assert definition(root, "0.0.0144", UUID)["start"] == "auto"


def test_foreign_type_untouched(mdevctl, root):
    """vfio_ap-passthrough: the callout answers 2 to get capabilities and pre/post, so
    mdevctl picks no script and goes on."""
    proc = mdevctl(root, "define", "-u", UUID, "-p", "matrix", "-t", "vfio_ap-passthrough")
    assert proc.returncode == 0, proc.stderr
    assert "zvfio" not in proc.stderr
    assert definition(root, "matrix", UUID) == dict(CONFIG, mdev_type="vfio_ap-passthrough")
    assert locks(root) == []


# --- modify / undefine ---------------------------------------------------------------

def test_modify_auto(mdevctl, root):
    before = definition_text(root, "0.0.0144", DEFINED_MANUAL)
    refused = mdevctl(root, "modify", "-u", DEFINED_MANUAL, "--auto")
    assert refused.returncode == 1
    assert f"zvfio-callout: error: ccw.autostart-not-persistent: {DEVICE['0.0.0144']}: " \
        in refused.stderr
    assert definition_text(root, "0.0.0144", DEFINED_MANUAL) == before
    assert mdevctl(root, "define", "-u", UUID, "-p", "0.0.0140", "-t", TYPE).returncode == 0
    allowed = mdevctl(root, "modify", "-u", UUID, "--auto")
    assert allowed.returncode == 0, allowed.stderr
    assert definition(root, "0.0.0140", UUID) == dict(CONFIG, start="auto")
    undefine = mdevctl(root, "undefine", "-u", UUID)
    assert undefine.returncode == 0, undefine.stderr
    assert definition(root, "0.0.0140", UUID) is None
    assert locks(root) == []


def test_modify_addattr_refused(mdevctl, root):
    before = definition_text(root, "0.0.0144", DEFINED_MANUAL)
    proc = mdevctl(root, "modify", "-u", DEFINED_MANUAL, "--addattr", "foo", "--value", "bar")
    assert proc.returncode == 1
    assert (f"zvfio-callout: error: ccw.mdev-config: {DEVICE['0.0.0144']}: the definition has 1 "
            "attribute(s)") in unwrap_violations(proc.stderr)
    assert definition_text(root, "0.0.0144", DEFINED_MANUAL) == before


def test_force_overrides_the_veto(mdevctl, root):
    """mdevctl --force goes on despite a failed pre (its own policy); the admin still
    sees zvfio's reason, and the vetoing pre left no lock."""
    proc = mdevctl(root, "define", "--force", "-u", UUID, "-p", "0.0.0110", "-t", TYPE)
    assert proc.returncode == 0, proc.stderr
    assert f"zvfio-callout: error: ccw.qdio: {DEVICE['0.0.0110']}: " in proc.stderr
    assert "Forcing operation 'define' despite callout failure" in proc.stderr
    assert definition(root, "0.0.0110", UUID) == CONFIG
    assert locks(root) == []


# --- start / stop ----------------------------------------------------------------------

def test_start_defined_allowed(mdevctl, root):
    """pre start passes on a free vfio_ccw subchannel; mdevctl then writes the UUID to
    the type's create file (the fake sysfs does not create the device)."""
    proc = mdevctl(root, "start", "-u", DEFINED_MANUAL)
    assert proc.returncode == 0, proc.stderr
    assert create_file(root, "0.0.0144").read_text() == DEFINED_MANUAL
    assert locks(root) == []


def test_start_transient_allowed(mdevctl, root):
    proc = mdevctl(root, "start", "-p", "0.0.0140", "-t", TYPE)
    assert proc.returncode == 0, proc.stderr
    uuid = proc.stdout.strip()
    assert create_file(root, "0.0.0140").read_text() == uuid
    assert not (root / "etc/mdevctl.d/0.0.0140").exists()


@pytest.mark.parametrize("parent,rule,text", [
    ("0.0.0143", "ccw.not-vfio-bound", "is bound to no driver, not to vfio_ccw"),
    ("0.0.0103", "ccw.online", "online in the host"),
    ("0.0.0141", "ccw.no-instance", f"mdev {ACTIVE} is already running on it"),
    ("0.0.0110", "ccw.qdio", "is a QDIO device"),
    ("0.0.2000", "ccw.not-a-subchannel", "sits on subchannel 0.0.0140"),
])
def test_start_vetoed(mdevctl, root, parent, rule, text):
    proc = mdevctl(root, "start", "-u", UUID, "-p", parent, "-t", TYPE)
    assert proc.returncode == 1
    assert f"zvfio-callout: error: {rule}: {DEVICE[parent]}: " in proc.stderr
    assert text in unwrap_violations(proc.stderr)
    create = create_file(root, parent)
    assert not create.exists() or create.read_text() == ""
    assert locks(root) == []


def test_autostart_vetoed_at_boot(mdevctl, root):
    """udev's start-parent-mdevs: pre start of each auto definition; a refusal is logged
    with zvfio's reason, the good one is started."""
    bad = root / "etc/mdevctl.d/0.0.0143" / UUID
    bad.parent.mkdir()
    bad.write_text(json.dumps(dict(CONFIG, start="auto")))
    vetoed = mdevctl(root, "start-parent-mdevs", "0.0.0143")
    assert f"zvfio-callout: error: ccw.not-vfio-bound: {DEVICE['0.0.0143']}: " in vetoed.stderr
    good = mdevctl(root, "start-parent-mdevs", "0.0.0142")
    assert good.returncode == 0, good.stderr
    assert create_file(root, "0.0.0142").read_text() == DEFINED_AUTO
    assert locks(root) == []


def test_stop_is_never_vetoed(mdevctl, root):
    proc = mdevctl(root, "stop", "-u", ACTIVE)
    assert proc.returncode == 0, proc.stderr
    assert (root / "sys/bus/mdev/devices" / ACTIVE / "remove").read_text() == "1"
    assert locks(root) == []


# --- zvfio drives mdevctl 1.4 (MDEVCTL_ENV_ROOT: no mount namespace) ------------------

def test_zvfio_define_through_mdevctl14(mdevctl14, zvfio_bin, root, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mdevctl").symlink_to(mdevctl14)
    env = mdevctl_env(root, {"PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                             "ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"})
    del env["MDEVCTL_ENV_ROOT"]     # zvfio sets it from --root
    proc = subprocess.run([str(zvfio_bin), "--root", str(root), "define", "0.0.2000",
                           "--uuid", UUID], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{UUID}\n"
    assert definition(root, "0.0.0140", UUID) == CONFIG
    undefine = subprocess.run([str(zvfio_bin), "--root", str(root), "undefine", UUID],
                              capture_output=True, text=True, env=env, timeout=60)
    assert undefine.returncode == 0, undefine.stderr
    assert definition(root, "0.0.0140", UUID) is None
