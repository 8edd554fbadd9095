"""libvirt node-device names are IDs of every zvfio command (issue 12 §4):
css_0_0_0100, ccw_0_0_1003, mdev_<uuid>_0_0_0101 (libvirt >= 7.8), mdev_<uuid> (older
libvirt) and pci_0010_00_00_0 name the same device as the zvfio IDs, on the
guest-passthrough fixture (show, check, nodedev, hostdev, prepare, define/undefine/
start/stop with the real mdevctl, attach/detach against libvirt's test driver).
Malformed names are refused with one clear line and change nothing."""

import json

import pytest
from conftest import host_state

ACTIVE = "8e37ee90-2b51-45e3-9b25-bf8283c03110"     # on 0.0.0100
DEFINED = "9063cba3-ecef-47b6-abcf-3fef4fdcad85"    # on 0.0.0101, defined only


def name_of(uuid, parent=None):
    """libvirt's node-device name of mdev UUID (with PARENT like 0.0.0100)."""
    name = "mdev_" + uuid.replace("-", "_")
    return name + "_" + parent.replace(".", "_") if parent else name


SAME = [
    ("css_0_0_0100", "sch:0.0.0100"),
    ("ccw_0_0_1003", "ccw:0.0.1003"),
    (name_of(ACTIVE, "0.0.0100"), ACTIVE),
    (name_of(DEFINED), DEFINED),
    (name_of(DEFINED, "0.0.0101"), DEFINED),
    ("pci_0010_00_00_0", "0010:00:00.0"),
    ("pci_0019_00_00_0", "0019:00:00.0"),
]

BAD = ["css_0_0_100", "css_0_0_0100_", "CSS_0_0_0100", "css_0_0_010A", "css_0_4_0100",
       "ccw_0.0.1003", "ccw_0_0_1003x", "pci_0010_00_00_8", "pci_010_00_00_0",
       "pci_0010_00_00", name_of(ACTIVE).upper().replace("MDEV_", "mdev_"),
       "mdev_" + ACTIVE, name_of(ACTIVE) + "_matrix", name_of(ACTIVE) + "_0_0_100",
       "mdev_8e37ee90_2b51_45e3_9b25"]


def json_show(run_zvfio, root, ident):
    res = run_zvfio("show", ident, "--json", root=root)
    assert res.returncode == 0, (ident, res.stderr)
    return json.loads(res.stdout)


@pytest.mark.parametrize("name,plain", SAME)
def test_show_and_check_take_node_device_names(run_zvfio, passthrough_root, name, plain):
    assert json_show(run_zvfio, passthrough_root, name) == \
        json_show(run_zvfio, passthrough_root, plain)
    by_name = run_zvfio("check", name, "--json", root=passthrough_root)
    by_id = run_zvfio("check", plain, "--json", root=passthrough_root)
    assert by_name.returncode == by_id.returncode
    # the report names the device the same way (only the requested id differs)
    assert json.loads(by_name.stdout.replace(name, plain)) == json.loads(by_id.stdout)


def test_mdev_name_with_another_parent_is_not_found(run_zvfio, passthrough_root):
    for args in (["show"], ["check"], ["nodedev"], ["hostdev"]):
        res = run_zvfio(*args, name_of(ACTIVE, "0.0.0101"), root=passthrough_root)
        assert res.returncode == 4, (args, res.stderr)
        assert res.stderr == (f"zvfio: no mdev {ACTIVE} on subchannel 0.0.0101 "
                              "(it belongs to subchannel 0.0.0100)\n")
        assert res.stdout == ""


@pytest.mark.parametrize("bad", BAD)
def test_malformed_names_are_refused_by_every_command(run_zvfio, passthrough_root, bad):
    before = host_state(passthrough_root)
    for args in (["show", bad], ["check", bad], ["nodedev", bad], ["hostdev", bad],
                 ["prepare", bad], ["release", bad], ["define", bad], ["start", bad],
                 ["undefine", bad]):
        res = run_zvfio(*args, root=passthrough_root)
        assert res.returncode == 2, (args, res.stderr)
        assert res.stdout == ""
        assert res.stderr.startswith(f"zvfio: '{bad}' is not a libvirt node device name"), \
            (args, res.stderr)
    assert host_state(passthrough_root) == before


def test_nodedev_prints_what_the_name_names(run_zvfio, passthrough_root):
    for name, plain in [SAME[0], SAME[2], SAME[3], SAME[4], SAME[5], SAME[6]]:
        by_name = run_zvfio("nodedev", name, root=passthrough_root)
        assert by_name.returncode == 0, by_name.stderr
        assert f"<name>{name}</name>" in by_name.stdout or name == name_of(DEFINED)
        assert by_name.stdout == run_zvfio("nodedev", plain, root=passthrough_root).stdout


def test_hostdev_takes_node_device_names(run_zvfio, passthrough_root):
    for name, plain in [SAME[0], SAME[2], SAME[4], SAME[5]]:
        by_name = run_zvfio("hostdev", name, root=passthrough_root)
        assert by_name.returncode == 0, by_name.stderr
        assert by_name.stdout == run_zvfio("hostdev", plain, root=passthrough_root).stdout


def test_prepare_takes_node_device_names(run_zvfio, passthrough_root):
    """The vfio_ccw-bound subchannel and the vfio-pci function need nothing; the
    answer names the device each name resolved to."""
    before = host_state(passthrough_root)
    for name, label in [("css_0_0_0100",
                         "0.0.1000 (subchannel 0.0.0100): already bound to vfio_ccw"),
                        ("ccw_0_0_1000",
                         "0.0.1000 (subchannel 0.0.0100): already bound to vfio_ccw"),
                        ("pci_0010_00_00_0", "PCI function 0010:00:00.0: already bound to vfio-pci")]:
        res = run_zvfio("prepare", name, root=passthrough_root)
        assert res.returncode == 0, res.stderr
        assert res.stdout == f"{label}; nothing to do\n"
    assert host_state(passthrough_root) == before


def test_define_start_undefine_with_node_device_names(mdevctl_ns, zvfio_bin, passthrough_root):
    env = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}
    uuid = "5f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e77"

    def zvfio(*args):
        return mdevctl_ns(passthrough_root, zvfio_bin, "--root", passthrough_root, *args, env=env)

    res = zvfio("define", "css_0_0_0102", "--uuid", uuid)
    assert res.returncode == 0, res.stderr
    assert (passthrough_root / "etc/mdevctl.d/0.0.0102" / uuid).exists()
    # an mdev name with the wrong parent does not undefine it
    res = zvfio("undefine", name_of(uuid, "0.0.0101"))
    assert res.returncode == 4, res.stderr
    assert (passthrough_root / "etc/mdevctl.d/0.0.0102" / uuid).exists()
    res = zvfio("undefine", name_of(uuid, "0.0.0102"))
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{uuid}\n"
    assert not (passthrough_root / "etc/mdevctl.d/0.0.0102" / uuid).exists()
    res = zvfio("stop", name_of(ACTIVE, "0.0.0101"))
    assert res.returncode == 4 and "(it runs on 0.0.0100)" in res.stderr, res.stderr


def test_attach_and_detach_take_node_device_names(run_zvfio, passthrough_root, test_uri):
    res = run_zvfio("--connect", test_uri, "attach", "guest1", name_of(DEFINED, "0.0.0101"),
                    "pci_0010_00_00_0", "--print-xml", root=passthrough_root)
    assert res.returncode == 0, res.stderr
    assert f"uuid='{DEFINED}'" in res.stdout and "domain='0x0010'" in res.stdout
    res = run_zvfio("--connect", test_uri, "detach", "holder", name_of(ACTIVE, "0.0.0100"),
                    "--print-xml", root=passthrough_root)
    assert res.returncode == 0, res.stderr
    assert ACTIVE not in res.stdout.partition("<domain")[2]
