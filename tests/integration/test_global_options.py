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
