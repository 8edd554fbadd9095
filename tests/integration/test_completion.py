"""bash completion (completions/zvfio): the completion function is run in bash the way
bash runs it (COMP_WORDS split at the word breaks, COMP_CWORD, COMP_LINE, COMP_POINT) and
its COMPREPLY is compared with concrete candidates from the demo LPAR tree and from
libvirt's test driver; commands and options are compared with the CLI's --help."""

import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "completions" / "zvfio"
DEMO = REPO / "examples" / "demo-lpar"
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")

RUNNER = r'''
[ "$WITH_BASH_COMPLETION" = 1 ] && source /usr/share/bash-completion/bash_completion
source "$SCRIPT"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE=$LINE
COMP_POINT=${#LINE}
COMPREPLY=()
_zvfio
printf '%s\n' "${COMPREPLY[@]}"
'''


def split_like_readline(line):
    """COMP_WORDS as bash makes them with the default COMP_WORDBREAKS: words end at
    blanks, and ':' and '=' are words of their own."""
    words = []
    for chunk in line.split():
        words += [w for w in re.split(r"([:=])", chunk) if w != ""]
    if line == "" or line[-1].isspace():
        words.append("")
    return words


def complete(line, env=None, bash_completion=True):
    """COMPREPLY of _zvfio for the command line LINE (cursor at its end)."""
    if bash_completion and not BASH_COMPLETION.exists():
        pytest.fail("bash-completion is not installed (tools/setup.sh installs it)")
    full_env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "SCRIPT": str(SCRIPT),
                "LINE": line, "WITH_BASH_COMPLETION": "1" if bash_completion else "0"}
    if env:
        full_env.update(env)
    words = split_like_readline(line) if bash_completion else line.split(" ")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", RUNNER, "bash"] + words,
                          capture_output=True, text=True, env=full_env, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    return [w for w in proc.stdout.split("\n") if w != ""]


def help_commands(zvfio_bin):
    out = subprocess.run([str(zvfio_bin), "--help"], capture_output=True, text=True).stdout
    listing = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def help_options(zvfio_bin, command):
    out = subprocess.run([str(zvfio_bin), command, "--help"], capture_output=True,
                         text=True).stdout
    return re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", out, re.M)


def test_script_is_valid_bash():
    proc = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_commands_are_those_of_help(zvfio_bin):
    assert complete("zvfio ") == help_commands(zvfio_bin)
    assert complete("zvfio de") == ["define", "detach"]
    assert complete("zvfio --root /tmp pre") == ["prepare"]


def test_global_options():
    assert complete("zvfio --") == ["--root", "--connect", "--connect-timeout", "--version",
                                    "--help"]
    assert complete("zvfio -r /tmp --conn") == ["--connect", "--connect-timeout"]
    # the timeout's value is not taken for the command
    assert complete("zvfio --connect-timeout 5 l") == ["list"]


def test_options_of_every_command_are_those_of_its_help(zvfio_bin):
    for command in help_commands(zvfio_bin):
        if command in ("help", "version"):
            continue
        expected = help_options(zvfio_bin, command)
        assert sorted(complete(f"zvfio {command} --")) == sorted(expected), command
    assert complete("zvfio prepare --s") == ["--settle-timeout"]
    assert complete("zvfio check --op ") == ["check", "define", "start", "attach", "prepare"]


def test_devnos_from_the_root(tmp_path):
    # 0.0.0201 and 0.0.0202 are bound to vfio_ccw: no ccw device, found by dev_busid
    assert complete(f"zvfio --root {DEMO} show 0.0.02") == ["0.0.0201", "0.0.0202"]
    assert complete(f"zvfio --root {DEMO} define 0.0.01") == [
        "0.0.0100", "0.0.0101", "0.0.0102", "0.0.0103"]
    assert complete(f"zvfio --root {DEMO} show 0.1") == ["0.1.0300"]
    # another root, another host: nothing from the demo tree
    assert complete(f"zvfio --root {tmp_path} show 0.0.01") == []


def test_devnos_that_name_another_subchannel_too(make_tree, tmp_path):
    """Devno 0.0.0200 sits on subchannel 0.0.0100 and a subchannel is named 0.0.0200:
    the bare ID names both and zvfio refuses it, so it is offered as ccw:0.0.0200 (and
    the subchannel as sch:0.0.0200); a devno on the subchannel of its own name, and one
    of a vfio_ccw-bound subchannel, stay bare (issue 21 §3)."""
    root = make_tree({"subchannels": [
        {"sch": "0.0.0100", "devno": "0.0.0200", "dev": {"preset": "dasd", "online": 0}},
        {"sch": "0.0.0200", "devno": "0.0.0300", "dev": {"preset": "dasd", "online": 0}},
        {"sch": "0.0.0500", "devno": "0.0.0500", "dev": {"preset": "dasd", "online": 0}},
        {"sch": "0.0.0600", "devno": "0.0.0600", "driver": "vfio_ccw"},
        {"sch": "0.0.0700", "devno": "0.0.0100", "driver": "vfio_ccw"},
    ]}, tmp_path)
    assert complete(f"zvfio --root {root} prepare 0.0.0") == ["0.0.0300", "0.0.0500", "0.0.0600"]
    assert complete(f"zvfio --root {root} prepare ccw:") == ["0.0.0100", "0.0.0200"]
    assert complete(f"zvfio --root {root} prepare sch:0.0.02") == ["0.0.0200"]


def test_root_forms_and_environment():
    expected = ["0.0.0100", "0.0.0101", "0.0.0102", "0.0.0103"]
    assert complete(f"zvfio --root={DEMO} prepare 0.0.01") == expected
    assert complete(f"zvfio -r {DEMO} prepare 0.0.01") == expected
    assert complete("zvfio prepare 0.0.01", env={"ZVFIO_ROOT": str(DEMO)}) == expected
    # --root on the command line wins over ZVFIO_ROOT
    assert complete("zvfio --root /nonexistent prepare 0.0.01",
                    env={"ZVFIO_ROOT": str(DEMO)}) == []


def test_subchannels_pci_and_fids():
    # bash inserts only what follows the last colon: bash-completion trims the candidates
    assert complete(f"zvfio --root {DEMO} check sch:0.0.000") == [
        "0.0.0000", "0.0.0001", "0.0.0002", "0.0.0003"]
    assert complete(f"zvfio --root {DEMO} nodedev sch:0.0.ff") == ["0.0.ff00", "0.0.ff40"]
    # nodedev prints PCI functions too: addresses, fid: and pci_ names
    assert complete(f"zvfio --root {DEMO} nodedev 001") == ["0010:00:00.0", "0011:00:00.0"]
    assert complete(f"zvfio --root {DEMO} nodedev fid:0x0000003") == ["0x00000030"]
    assert complete(f"zvfio --root {DEMO} nodedev pci_002") == [
        "pci_0020_00_00_0", "pci_0021_00_00_0"]
    assert complete(f"zvfio --root {DEMO} prepare 0011:") == ["00:00.0"]
    assert complete(f"zvfio --root {DEMO} show 00") == [
        "0010:00:00.0", "0011:00:00.0", "0020:00:00.0", "0021:00:00.0", "0030:00:00.0"]
    # fid 0x40 is a slot in standby (power 0): show refuses it, so it is not offered
    assert complete(f"zvfio --root {DEMO} show fid:0x0000004") == []
    assert complete(f"zvfio --root {DEMO} show fid:0x0000003") == ["0x00000030"]


def test_node_device_names(zvfio_bin):
    """libvirt's names, as virsh nodedev-list and virt-manager show them (issue 21 §4)."""
    assert complete(f"zvfio --root {DEMO} show css_0_0_ff") == ["css_0_0_ff00", "css_0_0_ff40"]
    assert complete(f"zvfio --root {DEMO} check ccw_0_0_010") == [
        "ccw_0_0_0100", "ccw_0_0_0101", "ccw_0_0_0102", "ccw_0_0_0103"]
    assert complete(f"zvfio --root {DEMO} prepare pci_001") == [
        "pci_0010_00_00_0", "pci_0011_00_00_0"]
    assert complete(f"zvfio --root {DEMO} show mdev_") == [
        "mdev_a1b2c3d4_0201_4e5f_8a9b_0c1d2e3f4a5b_0_0_0041"]
    # every name offered is one zvfio takes
    for name in complete(f"zvfio --root {DEMO} show c") + complete(f"zvfio --root {DEMO} show p"):
        if "_" in name:
            res = subprocess.run([str(zvfio_bin), "--root", str(DEMO), "show", name],
                                 capture_output=True, text=True)
            assert res.returncode == 0, (name, res.stderr)


def test_mdev_uuids():
    active = "a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5b"
    defined_only = "a1b2c3d4-0202-4e5f-8a9b-0c1d2e3f4a5b"   # etc/mdevctl.d only
    assert complete(f"zvfio --root {DEMO} undefine a1") == [active, defined_only]
    assert complete(f"zvfio --root {DEMO} stop ") == [active]
    assert complete(f"zvfio --root {DEMO} start a1b2c3d4-02") == [active, defined_only]


def test_one_id_commands_stop_after_the_id():
    assert complete(f"zvfio --root {DEMO} show 0.0.0100 ") == []
    assert complete(f"zvfio --root {DEMO} check 0.0.0100 0.0.01") == [
        "0.0.0100", "0.0.0101", "0.0.0102", "0.0.0103"]
    assert complete(f"zvfio --root {DEMO} list ") == ["ccw", "pci"]


def test_domains_from_libvirt(test_uri):
    """attach/detach complete the domain first (virsh over --connect), then IDs."""
    assert complete(f"zvfio --connect {test_uri} attach ") == ["guest1", "holder"]
    assert complete(f"zvfio -c {test_uri} detach h") == ["holder"]
    assert complete(f"zvfio --root {DEMO} -c {test_uri} attach guest1 0.0.020") == [
        "0.0.0201", "0.0.0202"]
    assert complete(f"zvfio -c {test_uri} hostdev --domain g") == ["guest1"]
    # libvirt's test driver without a file has its own domain
    assert complete("zvfio --connect test:///default detach ") == ["test"]


def test_apply_completes_a_document_file(tmp_path):
    """apply FILE: files of the current directory; --check and --json as options."""
    (tmp_path / "state.json").write_text("{}")
    assert complete(f"zvfio apply {tmp_path}/st") == [f"{tmp_path}/state.json"]
    assert complete("zvfio apply --c") == ["--check", "--connect", "--connect-timeout"]
    assert complete("zvfio ex") == ["export"]


def test_without_bash_completion():
    """Plain bash (no bash-completion loaded): words as given, no colon handling needed."""
    assert complete(f"zvfio --root {DEMO} stop ", bash_completion=False) == [
        "a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5b"]
    assert complete("zvfio rel", bash_completion=False) == ["release"]


def installed(build_dir):
    proc = subprocess.run(["meson", "introspect", str(build_dir), "--installed"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_installed_where_bash_completion_looks(build_dir):
    options = {o["name"]: o["value"] for o in json.loads(subprocess.run(
        ["meson", "introspect", str(build_dir), "--buildoptions"],
        capture_output=True, text=True, check=True).stdout)}
    dest = installed(build_dir)[str(SCRIPT)]
    if options["bash_completion_dir"]:
        expected = options["bash_completion_dir"]
    else:
        pc = subprocess.run(["pkg-config", "--variable=completionsdir", "bash-completion"],
                            capture_output=True, text=True)
        expected = pc.stdout.strip() if pc.returncode == 0 else \
            f"{options['prefix']}/{options['datadir']}/bash-completion/completions"
    assert dest == f"{expected}/zvfio"


def test_bash_completion_dir_option(tmp_path):
    build = tmp_path / "build"
    proc = subprocess.run(["meson", "setup", str(build), str(REPO),
                           "-Dbash_completion_dir=/opt/zvfio-test/completions"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert installed(build)[str(SCRIPT)] == "/opt/zvfio-test/completions/zvfio"
    assert "/opt/zvfio-test/completions/zvfio" in proc.stdout   # the setup summary
