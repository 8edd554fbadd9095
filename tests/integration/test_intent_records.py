"""Intent records: scope, trust, litter (issue 21 §2).

- Scope: an mdev intent record zvfio cannot read or does not accept
  (/run/zvfio/mdev/<uuid>.json holding `{garbage`, a directory, a refused URI) names no
  subchannel zvfio can trust, so it is tied to its file name alone: `define --start`
  and `attach --define` of other mdevs go on (a note names it and says how to remove
  it); `define --uuid U`, `define --start --uuid U` and `repair U` of its own UUID
  refuse (exit 7) with that message; `repair --all` reports it and settles the others.
- Trust: the libvirt URI of an attach --define record is checked when it is written
  and when it is read (zv_mdev_intent_check_uri): no ext transport, no command=,
  netcat=, socket=, proxy=, name=, no other transport or parameter. A record that
  names one is refused, and zvfio never connects to it (before, `repair` ran the
  record's command= program as root).
- Litter: a kill between an atomic write's temporary file and its rename leaves
  `.NAME.zvfio-tmp-PID.RANDOM`; the next run that acts on such a directory
  (/run/zvfio, its bind and mdev directories, /etc/driverctl.d) removes those whose
  writer no longer runs, so does `repair --all`, which also says when there was
  nothing to do. A running writer's file is never touched.

The mdevctl tests use the real mdevctl 1.2 in its namespace (mdevctl-ns.sh) and
libvirt's test driver; the binding tests the kernel emulator; the kills are the
fault points of a -Dfault_injection=true build."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import LIBVIRT_DATA, REPO_ROOT, host_state, wrapped
from install_info import build_options

U = "5d1c7a52-7a7c-4d0b-9a57-2f3a1f0c0a11"
U2 = "5d1c7a52-7a7c-4d0b-9a57-2f3a1f0c0a12"
ENV = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}
HOOK_XML = REPO_ROOT / "tests" / "integration" / "hook"
DASD_SCH = "0.0.0200"       # 'bind' tree: DASD 0.0.3000, offline, free
ISM = "0010:00:00.0"
TEMP = re.compile(r"\.zvfio-tmp-")


@pytest.fixture(scope="module")
def fault_build(build_dir):
    if not build_options(build_dir).get("fault_injection"):
        pytest.fail(f"{build_dir} is not built with -Dfault_injection=true")
    return build_dir


@pytest.fixture
def ns(mdevctl_ns, zvfio_bin):
    """zvfio(root, *args) in the mdevctl namespace."""
    def zvfio(root, *args, env=None):
        return mdevctl_ns(root, zvfio_bin, "--root", root, *args, env=dict(ENV, **(env or {})))
    return zvfio


def record_path(root, uuid=U):
    return Path(root) / "run" / "zvfio" / "mdev" / f"{uuid}.json"


def write_record(root, uuid, content):
    path = record_path(root, uuid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def definitions(root):
    base = Path(root) / "etc" / "mdevctl.d"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                  if p.is_file() and "scripts.d" not in p.parts)


def how_to_remove(uuid):
    """The end of the message of a record zvfio cannot use: how to remove it."""
    return (f"zvfio cannot use this record and leaves it alone (and what its interrupted "
            f"define --start or attach --define made). To remove it, look for a definition "
            f"of mdev {uuid} that the interrupted run left ('mdevctl list --defined --uuid "
            f"{uuid}'; 'mdevctl undefine -u {uuid} -p PARENT' removes it), then 'rm "
            f"/run/zvfio/mdev/{uuid}.json'")


def node_copy(tmp_path):
    node = tmp_path / "node.xml"
    node.write_text((LIBVIRT_DATA / "node.xml").read_text())
    return node


# --- scope ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["{garbage", "directory"])
def test_an_unusable_record_stops_only_the_commands_of_its_uuid(make_tree, tmp_path, ns, bad):
    """One unusable record: define --start of another mdev on any subchannel gets past
    it (to mdevctl start, which fails on a fixture tree: exit 8, its definition taken
    back) and attach --define succeeds, each noting the record and how to remove it;
    the commands that name its UUID refuse, with the same message. It is never changed."""
    root = make_tree("guest-passthrough", tmp_path)
    if bad == "directory":
        record_path(root).mkdir(parents=True)
        why = f"/run/zvfio/mdev/{U}.json is not a regular file"
    else:
        write_record(root, U, bad)
        why = f"/run/zvfio/mdev/{U}.json: mdev intent record: invalid JSON"
    before = sorted(os.listdir(record_path(root).parent))
    node = node_copy(tmp_path)
    fresh = definitions(root)

    for args in (["define", "sch:0.0.0102", "--uuid", U],
                 ["define", "sch:0.0.0102", "--uuid", U, "--start"],
                 ["repair", U]):
        res = ns(root, *args)
        assert res.returncode == 7, res.stderr
        assert f"zvfio: {why}" in res.stderr, res.stderr
        assert how_to_remove(U) in res.stderr
        assert definitions(root) == fresh

    res = ns(root, "define", "sch:0.0.0102", "--uuid", U2, "--start")
    assert res.returncode == 8, res.stderr
    assert f"zvfio: note: {why}" in res.stderr
    assert how_to_remove(U) in res.stderr
    assert "mdevctl start failed" in res.stderr
    assert definitions(root) == fresh

    res = ns(root, "--connect", f"test://{node}", "attach", "guest1", "0.0.0001", "--define")
    assert res.returncode == 0, res.stderr
    assert f"zvfio: note: {why}" in res.stderr and how_to_remove(U) in res.stderr
    assert res.stdout.startswith("attached 0.0.0001 to domain 'guest1'")
    assert len(definitions(root)) == len(fresh) + 1

    assert sorted(os.listdir(record_path(root).parent)) == before
    if bad != "directory":
        assert record_path(root).read_text() == bad


def test_repair_all_reports_an_unusable_record_and_settles_the_others(make_tree, tmp_path,
                                                                      run_zvfio):
    """repair --all: the garbage record (first in order) is reported with how to remove
    it, and the next record, of a define --start killed before its mdevctl define, is
    settled all the same; exit 1, the garbage record is kept."""
    root = make_tree("rules-ccw", tmp_path)
    garbage = write_record(root, U, "{garbage")
    write_record(root, U2, {"version": 2, "operation": "define-start", "uuid": U2,
                            "parent": "0.0.0144", "step": "define", "uri": None,
                            "domain": None, "definition": None})
    res = run_zvfio("repair", "--all", root=root)
    assert res.returncode == 1, res.stderr
    assert res.stdout == f"mdev {U2}: undid an interrupted operation (what it created is gone)\n"
    assert (f"zvfio: /run/zvfio/mdev/{U}.json: mdev intent record: invalid JSON: "
            in res.stderr)
    assert how_to_remove(U) in res.stderr
    assert "repair: 1 record(s) or file(s) could not be settled" in res.stderr
    assert garbage.read_text() == "{garbage"
    assert not record_path(root, U2).exists()
    # the admin follows the message: then nothing is left to do
    garbage.unlink()
    res = run_zvfio("repair", "--all", root=root)
    assert (res.returncode, res.stderr) == (0, "")
    assert res.stdout.startswith("nothing to repair: ")


# --- trust ---------------------------------------------------------------------------

def marker_script(tmp_path):
    """A program that leaves a marker file when run; returns (script, marker)."""
    marker = tmp_path / "ran"
    script = tmp_path / "x.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\nexit 1\n")
    script.chmod(0o755)
    return script, marker


@pytest.mark.parametrize("uri, reason", [
    ("qemu+ext:///system?command={script}", "its transport 'ext' is not one zvfio connects "
     "with ('ext' runs a program)"),
    ("test+ext:///default?command={script}", "its transport 'ext' is not one"),
    ("qemu+ssh://localhost/system?command={script}", "its parameter 'command' would make "
     "libvirt run a program"),
    ("qemu+ssh://localhost/system?no_tty=1&netcat={script}", "its parameter 'netcat' would"),
], ids=["ext", "test-ext", "ssh-command", "ssh-netcat"])
def test_repair_never_runs_a_program_a_record_names(make_tree, tmp_path, run_zvfio, uri,
                                                    reason):
    """An attach --define record at its libvirt step whose URI names a program: repair
    (--all and UUID) refuses the record and never connects; the program never runs."""
    root = make_tree("guest-passthrough", tmp_path)
    script, marker = marker_script(tmp_path)
    uri = uri.format(script=script)
    path = write_record(root, U, {"version": 2, "operation": "attach-define", "uuid": U,
                                  "parent": "0.0.0102", "step": "libvirt", "uri": uri,
                                  "domain": "guest1", "definition": None})
    text = path.read_text()
    before = host_state(root, ("sys", "etc"))[0]
    for args, code in ((["repair", "--all"], 1), (["repair", U], 7)):
        res = run_zvfio(*args, root=root, env={"ZVFIO_CONNECT_TIMEOUT": "5"})
        assert not marker.exists(), f"{args}: the record's program ran: {res.stderr}"
        assert res.returncode == code, res.stderr
        assert f"zvfio: /run/zvfio/mdev/{U}.json: mdev intent record: 'uri': libvirt URI " \
            in res.stderr
        assert reason in res.stderr
        assert how_to_remove(U) in res.stderr
    assert path.read_text() == text
    assert host_state(root, ("sys", "etc"))[0] == before


def test_attach_define_refuses_a_uri_it_would_not_record(make_tree, tmp_path, ns):
    """attach --define keeps the URI in its record: one the record may not hold is
    refused (exit 2) before anything changes; one with an accepted parameter works."""
    root = make_tree("guest-passthrough", tmp_path)
    node = node_copy(tmp_path)
    original = node.read_text()
    defs = definitions(root)
    res = ns(root, "--connect", f"test://{node}?command=/bin/true", "attach", "guest1",
             "0.0.0001", "--define")
    assert res.returncode == 2, res.stderr
    assert (f"zvfio: attach --define: nothing changed: libvirt URI 'test://{node}?command="
            "/bin/true' is refused: its parameter 'command' would make libvirt run a program")\
        in res.stderr
    assert "define the mdev first ('zvfio define 0.0.0001'), then attach it" in res.stderr
    assert definitions(root) == defs
    assert not record_path(root).parent.exists() or not os.listdir(record_path(root).parent)
    assert node.read_text() == original

    res = ns(root, "--connect", f"test://{node}?no_tty=1", "attach", "guest1", "0.0.0001",
             "--define")
    assert res.returncode == 0, res.stderr
    assert len(definitions(root)) == len(defs) + 1


# --- litter --------------------------------------------------------------------------

def dead_pid():
    """A process id that no longer runs."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def plant(root, rel_dir, base, pid, content="x\n"):
    """A temporary file of writer PID for BASE in ROOT/REL_DIR, as zvfio names it."""
    path = Path(root) / rel_dir / f".{base}.zvfio-tmp-{pid}.{pid & 0xffffffff:08x}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def fault_points(zvfio_bin, root, args, tmp_path):
    """The write steps of zvfio ARGS on ROOT (run to its end), as ZVFIO_FAULT_LOG lists them."""
    log = tmp_path / "points.log"
    env = dict(os.environ, ZVFIO_FAULT_LOG=str(log), LC_ALL="C.UTF-8")
    env.pop("ZVFIO_ROOT", None)
    res = subprocess.run(wrapped([zvfio_bin, "--root", root, *args]), capture_output=True,
                         text=True, env=env)
    assert res.returncode == 0, res.stderr
    return [line.split(" ", 1)[1] for line in log.read_text().splitlines()]


def killed_at(zvfio_bin, root, args, point):
    """Runs zvfio ARGS on ROOT killed before write step POINT; returns its (dead) pid."""
    env = dict(os.environ, ZVFIO_FAULT_AT=str(point), LC_ALL="C.UTF-8")
    env.pop("ZVFIO_ROOT", None)
    proc = subprocess.Popen(wrapped([zvfio_bin, "--root", root, *args]), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert proc.wait(timeout=60) in (-9, 137)
    return proc.pid


@pytest.mark.parametrize("write", [
    "replace /run/zvfio/bind/css-0.0.0200.json",   # the record's first write: no record yet
    "replace /etc/driverctl.d/css-0.0.0200",       # the driverctl file, prepare's last step
])
def test_a_write_killed_after_its_temporary_file_then_release(make_tree, tmp_path, kernel,
                                                              zvfio_bin, run_zvfio,
                                                              fault_build, write):
    """prepare --persist killed at WRITE after it created the temporary file (the file a
    real kill there leaves, named by the killed run's pid), then 'release --persist':
    the host is exactly as before, no temporary file left (before: the file stayed; in
    /etc/driverctl.d it survives reboots)."""
    args = ["prepare", "--persist", "0.0.3000"]
    counted = make_tree("bind", tmp_path / "count")
    emu = kernel(counted)
    points = fault_points(zvfio_bin, counted, args, tmp_path)
    emu.idle()
    point = points.index(write) + 1

    root = make_tree("bind", tmp_path)
    before = host_state(root, ("sys", "etc", "run"))[0]
    emu = kernel(root)
    pid = killed_at(zvfio_bin, root, args, point)
    rel_dir, base = write.split(" ", 1)[1].lstrip("/").rsplit("/", 1)
    temp = plant(root, rel_dir, base, pid, "vfio_ccw\n")
    res = run_zvfio("release", "--persist", "0.0.3000", root=root)
    assert res.returncode == 0, res.stderr
    emu.idle()
    assert not temp.exists()
    after = host_state(root, ("sys", "etc", "run"))[0]
    assert [k for k in after if TEMP.search(k)] == []
    assert {k: v for k, v in after.items() if k.startswith(("sys", "etc"))} == \
        {k: v for k, v in before.items() if k.startswith(("sys", "etc"))}


def plant_everywhere(root, dirs, live_pid):
    """A dead writer's and a running writer's temporary file in each of DIRS."""
    dead = dead_pid()
    stale = [plant(root, d, "css-0.0.0999.json", dead) for d in dirs]
    live = [plant(root, d, "css-0.0.0998.json", live_pid) for d in dirs]
    return stale, live


def test_each_writer_clears_its_directory(make_tree, tmp_path, kernel, run_zvfio, run_hook,
                                          ns):
    """The next run that writes into a directory removes a dead writer's temporary files
    there (not those of a running one, here this test's own process): prepare --persist
    (bindings, driverctl), zvfio-hook (domain records), define --start (mdev records)."""
    root = make_tree("bind", tmp_path)
    emu = kernel(root)
    me = os.getpid()
    stale, live = plant_everywhere(root, ["run/zvfio/bind", "etc/driverctl.d"], me)
    res = run_zvfio("prepare", "--persist", "0.0.3000", root=root)
    assert res.returncode == 0, res.stderr
    assert [p.exists() for p in stale + live] == [False, False, True, True]

    stale, live = plant_everywhere(root, ["run/zvfio"], me)
    res = run_hook(root, "zguest", "prepare", "begin", (HOOK_XML / "ism.xml").read_text())
    assert res.returncode == 0, res.stderr
    assert [p.exists() for p in stale + live] == [False, True]
    emu.idle()

    ccw = make_tree("rules-ccw", tmp_path / "ccw")
    stale, live = plant_everywhere(ccw, ["run/zvfio/mdev"], me)
    res = ns(ccw, "define", "sch:0.0.0144", "--uuid", U, "--start")
    assert res.returncode == 8, res.stderr      # mdevctl start fails on a fixture tree
    assert [p.exists() for p in stale + live] == [False, True]


def test_repair_all_removes_dead_writers_temporary_files_and_says_when_nothing_is_left(
        make_tree, tmp_path, run_zvfio, kernel):
    """repair --all clears every directory zvfio writes through temporary files (a
    running writer's stay), naming each file; with nothing to do it says so (before:
    it printed nothing, and the files stayed)."""
    root = make_tree("bind", tmp_path)
    dirs = ["run/zvfio", "run/zvfio/bind", "run/zvfio/mdev", "run/zvfio/devno",
            "etc/driverctl.d"]
    stale, live = plant_everywhere(root, dirs, os.getpid())
    res = run_zvfio("repair", "--all", root=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    lines = res.stdout.splitlines()
    assert sorted(lines) == sorted(
        f"removed /{p.relative_to(root)}: the temporary file of a zvfio write that was killed"
        for p in stale)
    assert [p.exists() for p in stale] == [False] * len(dirs)
    assert [p.exists() for p in live] == [True] * len(dirs)
    for p in live:
        p.unlink()

    res = run_zvfio("repair", "--all", root=root)
    assert (res.returncode, res.stderr) == (0, "")
    assert res.stdout == ("nothing to repair: no record of an interrupted operation and no "
                          "temporary file of a killed one in /run/zvfio or /etc/driverctl.d\n")

    emu = kernel(root)
    assert run_zvfio("prepare", "0.0.3000", root=root).returncode == 0
    emu.idle()
    res = run_zvfio("repair", "--all", root=root)
    assert (res.returncode, res.stderr) == (0, "")
    assert res.stdout == ("nothing to repair: 1 record(s) of finished operations left alone "
                          "('zvfio release' or the domain's stop undoes them)\n")
