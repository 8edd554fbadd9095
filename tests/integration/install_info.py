"""Helpers for the --help/--version and install-layout tests: what meson says about a
build directory, and a traced run of an informational option."""

import json
import os
import posixpath
import subprocess


def introspect(build_dir, what):
    """`meson introspect BUILD_DIR --WHAT` as parsed JSON."""
    proc = subprocess.run(["meson", "introspect", str(build_dir), f"--{what}"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def project_version(build_dir):
    """The version in meson.build's project(), as the build directory knows it."""
    return introspect(build_dir, "projectinfo")["version"]


def build_options(build_dir):
    """{option name: value} of a configured build directory."""
    return {o["name"]: o["value"] for o in introspect(build_dir, "buildoptions")}


def install_dir(options, name):
    """Where option NAME installs: a relative value is below the prefix, as meson.build does."""
    return posixpath.join(options["prefix"], options[name])


def run_info_option(binary, option, tmp_path):
    """Runs BINARY OPTION under strace with stdin a pipe nobody writes or closes and
    ZVFIO_ROOT an empty directory. Returns (CompletedProcess, traced lines, root)."""
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    log = tmp_path / f"strace{option}.log"
    env = dict(os.environ, ZVFIO_ROOT=str(root), LC_ALL="C.UTF-8",
               ASAN_OPTIONS="detect_leaks=0")   # LeakSanitizer cannot run under ptrace
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file,%desc", "-o", str(log),
                               str(binary), option],
                              stdin=read_end, capture_output=True, text=True, env=env, timeout=20)
    finally:
        os.close(read_end)
        os.close(write_end)
    return proc, log.read_text().splitlines(), root


STDIN_CALLS = ("read", "readv", "pread64", "poll", "ppoll", "select", "pselect6", "fstat",
               "newfstatat")


def touches_input(lines, root):
    """The traced lines that use stdin or touch the host's devices, mdevctl's and zvfio's
    files, or the fake root (a library loader may look at /sys/fs: that is no device)."""
    found = []
    for line in lines:
        call, _, args = line.partition("(")
        name = call.split()[-1] if call.split() else ""
        uses_stdin = name in STDIN_CALLS and (args.startswith("0,") or "{fd=0," in args)
        if uses_stdin or str(root) in line \
                or any(f'"{p}' in line for p in ("/sys/bus", "/sys/class", "/sys/devices", "/etc/mdevctl", "/run/")):
            found.append(line)
    return found
