"""Crash consistency of the mdev operations with two steps (issue 14): `zvfio define ID
--start` (mdevctl define, then mdevctl start) and `zvfio attach DOMAIN ID --define`
(mdevctl define, then the libvirt change) write /run/zvfio/mdev/<uuid>.json before
their first change and advance it per step (src/lib/actions/zv-mdev-intent.h).

With a -Dfault_injection=true build, every write step (record writes, each mdevctl
run, the libvirt change) is a fault point: the operation is killed there
(ZVFIO_FAULT_AT), then recovered by `repair UUID`, `repair --all` or the same command
run again, taking turns. Afterwards the host is exactly as before: no definition left
in <root>/etc/mdevctl.d, /sys unchanged (no mdev), no record, the domain unchanged.
The one exception is the record update right after `mdevctl define` returned: killed
there, the record holds no proof that the definition is the operation's (issue 20
§5), so every recovery keeps the definition and the record (exit 1, saying how on);
the admin's `mdevctl undefine -u U -p P` and `repair U` then bring the host back.
The real mdevctl runs in its namespace (mdevctl-ns.sh); the fixture root has no mdev
parent in the real /sys, so mdevctl start fails there and define --start takes its
definition back (the started mdev is the emulated-mainframe tier's). libvirt is the
test driver, whose state lives per connection: a repair never sees an attach of the
killed run, so every repair ends with the definition removed, and a re-run settles
the killed run's record, then attaches again (one new definition, no record); the
finished-attach case is a domain that holds the mdev in the driver's node file."""

import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LIBVIRT_DATA, host_state, MDEVCTL_NS
from install_info import build_options

UUID = "7e270a25-e163-4922-af60-757fc8ed48ca"
MDEV_ACTIVE = "8e37ee90-2b51-45e3-9b25-bf8283c03110"   # held by 'holder' in node.xml
ENV = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}


@pytest.fixture(scope="module")
def fault_build(build_dir):
    if not build_options(build_dir).get("fault_injection"):
        pytest.fail(f"{build_dir} is not built with -Dfault_injection=true")
    return build_dir


def definitions(root):
    base = Path(root) / "etc" / "mdevctl.d"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                  if p.is_file() and "scripts.d" not in p.parts)


def records(root):
    base = Path(root) / "run" / "zvfio" / "mdev"
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def observed(root):
    """What must come back: /sys, the definitions and the mdev records."""
    return host_state(root, ("sys",))[0], definitions(root), records(root)


def count_points(run, root, tmp_path, op):
    log = tmp_path / "points.log"
    log.unlink(missing_ok=True)
    run(root, *op, env={"ZVFIO_FAULT_LOG": str(log)})
    return log.read_text().splitlines() if log.exists() else []


def unproven(points, n):
    """True when point N is the record update right after an mdevctl define returned:
    killed there, the record holds no proof that the definition is the operation's."""
    return n >= 2 and " mdevctl define/" in points[n - 2]


def kept_then_admin_decides(run, mdevctl, root, op, before, uuid, parent):
    """Killed between mdevctl define and the proof: every recovery keeps the definition
    and the record (exit 1, saying why and how on); then the admin removes the
    definition as the message says, and repair drops the record. Returns failures."""
    failed = []
    for how, args in (("repair-uuid", ("repair", uuid)), ("repair-all", ("repair", "--all")),
                      ("rerun", op)):
        rec = run(root, *args)
        after = observed(root)
        added = sorted(set(after[1]) - set(before[1]))
        if (rec.returncode != 1 or f"mdev {uuid}: kept its definition on {parent}" not in
                rec.stderr or f"'mdevctl undefine -u {uuid} -p {parent}'" not in rec.stderr or
                after[0] != before[0] or added != [f"{parent}/{uuid}"] or
                after[2] != [f"{uuid}.json"]):
            failed.append(f"{how} (exit {rec.returncode}: {rec.stdout}{rec.stderr}): definitions "
                          f"{before[1]} -> {after[1]}, records {after[2]}")
    if mdevctl(root, "undefine", "-u", uuid, "-p", parent).returncode != 0:
        failed.append("mdevctl undefine failed")
    rec = run(root, "repair", uuid)
    if rec.returncode != 0 or observed(root) != before:
        failed.append(f"after the admin's undefine, repair (exit {rec.returncode}: "
                      f"{rec.stderr}) left {observed(root)}")
    return failed


def stopped_at_every_point(make_tree, tmp_path, zvfio, spec, op, uuid_of, extra=(),
                           rerun_adds=None, mdevctl=None, parent=None):
    """Runs OP stopped at each write step on a fresh tree, then a recovery (taking
    turns); returns (points, failures). RERUN_ADDS: the parent where a re-run that
    succeeds leaves its one new definition (the operation done again). At the
    record update right after mdevctl define (no proof yet) the definition on
    PARENT is kept instead (kept_then_admin_decides, MDEVCTL the admin's)."""
    def run(root, *args, env=None):
        return zvfio(root, *extra, *args, env=env)

    probe = make_tree(spec, tmp_path / "probe")
    points = count_points(run, probe, tmp_path, op)
    assert points, "no write step counted"
    recoveries = itertools.cycle(["repair-uuid", "repair-all", "rerun"])
    failed = []
    for n in range(1, len(points) + 1):
        root = make_tree(spec, tmp_path / f"p{n}")
        run(root, "list")   # mdevctl-ns.sh's scripts.d in place before the snapshot
        before = observed(root)
        res = run(root, *op, env={"ZVFIO_FAULT_AT": str(n)})
        if res.returncode not in (-9, 137):
            failed.append(f"point {n}: not stopped (exit {res.returncode}): {res.stderr}")
            continue
        left = records(root)
        uuid = uuid_of(left)
        if unproven(points, n):
            failed += [f"point {n} ({points[n - 1]}), unproven: {f}" for f in
                       kept_then_admin_decides(run, mdevctl, root, op, before, uuid, parent)]
            continue
        how = next(recoveries)
        if how == "repair-uuid" and uuid is not None:
            rec = run(root, "repair", uuid)
        elif how == "rerun":
            rec = run(root, *op)
        else:
            rec = run(root, "repair", "--all")
        after = observed(root)
        if how == "rerun" and rerun_adds and rec.returncode == 0:
            added = sorted(set(after[1]) - set(before[1]))
            if len(added) == 1 and added[0].startswith(rerun_adds + "/"):
                after = (after[0], before[1], after[2])
        if after != before:
            failed.append(f"point {n} ({points[n - 1]}), then {how} (exit {rec.returncode}: "
                          f"{rec.stdout}{rec.stderr}): definitions {before[1]} -> {after[1]}, "
                          f"records {before[2]} -> {after[2]}, sys same: {before[0] == after[0]}")
    return points, failed


def zvfio_in(mdevctl_ns, zvfio_bin):
    def run(root, *args, env=None):
        return mdevctl_ns(root, zvfio_bin, "--root", root, *args, env=dict(ENV, **(env or {})))
    return run


def mdevctl_in(mdevctl_ns):
    def run(root, *args):
        return mdevctl_ns(root, "mdevctl", *args)
    return run


def test_define_start_stopped_at_every_write_step(make_tree, tmp_path, mdevctl_ns, zvfio_bin,
                                                  fault_build):
    op = ("define", "sch:0.0.0144", "--uuid", UUID, "--start")
    points, failed = stopped_at_every_point(
        make_tree, tmp_path, zvfio_in(mdevctl_ns, zvfio_bin), "rules-ccw", op,
        lambda left: UUID, mdevctl=mdevctl_in(mdevctl_ns), parent="0.0.0144")
    print(f"define --start: {len(points)} points, {len(failed)} failed")
    # record, define, record (proof, step start), start, record (undo), undefine, remove
    assert len(points) >= 7, points
    assert [n for n in range(1, len(points) + 1) if unproven(points, n)] == [3], points
    assert not failed, "\n".join(failed)


def node_copy(tmp_path, name="node.xml"):
    path = tmp_path / name
    path.write_text((LIBVIRT_DATA / "node.xml").read_text())
    return path


def test_attach_define_stopped_at_every_write_step(make_tree, tmp_path, mdevctl_ns, zvfio_bin,
                                                   fault_build):
    node = node_copy(tmp_path)
    original = node.read_text()
    op = ("attach", "guest1", "0.0.0001", "--define")
    points, failed = stopped_at_every_point(
        make_tree, tmp_path, zvfio_in(mdevctl_ns, zvfio_bin), "guest-passthrough", op,
        lambda left: left[0][:-len(".json")] if left else None,
        extra=("--connect", f"test://{node}"), rerun_adds="0.0.0102",
        mdevctl=mdevctl_in(mdevctl_ns), parent="0.0.0102")
    print(f"attach --define: {len(points)} points, {len(failed)} failed")
    assert any(" mdevctl " in p for p in points) and any(" libvirt " in p for p in points)
    # record, define, record (proof), record (step libvirt), libvirt, remove
    assert [n for n in range(1, len(points) + 1) if unproven(points, n)] == [3], points
    assert not failed, "\n".join(failed)
    assert node.read_text() == original


def write_record(root, record):
    path = Path(root) / "run" / "zvfio" / "mdev" / f"{record['uuid']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict({"version": 1, "uri": None, "domain": None}, **record)))
    return path


def test_repair_of_a_finished_attach_drops_the_record(make_tree, tmp_path, run_zvfio):
    """The domain at the recorded URI has the mdev's hostdev: the attach had finished;
    the record goes, the definition stays."""
    root = make_tree("guest-passthrough", tmp_path)
    node = node_copy(tmp_path)
    path = write_record(root, {"operation": "attach-define", "uuid": MDEV_ACTIVE,
                               "parent": "0.0.0100", "step": "libvirt",
                               "uri": f"test://{node}", "domain": "holder"})
    before = host_state(root, ("sys", "etc"))[0]
    res = run_zvfio("repair", MDEV_ACTIVE, root=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout == (f"mdev {MDEV_ACTIVE}: the interrupted attach --define had finished; "
                          "dropped its record\n")
    assert not path.exists()
    assert host_state(root, ("sys", "etc"))[0] == before


def test_repair_without_libvirt_keeps_the_record(make_tree, tmp_path, run_zvfio):
    root = make_tree("guest-passthrough", tmp_path)
    path = write_record(root, {"operation": "attach-define", "uuid": UUID, "parent": "0.0.0102",
                               "step": "libvirt", "uri": f"test://{tmp_path}/missing.xml",
                               "domain": "guest1"})
    text = path.read_text()
    res = run_zvfio("repair", "--all", root=root)
    assert res.returncode == 1, res.stderr
    assert (f"zvfio: mdev {UUID}: cannot tell whether the interrupted attach --define reached "
            f"domain 'guest1' at test://{tmp_path}/missing.xml: ") in res.stderr
    assert "the record is kept" in res.stderr
    res = run_zvfio("repair", UUID, root=root)
    assert res.returncode == 8, res.stderr
    assert path.read_text() == text


def test_define_start_refuses_an_existing_uuid(make_tree, tmp_path, mdevctl_ns, zvfio_bin):
    """The record may only name what the operation creates: a UUID defined already is
    refused before anything is written (a kill later must not undefine it)."""
    root = make_tree("rules-ccw", tmp_path)
    run = zvfio_in(mdevctl_ns, zvfio_bin)
    assert run(root, "define", "sch:0.0.0144", "--uuid", UUID).returncode == 0
    before = definitions(root)
    res = run(root, "define", "sch:0.0.0140", "--uuid", UUID, "--start")
    assert res.returncode == 2, res.stderr
    assert f"mdev {UUID} is defined or running already" in res.stderr
    assert definitions(root) == before and records(root) == []


@pytest.mark.parametrize("what", ["define-start", "attach-define"])
@pytest.mark.parametrize("signo", [signal.SIGINT, signal.SIGTERM])
def test_signal_rolls_back(make_tree, tmp_path, callout_bin, zvfio_bin, what, signo):
    """SIGINT/SIGTERM while mdevctl define runs (its callout waits for the subchannel
    lock, held here by a live process): the define finishes, then the command takes it
    back as a failure does: exit 1, 'interrupted by SIGxxx', nothing left."""
    spec, parent = ("rules-ccw", "0.0.0144") if what == "define-start" \
        else ("guest-passthrough", "0.0.0102")
    root = make_tree(spec, tmp_path)
    node = node_copy(tmp_path)
    args = ["define", "sch:0.0.0144", "--uuid", UUID, "--start"] if what == "define-start" \
        else ["--connect", f"test://{node}", "attach", "guest1", "0.0.0001", "--define"]
    env = dict(os.environ, LC_ALL="C.UTF-8", **ENV)
    argv = ["/bin/sh", str(MDEVCTL_NS), str(root), str(callout_bin), str(zvfio_bin), "--root",
            str(root)] + args
    subprocess.run(argv[:4] + ["true"], env=env, check=True)   # scripts.d in place
    before = observed(root)
    lock = root / "run" / "lock" / "zvfio" / f"css-{parent}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(["sleep", "60"])
    try:
        lock.write_text(f"{holder.pid}\n")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        deadline = time.monotonic() + 20
        while records(root) == [] and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert records(root) != [], "the record was not written before mdevctl ran"
        time.sleep(0.3)
        proc.send_signal(signo)
        time.sleep(0.2)
        lock.unlink()
        out, err = proc.communicate(timeout=60)
    finally:
        holder.kill()
        holder.wait()
    name = "INT" if signo == signal.SIGINT else "TERM"
    assert proc.returncode == 1, err
    assert f"interrupted by SIG{name}" in err
    assert observed(root) == before
