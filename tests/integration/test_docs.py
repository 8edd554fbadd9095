"""Manual pages (docs/man/*.8): they render without a single groff warning, name only
pages that exist, and cannot drift from the CLI: every command of `zvfio --help`, every
long option of every command's --help, every exit code and every ZVFIO_* variable the
code reads is documented."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAN_DIR = REPO / "docs" / "man"
PAGES = sorted(MAN_DIR.glob("*.8"))

# Pages of other projects a SEE ALSO (or any cross reference) may name: only pages that
# Debian 12 ships in a package zvfio depends on, recommends or works with. Checked
# against the package contents (dpkg -c of the bookworm .debs): mdevctl 1.2.0-3,
# driverctl 0.111-1, libvirt-clients and libvirt-daemon 9.0.0-4+deb12u2, s390-tools
# 2.16.0-2 (s390x only). Where the package is installed the test asks dpkg again.
EXTERNAL_PAGES = {
    ("mdevctl", "8"): "mdevctl",
    ("lsmdev", "8"): "mdevctl",
    ("driverctl", "8"): "driverctl",
    ("virsh", "1"): "libvirt-clients",
    ("libvirtd", "8"): "libvirt-daemon",
    ("lscss", "8"): "s390-tools",
    ("chccwdev", "8"): "s390-tools",
    ("cio_ignore", "8"): "s390-tools",
    ("lszdev", "8"): "s390-tools",
    ("chzdev", "8"): "s390-tools",
    ("udev", "7"): "udev",
}


def test_pages_exist():
    names = [p.name for p in PAGES]
    assert names == ["zvfio-callout.8", "zvfio-hook.8", "zvfio-udev-hint.8", "zvfio.8"], names
    assert not list(MAN_DIR.glob("*.1")), "section 1 pages are gone: the tools are admin tools (8)"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_groff_renders_without_warnings(page):
    if shutil.which("groff") is None:
        pytest.fail("groff is not installed (tools/setup.sh installs the Debian package groff)")
    proc = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == "", proc.stderr


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_man_renders_without_warnings(page):
    assert shutil.which("man") is not None, "man-db is not installed (tools/setup.sh installs it)"
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MAN_KEEP_STDERR="1")
    proc = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "SYNOPSIS" in proc.stdout


def render(page):
    """The page as plain text, one paragraph per line (no wrapping, so no hyphenation)."""
    proc = subprocess.run(["groff", "-man", "-Tascii", "-rLL=3000n", "-P-cbou", str(page)],
                          capture_output=True, text=True, check=True)
    return proc.stdout


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_domain_metadata_renders_as_written(page):
    """An alternating-font macro (.RB, .BR, ...) splits its arguments at spaces, so an
    element with an attribute lost its space: zvfio(8) rendered
    <zvfio:hookoffline='allow'/> (issue 21 §3). Every rendered zvfio:hook element reads
    as the domain XML spells it."""
    text = render(page)
    for element in re.findall(r"<zvfio:hook\S*", text):
        assert element == "<zvfio:hook", f"{page.name}: {element}"
    assert "hookoffline" not in text


def section(text, name):
    """The text of section NAME (from its heading to the next one)."""
    match = re.search(rf"^{re.escape(name)}\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)", text, re.M | re.S)
    assert match, f"no section {name}"
    return match.group(1)


def command_sections(text):
    """{command: its subsection text} from the COMMANDS section of zvfio.8."""
    parts = re.split(r"^   zvfio ([a-z]+)\b.*\n", section(text, "COMMANDS"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def long_options(help_text):
    """Long options of a GOption --help, without the ones GOption adds itself."""
    found = re.findall(r"^\s+(?:-\w, )?--([a-z][a-z-]*)", help_text, re.M)
    return [o for o in found if o not in ("help", "help-all")]


def documented_option(block, option):
    """TRUE when BLOCK has an item (a tagged paragraph) for --OPTION."""
    return re.search(rf"^       (?:-\w, )?--{re.escape(option)}\b", block, re.M) is not None


@pytest.fixture(scope="module")
def zvfio_page():
    return render(MAN_DIR / "zvfio.8")


def test_every_command_and_option_is_documented(zvfio_bin, zvfio_page):
    top = subprocess.run([str(zvfio_bin), "--help"], capture_output=True, text=True)
    assert top.returncode == 0, top.stderr
    listing = top.stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [line.split()[0] for line in listing.splitlines() if line.strip()]
    assert "list" in commands and "attach" in commands, commands
    sections = command_sections(zvfio_page)
    missing = [c for c in commands if c not in sections]
    assert not missing, f"commands of 'zvfio --help' without a subsection in zvfio.8: {missing}"
    extra = [c for c in sections if c not in commands]
    assert not extra, f"zvfio.8 documents commands zvfio does not have: {extra}"

    # the global options (--root, --connect) may follow every command too: each
    # command's --help lists them, GLOBAL OPTIONS documents them once
    global_options = [o for o in long_options(top.stdout) if o != "version"]
    undocumented = []
    for command in commands:
        if command in ("help", "version"):
            continue
        proc = subprocess.run([str(zvfio_bin), command, "--help"], capture_output=True,
                              text=True)
        assert proc.returncode == 0, (command, proc.stderr)
        options = long_options(proc.stdout)
        assert all(o in options for o in global_options), (command, options)
        for option in options:
            if option not in global_options and not documented_option(sections[command], option):
                undocumented.append(f"{command} --{option}")
    assert not undocumented, f"options missing in zvfio.8: {undocumented}"

    global_block = section(zvfio_page, "GLOBAL OPTIONS")
    for option in long_options(top.stdout) + ["help"]:
        assert documented_option(global_block, option), f"global --{option}"


def test_documented_options_exist(zvfio_bin, zvfio_page):
    """The other direction: no option in the page that the command does not take."""
    stale = []
    for command, block in command_sections(zvfio_page).items():
        if command in ("help", "version"):
            continue
        proc = subprocess.run([str(zvfio_bin), command, "--help"], capture_output=True,
                              text=True)
        real = set(long_options(proc.stdout))
        for option in re.findall(r"^       (?:-\w, )?--([a-z][a-z-]*)", block, re.M):
            if option not in real:
                stale.append(f"{command} --{option}")
    assert not stale, f"zvfio.8 documents options zvfio does not take: {stale}"


def exit_codes():
    """{name: value} of the ZV_EXIT_* enum."""
    text = (REPO / "src" / "lib" / "base" / "zv-error.h").read_text()
    codes = dict((n, int(v)) for n, v in re.findall(r"\b(ZV_EXIT_[A-Z0-9_]+) = (\d+)", text))
    assert len(codes) >= 10, codes
    return codes


def test_exit_codes_documented(zvfio_page):
    block = section(zvfio_page, "EXIT STATUS")
    listed = [int(n) for n in re.findall(r"^       (\d+)(?: |$)", block, re.M)]
    assert sorted(listed) == sorted(set(exit_codes().values())), listed


def getenv_names(*dirs):
    """Every ZVFIO_* environment variable named in the C sources below DIRS (a string
    literal, whether passed to getenv directly or through a macro)."""
    names = set()
    for d in dirs:
        for path in (REPO / d).rglob("*.[ch]"):
            names.update(re.findall(r'"(ZVFIO_[A-Z_]+)"', path.read_text()))
    return names


def names_in(name, text):
    """TRUE when TEXT documents variable NAME as a whole word."""
    return re.search(rf"\b{name}\b", text) is not None


def test_environment_documented(zvfio_page):
    lib_and_cli = getenv_names("src")
    assert "ZVFIO_ROOT" in lib_and_cli, lib_and_cli
    block = section(zvfio_page, "ENVIRONMENT")
    # ZVFIO_LOCK_TIMEOUT_MS is read by zvfio-callout only (callouts/)
    missing = [n for n in sorted(lib_and_cli) if not names_in(n, block)]
    assert not missing, f"zvfio.8 ENVIRONMENT lacks {missing}"
    callout_env = section(render(MAN_DIR / "zvfio-callout.8"), "ENVIRONMENT")
    hook_env = section(render(MAN_DIR / "zvfio-hook.8"), "ENVIRONMENT")
    for name in sorted(getenv_names("callouts")):
        assert names_in(name, callout_env) or names_in(name, hook_env), name
    for name in ("ZVFIO_ROOT", "ZVFIO_ALLOW_VOLATILE_AUTOSTART", "ZVFIO_LOCK_TIMEOUT_MS"):
        assert names_in(name, callout_env), name
    for name in ("ZVFIO_ROOT", "ZVFIO_MDEVCTL_TIMEOUT"):
        assert names_in(name, hook_env), name


def test_versions_match(zvfio_bin):
    version = subprocess.run([str(zvfio_bin), "--version"], capture_output=True,
                             text=True).stdout.split()[-1]
    for page in PAGES:
        th = next(line for line in page.read_text().splitlines() if line.startswith(".TH "))
        assert f'"zvfio {version}"' in th, (page.name, th)


def installed_man_pages(build_dir):
    proc = subprocess.run(["meson", "introspect", str(build_dir), "--installed"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    installed = json.loads(proc.stdout)
    return {Path(src).name: dest for src, dest in installed.items()
            if Path(src).parent == MAN_DIR}


def test_pages_are_installed_to_man8(build_dir):
    pages = installed_man_pages(build_dir)
    assert sorted(pages) == [p.name for p in PAGES], pages
    for name, dest in pages.items():
        assert Path(dest).parent.name == "man8" and Path(dest).name == name, dest


def references(page):
    """Every NAME(SECTION) cross reference written as .BR NAME (SECTION) in PAGE."""
    refs = re.findall(r"^\.BR ([A-Za-z0-9_.\\-]+) \((\d)\)", page.read_text(), re.M)
    return [(name.replace("\\-", "-"), sec) for name, sec in refs]


def dpkg_files(package):
    """Files of PACKAGE if it is installed, else None."""
    proc = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
    return proc.stdout.splitlines() if proc.returncode == 0 else None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_see_also_names_only_existing_pages(page, build_dir):
    ours = {(Path(p).stem, Path(p).suffix[1:]) for p in installed_man_pages(build_dir)}
    text = page.read_text()
    see_also = text.split(".SH SEE ALSO\n", 1)[1].split("\n.SH ", 1)[0]
    assert references(page), page
    assert re.findall(r"^\.BR ", see_also, re.M), "SEE ALSO names no page"
    for name, sec in references(page):
        if (name, sec) in ours:
            continue
        assert (name, sec) in EXTERNAL_PAGES, f"{page.name} names {name}({sec}), which " \
            "neither zvfio nor a Debian package it works with installs"
        files = dpkg_files(EXTERNAL_PAGES[(name, sec)])
        if files is not None:
            assert f"/usr/share/man/man{sec}/{name}.{sec}.gz" in files, (name, sec)
    # nothing but page references in SEE ALSO (no repository paths an admin does not have)
    for line in see_also.strip().splitlines():
        assert re.match(r"^\.BR [A-Za-z0-9_.\\-]+ \(\d\),?$", line), line


@pytest.mark.parametrize("name", ["zvfio-callout", "zvfio-hook", "zvfio-udev-hint"])
def test_helper_pages_match_their_help(name, build_dir):
    """--help and --version are documented; what --help names (environment, exit codes)
    is in the page."""
    text = render(MAN_DIR / f"{name}.8")
    options = section(text, "OPTIONS")
    assert documented_option(options, "help") and documented_option(options, "version")
    binary = build_dir / "callouts" / name
    proc = subprocess.run([str(binary), "--help"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=10)
    assert proc.returncode == 0 and proc.stdout, f"{name} --help: {proc.returncode} {proc.stderr}"
    for env in re.findall(r"\bZVFIO_[A-Z_]+", proc.stdout):
        assert names_in(env, section(text, "ENVIRONMENT")), env
    codes = re.search(r"Exit codes: (.*?)\.?\n(?:\S|\Z)", proc.stdout + "\n", re.S)
    assert codes, proc.stdout
    listed = [int(n) for n in re.findall(r"^       (\d+)(?: |$)", section(text, "EXIT STATUS"),
                                         re.M)]
    for number in re.findall(r"(?:^|, )(\d+) ", codes.group(1).replace("\n", " ")):
        assert int(number) in listed, (name, number)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=10)
    assert version.returncode == 0 and version.stdout.startswith(f"{name} "), version


# --- README ----------------------------------------------------------------------------

README = REPO / "README.md"


def readme_command_lines():
    """The zvfio command lines of README.md's indented examples (comments dropped)."""
    lines = []
    for line in README.read_text().splitlines():
        stripped = line.strip()
        if line.startswith("    ") and stripped.startswith("zvfio "):
            lines.append(stripped.split("  #", 1)[0].strip())
    return lines


def test_readme_commands_exist(zvfio_bin):
    """Every zvfio command line in README.md names a real command and real options."""
    lines = readme_command_lines()
    assert any(" prepare " in f" {line} " for line in lines), lines
    top = subprocess.run([str(zvfio_bin), "--help"], capture_output=True, text=True).stdout
    commands = top.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [c.split()[0] for c in commands.splitlines() if c.strip()]
    global_options = {"--" + o for o in long_options(top)} | {"--help"}
    for line in lines:
        words = line.split()[1:]
        while words and words[0].startswith("-"):      # global options and their values
            assert words[0] in global_options, line
            words = words[2:] if words[0] in ("--root", "--connect") else words[1:]
        assert words and words[0] in commands, line
        proc = subprocess.run([str(zvfio_bin), words[0], "--help"], capture_output=True,
                              text=True)
        allowed = {"--" + o for o in long_options(proc.stdout)}
        for word in words[1:]:
            if word.startswith("--"):
                assert word.split("=")[0] in allowed, line


def test_readme_rehearsal_runs_on_a_copy(zvfio_bin, tmp_path):
    """The demo rehearsal of README.md works as written, on a copy of the demo tree."""
    copy = tmp_path / "lpar"
    text = README.read_text()
    assert "cp -a examples/demo-lpar /tmp/lpar" in text
    assert "cp examples/demo-lpar-libvirt.xml /tmp/lpar-libvirt.xml" in text
    subprocess.run(["cp", "-a", str(REPO / "examples" / "demo-lpar"), str(copy)], check=True)
    subprocess.run(["cp", str(REPO / "examples" / "demo-lpar-libvirt.xml"),
                    str(copy) + "-libvirt.xml"], check=True)
    ran = 0
    for line in README.read_text().splitlines():
        if not line.startswith("    zvfio --root /tmp/lpar "):
            continue
        command, _, comment = line.strip().partition("  #")
        argv = [str(zvfio_bin)] + command.replace("/tmp/lpar", str(copy)).split()[1:]
        proc = subprocess.run(argv, capture_output=True, text=True,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))
        expected = 3 if "refused" in comment else 0
        assert proc.returncode == expected, (line, proc.stdout, proc.stderr)
        if "check: ok" in comment:
            assert comment.strip() in proc.stdout, (comment, proc.stdout)
        ran += 1
    assert ran >= 4


def test_examples_readme_commands_run_as_written(zvfio_bin):
    """examples/README.md's read-only examples on the committed demo tree exit 0 (or the
    exit code their comment names) and print what their comment says."""
    ran = 0
    for line in (REPO / "examples" / "README.md").read_text().splitlines():
        if not line.startswith("      zvfio --root examples/demo-lpar "):
            continue
        command, _, comment = line.strip().partition("  #")
        argv = [str(zvfio_bin)] + command.split()[1:]
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO,
                              env=dict(os.environ, LC_ALL="C.UTF-8"))
        code = re.search(r"\bexit (\d)\b", comment)
        assert proc.returncode == (int(code.group(1)) if code else 0), \
            (line, proc.stdout, proc.stderr)
        if "check: " in comment:
            assert comment.strip() in proc.stdout, (comment, proc.stdout)
        ran += 1
    assert ran >= 6


def test_no_doc_writes_to_the_committed_demo_tree():
    """prepare/release change the tree they work on: no documented flow or script runs
    them (or define/start/attach) on examples/demo-lpar itself."""
    writers = r"\b(prepare|release|define|undefine|start|stop)\b"
    for path in [README, REPO / "examples" / "README.md", REPO / "tools" / "setup.sh",
                 *sorted((REPO / "docs").glob("*.md")), *PAGES]:
        for line in path.read_text().splitlines():
            if re.search(r"--root[= ]\S*examples/demo-lpar\b", line):
                assert not re.search(writers, line.split("#")[0]), f"{path.name}: {line}"
