"""The library's folders show its layers (issue 23 §2): src/lib/{base,host,rules,actions,
formats}, lowest first; a lower folder never includes a higher one, and no two units
(X.c + X.h) include each other, directly or through others. tools/check-layers.py is
the check; this test runs it in CI and shows that it can fail."""

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "tools" / "check-layers.py"


def run_check(repo):
    return subprocess.run([sys.executable, str(repo / "tools" / "check-layers.py")],
                          capture_output=True, text=True)


def test_the_tree_has_no_upward_include_and_no_cycle():
    res = run_check(REPO)
    assert res.returncode == 0, res.stdout
    assert res.stdout.splitlines()[-1].endswith(" 0 include cycle(s), 0 problem(s)"), res.stdout


def copy_of_sources(tmp_path):
    for part in ("src", "callouts", "tools"):
        shutil.copytree(REPO / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("*.o", "build*"))
    return tmp_path


def test_an_upward_include_is_found(tmp_path):
    repo = copy_of_sources(tmp_path)
    parse = repo / "src/lib/base/zv-parse.c"
    parse.write_text('#include "zv-rules.h"\n' + parse.read_text())
    res = run_check(repo)
    assert res.returncode == 1
    assert ("src/lib/base/zv-parse.c (base) includes zv-rules.h (rules): a lower layer "
            "includes a higher one") in res.stdout


def test_a_cycle_within_a_layer_is_found(tmp_path):
    repo = copy_of_sources(tmp_path)
    css = repo / "src/lib/host/zv-css.c"
    css.write_text('#include "zv-inventory.h"\n' + css.read_text())
    res = run_check(repo)
    assert res.returncode == 1
    assert "include cycle between" in res.stdout and "src/lib/host/zv-inventory" in res.stdout


def test_a_file_outside_the_layers_is_found(tmp_path):
    repo = copy_of_sources(tmp_path)
    (repo / "src/lib/zv-stray.c").write_text('#include "zv-error.h"\n')
    res = run_check(repo)
    assert res.returncode == 1
    assert "src/lib/zv-stray.c: not in a layer folder" in res.stdout
