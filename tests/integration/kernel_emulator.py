"""Test helper: plays the kernel's part in driver (un)binding on a fake sysfs root.

On a generated fixture tree a write to driver_override, .../driver/unbind,
/sys/bus/<bus>/drivers_probe or .../drivers/<drv>/bind only changes a file. This
emulator watches those files from a background thread (bounded polling, no
inotify in the standard library) and reacts the way the Linux driver core does:

* driver_override: shown as "(null)" when cleared, the name otherwise;
* unbind: removes the driver links; for io_subchannel also the vpm/logging
  attributes and the child ccw device (kept aside, like the kernel unregisters
  it); for vfio_ccw the mdev_supported_types; for vfio-pci the vfio-dev node;
  for a native PCI driver its msi_irqs and net children;
* drivers_probe / bind: binds the driver driver_override names (else the host
  driver: io_subchannel, or the PCI function's original driver); a ccw device
  comes back offline (the kernel re-registers it offline);
* an action written to a ccw device's uevent ("change"): recorded as an event,
  the attribute reads its environment again (the kernel emits the uevent).

It is a test double for the kernel only; zvfio itself has no test hooks. Real
kernel behaviour is exercised in the emulated-mainframe tier (tests/vm).
Knobs model failures: REFUSE lists drivers whose probe fails (vfio_ccw on a
QDIO subchannel), IGNORE_PROBE makes drivers_probe a no-op.
"""

import os
import shutil
import threading
import time
from pathlib import Path

from conftest import zvfio_fixtures

MDEV_TYPE = "vfio_ccw-io"
HOST_CSS_DRIVER = "io_subchannel"
UEVENT_ACTIONS = ("add", "remove", "change", "move", "online", "offline", "bind", "unbind")


class KernelEmulator:
    """Background thread emulating sysfs bind/unbind reactions below ROOT."""

    def __init__(self, root, refuse=(), ignore_probe=False, autoonline=False, interval=0.003):
        self.root = Path(root)
        self.autoonline = autoonline              # the ccw driver sets devices online itself
        self.autoonline_stamps = {}               # online file -> mtime_ns when the "driver" set it
        self.refuse = set(refuse)
        self.ignore_probe = ignore_probe
        self.interval = interval
        self.events = []                      # ("unbind", bus, driver, device), ...
        self.stash = self.root.parent / (self.root.name + ".kernel-stash")
        self.stash.mkdir(exist_ok=True)
        self.uevent_env = {}                  # ccw uevent file -> what it reads
        self.override_shown = {}              # driver_override file -> what it last read
        self.online_shown = {}                # ccw online file -> what it last read
        self.writers_gone = False             # idle(writers_gone=True): see _normalise_override
        self.quiescent = False                # idle(): no command is writing (see step)
        for dev in self._devices("ccw"):
            if (dev / "uevent").is_file():
                self.uevent_env[dev / "uevent"] = (dev / "uevent").read_text()
        self.native_pci = {}                  # address -> driver it had at start
        for dev in self._devices("pci"):
            drv = self._driver(dev)
            if drv and drv != "vfio-pci":
                self.native_pci[dev.name] = drv
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error = None
        self.rounds = 0

    # ---- lifecycle

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        if self.error is not None:
            raise self.error

    def idle(self, timeout=5, writers_gone=False):
        """Wait until two full polling rounds have passed (all pending writes handled);
        the caller's command has ended, so every driver_override also shows the way
        the kernel shows it. WRITERS_GONE: the writing process was killed, so an
        attribute it had truncated but not yet written is no write in flight: sysfs
        never truncates (a store happens whole or not at all), so it reads its old
        value again."""
        self.writers_gone = writers_gone
        self.quiescent = True
        target = self.rounds + 2
        deadline = time.monotonic() + timeout
        while self.rounds < target and time.monotonic() < deadline:
            time.sleep(self.interval)
        self.quiescent = False
        self.writers_gone = False

    def _run(self):
        """Poll until stopped; remember the first exception for __exit__."""
        try:
            while not self._stop.is_set():
                self.step()
                self.rounds += 1
                time.sleep(self.interval)
        except Exception as err:  # noqa: BLE001  (re-raised in the test thread)
            self.error = err

    # ---- helpers

    def sys(self, rel):
        """Host path of a root-relative /sys path."""
        return self.root / rel.lstrip("/")

    def _devices(self, bus):
        """Resolved device directories of /sys/bus/<bus>/devices."""
        base = self.sys(f"/sys/bus/{bus}/devices")
        if not base.is_dir():
            return []
        return [Path(os.path.realpath(p)) for p in sorted(base.iterdir())]

    @staticmethod
    def _driver(dev):
        """Name of the driver a device directory is bound to, or None."""
        link = dev / "driver"
        return os.path.basename(os.readlink(link)) if link.is_symlink() else None

    def _in_root(self, path):
        """Root-relative absolute form of a host path ("/sys/...")."""
        return "/" + str(Path(path).relative_to(self.root))

    def _link(self, path, target):
        """Create a symlink the way the fixture generator (kernfs) does."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        os.symlink(zvfio_fixtures.kernfs_relpath(self._in_root(path), self._in_root(target)),
                   path)

    @staticmethod
    def _take(path):
        """Read and clear a write-only attribute; None when nothing was written."""
        path = Path(path)
        if not path.is_file():
            return None
        data = path.read_text()
        if not data:
            return None
        path.write_text("")
        return data.split("\n")[0].strip()

    def _stash_path(self, dev, name):
        """Where a child NAME of DEV is kept while its driver is unbound."""
        return self.stash / dev.name / name

    def _put_aside(self, dev, name):
        """Move DEV/NAME and every link into it out of the tree."""
        src = dev / name
        if not (src.exists() or src.is_symlink()):
            return
        dest = self._stash_path(dev, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        links = []
        if src.is_dir() and not src.is_symlink():
            prefix = str(src) + os.sep
            for dirpath, dirnames, filenames in os.walk(self.sys("/sys")):
                if dirpath == str(src) or dirpath.startswith(prefix):
                    continue
                for entry in dirnames + filenames:
                    p = Path(dirpath, entry)
                    if p.is_symlink() and (os.path.realpath(p) + os.sep).startswith(prefix):
                        links.append((str(p), os.readlink(p)))
            for path, _target in links:
                os.unlink(path)
        (dest.parent / (name + ".links")).write_text(
            "".join(f"{p}\0{t}\n" for p, t in links))
        os.rename(src, dest)

    def _bring_back(self, dev, name):
        """Undo _put_aside; True when something was kept."""
        dest = self._stash_path(dev, name)
        if not (dest.exists() or dest.is_symlink()):
            return False
        os.rename(dest, dev / name)
        links_file = dest.parent / (name + ".links")
        for line in links_file.read_text().splitlines():
            path, target = line.split("\0")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
        links_file.unlink()
        return True

    # ---- one polling round

    def step(self):
        """Handle every pending write: unbinds, binds, then probes.
        A driver_override is shown normalised ("(null)", "<name>\\n") when the driver
        core acts on its device, and in idle(): never by a rewrite racing a command's
        next store (a clear read here, then the command's "vfio_ccw" store, then the
        rewrite to "(null)" would lose that store, which the kernel never does)."""
        if self.quiescent:
            for bus in ("css", "pci"):
                for dev in self._devices(bus):
                    self._normalise_override(dev)
        for dev in self._devices("ccw"):
            self._uevent(dev)
            self._online(dev)
        for bus in ("css", "pci"):
            drivers = self.sys(f"/sys/bus/{bus}/drivers")
            if not drivers.is_dir():
                continue
            for drv in sorted(drivers.iterdir()):
                name = self._take(drv / "unbind")
                if name:
                    self.unbind(bus, drv.name, name)
            for drv in sorted(drivers.iterdir()):
                name = self._take(drv / "bind")
                if name:
                    self.bind(bus, drv.name, name)
            name = self._take(self.sys(f"/sys/bus/{bus}/drivers_probe"))
            if name:
                self.probe(bus, name)

    def _normalise_override(self, dev):
        """driver_override reads "(null)" when cleared and "<name>" when set."""
        path = dev / "driver_override"
        if not path.is_file():
            return
        data = path.read_text()
        if data == "":
            if self.writers_gone and path in self.override_shown:
                path.write_text(self.override_shown[path])   # a killed writer's: no store
            return                   # a write in flight (truncated, not yet written)
        first = data.split("\n")[0].strip()
        shown = (first or "(null)") + "\n"
        self.override_shown[path] = shown
        if data != shown:
            path.write_text(shown)

    def _uevent(self, dev):
        """A write of an action ("change") to a ccw device's uevent attribute is
        recorded as an event; the attribute reads its environment again."""
        path = dev / "uevent"
        if not path.is_file():
            return
        data = path.read_text()
        first = data.split("\n")[0].strip()
        if first in UEVENT_ACTIONS:
            self.events.append(("uevent", "ccw", first, dev.name))
            path.write_text(self.uevent_env[path])
        elif data:
            self.uevent_env[path] = data
        elif self.writers_gone and path in self.uevent_env:
            path.write_text(self.uevent_env[path])   # truncated by a killed writer: no event

    def _online(self, dev):
        """A ccw device's online attribute reads "0" or "1", never empty: a store
        happens whole or not at all. Empty is a write in flight (truncated, not yet
        written), or, once the writer was killed, no store: the old value again."""
        path = dev / "online"
        if not path.is_file():
            return
        data = path.read_text()
        if data:
            self.online_shown[path] = data
        elif self.writers_gone and path in self.online_shown:
            path.write_text(self.online_shown[path])

    @staticmethod
    def _override(dev):
        """The driver driver_override names, or None."""
        path = dev / "driver_override"
        if not path.is_file():
            return None
        value = path.read_text().split("\n")[0].strip()
        return None if value in ("", "(null)") else value

    def _device(self, bus, name):
        """The device directory of NAME on BUS, or None."""
        link = self.sys(f"/sys/bus/{bus}/devices/{name}")
        return Path(os.path.realpath(link)) if link.exists() else None

    # ---- driver core

    def unbind(self, bus, driver, name):
        """device_release_driver: the driver lets go of the device."""
        dev = self._device(bus, name)
        if dev is None or self._driver(dev) != driver:
            return
        self._normalise_override(dev)
        self.events.append(("unbind", bus, driver, name))
        link = self.sys(f"/sys/bus/{bus}/drivers/{driver}/{name}")
        if link.is_symlink():
            link.unlink()
        if bus == "css" and driver == HOST_CSS_DRIVER:
            for child in ("vpm", "logging"):
                self._put_aside(dev, child)
            for child in sorted(dev.iterdir()):
                if (child / "online").is_file():      # the ccw device
                    self._put_aside(dev, child.name)
        elif bus == "css" and driver == "vfio_ccw":
            shutil.rmtree(dev / "mdev_supported_types", ignore_errors=True)
            mdev_bus = self.sys(f"/sys/class/mdev_bus/{name}")
            if mdev_bus.is_symlink():
                mdev_bus.unlink()
        elif bus == "pci" and driver == "vfio-pci":
            shutil.rmtree(dev / "vfio-dev", ignore_errors=True)
        elif bus == "pci":
            for child in ("msi_irqs", "net"):
                self._put_aside(dev, child)
        (dev / "driver").unlink()       # last: whoever polls it sees a finished unbind

    def _matches(self, bus, dev, driver):
        """driver_match_device: driver_override wins; css also checks the subchannel type."""
        override = self._override(dev)
        if override is not None and override != driver:
            return False
        if bus == "css":
            sch_type = (dev / "type").read_text().strip()
            return sch_type == "0" and driver in (HOST_CSS_DRIVER, "vfio_ccw")
        return override == driver or self.native_pci.get(dev.name) == driver

    def bind(self, bus, driver, name):
        """bind_store / a successful probe: the driver takes the device."""
        dev = self._device(bus, name)
        if dev is None or self._driver(dev) is not None:
            return
        self._normalise_override(dev)
        if not self._matches(bus, dev, driver):
            return
        if driver in self.refuse:
            self.events.append(("refused", bus, driver, name))
            return
        if not self.sys(f"/sys/bus/{bus}/drivers/{driver}").is_dir():
            return
        self.events.append(("bind", bus, driver, name))
        self._link(self.sys(f"/sys/bus/{bus}/drivers/{driver}/{name}"), dev)
        if bus == "css" and driver == HOST_CSS_DRIVER:
            self._bring_back(dev, "vpm")
            self._bring_back(dev, "logging")
            kept = self._stash_path(dev, "x").parent
            for child in sorted(kept.iterdir()) if kept.is_dir() else []:
                if child.is_dir() and (child / "online").is_file():
                    # appears offline at once, or online (virtio_ccw, DASD autoonline)
                    (child / "online").write_text("1\n" if self.autoonline else "0\n")
                    self._bring_back(dev, child.name)
                    if self.autoonline:
                        online = dev / child.name / "online"
                        self.autoonline_stamps[online] = online.stat().st_mtime_ns
        elif bus == "css" and driver == "vfio_ccw":
            types = dev / "mdev_supported_types" / MDEV_TYPE
            types.mkdir(parents=True, exist_ok=True)
            (types / "name").write_text("I/O subchannel (Non-QDIO)\n")
            (types / "device_api").write_text("vfio-ccw\n")
            (types / "available_instances").write_text("1\n")
            (types / "create").write_text("")
            (types / "devices").mkdir(exist_ok=True)
            self._link(self.sys(f"/sys/class/mdev_bus/{name}"), dev)
        elif bus == "pci" and driver == "vfio-pci":
            (dev / "vfio-dev" / "vfio99").mkdir(parents=True, exist_ok=True)
        elif bus == "pci":
            self._bring_back(dev, "msi_irqs")
            self._bring_back(dev, "net")
        # last, as the driver core does after a successful probe (driver_bound)
        self._link(dev / "driver", self.sys(f"/sys/bus/{bus}/drivers/{driver}"))

    def probe(self, bus, name):
        """drivers_probe: bind the first matching driver (driver_override first)."""
        if self.ignore_probe:
            self.events.append(("ignored-probe", bus, None, name))
            return
        dev = self._device(bus, name)
        if dev is None or self._driver(dev) is not None:
            return
        self._normalise_override(dev)
        override = self._override(dev)
        if override is not None:
            driver = override
        elif bus == "css":
            driver = HOST_CSS_DRIVER
        else:
            driver = self.native_pci.get(name)
        if driver:
            self.bind(bus, driver, name)
