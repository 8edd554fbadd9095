"""zvfio check --domain-xml FILE / --domain NAME without device IDs (issue 12 §3): every
hostdev of the domain is checked exactly as zvfio-hook checks it at 'prepare begin', by
the same library step (zv_domain_check / zv_domain_targets + zv_prepare_rules). Each
domain is run through both, on two fresh copies of the same tree, and the answers must
be identical (violations, exit code, error message); check never writes."""

import shutil

import pytest
from conftest import LIBVIRT_DATA, REPO_ROOT, assert_same_answer, host_state, unwrap_violations

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
    for name in ("mdev-online.xml", "mdev-unknown.xml", "mdev-active.xml", "ism-managed.xml",
                 "mdev-twice.xml", "ism-twice.xml", "hidden-mdev.xml", "hidden-usb.xml"):
        xml_text = (HOOK_XML / name).read_text()
        check, hook = both(make_tree, tmp_path / name, "bind", xml_text, run_zvfio, run_hook,
                           kernel)
        codes[name] = (check.returncode, hook.returncode)
    assert codes == {"mdev-online.xml": (3, 3), "mdev-unknown.xml": (4, 4),
                     "mdev-active.xml": (0, 0), "ism-managed.xml": (0, 0),
                     "mdev-twice.xml": (3, 3), "ism-twice.xml": (3, 3),
                     "hidden-mdev.xml": (7, 7), "hidden-usb.xml": (0, 0)}, codes


@pytest.mark.parametrize("name, rule, message", [
    ("mdev-twice.xml", "ccw.used-by-domain",
     "0.0.3002 (subchannel 0.0.0202): domain 'zguest' holds subchannel 0.0.0202 in 2 hostdevs "
     "(mdev "
     "4b1d0000-0000-4000-8000-000000000202 2 times); a domain can hold a host device only once"),
    ("ism-twice.xml", "zpci.used-by-domain",
     "0010:00:00.0: domain 'zguest' holds zPCI function 0010:00:00.0 in 2 hostdevs; a domain "
     "can hold a host device only once"),
])
def test_a_device_held_twice_is_an_error_in_every_operation(make_tree, tmp_path, run_zvfio, name,
                                                            rule, message):
    """The whole domain (the hook's check) and the device alone against the domain,
    for every operation: the same error, reported once."""
    root = make_tree("bind", tmp_path)
    path = HOOK_XML / name
    device = "0.0.0202" if rule.startswith("ccw") else "0010:00:00.0"
    runs = [("check", "--domain-xml", path)]
    runs += [("check", device if rule.startswith("zpci") else "sch:" + device, "--domain-xml",
              path, "--op", op) for op in ("check", "define", "start", "prepare")]
    for args in runs:
        r = run_zvfio(*args, root=root)
        assert r.returncode == 3, (args, r.stdout, r.stderr)
        lines = [line for line in unwrap_violations(r.stdout).splitlines()
                 if f": {rule}: " in line]
        assert lines == [f"error: {rule}: {message} (fix: keep one <hostdev> for the "
                         f"{'subchannel' if rule.startswith('ccw') else 'function'} in the "
                         f"domain)"], (args, r.stdout)
    # attaching it once more: the existing answer, 'attached already'
    r = run_zvfio("check", device if rule.startswith("zpci") else "sch:" + device,
                  "--domain-xml", path, "--op", "attach", root=root)
    assert r.returncode == 3, r.stdout
    assert "is already attached to domain 'zguest'" in unwrap_violations(r.stdout), r.stdout


def test_a_domain_name_without_a_record_is_refused_as_by_the_hook(make_tree, tmp_path, run_zvfio):
    """libvirt accepts '.hidden', but zvfio-hook cannot keep /run/zvfio/.hidden.json:
    with zvfio devices both refuse it (exit 7, the same message); without, both accept."""
    root = make_tree("bind", tmp_path)
    r = run_zvfio("check", "--domain-xml", HOOK_XML / "hidden-mdev.xml", root=root)
    assert (r.returncode, r.stdout) == (7, ""), r.stderr
    assert r.stderr == ("zvfio: domain name '.hidden' cannot name zvfio's record "
                        "/run/zvfio/<name>.json (at most 200 bytes of UTF-8, not starting with "
                        "'.', without '/' or control characters); rename the domain (virsh "
                        "domrename) to pass host devices through zvfio\n")
    r = run_zvfio("check", "--domain-xml", HOOK_XML / "hidden-usb.xml", root=root)
    assert (r.returncode, r.stdout) == (0, "check: ok: 0 errors, 0 warning(s)\n"), r.stderr


def test_what_the_hook_never_parses_is_not_checked_either(make_tree, tmp_path, run_zvfio,
                                                         run_hook):
    """A domain XML without '<hostdev' is accepted by zvfio-hook-gate unparsed, so a
    zvfio metadata element or address zvfio would refuse does not matter there; check
    says the same. Text that is no domain XML at all (libvirt never passes one) is
    still an error for check."""
    root = make_tree("bind", tmp_path)
    bad_metadata = (HOOK_XML / "no-passthrough.xml").read_text().replace(
        "<memory", "<metadata><zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='always'/>"
        "</metadata>\n  <memory")
    path = tmp_path / "domain.xml"
    path.write_text(bad_metadata)
    check = run_zvfio("check", "--domain-xml", path, root=root)
    hook = run_hook(root, "zguest", "prepare", "begin", bad_metadata)
    assert (check.returncode, hook.returncode, hook.stderr) == (0, 0, ""), check.stderr
    for text, message in (("not xml", "domain XML: line 1"), ("<other/>", "domain XML")):
        path.write_text(text)
        r = run_zvfio("check", "--domain-xml", path, root=root)
        assert r.returncode == 7 and message in r.stderr, r.stderr


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
