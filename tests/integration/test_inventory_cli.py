"""zvfio list / show / nodedev on generated fixture trees: schema, goldens, libvirt XML."""

import copy
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import REFERENCE_DIR, REPO_ROOT, check_golden, zvfio_fixtures

SPECS_DIR = REPO_ROOT / "tests" / "fixtures" / "specs"
SCHEMA = json.loads((REPO_ROOT / "schemas" / "zvfio-list.schema.json").read_text())
NODEDEV_RNG = Path("/usr/share/libvirt/schemas/nodedev.rng")
REFERENCE_XML = REFERENCE_DIR / "libvirt-9.0-nodedev-dumpxml.xml"
S390_SPECS = sorted(p.stem for p in SPECS_DIR.glob("*.json") if p.stem != "no-css")


def tree_digest(root):
    """A digest of every path, link target and file content below ROOT."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath, name)
            h.update(str(p.relative_to(root)).encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            elif p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def load_spec(name):
    """The JSON spec NAME as a dict."""
    return json.loads((SPECS_DIR / f"{name}.json").read_text())


def split_devices(xml):
    """Split concatenated <device> documents into a list of strings."""
    return [m.group(0) + "\n" for m in re.finditer(r"<device>.*?</device>", xml, re.S)]


@pytest.mark.parametrize("spec", S390_SPECS)
def test_list_json_validates_against_schema(spec, make_tree, tmp_path, run_zvfio):
    root = make_tree(spec, tmp_path)
    res = run_zvfio("list", "--json", root=root)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    # every warning printed on stderr is also in the JSON
    assert len(data["warnings"]) == res.stderr.count("zvfio: warning:")


def test_demo_tree_list_json_validates(run_zvfio):
    res = run_zvfio("list", "--json", root=REPO_ROOT / "examples" / "demo-lpar")
    assert res.returncode == 0, res.stderr
    jsonschema.validate(json.loads(res.stdout), SCHEMA)


@pytest.mark.parametrize("spec", ["reference-bound", "all-kinds", "old-kernel", "garbage"])
def test_list_goldens(spec, make_tree, tmp_path, run_zvfio):
    root = make_tree(spec, tmp_path)
    table = run_zvfio("list", root=root)
    assert table.returncode == 0, table.stderr
    check_golden(f"list/{spec}.txt", table.stdout)
    check_golden(f"list/{spec}.stderr", table.stderr)
    js = run_zvfio("list", "--json", root=root)
    check_golden(f"list/{spec}.json", js.stdout)


def test_list_kinds_filter(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    ccw = json.loads(run_zvfio("list", "ccw", "--json", root=root).stdout)
    pci = json.loads(run_zvfio("list", "pci", "--json", root=root).stdout)
    assert ccw["pci_functions"] == [] and len(ccw["subchannels"]) > 0
    assert pci["subchannels"] == [] and len(pci["pci_functions"]) > 0
    bad = run_zvfio("list", "scsi", root=root)
    assert bad.returncode == 2 and "unknown kind 'scsi'" in bad.stderr


def test_all_kinds_model(make_tree, tmp_path, run_zvfio):
    """Key facts of the all-kinds tree, asserted one by one (not only via goldens)."""
    root = make_tree("all-kinds", tmp_path)
    data = json.loads(run_zvfio("list", "--json", root=root).stdout)
    sch = {s["id"]: s for s in data["subchannels"]}
    assert sch["0.0.0120"]["qdio"] is True and sch["0.0.0120"]["device"]["cutype"] == "1731/01"
    assert sch["0.0.0100"]["qdio"] is False
    assert sch["0.0.0100"]["device"]["devtype"] == "3390/0c"
    assert sch["0.0.ff40"]["type"] == 1 and sch["0.0.ff40"]["driver"] == "chsc_subchannel"
    assert sch["0.0.ff00"]["type"] == 3 and sch["0.0.ff00"]["type_name"] == "adm"
    assert sch["0.0.ff80"]["type"] == 2 and sch["0.0.ff80"]["driver"] is None
    assert sch["0.0.0140"]["driver"] is None and sch["0.0.0140"]["device"] is None
    assert sch["0.1.0000"]["device"]["devno"] == "0.1.0005" and sch["0.1.0000"]["ssid"] == 1
    active = sch["0.0.0141"]["mdevs"][0]
    assert active["active"] and active["defined"] and active["start"] == "auto"
    defined = sch["0.0.0142"]["mdevs"][0]
    assert not defined["active"] and defined["defined"] and defined["start"] == "manual"
    assert sch["0.0.0143"]["mdevs"] == []
    pci = {p["fid"]: p for p in data["pci_functions"]}
    assert pci[0x10]["ism"] and pci[0x10]["pft_name"] == "ISM" and pci[0x10]["mio_enabled"] is False
    assert pci[0x11]["ism"] and pci[0x11]["mio_enabled"] is True
    assert pci[0x20]["pft"] == 0x0a and not pci[0x20]["ism"]
    assert pci[0x30]["pft_name"] == "NVMe"
    assert pci[0x10]["uid_is_unique"] is False
    assert 0x40 not in pci   # a standby slot has no PCI function (yet) ...
    # ... and is listed with its power state (issue 21 §4)
    assert data["standby_functions"] == [{"fid": 0x40, "slot": "00000040", "slot_power": False}]
    assert any("not a subchannel of this host" in w for w in data["warnings"])


def test_ccw_types_come_from_one_uevent_read(make_tree, tmp_path, run_zvfio):
    """The control unit and device type/model of a ccw device are read from its uevent
    (one file for two, issue 13); the cutype and devtype attributes only when the uevent
    lacks them. Here the attributes say something else, so the output tells which was read."""
    root = make_tree("all-kinds", tmp_path)
    dasd = next(root.glob("sys/devices/css0/0.0.0100/0.0.*/cutype")).parent
    osa = next(root.glob("sys/devices/css0/0.0.0120/0.0.*/cutype")).parent
    for dev in (dasd, osa):
        (dev / "cutype").write_text("aaaa/aa\n")
        (dev / "devtype").write_text("bbbb/bb\n")
    (osa / "uevent").write_text("DRIVER=qeth\nMODALIAS=ccw:t1731m01dt1732dm01\n")
    data = json.loads(run_zvfio("list", "--json", root=root).stdout)
    sch = {s["id"]: s for s in data["subchannels"]}
    assert sch["0.0.0100"]["device"]["cutype"] == "3990/e9"       # uevent CU_TYPE=3990 CU_MODEL=E9
    assert sch["0.0.0100"]["device"]["devtype"] == "3390/0c"
    assert sch["0.0.0120"]["device"]["cutype"] == "aaaa/aa"       # no CU_ lines: the attributes
    assert sch["0.0.0120"]["device"]["devtype"] == "bbbb/bb"


@pytest.mark.parametrize("ident, expect_sch", [
    ("0.1.0005", "0.1.0000"),
    ("ccw:0.1.0005", "0.1.0000"),
    ("sch:0.1.0000", "0.1.0000"),
    ("0.3.ffff", "0.3.0000"),
    ("11111111-2222-3333-4444-555555555555", "0.0.0001"),
    ("0.0.0001", "0.0.0001"),
])
def test_show_resolves_subchannel(ident, expect_sch, make_tree, tmp_path, run_zvfio):
    root = make_tree("reference-bound", tmp_path)
    res = run_zvfio("show", ident, "--json", root=root)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    jsonschema.validate(data, SCHEMA)
    assert [s["id"] for s in data["subchannels"]] == [expect_sch]
    text = run_zvfio("show", ident, root=root)
    assert text.stdout.startswith(f"Subchannel {expect_sch}\n")


@pytest.mark.parametrize("ident, golden", [
    ("0.1.0005", "show/devno-set1.txt"),
    ("11111111-2222-3333-4444-555555555555", "show/mdev.txt"),
    ("fid:0x100", "show/fid.txt"),
    ("0005:00:00.0", "show/pci.txt"),
])
def test_show_goldens(ident, golden, make_tree, tmp_path, run_zvfio):
    root = make_tree("reference-bound", tmp_path)
    res = run_zvfio("show", ident, root=root)
    assert res.returncode == 0, res.stderr
    assert "(null)" not in res.stdout   # the kernel's "(null)" override prints as "none"
    check_golden(golden, res.stdout)


def test_show_ism_and_definitions(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    res = run_zvfio("show", "fid:0x10", root=root)
    assert res.returncode == 0, res.stderr
    check_golden("show/ism.txt", res.stdout)
    res = run_zvfio("show", "0.0.2002", root=root)
    assert "mdev 6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e02" in res.stdout
    assert "Defined:             yes (start manual)" in res.stdout


def test_standby_function_is_named_with_how_to_configure_it(make_tree, tmp_path, run_zvfio):
    """fid 0x40 of all-kinds has a hotplug slot with power 0 and no PCI function."""
    root = make_tree("all-kinds", tmp_path)
    assert (Path(root) / "sys/bus/pci/slots/00000040/power").read_text() == "0\n"
    listed = run_zvfio("list", "pci", root=root)
    assert listed.returncode == 0, listed.stderr
    row = next(l for l in listed.stdout.splitlines() if "0x00000040" in l)
    assert row.split() == ["-", "0x00000040", "-", "-", "(standby)", "-", "-", "-", "-",
                           "standby"]
    for command in ("show", "check", "prepare"):
        res = run_zvfio(command, "fid:0x40", root=root)
        assert res.returncode == 4, res.stderr
        assert res.stderr == ("zvfio: zPCI function with fid 0x00000040 is in standby (slot "
                              "00000040, power 0); configure it first: echo 1 > "
                              "/sys/bus/pci/slots/00000040/power\n")


@pytest.mark.parametrize("args, code, message", [
    (["show", "0.2.1234"], 4, "zvfio: no ccw device 0.2.1234\n"),
    (["show", "fid:0x999"], 4, "zvfio: no zPCI function with fid 0x00000999\n"),
    (["show", "99999999-2222-3333-4444-555555555555"], 4,
     "zvfio: no vfio-ccw mdev 99999999-2222-3333-4444-555555555555 (neither active nor defined)\n"),
    (["show", "../../etc/passwd"], 2, None),
    (["show"], 2, "zvfio: show: expected exactly one ID\n"),
    (["frobnicate"], 2, "zvfio: unknown command 'frobnicate' (see 'zvfio help')\n"),
    (["nodedev", "0009:00:00.0"], 4, "zvfio: no zPCI function 0009:00:00.0\n"),
    (["nodedev", "pci_0009_00_00_0"], 4, "zvfio: no zPCI function 0009:00:00.0\n"),
])
def test_errors_are_one_line_and_change_nothing(args, code, message, make_tree, tmp_path, run_zvfio):
    root = make_tree("reference-bound", tmp_path)
    before = tree_digest(root)
    res = run_zvfio(*args, root=root)
    assert res.returncode == code
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("zvfio: ")
    if message:
        assert res.stderr == message
    assert tree_digest(root) == before


def test_not_s390(make_tree, tmp_path, run_zvfio):
    root = make_tree("no-css", tmp_path)
    for args in (["list"], ["show", "0.0.1234"], ["nodedev"]):
        res = run_zvfio(*args, root=root)
        assert res.returncode == 5, res.stderr
        assert "not an s390" in res.stderr and "--root" in res.stderr
    # a PCI-only listing works without a css bus
    assert run_zvfio("list", "pci", root=root).returncode == 0


def test_root_from_environment(make_tree, tmp_path, run_zvfio):
    root = make_tree("reference-bound", tmp_path)
    res = run_zvfio("show", "0.1.0005", env={"ZVFIO_ROOT": str(root)})
    assert res.returncode == 0 and "Subchannel 0.1.0000" in res.stdout


def xmllint_nodedev(xml, tmp_path):
    """Validate one <device> document against libvirt's installed nodedev.rng."""
    f = tmp_path / "dev.xml"
    f.write_text(xml)
    res = subprocess.run(["xmllint", "--noout", "--relaxng", str(NODEDEV_RNG), str(f)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr + xml


@pytest.mark.parametrize("spec", ["reference-bound", "all-kinds"])
def test_nodedev_validates_against_libvirt_rng(spec, make_tree, tmp_path, run_zvfio):
    root = make_tree(spec, tmp_path)
    res = run_zvfio("nodedev", root=root)
    assert res.returncode == 0, res.stderr
    # one well-formed <devices> document holding every <device> (issue 12 §6)
    whole = tmp_path / "all.xml"
    whole.write_text(res.stdout)
    wf = subprocess.run(["xmllint", "--noout", str(whole)], capture_output=True, text=True)
    assert wf.returncode == 0, wf.stderr
    assert res.stdout.startswith("<devices>\n<device>") and res.stdout.endswith("</devices>\n")
    devices = split_devices(res.stdout)
    assert len(devices) >= 5
    for dev in devices:
        xmllint_nodedev(dev, tmp_path)
    check_golden(f"nodedev/{spec}.xml", res.stdout)


def reference_devices():
    """The three <device> documents libvirt 9.0 printed on the real kernel."""
    return split_devices(REFERENCE_XML.read_text())


def test_nodedev_equals_libvirt_output(tmp_path, run_zvfio):
    """Byte-for-byte equality with libvirt's own dumpxml of the same devices."""
    ref = reference_devices()
    initial = zvfio_fixtures.build_tree(load_spec("reference-initial"), tmp_path / "initial")
    res = run_zvfio("nodedev", "css_0_0_0001", root=initial)
    assert res.stdout == ref[0]

    bound_spec = load_spec("reference-bound")
    no_mdev = copy.deepcopy(bound_spec)
    for s in no_mdev["subchannels"]:
        s.pop("mdev", None)
    bound = zvfio_fixtures.build_tree(no_mdev, tmp_path / "bound")
    res = run_zvfio("nodedev", "sch:0.0.0001", root=bound)
    assert res.stdout == ref[1]

    with_mdev = copy.deepcopy(bound_spec)
    for s in with_mdev["subchannels"]:
        if "mdev" in s:
            s["mdev"] = {"uuid": s["mdev"], "iommu_group": 1}
    active = zvfio_fixtures.build_tree(with_mdev, tmp_path / "active")
    res = run_zvfio("nodedev", "11111111-2222-3333-4444-555555555555", root=active)
    assert res.stdout == ref[2]
    res = run_zvfio("nodedev", "mdev_11111111_2222_3333_4444_555555555555_0_0_0001", root=active)
    assert res.stdout == ref[2]


def test_nodedev_defined_mdev_as_libvirtd_prints_it(make_tree, tmp_path, run_zvfio):
    """A defined mdev that is not started: libvirt 9.0's libvirtd prints no path and no
    driver, and <iommuGroup number='0'/> (its group number is never set). Seen in the
    emulated mainframe (tests/vm scenario libvirt-nodedev compares both sides)."""
    root = make_tree("all-kinds", tmp_path)
    res = run_zvfio("nodedev", "mdev_6f0c1f0e_8b1c_4d1a_9c1e_0a0b0c0d0e02_0_0_0142", root=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout == """<device>
  <name>mdev_6f0c1f0e_8b1c_4d1a_9c1e_0a0b0c0d0e02_0_0_0142</name>
  <parent>css_0_0_0142</parent>
  <capability type='mdev'>
    <type id='vfio_ccw-io'/>
    <uuid>6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e02</uuid>
    <parent_addr>0.0.0142</parent_addr>
    <iommuGroup number='0'/>
  </capability>
</device>
"""


def test_nodedev_several_ids_make_one_document(make_tree, tmp_path, run_zvfio):
    """Several IDs: one <devices> document (xmllint accepts it) with each <device>
    exactly as the single-ID form prints it; one bad ID prints nothing."""
    root = make_tree("all-kinds", tmp_path)
    ids = ["css_0_0_0141", "0.0.1000", "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e02"]
    res = run_zvfio("nodedev", *ids, root=root)
    assert res.returncode == 0, res.stderr
    f = tmp_path / "several.xml"
    f.write_text(res.stdout)
    wf = subprocess.run(["xmllint", "--noout", str(f)], capture_output=True, text=True)
    assert wf.returncode == 0, wf.stderr + res.stdout
    singles = "".join(run_zvfio("nodedev", i, root=root).stdout for i in ids)
    assert res.stdout == "<devices>\n" + singles + "</devices>\n"
    bad = run_zvfio("nodedev", ids[0], "css_0_0_9999", root=root)
    assert bad.returncode == 4 and bad.stdout == ""


def test_nodedev_refuses_what_libvirt_does_not_list(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    chsc = run_zvfio("nodedev", "sch:0.0.ff40", root=root)
    assert chsc.returncode == 4 and "chsc_subchannel" in chsc.stderr
    offline = run_zvfio("nodedev", "0.0.1003", root=root)
    assert offline.returncode == 4 and "offline" in offline.stderr
