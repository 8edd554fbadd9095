"""Shared pytest fixtures for zvfio integration tests."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"

sys.path.insert(0, str(FIXTURES_DIR))
import zvfio_fixtures  # noqa: E402  (needs the sys.path entry above)


@pytest.fixture
def repo_root():
    """Path of the zvfio repository."""
    return REPO_ROOT


@pytest.fixture
def shared_dir():
    """Path of the shared facts/reference directory (<repo>/../shared)."""
    return SHARED_DIR


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

BUILD_DIR = Path(os.environ.get("ZVFIO_BUILD_DIR", REPO_ROOT / "build"))
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
        argv = [str(zvfio_bin)]
        if root is not None:
            argv += ["--root", str(root)]
        argv += [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.pop("ZVFIO_ROOT", None)
        full_env["LC_ALL"] = "C.UTF-8"
        if env:
            full_env.update(env)
        return subprocess.run(argv, input=input, capture_output=True, text=True,
                              env=full_env, timeout=timeout)
    return _run


def check_golden(name, text):
    """Compare TEXT with tests/integration/golden/NAME; ZVFIO_REGEN_GOLDEN=1 rewrites it."""
    path = GOLDEN_DIR / name
    if os.environ.get("ZVFIO_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path} (set ZVFIO_REGEN_GOLDEN=1 to create)"
    assert text == path.read_text(), f"output differs from golden file {path}"
