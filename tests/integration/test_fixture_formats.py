"""The fixture generator's trees match real Linux s390x sysfs formats.

(a) reference-initial / reference-bound reproduce
    tests/reference/linux-6.1-s390x-sysfs-snapshot.txt;
(b) every spec's tree passes format checks derived from shared/facts/kernel-and-qemu.md;
(c) the committed examples/demo-lpar tree equals a fresh generation of examples/demo-lpar.json.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SNAPSHOT = REPO / "tests" / "reference" / "linux-6.1-s390x-sysfs-snapshot.txt"
SPECS = sorted(p.stem for p in (FIXTURES / "specs").glob("*.json"))
WELL_FORMED_SPECS = [s for s in SPECS if s != "garbage"]

sys.path.insert(0, str(FIXTURES))
import zvfio_fixtures  # noqa: E402

# What the reference comparison leaves out, and why:
#  * virtioN/ subtrees (virtio bus children of virtio-ccw/virtio-pci devices): zvfio never reads
#    them and the generator does not model the virtio bus.
#  * contents of '<skipped>' files (uevent, rom, config, util_string, report_error): the snapshot
#    has no contents to compare, so only their existence as regular files is checked.
#  * 'resource' was cut at TRUNCATED_LEN characters in the snapshot: compared as a prefix.
#  * entries deeper than the snapshot's own depth limit (e.g. vfio-dev/vfioN/device): the snapshot
#    does not list them.
VIRTIO_RE = re.compile(r"/virtio\d+(/|$)")
TRUNCATED_LEN = 300

BUSID = r"0\.[0-3]\.[0-9a-f]{4}"
BUSID_RE = re.compile(rf"^{BUSID}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SCH_FORMATS = {
    "chpids": r"^([0-9a-f]{2} ){8}\n$",
    "pimpampom": r"^[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}\n$",
    "dev_busid": rf"^({BUSID}|none)\n$",
    "driver_override": r"^\S+\n$",
    "vpm": r"^[0-9a-f]{2}\n$",
}
CCW_FORMATS = {
    "cutype": r"^[0-9a-f]{4}/[0-9a-f]{2}\n$",
    "devtype": r"^([0-9a-f]{4}/[0-9a-f]{2}|n/a)\n$",
    "online": r"^[01]\n$",
    "availability": r"^(good|boxed|no path|no device)\n$",
    "cmb_enable": r"^[01]\n$",
}
PCI_FORMATS = {
    "function_id": r"^0x[0-9a-f]{8}\n$",
    "function_handle": r"^0x[0-9a-f]{8}\n$",
    "pchid": r"^0x[0-9a-f]{4}\n$",
    "pfgid": r"^0x[0-9a-f]{2}\n$",
    "vfn": r"^0x[0-9a-f]{4}\n$",
    "pft": r"^0x[0-9a-f]{2}\n$",
    "port": r"^(0|[1-9][0-9]*)\n$",
    "uid": r"^0x(0|[1-9a-f][0-9a-f]*)\n$",
    "uid_is_unique": r"^[01]\n$",
    "index": r"^(0|[1-9][0-9]*)\n$",
    "mio_enabled": r"^[01]\n$",
    "vendor": r"^0x[0-9a-f]{4}\n$",
    "device": r"^0x[0-9a-f]{4}\n$",
    "subsystem_vendor": r"^0x[0-9a-f]{4}\n$",
    "subsystem_device": r"^0x[0-9a-f]{4}\n$",
    "class": r"^0x[0-9a-f]{6}\n$",
    "driver_override": r"^\S+\n$",
    **{f"pfip/segment{i}": r"^0x[0-9a-f]{2}\n$" for i in range(4)},
}
SLOT_FORMATS = {"address": r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\n$", "power": r"^[01]\n$",
                "adapter": r"^1\n$"}
PCI_ALWAYS = ["function_id", "function_handle", "pchid", "pfgid", "vfn", "pft", "uid", "vendor",
              "device", "class", "pfip/segment0", "util_string"]
CIO_IGNORE_RE = re.compile(rf"^{BUSID}(-{BUSID})?$")


# ---------------------------------------------------------------- helpers

def text(path):
    """File contents as text (binary-safe)."""
    return path.read_bytes().decode("latin-1")


def rel(root, path):
    """Path shown as it would appear on the host ('/sys/...')."""
    return "/" + str(Path(path).relative_to(root))


def resolves_to(link, target):
    """True if link resolves to the same directory as target."""
    return link.is_symlink() and link.resolve() == target.resolve()


def check_formats(root, base, formats, required=()):
    """Problems for attributes under base that are missing (if required) or malformed."""
    problems = []
    for name, pattern in formats.items():
        path = base / name
        if not path.exists():
            if name in required:
                problems.append(f"{rel(root, path)}: missing")
        elif not re.match(pattern, text(path)):
            problems.append(f"{rel(root, path)}: bad format {text(path)!r}")
    return problems + [f"{rel(root, base / n)}: missing" for n in required
                       if n not in formats and not (base / n).exists()]


# ---------------------------------------------------------------- snapshot (a)

def parse_snapshot(path):
    """Return {snapshot name: {path: (kind, value)}} from the reference dump."""
    snapshots, current = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("=== SNAPSHOT "):
            current = snapshots.setdefault(line.split()[-1], {})
        elif line.startswith("=== END"):
            current = None
        elif current is not None and line[:2] in ("D ", "L ", "F ", "W "):
            kind, rest = line[0], line[2:]
            if kind == "L":
                entry_path, value = rest.split(" -> ", 1)
            elif kind == "F" and rest.endswith(" <skipped>"):
                entry_path, value = rest[:-len(" <skipped>")], None
            elif kind == "F":
                entry_path, value = rest.split(" = ", 1)
            else:
                entry_path, value = rest, None
            current[entry_path] = (kind, value)
    return snapshots


def snapshot_entry_problem(root, path, kind, value):
    """Describe how the generated tree differs from one snapshot entry, or return None."""
    real = root / path.lstrip("/")
    if kind == "D":
        return None if real.is_dir() and not real.is_symlink() else "directory missing"
    if kind == "L":
        got = os.readlink(real) if real.is_symlink() else None
        return None if got == value else f"link target {got!r} != {value!r}"
    if not real.is_file() or real.is_symlink():
        return "regular file missing"
    if kind == "W":
        mode = real.stat().st_mode & 0o777
        return None if mode == 0o200 else f"write-only file has mode {mode:o}"
    if value is None:
        return None
    got = text(real).replace("\n", "|")
    if got == value or (len(value) == TRUNCATED_LEN and got.startswith(value)):
        return None
    return f"content {got!r} != {value!r}"


def generated_entries(root, top, max_depth):
    """Paths ('/sys/...') of everything below top in the generated tree, up to max_depth parts."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root / top.lstrip("/")):
        for name in dirnames + filenames:
            path = rel(root, Path(dirpath) / name)
            if len(path.strip("/").split("/")) <= max_depth:
                found.add(path)
    return found


@pytest.fixture(scope="module")
def snapshots():
    """The parsed reference snapshot (tests/reference, copied from the real kernel)."""
    return parse_snapshot(SNAPSHOT)


@pytest.mark.parametrize("name", ["initial", "bound"])
def test_reference_snapshot_reproduced(name, snapshots, make_tree, tmp_path):
    """Every D, L target, F content and W mode of the snapshot is reproduced, nothing is extra."""
    entries = {p: v for p, v in snapshots[name].items() if not VIRTIO_RE.search(p)}
    root = make_tree(f"reference-{name}", tmp_path)
    problems = [f"{p}: {msg}" for p, (kind, value) in sorted(entries.items())
                if (msg := snapshot_entry_problem(root, p, kind, value))]
    dirs = {p for p, (kind, _) in entries.items() if kind == "D"}
    tops = sorted(p for p in dirs if os.path.dirname(p) not in dirs)
    max_depth = max(len(p.strip("/").split("/")) for p in entries)
    for top in tops:
        extra = {p for p in generated_entries(root, top, max_depth) if not VIRTIO_RE.search(p)}
        problems += [f"{p}: generated but not in the snapshot"
                     for p in sorted(extra - set(entries))]
    assert not problems, "\n".join(problems)


def test_snapshot_parser_sees_both_snapshots(snapshots):
    """Guard against a silently empty comparison."""
    assert len(snapshots["initial"]) > 300 and len(snapshots["bound"]) > 300


# ---------------------------------------------------------------- format checks (b)

def check_symlinks(root):
    """All symlinks are relative and resolve to an existing path inside the tree."""
    problems = []
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                continue
            target = os.readlink(path)
            resolved = Path(os.path.realpath(path))
            if target.startswith("/"):
                problems.append(f"{rel(root, path)}: absolute link {target}")
            elif not resolved.exists() or real_root not in [resolved, *resolved.parents]:
                problems.append(f"{rel(root, path)}: dangling or escaping link {target}")
    return problems


def driver_name(device):
    """Basename of a device's driver link, or None when unbound."""
    link = device / "driver"
    return os.path.basename(os.readlink(link)) if link.is_symlink() else None


def check_subchannel(root, sch):
    """Attribute formats and driver-dependent presence rules of one subchannel."""
    type_path = sch / "type"
    if not type_path.is_file() or not re.match(r"^[0-3]\n$", text(type_path)):
        return [f"{rel(root, type_path)}: missing or malformed type"]
    sch_type = int(text(type_path))
    driver = driver_name(sch)
    problems = check_formats(root, sch, SCH_FORMATS, ["modalias"])
    if text(sch / "modalias") != f"css:t{sch_type:X}\n":
        problems.append(f"{rel(root, sch)}/modalias: does not match type")
    io_only = ["chpids", "pimpampom", "dev_busid", "vpm", "logging"]
    if sch_type != 0:
        problems += [f"{rel(root, sch / n)}: present on a non-I/O subchannel" for n in io_only
                     if (sch / n).exists()]
    else:
        problems += check_formats(root, sch, {}, ["chpids", "pimpampom"])
    for name in ("vpm", "logging"):
        if (sch / name).exists() != (driver == "io_subchannel"):
            problems.append(f"{rel(root, sch / name)}: present iff bound to io_subchannel")
    problems += check_ccw_children(root, sch, driver)
    problems += check_vfio_ccw(root, sch, driver)
    return problems


def check_ccw_children(root, sch, driver):
    """A ccw child exists only under io_subchannel and matches dev_busid."""
    children = [c for c in sch.iterdir() if BUSID_RE.match(c.name) and c.is_dir()]
    if children and driver != "io_subchannel":
        return [f"{rel(root, sch)}: ccw child without io_subchannel"]
    problems = []
    for child in children:
        busid_file = sch / "dev_busid"
        if busid_file.exists() and text(busid_file) != child.name + "\n":
            problems.append(f"{rel(root, child)}: name differs from dev_busid")
        problems += check_ccw_device(root, child)
    return problems


def check_ccw_device(root, dev):
    """Formats of one ccw device and its bus link."""
    problems = check_formats(root, dev, CCW_FORMATS, list(CCW_FORMATS) + ["modalias"])
    if not problems:
        expected = zvfio_fixtures.ccw_modalias(text(dev / "cutype").strip(),
                                               text(dev / "devtype").strip())
        if text(dev / "modalias") != expected + "\n":
            problems.append(f"{rel(root, dev)}/modalias: does not match {expected!r}")
    if not resolves_to(root / "sys/bus/ccw/devices" / dev.name, dev):
        problems.append(f"{rel(root, dev)}: no /sys/bus/ccw/devices link")
    return problems


def check_vfio_ccw(root, sch, driver):
    """mdev type directory, mdev_bus link and active mdevs of a vfio_ccw subchannel."""
    types = sch / "mdev_supported_types"
    if driver != "vfio_ccw":
        return [f"{rel(root, types)}: present without vfio_ccw"] if types.exists() else []
    type_dir = types / "vfio_ccw-io"
    formats = {"name": r"^I/O subchannel \(Non-QDIO\)\n$", "device_api": r"^vfio-ccw\n$",
               "available_instances": r"^[01]\n$"}
    problems = check_formats(root, type_dir, formats, list(formats) + ["create", "devices"])
    mdevs = [m for m in sch.iterdir() if UUID_RE.match(m.name)]
    avail = type_dir / "available_instances"
    if not problems and text(avail) != f"{1 - len(mdevs)}\n":
        problems.append(f"{rel(root, avail)}: does not match {len(mdevs)} active mdev(s)")
    if not resolves_to(root / "sys/class/mdev_bus" / sch.name, sch):
        problems.append(f"{rel(root, sch)}: no /sys/class/mdev_bus link")
    for mdev in mdevs:
        problems += check_mdev(root, mdev, type_dir)
    return problems


def check_mdev(root, mdev, type_dir):
    """Links of one active mdev (what mdevctl and QEMU rely on)."""
    problems = []
    bus_link = root / "sys/bus/mdev/devices" / mdev.name
    if not resolves_to(bus_link, mdev) or not BUSID_RE.match(bus_link.resolve().parent.name):
        problems.append(f"{rel(root, bus_link)}: must resolve into css0/<sch>/<uuid>")
    if not resolves_to(mdev / "mdev_type", type_dir):
        problems.append(f"{rel(root, mdev)}/mdev_type: wrong target")
    if not resolves_to(type_dir / "devices" / mdev.name, mdev):
        problems.append(f"{rel(root, type_dir)}/devices/{mdev.name}: missing")
    group = (mdev / "iommu_group").resolve()
    if not resolves_to(group / "devices" / mdev.name, mdev):
        problems.append(f"{rel(root, mdev)}/iommu_group: group does not list the mdev")
    return problems


def check_subchannels(root):
    """All css bus entries, plus ccw bus links pointing at children of subchannels."""
    problems = []
    css_devices = root / "sys/bus/css/devices"
    for link in sorted(css_devices.iterdir()) if css_devices.exists() else []:
        if not BUSID_RE.match(link.name):
            problems.append(f"{rel(root, link)}: bad subchannel name")
        problems += check_subchannel(root, link.resolve())
    ccw_devices = root / "sys/bus/ccw/devices"
    for link in sorted(ccw_devices.iterdir()) if ccw_devices.exists() else []:
        dev = link.resolve()
        sch = dev.parent
        if dev.name != link.name or sch.parent.name != "css0" or not BUSID_RE.match(sch.name):
            problems.append(f"{rel(root, link)}: does not resolve to a child of a subchannel")
    return problems


def check_pci_function(root, fn):
    """zPCI attribute formats, uid/index/domain rules, slot and driver links of one function."""
    problems = check_formats(root, fn, PCI_FORMATS, PCI_ALWAYS)
    if problems:
        return problems
    uid = int(text(fn / "uid"), 16)
    unique = (fn / "uid_is_unique").exists() and text(fn / "uid_is_unique") == "1\n"
    if (fn / "index").exists() != unique:
        problems.append(f"{rel(root, fn)}/index: present iff uid_is_unique is 1")
    elif unique and int(text(fn / "index")) != uid:
        problems.append(f"{rel(root, fn)}/index: differs from uid")
    if unique and uid and int(fn.name[:4], 16) != uid:
        problems.append(f"{rel(root, fn)}: domain is not the uid although uid_is_unique=1")
    if len((fn / "util_string").read_bytes()) != 64:
        problems.append(f"{rel(root, fn)}/util_string: not 64 bytes")
    slot = root / "sys/bus/pci/slots" / text(fn / "function_id")[2:].strip()
    problems += check_formats(root, slot, SLOT_FORMATS, list(SLOT_FORMATS))
    if slot.exists() and text(slot / "address") != fn.name[:-2] + "\n":
        problems.append(f"{rel(root, slot)}/address: does not name {fn.name}")
    group = (fn / "iommu_group").resolve()
    if not resolves_to(group / "devices" / fn.name, fn):
        problems.append(f"{rel(root, fn)}/iommu_group: group does not list the function")
    if (fn / "driver").is_symlink():
        drv = (fn / "driver").resolve()
        if not resolves_to(drv / fn.name, fn):
            problems.append(f"{rel(root, fn)}/driver: driver dir lacks the back link")
        if drv.name == "vfio-pci" and not list(fn.glob("vfio-dev/vfio*")):
            problems.append(f"{rel(root, fn)}: vfio-pci bound without vfio-dev/vfioN")
    return problems


def check_pci(root):
    """All PCI bus entries and all slots."""
    problems = []
    devices = root / "sys/bus/pci/devices"
    for link in sorted(devices.iterdir()) if devices.exists() else []:
        if not re.match(r"^[0-9a-f]{4}:00:00\.0$", link.name):
            problems.append(f"{rel(root, link)}: bad zPCI address")
        problems += check_pci_function(root, link.resolve())
    slots = root / "sys/bus/pci/slots"
    for slot in sorted(slots.iterdir()) if slots.exists() else []:
        if not re.match(r"^[0-9a-f]{8}$", slot.name):
            problems.append(f"{rel(root, slot)}: bad slot name")
        problems += check_formats(root, slot, SLOT_FORMATS, list(SLOT_FORMATS))
    return problems


# /sys/firmware/{ipl,reipl,dump} (arch/s390/kernel/ipl.c; shared/facts host-needs.md §1): the
# show functions' formats, and the text attributes each parameter block has. The binary
# attributes (binary_parameter, scp_data) are not generated: zvfio never reads them.
FIRMWARE_FORMATS = {
    "ipl_type": r"^(ccw|eckd|eckd_dump|fcp|fcp_dump|nvme|nvme_dump|unknown)\n$",
    "reipl_type": r"^(ccw|eckd|fcp|nvme|nss|unknown)\n$",
    "dump_type": r"^(none|ccw|eckd|fcp|nvme)\n$",
    "secure": r"^[01]\n$", "has_secure": r"^[01]\n$", "clear": r"^[01]\n$",
    "device": rf"^{BUSID}\n$",
    "fid": r"^0x[0-9a-f]{8}\n$", "nsid": r"^0x[0-9a-f]{8}\n$",
    "wwpn": r"^0x[0-9a-f]{16}\n$", "lun": r"^0x[0-9a-f]{16}\n$",
    "bootprog": r"^(0|[1-9][0-9]*)\n$", "br_lba": r"^(0|[1-9][0-9]*)\n$",
    "br_chr": r"^(auto|0x[0-9a-f]+,0x[0-9a-f]+,0x[0-9a-f]+)\n$",
    # EBCDIC to ASCII, strim()med; "#unknown#" when the SCLP info is invalid
    "loadparm": r"^(#unknown#|[A-Za-z0-9.]([A-Za-z0-9. ]{0,6}[A-Za-z0-9.])?)?\n$",
}
FIRMWARE_BLOCK_FILES = {
    "ccw": {"device", "loadparm"},
    "eckd": {"device", "bootprog", "br_chr", "loadparm"},
    "fcp": {"device", "wwpn", "lun", "bootprog", "br_lba", "loadparm"},
    "nvme": {"fid", "nsid", "bootprog", "br_lba", "loadparm"},
}
IPL_BLOCK = {"ccw": "ccw", "eckd": "eckd", "eckd_dump": "eckd", "fcp": "fcp", "fcp_dump": "fcp",
             "nvme": "nvme", "nvme_dump": "nvme", "unknown": None}


def firmware_dir_problems(root, base, expected):
    """The files of directory base differ from the set expected, or are malformed."""
    if not base.is_dir():
        return [f"{rel(root, base)}: missing"]
    found = {p.name for p in base.iterdir() if p.is_file()}
    problems = [f"{rel(root, base / n)}: missing" for n in sorted(expected - found)]
    problems += [f"{rel(root, base / n)}: not in the kernel's layout"
                 for n in sorted(found - expected)]
    return problems + check_formats(root, base, {n: FIRMWARE_FORMATS[n] for n in found
                                                 if n in FIRMWARE_FORMATS})


def check_firmware(root):
    """ipl: the files of the IPL type's block; reipl: ccw/, fcp/ and nvme/ always (eckd/
    optional), clear in all or none; dump: ccw/ always, fcp/ and nvme/ together, eckd/ only
    with them; the block a type names exists; an FCP device is in subchannel set 0."""
    problems = []
    firmware = root / "sys/firmware"
    ipl = firmware / "ipl"
    if ipl.exists():
        problems += check_formats(root, ipl, FIRMWARE_FORMATS, ["ipl_type", "secure",
                                                                "has_secure"])
        block = IPL_BLOCK.get(text(ipl / "ipl_type").strip()) if not problems else None
        expected = {"ipl_type", "secure", "has_secure"} | FIRMWARE_BLOCK_FILES.get(block, set())
        problems += firmware_dir_problems(root, ipl, expected)
        if block == "fcp" and not text(ipl / "device").startswith("0.0."):
            problems.append("/sys/firmware/ipl/device: an FCP device outside set 0")
    reipl = firmware / "reipl"
    if reipl.exists():
        blocks = ["ccw", "fcp", "nvme"] + (["eckd"] if (reipl / "eckd").exists() else [])
        clear = (reipl / "ccw/clear").exists()
        problems += firmware_dir_problems(root, reipl, {"reipl_type"})
        for block in blocks:
            files = FIRMWARE_BLOCK_FILES[block] | ({"clear"} if clear else set())
            problems += firmware_dir_problems(root, reipl / block, files)
        reipl_type = text(reipl / "reipl_type").strip() if (reipl / "reipl_type").is_file() \
            else None
        if reipl_type not in blocks + ["unknown"]:
            problems.append(f"/sys/firmware/reipl/reipl_type: {reipl_type!r} names no block")
    dump = firmware / "dump"
    if dump.exists():
        blocks = ["ccw"] + [b for b in ("fcp", "nvme", "eckd") if (dump / b).exists()]
        if ("fcp" in blocks) != ("nvme" in blocks) or ("eckd" in blocks and "fcp" not in blocks):
            problems.append("/sys/firmware/dump: fcp/ and nvme/ come together (has_dump), "
                            "eckd/ only with them")
        problems += firmware_dir_problems(root, dump, {"dump_type"})
        for block in blocks:
            files = FIRMWARE_BLOCK_FILES[block] - {"loadparm"}
            problems += firmware_dir_problems(root, dump / block,
                                              {"device"} if block == "ccw" else files)
        dump_type = text(dump / "dump_type").strip() if (dump / "dump_type").is_file() else None
        if dump_type not in blocks + ["none"]:
            problems.append(f"/sys/firmware/dump/dump_type: {dump_type!r} names no block")
    for path in sorted(firmware.glob("*/fcp/device")):
        if not text(path).startswith("0.0."):
            problems.append(f"{rel(root, path)}: an FCP device outside set 0")
    return problems


def check_host_files(root):
    """IPL info, /proc/cio_ignore, /proc/sysinfo, mdevctl and driverctl files."""
    problems = check_firmware(root)
    cio_ignore = root / "proc/cio_ignore"
    if cio_ignore.exists():
        lines = text(cio_ignore).split("\n")[:-1]
        problems += [f"/proc/cio_ignore: bad line {line!r}" for line in lines
                     if not CIO_IGNORE_RE.match(line)]
        if text(cio_ignore) and not text(cio_ignore).endswith("\n"):
            problems.append("/proc/cio_ignore: no trailing newline")
    sysinfo = root / "proc/sysinfo"
    if sysinfo.exists() and not re.search(r"^Type:\s+[0-9]{4}$", text(sysinfo), re.M):
        problems.append("/proc/sysinfo: no Type line")
    for definition in sorted(root.glob("etc/mdevctl.d/*/*")):
        problems += check_mdevctl_file(root, definition)
    for override in sorted(root.glob("etc/driverctl.d/*")):
        if not re.match(r"^(css|pci)-", override.name) or not re.match(r"^\S+\n$", text(override)):
            problems.append(f"{rel(root, override)}: bad driverctl override")
    return problems


def check_mdevctl_file(root, path):
    """A definition file is exactly what mdevctl itself would write."""
    where = rel(root, path)
    if not UUID_RE.match(path.name):
        return [f"{where}: name is not a UUID"]
    try:
        data = json.loads(text(path))
    except ValueError:
        return [f"{where}: invalid JSON"]
    if list(data) != ["mdev_type", "start", "attrs"] or data["start"] not in ("auto", "manual"):
        return [f"{where}: wrong keys/order or start value"]
    if text(path) != json.dumps(data, indent=2):
        return [f"{where}: not in mdevctl's pretty-printed layout"]
    return []


def tree_problems(root):
    """Every format problem found in a generated tree."""
    return (check_symlinks(root) + check_subchannels(root) + check_pci(root)
            + check_host_files(root))


@pytest.mark.parametrize("spec", WELL_FORMED_SPECS)
def test_spec_tree_formats(spec, make_tree, tmp_path):
    """Each well-formed spec generates a tree that satisfies all format rules."""
    root = make_tree(spec, tmp_path)
    problems = tree_problems(root)
    assert not problems, "\n".join(problems)


def test_garbage_spec_is_caught_by_the_checks(make_tree, tmp_path):
    """The garbage spec breaks exactly the attributes it claims to break."""
    problems = "\n".join(tree_problems(make_tree("garbage", tmp_path)))
    for needle in ("0.0.0100/chpids", "0.0.0101/type", "0.0.0102/pimpampom", "0.0.1003/cutype",
                   "0.0.1003/online", "0.0.0104/dev_busid", "vfio_ccw-io/available_instances",
                   "0.0.0105/type", "00:00.0/uid", "00:00.0/function_id", "00:00.0/port",
                   "pfip/segment0", "/proc/cio_ignore", "etc/mdevctl.d/0.0.0104"):
        assert needle in problems, f"{needle} not flagged in:\n{problems}"


def test_all_kinds_covers_everything(make_tree, tmp_path):
    """all-kinds really contains every kind of object the brief lists."""
    root = make_tree("all-kinds", tmp_path)
    css = root / "sys/devices/css0"
    schs = [p for p in css.iterdir() if BUSID_RE.match(p.name)]
    assert {p.name[2] for p in schs} >= {"0", "1", "3"}
    assert {text(p / "type") for p in schs} == {"0\n", "1\n", "2\n", "3\n"}
    drivers = {driver_name(p) for p in schs}
    assert drivers >= {"io_subchannel", "vfio_ccw", "chsc_subchannel", "eadm_subchannel", None}
    cutypes = {text(p) for p in css.glob("*/*/cutype")}
    assert cutypes >= {"3990/e9\n", "3490/10\n", "1731/01\n", "1731/03\n", "3832/02\n"}
    assert list(root.glob("sys/bus/mdev/devices/*"))
    assert (root / "etc/mdevctl.d/0.0.0142").is_dir() and not list(css.glob("0.0.0142/*-*-*"))
    pci = [p.resolve() for p in (root / "sys/bus/pci/devices").iterdir()]
    ism = [p for p in pci if text(p / "pft") == "0x05\n"]
    assert {text(p / "mio_enabled") for p in ism} == {"0\n", "1\n"}
    assert {text(p / "pft") for p in pci} >= {"0x0a\n", "0x0b\n"}
    uids = [text(p / "uid") for p in pci]
    assert len(uids) != len(set(uids)) and not any((p / "index").exists() for p in pci)
    assert text(root / "sys/bus/pci/slots/00000040/power") == "0\n"


def test_old_kernel_omits_new_attributes(make_tree, tmp_path):
    """The old-kernel variant lacks dev_busid, css driver_override and the newer zPCI attributes."""
    root = make_tree("old-kernel", tmp_path)
    for sch in (root / "sys/bus/css/devices").iterdir():
        assert not (sch / "dev_busid").exists() and not (sch / "driver_override").exists()
    for fn in (root / "sys/bus/pci/devices").iterdir():
        for name in ("port", "mio_enabled", "uid_is_unique", "index"):
            assert not (fn / name).exists(), name
        assert (fn / "uid").exists()


def test_no_css_and_empty_css(make_tree, tmp_path):
    """no-css has no channel subsystem at all; empty-css has css0 without subchannels."""
    x86 = make_tree("no-css", tmp_path)
    for path in ("sys/bus/css", "sys/bus/ccw", "sys/devices/css0", "proc/cio_ignore",
                 "sys/firmware/ipl", "proc/sysinfo"):
        assert not (x86 / path).exists(), path
    empty = make_tree("empty-css", tmp_path)
    assert (empty / "sys/devices/css0/defunct").is_dir()
    assert not list((empty / "sys/bus/css/devices").iterdir())


FIRMWARE_VARIANTS = {
    "ipl-ccw": {"ipl": {"type": "ccw", "device": "0.1.1000", "loadparm": "LP1"}},
    "ipl-eckd-dump": {"ipl": {"type": "eckd_dump", "device": "0.0.1000", "br_chr": "0x1,0x0,0x3",
                              "bootprog": 1}},
    "ipl-fcp-dump": {"ipl": {"type": "fcp_dump", "device": "0.0.b100", "lun": "0x1"}},
    "ipl-nvme-dump": {"ipl": {"type": "nvme_dump", "fid": "0x300", "nsid": 1}},
    "reipl-fcp": {"reipl": {"type": "fcp", "fcp": {"device": "0.0.b100", "wwpn": "0x5005",
                                                   "lun": "0x4010", "br_lba": 7}}},
    "reipl-eckd-no-clear": {"reipl": {"type": "eckd", "eckd": {"device": "0.2.1000"},
                                      "clear": None}},
    "reipl-unknown": {"reipl": {"type": "unknown"}},
    "dump-nvme": {"dump": {"type": "nvme", "nvme": {"fid": "0x301", "nsid": "0xffffffff"}}},
    "dump-eckd": {"dump": {"type": "eckd", "eckd": {"device": "0.0.1000"}}},
    "dump-none-no-ldipl": {"dump": {"type": "none", "has_dump": False}},
}


@pytest.mark.parametrize("variant", sorted(FIRMWARE_VARIANTS))
def test_firmware_variants_follow_the_kernel_layout(variant, make_tree, tmp_path):
    """Every ipl/reipl/dump spec variant writes the kernel's files in the kernel's formats."""
    spec = json.loads((FIXTURES / "specs" / "boot-devices.json").read_text())
    spec.update(FIRMWARE_VARIANTS[variant])
    root = make_tree(spec, tmp_path)
    problems = check_firmware(root)
    assert not problems, "\n".join(problems)


def test_firmware_blocks_byte_exact(make_tree, tmp_path):
    """The boot-devices spec: the named blocks hold its devices, the others the zeroed page."""
    root = make_tree("boot-devices", tmp_path)
    fw = root / "sys/firmware"
    assert text(fw / "ipl/fid") == "0x00000300\n" and text(fw / "ipl/nsid") == "0x00000001\n"
    assert text(fw / "ipl/bootprog") == "3\n" and not (fw / "ipl/device").exists()
    assert text(fw / "reipl/reipl_type") == "ccw\n"
    assert text(fw / "reipl/ccw/device") == "0.0.1000\n"
    assert text(fw / "reipl/fcp/device") == "0.0.0000\n"
    assert text(fw / "reipl/fcp/wwpn") == "0x0000000000000000\n"
    assert text(fw / "reipl/ccw/loadparm") == "\n" and text(fw / "reipl/nvme/clear") == "0\n"
    assert text(fw / "dump/dump_type") == "ccw\n" and text(fw / "dump/ccw/device") == "0.1.1001\n"
    assert text(fw / "dump/nvme/fid") == "0x00000000\n" and not (fw / "dump/eckd").exists()
    assert not (fw / "dump/nvme/loadparm").exists()


def test_firmware_checks_catch_a_wrong_layout(make_tree, tmp_path):
    """check_firmware is not vacuous: a missing block, an extra file, a short fid and a
    type naming no block are all flagged."""
    root = make_tree("boot-devices", tmp_path)
    fw = root / "sys/firmware"
    (fw / "reipl/fcp/clear").unlink()
    (fw / "ipl/device").write_text("0.0.1000\n")
    (fw / "dump/nvme/fid").write_text("0x300\n")
    (fw / "dump/dump_type").write_text("eckd\n")
    problems = "\n".join(check_firmware(root))
    for needle in ("/sys/firmware/reipl/fcp/clear: missing", "/sys/firmware/ipl/device: not in",
                   "/sys/firmware/dump/nvme/fid: bad format", "dump_type: 'eckd' names no block"):
        assert needle in problems, f"{needle} not flagged in:\n{problems}"


@pytest.mark.parametrize("bad", [
    {"ipl": {"type": "nvme"}}, {"ipl": {"type": "nss"}}, {"ipl": {"type": "ccw"}},
    {"ipl": {"type": "fcp", "device": "0.1.b100"}}, {"ipl": {"type": "ccw", "device": "0.0.1000",
                                                              "fid": "0x1"}},
    {"reipl": {"type": "eckd"}}, {"reipl": {"type": "fcp", "fcp": {"fid": "0x1"}}},
    {"dump": {"type": "fcp", "has_dump": False}}, {"dump": {"type": "none", "ccw": {"wwpn": 1}}},
    {"dump": {"type": "nvme", "nvme": {"loadparm": "X"}}}, {"reipl": {"type": "ccw",
                                                                      "clear": "yes"}},
], ids=str)
def test_firmware_spec_errors(bad, tmp_path):
    """Firmware layouts the kernel cannot show are rejected, not written."""
    with pytest.raises(zvfio_fixtures.SpecError):
        zvfio_fixtures.build_tree(dict(bad), tmp_path / "bad")


def test_mdevctl_definition_is_byte_exact(make_tree, tmp_path):
    """Definition files use serde_json's pretty layout without a trailing newline."""
    root = make_tree("all-kinds", tmp_path)
    path = root / "etc/mdevctl.d/0.0.0141/6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e01"
    assert text(path) == '{\n  "mdev_type": "vfio_ccw-io",\n  "start": "auto",\n  "attrs": []\n}'


def test_util_string_is_ebcdic(make_tree, tmp_path):
    """util_string holds 64 EBCDIC bytes, space (0x40) padded."""
    root = make_tree("all-kinds", tmp_path)
    data = (root / "sys/bus/pci/devices/0000:00:00.0/util_string").read_bytes()
    assert data == "IBM ISM".encode("cp037") + b"\x40" * 57


def test_kernfs_relpath_matches_kernel_style():
    """Links to an ancestor go up past it and back down, like kernfs_get_target_path."""
    rel_path = zvfio_fixtures.kernfs_relpath
    assert rel_path("/sys/devices/pci0005:00/pci_bus/0005:00/device",
                    "/sys/devices/pci0005:00") == "../../../pci0005:00"
    assert rel_path("/sys/devices/css0/0.0.0001/u/mdev_type",
                    "/sys/devices/css0/0.0.0001/mdev_supported_types/vfio_ccw-io") == \
        "../mdev_supported_types/vfio_ccw-io"
    assert rel_path("/sys/block/dasda", "/sys/devices/css0/0.0.0100/0.0.1000/block/dasda") == \
        "../devices/css0/0.0.0100/0.0.1000/block/dasda"


def test_spec_errors_are_reported(tmp_path):
    """Typos and impossible combinations are rejected instead of silently ignored."""
    mdev_on_io = {"sch": "0.0.0100", "mdev": "11111111-2222-3333-4444-555555555555"}
    for bad in ({"subchanels": []}, {"subchannels": [{"sch": "0.0.100"}]},
                {"subchannels": [mdev_on_io]}, {"pci": [{"uid": 1}]},
                {"subchannels": [{"sch": "0.0.0100", "dev": "floppy"}]}):
        with pytest.raises(zvfio_fixtures.SpecError):
            zvfio_fixtures.build_tree(bad, tmp_path / "bad")


def test_cli_refuses_non_empty_outdir(tmp_path):
    """The CLI generates a tree and will not overwrite one without --force."""
    cli = [sys.executable, str(FIXTURES / "zvfio_fixtures.py"), "dasd-basic", str(tmp_path / "r")]
    assert subprocess.run(cli, check=False).returncode == 0
    assert subprocess.run(cli, check=False, capture_output=True).returncode != 0
    assert subprocess.run(cli + ["--force"], check=False).returncode == 0
    assert (tmp_path / "r/sys/bus/ccw/devices/0.0.1000").is_symlink()


# ---------------------------------------------------------------- demo tree (c)

def listing(root):
    """Map of path -> content/link target; empty directories left out (git cannot store them)."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = rel(root, path)
            if path.is_symlink():
                entries[key] = ("L", os.readlink(path))
            elif path.is_file():
                entries[key] = ("F", path.read_bytes())
            elif any(path.iterdir()):
                entries[key] = ("D",)
    return entries


def test_demo_lpar_is_fresh(make_tree, tmp_path):
    """examples/demo-lpar equals a fresh generation of its spec (modes are not compared)."""
    committed = REPO / "examples" / "demo-lpar"
    fresh = listing(make_tree(str(REPO / "examples" / "demo-lpar.json"), tmp_path))
    current = listing(committed)
    stale = sorted(k for k in fresh.keys() | current.keys() if fresh.get(k) != current.get(k))
    assert not stale, "run tests/fixtures/regen-examples.sh; differing: " + ", ".join(stale[:20])
