"""issue 22 §3: the real zvfio package on the emulated mainframe, driven by Ansible.

    flock /tmp/zvfio-vm.lock tests/vm/run.sh -k ansible

The s390x guest of group "ansible" has no zvfio in its image: its dpkg knows every
package of the rootfs (tests/vm/rootfs-dpkg-db.sh), and the zvfio .deb is cross-
built from debian/ (tests/package/build-deb-s390x.sh). QEMU forwards a port of the
host's 127.0.0.1 (and nothing else: user networking with restrict=on) to the guest's
sshd, whose keys this test makes for the boot. ansible-playbook on this x86 host then

  1. installs the .deb (its postinst runs on s390x, the udev hint pass included) and
     passes a DASD stand-in through on the real kernel: bound to vfio_ccw with a
     driverctl override, an mdev defined (mdevctl runs the package's callout),
     attached to the defined domain g1 of the guest's libvirtd; g1 is started and the
     package's hook starts the mdev (ansible/tests/mainframe-passthrough.yml);
  2. runs the same playbook again: no change;
  3. runs the reverse (ansible/tests/mainframe-reverse.yml: g1 stopped, the device
     back with the host, the package purged): the host's state
     (tests/vm/guest/host-state.sh) equals the state before step 1.

Between the steps the test checks the guest over ssh; its verdict ends the guest's
scenario script (tests/vm/guest/scenarios/ansible-mainframe.sh). QEMU has no DASD:
the stand-in is a virtio-blk-ccw disk (control unit 3832/02), a block device on a
ccw I/O subchannel like a DASD."""

import dataclasses
import difflib
import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vmrunner  # noqa: E402

if os.geteuid() != 0:
    pytest.skip("the emulated-mainframe tier needs root (apt, mmdebstrap, /var/cache)",
                allow_module_level=True)
if os.environ.get("ZVFIO_VM_SKIP"):
    pytest.skip("ZVFIO_VM_SKIP is set", allow_module_level=True)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PLAYBOOKS = REPO / "ansible" / "tests"
DOMAIN = "g1"
SCENARIO = "ansible-mainframe"
ROLE_TARGET = "passthrough target (DASD stand-in)"
ROLE_PRE = "bound to vfio_ccw before the install"
ROLE_UDEV = "bound by hand after the install (udev rule)"
ROLE_SSH = "ssh (port forwarded from the host's 127.0.0.1)"
READY = "ZVFIO-ANSIBLE-READY"
SCALE = vmrunner.TIME_SCALE


@dataclasses.dataclass
class AnsibleGroup(vmrunner.Group):
    """Group "ansible": a virtio-blk-ccw disk as the DASD, two more subchannels and the
    ssh NIC, whose user-mode network only forwards 127.0.0.1:PORT to the guest's 22."""
    port: int = 0
    nic: vmrunner.Ccw | None = None

    def all_ccw(self):
        return self.ccw + [self.nic, vmrunner.RESULTS_9P]

    def qemu_devices(self, disk_dir):
        args = []
        for c in self.ccw:
            dev = f"{c.model},devno=fe.{c.ssid:x}.{c.devno:04x}"
            if c.model == "virtio-blk-ccw":
                img = disk_dir / f"dasd-{c.devno:04x}.img"
                with open(img, "wb") as f:
                    f.truncate(16 << 20)
                args += ["-drive", f"file={img},if=none,id=dasd{c.devno:04x},format=raw,cache=unsafe"]
                dev += f",drive=dasd{c.devno:04x}"
            args += ["-device", dev]
        n = self.nic
        args += ["-netdev", f"user,id=sshnet,restrict=on,hostfwd=tcp:127.0.0.1:{self.port}-:22",
                 "-device", f"{n.model},netdev=sshnet,devno=fe.{n.ssid:x}.{n.devno:04x}"]
        return args


def free_port():
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_group(port):
    return AnsibleGroup(
        name="ansible", scenarios=[(SCENARIO, 1800)],
        ccw=[vmrunner.Ccw("virtio-blk-ccw", 0, 0x1234, "3832/02", ROLE_TARGET),
             vmrunner.Ccw(vmrunner.RNG, 0, 0x4711, "3832/04", ROLE_PRE),
             vmrunner.Ccw(vmrunner.RNG, 1, 0x0042, "3832/04", ROLE_UDEV)],
        zpci=[], port=port,
        nic=vmrunner.Ccw(vmrunner.NET, 0, 0x0022, "3832/01", ROLE_SSH))


def run_script(argv, what):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"{what} failed (exit {p.returncode}):\n{p.stderr[-3000:]}", pytrace=False)
    return p.stdout.strip().splitlines()[-1]


class Guest:
    """ssh to the guest as root through the forwarded port, with this boot's keys."""

    def __init__(self, port, keys):
        self.port = port
        self.keys = keys
        self.ssh = ["ssh", "-p", str(port), "-i", str(keys / "client_key"),
                    "-o", f"UserKnownHostsFile={keys / 'known_hosts'}",
                    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                    "-o", "ConnectTimeout=60", "root@127.0.0.1"]

    def run(self, command, timeout=300):
        """(exit code, output) of COMMAND (a shell line) in the guest."""
        p = subprocess.run(self.ssh + [command], capture_output=True, text=True,
                           timeout=timeout * SCALE)
        return p.returncode, p.stdout + p.stderr

    def out(self, command):
        rc, out = self.run(command)
        assert rc == 0, f"guest: '{command}' exited {rc}: {out}"
        return out


def tail_until(path_glob, started, marker, thread, timeout):
    """Waits until the console of the run started at STARTED (a file matching
    PATH_GLOB) has MARKER; False when the VM ended or TIMEOUT passed first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and thread.is_alive():
        for console in glob.glob(path_glob):
            if os.path.getmtime(console) >= started and marker in Path(console).read_text(errors="replace"):
                return True
        time.sleep(2)
    return False


def recap(out):
    """The PLAY RECAP line of the guest: {"ok": N, "changed": N, "failed": N, ...}."""
    m = re.search(r"^mainframe\s+:((?:\s+\w+=\d+)+)\s*$", out, re.M)
    assert m, out[-3000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1))}


@pytest.fixture(scope="session")
def images():
    if not shutil.which("apt-get"):
        pytest.skip("needs a Debian machine (apt-get)")
    try:
        return vmrunner.build_images()
    except Exception as e:  # the build scripts print what failed
        pytest.fail(f"building the emulated mainframe failed: {e}", pytrace=False)


def test_ansible_installs_the_package_and_passes_a_dasd_through(images):
    for tool in ("ansible-playbook", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (tools/setup.sh installs ansible-core)", pytrace=False)
    work = Path(tempfile.mkdtemp(prefix="zvfio-vm-ansible-"))
    try:
        _scenario(images, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scenario(images, work):
    # the s390x package (the rootfs has the dpkg database it needs: rootfs-dpkg-db.sh);
    # build_images made it for the other groups, whose /init installs it at boot
    deb = images.deb or Path(run_script([str(REPO / "tests/package/build-deb-s390x.sh"),
                                         str(work / "deb")], "tests/package/build-deb-s390x.sh"))
    # what the overlay adds to the image: this boot's ssh keys, and no zvfio
    # (build_overlay layers <zvfio_build>/staging over the rootfs)
    extra = work / "overlay" / "staging"
    keys = extra / "etc" / "zvfio-vm" / "ssh"
    keys.mkdir(parents=True)
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name,
                        "-f", str(keys / name)], check=True)
    shutil.copy(keys / "client_key.pub", keys / "authorized_keys")
    port = free_port()
    (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {(keys / 'host_key.pub').read_text()}")
    client = work / "client"           # the controller's side of the keys
    client.mkdir()
    for name in ("client_key", "known_hosts"):
        shutil.copy(keys / name, client / name)
    os.chmod(client / "client_key", 0o600)
    os.chmod(keys / "host_key", 0o600)
    # no .deb for /init: the playbook installs it
    ours = vmrunner.Images(images.kernel, images.rootfs, work / "overlay", "ok", deb=None)

    group = make_group(port)
    done = {}
    started = time.time()
    def boot():
        try:
            done["run"] = vmrunner.run_group(group, ours)
        except Exception as e:  # noqa: BLE001  (reported below, in the test's thread)
            done["error"] = e
    vm = threading.Thread(target=boot, daemon=True)
    vm.start()
    consoles = str(vmrunner.ARTIFACTS / f"*-{group.name}" / "console.log")
    guest = Guest(port, client)
    failures = []
    try:
        if not tail_until(consoles, started, READY, vm, (vmrunner.BOOT_BUDGET + 300) * SCALE):
            failures.append(f"the guest never said {READY}")
        else:
            failures += _drive(guest, deb, work, client, port)
    except AssertionError as e:
        failures.append(str(e).splitlines()[0][:300])
    finally:
        verdict = ("PASS installed, passed through, ran again without change, reversed and "
                   "purged: the host's state as before" if not failures else f"FAIL {failures[0]}")
        if vm.is_alive():
            guest.run(f"printf '%s\\n' {shlex.quote(verdict)} > /run/zvfio-vm/verdict", timeout=120)
        vm.join(timeout=(len(group.scenarios) * 1800 + 600) * SCALE)
    run = done.get("run")
    assert run is not None, f"the VM run did not end: {done.get('error')!r}"
    r = run.results[SCENARIO]
    where = f"console: {run.console}" + (f"\nscenario log: {r.log}" if r.log else "")
    assert not failures, (f"host side: {failures}\n--- guest log excerpt ---\n{r.excerpt}\n--- {where}")
    assert r.status == "PASS", (f"scenario {SCENARIO}: {r.status}: {r.detail}\n"
                                f"--- guest log excerpt ---\n{r.excerpt}\n--- {where}")


def _drive(guest, deb, work, client, port):
    """The three Ansible runs and the checks between them; returns the failures."""
    inventory = work / "hosts.ini"
    inventory.write_text(
        "[kvm_hosts]\n"
        f"mainframe ansible_host=127.0.0.1 ansible_port={port} ansible_user=root "
        f"ansible_ssh_private_key_file={client / 'client_key'} "
        "ansible_python_interpreter=/usr/bin/python3 "
        f"ansible_ssh_common_args='-o UserKnownHostsFile={client / 'known_hosts'} "
        "-o StrictHostKeyChecking=yes -o ConnectTimeout=60'\n")
    devices = _devices(guest)
    target, pre, udev = devices[ROLE_TARGET], devices[ROLE_PRE], devices[ROLE_UDEV]
    extra = ["-e", f"zvfio_deb={deb}", "-e", f"zvfio_device={target['devno']}",
             "-e", f"zvfio_domain={DOMAIN}",
             # no systemd in the guest: libvirtd was started by /init with its pid file
             "-e", '{"libvirtd_reload": ["sh", "-c", "kill -HUP $(cat /run/libvirtd.pid)"]}',
             # the nested guest's kernel is not what this scenario is about: QEMU
             # realizes the vfio-ccw device at the start, its CPU stays paused
             "-e", '{"zvfio_start_options": ["--paused"]}']
    control = Path(tempfile.mkdtemp(prefix="zva-", dir="/tmp"))   # short: a socket path
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "ansible"),
               ANSIBLE_HOME=str(work / "ansible-home"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PIPELINING="1", ANSIBLE_TIMEOUT=str(int(120 * SCALE)),
               ANSIBLE_SSH_CONTROL_PATH_DIR=str(control), ANSIBLE_RETRY_FILES_ENABLED="0",
               LC_ALL="C.UTF-8")
    logs = vmrunner.ARTIFACTS / "ansible-playbook"
    logs.mkdir(parents=True, exist_ok=True)
    failures = []

    def playbook(name, label):
        t0 = time.monotonic()
        p = subprocess.run(["ansible-playbook", "-v", "-i", str(inventory), str(PLAYBOOKS / name)]
                           + extra,
                           capture_output=True, text=True, env=env, timeout=1200 * SCALE)
        (logs / f"{label}.log").write_text(p.stdout + p.stderr)
        print(f"[vm] ansible-playbook {name} ({label}): exit {p.returncode}, "
              f"{time.monotonic() - t0:.0f} s, log {logs / (label + '.log')}")
        assert p.returncode == 0, f"ansible-playbook {name} ({label}) exited {p.returncode}: " \
                                  + " ".join(p.stdout.splitlines()[-12:])
        return p, recap(p.stdout)

    state = f"bash /usr/lib/zvfio-vm/host-state.sh {DOMAIN}"
    before = guest.out(state)
    assert "absent /usr/bin/zvfio" in before and "absent /run/zvfio" in before, before

    # 1. install the .deb, pass the DASD through, start the guest
    p, r = playbook("mainframe-passthrough.yml", "1-first-run")
    assert r["changed"] >= 4 and r["failed"] == 0, r
    # the postinst ran (ansible-playbook -v shows the output of dpkg -i)
    assert "zvfio: libvirt qemu hook installed" in p.stdout, "no postinst message in the first run"
    guest.out("dpkg-query -W -f='${Status} ${Version}\\n' zvfio | grep -qx 'install ok installed 0.1.0'")
    rc, out = guest.run("dpkg --verify zvfio")
    assert rc == 0 and out.strip() == "", f"dpkg --verify zvfio: {out}"
    # the postinst's hint pass recorded the subchannel bound before the install
    assert guest.out(f"cat /run/zvfio/devno/{pre['devno']}").strip() == pre["subchannel"], \
        "the postinst wrote no devno hint for the subchannel bound before the install"
    sch = target["subchannel"]
    assert guest.out(f"basename $(readlink /sys/bus/css/devices/{sch}/driver)").strip() == "vfio_ccw"
    assert guest.out(f"cat /etc/driverctl.d/css-{sch}").strip() == "vfio_ccw"
    uuids = guest.out(f"ls /etc/mdevctl.d/{sch}").split()
    assert len(uuids) == 1, uuids
    uuid = uuids[0]
    assert json.loads(guest.out(f"cat /etc/mdevctl.d/{sch}/{uuid}"))["start"] == "auto"
    assert guest.out(f"virsh dumpxml --inactive {DOMAIN}").count(f"uuid='{uuid}'") == 1
    assert guest.out(f"virsh domstate {DOMAIN}").splitlines()[0] == "paused"
    # the package's hook started the mdev and QEMU realized vfio-ccw on it
    guest.out(f"test -e /sys/bus/mdev/devices/{uuid}")
    guest.out(f"grep -q 'sysfsdev.*/sys/bus/mdev/devices/{uuid}' /var/log/libvirt/qemu/{DOMAIN}.log")
    guest.out(f"test -s /run/zvfio/{DOMAIN}.json")
    # the package's udev rule: a subchannel bound by plain sysfs writes gets its hint
    guest.out(f". /usr/lib/zvfio-vm/lib.sh; raw_bind_vfio {udev['subchannel']}")
    guest.out(f"for i in $(seq 60); do [ -s /run/zvfio/devno/{udev['devno']} ] && exit 0; "
              "sleep 1; done; exit 1")
    guest.out(f". /usr/lib/zvfio-vm/lib.sh; raw_unbind_vfio {udev['subchannel']}")
    # the package's callout: mdevctl's veto with zvfio's message (an mdev on the ssh
    # NIC's subchannel, which is on io_subchannel with its ccw device online)
    rc, out = guest.run(f"mdevctl start -u 5a7f0022-0000-4000-8000-00000000aaaa -p "
                        f"{devices[ROLE_SSH]['subchannel']} -t vfio_ccw-io")
    assert rc != 0 and "zvfio" in out, f"mdevctl start on the ssh NIC's subchannel: {rc} {out}"

    # 2. the same playbook again: nothing to do
    p, r = playbook("mainframe-passthrough.yml", "2-second-run")
    assert r["changed"] == 0 and r["failed"] == 0, r

    # 3. the reverse: the host as before the first run, the package purged
    p, r = playbook("mainframe-reverse.yml", "3-reverse")
    assert r["changed"] >= 3 and r["failed"] == 0, r
    after = guest.out(state)
    if after != before:
        failures.append("the host's state after the reverse differs from before: " + " | ".join(
            l for l in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if l[:1] in "+-" and l[:3] not in ("+++", "---")))
    p, r = playbook("mainframe-reverse.yml", "4-reverse-again")
    assert r["changed"] == 0 and r["failed"] == 0, r
    shutil.rmtree(control, ignore_errors=True)
    return failures


def _devices(guest):
    """role -> {devno, subchannel} of the guest's ccw devices (devices.json)."""
    doc = json.loads(guest.out("cat /etc/zvfio-vm/devices.json"))
    return {c["role"]: c for c in doc["ccw"] if c.get("role")}
