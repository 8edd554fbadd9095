"""ccw.boot-config (issue 21 §5): what configures a ccw device at the next boot besides
zvfio's driverctl override. zdev's persistent configuration (the udev rules chzdev
--persistent writes, in the layouts of s390-tools 2.16 as in Debian 12 and of the newer site
blocks; the fixture generator writes them byte for byte as chzdev does) and the cio_ignore=
kernel parameter on /proc/cmdline. check (any --op check/prepare) and prepare --persist warn
with the command that changes them; prepare without --persist and zvfio-hook do not (their
binding does not outlive the boot); a file that cannot be read fails closed."""

import json
import os

import pytest

from conftest import host_state

DASD = "0.0.1234"          # offline DASD on subchannel 0.0.0100
OTHER = "0.0.2000"         # offline DASD on subchannel 0.0.0101
WARN_ZDEV = ("warning: ccw.boot-config: 0.0.1234 (subchannel 0.0.0100): device 0.0.1234 is "
             "set online at boot by\n    zdev (/etc/udev/rules.d/41-dasd-eckd-0.0.1234.rules): "
             "the host takes it at every boot while\n    driverctl binds subchannel 0.0.0100 to "
             "vfio_ccw\n  fix: remove zdev's persistent configuration of it: chzdev -d "
             "--persistent dasd-eckd 0.0.1234\n")


def spec(**extra):
    """Two offline DASDs; EXTRA adds the boot configuration."""
    base = {"subchannels": [
        {"sch": "0.0.0100", "devno": DASD, "dev": {"preset": "dasd", "online": 0}},
        {"sch": "0.0.0101", "devno": OTHER, "dev": {"preset": "dasd", "online": 0}},
        {"sch": "0.0.0102", "devno": "0.0.f500", "dev": {"preset": "tape", "online": 0}},
        {"sch": "0.0.0103", "devno": "0.0.f501", "dev": {"preset": "tape", "online": 0}}]}
    base.update(extra)
    return base


def violations(run_zvfio, root, ident, op="prepare"):
    """check --json's violations of ccw.boot-config for IDENT."""
    res = run_zvfio("check", "--json", "--op", op, ident, root=root)
    assert res.returncode in (0, 3), res.stderr
    return [v for v in json.loads(res.stdout)["violations"] if v["rule"] == "ccw.boot-config"]


def test_zdev_online_rule_is_named_with_chzdev(make_tree, tmp_path, run_zvfio):
    """chzdev 2.16's rule for 'chzdev -e -p dasd-eckd 0.0.1234' sets it online at boot."""
    root = make_tree(spec(zdev=[{"type": "dasd-eckd", "id": DASD,
                                 "attrs": {"use_diag": "0", "online": "1"}}]), tmp_path)
    res = run_zvfio("check", "--op", "prepare", DASD, root=root)
    assert res.returncode == 0
    assert res.stdout == WARN_ZDEV + "check: ok: 0 errors, 1 warning(s)\n"
    # plain check too; the other device is not configured by zdev
    assert len(violations(run_zvfio, root, DASD, op="check")) == 1
    assert violations(run_zvfio, root, OTHER) == []


@pytest.mark.parametrize("entry, ident, hint", [
    # the newer layout: site blocks (s390-tools >= 2.27)
    ({"type": "generic-ccw", "id": DASD, "sites": True}, DASD,
     "chzdev -d --persistent generic-ccw 0.0.1234"),
    # a group: every member is set online with the group device
    ({"type": "ctc", "id": "0.0.f500:0.0.f501"}, "0.0.f501",
     "chzdev -d --persistent ctc 0.0.f500:0.0.f501"),
])
def test_zdev_rule_layouts(entry, ident, hint, make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(zdev=[entry]), tmp_path)
    found = violations(run_zvfio, root, ident)
    assert len(found) == 1
    assert found[0]["hint"] == f"remove zdev's persistent configuration of it: {hint}"
    assert found[0]["severity"] == "warning"


def test_zdev_rule_without_online_is_no_conflict(make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(zdev=[{"type": "dasd-eckd", "id": DASD, "attrs": {"use_diag": "1"}}]),
                     tmp_path)
    assert violations(run_zvfio, root, DASD) == []


@pytest.mark.parametrize("cmdline, ignored", [
    ("root=/dev/dasda1 cio_ignore=all,!condev", True),
    ("cio_ignore=all,!condev,!0.0.1234", False),
    ("cio_ignore=0.0.1000-0.0.1fff cio_ignore=!0.0.1234", False),     # parameters add up
    ("cio_ignore=!0.0.1234 cio_ignore=0.0.1000-0.0.1fff", True),
    ("cio_ignore=0x1234", True),                                        # old style devno
    ("cio_ignore=all,!condev -- cio_ignore=!0.0.1234", True),           # after --: init's
    ("quiet", False),
])
def test_cio_ignore_kernel_parameter(cmdline, ignored, make_tree, tmp_path, run_zvfio):
    root = make_tree(spec(cmdline=cmdline), tmp_path)
    found = violations(run_zvfio, root, DASD)
    assert len(found) == (1 if ignored else 0)
    if ignored:
        values = " ".join(w for w in cmdline.split("--")[0].split() if w.startswith("cio_ignore="))
        last = values.split()[-1]
        assert found[0]["message"] == (f"device 0.0.1234 is ignored at boot ({values} on "
                                       "/proc/cmdline): subchannel 0.0.0100 does not come back "
                                       "after a reboot, nor does its vfio_ccw binding")
        assert found[0]["hint"] == (f"free it on the kernel command line: {last},!0.0.1234 in "
                                    "the zipl parameters (/etc/zipl.conf), then run zipl")


def test_zdev_cio_ignore_rule_frees_at_boot(make_tree, tmp_path, run_zvfio):
    """chzdev's 41-cio-ignore.rules frees its devices when the ccw bus comes up."""
    root = make_tree(spec(cmdline="cio_ignore=all,!condev",
                          zdev_cio_ignore="0.0.1000-0.0.1fff,0.0.3000"), tmp_path)
    assert violations(run_zvfio, root, DASD) == []
    assert len(violations(run_zvfio, root, OTHER)) == 1


def test_prepare_persist_warns_and_plain_prepare_does_not(make_tree, tmp_path, run_zvfio, kernel):
    root = make_tree(spec(cmdline="cio_ignore=all,!condev",
                          zdev=[{"type": "dasd-eckd", "id": DASD}]), tmp_path)
    kernel(root)
    res = run_zvfio("prepare", DASD, root=root)
    assert res.returncode == 0, res.stderr
    assert "ccw.boot-config" not in res.stdout + res.stderr
    assert run_zvfio("release", DASD, root=root).returncode == 0
    res = run_zvfio("prepare", "--persist", DASD, root=root)
    assert res.returncode == 0, res.stderr
    assert WARN_ZDEV in res.stderr
    assert "is ignored at boot (cio_ignore=all,!condev on /proc/cmdline)" in " ".join(
        res.stderr.split())
    assert (root / "etc/driverctl.d/css-0.0.0100").read_text() == "vfio_ccw\n"


@pytest.mark.parametrize("broken", ["proc/cmdline", "etc/udev/rules.d/41-dasd-eckd-0.0.1234.rules"])
def test_unreadable_boot_configuration_fails_closed(broken, make_tree, tmp_path, run_zvfio,
                                                    kernel):
    """A file that exists but cannot be read (here: a directory in its place) refuses prepare
    --persist and changes nothing; check names it as an error."""
    root = make_tree(spec(cmdline="quiet", zdev=[{"type": "dasd-eckd", "id": DASD}]), tmp_path)
    path = root / broken
    path.unlink()
    path.mkdir()
    errors = [v for v in violations(run_zvfio, root, DASD) if v["severity"] == "error"]
    assert len(errors) == 1
    assert errors[0]["message"] == f"cannot check this rule: /{broken} is not a regular file"
    kernel(root)
    before = host_state(root)
    res = run_zvfio("prepare", "--persist", DASD, root=root)
    assert res.returncode == 3
    assert "error: ccw.boot-config" in res.stderr
    assert host_state(root) == before
    # a prepare that does not persist does not need it
    assert run_zvfio("prepare", DASD, root=root).returncode == 0


def test_hook_start_does_not_read_it(make_tree, tmp_path, run_zvfio):
    """check --domain checks what zvfio-hook checks at guest start: a binding for this boot
    only, so the boot configuration is not asked; check of the device itself is."""
    uuid = "11111111-2222-3333-4444-555555555555"
    base = spec(cmdline="cio_ignore=all", zdev=[{"type": "generic-ccw", "id": "0.0.3000"}])
    base["subchannels"].append({"sch": "0.0.0104", "devno": "0.0.3000", "driver": "vfio_ccw",
                                "mdev": uuid})
    root = make_tree(base, tmp_path)
    assert len(violations(run_zvfio, root, "0.0.3000")) == 2
    xml = tmp_path / "d.xml"
    xml.write_text("<domain type='kvm'><name>g</name><devices><hostdev mode='subsystem' "
                   f"type='mdev' model='vfio-ccw'><source><address uuid='{uuid}'/></source>"
                   "</hostdev></devices></domain>")
    res = run_zvfio("check", "--json", "--domain-xml", str(xml), root=root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ccw.boot-config" not in res.stdout + res.stderr


def test_rule_is_listed(run_zvfio):
    res = run_zvfio("rules")
    assert any(line.startswith("ccw.boot-config ") and "error" in line
               for line in res.stdout.splitlines())


def test_masked_and_linked_rules(make_tree, tmp_path, run_zvfio):
    """A rule linked to /dev/null is masked (udev reads nothing); one linked to a file is read."""
    root = make_tree(spec(zdev=[{"type": "dasd-eckd", "id": DASD}]), tmp_path)
    rules = root / "etc/udev/rules.d"
    (root / "dev").mkdir(exist_ok=True)
    (root / "dev/null").write_text("")
    rule = rules / "41-dasd-eckd-0.0.1234.rules"
    (rules / "kept.rules.orig").write_text(rule.read_text())
    rule.unlink()
    rule.symlink_to("/dev/null")
    assert violations(run_zvfio, root, DASD) == []
    rule.unlink()
    rule.symlink_to("kept.rules.orig")
    assert len(violations(run_zvfio, root, DASD)) == 1
