"""zvfio check --domain-xml FILE / --domain NAME without device IDs (issue 12 §3): every
hostdev of the domain is checked exactly as zvfio-hook checks it at 'prepare begin', by
the same library step (zv_domain_check / zv_domain_targets + zv_prepare_rules). Each
domain is run through both, on two fresh copies of the same tree, and the answers must
be identical (violations, exit code, error message); check never writes."""

import shutil

import pytest
from conftest import LIBVIRT_DATA, REPO_ROOT, assert_same_answer, host_state

HOOK_XML = REPO_ROOT / "tests" / "integration" / "hook"
EXAMPLES = REPO_ROOT / "examples"
HOOK_DOMAINS = sorted(p.name for p in HOOK_XML.glob("*.xml"))


def domain_name(xml_text):
    import xml.etree.ElementTree as ET
    return ET.fromstring(xml_text).findtext("name")


def both(make_tree, tmp_path, spec, xml_text, run_zvfio, run_hook, kernel, copy_from=None):
    """Runs check --domain-xml and the hook on two fresh trees; returns both results."""
    def tree(sub):
        if copy_from is not None:
            dest = tmp_path / sub
            shutil.copytree(copy_from, dest, symlinks=True)
            return dest
        return make_tree(spec, tmp_path / sub)
    check_root, hook_root = tree("check"), tree("hook")
    path = tmp_path / "domain.xml"
    path.write_text(xml_text)
    before = host_state(check_root, parts=("sys", "etc", "run"))
    check = run_zvfio("check", "--domain-xml", path, root=check_root)
    assert host_state(check_root, parts=("sys", "etc", "run")) == before   # check never writes
    kernel(hook_root)
    hook = run_hook(hook_root, domain_name(xml_text), "prepare", "begin", xml_text)
    return check, hook


@pytest.mark.parametrize("name", HOOK_DOMAINS)
def test_check_domain_xml_answers_as_the_hook(name, make_tree, tmp_path, run_zvfio, run_hook,
                                              kernel):
    xml_text = (HOOK_XML / name).read_text()
    check, hook = both(make_tree, tmp_path, "bind", xml_text, run_zvfio, run_hook, kernel)
    assert_same_answer(check, hook, domain_name(xml_text))
    if check.returncode in (0, 3):
        assert check.stdout.splitlines()[-1].startswith(("check: ok:", "check: FAILED:"))
    else:
        assert check.stdout == ""


def test_the_hooks_refusals_are_checks_refusals(make_tree, tmp_path, run_zvfio, run_hook,
                                                kernel):
    """Not vacuous: the domains above include a rule refusal (3), an unknown mdev (4)
    and domains the hook accepts (0)."""
    codes = {}
    for name in ("mdev-online.xml", "mdev-unknown.xml", "mdev-active.xml", "ism-managed.xml"):
        xml_text = (HOOK_XML / name).read_text()
        check, hook = both(make_tree, tmp_path / name, "bind", xml_text, run_zvfio, run_hook,
                           kernel)
        codes[name] = (check.returncode, hook.returncode)
    assert codes == {"mdev-online.xml": (3, 3), "mdev-unknown.xml": (4, 4),
                     "mdev-active.xml": (0, 0), "ism-managed.xml": (0, 0)}, codes


@pytest.mark.parametrize("name", ["dasd-and-ism.xml", "no-passthrough.xml"])
def test_example_domains_answer_as_the_hook_on_the_demo_tree(name, tmp_path, run_zvfio,
                                                             run_hook, kernel, make_tree):
    xml_text = (EXAMPLES / "domains" / name).read_text()
    check, hook = both(make_tree, tmp_path, None, xml_text, run_zvfio, run_hook, kernel,
                       copy_from=EXAMPLES / "demo-lpar")
    assert_same_answer(check, hook, domain_name(xml_text))


def test_check_domain_reads_the_domain_from_libvirt(run_zvfio, make_tree, tmp_path):
    """--domain NAME checks libvirt's persistent XML of NAME: the same answer as
    --domain-xml with that XML (test driver, tests/integration/libvirt/node.xml)."""
    node = tmp_path / "node.xml"
    node.write_text((LIBVIRT_DATA / "node.xml").read_text())
    root = make_tree("guest-passthrough", tmp_path)
    by_name = run_zvfio("--connect", f"test://{node}", "check", "--domain", "holder", root=root)
    import libvirt
    conn = libvirt.open(f"test://{node}")
    xml_file = tmp_path / "holder.xml"
    xml_file.write_text(conn.lookupByName("holder").XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    by_file = run_zvfio("check", "--domain-xml", xml_file, root=root)
    assert (by_name.returncode, by_name.stdout) == (by_file.returncode, by_file.stdout)
    assert by_name.returncode == 0, by_name.stdout + by_name.stderr
    assert "check: ok:" in by_name.stdout
    missing = run_zvfio("--connect", f"test://{node}", "check", "--domain", "nosuch", root=root)
    assert missing.returncode == 4, missing.stderr


@pytest.mark.parametrize("args, message", [
    (["--domain", "a", "--domain-xml", "-"], "exclude each other"),
    (["--domain-xml", "-", "--op", "attach"], "--op needs device IDs"),
    ([], "give at least one device ID, or a domain"),
])
def test_usage_errors(run_zvfio, make_tree, tmp_path, args, message):
    result = run_zvfio("check", *args, root=make_tree("bind", tmp_path), input="")
    assert result.returncode == 2
    assert message in result.stderr
