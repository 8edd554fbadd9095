"""A bare 0.S.XXXX means the device number whenever that devno exists on the host
(bound to vfio_ccw or not); when it also names a different subchannel, zvfio
refuses to guess and asks for ccw: or sch:. Devno = subchannel + 0x1000 here, in
every subchannel set, as on LPARs whose devnos and subchannel numbers differ."""

import json

import pytest

SETS = [0, 1, 2, 3]


def spec():
    """Per set S: subchannel 0.S.0002 on vfio_ccw carrying devno 0.S.1002 (no ccw
    device), subchannel 0.S.1002 carrying DASD 0.S.2002, and subchannel 0.S.0003
    on vfio_ccw carrying devno 0.S.1003 with no subchannel named 0.S.1003."""
    subchannels = []
    for s in SETS:
        subchannels += [
            {"sch": f"0.{s}.0002", "devno": f"0.{s}.1002", "chpids": "40 41", "driver": "vfio_ccw"},
            {"sch": f"0.{s}.1002", "devno": f"0.{s}.2002", "chpids": "40 41",
             "dev": {"preset": "dasd", "online": 0}},
            {"sch": f"0.{s}.0003", "devno": f"0.{s}.1003", "chpids": "40 41", "driver": "vfio_ccw"},
        ]
    return {"subchannels": subchannels}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    import zvfio_fixtures
    return zvfio_fixtures.build_tree(spec(), tmp_path_factory.mktemp("ids") / "root")


def shown_subchannels(run_zvfio, root, ident):
    res = run_zvfio("show", ident, "--json", root=root)
    assert res.returncode == 0, res.stderr
    return [s["id"] for s in json.loads(res.stdout)["subchannels"]]


@pytest.mark.parametrize("s", SETS)
def test_ambiguous_bare_id_is_refused_naming_both(run_zvfio, root, s):
    for command in (["show"], ["check"], ["prepare"], ["define"], ["nodedev"]):
        res = run_zvfio(*command, f"0.{s}.1002", root=root)
        assert res.returncode == 2, (command, res.stderr)
        assert res.stderr.strip().splitlines() == [
            f"zvfio: 0.{s}.1002 is both device number 0.{s}.1002 (on subchannel 0.{s}.0002) and "
            f"subchannel 0.{s}.1002; say ccw:0.{s}.1002 for the device or sch:0.{s}.1002 for the "
            f"subchannel"], res.stderr
        assert res.stdout == ""


@pytest.mark.parametrize("s", SETS)
def test_prefixes_choose(run_zvfio, root, s):
    assert shown_subchannels(run_zvfio, root, f"ccw:0.{s}.1002") == [f"0.{s}.0002"]
    assert shown_subchannels(run_zvfio, root, f"sch:0.{s}.1002") == [f"0.{s}.1002"]


@pytest.mark.parametrize("s", SETS)
def test_bare_devno_of_a_vfio_bound_subchannel(run_zvfio, root, s):
    """No subchannel is named 0.S.1003: the devno is meant, though it has no ccw device."""
    assert shown_subchannels(run_zvfio, root, f"0.{s}.1003") == [f"0.{s}.0003"]


@pytest.mark.parametrize("s", SETS)
def test_bare_devno_with_ccw_device_and_bare_subchannel(run_zvfio, root, s):
    assert shown_subchannels(run_zvfio, root, f"0.{s}.2002") == [f"0.{s}.1002"]
    # 0.S.0002 is a subchannel name only (no devno 0.S.0002 exists)
    assert shown_subchannels(run_zvfio, root, f"0.{s}.0002") == [f"0.{s}.0002"]


def test_unknown_bare_id_is_not_found(run_zvfio, root):
    res = run_zvfio("show", "0.0.7777", root=root)
    assert res.returncode == 4
    assert "0.0.7777" in res.stderr
