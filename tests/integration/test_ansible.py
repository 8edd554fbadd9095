"""The Ansible collection zvfio.zvfio (ansible/ansible_collections/zvfio/zvfio,
issue 22 §2) with Debian 12's ansible-core: ansible-doc, ansible-test sanity (the
offline subset, tests/integration/ansible_sanity.py) and playbooks against
localhost on fixture hosts.

A fixture host is a tree from tests/fixtures (bind.json), the kernel emulator
playing the kernel's part in binding, the real mdevctl in a private mount
namespace (mdevctl-ns.sh: ansible-playbook itself runs in it, so the module's
zvfio and its mdevctl see the fixture's /etc/mdevctl.d) and libvirt's test driver.
The test driver keeps its state per connection: every zvfio run starts from the
node file again. After a run the tests write back into the node file what the
module reports libvirt holds afterwards (its 'after' document, which zvfio read
back from libvirt in the run), as tests/integration/test_apply.py does: the file
then stands for the libvirt of a host that keeps its domains."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT, host_state

ANSIBLE_DIR = REPO_ROOT / "ansible"
COLLECTION = ANSIBLE_DIR / "ansible_collections" / "zvfio" / "zvfio"
PLAYBOOKS = ANSIBLE_DIR / "tests"
FLEET_PLAYBOOK = ANSIBLE_DIR / "examples" / "fleet-report.yml"
DOCS = REPO_ROOT / "docs" / "ansible.md"
PYTHON = "/usr/bin/python3"

# A shut-off domain of the test driver (runstate 5: VIR_DOMAIN_SHUTOFF); zvfio
# changes the persistent definitions of domains that are shut off only.
DOMAIN_XML = """  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>{name}</name>
    <uuid>6c2d1b0a-4e7f-4d2a-8b64-3e2a8f1f1b{index:02x}</uuid>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
    <devices>
{hostdevs}    </devices>
    <test:runstate>5</test:runstate>
  </domain>
"""
MDEV_HOSTDEV = """      <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ccw'>
        <source><address uuid='{mdev}'/></source>
        <address type='ccw' cssid='0x{c}' ssid='0x{s}' devno='0x{d}'/>
      </hostdev>
"""

# The desired state of the playbook tests (fixture spec bind.json):
WANT = {
    "zvfio_passthroughs": [
        # offline DASD on io_subchannel, no mdev: prepare --persist, define (auto), attach
        {"device": "0.0.3004", "domain": "guest1", "persist": True, "autostart": True},
        # offline DASD with a manual definition: prepare, attach its mdev at fe.0.0100
        {"device": "0.0.3000", "domain": "guest2", "guest_devno": "fe.0.0100"},
    ],
    # bound to vfio_ccw at boot by a driverctl override, no mdev: release (and the override);
    # named by its subchannel: the emulator registers no ccw device for it afterwards
    "zvfio_host": ["sch:0.0.0205"],
}


def require_ansible():
    """Fails (not skips) without Debian's ansible-core: tools/setup.sh installs it."""
    for tool in ("ansible-playbook", "ansible-doc", "ansible-test"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt install ansible-core; tools/setup.sh does)")


def ansible_env(tmp_path):
    """The environment of an ansible-* run: the repository's collection, private
    temporary and home directories, no colour, the default stdout callback, and the
    tree callback writing each host's last task result to TMP_PATH/tree/HOST."""
    home = Path(tmp_path) / "ansible-home"
    home.mkdir(exist_ok=True)
    env = {
        "ANSIBLE_COLLECTIONS_PATH": str(ANSIBLE_DIR),
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "remote-tmp"),
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.tree",
        "ANSIBLE_CALLBACK_TREE_DIR": str(Path(tmp_path) / "tree"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_PYTHON_INTERPRETER": PYTHON,
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "LC_ALL": "C.UTF-8",
    }
    return env


def recap(out, host="localhost"):
    """HOST's line of the PLAY RECAP: {"ok": N, "changed": N, "failed": N, ...}."""
    m = re.search(rf"^{re.escape(host)}\s+:((?:\s+\w+=\d+)+)\s*$", out, re.M)
    assert m, out
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}


class FixtureHost:
    """A fixture tree with the kernel emulator on it, and a libvirt test-driver node
    file whose domains (name -> passthrough entries) the tests keep."""

    def __init__(self, root, tmp_path, mdevctl_ns, zvfio_bin, domains):
        self.root = Path(root)
        self.tmp = Path(tmp_path)
        self.node = self.tmp / "node.xml"
        self.mdevctl_ns = mdevctl_ns
        self.zvfio_bin = zvfio_bin
        self.domains = {name: list(entries) for name, entries in domains.items()}
        self.write_node()

    def zvfio(self, *args):
        """zvfio on this host (in the mdevctl namespace, with the node file)."""
        return self.mdevctl_ns(self.root, self.zvfio_bin, "--root", self.root, "--connect",
                               f"test://{self.node}", *args,
                               env={"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"})

    def write_node(self):
        """The node file: the tree's node devices as zvfio prints them, the domains."""
        nodedev = self.mdevctl_ns(self.root, self.zvfio_bin, "--root", self.root, "nodedev")
        assert nodedev.returncode == 0, nodedev.stderr
        text = "<node>\n" + nodedev.stdout.replace("<devices>\n", "").replace("</devices>\n", "")
        for index, (name, entries) in enumerate(sorted(self.domains.items())):
            hostdevs = ""
            for e in entries:
                c, s, d = e["guest_devno"].split(".")
                hostdevs += MDEV_HOSTDEV.format(mdev=e["mdev"], c=c, s=s, d=d)
            text += DOMAIN_XML.format(name=name, index=index + 1, hostdevs=hostdevs)
        self.node.write_text(text + "</node>\n")

    def keep(self, result):
        """Writes back what libvirt held after the module's run (the test driver forgets it)."""
        before = {(e["domain"], e["device"]) for e in result["before"]["passthroughs"]}
        after = {(e["domain"], e["device"]): e for e in result["after"]["passthroughs"]}
        for name in self.domains:
            self.domains[name] = [e for e in self.domains[name]
                                  if (name, e["device"]) not in before or (name, e["device"]) in after]
        for (name, device), entry in after.items():
            if (name, device) not in before:
                self.domains[name].append(entry)
        self.write_node()

    def playbook(self, name, extra, *options):
        """ansible-playbook PLAYBOOKS/NAME against localhost with EXTRA as extra vars
        (plus this host's root, node file and zvfio). Returns the finished process
        with .result (the task's result, from the tree callback) and .recap."""
        variables = {"zvfio_root": str(self.root), "zvfio_connect": f"test://{self.node}",
                     "zvfio_executable": str(self.zvfio_bin),
                     "zvfio_environment": {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}}
        variables.update(extra)
        path = self.tmp / "vars.json"
        path.write_text(json.dumps(variables))
        tree = self.tmp / "tree" / "localhost"
        if tree.exists():
            tree.unlink()
        run = self.mdevctl_ns(self.root, "ansible-playbook", "-i", "localhost,", "-c", "local",
                              PLAYBOOKS / name, "-e", f"@{path}", *options,
                              env=ansible_env(self.tmp), timeout=240)
        run.result = json.loads(tree.read_text()) if tree.exists() else None
        run.recap = recap(run.stdout) if "PLAY RECAP" in run.stdout else None
        if "--check" not in options and run.result and "after" in run.result:
            self.keep(run.result)
        return run


def snapshot(root):
    """What a run that changes nothing must leave as it was: every file, link and
    directory below sys/, etc/ and run/ (content and mode), and the mtimes of the
    files below etc/ and run/ (sysfs mtimes move with the kernel emulator's polling;
    mdevctl-ns.sh writes the callout wrapper into etc/mdevctl.d/scripts.d at every start)."""
    state, mtimes = host_state(root, parts=("sys", "etc", "run"))
    mine = "etc/mdevctl.d/scripts.d"
    return ({k: v for k, v in state.items() if not k.startswith(mine)},
            {k: v for k, v in mtimes.items() if not k.startswith(("sys/", mine))})


def driver_of(root, sch):
    link = Path(root) / "sys/bus/css/devices" / sch / "driver"
    return link.resolve().name if link.is_symlink() else None


def definitions(root):
    base = Path(root) / "etc" / "mdevctl.d"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*")
                  if p.is_file() and "scripts.d" not in p.parts)


@pytest.fixture
def host(make_tree, tmp_path, mdevctl_ns, zvfio_bin, kernel):
    require_ansible()
    root = make_tree("bind", tmp_path)
    kernel(root)
    return FixtureHost(root, tmp_path, mdevctl_ns, zvfio_bin, {"guest1": [], "guest2": []})


# ---- ansible-doc and ansible-test sanity ----------------------------------------

@pytest.mark.parametrize("module", ["device_info", "passthrough"])
def test_ansible_doc_renders_the_module(module, tmp_path):
    require_ansible()
    env = dict(os.environ, **ansible_env(tmp_path))
    text = subprocess.run(["ansible-doc", f"zvfio.zvfio.{module}"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert text.returncode == 0 and not text.stderr, text.stderr
    for part in ("OPTIONS (= is mandatory):", "- root", "- connect", "- executable",
                 "ATTRIBUTES:", "EXAMPLES:", "RETURN VALUES:"):
        assert part in text.stdout, part
    doc = subprocess.run(["ansible-doc", "--json", f"zvfio.zvfio.{module}"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert doc.returncode == 0, doc.stderr
    entry = json.loads(doc.stdout)[f"zvfio.zvfio.{module}"]
    assert entry["doc"]["short_description"] and entry["doc"]["description"]
    assert entry["examples"].strip()
    assert entry["return"], "RETURN is empty"
    # every option, sub-option and return value says what it is
    def described(options):
        for name, spec in options.items():
            assert spec.get("description"), name
            described(spec.get("suboptions", {}))
            described(spec.get("contains", {}))
    described(entry["doc"]["options"])
    described(entry["return"])


def test_ansible_test_sanity(tmp_path):
    """ansible-test sanity --local on a copy of the collection, every test that runs
    offline (tests/integration/ansible_sanity.py says how), and no failure."""
    require_ansible()
    from ansible_sanity import run_sanity
    res, ran, skipped = run_sanity(COLLECTION, tmp_path)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    # the tests that matter for modules ran (not "No tests applicable")
    for name in ("ansible-doc", "compile", "import", "pep8", "pylint", "validate-modules",
                 "yamllint", "runtime-metadata", "shebang", "use-argspec-type-path"):
        assert name in ran, (name, ran, skipped)


def test_ansible_test_sanity_finds_a_broken_module(tmp_path):
    """The offline harness really runs validate-modules: an option the argument spec
    has and DOCUMENTATION lacks fails it (so the passing run above means something)."""
    require_ansible()
    from ansible_sanity import run_sanity

    def break_module(copy):
        path = copy / "plugins" / "modules" / "device_info.py"
        text = path.read_text()
        start = text.index("  check_domains:\n")
        end = text.index("extends_documentation_fragment:")
        path.write_text(text[:start] + text[end:])
    res, ran, skipped = run_sanity(COLLECTION, tmp_path, tests=["validate-modules"],
                                   change=break_module)
    assert res.returncode != 0
    assert "undocumented-parameter" in res.stdout + res.stderr, res.stdout + res.stderr


# ---- zvfio.zvfio.passthrough ------------------------------------------------------

def test_first_run_changes_the_host_and_the_second_is_ok(host):
    res = host.playbook("passthrough.yml", WANT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert res.recap["changed"] == 1
    result = res.result
    assert result["changed"] is True and "rc" not in result
    assert [(d["device"], d["status"]) for d in result["devices"]] == [
        ("sch:0.0.0205", "changed"), ("0.0.3004", "changed"), ("0.0.3000", "changed")]
    # the host is as the document says
    assert driver_of(host.root, "0.0.0204") == "vfio_ccw"
    assert (host.root / "etc/driverctl.d/css-0.0.0204").read_text() == "vfio_ccw\n"
    assert driver_of(host.root, "0.0.0200") == "vfio_ccw"
    assert driver_of(host.root, "0.0.0205") == "io_subchannel"
    assert not (host.root / "etc/driverctl.d/css-0.0.0205").exists()
    new, = [e for e in result["after"]["passthroughs"] if e["domain"] == "guest1"]
    assert new["persist"] is True and new["autostart"] is True
    assert f"0.0.0204/{new['mdev']}" in definitions(host.root)

    # the same playbook again: ok, nothing written below the root
    before = snapshot(host.root)
    res = host.playbook("passthrough.yml", WANT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert res.recap["changed"] == 0 and res.recap["ok"] == 1
    result = res.result
    assert result["changed"] is False and "rc" not in result
    assert all(d["status"] == "unchanged" and d["steps"] == [] for d in result["devices"])
    assert result["before"] == result["after"]
    assert snapshot(host.root) == before


def test_check_mode_changes_nothing(host):
    before = snapshot(host.root)
    node = host.node.read_text()
    res = host.playbook("passthrough.yml", WANT, "--check")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    result = res.result
    # changed: would change; every step planned, none run
    assert result["changed"] is True and "rc" not in result
    assert [d["status"] for d in result["devices"]] == ["planned"] * 3
    assert {s["status"] for d in result["devices"] for s in d["steps"]} == {"planned"}
    assert snapshot(host.root) == before
    assert host.node.read_text() == node
    # and the real run afterwards still has everything to do
    res = host.playbook("passthrough.yml", WANT)
    assert res.recap["changed"] == 1, res.stdout[-3000:]


def test_diff_shows_the_plan(host):
    # --check --diff: the plan and the state it would leave, nothing changed
    before = snapshot(host.root)
    res = host.playbook("passthrough.yml", WANT, "--check", "--diff")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    out = res.stdout
    assert "--- before: zvfio export before" in out
    assert "+++ after: zvfio export after the plan" in out
    assert re.search(r'^\+\s+"device": "ccw:0.0.3004",$', out, re.M), out
    assert re.search(r'^\+\s+"domain": "guest1",$', out, re.M), out
    assert "zvfio apply --check (nothing was changed):" in out
    assert ("0.0.3004 -> guest1: planned\n"
            "  prepare: planned: bind device 0.0.3004 (subchannel 0.0.0204) to vfio_ccw, "
            "driverctl override\n"
            "  define: planned: define a vfio_ccw-io mdev (new UUID) (start=auto) on device "
            "0.0.3004 (subchannel 0.0.0204)\n"
            "  attach: planned: add the hostdev of device 0.0.3004 (subchannel 0.0.0204) to "
            "domain 'guest1' (guest devno fe.0.3004)\n") in out
    assert "sch:0.0.0205 -> host: planned\n" in out
    assert "changed: [localhost]" in out
    assert snapshot(host.root) == before

    # --diff on the real run: the same, with what each step did
    res = host.playbook("passthrough.yml", WANT, "--diff")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    out = res.stdout
    assert "+++ after: zvfio export after\n" in out
    assert "zvfio apply:\n" in out
    assert ("0.0.3004 -> guest1: changed\n  prepare: done: bind device 0.0.3004 (subchannel "
            "0.0.0204) to vfio_ccw, ") in out
    assert re.search(r'^\+\s+"mdev": "[0-9a-f-]{36}",$', out, re.M), out
    assert re.search(r'^\+\s+"persist": true,?$', out, re.M), out


def test_an_unknown_device_fails_with_zvfios_message(host):
    doc = {"version": 1, "passthroughs": [{"device": "0.0.9999", "domain": "guest1"}]}
    (host.tmp / "unknown.json").write_text(json.dumps(doc))
    own = host.zvfio("apply", host.tmp / "unknown.json")
    assert own.returncode == 4 and own.stderr == "zvfio: 0.0.9999: no ccw device 0.0.9999\n"
    before = snapshot(host.root)
    for options in ((), ("--check",)):
        res = host.playbook("passthrough.yml",
                            {"zvfio_passthroughs": doc["passthroughs"]}, *options)
        assert res.returncode == 2, res.stdout[-3000:] + res.stderr
        result = res.result
        assert res.recap["failed"] == 1 and result["rc"] == 4
        assert result["msg"] == own.stderr.strip()
        assert res.recap["failed"] == 1
    assert snapshot(host.root) == before

    # device_info: checking an unknown device fails the same way
    own = host.zvfio("check", "0.0.9999", "--json")
    assert own.returncode == 4
    res = host.playbook("device_info.yml", {"zvfio_gather": [], "zvfio_check_devices": ["0.0.9999"]})
    assert res.returncode == 2
    result = res.result
    assert res.recap["failed"] == 1 and result["rc"] == 4
    assert result["msg"] == own.stderr.strip() == "zvfio: no ccw device 0.0.9999"


def test_a_rule_refusal_fails_with_zvfios_message(host):
    # 0.0.3001 is an online DASD; the document does not allow setting it offline
    passthroughs = [{"device": "0.0.3001", "domain": "guest1"}]
    before = snapshot(host.root)
    res = host.playbook("passthrough.yml", {"zvfio_passthroughs": passthroughs})
    assert res.returncode == 2, res.stdout[-3000:] + res.stderr
    result = res.result
    assert res.recap["failed"] == 1 and result["changed"] is False and result["rc"] == 3
    assert result["msg"].splitlines() == [
        "zvfio: 0.0.3001: refusing to prepare: a rule refuses it (see its violations)",
        "error: ccw.online: device 0.0.3001 is online in the host (driver dasd-eckd)"]
    assert result["devices"][0]["status"] == "refused"
    assert driver_of(host.root, "0.0.0201") == "io_subchannel"
    assert (host.root / "sys/bus/ccw/devices/0.0.3001/online").read_text() == "1\n"
    assert snapshot(host.root) == before

    # device_info gives the same rule's verdict without failing
    res = host.playbook("device_info.yml", {"zvfio_gather": [], "zvfio_check_op": "prepare",
                                            "zvfio_check_devices": ["0.0.3001", "0.0.3004"]})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    result = res.result
    refused, fine = result["verdicts"]
    assert (refused["device"], refused["op"], refused["ok"]) == ("0.0.3001", "prepare", False)
    assert [v["rule"] for v in refused["violations"]] == ["ccw.online"]
    assert (fine["device"], fine["ok"], fine["violations"]) == ("0.0.3004", True, [])


def test_the_reverse_gives_the_host_back(host):
    before = host.zvfio("export")
    assert before.returncode == 0, before.stderr
    res = host.playbook("passthrough.yml", WANT)
    assert res.recap["changed"] == 1, res.stdout[-3000:]
    reverse = {"zvfio_passthroughs": [], "zvfio_host": ["0.0.3004", "0.0.3000"]}
    res = host.playbook("passthrough.yml", reverse)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    result = res.result
    assert result["changed"] is True
    assert driver_of(host.root, "0.0.0204") == "io_subchannel"
    assert not (host.root / "etc/driverctl.d/css-0.0.0204").exists()
    assert host.domains == {"guest1": [], "guest2": []}
    after = host.zvfio("export")
    assert json.loads(after.stdout)["passthroughs"] == json.loads(before.stdout)["passthroughs"]
    res = host.playbook("passthrough.yml", reverse)
    assert res.recap["changed"] == 0, res.stdout[-3000:]


# ---- zvfio.zvfio.device_info ------------------------------------------------------

def test_device_info_is_what_zvfio_prints(host):
    host.playbook("passthrough.yml", WANT)
    expected = {
        "inventory": json.loads(host.zvfio("list", "--json").stdout),
        "domains": json.loads(host.zvfio("domains", "--json").stdout)["domains"],
        "state": json.loads(host.zvfio("export").stdout),
    }
    assert [e["domain"] for e in expected["state"]["passthroughs"]] == ["guest1", "guest2"]
    before = snapshot(host.root)
    for options in ((), ("--check",)):
        res = host.playbook("device_info.yml", {"zvfio_gather": ["inventory", "domains", "state"],
                                                "zvfio_check_domains": ["guest1"]}, *options)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr
        result = res.result
        assert result["changed"] is False
        for key, value in expected.items():
            assert result[key] == value, key
        assert result["verdicts"] == [{"device": None, "domain": "guest1", "op": "prepare",
                                       "ok": True, "violations": []}]
    assert snapshot(host.root) == before


# ---- the fleet example of docs/ansible.md -------------------------------------------

PCI_HOSTDEV = """      <hostdev mode='subsystem' type='pci' managed='no'>
        <source><address domain='0x0011' bus='0x00' slot='0x00' function='0x0'/></source>
        <address type='pci'><zpci uid='0x0011' fid='0x00000021'/></address>
      </hostdev>
"""
FLEET_NODE = """<node>
{devices}  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>{domain}</name>
    <uuid>7d3e2c1b-5f80-4e3b-9c75-4f3b9a2a2c{index:02x}</uuid>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
    <devices>
{hostdevs}    </devices>
    <test:runstate>{runstate}</test:runstate>
  </domain>
</node>
"""


def test_fleet_report(make_tree, run_zvfio, zvfio_bin, tmp_path):
    """ansible/examples/fleet-report.yml over an inventory of three hosts (each a
    fixture tree and a libvirt test-driver file, reached with the local connection)."""
    require_ansible()
    inventory = ["[kvm_hosts]"]
    # host: (devno of the domain's vfio-ccw mdev, its guest address, domain, zPCI function)
    hosts = {"kvm-a": ("0.0.3000", "fe.0.3000", "db1", None),
             "kvm-b": ("0.0.3002", "fe.0.0004", "web2", "0011:00:00.0"),
             "kvm-c": (None, None, "idle", None)}
    for index, (name, (devno, guest, domain, pci)) in enumerate(sorted(hosts.items())):
        root = make_tree("bind", tmp_path / name)
        devices = run_zvfio("nodedev", root=root).stdout
        devices = devices.replace("<devices>\n", "").replace("</devices>\n", "")
        hostdevs = ""
        if devno:      # bind.json: the mdev of subchannel 0.0.02XX (devno 0.0.30XX) is ...02XX
            uuid = f"4b1d0000-0000-4000-8000-00000000020{devno[-1]}"
            c, s, d = guest.split(".")
            hostdevs = MDEV_HOSTDEV.format(mdev=uuid, c=c, s=s, d=d)
        if pci:
            hostdevs += PCI_HOSTDEV
        node = tmp_path / f"{name}.xml"
        node.write_text(FLEET_NODE.format(devices=devices, domain=domain, index=index,
                                          hostdevs=hostdevs, runstate=5 if pci else 1))
        inventory.append(f"{name} zvfio_root={root} zvfio_connect=test://{node}")
    inventory += ["", "[kvm_hosts:vars]", "ansible_connection=local", "ansible_become=false",
                  f"zvfio_executable={zvfio_bin}", "",
                  "[controller]", "localhost ansible_connection=local"]
    (tmp_path / "hosts.ini").write_text("\n".join(inventory) + "\n")
    report = tmp_path / "report.txt"
    env = dict(os.environ, **ansible_env(tmp_path))
    res = subprocess.run(["ansible-playbook", "-i", tmp_path / "hosts.ini", FLEET_PLAYBOOK,
                          "-e", f"report_file={report}"], capture_output=True, text=True,
                         env=env, timeout=240)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    lines = [line.split() for line in report.read_text().splitlines()]
    assert lines == [
        ["HOST", "DOMAIN", "STATE", "TYPE", "DEVICE", "MDEV", "GUEST", "ADDRESS"],
        ["kvm-a", "db1", "running", "vfio-ccw", "0.0.3000", "4b1d0000-0000-4000-8000-000000000200",
         "fe.0.3000"],
        ["kvm-b", "web2", "shut", "off", "vfio-ccw", "0.0.3002", "4b1d0000-0000-4000-8000-000000000202",
         "fe.0.0004"],
        ["kvm-b", "web2", "shut", "off", "pci", "0011:00:00.0", "-", "uid", "17", "fid", "33"],
    ]


def test_docs_show_the_fleet_playbook_as_it_is():
    """docs/ansible.md quotes ansible/examples/fleet-report.yml whole (the test above
    runs the file)."""
    text = DOCS.read_text()
    assert "```yaml\n" + FLEET_PLAYBOOK.read_text() + "```\n" in text
