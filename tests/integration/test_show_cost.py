"""zvfio show resolves an id through the bus links in a constant number of file
accesses: the same syscall count on a 6-subchannel and a 600-subchannel host."""

import os
import shutil
import subprocess

import pytest

from conftest import zvfio_fixtures

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")


def host_spec(n):
    """N DASDs spread over subchannel sets 0-3, devno != subchannel number, plus one zPCI function."""
    subs = [{"sch": f"0.{i % 4}.{i:04x}", "devno": f"0.{i % 4}.{(i + 0x1000) & 0xffff:04x}",
             "dev": "dasd"} for i in range(n)]
    subs.append({"sch": "0.1.f000", "devno": "0.1.2b08", "driver": "vfio_ccw",
                 "mdev": "7e270a25-e163-4922-af60-757fc8ed48c6"})
    return {"subchannels": subs, "pci": [{"fid": "0x10", "uid": "0x10", "preset": "ism"}]}


def file_syscalls(zvfio_bin, root, ident, tmp_path):
    """Number of file-related syscalls zvfio show makes after reaching main()."""
    log = tmp_path / "strace.log"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")   # LeakSanitizer cannot run under ptrace
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file,%desc", "-o", str(log),
                    str(zvfio_bin), "--root", str(root), "show", ident],
                   check=True, capture_output=True, env=env)
    lines = log.read_text().splitlines()
    # count from the first access below the root (skips dynamic loading and locale set-up)
    start = next(i for i, line in enumerate(lines) if str(root) in line)
    return len(lines) - start


@pytest.mark.parametrize("ident", ["0.1.1001", "sch:0.2.0002", "fid:0x10",
                                   "7e270a25-e163-4922-af60-757fc8ed48c6"])
def test_show_cost_does_not_grow_with_host_size(ident, zvfio_bin, tmp_path):
    small = zvfio_fixtures.build_tree(host_spec(6), tmp_path / "small")
    large = zvfio_fixtures.build_tree(host_spec(600), tmp_path / "large")
    a = file_syscalls(zvfio_bin, small, ident, tmp_path)
    b = file_syscalls(zvfio_bin, large, ident, tmp_path)
    assert a == b, f"show {ident}: {a} file syscalls on 7 subchannels, {b} on 601"
