"""ansible-test sanity on the zvfio collection without a network (test_ansible.py).

ansible-test (Debian 12's ansible-core 2.14) runs each sanity test that needs Python
packages in a virtual environment of its own, under ~/.ansible/test/venv/sanity.NAME/
VERSION/HASH, which it fills with pip from PyPI (pinned versions, and pip itself from
ci-files.testing.ansible.com). Neither is reachable here, and nothing may come from
PyPI: the packages come from Debian instead (python3-yaml, python3-jinja2,
python3-voluptuous, python3-pycodestyle, pylint, yamllint; tools/setup.sh installs
them). So this helper lets ansible-test name the environment it wants (run with
--prime-venvs, it makes the environments only and stops with 'Python 3.11 at
"DIR/bin/python" does not have pip available'), makes DIR a venv of Debian's python3
with the system's site packages, marks it complete as ansible-test itself does once
pip is done (marker.txt, meta.install.json, meta.yaml.json), and runs it again, until
it asks for none; then it runs the tests. The tests then run with Debian's versions
of those tools instead of ansible-test's pins; which ran and which had nothing to
check is read from ansible-test's own output.

The collection is copied to a temporary ansible_collections/zvfio/zvfio first, so
ansible-test's results (tests/output) never land in the checkout, and HOME is a
temporary directory, so nothing outside the test's directory is touched."""

import os
import re
import shutil
import subprocess
from pathlib import Path

PYTHON = "/usr/bin/python3"
VERSION = "3.11"
NO_PIP = re.compile(r'^FATAL: Python [0-9.]+ at "(?P<venv>/[^"]+)/bin/python" does not have pip available',
                    re.M)
RUNNING = re.compile(r'^Running sanity test "(?P<name>[^"]+)"')


def seed_venv(path):
    """A venv at PATH from Debian's python3 and its packages, marked complete the way
    ansible-test marks one it filled itself."""
    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", str(path)],
                   check=True)
    (path / "meta.install.json").write_text("[]\n")
    (path / "meta.yaml.json").write_text("true\n")      # Debian's PyYAML has libyaml
    (path / "marker.txt").write_text("")


def outcome(output):
    """(tests that ran, tests with nothing to check) from ansible-test -v's output."""
    ran, skipped, current = [], [], None
    for line in output.splitlines():
        m = RUNNING.match(line)
        if m:
            current = m.group("name")
            ran.append(current)
        elif current and line.startswith(("No tests applicable", "Skipping sanity test")):
            ran.remove(current)
            skipped.append(current)
            current = None
    return ran, skipped


def run_sanity(collection, workdir, tests=(), change=None):
    """ansible-test sanity --local on a copy of COLLECTION below WORKDIR (CHANGE(copy)
    may alter it first); TESTS limits it. Returns (last process, ran, skipped)."""
    workdir = Path(workdir)
    copy = workdir / "ansible_collections" / "zvfio" / "zvfio"
    shutil.copytree(collection, copy, ignore=shutil.ignore_patterns("output", "__pycache__"))
    if change:
        change(copy)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), LC_ALL="C.UTF-8", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    argv = ["ansible-test", "sanity", "--local", "--python", VERSION,
            "--python-interpreter", f"/usr/bin/python{VERSION}", "-v", "--color", "no"]
    for name in tests:
        argv += ["--test", name]
    seeded = set()
    # --prime-venvs only makes the environments (every test is skipped): each run
    # stops at the first one pip would fill, which is seeded before the next run
    prime = ["--prime-venvs"]
    while True:
        res = subprocess.run(argv + prime, cwd=copy, capture_output=True, text=True, env=env,
                             timeout=900)
        m = NO_PIP.search(res.stdout + res.stderr)
        if m is None or m.group("venv") in seeded:
            if prime:
                prime = []          # all made: the real run
                continue
            ran, skipped = outcome(res.stdout + res.stderr)
            return res, ran, skipped
        seeded.add(m.group("venv"))
        seed_venv(m.group("venv"))
