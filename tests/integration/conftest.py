"""Shared pytest fixtures for zvfio integration tests."""

import re
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "tests" / "reference"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"

sys.path.insert(0, str(FIXTURES_DIR))
import zvfio_fixtures  # noqa: E402  (needs the sys.path entry above)


@pytest.fixture
def repo_root():
    """Path of the zvfio repository."""
    return REPO_ROOT


@pytest.fixture
def make_tree():
    """Return make_tree(spec_name_or_dict, tmp_path) -> Path of a freshly generated fake root."""
    def _make_tree(spec, tmp_path):
        name = spec if isinstance(spec, str) else "custom"
        return zvfio_fixtures.build_tree(spec, Path(tmp_path) / f"root-{Path(name).stem}")
    return _make_tree


# --- built binaries -----------------------------------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import stat  # noqa: E402

BUILD_DIR = Path(os.environ.get("ZVFIO_BUILD_DIR", REPO_ROOT / "build"))
# A command that every zvfio binary the fixtures start runs under, e.g.
# ZVFIO_WRAPPER="valgrind --error-exitcode=99 ..." (tests/valgrind/run.sh).
WRAPPER = os.environ.get("ZVFIO_WRAPPER", "").split()
# Test timeouts are multiplied by this under a slow wrapper (ZVFIO_TIMEOUT_FACTOR).
TIMEOUT_FACTOR = float(os.environ.get("ZVFIO_TIMEOUT_FACTOR", "1"))


def wrapped(argv):
    """ARGV (a zvfio binary first) run under ZVFIO_WRAPPER, when one is set."""
    return WRAPPER + [str(a) for a in argv]
GOLDEN_DIR = REPO_ROOT / "tests" / "integration" / "golden"


@pytest.fixture(scope="session")
def build_dir():
    """The meson build directory holding the binaries under test (ZVFIO_BUILD_DIR)."""
    if not (BUILD_DIR / "src" / "zvfio" / "zvfio").exists():
        pytest.fail(f"zvfio is not built in {BUILD_DIR}; run meson compile or set ZVFIO_BUILD_DIR")
    return BUILD_DIR


@pytest.fixture(scope="session")
def zvfio_bin(build_dir):
    """Path of the built zvfio CLI."""
    return build_dir / "src" / "zvfio" / "zvfio"


@pytest.fixture
def run_zvfio(zvfio_bin):
    """Return run(*args, root=None, input=None, env=None) -> CompletedProcess of zvfio."""
    def _run(*args, root=None, input=None, env=None, timeout=60):
        argv = wrapped([zvfio_bin])
        if root is not None:
            argv += ["--root", str(root)]
        argv += [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.pop("ZVFIO_ROOT", None)
        full_env["LC_ALL"] = "C.UTF-8"
        if env:
            full_env.update(env)
        return subprocess.run(argv, input=input, capture_output=True, text=True,
                              env=full_env, timeout=timeout * TIMEOUT_FACTOR)
    return _run


def check_golden(name, text):
    """Compare TEXT with tests/integration/golden/NAME; ZVFIO_REGEN_GOLDEN=1 rewrites it."""
    path = GOLDEN_DIR / name
    if os.environ.get("ZVFIO_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path} (set ZVFIO_REGEN_GOLDEN=1 to create)"
    assert text == path.read_text(), f"output differs from golden file {path}"


HOOK_LINE_PREFIX = re.compile(r"^zvfio-hook: [^ ]*: ")


def unwrap_violations(text, prefix=None):
    """TEXT with each rule violation zvfio printed back on one line. zvfio breaks a
    violation into its message lines (continued with 4 spaces) and its fix lines
    ("  fix: ", continued with 7 spaces), at most 100 columns each; this joins them
    as 'SEVERITY: RULE: DEVICE: message (fix: hint)'. PREFIX: what every line starts
    with; None: zvfio-hook's "zvfio-hook: DOMAIN: " where a line has it, else nothing."""
    lines, in_fix, last = [], False, None
    for line in text.splitlines():
        if prefix is None:
            match = HOOK_LINE_PREFIX.match(line)
            this = match.group(0) if match else ""
        else:
            this = prefix if line.startswith(prefix) else None
        body = line[len(this):] if this is not None else None
        same = bool(lines) and body is not None and this == last
        if same and body.startswith("  fix: "):
            lines[-1] += (")" if in_fix else "") + " (fix: " + body[len("  fix: "):]
            in_fix = True
        elif same and in_fix and body.startswith(" " * 7):
            lines[-1] += " " + body[7:]
        elif same and not in_fix and body.startswith("    ") and body[4:5] not in ("", " "):
            lines[-1] += " " + body[4:]
        else:
            if in_fix:
                lines[-1] += ")"
            in_fix = False
            lines.append(line)
            last = this
    if in_fix:
        lines[-1] += ")"
    return "".join(line + "\n" for line in lines)


# --- driver binding and zvfio-hook -------------------------------------------------

@pytest.fixture(scope="session")
def hook_bin(build_dir):
    """Path of what libvirt runs as /etc/libvirt/hooks/qemu.d/zvfio: zvfio-hook-gate,
    which execs zvfio-hook (next to it) when there is work."""
    for name in ("zvfio-hook-gate", "zvfio-hook"):
        if not (build_dir / "callouts" / name).exists():
            pytest.fail(f"{name} is not built in {build_dir}")
    return build_dir / "callouts" / "zvfio-hook-gate"


@pytest.fixture
def run_hook(hook_bin):
    """Return run(root, domain, op, subop, xml_text) -> CompletedProcess of the hook,
    invoked the way libvirt does (argv DOMAIN OP SUBOP EXTRA, domain XML on stdin);
    binary= runs another program (e.g. zvfio-hook itself) instead of the gate."""
    def _run(root, domain, op, subop, xml="", extra="-", env=None, timeout=60, binary=None):
        full_env = dict(os.environ)
        full_env["ZVFIO_ROOT"] = str(root)
        full_env["LC_ALL"] = "C.UTF-8"
        if env:
            full_env.update(env)
        return subprocess.run(wrapped([binary or hook_bin, domain, op, subop, extra]), input=xml,
                              capture_output=True, text=True, env=full_env,
                              timeout=timeout * TIMEOUT_FACTOR)
    return _run


@pytest.fixture
def kernel():
    """Return start(root, **knobs) -> a running KernelEmulator (stopped after the test)."""
    from kernel_emulator import KernelEmulator
    started = []

    def _start(root, **knobs):
        emulator = KernelEmulator(root, **knobs)
        emulator.__enter__()
        started.append(emulator)
        return emulator
    yield _start
    for emulator in started:
        emulator.__exit__(None, None, None)


def host_state(root, parts=("sys", "etc")):
    """Everything release must restore: path -> (kind, link target / content, mode), plus
    the nanosecond mtimes of regular files (to prove that nothing was written at all)."""
    state, mtimes = {}, {}
    for part in parts:
        for dirpath, dirnames, filenames in os.walk(Path(root) / part):
            for name in dirnames + filenames:
                p = Path(dirpath, name)
                rel = str(p.relative_to(root))
                st = p.lstat()
                if p.is_symlink():
                    state[rel] = ("link", os.readlink(p))
                elif stat.S_ISFIFO(st.st_mode):
                    state[rel] = ("fifo", None, st.st_mode & 0o7777)   # never read: it blocks
                elif p.is_dir():
                    state[rel] = ("dir", None, st.st_mode & 0o7777)
                else:
                    state[rel] = ("file", p.read_bytes(), st.st_mode & 0o7777)
                    mtimes[rel] = st.st_mtime_ns
    return state, mtimes


# --- zvfio-callout and the real mdevctl --------------------------------------

import shutil  # noqa: E402

MDEVCTL_NS = REPO_ROOT / "tests" / "integration" / "mdevctl-ns.sh"


@pytest.fixture(scope="session")
def callout_bin(build_dir):
    """Path of the built zvfio-callout."""
    path = build_dir / "callouts" / "zvfio-callout"
    if not path.exists():
        pytest.fail(f"zvfio-callout is not built in {build_dir}")
    return path


@pytest.fixture
def run_callout(callout_bin):
    """Return run(event, action, parent, input=None, type=, uuid=, state=, root=, env=, argv=)."""
    def _run(event="pre", action="define", parent="0.0.0140", input=None, type="vfio_ccw-io",
             uuid="11111111-2222-3333-4444-555555555555", state="none", root=None, env=None,
             argv=None, timeout=30):
        if argv is None:
            argv = ["-t", type, "-e", event, "-a", action, "-s", state, "-u", uuid, "-p", parent]
        full_env = dict(os.environ)
        full_env.pop("ZVFIO_ROOT", None)
        full_env.pop("ZVFIO_ALLOW_VOLATILE_AUTOSTART", None)
        full_env.pop("MDEVCTL_ENV_ROOT", None)
        if root is not None:
            full_env["ZVFIO_ROOT"] = str(root)
        if env:
            full_env.update(env)
        return subprocess.run(wrapped([callout_bin] + list(argv)), input=input,
                              capture_output=True, text=True, env=full_env,
                              timeout=timeout * TIMEOUT_FACTOR)
    return _run


def _can_unshare():
    """True when this process may create a mount namespace (root, unshare available)."""
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.fixture
def mdevctl_ns(callout_bin):
    """Return run(root, *command, env=None): COMMAND in a private mount namespace where the
    real mdevctl sees ROOT/etc/mdevctl.d and runs zvfio-callout (tests/integration/mdevctl-ns.sh)."""
    if not _can_unshare():
        if os.geteuid() == 0:
            pytest.fail("running as root, but 'unshare -m true' fails: the mdevctl tests need a "
                        "private mount namespace (is / a mount point?)")
        pytest.skip("needs root and unshare -m for the private mount namespace")
    if shutil.which("mdevctl") is None:
        pytest.fail("mdevctl is not installed (apt install mdevctl)")

    def _run(root, *command, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("ZVFIO_ALLOW_VOLATILE_AUTOSTART", None)
        full_env["LC_ALL"] = "C.UTF-8"
        if env:
            full_env.update(env)
        argv = ["/bin/sh", str(MDEVCTL_NS), str(root), str(callout_bin)] + [str(c) for c in command]
        return subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout)
    return _run


# --- domain XML, hostdev and libvirt ------------------------------------------

LIBVIRT_DATA = REPO_ROOT / "tests" / "integration" / "libvirt"
LIBVIRT_SCHEMAS = Path("/usr/share/libvirt/schemas")


@pytest.fixture
def passthrough_root(make_tree, tmp_path):
    """A fake root from specs/guest-passthrough.json (vfio_ccw subchannels with and
    without mdevs, an ISM and an NVMe function on vfio-pci)."""
    return make_tree("guest-passthrough", tmp_path)


@pytest.fixture
def test_uri(tmp_path):
    """A test:///<tmp copy of tests/integration/libvirt/node.xml> URI. The test driver
    keeps its state per connection: every zvfio run starts from this file again."""
    copy = tmp_path / "node.xml"
    copy.write_text((LIBVIRT_DATA / "node.xml").read_text())
    return f"test://{copy}"


def validate_domain_rng(xml_text, tmp_path, name="domain.xml"):
    """Validate a complete domain XML against libvirt's installed domain.rng (xmllint)."""
    path = Path(tmp_path) / name
    path.write_text(xml_text)
    result = subprocess.run(["xmllint", "--noout", "--relaxng",
                             str(LIBVIRT_SCHEMAS / "domain.rng"), str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- zvfio check --domain vs. zvfio-hook ----------------------------------------

def violation_lines(text, prefix=""):
    """The 'SEVERITY: RULE: DEVICE: message' part of each violation of TEXT (lines
    starting with PREFIX, which is dropped; the '(fix: ...)' part is dropped too: the
    CLI adds its own options to the hints, the hook shows the plain part only)."""
    lines = []
    for line in unwrap_violations(text, prefix).splitlines():   # each on its one line
        if not line.startswith(prefix):
            continue
        line = line[len(prefix):]
        if line.startswith(("error: ", "warning: ")):
            lines.append(line.split(" (fix: ", 1)[0])
    return lines


def assert_same_answer(check, hook, domain):
    """`zvfio check --domain[-xml]` (CHECK) gave the answer zvfio-hook (HOOK) gave for
    DOMAIN at 'prepare begin': the same violations in the same order, the same refusal
    exit code, the same error message. A hook that passed the checks may still fail
    later, when it acts (mdevctl, binding): check cannot see that, and exits 0."""
    prefix = f"zvfio-hook: {domain}: "
    assert violation_lines(check.stdout) == violation_lines(hook.stderr, prefix), \
        (check.stdout, hook.stderr)
    refusals = (3, 4, 7)           # a rule, an unknown device, invalid input
    if check.returncode == 0:
        assert hook.returncode not in refusals, (check.stdout, hook.stderr)
    else:
        assert hook.returncode == check.returncode, (check.stdout, check.stderr, hook.stderr)
    if check.returncode in (4, 7):
        message = check.stderr.strip().removeprefix("zvfio: ")
        assert f"{prefix}{message}" in hook.stderr.splitlines(), (check.stderr, hook.stderr)
