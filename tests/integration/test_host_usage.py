"""What the host still uses is never given to a guest (issue 20 §1, §3): zpci.in-use
refuses a PCI function whose network interface is up, enslaved or carries routes, or
whose NVMe namespace / virtio disk is mounted, held or swap; ccw.in-use finds swap and
mounts by device number (plain partition, LVM through holders, btrfs through its source
node), and the kernel's tables are streamed without a size cap (a busy host is not
locked out). Facts that cannot be read fail closed."""

import time

import pytest

from conftest import host_state, unwrap_violations

FN = "0001:00:00.0"
DISK_SCH, DISK = "0.0.0100", "0.0.1000"
ONLINE_SCH, ONLINE = "0.0.0101", "0.0.1001"


def spec(net=None, block=None, preset="roce2", dasd_block=None, mounts=(), swaps=()):
    """One PCI function (fid 1, uid 1: address 0001:00:00.0) with NET interfaces and BLOCK
    disks, an offline DASD 0.0.1000 with DASD_BLOCK, and an online unmounted DASD 0.0.1001."""
    fn = {"fid": 1, "uid": 1, "preset": preset}
    if net is not None:
        fn["net"] = net
    if block is not None:
        fn["block"] = block
    dasd = {"preset": "dasd", "online": 0}
    if dasd_block is not None:
        dasd = {"preset": "dasd", "block": dasd_block}
    return {
        "subchannels": [
            {"sch": DISK_SCH, "devno": DISK, "chpids": "40", "dev": dasd},
            {"sch": ONLINE_SCH, "devno": ONLINE, "chpids": "40",
             "dev": {"preset": "dasd", "block": {"name": "dasdz"}}},
        ],
        "pci": [fn],
        "mounts": list(mounts),
        "swaps": list(swaps),
    }


def in_use_line(stdout, rule="zpci.in-use"):
    return next((l for l in unwrap_violations(stdout).splitlines()
                 if l.startswith(f"error: {rule}: ")), None)


def check(run_zvfio, root, device=FN, op="prepare"):
    return run_zvfio("check", device, "--op", op, root=root)


NET_CASES = [
    pytest.param([{"name": "enc1", "up": True}], "enc1 is up", id="up"),
    pytest.param([{"name": "enc1", "up": False, "master": "bond0"}],
                 "enc1 is enslaved to bond0", id="enslaved"),
    pytest.param([{"name": "enc1", "up": False, "routes": ["default"]}],
                 "enc1 carries the host's default route", id="default-route"),
    pytest.param([{"name": "enc1", "up": False, "routes": ["10.1.0.0/16"]}],
                 "enc1 carries routes of the host", id="route"),
    pytest.param([{"name": "enc1", "up": False, "ipv6_routes": ["default"]}],
                 "enc1 carries the host's default route", id="ipv6-default-route"),
    pytest.param([{"name": "enc1", "up": False}, {"name": "enc2", "up": True,
                                                  "routes": ["default"]}],
                 "enc2 is up, enc2 carries the host's default route", id="second-interface"),
]


@pytest.mark.parametrize("net, used", NET_CASES)
def test_network_function_in_use_is_refused(make_tree, tmp_path, run_zvfio, net, used):
    root = make_tree(spec(net=net), tmp_path)
    r = check(run_zvfio, root)
    assert r.returncode == 3, r.stdout + r.stderr
    line = in_use_line(r.stdout)
    assert line is not None and f"is in use in the host: {used} (fix:" in line, r.stdout


@pytest.mark.parametrize("op", ["check", "define", "start", "attach", "prepare"])
def test_in_use_holds_for_every_operation(make_tree, tmp_path, run_zvfio, op):
    root = make_tree(spec(net=[{"name": "enc1", "up": True, "routes": ["default"]}]), tmp_path)
    r = check(run_zvfio, root, op=op)
    assert r.returncode == 3 and in_use_line(r.stdout), r.stdout


def test_idle_network_function_passes(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(net=[{"name": "enc1", "up": False}]), tmp_path)
    r = check(run_zvfio, root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "zpci.in-use" not in r.stdout


def test_virtio_net_on_pci_is_found_below_its_virtio_device(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(net=[{"name": "enP1p0s0", "up": True}], preset="virtio-net"),
                     tmp_path)
    assert (root / f"sys/bus/pci/devices/{FN}/virtio0/net/enP1p0s0").exists()
    r = check(run_zvfio, root)
    assert r.returncode == 3 and "enP1p0s0 is up" in (in_use_line(r.stdout) or ""), r.stdout


def test_operstate_alone_counts_when_flags_are_missing(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(net=[{"name": "enc1", "up": False}]), tmp_path)
    netdev = root / f"sys/bus/pci/devices/{FN}/net/enc1"
    (netdev / "flags").unlink()
    (netdev / "operstate").write_text("unknown\n")
    r = check(run_zvfio, root)
    assert r.returncode == 3 and "enc1 is up" in (in_use_line(r.stdout) or ""), r.stdout


def test_prepare_of_a_used_network_function_changes_nothing(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(net=[{"name": "enc1", "up": True, "routes": ["default"]}]), tmp_path)
    before = host_state(root)
    r = run_zvfio("prepare", FN, root=root)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "zpci.in-use" in r.stdout + r.stderr
    assert host_state(root) == before


NVME_CASES = [
    pytest.param({"partitions": 1, "mount": "/srv"}, "nvme0n1p1 mounted on /srv", id="partition"),
    pytest.param({"partitions": 0, "mount": "/srv"}, "nvme0n1 mounted on /srv", id="whole-disk"),
    pytest.param({"partitions": 2, "swap": True}, "nvme0n1p2 used as swap", id="swap"),
    pytest.param({"partitions": 1, "holders": [{"name": "dm-0", "mapper": "vg-lv"}]},
                 "nvme0n1p1 held by dm-0", id="held"),
    pytest.param({"partitions": 1, "mount": "/srv", "multipath": True},
                 "nvme0n1p1 mounted on /srv", id="multipath-head"),
    pytest.param({"name": "nvme0n7", "partitions": 1, "mount": "/srv"},
                 "nvme0n7p1 mounted on /srv", id="namespace-name-unlike-controller"),
]


@pytest.mark.parametrize("block, used", NVME_CASES)
def test_nvme_function_in_use_is_refused(make_tree, tmp_path, run_zvfio, block, used):
    root = make_tree(spec(block=[block], preset="nvme"), tmp_path)
    r = check(run_zvfio, root)
    assert r.returncode == 3, r.stdout + r.stderr
    assert used in (in_use_line(r.stdout) or ""), r.stdout


def test_multipath_head_is_found_through_the_subsystem(make_tree, tmp_path, run_zvfio):
    """The head disk lives in /sys/devices/virtual/nvme-subsystem; below the controller
    is only the hidden per-path disk without a dev attribute."""
    root = make_tree(spec(block=[{"partitions": 1, "mount": "/srv", "multipath": True}],
                          preset="nvme"), tmp_path)
    ctrl = root / f"sys/bus/pci/devices/{FN}/nvme/nvme0"
    assert not (ctrl / "nvme0c0n1/dev").exists()
    assert (root / "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/dev").exists()
    r = check(run_zvfio, root)
    assert "nvme0n1p1 mounted on /srv" in (in_use_line(r.stdout) or ""), r.stdout
    # without the subsystem's link to this controller, the head is another function's
    (root / "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0").unlink()
    r = check(run_zvfio, root)
    assert r.returncode == 0 and "zpci.in-use" not in r.stdout, r.stdout


def test_unused_nvme_function_passes(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(block=[{"partitions": 1}], preset="nvme"), tmp_path)
    r = check(run_zvfio, root)
    assert r.returncode == 0, r.stdout + r.stderr


def test_virtio_blk_on_pci_mounted_is_refused(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(block=[{"partitions": 1, "mount": "/var"}], preset="virtio-net"),
                     tmp_path)
    assert (root / f"sys/bus/pci/devices/{FN}/virtio0/block/vda/vda1/partition").exists()
    r = check(run_zvfio, root)
    assert "vda1 mounted on /var" in (in_use_line(r.stdout) or ""), r.stdout


DASD_CASES = [
    pytest.param({"name": "dasda", "partitions": 2, "swap": True}, [], "dasda2 used as swap",
                 id="swap"),
    pytest.param({"name": "dasda", "partitions": 1},
                 ["/dev/disk/by-uuid/3f2a-11 /home btrfs rw,relatime 0 0"],
                 "dasda1 mounted on /home", id="btrfs-by-uuid"),
    pytest.param({"name": "dasda", "partitions": 1, "holders": [{"name": "dm-0",
                                                                  "mapper": "vg0-lv"}]},
                 ["/dev/mapper/vg0-lv /data xfs rw,relatime 0 0"],
                 "dasda1 held by dm-0, dm-0 mounted on /data", id="lvm"),
    pytest.param({"name": "dasda", "partitions": 1, "mount": "/"}, [],
                 "dasda1 mounted on /", id="plain"),
]


@pytest.mark.parametrize("block, mounts, used", DASD_CASES)
def test_dasd_users_by_device_number(make_tree, tmp_path, run_zvfio, block, mounts, used):
    root = make_tree(spec(dasd_block=block, mounts=mounts), tmp_path)
    if "by-uuid" in str(mounts):
        link = root / "dev/disk/by-uuid/3f2a-11"
        link.parent.mkdir(parents=True)
        link.symlink_to("../../dasda1")
    r = check(run_zvfio, root, device=DISK)
    assert r.returncode == 3, r.stdout + r.stderr
    assert used in (in_use_line(r.stdout, "ccw.in-use") or ""), r.stdout


def test_a_renamed_node_is_matched_by_number_not_name(make_tree, tmp_path, run_zvfio):
    """mountinfo's MAJ:MIN is the device: a source naming another node does not matter."""
    root = make_tree(spec(dasd_block={"name": "dasda", "partitions": 1}), tmp_path)
    (root / "proc/self/mountinfo").write_text(
        "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
        "30 1 94:1 / /srv rw,relatime shared:3 - ext4 /dev/root rw\n")
    r = check(run_zvfio, root, device=DISK)
    assert "dasda1 mounted on /srv" in (in_use_line(r.stdout, "ccw.in-use") or ""), r.stdout


def mountinfo_of_busy_host(lines):
    """LINES overlay mounts of a container host (about 180 bytes each)."""
    row = ("{id} 29 0:{dev} / /var/lib/containers/storage/overlay/{id:012d}/merged "
           "rw,relatime shared:{id} - overlay overlay rw,lowerdir=/var/lib/containers/storage/"
           "overlay/l/ABCDEFGHIJ:/var/lib/containers/storage/overlay/l/KLMNOPQRST\n")
    return "".join(row.format(id=100 + i, dev=1000 + i % 100000) for i in range(lines))


def test_twenty_megabyte_mountinfo_still_finds_the_mount_at_its_end(make_tree, tmp_path,
                                                                     run_zvfio):
    root = make_tree(spec(dasd_block={"name": "dasda", "partitions": 1}), tmp_path)
    text = mountinfo_of_busy_host(110_000)
    text += "999999 29 94:1 / /srv rw,relatime shared:1 - ext4 /dev/dasda1 rw\n"
    assert len(text) > 20 * 1024 * 1024
    (root / "proc/self/mountinfo").write_text(text)
    start = time.monotonic()
    r = check(run_zvfio, root, device=DISK)
    elapsed = time.monotonic() - start
    assert r.returncode == 3, r.stdout + r.stderr
    assert "dasda1 mounted on /srv" in (in_use_line(r.stdout, "ccw.in-use") or ""), r.stdout
    print(f"check with a {len(text) / 1e6:.1f} MB mountinfo: {elapsed:.2f} s")


def test_busy_host_lets_an_unused_online_dasd_go_offline(make_tree, tmp_path, run_zvfio,
                                                         kernel):
    """With 12,000+ mounts (1.4 MB and more), prepare --offline of an unmounted online
    DASD works: the table is streamed, not refused for its size."""
    root = make_tree(spec(), tmp_path)
    (root / "proc/self/mountinfo").write_text(mountinfo_of_busy_host(13_000))
    kernel(root)
    r = run_zvfio("prepare", ONLINE, "--offline", root=root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (root / f"sys/bus/css/devices/{ONLINE_SCH}/driver").resolve().name == "vfio_ccw"


def break_mountinfo(root):
    (root / "proc/self/mountinfo").write_text("22 1 0:21 / /sys rw - sysfs sysfs rw\nbroken\n")


def break_swaps(root):
    path = root / "proc/swaps"
    path.unlink()
    path.mkdir()


def break_routes(root):
    (root / "proc/net/route").write_text("Iface\tDestination\nenc1\tnot-hex\n")


def break_flags(root):
    (root / f"sys/bus/pci/devices/{FN}/net/enc1/flags").write_text("up\n")


def overlong_line(root):
    (root / "proc/net/ipv6_route").write_text("0" * (70 * 1024) + "\n")


FAIL_CLOSED = [
    pytest.param(break_mountinfo, DISK, "ccw.in-use", "/proc/self/mountinfo", id="mountinfo"),
    pytest.param(break_swaps, DISK, "ccw.in-use", "/proc/swaps", id="swaps"),
    pytest.param(break_mountinfo, FN, "zpci.in-use", "/proc/self/mountinfo",
                 id="mountinfo-nvme"),
    pytest.param(break_routes, FN, "zpci.in-use", "/proc/net/route", id="route"),
    pytest.param(overlong_line, FN, "zpci.in-use", "/proc/net/ipv6_route", id="long-line"),
    pytest.param(break_flags, FN, "zpci.in-use", "/net/enc1/flags", id="flags"),
]


@pytest.mark.parametrize("mutate, device, rule, path", FAIL_CLOSED)
def test_unreadable_usage_facts_fail_closed(make_tree, tmp_path, run_zvfio, mutate, device,
                                            rule, path):
    data = spec(dasd_block={"name": "dasda", "partitions": 1},
                net=[{"name": "enc1", "up": False}], preset="nvme",
                block=[{"partitions": 1}])
    root = make_tree(data, tmp_path)
    mutate(root)
    r = check(run_zvfio, root, device=device)
    assert r.returncode == 3, r.stdout + r.stderr
    line = in_use_line(r.stdout, rule)
    assert line and "cannot check this rule" in line and path in line, r.stdout


def test_absent_route_tables_mean_no_routes(make_tree, tmp_path, run_zvfio):
    """A host without IPv6 has no /proc/net/ipv6_route: that is no error."""
    root = make_tree(spec(net=[{"name": "enc1", "up": False}]), tmp_path)
    (root / "proc/net/ipv6_route").unlink()
    r = check(run_zvfio, root)
    assert r.returncode == 0, r.stdout + r.stderr

