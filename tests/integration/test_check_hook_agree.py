"""`zvfio check --domain-xml` says what zvfio-hook will say (issue 20 §4), proved by a
differential test rather than by examples: a deterministic generator makes VARIANTS domain
XMLs (seeded random: mixes of vfio-ccw mdev and PCI hostdevs, duplicates, guest addresses,
zvfio metadata, domain names, machine types, launchSecurity, sizes), and every one goes
through both

* `zvfio check --json --domain-xml FILE` on one copy of the host, and
* zvfio-hook-gate (what libvirt runs) `NAME prepare begin -` with the XML on stdin, on
  another copy with the kernel's part played by kernel_emulator.KernelEmulator,

and the two must agree on the verdict, the exit class and the set of (severity, rule id)
of the violations. The host mixes bound and unbound subchannels, mdevs defined and
running, refused devices (online, QDIO, IPL device, DASD with holders, cio_ignored) and
PCI functions (ISM on ism, on vfio-pci and with MIO, NVMe, RoCE).

Exit classes (one set for both programs):

  accepted                  check 0; the hook 0, or the hook passed every check, acted,
                            and failed only in what check cannot see: on a fixture root
                            it refuses to run mdevctl to start a defined mdev ("refusing to
                            run mdevctl for the root", exit 2), and undoes its changes
  refused: a rule           exit 3 (an error-severity rule violation)
  refused: unknown device   exit 4 (a hostdev names no device of the host)
  refused: invalid input    exit 7 (XML, size, hostdev limit, metadata, domain name)
  anything else             "other exit N" / "failed when acting, exit N": never equal to
                            a class of the other program, so it shows as a disagreement

The verdict is "accepted" for the class accepted, else "refused".

The hook's tree is reused within a chunk: after a variant the hook acted on, its own
`release end` (exit 0) or its rollback (a failure) restores the host, which is checked
after every variant (drivers, overrides, ccw devices, no record) and in full at the end of
the chunk; the check's tree must not change at all (check never writes)."""

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from conftest import TIMEOUT_FACTOR, host_state, wrapped

SEED = 20204
VARIANTS = 520
CHUNKS = 8
XML_LIMIT = 4 * 1024 * 1024          # ZV_XML_MAX_SIZE = ZV_HOOK_MAX_INPUT
HOSTDEV_LIMIT = 256                  # ZV_DOMAIN_MAX_HOSTDEVS

UUID = "a9ee0000-0000-4000-8000-{:012x}".format
HOST_SPEC = {
    "comment": "test_check_hook_agree: every kind of device a domain can name",
    "subchannels": [
        # offline DASD, mdev defined (the hook binds it, then needs mdevctl)
        {"sch": "0.0.0200", "devno": "0.0.3000", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 0}, "define": {"uuid": UUID(0x200), "start": "manual"}},
        # online DASD: ccw.online (a warning with <zvfio:hook offline='allow'/>)
        {"sch": "0.0.0201", "devno": "0.0.3001", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 1}, "define": {"uuid": UUID(0x201), "start": "manual"}},
        # vfio_ccw with a running mdev: nothing to change
        {"sch": "0.0.0202", "devno": "0.0.3002", "chpids": "40 41", "driver": "vfio_ccw",
         "mdev": UUID(0x202), "define": "manual"},
        # QDIO: ccw.qdio
        {"sch": "0.0.0203", "devno": "0.0.f100", "chpids": "05",
         "dev": {"preset": "osa", "online": 0}, "define": {"uuid": UUID(0x203), "start": "manual"}},
        # on the cio_ignore list: a warning
        {"sch": "0.0.0204", "devno": "0.0.3004", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 0}, "define": {"uuid": UUID(0x204), "start": "manual"}},
        # bound to vfio_ccw by driverctl, mdev defined only
        {"sch": "0.0.0205", "devno": "0.0.3005", "chpids": "40 41", "driver": "vfio_ccw",
         "driverctl": "vfio_ccw", "define": {"uuid": UUID(0x205), "start": "manual"}},
        # two mdevs defined on one subchannel
        {"sch": "0.0.0206", "devno": "0.0.3006", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 0},
         "define": [{"uuid": UUID(0x206a), "start": "manual"},
                    {"uuid": UUID(0x206b), "start": "manual"}]},
        # bound to no driver
        {"sch": "0.0.0207", "devno": "0.0.3007", "chpids": "40 41", "driver": "none",
         "define": {"uuid": UUID(0x207), "start": "manual"}},
        # running autostart mdev without a driverctl override: a warning
        {"sch": "0.0.0208", "devno": "0.0.3008", "chpids": "40 41", "driver": "vfio_ccw",
         "mdev": UUID(0x208), "define": "auto"},
        # the IPL device: ccw.ipl-device
        {"sch": "0.0.0209", "devno": "0.0.3009", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 1}, "define": {"uuid": UUID(0x209), "start": "manual"}},
        # a DASD with a holder (dm): ccw.in-use
        {"sch": "0.0.020a", "devno": "0.0.300a", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 0,
                 "block": {"name": "dasdk", "partitions": 1, "holders": ["dm-0"]}},
         "define": {"uuid": UUID(0x20a), "start": "manual"}},
        # subchannel set 1
        {"sch": "0.1.0300", "devno": "0.1.4000", "chpids": "40 41",
         "dev": {"preset": "dasd", "online": 0}, "define": {"uuid": UUID(0x300), "start": "manual"}},
    ],
    "pci": [
        {"fid": "0x10", "uid": "0x10", "preset": "ism", "pchid": "0x7c0"},
        {"fid": "0x11", "uid": "0x11", "preset": "ism", "pchid": "0x7c0", "driver": "vfio-pci"},
        {"fid": "0x12", "uid": "0x12", "preset": "ism", "pchid": "0x7c0", "mio": 1},
        {"fid": "0x13", "uid": "0x13", "preset": "nvme"},
        {"fid": "0x14", "uid": "0x14", "preset": "roce2", "driver": "vfio-pci"},
    ],
    "ipl": {"type": "ccw", "device": "0.0.3009"},
    "cio_ignore": ["0.0.3004"],
    "files": {"etc/driverctl.d": {"dir": True}},
}
MDEVS = [UUID(n) for n in (0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206a, 0x206b, 0x207,
                           0x208, 0x209, 0x20a, 0x300)]
SIBLINGS = (UUID(0x206a), UUID(0x206b))          # two mdevs of subchannel 0.0.0206
UNKNOWN_MDEV = UUID(0x9ff)
PCI = [0x10, 0x11, 0x12, 0x13, 0x14]             # PCI domain = uid: DDDD:00:00.0
UNKNOWN_PCI = 0xff

# Names libvirt accepts (test_libvirt_accepts_the_names proves it): zvfio can keep a
# record only for some of them, and check must refuse exactly those the hook refuses.
SPECIAL_NAMES = [".hidden", ".", "..", "a" * 200, "b" * 201, "tab\tname", " lead", "trail ",
                 "über-gast", "a&b<c>'\"", "-dash", "sp ace", "x" * 300]
MACHINES = [None, "s390-ccw-virtio", "s390-ccw-virtio-7.2", "s390-ccw-virtio-7.1",
            "s390-ccw-virtio-6.2", "s390-ccw-virtio-8.2", "pc-i440fx-7.2"]
METADATA = {
    "none": "",
    "allow": "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow'/>",
    "deny": "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='deny'/>",
    "bad-value": "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='always'/>",
    "bad-attribute": "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow' x='1'/>",
    "two-elements": "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow'/>"
                    "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='deny'/>",
    "other-namespace": "<app:info xmlns:app='urn:example:app:1'><app:owner>ops</app:owner>"
                       "</app:info>",
}
METADATA_WEIGHTS = {"none": 45, "allow": 15, "deny": 10, "bad-value": 7, "bad-attribute": 5,
                    "two-elements": 5, "other-namespace": 13}
# Fixed variants for the sizes (the random ones stay small): the largest XML both
# accept, one byte more, and the hostdev limit of the parser.
SIZE_CASES = {11: "max-size", 91: "over-size", 171: "over-size-no-hostdev",
              251: "hostdevs-at-limit", 331: "hostdevs-over-limit", 411: "large"}
EXIT_CLASSES = {0: "accepted", 3: "refused: a rule", 4: "refused: unknown device",
                7: "refused: invalid input"}
UNDID = "refusing to start the domain; undid what this hook changed"
MDEVCTL_ON_FIXTURE = "refusing to run mdevctl for the root"


# --- the generator ------------------------------------------------------------------

def pci_source(rng, fid, features):
    """<source><address> of PCI function FID, in one of the spellings libvirt accepts."""
    if rng.random() < 0.2:
        features.add("pci-decimal-spelling")
        return (f"<address domain='{fid}' bus='0' slot='0' function='0'/>")
    return f"<address domain='0x{fid:04x}' bus='0x00' slot='0x00' function='0x0'/>"


def mdev_hostdev(rng, uuid, features):
    """A vfio-ccw mdev <hostdev> for UUID, with a random guest address and boot order."""
    if rng.random() < 0.1:
        uuid = uuid.upper()
        features.add("uuid-uppercase")
    address = ""
    pick = rng.random()
    if pick < 0.45:
        address = f"<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x{rng.randrange(0x1000, 0x1004):04x}'/>"
        features.add("guest-ccw")
    elif pick < 0.52:
        address = "<address type='ccw' cssid='0x00' ssid='0x0' devno='0x2000'/>"
        features.add("guest-cssid-0")
    elif pick < 0.56:
        address = "<address type='ccw' cssid='0xfe' ssid='0x1' devno='0x1000'/>"
        features.add("guest-ssid-1")
    boot = f"<boot order='{rng.randrange(1, 4)}'/>" if rng.random() < 0.1 else ""
    return (f"<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ccw'>"
            f"<source><address uuid='{uuid}'/></source>{address}{boot}</hostdev>")


def pci_hostdev(rng, fid, features, managed=None):
    """A PCI <hostdev> for function FID, managed or not, with a random zPCI uid/fid."""
    if managed is None:
        managed = rng.random() < 0.4
    features.add("pci-managed" if managed else "pci-unmanaged")
    guest = ""
    pick = rng.random()
    if pick < 0.5:
        uid, zfid = rng.randrange(1, 4), rng.randrange(1, 4)
        guest = (f"<address type='pci' domain='0x0000' bus='0x00' slot='0x0{rng.randrange(1, 4)}' "
                 f"function='0x0'><zpci uid='0x{uid:04x}' fid='0x{zfid:08x}'/></address>")
        features.add("guest-zpci")
    elif pick < 0.55:
        guest = ("<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'>"
                 "<zpci uid='0x0000' fid='0x00000009'/></address>")
        features.add("guest-zpci-uid-0")
    return (f"<hostdev mode='subsystem' type='pci' managed='{'yes' if managed else 'no'}'>"
            f"<source>{pci_source(rng, fid, features)}</source>{guest}</hostdev>")


def other_hostdev(rng, features):
    """A hostdev that is not zvfio's (USB, SCSI host)."""
    features.add("hostdev-not-zvfio")
    if rng.random() < 0.7:
        return ("<hostdev mode='subsystem' type='usb' managed='no'><source>"
                f"<vendor id='0x1d6b'/><product id='0x{rng.randrange(1, 4):04x}'/></source></hostdev>")
    return ("<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' "
            f"wwpn='naa.5001405df3e54061'/></hostdev>")


BROKEN_HOSTDEVS = [
    "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
    "<address uuid='not-a-uuid'/></source></hostdev>",
    f"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='{MDEVS[0]}'/>"
    "</source><address type='ccw' cssid='0x100' ssid='0x0' devno='0x1000'/></hostdev>",
    f"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='{MDEVS[2]}'/>"
    "</source><address type='ccw' cssid='0xfe' devno='0x1000'/></hostdev>",
    "<hostdev mode='subsystem' type='pci' managed='yes'><source/></hostdev>",
    "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0010' "
    "bus='0x00' slot='0x20' function='0x0'/></source></hostdev>",
    f"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='{MDEVS[2]}'/>"
    "</source><boot order='0'/></hostdev>",
]


def hostdevs(rng, features):
    """The random hostdevs of one variant, duplicates included."""
    count = rng.choices([0, 1, 2, 3, 4, 5], weights=[12, 33, 25, 15, 10, 5])[0]
    made, sources = [], []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.5:
            uuid = UNKNOWN_MDEV if rng.random() < 0.04 else rng.choice(MDEVS)
            features.add("mdev-unknown" if uuid == UNKNOWN_MDEV else "mdev")
            made.append(mdev_hostdev(rng, uuid, features))
            sources.append(("mdev", uuid))
        elif pick < 0.85:
            fid = UNKNOWN_PCI if rng.random() < 0.04 else rng.choice(PCI)
            features.add("pci-unknown" if fid == UNKNOWN_PCI else "pci")
            made.append(pci_hostdev(rng, fid, features))
            sources.append(("pci", fid))
        elif pick < 0.96:
            made.append(other_hostdev(rng, features))
        else:
            features.add("broken-hostdev")
            made.append(rng.choice(BROKEN_HOSTDEVS))
    # a domain holding one host device twice, in every form
    if rng.random() < 0.3:
        how = rng.choice(["same-mdev", "sibling-mdevs", "same-pci", "same-mdev", "same-pci"])
        known = [s for s in sources if s[0] == ("mdev" if how == "same-mdev" else "pci")]
        if how == "sibling-mdevs":
            made += [mdev_hostdev(rng, SIBLINGS[0], features),
                     mdev_hostdev(rng, SIBLINGS[1], features)]
        elif how == "same-mdev":
            uuid = known[0][1] if known else rng.choice(MDEVS)
            made += [mdev_hostdev(rng, uuid, features)] * (1 if known else 2)
        else:
            fid = known[0][1] if known else rng.choice(PCI)
            made += [pci_hostdev(rng, fid, features) for _ in range(1 if known else 2)]
        features.add("duplicate-" + how)
        rng.shuffle(made)
    return made


def disks(rng, features):
    """virtio disks, some on a guest ccw address a hostdev may also use."""
    made = []
    for n in range(rng.choice([0, 1, 1, 2])):
        address = ""
        if rng.random() < 0.6:
            address = (f"<address type='ccw' cssid='0xfe' ssid='0x0' "
                       f"devno='0x{rng.choice([0x0000, 0x1000, 0x1001, 0x0001]):04x}'/>")
            features.add("disk-ccw-address")
        made.append(f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                    f"<source file='/var/lib/libvirt/images/d{n}.qcow2'/>"
                    f"<target dev='vd{'abc'[n]}' bus='virtio'/>{address}</disk>")
    return made


def domain_xml(name, *, machine=None, emulator=True, launch_security=False, metadata="",
               devices=(), description=""):
    """A complete libvirt domain XML (str)."""
    os_type = ("<type arch='s390x'" + (f" machine={quoteattr(machine)}" if machine else "")
               + ">hvm</type>")
    return ("<domain type='kvm'>\n"
            f"  <name>{escape(name)}</name>\n"
            "  <uuid>5b1c0a9e-3f6d-4c1e-9a53-2d1f7f0e0b01</uuid>\n"
            + (f"  <description>{description}</description>\n" if description else "")
            + (f"  <metadata>{metadata}</metadata>\n" if metadata else "")
            + "  <memory unit='KiB'>1048576</memory>\n"
            "  <vcpu placement='static'>1</vcpu>\n"
            f"  <os>{os_type}</os>\n"
            "  <devices>\n"
            + ("    <emulator>/usr/bin/qemu-system-s390x</emulator>\n" if emulator else "")
            + "".join(f"    {d}\n" for d in devices)
            + "    <console type='pty'><target type='sclp' port='0'/></console>\n"
            "  </devices>\n"
            + ("  <launchSecurity type='s390-pv'/>\n" if launch_security else "")
            + "</domain>\n")


def padded_to(text, size):
    """TEXT grown by a <description> to exactly SIZE bytes of UTF-8."""
    marker = "</name>\n"
    head, tail = text.split(marker, 1)
    base = len(text.encode()) + len("  <description></description>\n")
    return f"{head}{marker}  <description>{'d' * (size - base)}</description>\n{tail}"


def make_variant(index):
    """Variant INDEX: {"index", "name", "xml" (bytes), "features" (set)}; the same on
    every run (its own seeded generator)."""
    rng = random.Random(f"{SEED}-{index}")
    features = set()
    if rng.random() < 0.25:
        name = rng.choice(SPECIAL_NAMES)
        features.add("name-special")
    else:
        name = f"g{index}"
    machine = rng.choice(MACHINES)
    features.add(f"machine-{machine}")
    launch_security = rng.random() < 0.15
    if launch_security:
        features.add("launch-security")
    kind = rng.choices(list(METADATA_WEIGHTS), weights=list(METADATA_WEIGHTS.values()))[0]
    features.add(f"metadata-{kind}")
    devices = disks(rng, features) + hostdevs(rng, features)
    rng.shuffle(devices)
    emulator = rng.random() < 0.85
    case = SIZE_CASES.get(index)
    description = ""
    if case in ("hostdevs-at-limit", "hostdevs-over-limit"):
        usb = ("<hostdev mode='subsystem' type='usb' managed='no'><source><vendor id='0x1d6b'/>"
               "<product id='0x0002'/></source></hostdev>")
        devices = [usb] * (HOSTDEV_LIMIT if case == "hostdevs-at-limit" else HOSTDEV_LIMIT + 1)
        devices[0] = pci_hostdev(rng, 0x11, features, managed=True)
    elif case == "large":
        description = "x" * (512 * 1024)
    elif case == "over-size-no-hostdev":
        devices = disks(rng, features)
    text = domain_xml(name, machine=machine, emulator=emulator, launch_security=launch_security,
                      metadata=METADATA[kind], devices=devices, description=description)
    if case == "max-size":
        text = padded_to(text, XML_LIMIT)
    elif case in ("over-size", "over-size-no-hostdev"):
        text = padded_to(text, XML_LIMIT + 1)
    if case:
        features.add(f"size-{case}")
    if "<hostdev" not in text:
        features.add("no-hostdev")
    return {"index": index, "name": name, "xml": text.encode(), "features": features}


def chunk_indices(chunk):
    """The variant indices of CHUNK (0..CHUNKS-1)."""
    return range(chunk, VARIANTS, CHUNKS)


# --- running both --------------------------------------------------------------------

def environment(**extra):
    """The environment of a zvfio program run by the test."""
    env = dict(os.environ, LC_ALL="C.UTF-8", **extra)
    if "ZVFIO_ROOT" not in extra:
        env.pop("ZVFIO_ROOT", None)
    return env


def run_check(zvfio_bin, root, path):
    """`zvfio --root ROOT check --json --domain-xml PATH`."""
    return subprocess.run(wrapped([zvfio_bin, "--root", root, "check", "--json",
                                   "--domain-xml", path]),
                          capture_output=True, env=environment(), timeout=60 * TIMEOUT_FACTOR)


def run_hook(gate, root, name, op, subop, xml):
    """What libvirt runs: the gate with argv NAME OP SUBOP - and XML (bytes) on stdin."""
    return subprocess.run(wrapped([gate, name, op, subop, "-"]), input=xml, capture_output=True,
                          env=environment(ZVFIO_ROOT=str(root)), timeout=60 * TIMEOUT_FACTOR)


RULE_LINE = re.compile(r": (error|warning): ([a-z]+(?:\.[a-z0-9-]+)+): ")


def check_answer(result):
    """(verdict, exit class, {(severity, rule)}) of a check run."""
    cls = EXIT_CLASSES.get(result.returncode, f"other exit {result.returncode}")
    rules = set()
    if result.returncode in (0, 3):
        rules = {(v["severity"], v["rule"]) for v in json.loads(result.stdout)["violations"]}
    return ("accepted" if cls == "accepted" else "refused", cls, frozenset(rules))


def hook_answer(result, known_rules):
    """(verdict, exit class, {(severity, rule)}) of a hook run (see the module doc)."""
    stderr = result.stderr.decode(errors="replace")
    rc = result.returncode
    if rc != 0 and stderr.endswith(UNDID + "\n"):
        cls = "accepted" if MDEVCTL_ON_FIXTURE in stderr else f"failed when acting, exit {rc}"
    else:
        cls = EXIT_CLASSES.get(rc, f"other exit {rc}")
    rules = {m.groups() for line in stderr.splitlines() for m in [RULE_LINE.search(line)]
             if m and m.group(2) in known_rules}
    return ("accepted" if cls == "accepted" else "refused", cls, frozenset(rules))


def fingerprint(root):
    """What a hook run changes and its release or rollback must restore: each
    subchannel's and PCI function's driver and driver_override, each ccw device's
    presence and online state, and the records below /run/zvfio."""
    root = Path(root)
    seen = {}
    for bus in ("css", "pci"):
        for link in sorted((root / f"sys/bus/{bus}/devices").iterdir()):
            dev = link.resolve()
            driver = dev / "driver"
            override = dev / "driver_override"
            seen[str(link.name)] = (
                os.readlink(driver) if driver.is_symlink() else None,
                override.read_text() if override.is_file() else None,
                tuple(sorted((c.name, (c / "online").read_text() if (c / "online").is_file()
                              else None)
                             for c in dev.iterdir() if re.fullmatch(r"\d\.\d\.[0-9a-f]{4}", c.name))))
    records = sorted(str(p.relative_to(root)) for p in (root / "run").glob("zvfio/**/*.json"))
    return seen, records


def holds_nothing_twice(variant, *answers):
    """The rule both must apply besides agreeing: a domain that holds one host device
    in two hostdevs is refused with ccw.used-by-domain / zpci.used-by-domain, unless it
    is refused before the rules (its input, an unknown device)."""
    features = variant["features"]
    wanted = set()
    if features & {"duplicate-same-mdev", "duplicate-sibling-mdevs"}:
        wanted.add(("error", "ccw.used-by-domain"))
    if "duplicate-same-pci" in features:
        wanted.add(("error", "zpci.used-by-domain"))
    return all(cls in ("refused: invalid input", "refused: unknown device") or
               (verdict == "refused" and wanted <= rules)
               for verdict, cls, rules in answers) if wanted else True


@pytest.fixture(scope="module")
def known_rules(zvfio_bin):
    """Every rule id of `zvfio rules --json`."""
    out = subprocess.run([str(zvfio_bin), "rules", "--json"], capture_output=True, text=True,
                         check=True, env=environment()).stdout
    return {r["id"] for r in json.loads(out)}


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_check_and_hook_agree(chunk, make_tree, tmp_path, zvfio_bin, hook_bin, kernel,
                              known_rules):
    check_root = make_tree(HOST_SPEC, tmp_path / "check")
    hook_root = tmp_path / "hook" / "root"
    shutil.copytree(check_root, hook_root, symlinks=True)
    check_before = host_state(check_root, parts=("sys", "etc", "run"))
    hook_before = host_state(hook_root, parts=("sys", "etc"))[0]
    pristine = fingerprint(hook_root)
    emu = kernel(hook_root)
    xml_file = tmp_path / "domain.xml"
    disagreements, classes = [], {}
    for index in chunk_indices(chunk):
        variant = make_variant(index)
        xml_file.write_bytes(variant["xml"])
        check = run_check(zvfio_bin, check_root, xml_file)
        hook = run_hook(hook_bin, hook_root, variant["name"], "prepare", "begin", variant["xml"])
        by_check, by_hook = check_answer(check), hook_answer(hook, known_rules)
        classes[by_check[1]] = classes.get(by_check[1], 0) + 1
        if by_check != by_hook or not holds_nothing_twice(variant, by_check, by_hook):
            disagreements.append((variant, by_check, by_hook, check, hook))
        # put the hook's host back: its release after a start, its rollback after a failure
        if hook.returncode == 0 and fingerprint(hook_root) != pristine:
            emu.idle()
            release = run_hook(hook_bin, hook_root, variant["name"], "release", "end", b"")
            assert release.returncode == 0, release.stderr
        emu.idle()
        assert fingerprint(hook_root) == pristine, \
            f"variant {index}: the hook left the host changed:\n{hook.stderr.decode()}"
    emu.idle()
    assert host_state(hook_root, parts=("sys", "etc"))[0] == hook_before
    assert host_state(check_root, parts=("sys", "etc", "run")) == check_before   # never writes
    report = [f"{len(disagreements)} of {len(chunk_indices(chunk))} variants disagree or let "
              f"a domain hold a device twice (seed {SEED}, chunk {chunk})"]
    for variant, by_check, by_hook, check, hook in disagreements[:12]:
        report.append(f"- variant {variant['index']} name {variant['name'][:40]!r} "
                      f"features {sorted(variant['features'])}\n"
                      f"  check: {by_check[1]} {sorted(by_check[2])} "
                      f"{check.stderr.decode(errors='replace').strip()[:300]}\n"
                      f"  hook:  {by_hook[1]} {sorted(by_hook[2])} "
                      f"{hook.stderr.decode(errors='replace').strip()[-300:]}")
    assert not disagreements, "\n".join(report)
    # not vacuous: every chunk has devices both accept and devices a rule refuses
    assert classes.get("accepted", 0) > 0 and classes.get("refused: a rule", 0) > 0, classes


# --- the generator covers what the issue lists ---------------------------------------

def test_the_generator_covers_the_issue():
    """At least 500 variants, mixing every feature the issue names, often enough that
    each chunk meets most of them; the same variants on every run."""
    assert VARIANTS >= 500
    assert sorted(i for c in range(CHUNKS) for i in chunk_indices(c)) == list(range(VARIANTS))
    counts = {}
    for index in range(VARIANTS):
        for feature in make_variant(index)["features"]:
            counts[feature] = counts.get(feature, 0) + 1
    at_least = {
        "mdev": 150, "pci": 150, "pci-managed": 60, "pci-unmanaged": 60, "mdev-unknown": 5,
        "pci-unknown": 5, "hostdev-not-zvfio": 30, "broken-hostdev": 10, "no-hostdev": 30,
        "duplicate-same-mdev": 25, "duplicate-sibling-mdevs": 10, "duplicate-same-pci": 25,
        "uuid-uppercase": 10, "pci-decimal-spelling": 20,
        "guest-ccw": 100, "guest-cssid-0": 10, "guest-ssid-1": 5, "guest-zpci": 60,
        "guest-zpci-uid-0": 5, "disk-ccw-address": 100, "name-special": 80,
        "launch-security": 40, "metadata-other-namespace": 30,
    }
    at_least.update({f"metadata-{k}": 15 for k in METADATA if k != "none"})
    at_least.update({f"machine-{m}": 40 for m in MACHINES})
    at_least.update({f"size-{c}": 1 for c in SIZE_CASES.values()})
    short = {f: (counts.get(f, 0), n) for f, n in at_least.items() if counts.get(f, 0) < n}
    assert not short, short
    assert make_variant(7) == make_variant(7)
    sizes = {SIZE_CASES[i]: len(make_variant(i)["xml"]) for i in SIZE_CASES}
    assert sizes["max-size"] == XML_LIMIT and sizes["over-size"] == XML_LIMIT + 1
    assert sizes["over-size-no-hostdev"] == XML_LIMIT + 1


def test_libvirt_accepts_the_names():
    """Every special name is one libvirt accepts for a domain (its test driver parses
    a definition as the qemu driver does): the hook can be given each of them."""
    import libvirt
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    try:
        for name in SPECIAL_NAMES:
            dom = conn.defineXML(f"<domain type='test'><name>{escape(name)}</name>"
                                 "<memory>1048576</memory><os><type>hvm</type></os></domain>")
            assert dom.name() == name
            dom.undefine()
    finally:
        conn.close()
