"""virt-manager's and virt-xml's path (issue 12 §4), with Debian's real virtinst 4.1
against libvirt's test driver (tests/integration/libvirt/virtinst-node.xml, the node
devices of the fixture spec 'bind'): what virt-xml writes for an mdev and a PCI node
device, that it refuses css node devices, and that the domains it makes pass
`zvfio check --domain` / `--domain-xml` and are brought up by zvfio-hook on the kernel
emulator tree, with the same answer from both (missing guest addresses allowed)."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import LIBVIRT_DATA, assert_same_answer, host_state

NODE = LIBVIRT_DATA / "virtinst-node.xml"
MDEV_ACTIVE = "mdev_4b1d0000_0000_4000_8000_000000000202_0_0_0202"   # on vfio_ccw, active
MDEV_ONLINE_DASD = "mdev_4b1d0000_0000_4000_8000_000000000201_0_0_0201"  # DASD online
ISM_ON_ISM = "pci_0010_00_00_0"
ISM_ON_VFIO = "pci_0011_00_00_0"


@pytest.fixture
def uri(tmp_path):
    copy = tmp_path / "node.xml"
    copy.write_text(NODE.read_text())
    return f"test://{copy}"


def virt_xml(uri, *args):
    """Runs the real virt-xml (Debian's virtinst; tools/setup.sh installs it)."""
    exe = shutil.which("virt-xml")
    assert exe, "virt-xml is not installed (tools/setup.sh installs the Debian package virtinst)"
    return subprocess.run([exe, "--connect", uri, *args], capture_output=True, text=True,
                          timeout=120)


def add_hostdevs(uri, *nodedevs):
    """The domain XML after `virt-xml zguest --add-device --hostdev NODEDEV...`."""
    argv = ["zguest", "--add-device"]
    for nodedev in nodedevs:
        argv += ["--hostdev", nodedev]
    result = virt_xml(uri, *argv, "--print-xml")
    assert result.returncode == 0, result.stderr
    return result.stdout


def hostdevs(xml_text):
    return ET.fromstring(xml_text).findall("./devices/hostdev")


def test_virtinst_is_41():
    result = subprocess.run(["virt-xml", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("4.1"), result


def test_what_virt_xml_writes_for_an_mdev_and_a_pci_node_device(uri):
    [mdev] = hostdevs(add_hostdevs(uri, MDEV_ACTIVE))
    assert mdev.attrib == {"mode": "subsystem", "type": "mdev", "managed": "no",
                           "model": "vfio-ccw"}
    assert mdev.find("./source/address").get("uuid") == "4b1d0000-0000-4000-8000-000000000202"
    assert mdev.find("./address") is None                 # no guest address
    [pci] = hostdevs(add_hostdevs(uri, ISM_ON_ISM))
    assert pci.get("type") == "pci" and pci.get("managed") == "yes"
    assert pci.find("./address") is None and pci.find(".//zpci") is None
    assert pci.find("./source/address").get("domain") == "16"    # decimal


def test_virt_xml_refuses_css_node_devices(uri):
    result = virt_xml(uri, "zguest", "--add-device", "--hostdev", "css_0_0_0202",
                      "--print-xml")
    assert result.returncode != 0
    assert "Unsupported node device type 'css'" in result.stderr


def domain_with(uri, tmp_path, xml_text):
    """A test-driver node file whose domain zguest is XML_TEXT (the test driver keeps no
    state between connections, so the edited domain goes into a new node file)."""
    node = ET.parse(uri.removeprefix("test://"))
    top = node.getroot()
    for old in top.findall("domain"):
        if old.findtext("name") == "zguest":
            top.remove(old)
    top.append(ET.fromstring(xml_text))
    path = tmp_path / "node-edited.xml"
    node.write(path)
    return f"test://{path}"


def check_and_hook(tmp_path, make_tree, run_zvfio, run_hook, kernel, uri, xml_text):
    """check --domain-xml, check --domain (libvirt) and the hook's prepare begin on fresh
    'bind' trees; returns (check, check_by_name, hook, hook_root, state before)."""
    check_root = make_tree("bind", tmp_path / "check")
    hook_root = make_tree("bind", tmp_path / "hook")
    path = tmp_path / "zguest.xml"
    path.write_text(xml_text)
    check = run_zvfio("check", "--domain-xml", path, root=check_root)
    by_name = run_zvfio("--connect", domain_with(uri, tmp_path, xml_text), "check", "--domain",
                        "zguest", root=check_root)
    assert (by_name.returncode, by_name.stdout) == (check.returncode, check.stdout), \
        (by_name.stdout, by_name.stderr)
    emu = kernel(hook_root)
    before = host_state(hook_root)
    hook = run_hook(hook_root, "zguest", "prepare", "begin", xml_text)
    emu.idle()
    return check, hook, hook_root, before


def test_a_virt_xml_domain_passes_check_and_the_hook_brings_it_up(uri, tmp_path, make_tree,
                                                                  run_zvfio, run_hook, kernel):
    xml_text = add_hostdevs(uri, MDEV_ACTIVE, ISM_ON_ISM, ISM_ON_VFIO)
    assert len(hostdevs(xml_text)) == 3
    check, hook, root, before = check_and_hook(tmp_path, make_tree, run_zvfio, run_hook,
                                               kernel, uri, xml_text)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "check: ok: 0 errors" in check.stdout
    assert hook.returncode == 0, hook.stderr
    assert_same_answer(check, hook, "zguest")
    # the mdev is active on vfio_ccw already and libvirt binds the managed ISM functions:
    # the hook checked them and changed nothing; the one on ism gets the SMC-D warning
    assert host_state(root) == before
    assert "warning: zpci.ism.driver: 0010:00:00.0:" in hook.stderr
    assert "libvirt binds it to vfio-pci when the guest starts" in hook.stderr
    release = run_hook(root, "zguest", "release", "end", xml_text)
    assert release.returncode == 0, release.stderr
    assert host_state(root) == before


def test_a_virt_xml_domain_with_an_online_dasd_is_refused_alike(uri, tmp_path, make_tree,
                                                                run_zvfio, run_hook, kernel):
    xml_text = add_hostdevs(uri, MDEV_ONLINE_DASD, ISM_ON_VFIO)
    check, hook, root, before = check_and_hook(tmp_path, make_tree, run_zvfio, run_hook,
                                               kernel, uri, xml_text)
    assert check.returncode == 3, check.stdout + check.stderr
    assert "error: ccw.online: 0.0.3001 (subchannel 0.0.0201):" in check.stdout
    assert_same_answer(check, hook, "zguest")
    assert hook.returncode == 3
    assert host_state(root) == before                # refused before any write
