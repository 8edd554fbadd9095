"""zvfio-hook, the libvirt qemu hook, driven like libvirt drives it: argv DOMAIN OP
SUBOP EXTRA and the full domain XML on stdin, on fixture trees (ZVFIO_ROOT) with
the kernel's part played by kernel_emulator.KernelEmulator."""

import json
import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO_ROOT, check_golden, host_state, unwrap_violations

HOOK_XML = REPO_ROOT / "tests" / "integration" / "hook"
DOMAIN_RNG = "/usr/share/libvirt/schemas/domain.rng"
ISM = "0010:00:00.0"


def xml(name):
    """Text of the domain XML test file NAME."""
    return (HOOK_XML / name).read_text()


def driver_of(root, bus, device):
    """Name of the driver a device is bound to in the fake tree, or None."""
    link = Path(root) / f"sys/bus/{bus}/devices/{device}/driver"
    return os.path.basename(os.readlink(link)) if link.is_symlink() else None


def state_files(root):
    """Names of every state file below /run/zvfio."""
    return sorted(str(p.relative_to(Path(root) / "run/zvfio"))
                  for p in (Path(root) / "run/zvfio").glob("**/*.json"))


@pytest.fixture
def root(make_tree, tmp_path):
    """A fresh 'bind' fixture tree."""
    return make_tree("bind", tmp_path)


def test_domain_xml_files_are_valid_libvirt_xml():
    for path in sorted(HOOK_XML.glob("*.xml")):
        r = subprocess.run(["xmllint", "--noout", "--relaxng", DOMAIN_RNG, str(path)],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"{path.name}: {r.stderr}"


@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
@pytest.mark.parametrize("op, subop", [
    ("start", "begin"), ("started", "begin"), ("stopped", "end"), ("migrate", "begin"),
    ("restore", "begin"), ("reconnect", "begin"), ("attach", "begin"), ("prepare", "end"),
    ("release", "begin"), ("prepare", "-")])
def test_other_operations_are_no_ops(root, run_hook, hook_bin, op, subop, program):
    before = host_state(root, parts=("sys", "etc", "run"))
    r = run_hook(root, "zguest", op, subop, xml("ism-and-mdev-defined.xml"),
                 binary=hook_bin.parent / program)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert host_state(root, parts=("sys", "etc", "run")) == before
    assert not (Path(root) / "run").exists()


@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
def test_domain_without_passthrough_is_a_no_op(root, run_hook, hook_bin, program):
    before = host_state(root)
    for op, subop in (("prepare", "begin"), ("release", "end")):
        r = run_hook(root, "zguest", op, subop, xml("no-passthrough.xml"),
                     binary=hook_bin.parent / program)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert host_state(root) == before
    assert not (Path(root) / "run").exists()


@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
def test_a_name_without_a_record_is_fine_without_zvfio_devices(root, run_hook, hook_bin, program):
    """'.hidden' (libvirt accepts it) cannot name /run/zvfio/.hidden.json; a domain of
    that name with no vfio-ccw or PCI hostdev (here a USB one) needs no record: prepare
    and release exit 0 and change nothing, as 'zvfio check --domain-xml' says."""
    before = host_state(root)
    for op, subop in (("prepare", "begin"), ("release", "end")):
        r = run_hook(root, ".hidden", op, subop, xml("hidden-usb.xml"),
                     binary=hook_bin.parent / program)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert host_state(root) == before
    assert not (Path(root) / "run").exists()


def test_prepare_binds_zpci_and_release_restores_exactly(root, run_hook, kernel):
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml("ism.xml"))
    assert r.returncode == 0, r.stderr
    assert driver_of(root, "pci", ISM) == "vfio-pci"
    assert state_files(root) == [f"bind/pci-{ISM}.json", "zguest.json"]
    state = json.loads((Path(root) / "run/zvfio/zguest.json").read_text())
    assert state == {"version": 2, "domain": "zguest", "phase": "prepared",
                     "bindings": [f"pci-{ISM}"], "started_mdevs": []}
    rec = json.loads((Path(root) / f"run/zvfio/bind/pci-{ISM}.json").read_text())
    assert (rec["domain"], rec["previous_driver"], rec["rebound"]) == ("zguest", "ism", True)

    # a later hook process (e.g. after a libvirtd restart) releases it from the state
    r = run_hook(root, "zguest", "release", "end", xml("ism.xml"))
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert emu.events == [("unbind", "pci", "ism", ISM), ("bind", "pci", "vfio-pci", ISM),
                          ("unbind", "pci", "vfio-pci", ISM), ("bind", "pci", "ism", ISM)]
    assert host_state(root)[0] == before
    assert state_files(root) == []


def test_already_active_mdev_needs_no_change(root, run_hook, kernel):
    emu = kernel(root)
    before = host_state(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml("mdev-active.xml"))
    assert r.returncode == 0, r.stderr
    emu.idle()
    assert host_state(root) == before           # parent already on vfio_ccw, mdev active
    assert emu.events == []
    assert state_files(root) == []
    r = run_hook(root, "zguest", "release", "end", xml("mdev-active.xml"))
    assert r.returncode == 0, r.stderr
    assert host_state(root) == before


def test_managed_pci_hostdev_is_checked_but_left_to_libvirt(root, run_hook, kernel):
    emu = kernel(root)
    before = host_state(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml("ism-managed.xml"))
    assert r.returncode == 0, r.stderr
    emu.idle()
    assert host_state(root) == before
    assert emu.events == []


@pytest.mark.parametrize("name, code, golden", [
    ("mdev-online.xml", 3, "hook/veto-online.txt"),
    ("mdev-qdio.xml", 3, "hook/veto-qdio.txt"),
    ("mdev-unknown.xml", 4, "hook/veto-unknown-mdev.txt"),
    ("mdev-twice.xml", 3, "hook/veto-mdev-twice.txt"),
    ("ism-twice.xml", 3, "hook/veto-ism-twice.txt"),
])
def test_bad_device_vetoes_prepare_without_any_write(root, run_hook, kernel, name, code, golden):
    """mdev-twice / ism-twice: a domain holding one host device in two hostdevs
    (ccw.used-by-domain, zpci.used-by-domain), found once, not once per hostdev."""
    emu = kernel(root)
    before = host_state(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml(name))
    assert r.returncode == code
    assert r.stdout == ""
    check_golden(golden, r.stderr)
    emu.idle()
    assert host_state(root) == before
    assert emu.events == []
    assert state_files(root) == []


def test_metadata_is_valid_for_libvirt_and_for_zvfio_schema(tmp_path):
    """The domain files with zvfio metadata pass libvirt's domain.rng (above) and
    their <zvfio:hook> element passes schemas/zvfio-domain-metadata.rng."""
    rng = REPO_ROOT / "schemas" / "zvfio-domain-metadata.rng"
    for name, valid in (("mdev-online-offline-allowed.xml", True),
                        ("mdev-online-bad-metadata.xml", False)):
        tree = ET.fromstring(xml(name))
        hook = tree.find("metadata/{urn:zvfio:metadata:1}hook")
        assert hook is not None, name
        part = tmp_path / f"{name}.hook.xml"
        part.write_text(ET.tostring(hook, encoding="unicode"))
        r = subprocess.run(["xmllint", "--noout", "--relaxng", str(rng), str(part)],
                           capture_output=True, text=True)
        assert (r.returncode == 0) == valid, f"{name}: {r.stderr}"


def test_metadata_offline_allow_lets_the_hook_set_the_device_offline(root, run_hook, kernel):
    """<zvfio:hook offline='allow'/>: no ccw.online veto; the hook sets 0.0.3001
    offline and binds its subchannel. mdevctl start then fails (fixture root, see
    below), so everything is undone: io_subchannel again, the device online again
    and announced to udev."""
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml("mdev-online-offline-allowed.xml"))
    assert r.returncode != 0
    assert ("zvfio-hook: zguest: warning: ccw.online: 0.0.3001 (subchannel 0.0.0201): device "
            "0.0.3001 is online in the host and will be set offline") \
        in unwrap_violations(r.stderr, "zvfio-hook: zguest: ")
    assert "error: ccw.online" not in r.stderr
    assert "refusing to run mdevctl for the root" in r.stderr
    emu.idle()
    assert emu.events == [("unbind", "css", "io_subchannel", "0.0.0201"),
                          ("bind", "css", "vfio_ccw", "0.0.0201"),
                          ("unbind", "css", "vfio_ccw", "0.0.0201"),
                          ("bind", "css", "io_subchannel", "0.0.0201"),
                          ("uevent", "ccw", "change", "0.0.3001")]
    assert (Path(root) / "sys/bus/ccw/devices/0.0.3001/online").read_text() == "1\n"
    assert host_state(root)[0] == before
    assert state_files(root) == []


@pytest.mark.parametrize("name, message", [
    ("mdev-online-bad-metadata.xml",
     "zvfio-hook: zguest: domain XML: zvfio <hook offline='always'>: expected 'allow' or "
     "'deny'\n"),
])
def test_bad_metadata_vetoes_without_any_write(root, run_hook, kernel, name, message):
    emu = kernel(root)
    before = host_state(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml(name))
    assert r.returncode == 7
    assert (r.stdout, r.stderr) == ("", message)
    emu.idle()
    assert host_state(root) == before
    assert emu.events == []
    assert state_files(root) == []


def test_mdev_start_failure_undoes_every_binding(root, run_hook, kernel):
    """The ISM function and the mdev's parent get bound, then mdevctl start fails (on a
    fixture root zvfio refuses to run mdevctl 1.2, which has no fake-root support):
    the hook undoes both bindings and vetoes the start."""
    before, _ = host_state(root)
    emu = kernel(root)
    r = run_hook(root, "zguest", "prepare", "begin", xml("ism-and-mdev-defined.xml"))
    assert r.returncode != 0
    assert "zvfio-hook: zguest: refusing to run mdevctl for the root" in r.stderr
    assert r.stderr.endswith("zvfio-hook: zguest: refusing to start the domain; undid what "
                             "this hook changed\n")
    assert emu.events == [("unbind", "pci", "ism", ISM), ("bind", "pci", "vfio-pci", ISM),
                          ("unbind", "css", "io_subchannel", "0.0.0200"),
                          ("bind", "css", "vfio_ccw", "0.0.0200"),
                          ("unbind", "css", "vfio_ccw", "0.0.0200"),
                          ("bind", "css", "io_subchannel", "0.0.0200"),
                          ("unbind", "pci", "vfio-pci", ISM), ("bind", "pci", "ism", ISM)]
    assert host_state(root)[0] == before
    assert state_files(root) == []


def test_bind_failure_undoes_earlier_bindings(root, run_hook, kernel):
    """vfio-pci refuses the ISM function: nothing stays changed."""
    before, _ = host_state(root)
    emu = kernel(root, refuse={"vfio-pci"})
    r = run_hook(root, "zguest", "prepare", "begin", xml("ism-and-mdev-defined.xml"))
    assert r.returncode == 1
    assert "binding to vfio-pci failed: PCI function 0010:00:00.0: the kernel did not bind it " \
        "within 2000 ms (driver is none); every change was rolled back" in r.stderr
    assert ("unbind", "css", "io_subchannel", "0.0.0200") not in emu.events
    assert host_state(root)[0] == before
    assert state_files(root) == []


def test_two_domains_starting_at_once(root, run_hook, kernel):
    """Both hooks run concurrently (different buses, so the emulated kernel sees
    separate files): zguest gets its ISM function, zguest2's mdev cannot be started
    on a fixture root and only zguest2's own binding is undone."""
    before, _ = host_state(root)
    kernel(root)
    results = {}

    def start(name, xml_name):
        results[name] = run_hook(root, name, "prepare", "begin", xml(xml_name))
    threads = [threading.Thread(target=start, args=("zguest", "ism.xml")),
               threading.Thread(target=start, args=("zguest2", "zguest2-mdev-defined.xml"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["zguest"].returncode == 0, results["zguest"].stderr
    assert results["zguest2"].returncode != 0
    assert "refusing to run mdevctl" in results["zguest2"].stderr
    assert driver_of(root, "pci", ISM) == "vfio-pci"
    assert driver_of(root, "css", "0.0.0200") == "io_subchannel"
    assert state_files(root) == [f"bind/pci-{ISM}.json", "zguest.json"]
    assert run_hook(root, "zguest2", "release", "end", "").returncode == 0
    assert run_hook(root, "zguest", "release", "end", "").returncode == 0
    assert host_state(root)[0] == before


def test_same_device_for_two_domains_at_once_goes_to_one(root, run_hook, kernel):
    kernel(root)
    results = {}

    def start(name, xml_name):
        results[name] = run_hook(root, name, "prepare", "begin", xml(xml_name))
    threads = [threading.Thread(target=start, args=("zguest", "ism.xml")),
               threading.Thread(target=start, args=("zguest2", "zguest2-ism.xml"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.returncode for r in results.values())
    assert codes == [0, 9], {n: r.stderr for n, r in results.items()}
    loser = next(n for n, r in results.items() if r.returncode == 9)
    winner = "zguest2" if loser == "zguest" else "zguest"
    assert f"PCI function {ISM} is prepared for domain '{winner}'" in results[loser].stderr
    # the loser's release (libvirt calls it after a failed start) leaves the winner alone
    assert run_hook(root, loser, "release", "end", "").returncode == 0
    assert driver_of(root, "pci", ISM) == "vfio-pci"


def test_release_after_manual_release_is_clean(root, run_hook, run_zvfio, kernel):
    kernel(root)
    assert run_hook(root, "zguest", "prepare", "begin", xml("ism.xml")).returncode == 0
    r = run_zvfio("release", "--force", ISM, root=root)
    assert r.returncode == 0, r.stderr
    r = run_hook(root, "zguest", "release", "end", xml("ism.xml"))
    assert (r.returncode, r.stderr) == (0, "")
    assert state_files(root) == []
    assert driver_of(root, "pci", ISM) == "ism"


NAME_REFUSED = ("cannot name zvfio's record /run/zvfio/<name>.json (at most 200 bytes of "
                "UTF-8, not starting with '.', without '/' or control characters); rename the "
                "domain (virsh domrename) to pass host devices through zvfio")


@pytest.mark.parametrize("name, text, code, message", [
    ("../evil", "ism.xml", 7, "the domain XML on stdin is for 'zguest', not '../evil'"),
    ("../evil", "ism.xml:../evil", 7, "domain name '../evil' " + NAME_REFUSED),
    (".hidden", "ism.xml:.hidden", 7, "domain name '.hidden' " + NAME_REFUSED),
    ("b" * 201, "ism.xml:" + "b" * 201, 7, f"domain name '{'b' * 201}' " + NAME_REFUSED),
    ("other", "ism.xml", 7, "the domain XML on stdin is for 'zguest', not 'other'"),
    ("zguest", "<domain><name>zguest</name><devices><hostdev", 7, "domain XML"),
    ("zguest", "HUGE", 7, "the domain XML on stdin is larger than 4194304 bytes"),
], ids=["dotdot", "dotdot-in-xml", "hidden", "long", "mismatch", "malformed", "huge"])
def test_bad_input_is_rejected_without_writes(root, run_hook, hook_bin, name, text, code,
                                              message):
    """ism.xml:NAME is ism.xml for domain NAME. A name that cannot name the record is
    refused by the same library step as in 'zvfio check --domain-xml' (zv_domain_check_input)."""
    before = host_state(root)
    body = xml(text) if text.endswith(".xml") else text
    if text.startswith("ism.xml:"):
        body = xml("ism.xml").replace("<name>zguest</name>", f"<name>{text[8:]}</name>")
    if text == "HUGE":
        body = "<hostdev" + "x" * (4 * 1024 * 1024)
    for program in ("zvfio-hook-gate", "zvfio-hook"):
        r = run_hook(root, name, "prepare", "begin", body, binary=hook_bin.parent / program)
        assert r.returncode == code, r.stderr
        assert message in r.stderr
    assert host_state(root) == before


def test_wrong_argument_count_is_a_usage_error(hook_bin):
    r = subprocess.run([str(hook_bin), "zguest", "prepare"], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("usage: zvfio-hook DOMAIN OPERATION SUBOP EXTRA")


def test_stdin_that_never_ends_is_bounded(root, hook_bin):
    """libvirt waits for the hook without a timeout: the hook must not hang."""
    env = dict(os.environ, ZVFIO_ROOT=str(root))
    proc = subprocess.Popen([str(hook_bin), "zguest", "prepare", "begin", "-"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.stdin.write("<domain>")
    proc.stdin.flush()
    started = time.monotonic()
    try:
        proc.wait(timeout=30)
        err = proc.stderr.read()
    finally:
        proc.stdin.close()
    assert time.monotonic() - started < 15
    assert proc.returncode == 7
    assert "no end of the domain XML on stdin within 10000 ms" in err


def test_lock_held_by_a_live_process_gives_a_bounded_busy_error(root, run_hook, kernel):
    kernel(root)
    lock = Path(root) / f"run/lock/zvfio/pci-{ISM}.lock"
    lock.parent.mkdir(parents=True)
    holder = subprocess.Popen(["sleep", "60"])
    try:
        lock.write_text(f"{holder.pid}\n")
        before = host_state(root)
        started = time.monotonic()
        r = run_hook(root, "zguest", "prepare", "begin", xml("ism.xml"))
        assert time.monotonic() - started < 15
        assert r.returncode == 9
        assert f"lock pci-{ISM} is held by process {holder.pid}" in r.stderr
        assert host_state(root) == before
    finally:
        holder.kill()
        holder.wait()


# --- --help and --version ---------------------------------------------------------

@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_touch_neither_stdin_nor_sysfs(hook_bin, tmp_path, program, option):
    """What libvirt runs (the gate) and the worker answer on stdout, exit 0, without
    reading stdin (a pipe nobody closes) or touching the root, sysfs or /run."""
    from install_info import run_info_option, touches_input
    proc, traced, root = run_info_option(hook_bin.parent / program, option, tmp_path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout.startswith("Usage: zvfio-hook " if option == "--help" else "zvfio-hook ")
    assert touches_input(traced, root) == []


@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
def test_version_is_the_project_version(hook_bin, build_dir, program):
    from install_info import project_version
    proc = subprocess.run([str(hook_bin.parent / program), "--version"], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=10)
    assert (proc.returncode, proc.stdout, proc.stderr) == \
        (0, f"zvfio-hook {project_version(build_dir)}\n", "")


def test_help_names_the_operations_and_the_hook_directory(hook_bin, build_dir):
    from install_info import build_options, install_dir
    proc = subprocess.run([str(hook_bin), "--help"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=10)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines()[0] == \
        "Usage: zvfio-hook DOMAIN OPERATION SUBOP EXTRA   (domain XML on stdin)"
    assert f"{install_dir(build_options(build_dir), 'libvirt_hook_dir')}/zvfio" in proc.stdout
    for text in ("prepare begin", "release end", "anything else  exit 0", "restart it"):
        assert text in proc.stdout


@pytest.mark.parametrize("program", ["zvfio-hook-gate", "zvfio-hook"])
@pytest.mark.parametrize("argv", [["--help", "prepare"], ["--version", "--help"], ["-h"],
                                  ["--help", "prepare", "begin", "-"]])
def test_info_options_only_alone(root, hook_bin, program, argv):
    """--help/--version count only as the sole argument; a domain named '--help' is a
    domain like any other (libvirt always passes four arguments)."""
    before = host_state(root)
    proc = subprocess.run([str(hook_bin.parent / program)] + argv, capture_output=True,
                          text=True, input="", env=dict(os.environ, ZVFIO_ROOT=str(root)),
                          timeout=30)
    if len(argv) == 4:
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")   # no <hostdev>
    else:
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith("usage: zvfio-hook DOMAIN OPERATION SUBOP EXTRA")
    assert host_state(root) == before


def test_more_hostdevs_than_a_record_holds_is_refused_before_any_change(root, run_hook, kernel):
    """A domain with more host devices than the state record may list (256) was
    prepared, and then could never be released; it is refused up front now."""
    before, _ = host_state(root)
    emu = kernel(root)
    hostdevs = "".join(
        f"<hostdev mode='subsystem' type='pci' managed='no'><source>"
        f"<address domain='0x{i // 32:04x}' bus='0x00' slot='0x{i % 32:02x}' function='0x0'/>"
        f"</source></hostdev>" for i in range(257))
    r = run_hook(root, "big", "prepare", "begin",
                 f"<domain type='kvm'><name>big</name><devices>{hostdevs}</devices></domain>")
    assert r.returncode == 7, (r.returncode, r.stderr)
    assert "more than 256 host devices" in r.stderr
    assert emu.events == []
    assert host_state(root)[0] == before
    assert state_files(root) == []
