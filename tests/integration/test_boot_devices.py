"""The devices the host needs for its next boot or its dump (issue 20 §2): the re-IPL
device (/sys/firmware/reipl), the stand-alone dump device (/sys/firmware/dump) and the
NVMe IPL device (/sys/firmware/ipl/fid) are refused for ccw devices and zPCI functions
by ccw.reipl-device, ccw.dump-device, zpci.ipl-device, zpci.reipl-device and
zpci.dump-device (ccw.ipl-device, the ccw IPL device, is older), in every front end,
never relaxed, and failing closed when a firmware file cannot be read. Only the block
the type names counts: the kernel keeps the others, zeroed or stale.

Fixtures: specs/boot-devices.json (NVMe IPL fid 0x300, re-IPL DASD 0.0.1000, dump DASD
0.1.1001) and specs/boot-devices-nvme.json (FCP IPL 0.0.b100, re-IPL fid 0x301, dump fid
0x302), with the same devices; variants below change their ipl/reipl/dump keys."""

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO_ROOT, host_state, unwrap_violations

SPECS = REPO_ROOT / "tests" / "fixtures" / "specs"
GOOD = json.dumps({"mdev_type": "vfio_ccw-io", "start": "manual", "attrs": []})
NEW_RULES = ["ccw.reipl-device", "ccw.dump-device", "zpci.ipl-device", "zpci.reipl-device",
             "zpci.dump-device"]
BOOT_RULES = ["ccw.ipl-device"] + NEW_RULES
# the PCI addresses of the fixtures' functions (uid = domain): fid 0x0, 0x300, 0x301, 0x302
FID0, FID300, FID301, FID302 = "0040:00:00.0", "0041:00:00.0", "0042:00:00.0", "0043:00:00.0"
MDEV_1000 = "b0070000-0000-4000-8000-000000000100"
MDEV_1001 = "b0070000-0000-4000-8000-000000000101"


def spec(name="boot-devices", **keys):
    """The spec NAME with its top-level KEYS (ipl, reipl, dump) replaced."""
    data = json.loads((SPECS / f"{name}.json").read_text())
    data.update(keys)
    return data


def rule_lines(text, rule):
    """The lines of TEXT reporting RULE."""
    return [line for line in unwrap_violations(text).splitlines() if f": {rule}: " in line]


def assert_refuses(text, rule, *needles):
    """TEXT has an error line of RULE that contains every needle."""
    lines = [line for line in rule_lines(text, rule) if "error: " in line]
    assert lines, text
    for needle in needles:
        assert needle in lines[0], lines[0]


def state(root):
    """Everything a refused operation must leave alone: sysfs, /etc and /run/zvfio."""
    return host_state(root), sorted(p for p in (Path(root) / "run").glob("**/*") if p.is_file())


# (spec, device, rule, what the message names): each new rule refusing its device, and
# the IPL types that count like their base type.
REFUSALS = [
    pytest.param(spec(), "0.0.1000", "ccw.reipl-device",
                 ["device 0.0.1000 is the host's re-IPL device", "reipl_type ccw",
                  "/sys/firmware/reipl/ccw/device"], id="ccw-reipl"),
    pytest.param(spec(), "0.1.1001", "ccw.dump-device",
                 ["device 0.1.1001 is the host's stand-alone dump device", "dump_type ccw",
                  "/sys/firmware/dump/ccw/device"], id="ccw-dump"),
    pytest.param(spec(), FID300, "zpci.ipl-device",
                 [f"zPCI function {FID300} (fid 0x00000300) is the host's IPL device",
                  "ipl_type nvme", "/sys/firmware/ipl/fid"], id="zpci-ipl"),
    pytest.param(spec("boot-devices-nvme"), FID301, "zpci.reipl-device",
                 [f"zPCI function {FID301} (fid 0x00000301)", "reipl_type nvme",
                  "/sys/firmware/reipl/nvme/fid"], id="zpci-reipl"),
    pytest.param(spec("boot-devices-nvme"), FID302, "zpci.dump-device",
                 [f"zPCI function {FID302} (fid 0x00000302)", "dump_type nvme",
                  "/sys/firmware/dump/nvme/fid"], id="zpci-dump"),
    pytest.param(spec(reipl={"type": "fcp", "fcp": {"device": "0.0.b100", "wwpn": "0x5005"}}),
                 "0.0.b100", "ccw.reipl-device",
                 ["device 0.0.b100 is the FCP device of the host's re-IPL",
                  "/sys/firmware/reipl/fcp/device"], id="ccw-reipl-fcp"),
    pytest.param(spec(reipl={"type": "eckd", "eckd": {"device": "0.0.1002"}}),
                 "0.0.1002", "ccw.reipl-device", ["reipl_type eckd",
                                                  "/sys/firmware/reipl/eckd/device"],
                 id="ccw-reipl-eckd"),
    pytest.param(spec(dump={"type": "fcp", "fcp": {"device": "0.0.b100", "lun": "0x1"}}),
                 "0.0.b100", "ccw.dump-device",
                 ["device 0.0.b100 is the FCP device of the host's stand-alone dump",
                  "/sys/firmware/dump/fcp/device"], id="ccw-dump-fcp"),
    pytest.param(spec(dump={"type": "eckd", "eckd": {"device": "0.0.1002"}}),
                 "0.0.1002", "ccw.dump-device", ["dump_type eckd"], id="ccw-dump-eckd"),
    pytest.param(spec(ipl={"type": "nvme_dump", "fid": "0x301", "nsid": 1}),
                 FID301, "zpci.ipl-device", ["ipl_type nvme_dump"], id="zpci-ipl-nvme-dump"),
    pytest.param(spec(ipl={"type": "eckd_dump", "device": "0.0.1002"}),
                 "0.0.1002", "ccw.ipl-device", ["ipl_type eckd_dump"], id="ccw-ipl-eckd-dump"),
    pytest.param(spec(ipl={"type": "fcp_dump", "device": "0.0.b100"}),
                 "0.0.b100", "ccw.ipl-device", ["ipl_type fcp_dump"], id="ccw-ipl-fcp-dump"),
]


@pytest.mark.parametrize("data, device, rule, needles", REFUSALS)
def test_check_refuses(make_tree, tmp_path, run_zvfio, data, device, rule, needles):
    """zvfio check --op prepare: exit 3, the rule's error line names the device, the type
    and the firmware file; no other boot rule speaks."""
    root = make_tree(data, tmp_path)
    r = run_zvfio("check", device, "--op", "prepare", root=root)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert_refuses(r.stdout, rule, *needles)
    assert [b for b in BOOT_RULES if rule_lines(r.stdout, b)] == [rule], r.stdout


@pytest.mark.parametrize("data, device, rule, needles", REFUSALS)
def test_prepare_refuses_without_changes(make_tree, tmp_path, run_zvfio, data, device, rule,
                                         needles):
    """zvfio prepare --offline: refused (exit 3), with the same error, and nothing below the
    root is written (--offline relaxes ccw.online, never these rules)."""
    root = make_tree(data, tmp_path)
    before = state(root)
    r = run_zvfio("prepare", "--offline", device, root=root)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert_refuses(r.stderr, rule, *needles)
    assert state(root) == before


@pytest.mark.parametrize("data, device, rule", [
    (spec(), "0.0.1000", "ccw.reipl-device"),
    (spec("boot-devices-nvme"), FID302, "zpci.dump-device"),
])
def test_force_does_not_relax(make_tree, tmp_path, run_zvfio, data, device, rule):
    """hostdev --force turns forceable errors into warnings, not these."""
    root = make_tree(data, tmp_path)
    r = run_zvfio("hostdev", device, "--force", root=root)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert_refuses(r.stderr, rule)
    assert r.stdout == ""


def test_callout_vetoes_the_reipl_device(make_tree, tmp_path, run_callout):
    """mdevctl's callout (pre define on the re-IPL DASD's subchannel) vetoes."""
    root = make_tree(spec(), tmp_path)
    r = run_callout("pre", "define", parent="0.0.0100", input=GOOD, root=root)
    assert r.returncode == 3, r.stderr
    assert_refuses(r.stderr, "ccw.reipl-device", "/sys/firmware/reipl/ccw/device")
    r = run_callout("pre", "define", parent="0.0.0102", input=GOOD, root=root)
    assert r.returncode == 0, r.stderr


def domain_xml(hostdev, metadata=""):
    """A small s390x domain 'zguest' with one HOSTDEV element."""
    return f"""<domain type='kvm'>
  <name>zguest</name>
  <uuid>5b1c0a9e-3f6d-4c1e-9a53-2d1f7f0e0b01</uuid>
  {metadata}
  <memory unit='KiB'>1048576</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-s390x</emulator>
    {hostdev}
  </devices>
</domain>"""


MDEV_HOSTDEV = """<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ccw'>
      <source><address uuid='{uuid}'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x1000'/>
    </hostdev>"""
PCI_HOSTDEV = """<hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x{domain}' bus='0x00' slot='0x00' function='0x0'/></source>
    </hostdev>"""
OFFLINE_ALLOW = ("<metadata><zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow'/>"
                 "</metadata>")


@pytest.mark.parametrize("data, hostdev, rule", [
    (spec(), MDEV_HOSTDEV.format(uuid=MDEV_1001), "ccw.dump-device"),
    (spec(), MDEV_HOSTDEV.format(uuid=MDEV_1000), "ccw.reipl-device"),
    (spec("boot-devices-nvme"), PCI_HOSTDEV.format(domain="0042"), "zpci.reipl-device"),
], ids=["ccw-dump", "ccw-reipl", "zpci-reipl"])
def test_hook_refuses_the_domain(make_tree, tmp_path, run_hook, data, hostdev, rule):
    """zvfio-hook at prepare begin refuses the guest (exit 3), even with the domain's
    offline='allow' metadata, and writes nothing (no binding, no record)."""
    root = make_tree(data, tmp_path)
    before = state(root)
    r = run_hook(root, "zguest", "prepare", "begin", domain_xml(hostdev, OFFLINE_ALLOW))
    assert r.returncode == 3, r.stderr
    assert_refuses(r.stderr, rule)
    assert state(root) == before


# What must not refuse: the blocks the type does not name (zeroed, or stale), dump_type
# none, nss/unknown, and no firmware at all.
@pytest.mark.parametrize("data, device", [
    pytest.param(spec(), "0.0.0000", id="zeroed-reipl-fcp-and-dump-fcp"),
    pytest.param(spec(), FID0, id="zeroed-dump-nvme"),
    pytest.param(spec(), "0.0.1002", id="free-dasd"),
    pytest.param(spec(), FID301, id="free-function"),
    pytest.param(spec("boot-devices-nvme"), "0.0.1000", id="stale-nothing"),
    pytest.param(spec(dump={"type": "none", "ccw": {"device": "0.1.1001"}}), "0.1.1001",
                 id="dump-none"),
    pytest.param(spec(reipl={"type": "unknown", "ccw": {"device": "0.0.1000"}}), "0.0.1000",
                 id="reipl-unknown"),
    pytest.param(spec(ipl={"type": "unknown"}), FID300, id="ipl-unknown"),
    pytest.param(spec(reipl={"type": "nvme", "ccw": {"device": "0.0.1000"},
                             "nvme": {"fid": "0x301"}}), "0.0.1000", id="reipl-elsewhere"),
    pytest.param(spec(ipl=None, reipl=None, dump=None), "0.0.1000", id="no-firmware"),
])
def test_unnamed_blocks_do_not_refuse(make_tree, tmp_path, run_zvfio, data, device):
    """check --op prepare: exit 0, no boot rule speaks."""
    root = make_tree(data, tmp_path)
    r = run_zvfio("check", device, "--op", "prepare", root=root)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert not [b for b in BOOT_RULES if rule_lines(r.stdout, b)], r.stdout


def test_stale_reipl_fcp_block_does_not_refuse(make_tree, tmp_path, run_zvfio):
    """boot-devices-nvme: reipl/fcp/device still reads 0.0.b100 (the FCP IPL device), but
    reipl_type is nvme: ccw.ipl-device refuses 0.0.b100, ccw.reipl-device does not."""
    root = make_tree(spec("boot-devices-nvme"), tmp_path)
    assert (root / "sys/firmware/reipl/fcp/device").read_text() == "0.0.b100\n"
    r = run_zvfio("check", "0.0.b100", root=root)
    assert rule_lines(r.stdout, "ccw.ipl-device") and \
        not rule_lines(r.stdout, "ccw.reipl-device"), r.stdout


# ---------------------------------------------------------------- failing closed

def replace_with_dir(path):
    path.unlink()
    path.mkdir()


def break_reipl_type(root):
    replace_with_dir(root / "sys/firmware/reipl/reipl_type")


def break_reipl_ccw_device(root):
    (root / "sys/firmware/reipl/ccw/device").write_text("0.0.zzzz\n")


def break_dump_type(root):
    (root / "sys/firmware/dump/dump_type").write_text("tape\n")


def break_dump_ccw_device(root):
    (root / "sys/firmware/dump/ccw/device").unlink()


def break_dump_nvme_fid(root):
    (root / "sys/firmware/dump/nvme/fid").write_text("0x302\n")


def break_ipl_fid(root):
    replace_with_dir(root / "sys/firmware/ipl/fid")


def break_dump_dir(root):
    shutil.rmtree(root / "sys/firmware/dump")
    (root / "sys/firmware/dump").write_text("")


# (spec, mutate, device, rule, file the error names, devices of the other bus that still pass)
FAIL_CLOSED = [
    pytest.param("boot-devices", break_reipl_type, "0.0.1002", "ccw.reipl-device",
                 "/sys/firmware/reipl/reipl_type", None, id="reipl_type-ccw"),
    pytest.param("boot-devices", break_reipl_type, FID301, "zpci.reipl-device",
                 "/sys/firmware/reipl/reipl_type", None, id="reipl_type-zpci"),
    pytest.param("boot-devices", break_reipl_ccw_device, "0.0.1002", "ccw.reipl-device",
                 "/sys/firmware/reipl/ccw/device: '0.0.zzzz' is not a device number", FID301,
                 id="reipl-ccw-device"),
    pytest.param("boot-devices", break_dump_type, "0.0.1002", "ccw.dump-device",
                 "/sys/firmware/dump/dump_type: 'tape'", None, id="dump_type"),
    pytest.param("boot-devices", break_dump_ccw_device, "0.0.1002", "ccw.dump-device",
                 "/sys/firmware/dump/ccw/device does not exist", FID301, id="dump-ccw-device"),
    pytest.param("boot-devices-nvme", break_dump_nvme_fid, FID301, "zpci.dump-device",
                 "/sys/firmware/dump/nvme/fid: '0x302' is not a function id", "0.0.1002",
                 id="dump-nvme-fid"),
    pytest.param("boot-devices", break_ipl_fid, FID301, "zpci.ipl-device",
                 "/sys/firmware/ipl/fid", "0.0.1002", id="ipl-fid"),
]


@pytest.fixture
def broken(make_tree, tmp_path):
    """Return make(spec_name, mutate) -> a fresh tree with one firmware file broken."""
    def _make(name, mutate):
        root = Path(make_tree(spec(name), tmp_path))
        mutate(root)
        return root
    return _make


def assert_fails_closed(text, rule, needle):
    line = next((l for l in unwrap_violations(text).splitlines() if f"error: {rule}: " in l), None)
    assert line is not None, text
    assert "cannot check this rule" in line and needle in line, line


@pytest.mark.parametrize("name, mutate, device, rule, needle, other", FAIL_CLOSED)
def test_check_fails_closed(broken, run_zvfio, name, mutate, device, rule, needle, other):
    """An unreadable or malformed firmware file: the rule refuses, naming the file; a
    device of the other bus, which the broken file cannot name, still passes."""
    root = broken(name, mutate)
    r = run_zvfio("check", device, "--op", "prepare", root=root)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert_fails_closed(r.stdout, rule, needle)
    if other is not None:
        r = run_zvfio("check", other, "--op", "prepare", root=root)
        assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("name, mutate, device, rule, needle, other", FAIL_CLOSED)
def test_prepare_fails_closed_without_changes(broken, run_zvfio, name, mutate, device, rule,
                                              needle, other):
    root = broken(name, mutate)
    before = state(root)
    r = run_zvfio("prepare", device, root=root)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert_fails_closed(r.stderr, rule, needle)
    assert state(root) == before


def test_unreadable_dump_dir_fails_closed(broken, run_zvfio, run_callout):
    """/sys/firmware/dump that cannot be opened (here: a file, not a directory) is not
    'no dump device': check and the callout refuse."""
    root = broken("boot-devices", break_dump_dir)
    r = run_zvfio("check", "0.0.1002", root=root)
    assert r.returncode == 3, r.stdout
    assert_fails_closed(r.stdout, "ccw.dump-device", "/sys/firmware/dump")
    r = run_callout("pre", "define", parent="0.0.0102", input=GOOD, root=root)
    assert r.returncode == 3
    assert_fails_closed(r.stderr, "ccw.dump-device", "/sys/firmware/dump")


def test_callout_and_hook_fail_closed(broken, run_callout, run_hook):
    """A malformed reipl/ccw/device: the callout vetoes and the hook refuses, naming it."""
    root = broken("boot-devices", break_reipl_ccw_device)
    r = run_callout("pre", "define", parent="0.0.0102", input=GOOD, root=root)
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stderr, "ccw.reipl-device", "/sys/firmware/reipl/ccw/device")
    before = state(root)
    mdev_1002 = "b0070000-0000-4000-8000-000000000102"
    r = run_hook(root, "zguest", "prepare", "begin",
                 domain_xml(MDEV_HOSTDEV.format(uuid=mdev_1002)))
    assert r.returncode == 3, r.stderr
    assert_fails_closed(r.stderr, "ccw.reipl-device", "/sys/firmware/reipl/ccw/device")
    assert state(root) == before


# ---------------------------------------------------------------- the rule table and docs

def test_rules_are_listed_and_documented(run_zvfio):
    """Each rule is in 'zvfio rules' as an error, in docs/rules.md and in zvfio(8)."""
    listed = {r["id"]: r for r in json.loads(run_zvfio("rules", "--json").stdout)}
    rules_md = (REPO_ROOT / "docs" / "rules.md").read_text()
    man = (REPO_ROOT / "docs" / "man" / "zvfio.8").read_text()
    for rule in BOOT_RULES:
        assert listed[rule]["severity"] == "error", rule
        assert re.search(rf"^\| `{re.escape(rule)}` \| error \| all \|", rules_md, re.M), rule
        assert f".B {rule.replace('-', chr(92) + '-')}\n" in man, rule
