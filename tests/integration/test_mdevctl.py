"""The real mdevctl (Debian's 1.2) with zvfio-callout installed, in a private mount
namespace (tests/integration/mdevctl-ns.sh): defines go through, bad ones are refused
with zvfio's reason, foreign types are untouched; and zvfio define/undefine/start/stop
run that same mdevctl."""

import json
import subprocess

import pytest

from conftest import unwrap_violations

UUID = "7e270a25-e163-4922-af60-757fc8ed48c6"
UUID2 = "7e270a25-e163-4922-af60-757fc8ed48c7"


@pytest.fixture
def root(make_tree, tmp_path):
    """A fresh rules-ccw tree per test (mdevctl writes definitions into it)."""
    return make_tree("rules-ccw", tmp_path)


def definition(root, parent, uuid):
    """The definition file mdevctl wrote for PARENT/UUID, parsed, or None."""
    path = root / "etc" / "mdevctl.d" / parent / uuid
    return json.loads(path.read_text()) if path.exists() else None


def test_define_good_subchannel(mdevctl_ns, root):
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0140", "-t",
                      "vfio_ccw-io")
    assert proc.returncode == 0, proc.stderr
    assert definition(root, "0.0.0140", UUID) == {"mdev_type": "vfio_ccw-io",
                                                  "start": "manual", "attrs": []}
    listed = mdevctl_ns(root, "mdevctl", "list", "--defined", "-u", UUID, "--dumpjson")
    assert json.loads(listed.stdout) == {"mdev_type": "vfio_ccw-io", "start": "manual",
                                         "attrs": []}
    # the lock taken in 'pre' was released in 'post'
    assert list((root / "run" / "lock" / "zvfio").iterdir()) == []


def test_define_jsonfile_auto_with_persistent_binding(mdevctl_ns, root, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": []}))
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0140", "--jsonfile",
                      config)
    assert proc.returncode == 0, proc.stderr
    assert definition(root, "0.0.0140", UUID)["start"] == "auto"


@pytest.mark.parametrize("parent,device,rule", [
    ("0.0.0110", "0.0.f500 (subchannel 0.0.0110)", "ccw.qdio"),
    ("0.0.ff40", "sch:0.0.ff40", "ccw.not-io-subchannel"),
    ("0.0.ff00", "sch:0.0.ff00", "ccw.not-io-subchannel"),
    ("0.0.2000", "0.0.2000", "ccw.not-a-subchannel"),
    ("0.0.0100", "0.0.1000 (subchannel 0.0.0100)", "ccw.ipl-device"),
])
def test_define_refused_with_zvfio_reason(mdevctl_ns, root, parent, device, rule):
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", parent, "-t", "vfio_ccw-io")
    assert proc.returncode != 0
    assert f"error: {rule}: {device}: " in proc.stderr
    assert "\n  fix: " in proc.stderr
    assert definition(root, parent, UUID) is None


@pytest.mark.parametrize("config,rule", [
    ({"mdev_type": "vfio_ccw-io", "start": "manual", "attrs": [{"a": "b"}]}, "ccw.mdev-config"),
    ({"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": []}, "ccw.autostart-not-persistent"),
])
def test_define_bad_jsonfile_refused(mdevctl_ns, root, tmp_path, config, rule):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0144", "--jsonfile",
                      path)
    assert proc.returncode != 0
    assert f"error: {rule}: 0.0.2005 (subchannel 0.0.0144): " in proc.stderr
    assert definition(root, "0.0.0144", UUID) is None


def test_define_syntactically_bad_jsonfile(mdevctl_ns, root, tmp_path):
    """Broken JSON never reaches the callout: mdevctl rejects it itself, nothing is written."""
    path = tmp_path / "config.json"
    path.write_text('{"mdev_type": "vfio_ccw-io", "start": ')
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0140", "--jsonfile",
                      path)
    assert proc.returncode != 0
    assert definition(root, "0.0.0140", UUID) is None


def test_define_other_type_in_jsonfile_is_foreign(mdevctl_ns, root, tmp_path):
    """The type comes from the file; for any type but vfio_ccw-io the callout answers 2
    ("not my type") and mdevctl goes on, as the protocol says."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"mdev_type": "vfio_ccw-foo", "start": "manual", "attrs": []}))
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0140", "--jsonfile",
                      path)
    assert proc.returncode == 0, proc.stderr
    assert definition(root, "0.0.0140", UUID)["mdev_type"] == "vfio_ccw-foo"


def test_foreign_type_unaffected(mdevctl_ns, root):
    """vfio_ap-passthrough on 'matrix': zvfio-callout answers 2, mdevctl goes on."""
    proc = mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "matrix", "-t",
                      "vfio_ap-passthrough")
    assert proc.returncode == 0, proc.stderr
    assert "zvfio" not in proc.stderr
    assert definition(root, "matrix", UUID)["mdev_type"] == "vfio_ap-passthrough"


def test_undefine(mdevctl_ns, root):
    assert mdevctl_ns(root, "mdevctl", "define", "-u", UUID, "-p", "0.0.0140", "-t",
                      "vfio_ccw-io").returncode == 0
    proc = mdevctl_ns(root, "mdevctl", "undefine", "-u", UUID)
    assert proc.returncode == 0, proc.stderr
    assert definition(root, "0.0.0140", UUID) is None


def test_start_refused_by_pre_start(mdevctl_ns, root):
    """mdevctl start needs a real mdev sysfs (emulated-mainframe tier); here the callout's
    pre-start check refuses first: 0.0.0143 is not bound to vfio_ccw."""
    proc = mdevctl_ns(root, "mdevctl", "start", "-u", UUID, "-p", "0.0.0143", "-t",
                      "vfio_ccw-io")
    assert proc.returncode != 0
    assert ("error: ccw.not-vfio-bound: 0.0.2003 (subchannel 0.0.0143): subchannel 0.0.0143 is "
            "bound to no driver") in unwrap_violations(proc.stderr)


# --- zvfio define/undefine/start/stop drive the same mdevctl ------------------------------

def zvfio_ns(mdevctl_ns, zvfio_bin, root, *args, env=None):
    """zvfio --root ROOT ARGS inside the namespace (rooted mdevctl explicitly allowed)."""
    full_env = {"ZVFIO_ALLOW_ROOTED_MDEVCTL": "1"}
    full_env.update(env or {})
    return mdevctl_ns(root, zvfio_bin, "--root", root, *args, env=full_env)


def test_zvfio_define_devno_resolves_subchannel(mdevctl_ns, zvfio_bin, root):
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "0.0.2000", "--uuid", UUID)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{UUID}\n"
    assert definition(root, "0.0.0140", UUID) == {"mdev_type": "vfio_ccw-io",
                                                  "start": "manual", "attrs": []}
    # zvfio's inventory reads mdevctl's file
    show = subprocess.run([str(zvfio_bin), "--root", str(root), "list", "--json"],
                          capture_output=True, text=True)
    assert UUID in show.stdout
    undefine = zvfio_ns(mdevctl_ns, zvfio_bin, root, "undefine", "0.0.2000")
    assert undefine.returncode == 0, undefine.stderr
    assert undefine.stdout == f"{UUID}\n"
    assert definition(root, "0.0.0140", UUID) is None


def test_zvfio_define_generates_uuid_and_auto(mdevctl_ns, zvfio_bin, root):
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "sch:0.0.0140", "--auto")
    assert proc.returncode == 0, proc.stderr
    uuid = proc.stdout.strip()
    assert definition(root, "0.0.0140", uuid)["start"] == "auto"


def test_zvfio_define_refused_by_rules_before_mdevctl(mdevctl_ns, zvfio_bin, root):
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "define", "0.0.2005", "--auto", "--uuid", UUID)
    assert proc.returncode == 3
    assert "error: ccw.autostart-not-persistent: 0.0.2005 (subchannel 0.0.0144): " in proc.stderr
    assert "zvfio: refusing to define an mdev for 0.0.2005" in proc.stderr
    assert definition(root, "0.0.0144", UUID) is None


def test_zvfio_start_refused_by_rules(mdevctl_ns, zvfio_bin, root):
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "start", "0.0.2001")
    assert proc.returncode == 3
    assert "error: ccw.no-instance: 0.0.2001 (subchannel 0.0.0141): " in proc.stderr


def test_zvfio_start_reaches_mdevctl(mdevctl_ns, zvfio_bin, root):
    """Rules pass for the defined mdev on 0.0.0144; the fake sysfs has no mdev_bus
    parent for mdevctl, whose error is reported as an external-tool failure."""
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "start",
                    "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e05")
    assert proc.returncode == 8
    assert "zvfio: mdevctl start failed" in proc.stderr


def test_zvfio_stop_not_running(mdevctl_ns, zvfio_bin, root):
    proc = zvfio_ns(mdevctl_ns, zvfio_bin, root, "stop", UUID)
    assert proc.returncode == 4
    assert f"mdev {UUID} is not running" in proc.stderr


def test_zvfio_refuses_rooted_mdevctl_by_default(run_zvfio, root):
    proc = run_zvfio("define", "0.0.2000", root=root)
    assert proc.returncode == 2
    assert "ZVFIO_ALLOW_ROOTED_MDEVCTL" in proc.stderr
    assert not (root / "etc" / "mdevctl.d" / "0.0.0140").exists()


def test_zvfio_undefine_unknown(run_zvfio, root):
    proc = run_zvfio("undefine", UUID2, root=root)
    assert proc.returncode == 4
    proc = run_zvfio("undefine", "0.0.2000", root=root)
    assert proc.returncode == 4
    assert "no mdev is defined on device 0.0.2000 (subchannel 0.0.0140)" in proc.stderr


def test_zvfio_define_usage(run_zvfio, root):
    assert run_zvfio("define", root=root).returncode == 2
    assert run_zvfio("define", "0.0.2000", "--auto", "--manual", root=root).returncode == 2
    assert run_zvfio("define", "0.0.2000", "--uuid", "xyz", root=root).returncode == 2
    assert run_zvfio("stop", "0.0.2000", root=root).returncode == 2
    missing = run_zvfio("define", "0.0.9999", root=root)
    assert missing.returncode == 4     # no such device: not found, not a rule violation
    assert "no ccw device 0.0.9999" in missing.stderr
