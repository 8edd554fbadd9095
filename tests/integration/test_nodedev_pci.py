"""zvfio nodedev for PCI functions (issue 21 §4 "PCI node devices"): the pci node-device XML
libvirt 9.0 prints, byte for byte, read from the files libvirt reads (pci.ids through
libpciaccess, the config space, SR-IOV links, the IOMMU group, numa_node), and valid against
libvirt's installed nodedev.rng. The ground truth is tests/reference/libvirt-9.0-nodedev-pci-
dumpxml.xml: libvirtd's own output in the emulated mainframe (tests/vm scenario libvirt-nodedev
compares the two there on every run)."""

import copy
import gzip
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REFERENCE_DIR

NODEDEV_RNG = Path("/usr/share/libvirt/schemas/nodedev.rng")
REFERENCE = REFERENCE_DIR / "libvirt-9.0-nodedev-pci-dumpxml.xml"

# The 256 config bytes of the emulated mainframe's functions (od of
# /sys/bus/pci/devices/ADDR/config in the guest): a capability list of virtio
# vendor capabilities and MSI-X, no PCI Express capability.
CONFIG = {
    "0005:00:00.0": ("f41a0010060410000000000200000000010000000000000000000000000000000c0000000000"
                     "000000000000f41a010000000000980000000000000000010000090010010400000000000000"
                     "0010000009401003040000000010000000100000095010040400000000200000001000000960"
                     "1402040000000030000000100000040000000970140500000000000000000000000000000000"
                     "11840380010000000108"),
    "000b:00:00.0": ("f41a0110060410000000000100000000010000000000000000000000000000000c0000000000"
                     "000000000000f41a020000000000980000000000000000010000090010010400000000000000"
                     "0010000009401003040000000010000000100000095010040400000000200000001000000960"
                     "1402040000000030000000100000040000000970140500000000000000000000000000000000"
                     "11840280010000000108"),
    "1234:00:00.0": ("f41a0510060010000000ff0000000000010000000000000000000000000000000c0000000000"
                     "000000000000f41a040000000000980000000000000000010000090010010400000000000000"
                     "0010000009401003040000000010000000100000095010040400000000200000001000000960"
                     "1402040000000030000000100000040000000970140500000000000000000000000000000000"
                     "11840100010000000108"),
}

# An excerpt of Debian 12's /usr/share/misc/pci.ids (pci.ids 0.0~2023.04.11-1), the lines
# copied as they are: the 1af4 vendor block, from the comment before it to the next vendor.
PCI_IDS = """# nee Qumranet, Inc.
1af4  Red Hat, Inc.
\t1000  Virtio network device
\t\t01de fffb  Propolis Virtio network device
\t1001  Virtio block device
\t\t01de fffa  Propolis Virtio block device
\t1002  Virtio memory balloon
\t1003  Virtio console
\t1004  Virtio SCSI
\t1005  Virtio RNG
\t1009  Virtio filesystem
\t1041  Virtio 1.0 network device
\t1042  Virtio 1.0 block device
\t1043  Virtio 1.0 console
\t1044  Virtio 1.0 RNG
\t1045  Virtio 1.0 memory balloon
\t1048  Virtio 1.0 SCSI
\t1049  Virtio 1.0 filesystem
\t1050  Virtio 1.0 GPU
\t1052  Virtio 1.0 input
\t1053  Virtio 1.0 socket
\t105a  Virtio file system
\t1110  Inter-VM shared memory
\t\t1af4 1100  QEMU Virtual Machine
1af5  Netezza Corp.
"""


def config_hex(address):
    """The 256 config bytes of ADDRESS as the hex escape-hatch value."""
    return {"hex": CONFIG[address].ljust(512, "0")}


def mainframe_spec(driver="virtio-pci"):
    """The emulated mainframe's zPCI functions (tests/vm group host) with their real config."""
    def fn(uid, fid, device, klass, group, subsys, address, drv="virtio-pci"):
        return {"fid": fid, "uid": uid, "vendor": "1af4", "device": device, "class": klass,
                "subsystem_vendor": "1af4", "subsystem_device": subsys, "driver": drv,
                "iommu_group": group, "attrs": {"config": config_hex(address)}}
    return {
        "subchannels": [{"sch": "0.0.0000", "devno": "0.0.1000", "dev": "virtio-net"}],
        "pci": [fn(5, 7, "1000", "020000", 0, "0001", "0005:00:00.0", driver),
                fn(0x1234, 0x100, "1005", "00ff00", 1, "0004", "1234:00:00.0"),
                fn(0xb, 0xb, "1001", "010000", 3, "0002", "000b:00:00.0")],
        "files": {"/usr/share/misc/pci.ids": {"raw": PCI_IDS}},
    }


def reference_devices():
    """libvirtd's <device> documents from the emulated mainframe, in file order."""
    return [m.group(0) + "\n" for m in re.finditer(r"<device>.*?</device>", REFERENCE.read_text(),
                                                    re.S)]


def rng_valid(xml, tmp_path):
    """Validate one <device> document against libvirt's installed nodedev.rng."""
    f = tmp_path / "dev.xml"
    f.write_text(xml)
    res = subprocess.run(["xmllint", "--noout", "--relaxng", str(NODEDEV_RNG), str(f)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr + xml


def test_pci_node_devices_equal_libvirtd_in_the_emulated_mainframe(make_tree, tmp_path, run_zvfio):
    """Byte-for-byte what libvirtd 9.0 printed for the same functions (this refused before:
    'libvirt has no zPCI node device format')."""
    ref = reference_devices()
    root = make_tree(mainframe_spec(), tmp_path)
    for name, expected in [("pci_0005_00_00_0", ref[0]), ("pci_000b_00_00_0", ref[2]),
                           ("pci_1234_00_00_0", ref[3])]:
        res = run_zvfio("nodedev", name, root=root)
        assert res.returncode == 0, res.stderr
        assert res.stderr == ""
        assert res.stdout == expected
        rng_valid(res.stdout, tmp_path)
    vfio = make_tree(mainframe_spec("vfio-pci"), tmp_path / "vfio")
    res = run_zvfio("nodedev", "0005:00:00.0", root=vfio)
    assert res.stdout == ref[4]
    # fid: IDs name the same function
    assert run_zvfio("nodedev", "fid:0x7", root=vfio).stdout == ref[4]


def test_without_pci_ids_the_ids_stand_alone(make_tree, tmp_path, run_zvfio):
    """libpciaccess finds no names without pci.ids: libvirt prints <product id='0x1000'/>."""
    spec = mainframe_spec()
    del spec["files"]
    res = run_zvfio("nodedev", "pci_0005_00_00_0", root=make_tree(spec, tmp_path))
    assert res.returncode == 0, res.stderr
    assert "    <product id='0x1000'/>\n    <vendor id='0x1af4'/>\n" in res.stdout


def test_pci_ids_is_read_as_libpciaccess_reads_it(make_tree, tmp_path, run_zvfio):
    """pci.ids.gz before pci.ids; the first matching vendor and device lines; the name after
    'XXXX  ' as it is, escaped as libvirt escapes it; a line cut in fgets chunks of 127 bytes;
    an id line without a name gives an empty element, not a missing name."""
    long_name = "N" * 140
    text = ("1af4  Red <Hat> & 'Co'\n"
            "\t1000  first\n\t1000  second\n"
            "\t\t1af4 1005  subsystem line, never a device name\n"
            f"\t1005  {long_name}\n"
            "\t1001\n"
            "1af4  second vendor line\n")
    spec = mainframe_spec()
    spec["files"] = {"/usr/share/misc/pci.ids": {"raw": "1af4  plain file, not read\n"},
                     "/usr/share/misc/pci.ids.gz": {"hex": gzip.compress(text.encode()).hex()}}
    root = make_tree(spec, tmp_path)
    out = run_zvfio("nodedev", "0005:00:00.0", root=root).stdout
    assert "<vendor id='0x1af4'>Red &lt;Hat&gt; &amp; &apos;Co&apos;</vendor>" in out
    assert "<product id='0x1000'>first</product>" in out
    rng = run_zvfio("nodedev", "1234:00:00.0", root=root).stdout
    # fgets(buf, 128): 127 bytes = tab, id, two spaces and 120 characters of the name
    assert f"<product id='0x1005'>{'N' * 120}</product>" in rng
    blk = run_zvfio("nodedev", "000b:00:00.0", root=root).stdout
    assert "<product id='0x1001'></product>" in blk


def pcie_function(**extra):
    """A RoCE-like Express function for the config-space tests."""
    fn = {"fid": "0x20", "preset": "roce2", "iommu_group": 7}
    fn.update(extra)
    return fn


@pytest.mark.parametrize("pcie, expected", [
    ({"type": 0, "link_cap": [3, 8, 0], "link_sta": [3, 8]},
     "    <pci-express>\n"
     "      <link validity='cap' port='0' speed='8' width='8'/>\n"
     "      <link validity='sta' speed='8' width='8'/>\n"
     "    </pci-express>\n"),
    ({"type": 1, "link_cap": [4, 16, 2], "link_sta": [0, 0]},
     "    <pci-express>\n"
     "      <link validity='cap' port='2' speed='16' width='16'/>\n"
     "      <link validity='sta' width='0'/>\n"
     "    </pci-express>\n"),
    # a root complex integrated endpoint has no link
    ({"type": 9, "link_cap": [3, 8, 0], "link_sta": [3, 8]}, "    <pci-express/>\n"),
])
def test_pci_express_link_from_the_config_space(pcie, expected, make_tree, tmp_path, run_zvfio):
    root = make_tree({"pci": [pcie_function(pcie=pcie)]}, tmp_path)
    res = run_zvfio("nodedev", "pci_0020_00_00_0", root=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout.endswith("    </iommuGroup>\n" + expected + "  </capability>\n</device>\n")
    rng_valid(res.stdout, tmp_path)


def test_config_space_without_express_capability(make_tree, tmp_path, run_zvfio):
    """No Express capability found: libvirt takes a config file that is not 256 bytes long for
    an Express function (<pci-express/>), a 256-byte one for conventional PCI (nothing)."""
    big = {"hex": "b3151610" + "00" * 4092}
    root = make_tree({"pci": [pcie_function(attrs={"config": big})]}, tmp_path)
    assert "    <pci-express/>\n" in run_zvfio("nodedev", "0020:00:00.0", root=root).stdout
    root = make_tree({"pci": [pcie_function()]}, tmp_path / "conv")
    assert "pci-express" not in run_zvfio("nodedev", "0020:00:00.0", root=root).stdout


def test_header_types(make_tree, tmp_path, run_zvfio):
    """Header type 1 is a PCI bridge; libvirt lists no function of an unknown header type."""
    bridge = bytearray(256)
    bridge[0:4] = bytes.fromhex("b3151610")
    bridge[0x0e] = 0x81            # multi-function bit masked off
    root = make_tree({"pci": [pcie_function(attrs={"config": {"hex": bridge.hex()}})]}, tmp_path)
    res = run_zvfio("nodedev", "0020:00:00.0", root=root)
    assert "    <capability type='pci-bridge'/>\n    <iommuGroup" in res.stdout
    rng_valid(res.stdout, tmp_path)
    bridge[0x0e] = 0x05
    root = make_tree({"pci": [pcie_function(attrs={"config": {"hex": bridge.hex()}})]},
                     tmp_path / "bad")
    res = run_zvfio("nodedev", "0020:00:00.0", root=root)
    assert res.returncode == 4 and res.stdout == ""
    assert res.stderr == ("zvfio: libvirt 9.0 lists no node device for PCI function 0020:00:00.0: "
                          "its config space has the unknown header type 5\n")
    # the whole list leaves it out, with the reason
    res = run_zvfio("nodedev", root=root)
    assert res.returncode == 0 and "pci_0020_00_00_0" not in res.stdout
    assert "its config space has the unknown header type 5" in res.stderr


def test_sriov_numa_iommu_group_members(make_tree, tmp_path, run_zvfio):
    """SR-IOV links (physfn, virtfnN up to the first missing one, sriov_totalvfs), every member
    of a shared IOMMU group and numa_node, in libvirt's element order."""
    spec = {"css": True, "subchannels": [], "pci": [
        {"fid": "0x30", "preset": "roce2", "iommu_group": 4,
         "attrs": {"sriov_totalvfs": "8", "numa_node": "1",
                   "virtfn0": {"link": "/sys/devices/pci0031:00/0031:00:00.0"},
                   "virtfn1": {"link": "/sys/devices/pci0032:00/0032:00:00.0"},
                   "virtfn3": {"link": "/sys/devices/pci0033:00/0033:00:00.0"}}},
        {"fid": "0x31", "preset": "roce2", "iommu_group": 4,
         "attrs": {"physfn": {"link": "/sys/devices/pci0030:00/0030:00:00.0"},
                   "numa_node": "-1"}},
        {"fid": "0x32", "preset": "roce2", "iommu_group": 5},
        {"fid": "0x33", "preset": "roce2", "iommu_group": 6}]}
    root = make_tree(spec, tmp_path)
    pf = run_zvfio("nodedev", "0030:00:00.0", root=root).stdout
    assert ("    <capability type='virt_functions' maxCount='8'>\n"
            "      <address domain='0x0031' bus='0x00' slot='0x00' function='0x0'/>\n"
            "      <address domain='0x0032' bus='0x00' slot='0x00' function='0x0'/>\n"
            "    </capability>\n"
            "    <iommuGroup number='4'>\n"
            "      <address domain='0x0030' bus='0x00' slot='0x00' function='0x0'/>\n"
            "      <address domain='0x0031' bus='0x00' slot='0x00' function='0x0'/>\n"
            "    </iommuGroup>\n"
            "    <numa node='1'/>\n"
            "  </capability>\n") in pf
    vf = run_zvfio("nodedev", "0031:00:00.0", root=root).stdout
    assert ("    <capability type='phys_function'>\n"
            "      <address domain='0x0030' bus='0x00' slot='0x00' function='0x0'/>\n"
            "    </capability>\n") in vf
    assert "numa" not in vf
    for xml in (pf, vf):
        rng_valid(xml, tmp_path)


def test_vpd_is_left_out_with_a_warning(make_tree, tmp_path, run_zvfio):
    root = make_tree({"pci": [pcie_function(attrs={"vpd": {"hex": "82000078"}})]}, tmp_path)
    res = run_zvfio("nodedev", "0020:00:00.0", root=root)
    assert res.returncode == 0 and "vpd" not in res.stdout
    assert res.stderr == ("zvfio: warning: 0020:00:00.0: the <capability type='vpd'> libvirt "
                          "makes of its vpd file is left out\n")


def test_standby_and_missing_functions_have_no_node_device(make_tree, tmp_path, run_zvfio):
    root = make_tree("all-kinds", tmp_path)
    res = run_zvfio("nodedev", "fid:0x40", root=root)
    assert res.returncode == 4 and res.stdout == "" and "standby" in res.stderr
    res = run_zvfio("nodedev", "pci_0011_00_00_0", root=root)
    assert res.returncode == 4 and res.stderr == "zvfio: no zPCI function 0011:00:00.0\n"


def test_every_node_device_includes_pci_functions(make_tree, tmp_path, run_zvfio):
    """nodedev without IDs lists the pci node devices after the ccw ones; one libvirt would
    not list (no config file) is left out with the reason."""
    spec = copy.deepcopy(mainframe_spec())
    spec["pci"].append({"fid": "0x44", "preset": "ism", "attrs": {"config": None}})
    root = make_tree(spec, tmp_path)
    res = run_zvfio("nodedev", root=root)
    assert res.returncode == 0
    names = re.findall(r"<name>(pci_\w+)</name>", res.stdout)
    assert names == ["pci_0005_00_00_0", "pci_000b_00_00_0", "pci_1234_00_00_0"]
    assert res.stderr == ("zvfio: warning: libvirt 9.0 lists no node device for PCI function "
                          "0044:00:00.0: it has no config file\n")
    ref = reference_devices()
    assert ref[0] in res.stdout and ref[3] in res.stdout
