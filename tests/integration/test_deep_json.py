"""JSON that nests deeper than zvfio accepts (ZV_JSON_MAX_DEPTH = 64) is refused with
a message before json-glib's recursive parser sees it: a 200 KB definition file or
/run/zvfio record of 100,000 nested arrays crashed list, show, the callout and the
hook with SIGSEGV before."""

import json
import shutil
from pathlib import Path

from conftest import REPO_ROOT

DEEP = "[" * 100000 + "]" * 100000
UUID = "a1b2c3d4-0201-4e5f-8a9b-0c1d2e3f4a5b"


def demo_copy(tmp_path):
    root = tmp_path / "lpar"
    shutil.copytree(REPO_ROOT / "examples" / "demo-lpar", root, symlinks=True)
    return root


def test_deep_definition_is_a_warning_in_list_and_show(tmp_path, run_zvfio):
    root = demo_copy(tmp_path)
    (root / "etc/mdevctl.d/0.0.0041" / UUID).write_text(DEEP)
    for args in (["list"], ["list", "--json"], ["show", "0.0.0041"]):
        res = run_zvfio(*args, root=root)
        assert res.returncode == 0, (args, res.returncode, res.stderr)
        assert f"/etc/mdevctl.d/0.0.0041/{UUID}: definition: JSON nested deeper than 64 levels" \
            in res.stderr + res.stdout, args


def test_deep_capabilities_on_callout_stdin(run_callout):
    deep = "[" * 30000 + "]" * 30000   # within the callout's 64 KiB stdin limit
    proc = run_callout("get", "capabilities", input=deep)
    assert proc.returncode > 0, proc.returncode
    assert "nested deeper than 64 levels" in proc.stderr


def test_deep_domain_record_fails_release_cleanly(tmp_path, run_hook):
    root = demo_copy(tmp_path)
    state = root / "run/zvfio"
    state.mkdir(parents=True)
    (state / "g1.json").write_text(DEEP)
    r = run_hook(root, "g1", "release", "end", "<domain type='kvm'><name>g1</name>"
                 "<devices><hostdev mode='subsystem' type='mdev' model='vfio-ccw'>"
                 f"<source><address uuid='{UUID}'/></source></hostdev></devices></domain>")
    assert r.returncode == 7, (r.returncode, r.stderr)
    assert "nested deeper than 64 levels" in r.stderr
    assert (state / "g1.json").read_text() == DEEP   # kept for a person to look at
