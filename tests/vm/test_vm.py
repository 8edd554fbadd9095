"""Emulated-mainframe system tests: one pytest test per guest scenario.

    /usr/bin/python3 -m pytest tests/vm -v      (or tests/vm/run.sh)

Each scenario group boots the s390x guest once (vmrunner.GROUPS); the tests of
that group then read their own result. A failing scenario fails its test with
the scenario name, the guest's one-line detail and the guest log excerpt; the
full console and per-scenario logs are under $ZVFIO_VM_ARTIFACTS
(/tmp/zvfio-vm-artifacts by default).
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vmrunner  # noqa: E402

if os.geteuid() != 0:
    pytest.skip("the emulated-mainframe tier needs root (apt, mmdebstrap, /var/cache)", allow_module_level=True)
if os.environ.get("ZVFIO_VM_SKIP"):
    pytest.skip("ZVFIO_VM_SKIP is set", allow_module_level=True)

_runs: dict[str, vmrunner.GroupRun] = {}


@pytest.fixture(scope="session")
def images():
    if not shutil.which("apt-get"):
        pytest.skip("needs a Debian machine (apt-get)")
    try:
        return vmrunner.build_images()
    except Exception as e:  # the build scripts print what failed
        pytest.fail(f"building the emulated mainframe failed: {e}", pytrace=False)


def _run(group: vmrunner.Group, images) -> vmrunner.GroupRun:
    if group.name not in _runs:
        _runs[group.name] = vmrunner.run_group(group, images)
        r = _runs[group.name]
        print(f"\n[vm] group {group.name}: {r.seconds:.0f} s, artefacts {r.artifacts}")
    return _runs[group.name]


def _report(run: vmrunner.GroupRun, name: str, expect: str | None = None):
    r = run.results[name]
    where = f"console: {run.console}" + (f"\nscenario log: {r.log}" if r.log else "")
    if expect is not None:
        assert r.status == expect, (f"scenario {name}: expected {expect}, got {r.status}: {r.detail}\n"
                                    f"--- guest log excerpt ---\n{r.excerpt}\n--- {where}")
        return r
    if r.status == "PASS":
        return r
    if r.status == "SKIP":
        pytest.skip(f"{name}: {r.detail}")
    if r.status == "XFAIL":
        pytest.xfail(f"{name}: {r.detail}")
    pytest.fail(f"scenario {name} (group {run.group}) FAILED: {r.detail}\n"
                f"--- guest log excerpt ({name}) ---\n{r.excerpt}\n--- full logs\n{where}", pytrace=False)


@pytest.mark.parametrize("scenario", vmrunner.scenario_names())
def test_scenario(scenario, images):
    _report(_run(vmrunner.group_of(scenario), images), scenario)


def test_runner_markers_and_guest_timeout(images):
    """The runner parses PASS/SKIP markers, and a hanging scenario is killed by
    the in-guest timeout and reported as FAIL with its log excerpt."""
    run = _run(vmrunner.SELFTEST_GROUP, images)
    _report(run, "selftest-pass", "PASS")
    _report(run, "selftest-skip", "SKIP")
    r = _report(run, "selftest-hang", "FAIL")
    assert "timed out after 5 s" in r.detail, r.detail
    assert "must be killed by the in-guest timeout" in r.excerpt, r.excerpt


def test_runner_host_timeout(images):
    """A guest that never finishes is killed by the host-side timeout; the
    unfinished scenario fails naming the timeout and the scenario."""
    g = vmrunner.SELFTEST_GROUP
    run = vmrunner.run_group(g, images, scenarios=[("selftest-hang", 600)], host_timeout=45)
    r = run.results["selftest-hang"]
    assert r.status == "FAIL"
    assert "host timeout" in r.detail and "selftest-hang" in r.detail, r.detail
    assert run.seconds < 70, run.seconds


def test_qemu_starts_every_device_set(capsys):
    """QEMU realizes every group's device set on this host's packages alone
    (no option ROM or firmware from a package that is only recommended)."""
    rc = vmrunner.probe_groups()
    out = capsys.readouterr().out
    assert rc == 0, out
