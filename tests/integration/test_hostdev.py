"""zvfio hostdev: generated <hostdev> XML (golden, validated with libvirt's domain.rng),
guest address allocation, and the rules that refuse a device."""

import re

import pytest
from conftest import LIBVIRT_DATA, check_golden, validate_domain_rng

GUEST = LIBVIRT_DATA / "s390x-guest.xml"

# The minimal s390x domain every generated <hostdev> is validated in.
WRAPPER = """<domain type='kvm'>
  <name>wrap</name>
  <memory unit='KiB'>1048576</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
{hostdev}  </devices>
</domain>
"""

# name -> zvfio hostdev arguments (root: specs/guest-passthrough.json)
VARIANTS = {
    "ccw-default": ["0.0.1000"],
    "ccw-by-uuid": ["9063cba3-ecef-47b6-abcf-3fef4fdcad85"],
    "ccw-by-subchannel-guest-devno": ["sch:0.0.0101", "--guest-devno", "fe.3.abcd"],
    "ccw-boot-loadparm": ["0.0.1000", "--boot", "1", "--loadparm", "prod.1"],
    "ccw-in-domain": ["0.0.1001", "--domain-xml", str(GUEST)],
    "pci-default": ["0019:00:00.0"],
    "pci-managed-uid-fid": ["0019:00:00.0", "--managed", "--uid", "0x1234", "--fid", "4096"],
    "pci-in-domain": ["fid:0x1f", "--domain-xml", str(GUEST)],
    "ism-default": ["0010:00:00.0"],
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_hostdev_variants_golden_and_valid(name, run_zvfio, passthrough_root, tmp_path):
    result = run_zvfio("hostdev", *VARIANTS[name], root=passthrough_root)
    assert result.returncode == 0, result.stderr
    check_golden(f"hostdev/{name}.xml", result.stdout)
    validate_domain_rng(WRAPPER.format(hostdev=re.sub("^", "    ", result.stdout,
                                                       flags=re.M)), tmp_path)


def test_guest_fixture_domain_is_valid(tmp_path):
    """The domain the allocation tests use is itself valid libvirt XML."""
    validate_domain_rng(GUEST.read_text(), tmp_path)


def test_devno_allocation_prefers_host_devno_then_lowest_free(run_zvfio, passthrough_root,
                                                              tmp_path):
    domain = tmp_path / "d.xml"
    used = "".join(f"<disk type='file' device='disk'><source file='/x{n}'/>"
                   f"<target dev='vd{chr(97 + n)}' bus='virtio'/>"
                   f"<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x{n:04x}'/></disk>"
                   for n in range(3))
    domain.write_text(f"<domain type='kvm'><name>d</name><devices>{used}"
                      "<interface type='network'><source network='default'/>"
                      "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x1000'/></interface>"
                      "</devices></domain>")
    # host devno 0.0.1000 is taken by the virtio interface -> lowest free, fe.0.0003
    result = run_zvfio("hostdev", "0.0.1000", "--domain-xml", domain, root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert "devno='0x0003'" in result.stdout
    # host devno 0.0.1001 is free -> the guest sees the same number
    result = run_zvfio("hostdev", "0.0.1001", "--domain-xml", domain, root=passthrough_root)
    assert "devno='0x1001'" in result.stdout


def test_zpci_allocation_never_reuses_domain_uid_fid(run_zvfio, passthrough_root):
    # s390x-guest.xml uses uid 0x19, 32 and fid 0x1f, 64; host identity is uid 0x19 fid 0x1f
    result = run_zvfio("hostdev", "0019:00:00.0", "--domain-xml", GUEST, root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert "<zpci uid='0x0001' fid='0x00000000'/>" in result.stdout
    # the ISM's own uid/fid (0x10) are free -> kept
    result = run_zvfio("hostdev", "0010:00:00.0", "--domain-xml", GUEST, root=passthrough_root)
    assert "<zpci uid='0x0010' fid='0x00000010'/>" in result.stdout


# name -> (arguments, exit code); stderr is compared with golden/hostdev/<name>.err
REFUSALS = {
    "guest-cssid": (["0.0.1000", "--guest-devno", "0.0.1234"], 3),
    "guest-devno-dup": (["0.0.1001", "--guest-devno", "fe.0.0001", "--domain-xml", str(GUEST)], 3),
    "ccw-used-by-domain": (["0.0.1000", "--domain-xml", str(GUEST)], 3),
    "zpci-uid-dup": (["0019:00:00.0", "--uid", "32", "--domain-xml", str(GUEST)], 3),
    "zpci-fid-dup": (["0010:00:00.0", "--fid", "0x1f", "--domain-xml", str(GUEST)], 3),
    "zpci-uid-range": (["0019:00:00.0", "--uid", "0x10000"], 3),
    "no-mdev": (["0.0.0001"], 4),
    "not-vfio-bound": (["0.0.1003"], 3),
    "bad-guest-devno": (["0.0.1000", "--guest-devno", "fe.4.0000"], 2),
    "bad-loadparm": (["0.0.1000", "--boot", "1", "--loadparm", "TOOLONGXX"], 2),
    "loadparm-without-boot": (["0.0.1000", "--loadparm", "A"], 2),
    "uid-for-ccw": (["0.0.1000", "--uid", "1"], 2),
    "boot-for-pci": (["0019:00:00.0", "--boot", "1"], 2),
    "malformed-domain-xml": (["0.0.1000", "--domain-xml", str(LIBVIRT_DATA / "node.xml")], 7),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_hostdev_refusals_golden(name, run_zvfio, passthrough_root):
    args, code = REFUSALS[name]
    result = run_zvfio("hostdev", *args, root=passthrough_root)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    check_golden(f"hostdev/{name}.err", result.stderr.replace(str(LIBVIRT_DATA), "LIBVIRT_DATA"))


def test_forceable_rule_passes_with_force(run_zvfio, passthrough_root):
    result = run_zvfio("hostdev", "0.0.1000", "--guest-devno", "0.0.1234", "--force",
                       root=passthrough_root)
    assert result.returncode == 0
    assert result.stderr.startswith("warning: guest.cssid:")
    assert "cssid='0x0'" in result.stdout


def test_force_does_not_override_hard_rules(run_zvfio, passthrough_root):
    result = run_zvfio("hostdev", "0.0.1001", "--guest-devno", "fe.0.0001", "--force",
                       "--domain-xml", GUEST, root=passthrough_root)
    assert result.returncode == 3
    assert "error: guest.devno-dup:" in result.stderr


def test_domain_xml_from_stdin_and_dtd_refused(run_zvfio, passthrough_root):
    result = run_zvfio("hostdev", "0.0.1001", "--domain-xml", "-", root=passthrough_root,
                       input=GUEST.read_text())
    assert result.returncode == 0, result.stderr
    evil = ("<?xml version='1.0'?><!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
            "<domain><name>&e;</name></domain>")
    result = run_zvfio("hostdev", "0.0.1001", "--domain-xml", "-", root=passthrough_root,
                       input=evil)
    assert result.returncode == 7
    assert "DOCTYPE is not allowed" in result.stderr
    assert "root:" not in result.stderr
