#!/usr/bin/python3
"""Runner of the emulated-mainframe system tests (tests/vm).

It boots a real s390x Linux 6.1 (vfio_ccw, vfio-pci, mdev) under
qemu-system-s390x (TCG) with a device set per scenario group, runs the
group's scenario scripts inside the guest, and parses their results from the
console:

    ZVFIO-BEGIN  <scenario>
    ZVFIO-RESULT <scenario> PASS|FAIL|SKIP|XFAIL <detail>
    ZVFIO-DONE

The guest's /init (tests/vm/guest/init) starts udev, virtlogd and libvirtd,
then runs /usr/lib/zvfio-vm/run-scenarios. The initramfs is the cached
rootfs.cpio (build-rootfs.sh) followed by an overlay cpio built here: /init,
tests/vm/guest, the zvfio `meson install --destdir` tree (build-zvfio.sh),
the cross self-test, the nested guest's initramfs and /etc/zvfio-vm/*.

Command line (debugging):  tests/vm/vmrunner.py [GROUP|SCENARIO ...]
Fresh-machine check:       tests/vm/vmrunner.py probe   (QEMU starts with each device set)
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GUEST = HERE / "guest"
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("ZVFIO_VM_CACHE", "/var/cache/zvfio-vm"))
ARTIFACTS = Path(os.environ.get("ZVFIO_VM_ARTIFACTS", "/tmp/zvfio-vm-artifacts"))
QEMU = os.environ.get("ZVFIO_VM_QEMU", "qemu-system-s390x")
# Boot budget: initramfs unpack (~250 MB) + udev + libvirtd under TCG.
BOOT_BUDGET = int(os.environ.get("ZVFIO_VM_BOOT_BUDGET", "150"))
# Multiplier for every timeout (slow CI machines).
TIME_SCALE = float(os.environ.get("ZVFIO_VM_TIME_SCALE", "1"))

MARK_RE = re.compile(
    r"ZVFIO-RESULT (?P<name>[A-Za-z0-9_.-]+) (?P<status>PASS|FAIL|SKIP|XFAIL)(?: (?P<detail>.*))?$")
BEGIN_RE = re.compile(r"ZVFIO-BEGIN (?P<name>[A-Za-z0-9_.-]+)")


# ---------------------------------------------------------------------------
# Device sets
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Ccw:
    """A virtio-ccw device of the outer QEMU: devno fe.<ssid>.<devno>."""
    model: str          # virtio-net-ccw, virtio-rng-ccw, ...
    ssid: int
    devno: int
    cutype: str         # what Linux shows for it (3832/<virtio device id>)
    role: str = ""      # free text for the scenarios

    def bus_id(self) -> str:
        return f"0.{self.ssid:x}.{self.devno:04x}"


@dataclasses.dataclass
class Zpci:
    """A zPCI function: -device zpci,uid=U,fid=F,target=ID -device MODEL,id=ID."""
    uid: int
    fid: int
    model: str          # virtio-net-pci, virtio-rng-pci, virtio-blk-pci
    vendor: int
    device: int
    role: str = ""
    disk_mib: int = 0   # block models: size of the raw disk image the runner makes (disk_image)

    def address(self) -> str:
        # one function per domain, domain = uid (uid checking is on in QEMU)
        return f"{self.uid:04x}:00:00.0"


def disk_image(path: Path, mib: int):
    """Writes a sparse raw disk of MIB MiB with an MBR partition table of two
    partitions, each about half the disk: 1 type 0x83 (Linux), 2 type 0x82
    (Linux swap). The guest formats them (scenario host-needs)."""
    sectors = mib * 2048
    half = sectors // 2
    parts = [(0x83, 2048, half - 2048), (0x82, half, sectors - half)]
    mbr = bytearray(512)
    mbr[440:444] = (0x7a7f10).to_bytes(4, "little")        # disk signature
    for i, (ptype, start, count) in enumerate(parts):
        e = 446 + 16 * i
        # status 0 (not bootable), CHS fields saturated (LBA addressing only)
        mbr[e:e + 16] = (bytes([0x00, 0xfe, 0xff, 0xff, ptype, 0xfe, 0xff, 0xff])
                         + start.to_bytes(4, "little") + count.to_bytes(4, "little"))
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(mbr)
        f.truncate(sectors * 512)


# The 9p results share is a runner device: it is a virtio-ccw device too and
# every scenario sees it (cutype 3832/09).
RESULTS_9P = Ccw("virtio-9p-ccw", 0, 0xfffe, "3832/09", role="runner results share (9p)")


@dataclasses.dataclass
class Group:
    name: str
    scenarios: list[tuple[str, int]]     # (scenario, guest-side timeout in s)
    ccw: list[Ccw]
    zpci: list[Zpci]
    cmdline: str = ""

    def all_ccw(self) -> list[Ccw]:
        return self.ccw + [RESULTS_9P]

    def expected(self) -> dict:
        """What the guest must see: subchannel numbers are handed out per
        subchannel set in creation order, starting at 0."""
        nxt: dict[int, int] = {}
        ccw = []
        for c in self.all_ccw():
            sch = nxt.get(c.ssid, 0)
            nxt[c.ssid] = sch + 1
            ccw.append({"model": c.model, "devno": c.bus_id(), "subchannel": f"0.{c.ssid:x}.{sch:04x}",
                        "cutype": c.cutype, "role": c.role})
        pci = [{"model": z.model, "address": z.address(), "uid": z.uid, "fid": z.fid,
                "vendor": z.vendor, "device": z.device, "pft": 0, "role": z.role} for z in self.zpci]
        return {"group": self.name, "ccw": ccw, "pci": pci}

    def qemu_devices(self, disk_dir: Path) -> list[str]:
        """QEMU arguments of the group's devices; disk images go to DISK_DIR."""
        args: list[str] = []
        for c in self.ccw:
            args += ["-device", f"{c.model},devno=fe.{c.ssid:x}.{c.devno:04x}"]
        for i, z in enumerate(self.zpci):
            drive = ""
            if z.disk_mib:
                img = disk_dir / f"zp{i}.img"
                disk_image(img, z.disk_mib)
                args += ["-drive", f"file={img},if=none,id=zpd{i},format=raw,cache=unsafe"]
                drive = f",drive=zpd{i}"
            args += ["-device", f"zpci,uid={z.uid},fid={z.fid},target=zp{i}",
                     # An s390x guest never runs a PCI option ROM: romfile= (empty)
                     # keeps QEMU from looking for ipxe-qemu's efi-*.rom.
                     "-device", f"{z.model},id=zp{i},romfile={drive}"]
        return args


NET, RNG = "virtio-net-ccw", "virtio-rng-ccw"

GROUPS: list[Group] = [
    # Everything that runs against the host side of the emulated mainframe.
    # Subchannel numbers != devnos in every set; sets 0, 1 and 3.
    Group(
        name="host",
        scenarios=[("smoke", 300), ("inventory", 300), ("mdevctl-callout", 300),
                   ("libvirt-nodedev", 300), ("boot-config", 120), ("zpci", 300),
                   ("host-needs", 180),
                   ("define-start-crash", 420), ("remote-mdev", 420), ("bench-lscss", 600)],
        ccw=[
            Ccw(NET, 0, 0x1000, "3832/01", "mdevctl-callout target"),
            Ccw(RNG, 0, 0x1001, "3832/04", "libvirt-nodedev target"),
            Ccw(NET, 0, 0x2b09, "3832/01", "smoke target"),
            Ccw(NET, 1, 0x0005, "3832/01", "udev hint target"),
            Ccw(RNG, 1, 0xabcd, "3832/04", "remote-mdev target"),
            Ccw(NET, 3, 0xffff, "3832/01"),
        ],
        zpci=[
            Zpci(5, 7, "virtio-net-pci", 0x1af4, 0x1000, "zpci target"),
            Zpci(0x1234, 0x100, "virtio-rng-pci", 0x1af4, 0x1005),
            # what the host itself needs (scenario host-needs): its network function
            # and a disk with a mounted partition and a swap partition. QEMU 7.2's
            # s390x has no nvme device (docs/vm-tests.md), so the disk is virtio-blk.
            Zpci(0x0a, 0x0a, "virtio-net-pci", 0x1af4, 0x1000, "host nic"),
            Zpci(0x0b, 0x0b, "virtio-blk-pci", 0x1af4, 0x1001, "host disk", disk_mib=32),
        ],
    ),
    # Nested TCG domains with passed-through devices.
    Group(
        name="nested",
        scenarios=[("nested-view", 420), ("nested-zpci", 360), ("bringup", 420),
                   ("virt-xml", 480)],
        ccw=[
            Ccw(NET, 0, 0x1234, "3832/01", "passthrough target"),
            Ccw(RNG, 0, 0x4711, "3832/04", "second subchannel (veto tests)"),
            Ccw(NET, 1, 0x0042, "3832/01"),
        ],
        zpci=[Zpci(0x21, 0x2f, "virtio-net-pci", 0x1af4, 0x1000, "zpci nested target")],
    ),
]

# Runner self-test: proves timeout handling (scenario + whole VM) without
# udev/libvirtd (zvfio_vm.minimal=1), so it costs one short boot.
SELFTEST_GROUP = Group(
    name="runner-selftest",
    scenarios=[("selftest-pass", 30), ("selftest-hang", 5), ("selftest-skip", 30)],
    ccw=[Ccw(NET, 1, 0x0007, "3832/01")],
    zpci=[],
    cmdline="zvfio_vm.minimal=1",
)


def scenario_names() -> list[str]:
    return [s for g in GROUPS for s, _ in g.scenarios]


def group_of(scenario: str) -> Group:
    for g in GROUPS + [SELFTEST_GROUP]:
        if any(s == scenario for s, _ in g.scenarios):
            return g
    raise KeyError(scenario)


# ---------------------------------------------------------------------------
# Build products
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Images:
    kernel: Path
    rootfs: Path            # cache dir with rootfs.cpio and tree/
    zvfio_build: Path       # build-zvfio.sh build dir
    zvfio_status: str       # "ok" or "FAILED: ..."
    # the zvfio .deb (tests/package/build-deb-s390x.sh), which /init installs with
    # dpkg; None: the build dir's staging tree is layered over the rootfs instead
    deb: Path | None = None


def _script(name: str) -> str:
    p = subprocess.run([str(HERE / name)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 3 if name == "build-zvfio.sh" else 0):
        raise RuntimeError(f"tests/vm/{name} failed (exit {p.returncode}):\n{p.stderr[-4000:]}")
    sys.stderr.write(p.stderr)
    return p.stdout.strip().splitlines()[-1]


_images: Images | None = None


def build_images() -> Images:
    """The kernel, the rootfs, the zvfio cross build and its .deb (built once per
    process: every test module of the tier asks)."""
    global _images
    if _images is not None:
        return _images
    kernel = Path(os.environ["ZVFIO_VM_KERNEL"]) if os.environ.get("ZVFIO_VM_KERNEL") \
        else Path(_script("build-kernel.sh"))
    rootfs = Path(_script("build-rootfs.sh"))
    zb = Path(_script("build-zvfio.sh"))
    status = (zb / "zvfio-status").read_text().strip() if (zb / "zvfio-status").exists() else "FAILED: unknown"
    deb = None
    if status == "ok":
        # the guest installs zvfio as a host does: the .deb built from debian/
        p = subprocess.run([str(REPO / "tests/package/build-deb-s390x.sh"), str(zb / "deb")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"tests/package/build-deb-s390x.sh failed (exit {p.returncode}):\n"
                               f"{p.stderr[-4000:]}")
        deb = Path(p.stdout.strip().splitlines()[-1])
    _images = Images(kernel, rootfs, zb, status, deb)
    return _images


# ---------------------------------------------------------------------------
# cpio (newc) writer for the overlay
# ---------------------------------------------------------------------------

class Cpio:
    def __init__(self, f):
        self.f = f
        self.ino = 300000
        self.seen: set[str] = set()

    def _hdr(self, name: str, mode: int, size: int, nlink: int = 1):
        self.ino += 1
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name_b), 0]
        h = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.f.write(h + name_b)
        self._pad()

    def _pad(self):
        pos = self.f.tell()
        if pos % 4:
            self.f.write(b"\0" * (4 - pos % 4))

    def dir(self, name: str, mode: int = 0o755):
        name = name.strip("/")
        parts = name.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.seen:
                self.seen.add(d)
                self._hdr(d, stat.S_IFDIR | mode, 0, 2)

    def file(self, name: str, data: bytes, mode: int = 0o644):
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        self._hdr(name, stat.S_IFREG | mode, len(data))
        self.f.write(data)
        self._pad()
        self.seen.add(name)

    def symlink(self, name: str, target: str):
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        t = target.encode()
        self._hdr(name, stat.S_IFLNK | 0o777, len(t))
        self.f.write(t)
        self._pad()
        self.seen.add(name)

    def tree(self, src: Path, dest: str):
        """Copy a directory tree (files, symlinks, dirs) under dest."""
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            base = dest.rstrip("/") + ("" if rel == "." else "/" + rel)
            if base.strip("/"):
                self.dir(base, stat.S_IMODE(os.lstat(root).st_mode))
            for n in sorted(dirs + files):
                p = Path(root) / n
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    self.symlink(f"{base}/{n}", os.readlink(p))
                elif stat.S_ISREG(st.st_mode):
                    self.file(f"{base}/{n}", p.read_bytes(), stat.S_IMODE(st.st_mode))

    def close(self):
        self._hdr("TRAILER!!!", 0, 0)
        pos = self.f.tell()
        if pos % 512:
            self.f.write(b"\0" * (512 - pos % 512))


def nested_initrd(rootfs_tree: Path) -> bytes:
    """The nested guest's whole userspace: static busybox + guest/nested-init."""
    import io
    buf = io.BytesIO()
    c = Cpio(buf)
    for d in ("bin", "proc", "sys", "dev", "tmp"):
        c.dir(d)
    c.file("bin/busybox", (rootfs_tree / "bin/busybox").read_bytes(), 0o755)
    c.symlink("bin/sh", "busybox")
    c.file("init", (GUEST / "nested-init").read_bytes(), 0o755)
    c.close()
    return buf.getvalue()


# Size of the generated host of the bench-lscss scenario (issue 13's guest timing
# line): every subchannel costs about 32 files in the guest's RAM-backed root.
BENCH_SUBCHANNELS = int(os.environ.get("ZVFIO_VM_BENCH_SUBCHANNELS", "2048"))


def bench_tree(subchannels: int) -> bytes:
    """A tests/bench/gen-host.py tree of SUBCHANNELS as a .tar.gz (top directory root/)."""
    import io
    import tarfile
    with tempfile.TemporaryDirectory(prefix="zvfio-vm-bench-") as tmp:
        subprocess.run([sys.executable, str(REPO / "tests/bench/gen-host.py"), str(subchannels),
                        f"{tmp}/root"], check=True)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
            tar.add(f"{tmp}/root", arcname="root")
        return buf.getvalue()


def build_overlay(path: Path, group: Group, images: Images, scenarios: list[tuple[str, int]]):
    with open(path, "wb") as f:
        c = Cpio(f)
        c.file("init", (GUEST / "init").read_bytes(), 0o755)
        mods = images.kernel.parent / "modules"
        if mods.is_dir():
            c.tree(mods, "")
        c.tree(GUEST, "usr/lib/zvfio-vm")
        c.dir("etc/zvfio-vm")
        exp = group.expected()
        exp["zvfio_status"] = images.zvfio_status
        c.file("etc/zvfio-vm/devices.json", json.dumps(exp, indent=1).encode())
        c.file("etc/zvfio-vm/scenarios",
               "".join(f"{n} {int(t * TIME_SCALE)}\n" for n, t in scenarios).encode())
        c.file("etc/zvfio-vm/zvfio-status", (images.zvfio_status + "\n").encode())
        st = images.zvfio_build / "staging-selftest"
        if st.is_dir():
            c.tree(st, "")
        st = images.zvfio_build / "staging"
        if images.deb is not None:
            # zvfio comes from its package: /init installs it with dpkg -i (postinst,
            # callout, hook and udev rule as the package ships them); the test-only
            # fault-injection build of define-start-crash is staged beside it
            c.file("var/lib/zvfio-vm/zvfio.deb", images.deb.read_bytes())
            fault = st / "usr/libexec/zvfio-vm/zvfio-fault"
            if fault.is_file():
                c.file("usr/libexec/zvfio-vm/zvfio-fault", fault.read_bytes(), 0o755)
        elif images.zvfio_status == "ok" and st.is_dir():
            c.tree(st, "")
        if any(n == "bench-lscss" for n, _ in scenarios):
            c.file("var/lib/zvfio-vm/bench-host.tar.gz", bench_tree(BENCH_SUBCHANNELS))
        c.dir("var/lib/zvfio-vm/nested")
        c.symlink("var/lib/zvfio-vm/nested/bzImage", "/boot/zvfio-vm-bzImage")
        c.file("var/lib/zvfio-vm/nested/initrd.cpio", nested_initrd(images.rootfs / "tree"))
        c.close()


# ---------------------------------------------------------------------------
# Running a group
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    name: str
    status: str         # PASS FAIL SKIP XFAIL
    detail: str
    excerpt: str        # guest log excerpt (console section of the scenario)
    log: Path | None    # full scenario log (9p) if any


@dataclasses.dataclass
class GroupRun:
    group: str
    results: dict[str, Result]
    console: Path
    artifacts: Path
    seconds: float


def _excerpt(lines: list[str], name: str, limit: int = 80) -> str:
    start = None
    end = len(lines)
    for i, l in enumerate(lines):
        m = BEGIN_RE.search(l)
        if m and m.group("name") == name:
            start = i
        m = MARK_RE.search(l)
        if m and m.group("name") == name and start is not None:
            end = i + 1
    if start is None:
        sect = lines[-limit:]
        head = f"(scenario {name} never started; last {len(sect)} console lines)\n"
    else:
        sect = lines[start:end]
        head = ""
        # lead with the failed check: 45 lines before it, diagnostics after it
        af = next((i for i, l in enumerate(sect) if "ASSERTION FAILED" in l), None)
        if af is not None and len(sect) > limit:
            lo = max(0, af - 45)
            tail = sect[af + 1:]
            sect = sect[lo:af + 1] + tail[:limit - (af + 1 - lo)] + [sect[-1]]
            head = f"(scenario {name}: {lo} earlier lines cut; diagnostics shortened)\n" if lo else ""
        elif len(sect) > limit:
            head = f"(... {len(sect) - limit} earlier lines of scenario {name} cut)\n"
            sect = sect[-limit:]
    return head + "\n".join(sect)


def group_devices(group: Group, res_dir: Path, disk_dir: Path) -> list[str]:
    """QEMU arguments for a group's devices plus the results share."""
    return group.qemu_devices(disk_dir) + [
        # last, so that it gets the highest subchannel number of set 0
        "-fsdev", f"local,id=results,path={res_dir},security_model=none",
        "-device", f"virtio-9p-ccw,fsdev=results,mount_tag=results,"
                   f"devno=fe.{RESULTS_9P.ssid:x}.{RESULTS_9P.devno:04x}"]


def probe_groups() -> int:
    """Starts QEMU stopped (-S) with every group's device set and quits it:
    proves that the host packages give QEMU every firmware and ROM file it
    needs (no kernel, no images: for the fresh-machine check)."""
    rc = 0
    for g in GROUPS + [SELFTEST_GROUP]:
        with tempfile.TemporaryDirectory(prefix="zvfio-vm-probe-") as tmp:
            cmd = [QEMU, "-M", "s390-ccw-virtio", "-m", "256", "-nodefaults", "-S",
                   "-display", "none", "-monitor", "stdio", "-no-reboot"] + group_devices(g, Path(tmp), Path(tmp))
            p = subprocess.run(cmd, input="quit\n", capture_output=True, text=True, timeout=120)
            # the test NICs have no network backend on purpose: that warning is expected
            msgs = [m for m in p.stderr.splitlines()
                    if m.strip() and not re.search(r"warning: nic \S+ has no peer$", m)]
            problem = p.returncode != 0 or bool(msgs)
            print(f"probe {g.name}: {'FAIL' if problem else 'ok'} (exit {p.returncode})"
                  + (": " + " / ".join(msgs) if msgs else ""))
            if problem:
                print("  " + " ".join(cmd))
                rc = 1
    return rc


def run_group(group: Group, images: Images, scenarios: list[tuple[str, int]] | None = None,
              host_timeout: float | None = None) -> GroupRun:
    scenarios = scenarios or group.scenarios
    stamp = time.strftime("%Y%m%d-%H%M%S")
    art = ARTIFACTS / f"{stamp}-{group.name}"
    res_dir = art / "results"
    res_dir.mkdir(parents=True, exist_ok=True)
    console = art / "console.log"
    if host_timeout is None:
        host_timeout = (BOOT_BUDGET + sum(t + 15 for _, t in scenarios) + 30) * TIME_SCALE

    with tempfile.TemporaryDirectory(prefix="zvfio-vm-") as tmp:
        tmpd = Path(tmp)
        overlay = tmpd / "overlay.cpio"
        build_overlay(overlay, group, images, scenarios)
        initrd = tmpd / "initrd.cpio"
        with open(initrd, "wb") as out:
            with open(images.rootfs / "rootfs.cpio", "rb") as base:
                shutil.copyfileobj(base, out, 1 << 22)
            # the guest's nested domains boot the very same kernel
            c = Cpio(out)
            c.dir("boot")
            c.file("boot/zvfio-vm-bzImage", images.kernel.read_bytes())
            c.close()
            with open(overlay, "rb") as ov:
                shutil.copyfileobj(ov, out)
        cmd = [QEMU, "-M", "s390-ccw-virtio", "-m", "4096", "-smp", "2", "-nodefaults",
               "-display", "none", "-monitor", "none", "-no-reboot",
               "-chardev", "stdio,id=con,signal=off", "-device", "sclpconsole,chardev=con",
               "-kernel", str(images.kernel), "-initrd", str(initrd),
               "-append", f"console=ttysclp0 quiet panic=-1 {group.cmdline}".strip(),
               ] + (["-cpu", os.environ["ZVFIO_VM_QEMU_CPU"]]
                    if os.environ.get("ZVFIO_VM_QEMU_CPU") else []) + group_devices(group, res_dir, tmpd)
        (art / "qemu-cmdline.txt").write_text(" ".join(cmd) + "\n")
        t0 = time.monotonic()
        lines: list[str] = []
        timed_out = False
        current = None
        with open(console, "w", errors="replace") as con:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            buf = b""
            done = False
            while True:
                left = host_timeout - (time.monotonic() - t0)
                if left <= 0:
                    timed_out = True
                    break
                r, _, _ = select.select([p.stdout], [], [], min(left, 1.0))
                if not r:
                    if p.poll() is not None:
                        break
                    continue
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                *full, buf = buf.split(b"\n")
                for raw in full:
                    line = raw.decode(errors="replace").rstrip("\r")
                    lines.append(line)
                    con.write(f"[{time.monotonic() - t0:7.1f}] {line}\n")
                    m = BEGIN_RE.search(line)
                    if m:
                        current = m.group("name")
                    if "ZVFIO-DONE" in line:
                        done = True
                con.flush()
                if done:
                    # the guest powers off by itself; give it a moment
                    try:
                        p.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        pass
                    break
            if buf:
                lines.append(buf.decode(errors="replace"))
                con.write(buf.decode(errors="replace") + "\n")
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(timeout=10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
            if timed_out:
                con.write(f"[runner] host timeout after {host_timeout:.0f} s; QEMU killed\n")
        seconds = time.monotonic() - t0

    results: dict[str, Result] = {}
    for l in lines:
        m = MARK_RE.search(l)
        if m and m.group("name") not in results:
            n = m.group("name")
            results[n] = Result(n, m.group("status"), (m.group("detail") or "").strip(), "", None)
    # backup channel: results.txt on the 9p share
    rt = res_dir / "results.txt"
    if rt.exists():
        for l in rt.read_text(errors="replace").splitlines():
            m = MARK_RE.search(l)
            if m and m.group("name") not in results:
                n = m.group("name")
                results[n] = Result(n, m.group("status"), (m.group("detail") or "").strip(), "", None)
    for n, _ in scenarios:
        if n not in results:
            if timed_out:
                why = (f"host timeout: the VM was killed after {host_timeout:.0f} s"
                       + (f" while scenario {current} was running" if current else " before any scenario started"))
            elif current is None:
                why = "the guest never started a scenario (boot or /init failure)"
            else:
                why = f"no result marker (the guest stopped during scenario {current})"
            results[n] = Result(n, "FAIL", why, "", None)
        r = results[n]
        r.excerpt = _excerpt(lines, n)
        lg = res_dir / f"{n}.log"
        r.log = lg if lg.exists() else None
    (art / "results.json").write_text(json.dumps(
        {n: {"status": r.status, "detail": r.detail} for n, r in results.items()}, indent=1) + "\n")
    return GroupRun(group.name, results, console, art, seconds)


def main(argv: list[str]) -> int:
    if argv == ["probe"]:
        return probe_groups()
    wanted = set(argv)
    images = build_images()
    rc = 0
    groups = GROUPS + ([SELFTEST_GROUP] if "runner-selftest" in wanted else [])
    for g in groups:
        sc = [(s, t) for s, t in g.scenarios if not wanted or g.name in wanted or s in wanted]
        if not sc:
            continue
        run = run_group(g, images, sc)
        print(f"== group {g.name}: {run.seconds:.0f} s, console {run.console}")
        for n, r in run.results.items():
            print(f"   {n:18} {r.status:5} {r.detail}")
            if r.status == "FAIL":
                rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
