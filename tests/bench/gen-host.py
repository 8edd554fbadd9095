#!/usr/bin/env python3
"""Generate a benchmark host tree: N subchannels over subchannel sets 0-3
(devno != subchannel number), about 10% bound to vfio_ccw with an mdev (every
other one also defined in /etc/mdevctl.d), and 256 zPCI functions.
Usage: gen-host.py N OUTDIR"""
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
import zvfio_fixtures  # noqa: E402


def spec(n):
    subs = []
    for i in range(n):
        ssid, num = i % 4, i // 4
        entry = {"sch": f"0.{ssid}.{num:04x}", "devno": f"0.{ssid}.{(num + 0x1000) & 0xffff:04x}"}
        if i % 10 == 9:
            entry.update(driver="vfio_ccw", mdev=str(uuid.UUID(int=i + 1)))
            if i % 20 == 19:
                entry["define"] = "auto"
        else:
            entry["dev"] = "dasd"
        subs.append(entry)
    pci = [{"fid": f"0x{0x100 + i:x}", "uid": f"0x{0x100 + i:x}",
            "preset": "ism" if i % 2 else "roce2"} for i in range(256)]
    return {"subchannels": subs, "pci": pci}


if __name__ == "__main__":
    zvfio_fixtures.build_tree(spec(int(sys.argv[1])), Path(sys.argv[2]))
