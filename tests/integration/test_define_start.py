"""zvfio define ID --start (issue 12 §4): defines the mdev and starts it through the
real mdevctl (Debian's 1.2, in the mdevctl namespace of tests/README.md), so libvirt
and virt-manager show it active. The start rules run before anything is written; a
start that mdevctl refuses takes the definition back (the host is as before) and
says so. The successful start needs a real mdev sysfs: the emulated-mainframe tier
covers it (tests/vm)."""

import json

import pytest

UUID = "7e270a25-e163-4922-af60-757fc8ed48c9"


@pytest.fixture
def root(make_tree, tmp_path):
    return make_tree("rules-ccw", tmp_path)


def zvfio_ns(mdevctl_ns, zvfio_bin, root, *args):
    return mdevctl_ns(root, zvfio_bin, "--root", root, *args,
                      env={"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"})


def definitions(root):
    base = root / "etc" / "mdevctl.d"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()
                  and "scripts.d" not in p.parts)


def test_failed_start_takes_the_definition_back(mdevctl_ns, zvfio_bin, root):
    """The fixture tree has no mdev_bus parent for mdevctl start: it fails, and the
    definition this command wrote is gone again."""
    before = definitions(root)
    res = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0144", "--uuid", UUID,
                   "--start")
    assert res.returncode == 8, res.stderr
    assert res.stdout == ""
    assert "zvfio: mdevctl start failed" in res.stderr
    assert (f"; the mdev {UUID} defined on 0.0.0144 by this command was undefined again "
            "(nothing changed)\n") in res.stderr
    assert definitions(root) == before


def test_without_start_the_definition_stays(mdevctl_ns, zvfio_bin, root):
    res = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0144", "--uuid", UUID)
    assert res.returncode == 0, res.stderr
    assert json.loads((root / "etc/mdevctl.d/0.0.0144" / UUID).read_text())["start"] == "manual"


def test_start_rules_refuse_before_anything_is_written(mdevctl_ns, zvfio_bin, root):
    """0.0.2001s subchannel has no free vfio_ccw-io instance: --start is refused by
    ccw.no-instance before mdevctl runs, and nothing is defined.
    """
    before = definitions(root)
    res = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "0.0.2001", "--uuid", UUID, "--start")
    assert res.returncode == 3, res.stderr
    assert "error: ccw.no-instance: 0.0.2001 (subchannel 0.0.0141): " in res.stderr
    assert "zvfio: refusing to define and start an mdev for 0.0.2001" in res.stderr
    assert definitions(root) == before


def test_a_second_define_of_one_uuid_is_refused_by_zvfio(mdevctl_ns, zvfio_bin, root):
    """define --uuid U of a UUID defined already: zvfio refuses it itself (exit 2)
    under the UUID's lock, before mdevctl runs."""
    assert zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0144",
                    "--uuid", UUID).returncode == 0
    before = definitions(root)
    res = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0144", "--uuid", UUID)
    assert res.returncode == 2, res.stderr
    assert f"zvfio: mdev {UUID} is defined already (on 0.0.0144); give another UUID" \
        in res.stderr
    assert definitions(root) == before


def test_define_of_a_uuid_waits_for_its_lock(mdevctl_ns, zvfio_bin, root):
    """Two concurrent defines of one UUID: mdevctl checks "defined already" before
    its callout takes the subchannel lock, so it let both report success. zvfio
    holds the UUID's lock from its check to the end of mdevctl define: here a live
    process holds it, and define waits, then gives up (exit 9), writing nothing."""
    import subprocess
    import time
    holder = subprocess.Popen(["sleep", "60"])
    try:
        lock = root / f"run/lock/zvfio/mdev-{UUID}.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.write_text(f"{holder.pid}\n")
        before = definitions(root)
        started = time.monotonic()
        res = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0144", "--uuid", UUID)
        assert res.returncode == 9, res.stderr
        assert f"is held by process {holder.pid}" in res.stderr
        assert 5 < time.monotonic() - started < 30
        assert definitions(root) == before
    finally:
        holder.kill()
        holder.wait()
