"""zvfio check and zvfio rules: every ccw.*/zpci.* rule fires on its fixture and stays
silent on a clean device; messages are golden-tested; --json matches
schemas/zvfio-check.schema.json; exit 3 only for error-severity violations."""

import json
import re

import jsonschema
import pytest

from conftest import REPO_ROOT, check_golden, zvfio_fixtures

SCHEMA = json.loads((REPO_ROOT / "schemas" / "zvfio-check.schema.json").read_text())


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """The rules fixture trees, generated once for this module."""
    base = tmp_path_factory.mktemp("rules")
    return {name: zvfio_fixtures.build_tree(name, base / name)
            for name in ("rules-ccw", "rules-fcp-ipl", "rules-zpci", "rules-zpci-z13",
                         "rules-zpci-kvm", "boot-devices", "boot-devices-nvme", "all-kinds",
                         "boot-config")}


def check_json(run_zvfio, root, *args):
    """zvfio check --json ARGS: (exit code, parsed and schema-validated document)."""
    proc = run_zvfio("check", "--json", *args, root=root)
    assert proc.returncode in (0, 3), proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["ok"] == (proc.returncode == 0)
    return proc.returncode, doc


def rules_of(doc, severity=None):
    """The set of rule ids in a check document (optionally of one severity)."""
    return {v["rule"] for v in doc["violations"] if severity in (None, v["severity"])}


# (tree, device id, --op, rule, severity) that must fire ...
FIRES = [
    ("rules-ccw", "sch:0.0.ff40", "check", "ccw.not-io-subchannel", "error"),
    ("rules-ccw", "sch:0.0.ff00", "define", "ccw.not-io-subchannel", "error"),
    ("rules-ccw", "sch:0.0.ff80", "start", "ccw.not-io-subchannel", "error"),
    ("rules-ccw", "0.0.f600", "check", "ccw.qdio", "error"),
    ("rules-ccw", "0.0.1003", "check", "ccw.online", "error"),
    ("rules-ccw", "0.0.1003", "start", "ccw.online", "error"),
    ("rules-ccw", "0.0.1000", "define", "ccw.ipl-device", "error"),
    ("rules-fcp-ipl", "0.0.b100", "check", "ccw.ipl-device", "error"),
    ("boot-devices", "0.0.1000", "check", "ccw.reipl-device", "error"),
    ("boot-devices", "0.1.1001", "define", "ccw.dump-device", "error"),
    ("boot-devices", "fid:0x300", "attach", "zpci.ipl-device", "error"),
    ("boot-devices-nvme", "fid:0x301", "prepare", "zpci.reipl-device", "error"),
    ("boot-devices-nvme", "fid:0x302", "check", "zpci.dump-device", "error"),
    ("rules-ccw", "0.0.1000", "check", "ccw.in-use", "error"),
    ("rules-ccw", "0.0.1001", "check", "ccw.in-use", "error"),
    ("rules-ccw", "0.0.3001", "check", "ccw.cio-ignored", "error"),
    ("rules-ccw", "0.0.1004", "check", "ccw.cio-ignored", "warning"),
    ("rules-ccw", "0.0.2003", "start", "ccw.not-vfio-bound", "error"),
    ("rules-ccw", "0.0.1002", "attach", "ccw.not-vfio-bound", "error"),
    ("rules-ccw", "0.0.2001", "start", "ccw.no-instance", "error"),
    ("rules-ccw", "0.0.2002", "check", "ccw.autostart-not-persistent", "warning"),
    ("rules-zpci", "0011:00:00.0", "check", "zpci.ism.mio", "error"),
    ("rules-zpci", "fid:0x10", "check", "zpci.ism.driver", "error"),
    ("rules-zpci", "fid:0x13", "attach", "zpci.ism.driver", "error"),
    ("rules-zpci", "fid:0x10", "prepare", "zpci.ism.driver", "warning"),
    ("rules-zpci-z13", "fid:0x12", "attach", "zpci.ism.interpretation", "error"),
    ("rules-zpci", "fid:0x12", "attach", "zpci.ism.interpretation", "warning"),
    ("rules-zpci-kvm", "fid:0x12", "attach", "zpci.ism.interpretation", "warning"),
    ("rules-zpci", "fid:0x20", "attach", "zpci.vfio-bound", "error"),
    ("all-kinds", "0002:00:00.0", "prepare", "zpci.in-use", "error"),   # RoCE, eno32 up
    ("all-kinds", "fid:0x20", "check", "zpci.in-use", "error"),
    ("boot-config", "0.0.1234", "prepare", "ccw.boot-config", "warning"),   # zdev: online
    ("boot-config", "0.0.2000", "check", "ccw.boot-config", "warning"),     # cio_ignore=
    ("boot-config", "0.0.f501", "prepare", "ccw.boot-config", "warning"),   # zdev: CTC group
]

# ... and clean devices on which none of the listed rules may fire.
SILENT = [
    ("rules-ccw", "0.0.1002", "check"),       # offline, unused, unmounted DASD
    ("rules-ccw", "0.0.2000", "start"),       # vfio_ccw, free instance, persistent binding
    ("rules-ccw", "0.0.2000", "define"),
    ("rules-ccw", "0.0.2001", "check"),       # running autostart mdev, persistent binding
    ("rules-ccw", "0.0.2005", "start"),       # defined manual mdev, free instance
    ("rules-zpci", "fid:0x21", "attach"),     # RoCE on vfio-pci
    ("rules-zpci", "fid:0x20", "check"),      # RoCE on mlx5: fine until attach
    ("boot-config", "0.0.3000", "prepare"),   # freed on the kernel command line
    ("boot-config", "0.0.4000", "prepare"),   # freed at boot by zdev's 41-cio-ignore.rules
]


@pytest.mark.parametrize("tree,device,op,rule,severity", FIRES,
                         ids=[f"{r}-{d}-{o}" for _, d, o, r, _ in FIRES])
def test_rule_fires(run_zvfio, trees, tree, device, op, rule, severity):
    code, doc = check_json(run_zvfio, trees[tree], "--op", op, device)
    assert rule in rules_of(doc, severity), doc
    violation = next(v for v in doc["violations"] if v["rule"] == rule)
    assert violation["message"] and violation["hint"]
    assert code == (3 if rules_of(doc, "error") else 0)


@pytest.mark.parametrize("tree,device,op", SILENT, ids=[f"{d}-{o}" for _, d, o in SILENT])
def test_rule_silent_on_clean_device(run_zvfio, trees, tree, device, op):
    code, doc = check_json(run_zvfio, trees[tree], "--op", op, device)
    assert doc == {"ok": True, "violations": []}
    assert code == 0


def test_fcp_next_to_the_ipl_device_is_refused_only_as_qdio(run_zvfio, trees):
    """The FCP subchannel beside the IPL one: not the IPL device, not online, not in
    use -- only ccw.qdio fires."""
    code, doc = check_json(run_zvfio, trees["rules-fcp-ipl"], "--op", "prepare", "0.0.b200")
    assert rules_of(doc) == {"ccw.qdio"}
    assert code == 3


def test_every_listed_rule_has_a_firing_fixture(run_zvfio):
    """Each ccw.*/zpci.* rule of mine listed by 'zvfio rules' is covered by FIRES or by the
    callout tests (parent/definition rules that only the callout can trigger)."""
    proc = run_zvfio("rules", "--json")
    listed = {r["id"] for r in json.loads(proc.stdout)}
    callout_only = {"ccw.not-a-subchannel", "ccw.no-subchannel", "ccw.mdev-type",
                    "ccw.mdev-config"}
    assert set(MY_RULES) <= listed
    mine = set(MY_RULES)
    covered = {rule for _, _, _, rule, _ in FIRES} | callout_only
    assert mine <= covered, mine - covered


def test_warnings_never_fail(run_zvfio, trees):
    code, doc = check_json(run_zvfio, trees["rules-ccw"], "0.0.1004", "0.0.2002")
    assert code == 0 and doc["ok"] is True
    assert rules_of(doc) == {"ccw.cio-ignored", "ccw.autostart-not-persistent"}
    assert rules_of(doc, "error") == set()


def test_several_ids_collect_all_violations(run_zvfio, trees):
    code, doc = check_json(run_zvfio, trees["rules-ccw"], "0.0.1000", "0.0.f500", "0.0.1002")
    assert code == 3
    # each named by its devno, the subchannel in a key of its own
    assert {(v["device"], v["subchannel"]) for v in doc["violations"]} == {
        ("0.0.1000", "0.0.0100"), ("0.0.f500", "0.0.0110")}


# The ccw and zpci tables (src/lib/rules/zv-rules-ccw.c, zv-rules-zpci.c), in table order.
MY_RULES = ["ccw.no-subchannel", "ccw.not-a-subchannel", "ccw.cio-ignored",
            "ccw.not-io-subchannel", "ccw.qdio", "ccw.online", "ccw.ipl-device",
            "ccw.reipl-device", "ccw.dump-device", "ccw.in-use",
            "ccw.not-vfio-bound", "ccw.mdev-type", "ccw.mdev-config", "ccw.no-instance",
            "ccw.autostart-not-persistent", "ccw.boot-config", "zpci.in-use", "zpci.ism.mio",
            "zpci.ism.driver", "zpci.ism.interpretation", "zpci.vfio-bound", "zpci.ipl-device",
            "zpci.reipl-device", "zpci.dump-device"]

GOLDEN_CASES = [
    ("ccw-host-disk", "rules-ccw", ["0.0.1000", "0.0.1001"]),
    ("ccw-qdio-and-types", "rules-ccw", ["0.0.f500", "sch:0.0.ff00", "sch:0.0.ff40",
                                         "sch:0.0.ff80"]),
    ("ccw-start", "rules-ccw", ["--op", "start", "0.0.2001", "0.0.2003", "0.0.1003"]),
    ("ccw-cio-ignore", "rules-ccw", ["0.0.1004", "0.0.3001"]),
    ("ccw-autostart", "rules-ccw", ["0.0.2002"]),
    ("ccw-fcp-ipl", "rules-fcp-ipl", ["0.0.b100"]),
    ("ccw-clean", "rules-ccw", ["0.0.1002", "0.0.2000"]),
    ("zpci-ism", "rules-zpci", ["--op", "attach", "fid:0x10", "fid:0x11", "fid:0x12",
                                "fid:0x13", "fid:0x20"]),
    ("zpci-ism-prepare", "rules-zpci", ["--op", "prepare", "fid:0x10"]),
    ("zpci-z13", "rules-zpci-z13", ["fid:0x12"]),
]


@pytest.mark.parametrize("name,tree,args", GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_check_golden(run_zvfio, trees, name, tree, args):
    text = run_zvfio("check", *args, root=trees[tree])
    assert text.returncode in (0, 3)
    check_golden(f"check/{name}.txt", text.stdout)
    js = run_zvfio("check", "--json", *args, root=trees[tree])
    assert js.returncode == text.returncode
    jsonschema.validate(json.loads(js.stdout), SCHEMA)
    check_golden(f"check/{name}.json", js.stdout)


def test_rules_listing_golden(run_zvfio):
    proc = run_zvfio("rules")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "SUMMARY"]
    mine = [line for line in lines[2:] if line.split()[0] in MY_RULES]
    assert [line.split()[0] for line in mine] == MY_RULES
    # column widths depend on every table's longest id: compare with single gaps
    check_golden("rules/rules-ccw-zpci.txt",
                 "".join(re.sub(r"\s{2,}", "  ", line.rstrip()) + "\n" for line in mine))
    listed = json.loads(run_zvfio("rules", "--json").stdout)
    assert [r["id"] for r in listed] == [line.split()[0] for line in lines[2:]]
    assert all(r["severity"] in ("error", "warning") and r["summary"] for r in listed)
    assert len({r["id"] for r in listed}) == len(listed)


def test_check_unknown_device(run_zvfio, trees):
    proc = run_zvfio("check", "0.0.5555", root=trees["rules-ccw"])
    assert proc.returncode == 4
    assert "no ccw device 0.0.5555" in proc.stderr


def test_check_usage(run_zvfio, trees):
    root = trees["rules-ccw"]
    assert run_zvfio("check", root=root).returncode == 2
    assert run_zvfio("check", "--op", "fly", "0.0.1002", root=root).returncode == 2
    assert run_zvfio("check", "not-an-id", root=root).returncode == 2
    assert run_zvfio("rules", "extra", root=root).returncode == 2


def test_check_domain_xml(run_zvfio, trees, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<domain")
    proc = run_zvfio("check", "--domain-xml", bad, "0.0.1002", root=trees["rules-ccw"])
    assert proc.returncode == 7
    missing = run_zvfio("check", "--domain-xml", tmp_path / "nope.xml", "0.0.1002",
                        root=trees["rules-ccw"])
    assert missing.returncode != 0
    good = tmp_path / "guest.xml"
    good.write_text("""<domain type='kvm'>
  <name>guest1</name>
  <uuid>8f2ef0a4-2c2b-4b5e-9d3a-1c2d3e4f5a6b</uuid>
  <memory unit='KiB'>1048576</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type></os>
  <devices>
    <hostdev mode='subsystem' type='mdev' model='vfio-ccw'>
      <source><address uuid='6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e01'/></source>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>
    </hostdev>
  </devices>
</domain>
""")
    code, doc = check_json(run_zvfio, trees["rules-ccw"], "--domain-xml", good, "0.0.2001")
    assert code == 0, doc
