"""zvfio export / apply (issue 22 §1): the desired-state document, on the kernel
emulator (kernel_emulator.KernelEmulator plays the kernel's part in binding), with
the real mdevctl in its mount namespace (mdevctl-ns.sh) and libvirt's test driver.

The test driver keeps its state per connection: every zvfio run starts from the
node file again. After an apply, the tests write back into the node file what the
run reports libvirt holds afterwards (diff.after, read back from libvirt in the
run), and the node devices as `zvfio nodedev` prints them (an mdev definition
apply made is a node device of libvirt 9.0 too): the file then stands for the
libvirt of a host that keeps its domains."""

import json
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from install_info import build_options

ENV = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}
SCHEMAS = REPO_ROOT / "schemas"

DOMAIN_XML = """  <domain type='test'>
    <name>{name}</name>
    <uuid>5b1c0a9e-3f6d-4c1e-9a53-2d1f7f0e0a{index:02x}</uuid>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
    <devices>
{hostdevs}    </devices>
  </domain>
"""
MDEV_HOSTDEV = """      <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ccw'>
        <source><address uuid='{mdev}'/></source>
        <address type='ccw' cssid='0x{c}' ssid='0x{s}' devno='0x{d}'/>
      </hostdev>
"""
PCI_HOSTDEV = """      <hostdev mode='subsystem' type='pci' managed='{managed}'>
        <source><address domain='0x{dom}' bus='0x{bus}' slot='0x{slot}' function='0x{fn}'/></source>
        <address type='pci'><zpci uid='0x{uid:04x}' fid='0x{fid:08x}'/></address>
      </hostdev>
"""


def validate(instance, schema_name):
    """Validates INSTANCE against schemas/SCHEMA_NAME (its $refs to the other schemas
    of schemas/ resolved locally, never fetched)."""
    import jsonschema
    store = {}
    for path in SCHEMAS.glob("*.schema.json"):
        doc = json.loads(path.read_text())
        store[doc["$id"]] = doc
    schema = json.loads((SCHEMAS / schema_name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    cls(schema, resolver=resolver).validate(instance)


class Host:
    """A fixture tree, the kernel emulator on it, and a libvirt test-driver node file
    whose domains (name -> list of state entries) the tests keep."""

    def __init__(self, root, tmp_path, mdevctl_ns, zvfio_bin, domains):
        self.root = root
        self.node = Path(tmp_path) / "node.xml"
        self.mdevctl_ns = mdevctl_ns
        self.zvfio_bin = zvfio_bin
        self.domains = {name: list(entries) for name, entries in domains.items()}
        self.tmp = Path(tmp_path)
        self.write_node()

    def run(self, *args, env=None):
        return self.mdevctl_ns(self.root, self.zvfio_bin, "--root", self.root, "--connect",
                               f"test://{self.node}", *args, env=dict(ENV, **(env or {})))

    def write_node(self):
        nodedev = self.mdevctl_ns(self.root, self.zvfio_bin, "--root", self.root, "nodedev")
        assert nodedev.returncode == 0, nodedev.stderr
        devices = nodedev.stdout.replace("<devices>\n", "").replace("</devices>\n", "")
        text = "<node>\n" + devices
        for index, (name, entries) in enumerate(sorted(self.domains.items())):
            hostdevs = "".join(hostdev_xml(e) for e in entries)
            text += DOMAIN_XML.format(name=name, index=index + 1, hostdevs=hostdevs)
        self.node.write_text(text + "</node>\n")

    def apply(self, doc, *options, env=None, keep=True):
        path = self.tmp / "state.json"
        path.write_text(json.dumps(doc))
        res = self.run("apply", path, "--json", *options, env=env)
        out = json.loads(res.stdout) if res.stdout.startswith("{") else None
        if out is not None:
            validate(out, "zvfio-apply.schema.json")
            if keep and "--check" not in options:
                self.keep(out)
        return res, out

    def keep(self, out):
        """Writes back what libvirt held after the run (the test driver forgets it)."""
        before = {(e["domain"], e["device"]) for e in out["diff"]["before"]["passthroughs"]}
        after = {(e["domain"], e["device"]): e for e in out["diff"]["after"]["passthroughs"]}
        for name in self.domains:
            self.domains[name] = [e for e in self.domains[name]
                                  if (name, e["device"]) not in before or
                                  (name, e["device"]) in after]
        for (name, device), entry in after.items():
            if (name, device) not in before:
                self.domains[name].append(entry)
        self.write_node()

    def export(self):
        res = self.run("export")
        assert res.returncode == 0, res.stderr
        doc = json.loads(res.stdout)
        validate(doc, "zvfio-state.schema.json")
        return doc


def hostdev_xml(entry):
    if "mdev" in entry:
        c, s, d = entry["guest_devno"].split(".")
        return MDEV_HOSTDEV.format(mdev=entry["mdev"], c=c, s=s, d=d)
    dom, bus, rest = entry["device"].split(":")
    slot, fn = rest.split(".")
    return PCI_HOSTDEV.format(managed="yes" if entry.get("managed") else "no", dom=dom, bus=bus,
                              slot=slot, fn=fn, uid=entry["zpci_uid"], fid=entry["zpci_fid"])


def driver_of(root, sch):
    link = Path(root) / "sys/bus/css/devices" / sch / "driver"
    return link.resolve().name if link.is_symlink() else None


def definitions(root):
    base = Path(root) / "etc" / "mdevctl.d"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                  if p.is_file() and "scripts.d" not in p.parts)


@pytest.fixture(scope="module")
def fault_build(build_dir):
    if not build_options(build_dir).get("fault_injection"):
        pytest.fail(f"{build_dir} is not built with -Dfault_injection=true")
    return build_dir


@pytest.fixture
def host(make_tree, tmp_path, mdevctl_ns, zvfio_bin, kernel):
    root = make_tree("bind", tmp_path)
    kernel(root)
    return Host(root, tmp_path, mdevctl_ns, zvfio_bin, {"guest1": [], "guest2": []})


WANT = {
    "version": 1,
    "passthroughs": [
        # offline DASD on io_subchannel, no mdev: prepare --persist, define (auto), attach
        {"device": "0.0.3004", "domain": "guest1", "persist": True, "autostart": True},
        # offline DASD with a manual definition: prepare, attach its mdev
        {"device": "0.0.3000", "domain": "guest2", "guest_devno": "fe.0.0100"},
    ],
    # bound to vfio_ccw by a driverctl override: released, the override removed
    # (by subchannel: the emulator registers no ccw device for it afterwards)
    "host": ["sch:0.0.0205"],
}


def test_apply_then_reapply_changes_nothing(host):
    res, out = host.apply(WANT)
    assert res.returncode == 10, res.stdout + res.stderr
    assert out["changed"] is True and out["failed"] is False
    steps = {d["device"]: [(s["step"], s["status"]) for s in d["steps"]] for d in out["devices"]}
    assert steps == {
        "0.0.3004": [("prepare", "done"), ("define", "done"), ("attach", "done")],
        "0.0.3000": [("prepare", "done"), ("attach", "done")],
        "sch:0.0.0205": [("release", "done")],
    }
    assert driver_of(host.root, "0.0.0204") == "vfio_ccw"
    assert (Path(host.root) / "etc/driverctl.d/css-0.0.0204").read_text() == "vfio_ccw\n"
    assert driver_of(host.root, "0.0.0200") == "vfio_ccw"
    assert not (Path(host.root) / "etc/driverctl.d/css-0.0.0200").exists()
    new = [e for e in out["diff"]["after"]["passthroughs"] if e["domain"] == "guest1"]
    assert len(new) == 1 and new[0]["autostart"] is True and new[0]["persist"] is True
    assert f"0.0.0204/{new[0]['mdev']}" in definitions(host.root)
    assert [e["guest_devno"] for e in out["diff"]["after"]["passthroughs"]
            if e["domain"] == "guest2"] == ["fe.0.0100"]
    assert driver_of(host.root, "0.0.0205") == "io_subchannel"
    assert not (Path(host.root) / "etc/driverctl.d/css-0.0.0205").exists()
    assert out["diff"]["after"]["host"] in (["ccw:0.0.3005"], ["sch:0.0.0205"])

    # the same document again: nothing to do, nothing written
    before = definitions(host.root)
    res, out = host.apply(WANT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert out["changed"] is False
    assert all(d["status"] == "unchanged" and d["steps"] == [] for d in out["devices"])
    assert out["diff"]["before"] == out["diff"]["after"]
    assert definitions(host.root) == before
    res = host.run("apply", host.tmp / "state.json")
    assert res.returncode == 0 and res.stdout.endswith("nothing to do (3 devices as the "
                                                       "document says)\n"), res.stdout


def test_export_then_check_has_nothing_to_do(host):
    assert host.apply(WANT)[0].returncode == 10
    doc = host.export()
    assert [(e["device"], e["domain"]) for e in doc["passthroughs"]] == [
        ("ccw:0.0.3004", "guest1"), ("ccw:0.0.3000", "guest2")]
    assert doc["host"] == []
    (host.tmp / "exported.json").write_text(json.dumps(doc))
    res = host.run("apply", host.tmp / "exported.json", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "nothing to do" in res.stdout


def test_check_changes_nothing_and_gives_each_steps_verdict(host):
    before = definitions(host.root)
    doc = {"version": 1, "passthroughs": [
        {"device": "0.0.3001", "domain": "guest1"},       # online, offline not allowed
        {"device": "0.0.3004", "domain": "guest1", "persist": True, "autostart": True}]}
    res, out = host.apply(doc, "--check")
    assert res.returncode == 3, res.stdout + res.stderr
    assert out["check"] is True and out["failed"] is True and out["changed"] is True
    refused, planned = out["devices"]
    assert refused["status"] == "refused"
    assert refused["steps"][0]["step"] == "prepare" and refused["steps"][0]["status"] == "refused"
    assert any(v["severity"] == "error" for v in refused["steps"][0]["violations"])
    assert planned["status"] == "planned"
    assert [s["step"] for s in planned["steps"]] == ["prepare", "define", "attach"]
    assert all(s["allowed"] for s in planned["steps"])
    assert definitions(host.root) == before
    assert driver_of(host.root, "0.0.0204") == "io_subchannel"


def test_a_refusal_in_the_middle_leaves_that_device_and_the_others_go_on(host):
    doc = {"version": 1, "passthroughs": [
        {"device": "0.0.3004", "domain": "guest1", "persist": True, "autostart": True},
        {"device": "0.0.3001", "domain": "guest1"},
        {"device": "0.0.3000", "domain": "guest2"}]}
    res, out = host.apply(doc)
    assert res.returncode == 3, res.stdout + res.stderr
    assert [d["status"] for d in out["devices"]] == ["changed", "refused", "changed"]
    assert driver_of(host.root, "0.0.0201") == "io_subchannel"
    assert (Path(host.root) / "sys/bus/ccw/devices/0.0.3001/online").read_text() == "1\n"
    assert "zvfio: 0.0.3001: refusing to prepare" in res.stderr
    # with offline allowed, the same document finishes the refused device only
    doc["passthroughs"][1]["offline"] = "allow"
    res, out = host.apply(doc)
    assert res.returncode == 10, res.stdout + res.stderr
    assert [d["status"] for d in out["devices"]] == ["unchanged", "changed", "unchanged"]


def test_bad_documents_change_nothing(host):
    before = definitions(host.root)
    for doc, message in [
        ({"version": 2, "passthroughs": []}, "'version' must be 1"),
        ({"version": 1, "passthroughs": [{"device": "0.0.3004"}]}, "'domain' is missing"),
        ({"version": 1, "passthroughs": [{"device": "0.0.3004", "domain": "guest1",
                                          "persist": "yes"}]}, "'persist' must be true"),
        ({"version": 1, "passthroughs": [{"device": "0.0.3004", "domain": "g", "x": 1}]},
         "unknown member 'x'"),
        ({"version": 1, "passthroughs": [{"device": "0.0.3004", "domain": "guest1"}],
          "host": ["sch:0.0.0204"]}, "once for a domain, once for the host"),
    ]:
        res, out = host.apply(doc)
        assert res.returncode == 7, (doc, res.stdout, res.stderr)
        assert message in res.stderr, (doc, res.stderr)
        assert out is None
    assert definitions(host.root) == before
    assert driver_of(host.root, "0.0.0204") == "io_subchannel"


def test_export_refuses_a_remote_uri(run_zvfio):
    """export reads driverctl overrides and binding records, which a remote host's
    libvirt does not show (apply --connect: test_remote.py)."""
    res = run_zvfio("--connect", "qemu+ssh://elsewhere.example/system", "export")
    assert res.returncode == 2, res.stderr
    assert "another host" in res.stderr


def test_killed_at_every_step_then_repair_and_reapply(make_tree, tmp_path, mdevctl_ns, zvfio_bin,
                                                      kernel, fault_build):
    """apply is killed (SIGKILL, ZVFIO_FAULT_AT) before each of its write steps (binding
    record, sysfs writes, driverctl file, mdev record, mdevctl define, the libvirt
    change); `repair --all` settles what the records say, and the same apply again
    reaches the document's state: bound with its override, one start=auto definition,
    the hostdev in the domain, no mdev record left; a further apply changes nothing."""
    doc = {"version": 1, "passthroughs": [
        {"device": "0.0.3004", "domain": "guest1", "persist": True, "autostart": True}]}

    def trial(name):
        root = make_tree("bind", tmp_path / name)
        kernel(root)
        return Host(root, tmp_path / name, mdevctl_ns, zvfio_bin, {"guest1": []})

    probe = trial("probe")
    log = tmp_path / "points.log"
    res, _ = probe.apply(doc, env={"ZVFIO_FAULT_LOG": str(log)})
    assert res.returncode == 10, res.stderr
    points = log.read_text().splitlines()
    assert any(" mdevctl define/" in p for p in points) and any(" libvirt " in p for p in points)
    failed = []
    for n in range(1, len(points) + 1):
        host = trial(f"p{n}")
        res, _ = host.apply(doc, env={"ZVFIO_FAULT_AT": str(n)})
        if res.returncode not in (-9, 137):
            failed.append(f"point {n}: not stopped (exit {res.returncode}): {res.stderr}")
            continue
        rec = host.run("repair", "--all")
        left = sorted(p.name for p in (Path(host.root) / "run/zvfio/mdev").glob("*.json"))
        if rec.returncode != 0 and left and "kept its definition on 0.0.0204" in rec.stderr:
            # killed between mdevctl define and the record's proof: the admin decides
            uuid = left[0][:-len(".json")]
            host.mdevctl_ns(host.root, "mdevctl", "undefine", "-u", uuid, "-p", "0.0.0204")
            rec = host.run("repair", uuid)
        if rec.returncode != 0:
            failed.append(f"point {n} ({points[n - 1]}): repair exit {rec.returncode}: "
                          f"{rec.stderr}")
            continue
        res, out = host.apply(doc)
        again, _ = host.apply(doc)
        defs = [d for d in definitions(host.root) if d.startswith("0.0.0204/")]
        entries = host.domains["guest1"]
        records = list((Path(host.root) / "run/zvfio/mdev").glob("*.json"))
        if (res.returncode != 10 or again.returncode != 0 or
                driver_of(host.root, "0.0.0204") != "vfio_ccw" or
                not (Path(host.root) / "etc/driverctl.d/css-0.0.0204").exists() or
                len(defs) != 1 or len(entries) != 1 or
                entries[0]["mdev"] != defs[0].split("/")[1] or records):
            failed.append(f"point {n} ({points[n - 1]}): re-apply exit {res.returncode} "
                          f"({res.stderr}), again {again.returncode} ({again.stdout[-300:]}), "
                          f"definitions {defs}, domain {entries}, records {records}")
    print(f"apply: {len(points)} write steps, {len(failed)} failed")
    assert not failed, "\n".join(failed)
