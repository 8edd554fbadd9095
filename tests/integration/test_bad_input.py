"""The bad-input catalog: each row is an input an attacker or a clumsy admin gives
zvfio, zvfio-callout or zvfio-hook, the exit code and stderr fragment expected, and
the promise that the tree is unchanged afterwards: no file written, removed or
re-moded below sys, etc, run and proc of the root (the lock directory aside), and
nothing outside the root touched (a planted directory beside it is compared too).

Rows for defects found by hand (issue 14) stay here so that they stay fixed; rows
for categories that already held keep them held. Each row is
  Row(id, program, argv, stdin, setup, exit code, fragment)
program is "zvfio" (argv after --root ROOT, unless argv starts with --root),
"callout" (ZVFIO_ROOT=ROOT) or "hook" (the gate, as libvirt runs it; ZVFIO_ROOT).
"ROOT" and "OUTSIDE" in argv, stdin and fragment are replaced by the two paths."""

import json
import os
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

from conftest import REPO_ROOT, TIMEOUT_FACTOR, host_state, unwrap_violations, wrapped

DEMO = REPO_ROOT / "examples" / "demo-lpar"
UUID41 = "a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5b"
UUID42 = "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b"
DEF41 = f"etc/mdevctl.d/0.0.0041/{UUID41}"
DEEP = "[" * 100000 + "]" * 100000
MIB = 1024 * 1024
NOT_ID = "is not a device id"

Row = namedtuple("Row", "id program argv stdin setup code fragment")


def row(id, argv, code, fragment, setup=None, stdin=None, program="zvfio"):
    return Row(id, program, argv, stdin, setup, code, fragment)


# --- tree changes (setup functions) -------------------------------------------------

def sysfs(root, bus, device):
    """The real directory of DEVICE on BUS (the bus entry is a symlink)."""
    return (root / f"sys/bus/{bus}/devices/{device}").resolve()


def fifo(bus, device, attr):
    """Replaces attribute ATTR of DEVICE by a FIFO (reading it would block for ever)."""
    def setup(root):
        path = sysfs(root, bus, device) / attr
        path.unlink()
        os.mkfifo(path)
    return setup


def write(rel, content, mode=None):
    """Writes CONTENT (str or bytes) to ROOT/REL, creating its directory."""
    def setup(root):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        if mode is not None:
            path.chmod(mode)
    return setup


def attr(bus, device, name, content):
    """Sets attribute NAME of DEVICE to CONTENT."""
    def setup(root):
        path = sysfs(root, bus, device) / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return setup


def symlink(rel, target, replace=True):
    """Makes ROOT/REL a symlink to TARGET (OUTSIDE is replaced by the outside dir)."""
    def setup(root):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if replace and (path.is_symlink() or path.exists()):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        path.symlink_to(target.replace("OUTSIDE", str(root.parent / "outside")))
    return setup


def mkfifo(rel):
    """Makes ROOT/REL a FIFO."""
    def setup(root):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() or path.is_symlink():
            path.unlink()
        os.mkfifo(path)
    return setup


def mkdir(rel):
    """Makes ROOT/REL a directory (replacing a file there)."""
    def setup(root):
        path = root / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
        path.mkdir(parents=True, exist_ok=True)
    return setup


def rename(rel, new_name):
    """Renames ROOT/REL to NEW_NAME in the same directory."""
    def setup(root):
        (root / rel).rename((root / rel).parent / new_name)
    return setup


def both(*setups):
    def setup(root):
        for s in setups:
            s(root)
    return setup


def mounts_of_busy_host(root):
    """/proc/self/mountinfo of more than 1 MiB (a host with many container mounts), the
    DASD 0.0.0100 (dasda, 94:1 for dasda1) mounted in its last line: streamed, never
    refused for its size."""
    line = ("%d 29 0:%d / /var/lib/containers/storage/overlay/%06d rw,relatime - overlay "
            "overlay rw\n")
    text = "".join(line % (100 + i, 100 + i, i) for i in range(MIB // len(line % (0, 0, 0)) + 100))
    (root / "proc/self/mountinfo").write_text(
        text + "99999 29 94:1 / / rw,relatime - ext4 /dev/dasda1 rw\n")


def cutype_3990(root):
    """Nothing: the demo tree's 0.0.0100 is a mounted 3390 DASD already."""


# --- records ------------------------------------------------------------------------

def bind_record(**changes):
    """A valid bind record of subchannel 0.0.0003 with CHANGES applied (None removes)."""
    rec = {"version": 1, "bus": "css", "device": "0.0.0003", "driver": "vfio_ccw",
           "rebound": True, "previous_driver": "io_subchannel",
           "previous_driver_override": None, "offline_ccw_device": None, "persist": False,
           "previous_persist": None, "domain": None}
    rec.update(changes)
    return json.dumps(rec)


BIND3 = "run/zvfio/bind/css-0.0.0003.json"


def domain_record(**changes):
    """A valid domain record of domain g1 with CHANGES applied."""
    rec = {"version": 1, "domain": "g1", "bindings": ["css-0.0.0041"],
           "started_mdevs": [UUID41]}
    rec.update(changes)
    return json.dumps(rec)


G1 = "run/zvfio/g1.json"


def domain_xml(name="g1", hostdevs=None, head="", extra=""):
    """Domain XML of NAME with HOSTDEVS (default: the mdev of 0.0.0041)."""
    if hostdevs is None:
        hostdevs = mdev_hostdev(UUID41)
    return (f"{head}<domain type='kvm'><name>{name}</name><memory>1048576</memory>"
            f"<os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>"
            f"<devices>{hostdevs}</devices>{extra}</domain>")


def mdev_hostdev(uuid):
    return (f"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>"
            f"<source><address uuid='{uuid}'/></source></hostdev>")


def pci_hostdev(domain="0x0010", bus="0x00", slot="0x00", function="0x0"):
    return (f"<hostdev mode='subsystem' type='pci' managed='no'><source>"
            f"<address domain='{domain}' bus='{bus}' slot='{slot}' function='{function}'/>"
            f"</source></hostdev>")


XXE = ("<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
       "<domain type='kvm'><name>&xxe;</name><devices>" + mdev_hostdev(UUID41)
       + "</devices></domain>")
LAUGHS = ("<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY a 'aaaaaaaaaa'>"
          + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>"
                    for i in range(9))
          + "]><domain type='kvm'><name>&j;</name><devices>" + mdev_hostdev(UUID41)
          + "</devices></domain>")
DOCTYPE = ("<!DOCTYPE domain SYSTEM 'http://example.invalid/domain.dtd'>"
           + domain_xml())
DEEP_XML = domain_xml(extra="<a>" * 100000 + "</a>" * 100000)
HUGE_XML = domain_xml(extra="<description>" + "x" * (50 * MIB) + "</description>")
HOSTDEVS_257 = domain_xml(hostdevs="".join(
    mdev_hostdev(f"a1b2c3d4-{i:04x}-4e5f-8a9b-0c1d2e3f4a5b") for i in range(257)))


def plant_domain_xml(text):
    """Writes TEXT to ROOT/../domain.xml (the --domain-xml argument DOMXML)."""
    def setup(root):
        (root.parent / "domain.xml").write_text(text)
    return setup


def plant_domain_xml_bytes(data):
    def setup(root):
        (root.parent / "domain.xml").write_bytes(data)
    return setup


# --- the catalog ----------------------------------------------------------------------

CASES = [
    # argv and roots
    row("root-empty", ["--root", "", "list"], 2, "root directory is empty"),
    row("root-missing", ["--root", "/nonexistent/zvfio", "list"], 6, "cannot use root directory"),
    row("root-is-file", ["--root", "ROOT/proc/mounts", "list"], 6, "not a directory"),
    row("no-command", [], 2, "no command given"),
    row("unknown-command", ["frobnicate"], 2, "unknown command 'frobnicate'"),
    row("unknown-option", ["list", "--frobnicate"], 2, "Unknown option --frobnicate"),
    row("list-unknown-kind", ["list", "bogus"], 2, "unknown kind 'bogus'"),
    row("show-no-id", ["show"], 2, "expected exactly one ID"),
    row("show-two-ids", ["show", "0.0.0100", "0.0.0101"], 2, "expected exactly one ID"),
    row("check-no-id", ["check"], 2, "give at least one device ID"),
    row("check-unknown-op", ["check", "0.0.0100", "--op", "bogus"], 2, "unknown --op 'bogus'"),
    row("attach-no-args", ["attach"], 2, "expected a domain and at least one ID"),
    row("detach-no-args", ["detach"], 2, "expected a domain and at least one ID"),
    row("define-bad-uuid", ["define", "0.0.0103", "--uuid", "nope"], 2, "'nope' is not a UUID"),
    row("define-uuid-too-long", ["define", "0.0.0103", "--uuid", UUID41 + "0"], 2,
        "is not a UUID"),
    row("stop-not-uuid", ["stop", "0.0.0100"], 2, "'0.0.0100' is not an mdev UUID"),
    row("boot-zero", ["hostdev", "0.0.0041", "--boot", "0"], 2,
        "--boot needs an order of 1 or more"),
    row("boot-negative", ["hostdev", "0.0.0041", "--boot", "-3"], 2,
        "--boot needs an order of 1 or more"),
    row("boot-not-number", ["hostdev", "0.0.0041", "--boot", "x"], 2, "--boot"),
    row("boot-overflow", ["hostdev", "0.0.0041", "--boot", "99999999999999999999"], 2, "--boot"),
    row("domain-xml-dir", ["check", "0.0.0100", "--domain-xml", "ROOT/etc"], 6,
        "cannot read domain XML ROOT/etc: Is a directory"),
    row("domain-xml-missing", ["check", "0.0.0100", "--domain-xml", "ROOT/nope.xml"], 4,
        "No such file"),
    # a FIFO without a writer blocked `check` for ever; now it reads as empty
    row("domain-xml-fifo", ["check", "0.0.0100", "--domain-xml", "ROOT/../pipe.xml"], 7,
        "", setup=lambda root: os.mkfifo(root.parent / "pipe.xml")),
]

# ID parsing: traversal, newlines, control characters, non-UTF-8, overflow, junk;
# the same refusal from every command that takes an ID.
BAD_IDS = [
    ("traversal", "../../etc/passwd"),
    ("traversal-inside", "0.0.0100/../0.0.0101"),
    ("newline", "0.0.0100\n0.0.0101"),
    ("trailing-newline", "0.0.0100\n"),
    ("tab", "0.0.0100\t"),
    ("escape", "0.0.01\x1b[31m00"),
    ("non-utf8", "0.0.01\udcff0"),
    ("five-digits", "0.0.12345"),
    ("ssid-4", "sch:0.4.0000"),
    ("cssid-overflow", "100000000000000000000.0.0100"),
    ("fid-overflow", "fid:0x100000000"),
    ("fid-negative", "fid:-1"),
    ("fid-empty", "fid:"),
    ("ccw-empty", "ccw:"),
    ("junk-hex", "ccw:0.0.zzzz"),
    ("empty", ""),
    ("space", " 0.0.0100"),
    ("long", "0" * 100000),
    ("pci-slot-32", "0000:00:20.0"),
    ("pci-function-8", "0000:00:00.8"),
    ("uuid-short", UUID41[:-1]),
    ("uuid-junk", UUID41[:-1] + "g"),
    ("percent-encoded", "%2e%2e%2fetc"),
]
for name, bad in BAD_IDS:
    for command in (["show"], ["prepare"], ["release"], ["check"]):
        # a few commands per id keep the table readable; every id goes through show
        if command != ["show"] and name not in ("traversal", "newline", "non-utf8", "escape",
                                                "fid-overflow", "long"):
            continue
        CASES.append(row(f"id-{name}-{command[0]}", command + [bad], 2, NOT_ID))
CASES += [
    row("id-unknown-devno", ["show", "0.0.7777"], 4, "0.0.7777"),
    row("id-unknown-uuid", ["show", "11111111-2222-3333-4444-555555555555"], 4,
        "neither active nor defined"),
    row("prepare-unknown", ["prepare", "0.0.7777"], 4, "0.0.7777"),
    row("nodedev-unknown", ["nodedev", "0.0.9999"], 4, "no ccw device 0.0.9999"),
    row("start-unknown", ["start", "0.0.7777"], 4, "no ccw device 0.0.7777"),
    row("undefine-junk", ["undefine", "zz"], 2, NOT_ID),
    row("define-traversal", ["define", "../../etc"], 2, NOT_ID),
    row("hostdev-traversal", ["hostdev", "../0.0.0041"], 2, NOT_ID),
    row("nodedev-newline", ["nodedev", "0.0.0100\n"], 2, NOT_ID),
]

# Non-regular files: a FIFO blocks any reader for ever
CASES += [
    row("fifo-online-show", ["show", "0.0.0100"], 0, "online is not a regular file",
        setup=fifo("ccw", "0.0.0100", "online")),
    row("fifo-online-list", ["list"], 0, "online is not a regular file",
        setup=fifo("ccw", "0.0.0100", "online")),
    # an online state that cannot be read fails closed (prepare unbound the device before)
    row("fifo-online-prepare-offline", ["prepare", "0.0.0103", "--offline"], 3,
        "cannot tell whether device 0.0.0103 is online", setup=fifo("ccw", "0.0.0103", "online")),
    row("fifo-online-prepare", ["prepare", "0.0.0103"], 3,
        "cannot tell whether device 0.0.0103 is online", setup=fifo("ccw", "0.0.0103", "online")),
    row("garbage-online-check", ["check", "0.0.0103", "--op", "prepare"], 3,
        "cannot tell whether device 0.0.0103 is online",
        setup=attr("ccw", "0.0.0103", "online", "maybe\n")),
    row("missing-online-prepare", ["prepare", "0.0.0103", "--offline"], 3,
        "cannot tell whether device 0.0.0103 is online",
        setup=lambda root: (sysfs(root, "ccw", "0.0.0103") / "online").unlink()),
    row("fifo-override-prepare", ["prepare", "0.0.0000"], None,
        "driver_override is not a regular file",
        setup=fifo("css", "0.0.0000", "driver_override")),
    row("fifo-override-prepare-free", ["prepare", "sch:0.0.0003"], None,
        "driver_override is not a regular file",
        setup=fifo("css", "0.0.0003", "driver_override")),
    row("fifo-chpids-show", ["show", "sch:0.0.0003"], 0, "chpids is not a regular file",
        setup=fifo("css", "0.0.0003", "chpids")),
    row("fifo-chpids-list", ["list", "--json"], 0, "chpids is not a regular file",
        setup=fifo("css", "0.0.0003", "chpids")),
    row("fifo-pimpampom-show", ["show", "sch:0.0.0003"], 0, "pimpampom is not a regular file",
        setup=fifo("css", "0.0.0003", "pimpampom")),
    row("fifo-definition-list", ["list"], 0, "is not a regular file", setup=mkfifo(DEF41)),
    row("fifo-definition-show", ["show", UUID41], 0, "is not a regular file",
        setup=mkfifo(DEF41)),
    row("fifo-mounts-check", ["check", "0.0.0102", "--op", "prepare"], 3,
        "/proc/self/mountinfo", setup=mkfifo("proc/self/mountinfo")),
    row("fifo-bind-record", ["release", "sch:0.0.0003"], None, "is not a regular file",
        setup=mkfifo(BIND3)),
    row("fifo-domain-record", ["g1", "release", "end", "-"], None, "is not a regular file",
        setup=mkfifo(G1), program="hook"),
    row("fifo-driverctl-show", ["show", "sch:0.0.0003"], 0, "",
        setup=mkfifo("etc/driverctl.d/css-0.0.0003")),
]

# Symlinks that lead out of the root: clamped to the root, never followed out
CASES += [
    row("css-outside-root", ["list"], None, "/sys/bus/css/devices",
        setup=symlink("sys/bus/css/devices", "/sys/bus/css/devices")),
    row("css-outside-relative", ["list"], None, "/sys/bus/css/devices",
        setup=symlink("sys/bus/css/devices", "../../../../../../../../sys/bus/css/devices")),
    row("definitions-outside", ["show", UUID41], 0, "",
        setup=symlink("etc/mdevctl.d", "OUTSIDE")),
    row("definition-file-outside", ["show", "0.0.0041"], 0,
        "/outside (reached through a symlink, resolved inside the root)",
        setup=symlink(DEF41, "../../../../outside/definition")),
    row("bind-record-outside", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=symlink(BIND3, "OUTSIDE/record.json")),
    row("bind-dir-outside", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=symlink("run/zvfio/bind", "OUTSIDE")),
    row("run-zvfio-absolute", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=symlink("run/zvfio", "OUTSIDE")),
    row("run-zvfio-absolute-prepare", ["prepare", "sch:0.0.0003"], 1,
        "cannot access /run/zvfio: OUTSIDE_TOP (reached through a symlink, resolved inside "
        "the root)",
        setup=symlink("run/zvfio", "OUTSIDE")),
    row("domain-record-outside", ["g1", "release", "end", "-"], 0, "",
        setup=symlink(G1, "../../../outside/g1.json"), program="hook"),
    row("mounts-outside", ["check", "0.0.0102", "--op", "prepare"], 3,
        "cannot access /proc/self/mountinfo: /proc/1 (reached through a symlink, resolved "
        "inside the root)",
        setup=symlink("proc/self/mountinfo", "/proc/1/mountinfo")),
    row("online-outside", ["show", "0.0.0103"], 0, "online",
        setup=lambda root: symlink_attr(root, "ccw", "0.0.0103", "online", "OUTSIDE/online")),
    row("driver-link-loop", ["show", "sch:0.0.0003"], 0, "",
        setup=lambda root: loop_driver(root)),
    row("lock-symlink-outside", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=symlink("run/lock/zvfio/css-0.0.0003.lock", "OUTSIDE/lockfile")),
    # it said "cannot access /tmp", naming what reads like a host directory
    row("lock-dir-outside", ["release", "sch:0.0.0003"], 1,
        "cannot access /run/lock/zvfio: OUTSIDE_TOP (reached through a symlink, resolved "
        "inside the root): No such file or directory",
        setup=symlink("run/lock/zvfio", "OUTSIDE")),
]


def symlink_attr(root, bus, device, name, target):
    path = sysfs(root, bus, device) / name
    path.unlink()
    path.symlink_to(target.replace("OUTSIDE", str(root.parent / "outside")))


def loop_driver(root):
    path = sysfs(root, "css", "0.0.0003") / "driver"
    path.unlink()
    path.symlink_to("driver")


# Locks that are no regular file: stale, recovered at once (not a 10 s wait)
CASES += [
    row("lock-dangling-symlink", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=symlink("run/lock/zvfio/css-0.0.0003.lock", "/nonexistent/lock")),
    row("lock-fifo", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=mkfifo("run/lock/zvfio/css-0.0.0003.lock")),
    row("lock-directory", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=mkdir("run/lock/zvfio/css-0.0.0003.lock")),
    row("lock-garbage", ["release", "sch:0.0.0003"], 0, "nothing to release",
        setup=write("run/lock/zvfio/css-0.0.0003.lock", "not a pid\n")),
]

# Oversized files: refused (1 MiB), host facts fail closed
CASES += [
    row("mounts-of-busy-host-prepare-offline", ["prepare", "0.0.0100", "--offline"], 3,
        "dasda1 mounted on /", setup=mounts_of_busy_host),
    row("mounts-of-busy-host-check", ["check", "0.0.0100", "--op", "prepare"], 3,
        "dasda1 mounted on /", setup=mounts_of_busy_host),
    row("definition-too-large", ["show", "0.0.0041"], 0, "larger than 1048576 bytes",
        setup=write(DEF41, " " * (2 * MIB) + "{}")),
    row("bind-record-too-large", ["release", "sch:0.0.0003"], 7, "css-0.0.0003.json",
        setup=write(BIND3, bind_record() + " " * (2 * MIB))),
    row("domain-record-too-large", ["g1", "release", "end", "-"], 7, "g1.json",
        setup=write(G1, domain_record() + " " * (2 * MIB)), program="hook"),
    row("online-too-large", ["show", "0.0.0103"], 0, "online",
        setup=attr("ccw", "0.0.0103", "online", "0" * (2 * MIB))),
    row("chpids-too-large", ["show", "sch:0.0.0003"], 0, "chpids",
        setup=attr("css", "0.0.0003", "chpids", "4" * (2 * MIB))),
    row("domain-xml-50mb", ["check", "0.0.0041", "--domain-xml", "ROOT/../domain.xml"], 7,
        "domain XML", setup=plant_domain_xml(HUGE_XML)),
]

# Deep JSON: refused before json-glib's recursive parser
CASES += [
    row("deep-definition-show", ["show", "0.0.0041"], 0, "JSON nested deeper than 64 levels",
        setup=write(DEF41, DEEP)),
    row("deep-definition-list", ["list"], 0, "JSON nested deeper than 64 levels",
        setup=write(DEF41, DEEP)),
    row("deep-definition-list-json", ["list", "--json"], 0, "JSON nested deeper than 64 levels",
        setup=write(DEF41, DEEP)),
    row("deep-object-definition", ["show", "0.0.0041"], 0, "nested deeper than 64 levels",
        setup=write(DEF41, '{"a":' * 50000 + "1" + "}" * 50000)),
    row("deep-bind-record", ["release", "sch:0.0.0003"], 7, "nested deeper than 64 levels",
        setup=write(BIND3, DEEP)),
    row("deep-domain-record", ["g1", "release", "end", "-"], 7, "nested deeper than 64 levels",
        setup=write(G1, DEEP), program="hook"),
]

# Bad definition files (mdevctl.d): a warning naming the file, the rest still listed
BAD_DEFINITIONS = [
    ("not-json", "this is not json"),
    ("array", "[]"),
    ("empty", ""),
    ("type-number", '{"mdev_type": 5, "start": "auto", "attrs": []}'),
    ("start-bogus", '{"mdev_type": "vfio_ccw-io", "start": "sometimes", "attrs": []}'),
    ("attrs-object", '{"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": {}}'),
    ("attrs-two-keys", '{"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": [{"a":"1","b":"2"}]}'),
    ("no-type", '{"start": "auto"}'),
    ("non-utf8", b'{"mdev_type": "vfio_ccw-io\xff", "start": "auto"}'),
    ("nul-byte", b'{"mdev_type": "vfio_ccw-io", "start": "auto"}\x00{}'),
    ("trailing-garbage", '{"mdev_type": "vfio_ccw-io", "start": "auto"} {}'),
    # json-glib decodes a lone surrogate escape into bytes that are no UTF-8 (found
    # by fuzz-callout-stdin): list --json then printed invalid JSON
    ("lone-surrogate", '{"mdev_type": "vfio_ccw-io\\ud800x", "start": "auto"}'),
]
for name, content in BAD_DEFINITIONS:
    CASES.append(row(f"definition-{name}", ["show", "0.0.0041"], 0, DEF41.replace("etc", "/etc", 1),
                     setup=write(DEF41, content)))
CASES += [
    row("definition-name-not-uuid", ["list"], 0, "file name is not a UUID",
        setup=write("etc/mdevctl.d/0.0.0041/not-a-uuid", '{"mdev_type":"vfio_ccw-io","start":"auto"}')),
    row("definition-name-control", ["list"], 0, "a\\x09b\\x1b: file name is not a UUID",
        setup=write("etc/mdevctl.d/0.0.0041/a\tb\x1b", "{}")),
    row("definition-is-directory", ["show", "0.0.0041"], 0, "",
        setup=mkdir("etc/mdevctl.d/0.0.0041/a1b2c3d4-0299-4e5f-8a9b-0c1d2e3f4a5b")),
    row("definition-parent-not-subchannel", ["list"], 0, "",
        setup=write(f"etc/mdevctl.d/..bad/{UUID41}", "{}")),
    row("definition-uppercase-uuid", ["show", UUID42], 0, "",
        setup=rename(f"etc/mdevctl.d/0.0.0042/{UUID42}", UUID42.upper())),
]

# Control characters and other bytes in sysfs entry names are shown escaped
CASES += [
    row("css-name-escape", ["list"], 0, "0.0.00\\x1b[31mX\\x0a: not a subchannel name",
        setup=mkdir("sys/bus/css/devices/0.0.00\x1b[31mX\n")),
    row("pci-name-control", ["list"], 0, "\\x01bad",
        setup=mkdir("sys/bus/pci/devices/\x01bad")),
    row("ccw-name-newline", ["list"], 0, "",   # not under a subchannel: not listed
        setup=mkdir("sys/bus/ccw/devices/0.0.0100\nzvfio: all is well")),
]

# Bad bind records: release refuses them (exit 7) and changes nothing
BAD_BIND = [
    ("not-json", "{"),
    ("array", "[]"),
    ("empty", ""),
    ("version-2", bind_record(version=2)),
    ("version-string", bind_record(version="1")),
    ("bus-bogus", bind_record(bus="usb")),
    ("device-other", bind_record(device="0.0.0001")),
    ("device-traversal", bind_record(device="../../../etc")),
    ("driver-bogus", bind_record(driver="evil")),
    ("previous-driver-traversal", bind_record(previous_driver="../../../../bin")),
    ("previous-driver-slash", bind_record(previous_driver="a/b")),
    ("offline-device-bogus", bind_record(offline_ccw_device="0.0.zzzz")),
    ("previous-persist-bogus", bind_record(persist=True, previous_persist="../x")),
    ("rebound-string", bind_record(rebound="yes")),
    ("non-utf8", b'{"version":1,"bus":"css\xff"}'),
    ("nul-byte", bind_record().encode() + b"\x00"),
]
for name, content in BAD_BIND:
    CASES.append(row(f"bind-record-{name}", ["release", "sch:0.0.0003"], 7,
                     "css-0.0.0003.json", setup=write(BIND3, content)))

# Bad domain records: 'release end' refuses them (exit 7), changes nothing, keeps the file
BAD_DOMAIN_RECORDS = [
    ("not-json", "{"),
    ("version-2", domain_record(version=2)),
    ("domain-other", domain_record(domain="g2")),
    ("binding-traversal", domain_record(bindings=["css-../../../etc"])),
    ("binding-bus", domain_record(bindings=["usb-0.0.0041"])),
    ("mdev-not-uuid", domain_record(started_mdevs=["../../x"])),
    ("mdevs-not-array", domain_record(started_mdevs="x")),
    ("too-many-bindings", domain_record(bindings=[f"css-0.0.{i:04x}" for i in range(257)])),
    ("non-utf8", b'{"version":1,"domain":"g1\xff"}'),
]
for name, content in BAD_DOMAIN_RECORDS:
    CASES.append(row(f"domain-record-{name}", ["g1", "release", "end", "-"], 7, "g1.json",
                     setup=write(G1, content), program="hook"))

# Bad mdev intent records (define --start / attach --define): `repair UUID` refuses
# them (exit 7), `repair --all` reports them (exit 1); nothing changes, the file stays
MI = "7e270a25-e163-4922-af60-757fc8ed48cb"
MI_PATH = f"run/zvfio/mdev/{MI}.json"


def mdev_intent(**changes):
    """A valid define-start record of mdev MI on 0.0.0003 with CHANGES applied."""
    rec = {"version": 1, "operation": "define-start", "uuid": MI, "parent": "0.0.0003",
           "step": "define", "uri": None, "domain": None}
    rec.update(changes)
    return json.dumps(rec)


BAD_MDEV_INTENT = [
    ("not-json", "{"),
    ("array", "[]"),
    ("empty", ""),
    ("version-2", mdev_intent(version=2)),
    ("version-string", mdev_intent(version="1")),
    ("operation-bogus", mdev_intent(operation="format-disk")),
    ("uuid-other", mdev_intent(uuid="7e270a25-e163-4922-af60-757fc8ed48cc")),
    ("uuid-uppercase", mdev_intent(uuid=MI.upper())),
    ("uuid-traversal", mdev_intent(uuid="../../../etc/passwd")),
    ("parent-bogus", mdev_intent(parent="0.0.zzzz")),
    ("parent-traversal", mdev_intent(parent="../../sys")),
    ("step-bogus", mdev_intent(step="rm")),
    ("step-of-other-operation", mdev_intent(step="libvirt")),
    ("uri-for-define-start", mdev_intent(uri="qemu:///system")),
    ("attach-without-uri", mdev_intent(operation="attach-define", domain="g1")),
    ("attach-domain-control", mdev_intent(operation="attach-define", uri="test:///default",
                                          domain="g\x1b[2J")),
    ("unknown-member", mdev_intent(extra=True)),
    ("non-utf8", b'{"version":1,"operation":"define-start\xff"}'),
    ("nul-byte", mdev_intent().encode() + b"\x00"),
    ("deep", DEEP),
    ("too-large", mdev_intent().encode() + b" " * (2 * MIB)),
]
for name, content in BAD_MDEV_INTENT:
    CASES.append(row(f"mdev-intent-{name}", ["repair", MI], 7, f"{MI}.json",
                     setup=write(MI_PATH, content)))
for name, content in BAD_MDEV_INTENT[:3]:
    CASES.append(row(f"mdev-intent-{name}-all", ["repair", "--all"], 1, f"{MI}.json",
                     setup=write(MI_PATH, content)))
CASES.append(row("fifo-mdev-intent", ["repair", MI], None, "is not a regular file",
                 setup=mkfifo(MI_PATH)))

# attach --define records whose libvirt URI names a program, another socket or
# anything zvfio would not connect to itself (issue 21 §2): refused when read, never
# connected to (repair would run command= as root); every message says how to remove it
BAD_MDEV_URIS = [
    ("ext", "qemu+ext:///system?command=/bin/sh", "its transport 'ext' is not one zvfio"),
    ("ext-uppercase", "qemu+EXT:///system", "its transport 'EXT' is not one zvfio"),
    ("libssh2", "qemu+libssh2://h/system", "its transport 'libssh2' is not one zvfio"),
    ("command", "qemu+ssh://h/system?command=/bin/sh", "parameter 'command' would make"),
    ("command-uppercase", "qemu+ssh://h/system?COMMAND=/bin/sh", "parameter 'COMMAND' would"),
    ("command-escaped", "qemu+ssh://h/system?comm%61nd=/bin/sh", "a percent escape"),
    ("netcat", "qemu+ssh://h/system?netcat=/bin/sh", "parameter 'netcat' would make"),
    ("socket", "qemu+unix:///system?socket=/tmp/s", "parameter 'socket' would make"),
    ("proxy", "qemu+ssh://h/system?proxy=netcat", "parameter 'proxy' would make"),
    ("name", "qemu+ssh://h/system?name=qemu+ext:///x", "parameter 'name' would make"),
    ("unknown-parameter", "qemu+ssh://h/system?known_hosts=/etc/x", "'known_hosts' is not one"),
    ("host-option", "qemu+ssh://-oProxyCommand=sh/system", "its host starts with '-'"),
]
for name, uri, fragment in BAD_MDEV_URIS:
    CASES.append(row(f"mdev-intent-uri-{name}", ["repair", MI], 7, fragment,
                     setup=write(MI_PATH, mdev_intent(operation="attach-define",
                                                      step="libvirt", uri=uri,
                                                      domain="g1"))))
CASES.append(row("mdev-intent-uri-ext-all", ["repair", "--all"], 1,
                 f"then 'rm /run/zvfio/mdev/{MI}.json'",
                 setup=write(MI_PATH, mdev_intent(operation="attach-define", step="libvirt",
                                                  uri="qemu+ext:///system?command=/bin/sh",
                                                  domain="g1"))))

# Domain XML, as `check --domain-xml` reads it and as the hook gets it on stdin
BAD_XML = [
    ("xxe", XXE, 7, ""),
    ("billion-laughs", LAUGHS, 7, ""),
    ("doctype", DOCTYPE, 7, ""),
    ("deep", DEEP_XML, 7, ""),
    ("not-xml", "this is not XML <hostdev", 7, ""),
    ("truncated", domain_xml()[:-20], 7, ""),
    ("257-hostdevs", HOSTDEVS_257, 7, "256"),
    ("bad-uuid", domain_xml(hostdevs=mdev_hostdev("../../../etc/passwd")), 7, ""),
    ("bad-pci-domain", domain_xml(hostdevs=pci_hostdev(domain="0x1ffff")), 7, ""),
    ("bad-pci-slot", domain_xml(hostdevs=pci_hostdev(slot="zz")), 7, ""),
]
for name, text, code, fragment in BAD_XML:
    CASES.append(row(f"check-xml-{name}", ["check", "0.0.0041", "--domain-xml",
                                            "ROOT/../domain.xml"], code, fragment,
                     setup=plant_domain_xml(text)))
    CASES.append(row(f"hook-xml-{name}", ["g1", "prepare", "begin", "-"], code, fragment,
                     stdin=text, program="hook"))
CASES += [
    row("check-xml-non-utf8", ["check", "0.0.0041", "--domain-xml", "ROOT/../domain.xml"], 7, "",
        setup=plant_domain_xml_bytes(domain_xml().encode().replace(b"g1", b"g\xff1"))),
    row("check-xml-empty", ["check", "0.0.0041", "--domain-xml", "ROOT/../domain.xml"], 7, "",
        setup=plant_domain_xml("")),
    row("hook-xml-50mb", ["g1", "prepare", "begin", "-"], 7, "", stdin=HUGE_XML,
        program="hook"),
    row("hook-xml-other-domain", ["g1", "prepare", "begin", "-"], 7, "is for 'g2', not 'g1'",
        stdin=domain_xml(name="g2"), program="hook"),
    row("hook-xml-no-name", ["g1", "prepare", "begin", "-"], 7, "",
        stdin=domain_xml().replace("<name>g1</name>", ""), program="hook"),
    row("hook-unknown-mdev", ["g1", "prepare", "begin", "-"], 4, "",
        stdin=domain_xml(hostdevs=mdev_hostdev("11111111-2222-3333-4444-555555555555")),
        program="hook"),
    row("hook-unknown-pci", ["g1", "prepare", "begin", "-"], 4, "",
        stdin=domain_xml(hostdevs=pci_hostdev(domain="0x0777")), program="hook"),
]

# Domain names as libvirt passes them to the hook (argv[1])
BAD_DOMAIN_NAMES = [
    ("slash", "a/b"), ("dotdot", ".."), ("dot", "."), ("hidden", ".g1"), ("empty", ""),
    ("newline", "g1\nzvfio: ok"), ("escape", "g1\x1b[2J"), ("too-long", "g" * 201),
    ("traversal", "../../etc/passwd"),
]
# prepare: the XML's name (= argv) is refused by zv_domain_check_input, the step check
# runs too (issue 20 §4); an empty or ESC name is already no valid domain XML
NAME_REFUSAL = {"empty": "has no <name>", "escape": "PCDATA invalid Char value 27"}
for name, domain in BAD_DOMAIN_NAMES:
    CASES.append(row(f"hook-name-{name}-prepare", [domain, "prepare", "begin", "-"], 7,
                     NAME_REFUSAL.get(name, "cannot name zvfio's record"),
                     stdin=domain_xml(name=domain), program="hook"))
    # prepare never records a domain whose name cannot name /run/zvfio/NAME.json, so
    # there is nothing to release
    CASES.append(row(f"hook-name-{name}-release", [domain, "release", "end", "-"], 0, "",
                     program="hook"))
CASES.append(row("hook-name-non-utf8-release", ["g\udcff1", "release", "end", "-"], 0, "",
                 program="hook"))
CASES.append(row("hook-name-escape-shown-escaped", ["g1\x1b[2J", "prepare", "begin", "-"], 7,
                 "zvfio-hook: g1\\x1b[2J: ", stdin=domain_xml(name="g1\x1b[2J"),
                 program="hook"))

# Hook argv
CASES += [
    row("hook-no-args", [], 2, "usage: zvfio-hook", program="hook"),
    row("hook-three-args", ["g1", "prepare", "begin"], 2, "usage: zvfio-hook", program="hook"),
    row("hook-six-args", ["g1", "prepare", "begin", "-", "x"], 2, "usage", program="hook"),
    row("hook-unknown-op", ["g1", "frobnicate", "begin", "-"], 0, "", stdin=XXE,
        program="hook"),
    row("hook-release-no-record", ["g1", "release", "end", "-"], 0, "", program="hook"),
    row("hook-stdin-binary", ["g1", "prepare", "begin", "-"], 7, "",
        stdin="<hostdev\x00\x01\x02", program="hook"),
]

# zvfio-callout: argv as mdevctl passes it, and the JSON on stdin
def callout_argv(event="pre", action="define", parent="0.0.0003", type="vfio_ccw-io",
                 uuid="11111111-2222-3333-4444-555555555555", state="none"):
    return ["-t", type, "-e", event, "-a", action, "-s", state, "-u", uuid, "-p", parent]


GOOD_CONFIG = '{"mdev_type": "vfio_ccw-io", "start": "manual", "attrs": []}'
CASES += [
    row("callout-no-args", [], 1, "usage", program="callout"),
    row("callout-missing-parent", callout_argv()[:-2], 1, "usage", stdin=GOOD_CONFIG,
        program="callout"),
    row("callout-unknown-option", callout_argv() + ["-x", "y"], 1, "usage", stdin=GOOD_CONFIG,
        program="callout"),
    row("callout-foreign-type", callout_argv(type="vfio_ap-passthrough"), 2, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-bad-uuid", callout_argv(uuid="../../etc"), 1, "", stdin=GOOD_CONFIG,
        program="callout"),
    row("callout-uppercase-uuid", callout_argv(uuid=UUID41.upper()), 1, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-parent-traversal", callout_argv(parent="../../etc"), 1, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-parent-newline", callout_argv(parent="0.0.0003\n"), 1, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-parent-devno-form", callout_argv(parent="ccw:0.0.0003"), 1, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-parent-unknown", callout_argv(parent="0.0.7777"), 3, "",
        stdin=GOOD_CONFIG, program="callout"),
    row("callout-stdin-not-json", callout_argv(), 3, "invalid device configuration on stdin",
        stdin="not json", program="callout"),
    row("callout-stdin-empty", callout_argv(), 3, "invalid device configuration on stdin",
        stdin="", program="callout"),
    row("callout-stdin-deep", callout_argv(), 3, "nested deeper than 64 levels",
        stdin="[" * 30000 + "]" * 30000, program="callout"),
    row("callout-stdin-too-large", callout_argv(), 3, "larger than 65536 bytes",
        stdin=GOOD_CONFIG + " " * 70000, program="callout"),
    row("callout-stdin-wrong-type", callout_argv(), 3, "",
        stdin='{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": []}',
        program="callout"),
    row("callout-stdin-start-bogus", callout_argv(), 3, "invalid device configuration",
        stdin='{"mdev_type": "vfio_ccw-io", "start": "sometimes", "attrs": []}',
        program="callout"),
    row("callout-stdin-non-utf8", callout_argv(), 3, "invalid device configuration",
        stdin='{"mdev_type": "vfio_ccw-io\udcff", "start": "manual"}', program="callout"),
    row("callout-stdin-lone-surrogate", callout_argv(), 3, "is not valid UTF-8",
        stdin='{"mdev_type": "vfio_ccw-io\\ud800x", "start": "manual"}', program="callout"),
    row("callout-stdin-array", callout_argv(), 3, "invalid device configuration",
        stdin="[]", program="callout"),
    row("callout-start-stdin-deep", callout_argv(action="start"), 3,
        "nested deeper than 64 levels", stdin="[" * 30000 + "]" * 30000, program="callout"),
    row("callout-capabilities-deep", callout_argv(event="get", action="capabilities"), 7,
        "nested deeper than 64 levels", stdin="[" * 30000 + "]" * 30000, program="callout"),
    row("callout-capabilities-garbage", callout_argv(event="get", action="capabilities"), 7,
        "invalid capabilities request", stdin="{", program="callout"),
    row("callout-capabilities-no-provides", callout_argv(event="get", action="capabilities"),
        7, "invalid capabilities request", stdin="{}", program="callout"),
    row("callout-capabilities-too-large", callout_argv(event="get", action="capabilities"),
        7, "larger than 65536 bytes", stdin="{" + " " * 70000, program="callout"),
]


# zvfio-udev-hint: udev's $kernel, and what the subchannel's sysfs says (docs/benchmarks.md P2)
SUB_ID = "is not a subchannel id"
CASES += [
    row("udev-hint-no-argument", [], 2, "usage", program="udev-hint"),
    row("udev-hint-two-arguments", ["0.0.0041", "0.0.0042"], 2, "usage", program="udev-hint"),
    row("udev-hint-traversal", ["../../../etc"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-traversal-inside-id", ["0.0.0041/../0.0.0042"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-uppercase", ["0.0.004A"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-newline", ["0.0.0041\n"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-control-char-escaped", ["0.0.\x1b[2J"], 2, "0.0.\\x1b[2J", program="udev-hint"),
    row("udev-hint-non-utf8", ["0.0.\udcff041"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-devno-overflow", ["0.0.10041"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-ssid-overflow", ["0.4.0041"], 2, SUB_ID, program="udev-hint"),
    row("udev-hint-missing-subchannel", ["0.0.7777"], 4, "no subchannel 0.0.7777",
        program="udev-hint"),
    row("udev-hint-not-on-vfio-ccw", ["0.0.0001"], 0, "", program="udev-hint"),
    row("udev-hint-unbound", ["0.0.0040"], 0, "", program="udev-hint"),
    row("udev-hint-dev-busid-fifo", ["0.0.0041"], 0, "", program="udev-hint",
        setup=fifo("css", "0.0.0041", "dev_busid")),
    row("udev-hint-dev-busid-garbage", ["0.0.0041"], 0, "", program="udev-hint",
        setup=attr("css", "0.0.0041", "dev_busid", "../../etc/passwd\n")),
    row("udev-hint-dev-busid-none", ["0.0.0041"], 0, "", program="udev-hint",
        setup=attr("css", "0.0.0041", "dev_busid", "none\n")),
    # clamped to the root like every link: the hint lands in ROOT/outside, never beside it
    row("udev-hint-run-link-clamped-to-root", ["0.0.0041"], 0, "", program="udev-hint",
        setup=symlink("run/zvfio", "../../outside")),
    row("udev-hint-devno-dir-is-file", ["0.0.0041"], 1, "", program="udev-hint",
        setup=write("run/zvfio/devno", "x")),
]


def tree_state(root):
    """What must not change: sys, etc, run, proc of ROOT and the directory OUTSIDE beside
    it. The lock directory (/run/lock/zvfio) may change: an action takes its device lock
    before it reads anything, and recovers a stale one."""
    state, mtimes = host_state(root, parts=("sys", "etc", "run", "proc"))
    outside, outside_mtimes = host_state(root.parent, parts=("outside",))
    keep = {k: v for k, v in state.items() if not k.startswith("run/lock")}
    keep.update(outside)
    mtimes = {k: v for k, v in mtimes.items() if not k.startswith("run/lock")}
    mtimes.update(outside_mtimes)
    return keep, mtimes


def test_catalog_is_large_and_ids_unique():
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES)


def fill(value, root):
    """VALUE with ROOT and OUTSIDE replaced by the paths of this test (OUTSIDE_TOP:
    the first directory of OUTSIDE, the first one missing inside the root)."""
    if isinstance(value, str):
        outside = root.parent / "outside"
        return (value.replace("ROOT", str(root))
                .replace("OUTSIDE_TOP", "/" + outside.parts[1])
                .replace("OUTSIDE", str(outside)))
    return value


def encode(text):
    """TEXT as bytes; lone surrogates stand for bytes that are no UTF-8."""
    if text is None or isinstance(text, bytes):
        return text or b""
    return text.encode("utf-8", "surrogateescape")


def run_program(program, argv, stdin, root, build_dir):
    """Runs PROGRAM with ARGV (bytes stdin) as the catalog says; returns its result."""
    env = dict(os.environ, LC_ALL="C.UTF-8")
    for name in ("ZVFIO_ROOT", "MDEVCTL_ENV_ROOT", "ZVFIO_ALLOW_VOLATILE_AUTOSTART"):
        env.pop(name, None)
    if program == "zvfio":
        binary = build_dir / "src/zvfio/zvfio"
        if not argv or argv[0] != "--root":
            argv = ["--root", str(root)] + argv
    else:
        env["ZVFIO_ROOT"] = str(root)
        binary = build_dir / "callouts" / {"hook": "zvfio-hook-gate",
                                           "udev-hint": "zvfio-udev-hint"}.get(program,
                                                                              "zvfio-callout")
    res = subprocess.run(wrapped([binary]) + [os.fsencode(a) for a in argv],
                         input=encode(stdin), capture_output=True, env=env,
                         timeout=60 * TIMEOUT_FACTOR)
    res.stdout = res.stdout.decode("utf-8", "backslashreplace")
    res.stderr = res.stderr.decode("utf-8", "backslashreplace")
    return res


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path, build_dir):
    root = tmp_path / "lpar"
    shutil.copytree(DEMO, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "record.json").write_text(bind_record())
    (outside / "g1.json").write_text(domain_record())
    (outside / "definition").write_text('{"mdev_type": "vfio_ccw-io", "start": "auto"}')
    (outside / "online").write_text("1\n")
    (outside / "lockfile").write_text("precious\n")
    if case.setup:
        case.setup(root)
    before = tree_state(root)
    argv = [fill(a, root) for a in case.argv]
    res = run_program(case.program, argv, case.stdin, root, build_dir)
    assert res.returncode >= 0, f"killed by signal {-res.returncode}: {res.stderr[-3000:]}"
    if case.code is None:
        assert res.returncode != 0, res.stderr
    else:
        assert res.returncode == case.code, (res.returncode, res.stderr[-3000:])
    # refusals of `check` and messages of `release` go to stdout
    # (a violation's message and fix are broken into lines of 100 columns: joined here)
    assert fill(case.fragment, root) in unwrap_violations(res.stderr + res.stdout), \
        res.stderr[-3000:]
    assert tree_state(root) == before, "the tree changed"
    # nothing outside the root is ever named as if it were inside
    assert "/sys/bus/css/devices/../" not in res.stderr
    assert str(outside) not in res.stderr + res.stdout


def test_uppercase_definition_name_is_found_as_listed(tmp_path, run_zvfio):
    """mdevctl accepts a definition file named by an uppercase UUID, and `list` shows
    it; `show` by UUID found nothing ("neither active nor defined") before."""
    root = tmp_path / "lpar"
    shutil.copytree(DEMO, root, symlinks=True)
    d = root / "etc/mdevctl.d/0.0.0042"
    (d / "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b").rename(d / "A1B2C3D4-0202-4E5F-8A9B-0C1D2E3F4A5B")
    listed = run_zvfio("list", "--json", root=root)
    assert "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b" in listed.stdout
    shown = run_zvfio("show", "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b", root=root)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Subchannel 0.0.0042\n")
