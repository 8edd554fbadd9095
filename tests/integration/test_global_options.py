"""Global options after the command (issue 12 §6): `zvfio hostdev X --root DIR` means
`zvfio --root DIR hostdev X`; --connect too; the one after the command wins; every
command's --help lists them (test_docs.py checks the page, test_completion.py the
completion)."""

import subprocess

import pytest


def plain(zvfio_bin, *args):
    """zvfio ARGS with no ZVFIO_ROOT."""
    import os
    env = dict(os.environ, LC_ALL="C.UTF-8")
    env.pop("ZVFIO_ROOT", None)
    return subprocess.run([str(zvfio_bin), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.parametrize("args", [["hostdev", "0.0.1001"], ["show", "0.0.1000", "--json"],
                                  ["check", "css_0_0_0101"], ["list", "ccw"],
                                  ["nodedev", "0.0.1001"]])
def test_root_after_the_command(zvfio_bin, passthrough_root, args):
    before = plain(zvfio_bin, "--root", passthrough_root, *args)
    assert before.returncode == 0, before.stderr
    for after in ([*args, "--root", passthrough_root], [*args, f"--root={passthrough_root}"],
                  [args[0], "-r", passthrough_root, *args[1:]]):
        res = plain(zvfio_bin, *after)
        assert (res.returncode, res.stdout, res.stderr) == \
            (before.returncode, before.stdout, before.stderr), after


def test_the_one_after_the_command_wins(zvfio_bin, passthrough_root, tmp_path):
    res = plain(zvfio_bin, "--root", tmp_path / "nothing-here", "list", "ccw", "--root",
                passthrough_root)
    assert res.returncode == 0, res.stderr
    assert "0.0.0101" in res.stdout


def test_connect_after_the_command(zvfio_bin, passthrough_root, test_uri):
    before = plain(zvfio_bin, "--connect", test_uri, "domains", "--json")
    after = plain(zvfio_bin, "domains", "--json", "--connect", test_uri)
    assert before.returncode == 0, before.stderr
    assert (after.returncode, after.stdout) == (0, before.stdout)
    res = plain(zvfio_bin, "attach", "guest1", "0.0.1001", "--root", passthrough_root,
                "--connect", test_uri, "--print-xml")
    assert res.returncode == 0, res.stderr
    assert "9063cba3-ecef-47b6-abcf-3fef4fdcad85" in res.stdout


def test_missing_value_is_a_usage_error(zvfio_bin):
    res = plain(zvfio_bin, "list", "--root")
    assert res.returncode == 2
    assert res.stderr == "zvfio: list: Missing argument for --root (see 'zvfio list --help')\n"


def test_every_command_help_lists_them(zvfio_bin):
    for command in ("list", "show", "nodedev", "check", "rules", "define", "undefine", "start",
                    "stop", "prepare", "release", "hostdev", "attach", "detach", "domains"):
        res = plain(zvfio_bin, command, "--help")
        assert res.returncode == 0
        assert "  -r, --root=DIR " in res.stdout and "  -c, --connect=URI " in res.stdout, command


@pytest.mark.parametrize("args", [["list", "ccw"], ["check", "css_0_0_0101"],
                                  ["show", "0.0.1000", "--json"]])
def test_attached_short_option_values(zvfio_bin, passthrough_root, args):
    """-rDIR and -r/path as GNU getopt and GOption users type them (issue 21 §4),
    before and after the command."""
    before = plain(zvfio_bin, "--root", passthrough_root, *args)
    assert before.returncode == 0, before.stderr
    for attached in ([f"-r{passthrough_root}", *args], [*args, f"-r{passthrough_root}"],
                     [args[0], f"-r{passthrough_root}", *args[1:]]):
        res = plain(zvfio_bin, *attached)
        assert (res.returncode, res.stdout, res.stderr) == \
            (before.returncode, before.stdout, before.stderr), attached


def test_attached_connect_and_command_values(zvfio_bin, passthrough_root, test_uri, tmp_path):
    joined = plain(zvfio_bin, "--connect", test_uri, "domains")
    assert joined.returncode == 0, joined.stderr
    for attached in ([f"-c{test_uri}", "domains"], ["domains", f"-c{test_uri}"]):
        res = plain(zvfio_bin, *attached)
        assert (res.returncode, res.stdout) == (0, joined.stdout), (attached, res.stderr)
    # a command's own value options: check -oOP and -dFILE, define -uUUID
    spaced = plain(zvfio_bin, "-r", passthrough_root, "check", "0.0.1001", "-o", "prepare")
    res = plain(zvfio_bin, f"-r{passthrough_root}", "check", "0.0.1001", "-oprepare")
    assert (res.returncode, res.stdout) == (spaced.returncode, spaced.stdout), res.stderr
    missing = tmp_path / "missing.xml"
    res = plain(zvfio_bin, f"-r{passthrough_root}", "check", f"-d{missing}")
    assert res.returncode == 4 and f"cannot read domain XML {missing}" in res.stderr, res.stderr


def test_every_value_letter_is_split(zvfio_bin):
    """main.c splits -XVALUE for the short options that take a value before it takes the
    global ones out (ZV_CLI_ANY_VALUE_LETTERS): that list must name every one."""
    import re
    top = plain(zvfio_bin, "--help").stdout
    commands = [l.split()[0] for l in top.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
                .splitlines() if l.strip()]
    letters = set()
    for command in commands:
        text = plain(zvfio_bin, command, "--help").stdout
        letters |= set(re.findall(r"^\s+-(\w), --[\w-]+=", text, re.M))
    assert letters == set("rcdou"), letters
