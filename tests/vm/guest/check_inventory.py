#!/usr/bin/python3
"""Inventory assertions (run inside the guest by scenarios/inventory.sh).

zvfio list --json must match the outer QEMU's device set
(/etc/zvfio-vm/devices.json), sysfs, Debian's lscss, and libvirt's node
devices; zvfio nodedev must print exactly libvirt's XML."""
import json
import re
import subprocess
import time
import sys
import xml.etree.ElementTree as ET

errors: list[str] = []


def err(msg):
    errors.append(msg)
    print("MISMATCH:", msg)


def sh(*cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        print(f"FATAL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-300:]}")
        sys.exit(1)
    return p.stdout


def num(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v
    return int(str(v), 0) if re.fullmatch(r"(0x)?[0-9a-fA-F]+", str(v)) else v


def truth(v):
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes")
    return bool(v)


def canon(el):
    """Canonical form of an XML element: tag, sorted attributes, stripped text, children."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(canon(c) for c in el))


exp = json.load(open("/etc/zvfio-vm/devices.json"))
inv = json.loads(sh("zvfio", "list", "--json"))
subs = {s["id"]: s for s in inv.get("subchannels", [])}
print(f"zvfio lists {len(subs)} subchannels, {len(inv.get('pci_functions', []))} PCI functions")

# --- ccw: the outer QEMU's devices --------------------------------------
for c in exp["ccw"]:
    s = subs.get(c["subchannel"])
    if s is None:
        err(f"subchannel {c['subchannel']} (devno {c['devno']}) missing from zvfio list")
        continue
    if num(s.get("ssid")) != int(c["subchannel"].split(".")[1], 16):
        err(f"{c['subchannel']}: ssid {s.get('ssid')!r}")
    if s.get("driver") != "io_subchannel":
        err(f"{c['subchannel']}: driver {s.get('driver')!r}, expected io_subchannel")
    if truth(s.get("qdio")):
        err(f"{c['subchannel']}: reported as QDIO")
    d = s.get("device") or {}
    if d.get("devno") != c["devno"]:
        err(f"{c['subchannel']}: devno {d.get('devno')!r}, expected {c['devno']} (devno != subchannel number)")
    if d.get("cutype") != c["cutype"]:
        err(f"{c['devno']}: cutype {d.get('cutype')!r}, expected {c['cutype']}")
    if not truth(d.get("online")):
        err(f"{c['devno']}: not online")
    if s.get("mdevs"):
        err(f"{c['subchannel']}: unexpected mdevs {s['mdevs']}")

# --- ccw: every I/O subchannel in sysfs, and lscss ----------------------
import os
sysfs = sorted(n for n in os.listdir("/sys/bus/css/devices")
               if open(f"/sys/bus/css/devices/{n}/type").read().strip() == "0")
listed_io = sorted(k for k, s in subs.items() if str(s.get("type")) in ("0", "io", "I/O"))
if sorted(sysfs) != sorted(subs) and sysfs != listed_io:
    err(f"zvfio subchannels {sorted(subs)} != sysfs I/O subchannels {sysfs}")
for line in sh("lscss").splitlines():
    m = re.match(r"^(\S+)\s+(\d\.\d\.[0-9a-f]{4})\s+(\S+)\s+(\S+)\s+(yes|no)?", line)
    if not m:
        continue
    devno, sch, devtype, cutype, use = m.groups()
    s = subs.get(sch)
    if s is None:
        err(f"lscss shows {sch}, zvfio does not")
        continue
    d = s.get("device") or {}
    if devno != "none" and (d.get("devno"), d.get("cutype")) != (devno, cutype):
        err(f"lscss {sch}: {devno} {cutype}; zvfio: {d.get('devno')} {d.get('cutype')}")
    if use and truth(d.get("online")) != (use == "yes"):
        err(f"lscss {sch}: use={use}; zvfio online={d.get('online')!r}")

# --- zPCI ---------------------------------------------------------------
pcis = {p["address"]: p for p in inv.get("pci_functions", [])}
for z in exp["pci"]:
    p = pcis.get(z["address"])
    if p is None:
        err(f"zPCI function {z['address']} (uid {z['uid']:#x} fid {z['fid']:#x}) missing from zvfio list")
        continue
    for k in ("uid", "fid", "pft", "vendor", "device"):
        if num(p.get(k)) != z[k]:
            err(f"{z['address']}: {k} {p.get(k)!r}, expected {z[k]:#x}")
    if not truth(p.get("uid_is_unique")):
        err(f"{z['address']}: uid_is_unique {p.get('uid_is_unique')!r}")
    if truth(p.get("ism")):
        err(f"{z['address']}: reported as ISM (pft 0)")
    if p.get("driver") != "virtio-pci":
        err(f"{z['address']}: driver {p.get('driver')!r}")
    sys_grp = os.path.basename(os.readlink(f"/sys/bus/pci/devices/{z['address']}/iommu_group"))
    if num(p.get("iommu_group")) != int(sys_grp):
        err(f"{z['address']}: iommu_group {p.get('iommu_group')!r}, sysfs {sys_grp}")

# --- libvirt node devices vs zvfio nodedev ------------------------------
def libvirt_node_names():
    """css and ccw node device names libvirt lists now."""
    names = set()
    for cap in ("css", "ccw"):
        names |= set(sh("virsh", "nodedev-list", "--cap", cap).split())
    return names


# A device rebound by an earlier scenario (io_subchannel again, its ccw device set
# online by virtio_ccw) reaches libvirt's udev thread a moment later: wait (bounded)
# until both sides list the same devices, then compare them strictly.
started = time.monotonic()
deadline = started + 30
while True:
    ours = ET.fromstring("<all>" + re.sub(r"<\?xml[^>]*\?>", "", sh("zvfio", "nodedev")) + "</all>")
    ours_by_name = {d.findtext("name"): d for d in ours.iter("device")}
    libvirt_names = libvirt_node_names()
    if set(ours_by_name) == libvirt_names or time.monotonic() > deadline:
        break
    print(f"waiting for libvirt: only zvfio lists {sorted(set(ours_by_name) - libvirt_names)}, "
          f"only libvirt lists {sorted(libvirt_names - set(ours_by_name))}")
    time.sleep(1)
print(f"zvfio nodedev printed {len(ours_by_name)} devices "
      f"(node device lists compared after {time.monotonic() - started:.1f} s)")
for name in sorted(libvirt_names - set(ours_by_name)):
    err(f"libvirt has node device {name}, zvfio nodedev does not")
compared = 0
for name, d in sorted(ours_by_name.items()):
    lv = subprocess.run(["virsh", "nodedev-dumpxml", name], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    if lv.returncode != 0:
        err(f"zvfio nodedev prints {name}, libvirt does not know it: {lv.stderr.strip()}")
        continue
    if canon(ET.fromstring(lv.stdout)) != canon(d):
        err(f"zvfio nodedev {name} differs from virsh nodedev-dumpxml:\n--- zvfio\n"
            f"{ET.tostring(d, encoding='unicode')}\n--- libvirt\n{lv.stdout}")
    compared += 1
# single-device form
for c in exp["ccw"][:2]:
    out = sh("zvfio", "nodedev", "sch:" + c["subchannel"], check=False)
    name = "css_" + c["subchannel"].replace(".", "_")
    if f"<name>{name}</name>" not in out:
        err(f"zvfio nodedev sch:{c['subchannel']} does not print {name}")
    else:
        dev = ET.fromstring(re.sub(r"<\?xml[^>]*\?>", "", out).strip()) if out.strip().startswith("<device") else None
        if dev is not None and canon(dev) != canon(ET.fromstring(sh("virsh", "nodedev-dumpxml", name))):
            err(f"zvfio nodedev sch:{c['subchannel']} differs from libvirt's {name}")

print(f"compared {compared} node devices with libvirt")
if errors:
    print(f"{len(errors)} mismatches")
    with open(sys.argv[1] if len(sys.argv) > 1 else "/dev/null", "w") as f:
        f.write(errors[0].splitlines()[0] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""))
    sys.exit(1)
