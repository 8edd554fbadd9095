"""Never undo what zvfio did not create (issue 20 §5): an mdev intent record
(/run/zvfio/mdev/<uuid>.json, src/lib/actions/zv-mdev-intent.h) lets zvfio remove a definition
only when the record proves zvfio's own `mdevctl define` made it (the identity of the
definition file, written right after the define: its name, inode, size, change and
modification times and SHA-256), and zvfio never stops an mdev it cannot show it
started. Without that proof (a kill between `mdevctl define` and the record update,
a record of an older zvfio or written by hand) or when the definition is not that file
any more (someone undefined and defined the UUID again), the definition is kept and so
is the record: the command exits 1 naming the UUID and the record, and `zvfio repair`
explains the choice and how to drop the record once the admin decided. Only `repair`
and the same operation's re-run (define --start: same UUID and subchannel; attach
--define: same subchannel, domain and URI) act on a record; any other operation leaves
it alone and names it.

The real mdevctl 1.2 runs in its namespace (mdevctl-ns.sh) with zvfio-callout; the
fixture root has no mdev parent in the real /sys, so `mdevctl start` fails there."""

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import LIBVIRT_DATA, host_state
from install_info import build_options

U = "5d1c7a52-7a7c-4d0b-9a57-2f3a1f0c0a11"
OTHER = "5d1c7a52-7a7c-4d0b-9a57-2f3a1f0c0a12"
ENV = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}


@pytest.fixture(scope="module")
def fault_build(build_dir):
    if not build_options(build_dir).get("fault_injection"):
        pytest.fail(f"{build_dir} is not built with -Dfault_injection=true")
    return build_dir


@pytest.fixture
def ns(mdevctl_ns, zvfio_bin):
    """run(root, *zvfio_args, env=None) and mdevctl(root, *args) in the mdevctl namespace."""
    class Ns:
        @staticmethod
        def zvfio(root, *args, env=None):
            return mdevctl_ns(root, zvfio_bin, "--root", root, *args,
                              env=dict(ENV, **(env or {})))

        @staticmethod
        def mdevctl(root, *args):
            res = mdevctl_ns(root, "mdevctl", *args)
            assert res.returncode == 0, res.stderr
            return res
    return Ns


def definition(root, parent, uuid=U):
    return Path(root) / "etc" / "mdevctl.d" / parent / uuid


def identity(path):
    """What must not change about a definition someone else made: its file and text."""
    st = os.stat(path)
    return st.st_ino, st.st_ctime_ns, st.st_mtime_ns, path.read_text()


def record_path(root, uuid=U):
    return Path(root) / "run" / "zvfio" / "mdev" / f"{uuid}.json"


def records(root):
    base = Path(root) / "run" / "zvfio" / "mdev"
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def killed_after_record(ns, root, *op):
    """Runs OP killed at its second write step: right after its record was written,
    before its mdevctl define."""
    res = ns.zvfio(root, *op, env={"ZVFIO_FAULT_AT": "2"})
    assert res.returncode in (-9, 137), res.stderr
    assert len(records(root)) == 1


def hand_record(root, uuid, parent, version=1, **extra):
    rec = {"version": version, "operation": "define-start", "uuid": uuid, "parent": parent,
           "step": "start", "uri": None, "domain": None}
    rec.update(extra)
    path = record_path(root, uuid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec))
    return path


def kept_message(uuid, parent, why):
    """The start of the message of a kept definition, and the two ways on."""
    return (f"zvfio: mdev {uuid}: kept its definition on {parent} and the record "
            f"/run/zvfio/mdev/{uuid}.json: zvfio cannot show that the interrupted define "
            f"--start created that definition: {why}")


HOW_ON = ("If the definition should stay, drop the record: rm /run/zvfio/mdev/{u}.json; if "
          "it is the interrupted run's, remove it with 'mdevctl undefine -u {u} -p {p}', "
          "then 'zvfio repair {u}' drops the record")
NO_PROOF = "the record holds no proof of it"


def test_killed_after_its_record_then_the_admin_defines_the_uuid(make_tree, tmp_path, ns,
                                                                 fault_build):
    """define --start killed right after writing its record; the admin then runs
    'mdevctl define -u U'. define --start of another UUID on that subchannel leaves the
    record alone, the same command again and repair keep the admin's definition (exit 1,
    saying why and how on); the admin's choice then settles it."""
    root = make_tree("rules-ccw", tmp_path)
    killed_after_record(ns, root, "define", "sch:0.0.0144", "--uuid", U, "--start")
    assert not definition(root, "0.0.0144").exists()
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0144", "-t", "vfio_ccw-io")
    admins = identity(definition(root, "0.0.0144"))
    text = record_path(root).read_text()

    # another UUID on that subchannel: not this operation's record (its own definition
    # is taken back, as the failing start on this tree wants)
    res = ns.zvfio(root, "define", "sch:0.0.0144", "--uuid", OTHER, "--start")
    assert identity(definition(root, "0.0.0144")) == admins, res.stdout + res.stderr
    assert res.returncode == 8, res.stderr
    assert (f"zvfio: note: /run/zvfio/mdev/{U}.json is the record of another define --start "
            f"(of mdev {U} on 0.0.0144; interrupted or still under way); it is left for "
            f"'zvfio repair {U}'\n") in res.stderr
    assert not definition(root, "0.0.0144", OTHER).exists()
    # ... and no UUID at all (a new one)
    res = ns.zvfio(root, "define", "sch:0.0.0144", "--start")
    assert res.returncode == 8, res.stderr
    assert f"it is left for 'zvfio repair {U}'" in res.stderr

    # the same command again: the re-run; it cannot show the definition is its own
    res = ns.zvfio(root, "define", "sch:0.0.0144", "--uuid", U, "--start")
    assert identity(definition(root, "0.0.0144")) == admins, res.stdout + res.stderr
    assert res.returncode == 1, res.stderr
    assert kept_message(U, "0.0.0144", NO_PROOF) in res.stderr
    assert HOW_ON.format(u=U, p="0.0.0144") in res.stderr
    assert res.stdout == ""

    for args in (["repair", "--all"], ["repair", U]):
        res = ns.zvfio(root, *args)
        assert res.returncode == 1, res.stderr
        assert kept_message(U, "0.0.0144", NO_PROOF) in res.stderr
        assert HOW_ON.format(u=U, p="0.0.0144") in res.stderr
    # a plain define of that UUID elsewhere is refused while the record is there
    res = ns.zvfio(root, "define", "sch:0.0.0140", "--uuid", U)
    assert res.returncode == 2, res.stderr
    assert (f"zvfio: mdev {U}: /run/zvfio/mdev/{U}.json is the record of an interrupted "
            f"define --start on 0.0.0144; settle it with 'zvfio repair {U}' first, or give "
            "another UUID") in res.stderr

    assert identity(definition(root, "0.0.0144")) == admins
    assert record_path(root).read_text() == text
    assert not definition(root, "0.0.0140").exists()

    # the admin keeps the definition: the record goes as the message says
    record_path(root).unlink()
    res = ns.zvfio(root, "repair", "--all")
    assert res.returncode == 0, res.stderr
    assert identity(definition(root, "0.0.0144")) == admins


def test_admin_removes_the_definition_then_repair_drops_the_record(make_tree, tmp_path, ns,
                                                                    fault_build):
    """The other way on: the admin decides the definition is the interrupted run's and
    removes it; repair then finds nothing of the operation left and drops the record."""
    root = make_tree("rules-ccw", tmp_path)
    killed_after_record(ns, root, "define", "sch:0.0.0144", "--uuid", U, "--start")
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0144", "-t", "vfio_ccw-io")
    ns.mdevctl(root, "undefine", "-u", U, "-p", "0.0.0144")
    res = ns.zvfio(root, "repair", U)
    assert res.returncode == 0, res.stderr
    assert records(root) == []


def test_attach_define_rerun_keeps_an_unproven_definition(make_tree, tmp_path, ns,
                                                          fault_build):
    """attach --define killed right after its record; the admin defines that UUID. The
    same attach again keeps it (exit 1); an attach --define to another domain leaves the
    record alone."""
    root = make_tree("guest-passthrough", tmp_path)
    node = tmp_path / "node.xml"
    node.write_text((LIBVIRT_DATA / "node.xml").read_text())
    connect = ("--connect", f"test://{node}")
    killed_after_record(ns, root, *connect, "attach", "guest1", "0.0.0001", "--define")
    uuid = records(root)[0][:-len(".json")]
    ns.mdevctl(root, "define", "-u", uuid, "-p", "0.0.0102", "-t", "vfio_ccw-io", "--auto")
    admins = identity(definition(root, "0.0.0102", uuid))

    res = ns.zvfio(root, *connect, "attach", "guest1", "0.0.0001", "--define")
    assert identity(definition(root, "0.0.0102", uuid)) == admins, res.stdout + res.stderr
    assert res.returncode == 1, res.stderr
    assert (f"zvfio: mdev {uuid}: kept its definition on 0.0.0102 and the record "
            f"/run/zvfio/mdev/{uuid}.json: zvfio cannot show that the interrupted attach "
            f"--define created that definition: {NO_PROOF}") in res.stderr
    assert identity(definition(root, "0.0.0102", uuid)) == admins
    assert records(root) == [f"{uuid}.json"]


def test_a_refused_define_leaves_a_hand_written_record_and_its_definition(make_tree, tmp_path,
                                                                          ns):
    """A record written by hand names a UUID the admin defined; define --start on that
    subchannel (a new UUID) is refused by the rules (exit 3): the definition stays, and
    so does the record; repair keeps both."""
    root = make_tree("rules-ccw", tmp_path)
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0141", "-t", "vfio_ccw-io")
    admins = identity(definition(root, "0.0.0141"))
    path = hand_record(root, U, "0.0.0141")
    text = path.read_text()
    res = ns.zvfio(root, "define", "0.0.2001", "--start")
    assert identity(definition(root, "0.0.0141")) == admins, res.stdout + res.stderr
    assert res.returncode == 3, res.stderr
    assert "error: ccw.no-instance: 0.0.2001 (subchannel 0.0.0141): " in res.stderr
    assert f"it is left for 'zvfio repair {U}'" in res.stderr
    assert identity(definition(root, "0.0.0141")) == admins
    assert path.read_text() == text
    res = ns.zvfio(root, "repair", U)
    assert res.returncode == 1, res.stderr
    assert kept_message(U, "0.0.0141", NO_PROOF) in res.stderr
    assert identity(definition(root, "0.0.0141")) == admins
    assert path.read_text() == text


def test_a_forged_proof_is_no_proof(make_tree, tmp_path, ns):
    """A version-2 record whose proof names another file (or the right text with another
    inode) does not match the definition: kept."""
    root = make_tree("rules-ccw", tmp_path)
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0144", "-t", "vfio_ccw-io")
    path = definition(root, "0.0.0144")
    admins = identity(path)
    st = os.stat(path)
    proof = {"name": U, "inode": st.st_ino + 1, "size": st.st_size, "ctime_ns": st.st_ctime_ns,
             "mtime_ns": st.st_mtime_ns,
             "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    hand_record(root, U, "0.0.0144", version=2, definition=proof)
    res = ns.zvfio(root, "repair", U)
    assert identity(path) == admins, res.stdout + res.stderr
    assert res.returncode == 1, res.stderr
    assert kept_message(U, "0.0.0144", "it is not the file zvfio's mdevctl define made (") \
        in res.stderr
    assert identity(path) == admins
    assert records(root) == [f"{U}.json"]


def test_redefined_after_the_kill_is_kept(make_tree, tmp_path, ns, fault_build):
    """define --start killed before its mdevctl start: the record proves the definition.
    The admin undefines it and defines the UUID again (the same text): repair sees
    another file and keeps it; the proof itself still undoes zvfio's own definition
    (see test_crash_mdev.py)."""
    root = make_tree("rules-ccw", tmp_path)
    res = ns.zvfio(root, "define", "sch:0.0.0144", "--uuid", U, "--start",
                   env={"ZVFIO_FAULT_AT": "4"})
    assert res.returncode in (-9, 137), res.stderr
    rec = json.loads(record_path(root).read_text())
    made = os.stat(definition(root, "0.0.0144")).st_ino
    ns.mdevctl(root, "undefine", "-u", U)
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0144", "-t", "vfio_ccw-io")
    admins = identity(definition(root, "0.0.0144"))
    res = ns.zvfio(root, "repair", "--all")
    assert identity(definition(root, "0.0.0144")) == admins, res.stdout + res.stderr
    assert rec["version"] == 2 and rec["step"] == "start"
    assert rec["definition"]["name"] == U and rec["definition"]["inode"] == made
    assert res.returncode == 1, res.stderr
    assert kept_message(U, "0.0.0144", "it is not the file zvfio's mdevctl define made (") \
        in res.stderr
    assert identity(definition(root, "0.0.0144")) == admins
    assert records(root) == [f"{U}.json"]


def test_undo_leaves_the_uuid_on_another_subchannel_alone(make_tree, tmp_path, ns,
                                                          fault_build):
    """mdevctl lets one UUID be defined on two parents, and 'mdevctl undefine -u U'
    removes every one: the undo names the recorded parent, so the admin's definition of
    the UUID on another subchannel survives while zvfio's own (proven) goes."""
    root = make_tree("rules-ccw", tmp_path)
    res = ns.zvfio(root, "define", "sch:0.0.0144", "--uuid", U, "--start",
                   env={"ZVFIO_FAULT_AT": "4"})
    assert res.returncode in (-9, 137), res.stderr
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0140", "-t", "vfio_ccw-io")
    admins = identity(definition(root, "0.0.0140"))
    res = ns.zvfio(root, "repair", U)
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"mdev {U}: undid an interrupted operation (what it created is gone)\n"
    assert not definition(root, "0.0.0144").exists()
    assert identity(definition(root, "0.0.0140")) == admins
    assert records(root) == []


RUNNING = "8e37ee90-2b51-45e3-9b25-bf8283c03110"   # guest-passthrough: runs on 0.0.0100


def proof_of(path):
    """The proof zvfio writes for the definition file PATH (right after its define)."""
    st = os.stat(path)
    return {"name": path.name, "inode": st.st_ino, "size": st.st_size,
            "ctime_ns": st.st_ctime_ns, "mtime_ns": st.st_mtime_ns,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def test_a_proven_definition_whose_mdev_runs_had_finished(make_tree, tmp_path, run_zvfio):
    """define --start killed after its mdevctl start: the record proves the definition
    and the mdev runs on it. repair drops the record and stops nothing (the operation
    had finished); the same command again says so and prints the UUID (exit 0)."""
    root = make_tree("guest-passthrough", tmp_path)
    proof = proof_of(definition(root, "0.0.0100", RUNNING))
    before = host_state(root, ("sys", "etc"))[0]
    for args in (["repair", RUNNING], ["define", "sch:0.0.0100", "--uuid", RUNNING, "--start"]):
        hand_record(root, RUNNING, "0.0.0100", version=2, definition=proof)
        res = run_zvfio(*args, root=root)
        assert res.returncode == 0, res.stderr
        assert res.stdout.startswith(f"mdev {RUNNING}: the interrupted define --start had "
                                     "finished (the mdev runs on the definition zvfio made); "
                                     "dropped its record\n")
        assert records(root) == []
        assert host_state(root, ("sys", "etc"))[0] == before
    assert res.stdout.endswith(f"\n{RUNNING}\n")


@pytest.mark.parametrize("record", [
    {"step": "define"},                          # proven, but start was never reached
    {"step": "start", "proof": False},           # started, but the definition not proven
    {"operation": "attach-define", "step": "define", "uri": "test:///default",
     "domain": "g1"},                            # attach --define starts nothing
], ids=["define-step", "unproven", "attach-define"])
def test_a_running_mdev_zvfio_cannot_show_it_started_is_kept(make_tree, tmp_path, run_zvfio,
                                                             record):
    root = make_tree("guest-passthrough", tmp_path)
    record = dict(record)
    proof = proof_of(definition(root, "0.0.0100", RUNNING)) if record.pop("proof", True) \
        else None
    path = hand_record(root, RUNNING, "0.0.0100", version=2, definition=proof, **record)
    text = path.read_text()
    before = host_state(root, ("sys", "etc"))[0]
    res = run_zvfio("repair", "--all", root=root)
    assert res.returncode == 1, res.stderr
    assert (f"zvfio: mdev {RUNNING}: kept the mdev running on 0.0.0100, its definition and the "
            f"record /run/zvfio/mdev/{RUNNING}.json: zvfio cannot show that the interrupted ")\
        in res.stderr
    assert f"stop it with 'mdevctl stop -u {RUNNING}'" in res.stderr
    assert path.read_text() == text
    assert host_state(root, ("sys", "etc"))[0] == before


def test_undefine_removes_the_named_subchannels_definition_only(make_tree, tmp_path, ns):
    """'zvfio undefine DEVICE' names the parent to mdevctl: the same UUID defined on another
    subchannel (mdevctl allows it) survives; 'mdevctl undefine -u U' alone removed both."""
    root = make_tree("rules-ccw", tmp_path)
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0140", "-t", "vfio_ccw-io")
    ns.mdevctl(root, "define", "-u", U, "-p", "0.0.0144", "-t", "vfio_ccw-io")
    other = identity(definition(root, "0.0.0144"))
    res = ns.zvfio(root, "undefine", "sch:0.0.0140")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{U}\n"
    assert not definition(root, "0.0.0140").exists()
    assert identity(definition(root, "0.0.0144")) == other
