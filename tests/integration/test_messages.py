"""Messages an admin acts on without a second look (issue 21 §3).

- Every hint names a device in a form that resolves to exactly that device: the bare
  devno when it does, else ccw:DEVNO (a subchannel elsewhere has the devno's name),
  sch:ID for a subchannel without a devno.
- Rule messages and prepare/release output lead with the devno and name the
  subchannel second; the JSON keeps both ("device", "subchannel").
- Wording: a refused define, hostdev --domain-xml, the not-s390 message, a
  subchannel set above 3, the autostart warning, the zpci.vfio-bound hint, and lines
  of at most 100 columns."""

import json
import os
import re
import subprocess

import pytest

from conftest import LIBVIRT_DATA, MDEVCTL_NS, unwrap_violations

# The issue's host: devno 0.0.0200 sits on subchannel 0.0.0100 and a subchannel is
# also named 0.0.0200 (it holds devno 0.0.0300); the issue's devno 0.0.e000 sits on
# subchannel 0.0.0000; 0.0.0400 is a subchannel without a devno (unbound, no
# dev_busid), 0.0.0500 holds devno 0.0.0500 (the same name).
OFFLINE_DASD = {"preset": "dasd", "online": 0}
AMBIGUOUS = {"subchannels": [
    {"sch": "0.0.0000", "devno": "0.0.e000", "chpids": "40", "dev": {"preset": "dasd"}},
    {"sch": "0.0.0100", "devno": "0.0.0200", "chpids": "40", "dev": OFFLINE_DASD},
    {"sch": "0.0.0200", "devno": "0.0.0300", "chpids": "40", "dev": OFFLINE_DASD},
    {"sch": "0.0.0400", "devno": "none", "chpids": "40", "driver": "none"},
    {"sch": "0.0.0500", "devno": "0.0.0500", "chpids": "40", "dev": OFFLINE_DASD},
]}

UUID = "7e270a25-e163-4922-af60-757fc8ed48c9"


@pytest.fixture
def root(make_tree, tmp_path):
    return make_tree(AMBIGUOUS, tmp_path)


def subchannel_of(run_zvfio, root, ident):
    """The subchannel zvfio resolves IDENT to (show --json); fails on exit 2 ('is both')."""
    res = run_zvfio("show", ident, "--json", root=root)
    assert res.returncode == 0, (ident, res.stderr)
    [sch] = json.loads(res.stdout)["subchannels"]
    return sch["id"]


def hinted_ids(hint):
    """The device IDs in the zvfio commands a hint suggests ('zvfio prepare X', ...)."""
    return re.findall(r"zvfio (?:prepare|release|define)(?: --offline)? (\S+?)[',;)]*(?:\s|$)",
                      hint + " ")


# --- hints resolve to the device they are about ---------------------------------------

def test_the_issues_hint_resolves_to_the_device(root, run_zvfio, kernel):
    """hostdev ccw:0.0.0300 suggested 'zvfio prepare 0.0.0200' (the subchannel's bare
    name), which is also devno 0.0.0200 on subchannel 0.0.0100: running it exited 2."""
    res = run_zvfio("hostdev", "ccw:0.0.0300", root=root)
    assert res.returncode == 3, res.stderr
    assert "       or: zvfio prepare 0.0.0300\n" in res.stderr, res.stderr
    assert "zvfio prepare 0.0.0200" not in res.stderr
    kernel(root)
    prepared = run_zvfio("prepare", "0.0.0300", root=root)
    assert prepared.returncode == 0, prepared.stderr
    assert prepared.stdout == ("0.0.0300 (subchannel 0.0.0200): bound to vfio_ccw (was "
                               "io_subchannel)\n")


@pytest.mark.parametrize("ident, subchannel, name", [
    ("ccw:0.0.0300", "0.0.0200", "0.0.0300"),       # no subchannel 0.0.0300: bare
    ("sch:0.0.0200", "0.0.0200", "0.0.0300"),
    ("sch:0.0.0100", "0.0.0100", "ccw:0.0.0200"),   # subchannel 0.0.0200 exists too
    ("ccw:0.0.0200", "0.0.0100", "ccw:0.0.0200"),
    ("0.0.0500", "0.0.0500", "0.0.0500"),           # devno = its own subchannel's name
    ("sch:0.0.0400", "0.0.0400", "sch:0.0.0400"),   # no devno: the subchannel
])
def test_every_hint_and_device_resolves_to_the_device(root, run_zvfio, ident, subchannel, name):
    """check --op start: the device each violation names and every ID its hints pass
    to zvfio resolve to the subchannel checked, never to another or to 'is both'."""
    res = run_zvfio("check", ident, "--op", "start", "--json", root=root)
    assert res.returncode == 3, res.stderr
    violations = json.loads(res.stdout)["violations"]
    assert violations
    ids = set()
    for v in violations:
        assert (v["device"], v["subchannel"]) == (name, subchannel), v
        ids.add(v["device"])
        ids.update(hinted_ids(v["hint"]))
    assert any(hinted_ids(v["hint"]) for v in violations), violations
    for hinted in ids:
        assert subchannel_of(run_zvfio, root, hinted) == subchannel, hinted


def test_define_hint_of_hostdev_resolves(root, run_zvfio):
    """hostdev of a subchannel without an mdev names 'zvfio define X' for that device."""
    mdevless = dict(AMBIGUOUS, subchannels=[dict(s) for s in AMBIGUOUS["subchannels"]])
    mdevless["subchannels"][1].update(driver="vfio_ccw")
    del mdevless["subchannels"][1]["dev"]
    import zvfio_fixtures
    tree = zvfio_fixtures.build_tree(mdevless, root.parent / "mdevless")
    res = run_zvfio("hostdev", "sch:0.0.0100", root=tree)
    assert res.returncode == 4, res.stderr
    assert res.stderr == ("zvfio: device ccw:0.0.0200 (subchannel 0.0.0100) has no vfio-ccw "
                          "mdev; define one with --define (or 'zvfio define ccw:0.0.0200')\n")
    assert subchannel_of(run_zvfio, tree, "ccw:0.0.0200") == "0.0.0100"


# --- the devno first, the subchannel second ------------------------------------------

def test_violations_lead_with_the_devno(root, run_zvfio):
    """The issue's 'error: ccw.online: 0.0.0000: device 0.0.e000 ...'."""
    for ident in ("0.0.e000", "sch:0.0.0000", "ccw_0_0_e000", "css_0_0_0000"):
        res = run_zvfio("check", ident, root=root)
        assert res.returncode == 3
        assert res.stdout.startswith("error: ccw.online: 0.0.e000 (subchannel 0.0.0000): device "
                                     "0.0.e000 is online in the host"), res.stdout
        doc = json.loads(run_zvfio("check", ident, "--json", root=root).stdout)
        [v] = doc["violations"]
        assert (v["device"], v["subchannel"]) == ("0.0.e000", "0.0.0000")
    # a PCI function and an ID that names no device have no subchannel
    missing = json.loads(run_zvfio("check", "0.0.7777", "--op", "define", "--json",
                                   root=root).stdout or '{"violations": []}')
    assert all(v["subchannel"] is None for v in missing["violations"])


def test_prepare_and_release_lead_with_the_devno(root, run_zvfio, kernel):
    kernel(root)
    res = run_zvfio("prepare", "--offline", "sch:0.0.0000", root=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout == ("0.0.e000 (subchannel 0.0.0000): bound to vfio_ccw (was io_subchannel)\n"
                          "ccw device 0.0.e000: set offline ('zvfio release' sets it online "
                          "again)\n")
    assert "warning: ccw.online: 0.0.e000 (subchannel 0.0.0000): " in res.stderr
    res = run_zvfio("prepare", "0.0.e000", root=root)
    assert res.stdout == ("0.0.e000 (subchannel 0.0.0000): already bound to vfio_ccw; nothing "
                          "to do\n")
    res = run_zvfio("release", "0.0.e000", root=root)
    assert res.returncode == 0, res.stderr
    assert res.stdout == ("0.0.e000 (subchannel 0.0.0000): bound to io_subchannel again (was "
                          "vfio_ccw)\nccw device 0.0.e000: set online again\n")
    # without a devno there is only the subchannel to lead with
    res = run_zvfio("release", "sch:0.0.0400", root=root)
    assert res.stdout == ("subchannel 0.0.0400: not bound to vfio_ccw and no zvfio record; "
                          "nothing to release\n")


def test_a_failed_binding_leads_with_the_devno(root, run_zvfio):
    """Without the kernel emulator nothing binds: the error names the devno first."""
    res = run_zvfio("prepare", "--settle-timeout", "100", "0.0.0300", root=root)
    assert res.returncode == 1
    assert res.stderr.startswith("zvfio: 0.0.0300: subchannel 0.0.0200: the kernel did not "
                                 "unbind it"), res.stderr


# --- wording ----------------------------------------------------------------------------

def test_a_refused_define_does_not_claim_an_undefine(mdevctl_ns, zvfio_bin, callout_bin,
                                                      make_tree, tmp_path):
    # (mdevctl_ns: its checks that unshare and mdevctl are there; the run is ours, with
    # the policy script as the callout it installs)
    """A callout that refuses 'pre define' (a site policy in front of zvfio-callout; the
    rules zvfio runs first pass): nothing was defined, so nothing was 'undefined again'."""
    tree = make_tree("rules-ccw", tmp_path)
    policy = tmp_path / "site-callout"
    # (it reads the definition mdevctl writes to it first, as a callout does: mdevctl
    # does not count a callout that left before it could write)
    policy.write_text('#!/bin/sh\n'
                      'case " $* " in *" -e pre -a define "*) cat >/dev/null; '
                      'echo "site policy: no" >&2; exit 1 ;; esac\n'
                      f'exec {callout_bin} "$@"\n')
    policy.chmod(0o755)
    env = dict(os.environ, ZVFIO_ALLOW_ROOTED_MDEVCTL="1", LC_ALL="C.UTF-8")
    res = subprocess.run(["/bin/sh", str(MDEVCTL_NS), str(tree), str(policy), str(zvfio_bin),
                          "--root", str(tree), "define", "sch:0.0.0144", "--uuid", UUID,
                          "--start"], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 8, res.stderr
    assert "site policy: no" in res.stderr
    assert "undefined again" not in res.stderr
    assert res.stderr.rstrip().endswith(f"; mdev {UUID} was not defined (nothing changed)"), \
        res.stderr
    assert not (tree / "etc/mdevctl.d/0.0.0144" / UUID).exists()


def test_hostdev_with_a_domain_xml_refuses_to_generate_not_to_attach(run_zvfio, make_tree,
                                                                      tmp_path):
    tree = make_tree("guest-passthrough", tmp_path)
    res = run_zvfio("hostdev", "0.0.1001", "--guest-devno", "fe.0.0001", "--domain-xml",
                    LIBVIRT_DATA / "s390x-guest.xml", root=tree)
    assert res.returncode == 3
    assert "refusing to attach" not in res.stderr
    assert res.stderr.endswith("zvfio: refusing to generate a hostdev for 0.0.1001 (see the rule "
                               "violations above)\n"), res.stderr


@pytest.mark.skipif(os.path.exists("/sys/bus/css/devices"), reason="this host is an s390")
def test_not_s390_says_its_advice_once(run_zvfio, make_tree, tmp_path):
    res = run_zvfio("list")
    assert res.returncode == 5
    assert res.stderr == ("zvfio: no channel subsystem: /sys/bus/css/devices does not exist; "
                          "this is not an s390 host (zvfio --root DIR reads a sysfs tree)\n")
    tree = make_tree("no-css", tmp_path)
    res = run_zvfio("list", root=tree)
    assert res.returncode == 5
    assert res.stderr == (f"zvfio: no channel subsystem below root {tree}: /sys/bus/css/devices "
                          "does not exist; not an s390 sysfs tree (check the --root directory "
                          "or ZVFIO_ROOT)\n")


@pytest.mark.parametrize("ident, problem", [
    ("0.4.0100", "the subchannel set (S in 0.S.XXXX) must be 0-3"),
    ("sch:0.7.0001", "the subchannel set (S in 0.S.XXXX) must be 0-3"),
    ("ccw:0.f.1234", "the subchannel set (S in 0.S.XXXX) must be 0-3"),
    ("1.0.0100", "the channel subsystem (the first number of 0.S.XXXX) is always 0 in Linux"),
    ("0.0.100", "the number needs four hex digits (0.S.XXXX, e.g. 0.0.0100)"),
])
def test_a_bad_bus_id_says_what_is_wrong(root, run_zvfio, ident, problem):
    for command in ("show", "check", "prepare", "hostdev"):
        res = run_zvfio(command, ident, root=root)
        assert res.returncode == 2, res.stderr
        assert res.stderr == f"zvfio: '{ident}' is not a device id: {problem}\n"


def test_autostart_warning_names_no_variable(run_zvfio, run_callout, make_tree, tmp_path):
    """The variable only turns the refusal into a warning: a warning does not name it."""
    tree = make_tree("rules-ccw", tmp_path)
    doc = json.loads(run_zvfio("check", "0.0.2002", "--json", root=tree).stdout)
    [v] = doc["violations"]
    assert (v["rule"], v["severity"]) == ("ccw.autostart-not-persistent", "warning")
    assert "ZVFIO_ALLOW_VOLATILE_AUTOSTART" not in v["hint"]
    auto = json.dumps({"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": []})
    refused = run_callout("pre", "define", parent="0.0.0144", input=auto, root=tree)
    assert refused.returncode == 3
    assert "to accept it, set ZVFIO_ALLOW_VOLATILE_AUTOSTART=1" in unwrap_violations(refused.stderr)
    relaxed = run_callout("pre", "define", parent="0.0.0144", input=auto, root=tree,
                          env={"ZVFIO_ALLOW_VOLATILE_AUTOSTART": "1"})
    assert relaxed.returncode == 0
    assert "warning: ccw.autostart-not-persistent" in relaxed.stderr
    assert "ZVFIO_ALLOW_VOLATILE_AUTOSTART" not in relaxed.stderr


def test_vfio_bound_hint_names_managed(run_zvfio, make_tree, tmp_path):
    tree = make_tree("rules-zpci", tmp_path)
    doc = json.loads(run_zvfio("check", "0020:00:00.0", "--op", "attach", "--json",
                               root=tree).stdout)
    [v] = [v for v in doc["violations"] if v["rule"] == "zpci.vfio-bound"]
    assert "zvfio hostdev --managed 0020:00:00.0" in v["hint"]
    assert v["subchannel"] is None and v["device"] == "0020:00:00.0"


# --- lines of at most 100 columns -------------------------------------------------------

def check_lines(text, width=100):
    """Every line of TEXT fits WIDTH columns, unless it is one word after its indent."""
    for line in text.splitlines():
        assert len(line) <= width or " " not in line.strip(), line


@pytest.mark.parametrize("spec", ["rules-ccw", "rules-zpci", "all-kinds", "bind"])
def test_violations_fit_100_columns(spec, run_zvfio, make_tree, tmp_path):
    """Every device of the spec, for every operation: the message on its lines, the fix on
    its own; unwrapped they are exactly the one-line text and the JSON's message."""
    tree = make_tree(spec, tmp_path)
    inventory = json.loads(run_zvfio("list", "--json", root=tree).stdout)
    ids = [f"sch:{s['id']}" for s in inventory["subchannels"]]
    ids += [f["address"] for f in inventory.get("pci_functions", [])]
    assert ids
    seen = 0
    for op in ("check", "define", "start", "attach", "prepare"):
        text = run_zvfio("check", *ids, "--op", op, root=tree)
        check_lines(text.stdout)
        doc = json.loads(run_zvfio("check", *ids, "--op", op, "--json", root=tree).stdout)
        joined = [line for line in unwrap_violations(text.stdout).splitlines()
                  if line.startswith(("error: ", "warning: "))]
        assert len(joined) == len(doc["violations"])
        for line, v in zip(joined, doc["violations"]):
            assert f": {v['message']} (fix: {v['hint']})" in line or \
                line.endswith(f": {v['message']}"), (line, v)
        seen += len(joined)
    assert seen > 0


def test_golden_outputs_fit_100_columns(repo_root):
    """The rule outputs the goldens keep (check, hostdev, attach, the callout)."""
    golden = repo_root / "tests/integration/golden"
    for sub in ("check", "hostdev", "callout", "bind"):
        for path in sorted((golden / sub).glob("*")):
            if path.suffix in (".txt", ".err"):
                text = "\n".join(line for line in path.read_text().splitlines()
                                 if not line.startswith("zvfio: "))   # one-line errors
                check_lines(text)


def _stderr_on_a_terminal(argv, columns):
    """ARGV's stderr as a terminal of COLUMNS columns shows it (a pty), and its exit code."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST   # no \n -> \r\n: the bytes as zvfio wrote them
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:   # EIO: the last writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks).decode(), proc.wait(timeout=30)


@pytest.mark.parametrize("columns,width", [(80, 80), (200, 100), (20, 100)])
def test_errors_wrap_at_a_terminal_and_stay_one_line_elsewhere(zvfio_bin, root, columns, width):
    """At a terminal an error wraps at its width (at most 100 columns; a terminal
    narrower than 40 columns is taken as 100), continued with 4 spaces as a
    violation is; in a pipe or a log it stays one line, whole for grep and scripts.
    Both say the same words."""
    argv = [zvfio_bin, "--root", root, "show", "a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5g"]
    piped = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=30)
    assert piped.returncode == 2
    one = piped.stderr.splitlines()
    assert len(one) == 1 and len(one[0]) > 200, piped.stderr
    shown, code = _stderr_on_a_terminal(argv, columns)
    assert code == 2
    lines = shown.splitlines()
    assert len(lines) > 1, shown
    assert all(len(line) <= width for line in lines), lines
    assert lines[0].startswith("zvfio: ") and all(l.startswith("    ") for l in lines[1:])
    assert " ".join([lines[0]] + [l[4:] for l in lines[1:]]) == one[0]
