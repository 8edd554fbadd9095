"""managed='yes' PCI hostdevs (issue 12 §2): the rules judge the state the device will be
in when the guest starts. libvirt binds a managed function to vfio-pci itself, so the
binding rules (zpci.vfio-bound, the binding part of zpci.ism.driver) do not refuse it;
what no binding fixes (non-MIO, interpretation, uid/fid) still does. The same trait
reaches the rules from `zvfio hostdev --managed`, from a domain's <hostdev managed='yes'>
(`zvfio check --domain-xml`) and from zvfio-hook."""

import pytest

from conftest import unwrap_violations

# rules-zpci: 0010 ISM on ism, 0011 ISM with MIO on vfio-pci, 0013 ISM on no driver,
# 0020 RoCE on mlx5_core, 0021 RoCE on vfio-pci.
DOMAIN = """<domain type='kvm'>
  <name>zguest</name>
  <memory unit='KiB'>1048576</memory>
  <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='{managed}'>
      <source><address domain='0x{domain}' bus='0x00' slot='0x00' function='0x0'/></source>
    </hostdev>
  </devices>
</domain>
"""


@pytest.fixture
def zpci_root(make_tree, tmp_path):
    return make_tree("rules-zpci", tmp_path)


def rule_lines(text, severity=None):
    """The 'SEVERITY: RULE: DEVICE: message (fix: hint)' lines of a violation listing."""
    return [line for line in unwrap_violations(text).splitlines()
            if line.startswith(("error: ", "warning: ")) and
            (severity is None or line.startswith(severity + ": "))]


@pytest.mark.parametrize("address, driver", [("0020:00:00.0", "mlx5_core"),
                                             ("0013:00:00.0", "no driver")])
def test_managed_hostdev_is_not_refused_for_its_driver(run_zvfio, zpci_root, address, driver):
    managed = run_zvfio("hostdev", address, "--managed", root=zpci_root)
    assert managed.returncode == 0, managed.stderr
    assert "managed='yes'" in managed.stdout
    assert rule_lines(managed.stderr, "error") == []
    assert "zpci.vfio-bound" not in managed.stderr
    # unmanaged: refused until bound, and the hint offering managed='yes' is now true
    unmanaged = run_zvfio("hostdev", address, root=zpci_root)
    assert unmanaged.returncode == 3, unmanaged.stderr
    assert unmanaged.stdout == ""
    assert driver in unmanaged.stderr
    if address.startswith("0020"):
        # libvirt can bind it: the hint says how, in XML and with zvfio's own option
        assert "or let libvirt bind it: managed='yes' in the hostdev" \
            in unwrap_violations(unmanaged.stderr)
        assert f"or: zvfio hostdev --managed {address}" in unmanaged.stderr


def test_managed_ism_on_the_smc_d_driver_is_a_warning_naming_libvirt(run_zvfio, zpci_root):
    managed = run_zvfio("hostdev", "0010:00:00.0", "--managed", root=zpci_root)
    assert managed.returncode == 0, managed.stderr
    [line] = [x for x in rule_lines(managed.stderr) if "zpci.ism.driver" in x]
    assert line.startswith("warning: zpci.ism.driver: 0010:00:00.0: ")
    assert "libvirt binds it to vfio-pci when the guest starts" in line
    assert "zvfio prepare" not in line          # no fix for the admin to apply
    unmanaged = run_zvfio("hostdev", "0010:00:00.0", root=zpci_root)
    assert unmanaged.returncode == 3
    assert "error: zpci.ism.driver: 0010:00:00.0:" in unmanaged.stderr


def test_managed_does_not_lift_what_no_binding_fixes(run_zvfio, zpci_root, make_tree, tmp_path):
    mio = run_zvfio("hostdev", "0011:00:00.0", "--managed", root=zpci_root)
    assert mio.returncode == 3
    assert "error: zpci.ism.mio:" in mio.stderr
    rng = run_zvfio("hostdev", "0021:00:00.0", "--managed", "--uid", "0", root=zpci_root)
    assert rng.returncode == 3
    assert "error: zpci.uid-range:" in rng.stderr
    z13 = make_tree("rules-zpci-z13", tmp_path)
    interp = run_zvfio("hostdev", "0012:00:00.0", "--managed", root=z13)
    assert interp.returncode == 3
    assert "error: zpci.ism.interpretation:" in interp.stderr


@pytest.mark.parametrize("managed, code", [("yes", 0), ("no", 3)])
def test_check_takes_managed_from_the_domain_hostdev(run_zvfio, zpci_root, tmp_path,
                                                    managed, code):
    domain = tmp_path / "d.xml"
    domain.write_text(DOMAIN.format(managed=managed, domain="0020"))
    result = run_zvfio("check", "0020:00:00.0", "--op", "start", "--domain-xml", domain,
                       root=zpci_root)
    assert result.returncode == code, result.stdout + result.stderr
    assert ("zpci.vfio-bound" in result.stdout) == (managed == "no")


def test_hook_warning_for_a_managed_ism_names_libvirt(run_hook, zpci_root, tmp_path, kernel):
    kernel(zpci_root)
    xml = DOMAIN.format(managed="yes", domain="0010")
    r = run_hook(zpci_root, "zguest", "prepare", "begin", xml)
    assert r.returncode == 0, r.stderr
    assert "libvirt binds it to vfio-pci when the guest starts" in r.stderr
    r = run_hook(zpci_root, "zguest", "prepare", "begin", DOMAIN.format(managed="no",
                                                                       domain="0010"))
    assert r.returncode == 0, r.stderr
    assert "zvfio binds it to vfio-pci" in r.stderr
