"""zvfio attach/detach/domains/show/list --from-libvirt against libvirt 9.0's test driver.

The test driver keeps its state per connection and every zvfio run opens its own, so
each run starts from tests/integration/libvirt/node.xml again (see tests/README.md):
- attach/detach are checked through --print-xml, the persistent XML that zvfio reads
  back from libvirt (same connection) after the change;
- "a second attach is refused" is tested twice: with a node file whose domain already
  holds the device (libvirt's own state), and with two IDs in one run.
"""

import json
import xml.etree.ElementTree as ET

import jsonschema
import libvirt
import pytest
from conftest import LIBVIRT_DATA, check_golden, unwrap_violations

MDEV_ACTIVE = "8e37ee90-2b51-45e3-9b25-bf8283c03110"    # 0.0.0100 / 0.0.1000, held by 'holder'
MDEV_DEFINED = "9063cba3-ecef-47b6-abcf-3fef4fdcad85"   # 0.0.0101 / 0.0.1001, unused


def hostdevs(xml_text):
    """(kind, source, guest address attrs) of every <hostdev> in a domain XML."""
    out = []
    for hd in ET.fromstring(xml_text).iter("hostdev"):
        src = hd.find("source/address").attrib
        addr = hd.find("address")
        zpci = hd.find("address/zpci")
        guest = dict(zpci.attrib if zpci is not None else addr.attrib if addr is not None else {})
        out.append((hd.get("type"), src.get("uuid") or src.get("domain"), guest))
    return out


def split_xml(stdout):
    """Splits attach/detach --print-xml output into the report lines and the domain XML."""
    head, _, xml = stdout.partition("<domain")
    return head.splitlines(), "<domain" + xml


def test_node_file_loads_in_the_test_driver(test_uri):
    conn = libvirt.open(test_uri)
    names = sorted(d.name() for d in conn.listAllDomains(0))
    assert names == ["guest1", "holder"]
    devices = sorted(d.name() for d in conn.listAllDevices(0))
    assert "css_0_0_0100" in devices and f"mdev_{MDEV_ACTIVE.replace('-', '_')}_0_0_0100" in devices
    with pytest.raises(libvirt.libvirtError) as err:
        conn.lookupByName("guest1").attachDeviceFlags("<hostdev/>", libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    assert err.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT


def test_attach_redefines_persistent_definition(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1001", "0010:00:00.0",
                       "--print-xml", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert ("this function is not supported by the connection driver: "
            "virDomainAttachDeviceFlags; redefining the persistent definition") in result.stderr
    lines, xml = split_xml(result.stdout)
    check_golden("libvirt/attach.out", "\n".join(lines) + "\n")
    # guest1's virtio disk sits at fe.0.1001, so the mdev gets the lowest free devno
    assert hostdevs(xml) == [
        ("mdev", MDEV_DEFINED, {"type": "ccw", "cssid": "0xfe", "ssid": "0x0", "devno": "0x0000"}),
        ("pci", "0x0010", {"uid": "0x0010", "fid": "0x00000010"}),
    ]


def test_attach_with_define_runs_real_mdevctl(mdevctl_ns, zvfio_bin, passthrough_root, test_uri):
    result = mdevctl_ns(passthrough_root, zvfio_bin, "--connect", test_uri, "attach", "guest1",
                        "0.0.0001", "--define", "--print-xml",
                        env={"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"})
    assert result.returncode == 0, result.stderr
    defined = list((passthrough_root / "etc/mdevctl.d/0.0.0102").iterdir())
    assert len(defined) == 1
    uuid = defined[0].name
    assert json.loads(defined[0].read_text())["start"] == "auto"
    _, xml = split_xml(result.stdout)
    assert ("mdev", uuid, {"type": "ccw", "cssid": "0xfe", "ssid": "0x0", "devno": "0x0001"}) \
        in hostdevs(xml)


def test_second_attach_of_held_device_is_refused(run_zvfio, passthrough_root, test_uri):
    # 'holder' already has 0.0.0100's mdev and 0019:00:00.0 (uid 0x19) in libvirt's state
    result = run_zvfio("--connect", test_uri, "attach", "holder", "0.0.1000", root=passthrough_root)
    assert result.returncode == 3
    check_golden("libvirt/attach-again-ccw.err", result.stderr)
    result = run_zvfio("--connect", test_uri, "attach", "holder", "0019:00:00.0", "--uid", "0x19",
                       root=passthrough_root)
    assert result.returncode == 3
    assert "error: zpci.used-by-domain:" in result.stderr
    assert "error: zpci.uid-dup: 0019:00:00.0: guest zPCI uid 0x0019" in result.stderr
    assert result.stdout == ""


def test_second_attach_in_one_run_is_refused_and_nothing_changes(run_zvfio, passthrough_root,
                                                                  test_uri):
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1001", "0.0.1001",
                       root=passthrough_root)
    assert result.returncode == 3
    assert ("error: ccw.used-by-domain: 0.0.1001 (subchannel 0.0.0101): subchannel 0.0.0101 "
            f"(mdev {MDEV_DEFINED}) is already attached to domain 'guest1'") \
        in unwrap_violations(result.stderr)
    assert result.stdout == ""
    assert "redefining" not in result.stderr


def test_device_of_another_domain_needs_force(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1000", root=passthrough_root)
    assert result.returncode == 3
    check_golden("libvirt/attach-used-elsewhere.err", result.stderr)
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1000", "--force",
                       "--print-xml", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning: ccw.used-by-domain:")
    _, xml = split_xml(result.stdout)
    assert ("mdev", MDEV_ACTIVE, {"type": "ccw", "cssid": "0xfe", "ssid": "0x0",
                                  "devno": "0x1000"}) in hostdevs(xml)


def test_zpci_uid_and_fid_conflicts(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "attach", "holder", "0010:00:00.0", "--uid", "25",
                       root=passthrough_root)
    assert result.returncode == 3
    assert "error: zpci.uid-dup: 0010:00:00.0: guest zPCI uid 0x0019 is already used" in result.stderr
    result = run_zvfio("--connect", test_uri, "attach", "holder", "0010:00:00.0", "--fid", "0x1f",
                       root=passthrough_root)
    assert result.returncode == 3
    assert "error: zpci.fid-dup:" in result.stderr
    # without --uid/--fid the allocation picks free values
    result = run_zvfio("--connect", test_uri, "attach", "holder", "0010:00:00.0", "--print-xml",
                       root=passthrough_root)
    assert result.returncode == 0, result.stderr
    _, xml = split_xml(result.stdout)
    assert ("pci", "0x0010", {"uid": "0x0010", "fid": "0x00000010"}) in hostdevs(xml)


def test_detach_redefines(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "detach", "holder", "0.0.1000", "0019:00:00.0",
                       "--print-xml", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert "virDomainDetachDeviceFlags; redefining" in result.stderr
    lines, xml = split_xml(result.stdout)
    check_golden("libvirt/detach.out", "\n".join(lines) + "\n")
    assert hostdevs(xml) == []


def test_detach_by_uuid_and_missing_device(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "detach", "holder", MDEV_ACTIVE, "--print-xml",
                       root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert [h[0] for h in hostdevs(split_xml(result.stdout)[1])] == ["pci"]
    result = run_zvfio("--connect", test_uri, "detach", "guest1", "0.0.1000", root=passthrough_root)
    assert result.returncode == 4
    assert "domain 'guest1' uses no mdev of subchannel 0.0.0100" in result.stderr
    result = run_zvfio("--connect", test_uri, "detach", "guest1", "0019:00:00.0",
                       root=passthrough_root)
    assert result.returncode == 4
    assert "domain 'guest1' has no hostdev for 0019:00:00.0" in result.stderr


def test_domains_table_and_json(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "domains", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    check_golden("libvirt/domains.txt", result.stdout)
    result = run_zvfio("--connect", test_uri, "domains", "--json", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    check_golden("libvirt/domains.json", result.stdout)
    data = json.loads(result.stdout)
    holder = [d for d in data["domains"] if d["name"] == "holder"][0]
    assert holder["hostdevs"][0]["subchannel"] == "0.0.0100"
    assert holder["hostdevs"][0]["devno"] == "0.0.1000"


def test_list_from_libvirt(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "list", "--from-libvirt", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    check_golden("libvirt/list-from-libvirt.txt", result.stdout)
    remote = run_zvfio("--connect", test_uri, "list", "--from-libvirt", "--json",
                       root=passthrough_root)
    assert remote.returncode == 0, remote.stderr
    check_golden("libvirt/list-from-libvirt.json", remote.stdout)
    local = json.loads(run_zvfio("list", "--json", root=passthrough_root).stdout)
    remote = json.loads(remote.stdout)
    schema = json.loads((LIBVIRT_DATA.parents[2] / "schemas/zvfio-list.schema.json").read_text())
    jsonschema.validate(remote, schema)
    # the same keys as the local inventory wherever libvirt has the information
    for kind in ("subchannels", "pci_functions"):
        local_keys = set().union(*(o.keys() for o in local[kind]))
        for obj in remote[kind]:
            assert set(obj) <= local_keys
    assert [s["id"] for s in remote["subchannels"]] == ["0.0.0100", "0.0.0101", "0.0.0103"]
    assert remote["subchannels"][0]["mdevs"][0]["uuid"] == MDEV_ACTIVE
    ccw = run_zvfio("--connect", test_uri, "list", "ccw", "--from-libvirt", "--json",
                    root=passthrough_root)
    assert json.loads(ccw.stdout)["pci_functions"] == []


def test_show_names_the_domain(run_zvfio, passthrough_root, test_uri):
    result = run_zvfio("--connect", test_uri, "show", "0.0.1000", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("Used by domain: holder\n")
    result = run_zvfio("--connect", test_uri, "show", "0.0.1001", root=passthrough_root)
    assert result.stdout.endswith("Used by domain: none\n")
    result = run_zvfio("--connect", test_uri, "show", "0019:00:00.0", "--json",
                       root=passthrough_root)
    assert json.loads(result.stdout)["pci_functions"][0]["domains"] == ["holder"]
    # without --connect: no libvirt, no key
    result = run_zvfio("show", "0.0.1000", "--json", root=passthrough_root)
    assert "domains" not in json.loads(result.stdout)["subchannels"][0]


def test_show_survives_unreachable_libvirt(run_zvfio, passthrough_root, tmp_path):
    result = run_zvfio("--connect", f"test://{tmp_path}/missing.xml", "show", "0.0.1000",
                       root=passthrough_root)
    assert result.returncode == 0
    assert "Used by domain" not in result.stdout
    assert "warning: domains using the device not shown: libvirt: cannot connect" in result.stderr


def test_libvirt_errors_surface_verbatim(run_zvfio, passthrough_root, test_uri, tmp_path):
    result = run_zvfio("--connect", test_uri, "attach", "nosuch", "0.0.1001", root=passthrough_root)
    assert result.returncode == 4
    assert result.stderr == "zvfio: libvirt: domain 'nosuch': Domain not found\n"
    result = run_zvfio("--connect", f"test://{tmp_path}/missing.xml", "domains",
                       root=passthrough_root)
    assert result.returncode == 8
    assert result.stderr.startswith(f"zvfio: libvirt: cannot connect to test://{tmp_path}/missing.xml: ")
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1001", "--live",
                       root=passthrough_root)
    # test-driver domains run, so --live reaches the driver, which has no attach
    assert result.returncode == 8
    assert "virDomainAttachDeviceFlags" in result.stderr


def test_detached_domain_xml_is_schema_valid(run_zvfio, passthrough_root, test_uri, tmp_path):
    from conftest import validate_domain_rng
    result = run_zvfio("--connect", test_uri, "attach", "guest1", "0.0.1001", "0019:00:00.0",
                       "--force", "--print-xml", root=passthrough_root)
    assert result.returncode == 0, result.stderr
    validate_domain_rng(split_xml(result.stdout)[1], tmp_path)


def loaded_objects(zvfio_bin, *args):
    """(exit code, shared objects the dynamic loader loaded) of one zvfio run."""
    import os
    import subprocess
    env = dict(os.environ, LD_DEBUG="files")
    res = subprocess.run([str(zvfio_bin)] + [str(a) for a in args], capture_output=True,
                         text=True, env=env)
    return res.returncode, [line.split("file=")[1].split()[0]
                            for line in res.stderr.splitlines() if "file=" in line]


def links_libvirt(binary):
    """TRUE when BINARY names libvirt.so.0 as NEEDED (the ASan build links it at start)."""
    import subprocess
    dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True)
    return "[libvirt.so.0]" in dynamic.stdout


def test_libvirt_is_loaded_only_by_commands_that_connect(zvfio_bin, passthrough_root, test_uri):
    """The inventory commands start without libvirt's shared objects (issue 13: about
    40 ms of each start); a command that connects loads the client library then."""
    if links_libvirt(zvfio_bin):
        pytest.skip("this build (-Db_sanitize) links libvirt at start, so that ASan "
                    "intercepts it: the release build loads it on the first connection")
    rc, objects = loaded_objects(zvfio_bin, "--root", passthrough_root, "list", "ccw")
    assert rc == 0
    assert not [o for o in objects if o.startswith("libvirt")], objects
    rc, objects = loaded_objects(zvfio_bin, "--connect", test_uri, "domains", "--json")
    assert rc == 0
    assert "libvirt.so.0" in objects, objects
