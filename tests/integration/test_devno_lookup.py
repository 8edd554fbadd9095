"""Finding the subchannel of a devno without a ccw device (zv-devno-lookup.c): only
subchannels of the devno's set that are not bound to io_subchannel can hold one; each
answer is the subchannel whose dev_busid is the devno, never another device."""

import json

from conftest import zvfio_fixtures

NOT_FOUND = 4

MIXED = [
    {"sch": "0.0.0001", "devno": "0.0.2b0a", "dev": "dasd"},
    {"sch": "0.1.0001", "devno": "0.1.2b0a", "driver": "vfio_ccw"},
    {"sch": "0.2.0001", "devno": "0.2.2b0a", "driver": "none"},
    {"sch": "0.3.0001", "devno": "0.3.2b0a", "driver": "other_io_driver"},
    {"sch": "0.1.0002", "devno": "0.1.0003", "driver": "none"},
    {"sch": "0.1.0003", "devno": "0.1.0004", "driver": "vfio_ccw",
     "mdev": "7e270a25-e163-4922-af60-757fc8ed48c6"},
    {"sch": "0.1.0004", "devno": "0.1.0002", "driver": "other_io_driver"},
    {"sch": "0.2.0002", "devno": "0.2.0002", "driver": "vfio_ccw"},
    {"sch": "0.0.0005", "devno": "0.0.1005", "dev": "dasd"},
]


def show_ids(run_zvfio, root, ident):
    """(exit code, subchannel ids zvfio show --json IDENT names)."""
    res = run_zvfio("show", ident, "--json", root=root)
    if res.returncode != 0:
        return res.returncode, []
    return 0, [s["id"] for s in json.loads(res.stdout)["subchannels"]]


def test_every_devno_names_the_subchannel_holding_it(run_zvfio, tmp_path):
    """Unbound, vfio_ccw-bound, bound to another driver or io_subchannel-bound, the
    same number in several sets: each devno gives exactly its own subchannel."""
    root = zvfio_fixtures.build_tree({"subchannels": MIXED}, tmp_path / "h")
    for entry in MIXED:
        assert show_ids(run_zvfio, root, "ccw:" + entry["devno"]) == (0, [entry["sch"]]), entry


def test_devno_on_unbound_and_other_driver_subchannels(run_zvfio, tmp_path):
    """The io_subchannel driver is subtracted, the others are candidates."""
    root = zvfio_fixtures.build_tree({"subchannels": MIXED}, tmp_path / "h")
    assert show_ids(run_zvfio, root, "ccw:0.2.2b0a") == (0, ["0.2.0001"])
    assert show_ids(run_zvfio, root, "ccw:0.3.2b0a") == (0, ["0.3.0001"])
    # a devno in another set than any subchannel holding that number
    assert show_ids(run_zvfio, root, "ccw:0.3.0004")[0] == NOT_FOUND


def test_bare_id_rules_out_a_devno_on_a_subchannel_without_ccw_device(run_zvfio, tmp_path):
    """0.1.0002 is subchannel 0.1.0002 and devno 0.1.0002 (on 0.1.0004, another
    driver): zvfio refuses to guess; 0.0.0005 is only a subchannel."""
    root = zvfio_fixtures.build_tree({"subchannels": MIXED}, tmp_path / "h")
    res = run_zvfio("show", "0.1.0002", root=root)
    assert res.returncode != 0 and "say ccw:0.1.0002" in res.stderr, res.stderr
    assert show_ids(run_zvfio, root, "0.0.0005") == (0, ["0.0.0005"])


def write_hint(root, devno, sch):
    """The hint zvfio prepare leaves when it binds SCH (holding DEVNO) to vfio_ccw."""
    hints = root / "run/zvfio/devno"
    hints.mkdir(parents=True, exist_ok=True)
    (hints / devno).write_text(sch + "\n")


def test_stale_hints_are_refused(run_zvfio, tmp_path):
    """A hint naming a subchannel that holds another devno (io_subchannel-bound, vfio_ccw-
    bound) is not believed: the devno is found where it is, or not at all."""
    root = zvfio_fixtures.build_tree({"subchannels": MIXED}, tmp_path / "h")
    write_hint(root, "0.1.0003", "0.1.0003")   # 0.1.0003 holds 0.1.0004
    write_hint(root, "0.0.2b0b", "0.0.0001")   # 0.0.0001 holds 0.0.2b0a (a DASD)
    write_hint(root, "0.2.0003", "0.2.0002")   # holds 0.2.0002
    assert show_ids(run_zvfio, root, "ccw:0.1.0003") == (0, ["0.1.0002"])
    assert show_ids(run_zvfio, root, "ccw:0.0.2b0b")[0] == NOT_FOUND
    assert show_ids(run_zvfio, root, "ccw:0.2.0003")[0] == NOT_FOUND


def test_io_subchannel_without_ccw_device_yet_is_never_another_device(run_zvfio, tmp_path):
    """A subchannel bound to io_subchannel whose ccw device is not registered yet
    (between probe and registration) is not a candidate, and while its set has one,
    a devno found nowhere else is "try again" (exit 9), never "not found": a bare
    id would then name the subchannel of that number, another device (the old full
    scan found it). No other subchannel, even one without a ccw device, is taken
    for it; devnos found on candidates are found."""
    subs = [{"sch": "0.0.0010", "devno": "0.0.4711", "driver": "io_subchannel"},
            {"sch": "0.0.0011", "devno": "0.0.4712", "driver": "vfio_ccw"},
            {"sch": "0.0.0012", "devno": "0.0.4713", "driver": "none"},
            {"sch": "0.0.4711", "devno": "0.0.5000", "dev": "dasd"},
            {"sch": "0.1.0001", "devno": "0.1.4711", "dev": "dasd"}]
    root = zvfio_fixtures.build_tree({"subchannels": subs}, tmp_path / "h")
    r = run_zvfio("show", "ccw:0.0.4711", root=root)
    assert r.returncode == 9, r.stderr
    assert ("device number 0.0.4711: subchannel set 0 has subchannels bound to "
            "io_subchannel without a registered ccw device (2 bound, 1 ccw devices): the "
            "kernel is still registering devices, try again") in r.stderr
    # the bare id is not taken for subchannel 0.0.4711 (device 0.0.5000)
    r = run_zvfio("show", "0.0.4711", root=root)
    assert r.returncode == 9, (r.stdout, r.stderr)
    assert show_ids(run_zvfio, root, "ccw:0.0.4712") == (0, ["0.0.0011"])
    assert show_ids(run_zvfio, root, "ccw:0.0.4713") == (0, ["0.0.0012"])
    # another set without a pending registration: not found as before
    assert show_ids(run_zvfio, root, "ccw:0.1.4712")[0] == NOT_FOUND


def test_old_kernel_without_dev_busid(run_zvfio, tmp_path):
    """Kernels before dev_busid: a devno without a ccw device cannot be told, so it is
    not found; a ccw device's devno still is."""
    subs = [{"sch": "0.0.0010", "devno": "0.0.4711", "dev": "dasd"},
            {"sch": "0.0.0011", "devno": "0.0.4712", "driver": "vfio_ccw"}]
    root = zvfio_fixtures.build_tree({"kernel": "old", "subchannels": subs}, tmp_path / "h")
    assert show_ids(run_zvfio, root, "ccw:0.0.4711") == (0, ["0.0.0010"])
    assert show_ids(run_zvfio, root, "ccw:0.0.4712")[0] == NOT_FOUND
