"""Where `meson install` puts the callout and the hook: where mdevctl and libvirt look,
whatever the prefix (meson_options.txt), and what `meson setup` says about it."""

import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from install_info import introspect

CALLOUT = "/usr/lib/mdevctl/scripts.d/callouts/zvfio-callout"
LEGACY_WRAPPER = "/etc/mdevctl.d/scripts.d/callouts/zvfio-callout"
HOOK = "/etc/libvirt/hooks/qemu.d/zvfio"


def configure(tmp_path, *options):
    """`meson setup` of a scratch build directory (configure only, nothing compiled):
    returns (its directory, meson's stdout)."""
    build = tmp_path / "build"
    proc = subprocess.run(["meson", "setup", str(build), str(REPO_ROOT), *options],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return build, proc.stdout


def installed(build):
    """{installed path: build path} of every file and link `meson install` would lay out."""
    return {dest: src for src, dest in introspect(build, "installed").items()}


@pytest.fixture(scope="module")
def default_prefix(tmp_path_factory):
    """A build directory configured like a plain `meson setup build` (prefix /usr/local)."""
    return configure(tmp_path_factory.mktemp("default"), "--prefix=/usr/local")


def test_default_prefix_installs_where_mdevctl_and_libvirt_look(default_prefix):
    build, _ = default_prefix
    paths = installed(build)
    assert paths[CALLOUT] == str(build / "callouts" / "zvfio-callout")
    assert paths[LEGACY_WRAPPER] == str(build / "callouts" / "zvfio-callout-wrapper.sh")
    assert HOOK in paths
    assert "/usr/local/bin/zvfio" in paths      # the rest follows the prefix
    assert "/usr/local/libexec/zvfio/zvfio-hook-gate" in paths
    assert not [p for p in paths if "/usr/local/" in p and ("mdevctl" in p or "hooks" in p)]


def test_setup_summary_says_where_each_piece_goes(default_prefix):
    _, out = default_prefix
    section = out[out.index("Where mdevctl and libvirt find zvfio"):]
    for line in (f"zvfio-callout (mdevctl >= 1.3)        : {CALLOUT}",
                 f"zvfio-callout wrapper (mdevctl <= 1.2): {LEGACY_WRAPPER}",
                 f"qemu hook (libvirt)                   : {HOOK} -> "
                 "/usr/local/libexec/zvfio/zvfio-hook-gate"):
        assert line in section


def test_the_installed_tree_is_what_the_daemons_run(build_dir, tmp_path):
    """A --destdir install of the tests' build: the hook link points at the installed gate,
    the worker is next to it, the callout is a binary (its wrapper: test_callout.py)."""
    from install_info import build_options, install_dir
    options = build_options(build_dir)
    dest = tmp_path / "dest"
    proc = subprocess.run(["meson", "install", "-C", str(build_dir), "--destdir", str(dest),
                           "--no-rebuild", "--quiet"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hook_dir = install_dir(options, "libexecdir") + "/zvfio"
    hook = dest / install_dir(options, "libvirt_hook_dir").lstrip("/") / "zvfio"
    assert hook.is_symlink()
    assert os.readlink(hook) == f"{hook_dir}/zvfio-hook-gate"
    for name in ("zvfio-hook-gate", "zvfio-hook"):
        assert os.access(dest / hook_dir.lstrip("/") / name, os.X_OK)
    callout = dest / install_dir(options, "mdevctl_callout_dir").lstrip("/") / "zvfio-callout"
    assert callout.read_bytes().startswith(b"\x7fELF")
    gate = dest / hook_dir.lstrip("/") / "zvfio-hook-gate"
    proc = subprocess.run([str(gate), "--version"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=10)
    assert proc.returncode == 0 and proc.stdout.startswith("zvfio-hook "), proc.stderr


def test_options_move_each_piece(tmp_path):
    """Relative values are taken below the prefix; an empty legacy dir installs no wrapper."""
    build, out = configure(tmp_path, "--prefix=/opt/zv", "-Dmdevctl_legacy_callout_dir=",
                       "-Dmdevctl_callout_dir=lib/mdevctl/scripts.d/callouts",
                       "-Dlibvirt_hook_dir=/srv/hooks/qemu.d")
    paths = installed(build)
    assert "/opt/zv/lib/mdevctl/scripts.d/callouts/zvfio-callout" in paths
    assert "/srv/hooks/qemu.d/zvfio" in paths
    assert not [p for p in paths if p.endswith("/zvfio-callout") and "/etc/" in p]
    wrapper = Path(build / "callouts" / "zvfio-callout-wrapper.sh").read_text()
    assert "bin='/opt/zv/lib/mdevctl/scripts.d/callouts/zvfio-callout'" in wrapper
    assert "zvfio-callout wrapper (mdevctl <= 1.2): (not installed)" in out


def test_legacy_dir_equal_to_the_callout_dir_is_refused(tmp_path):
    proc = subprocess.run(["meson", "setup", str(tmp_path / "build"), str(REPO_ROOT),
                           "-Dmdevctl_legacy_callout_dir=/usr/lib/mdevctl/scripts.d/callouts"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "mdevctl_legacy_callout_dir must differ from mdevctl_callout_dir" in proc.stdout


def test_debian_changelog_version_is_the_project_version(build_dir):
    """The package and `zvfio --version` must name the same version (a native package:
    the version is meson.build's, exactly)."""
    from install_info import project_version
    first = (REPO_ROOT / "debian" / "changelog").read_text().splitlines()[0]
    assert first.startswith(f"zvfio ({project_version(build_dir)}) "), first
