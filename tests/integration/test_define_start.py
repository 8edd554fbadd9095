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
    assert "error: ccw.no-instance: 0.0.0141: " in res.stderr
    assert "zvfio: refusing to define and start an mdev on 0.0.0141" in res.stderr
    assert definitions(root) == before
