/* Unit tests: domain XML parsing (zv-domain.c). */
#include "zv-domain.h"
#include "zv-error.h"

#include <string.h>

/* Wraps DEVICES (XML of <devices> children) into a minimal domain. */
static char *
domain_with_devices (const char *devices)
{
  return g_strdup_printf ("<domain type='kvm'><name>d</name><os><type arch='s390x'>hvm</type></os>"
                          "<devices>%s</devices></domain>", devices);
}

/* Parses XML expecting ZV_ERROR_INVALID whose message contains WANT. */
static void
assert_invalid (const char *xml, const char *want)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) domain = zv_domain_parse (xml, -1, &error);
  g_test_message ("input: %s", xml);
  g_assert_null (domain);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, want));
}

/* The shared s390x guest (tests/integration/libvirt/s390x-guest.xml): every field. */
static void
test_full_guest (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("ZVFIO_SOURCE_DIR"), "tests", "integration",
                                            "libvirt", "s390x-guest.xml", NULL);
  g_autofree char *xml = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &xml, &len, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) d = zv_domain_parse (xml, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (d->name, ==, "s390guest");
  g_assert_cmpstr (d->uuid, ==, "5b1c0a9e-3f6d-4c1e-9a53-2d1f7f0e0a01");
  g_assert_cmpstr (d->type, ==, "kvm");
  g_assert_cmpstr (d->arch, ==, "s390x");
  g_assert_cmpstr (d->machine, ==, "s390-ccw-virtio-7.2");
  g_assert_cmpstr (d->emulator, ==, "/usr/bin/qemu-system-s390x");
  g_assert_false (d->secure_execution);
  g_assert_true (zv_domain_has_passthrough (d));

  g_assert_cmpuint (d->hostdevs->len, ==, 3);
  const ZvHostdev *ccw = g_ptr_array_index (d->hostdevs, 0);
  g_assert_cmpint (ccw->kind, ==, ZV_HOSTDEV_MDEV_CCW);
  g_assert_cmpstr (ccw->uuid, ==, "8e37ee90-2b51-45e3-9b25-bf8283c03110");
  g_assert_true (ccw->has_ccw_address);
  g_assert_cmphex (ccw->ccw.cssid, ==, 0xfe);
  g_assert_cmphex (ccw->ccw.devno, ==, 0x1234);
  g_assert_cmpint (ccw->boot_order, ==, 1);
  g_assert_false (ccw->managed);
  const ZvHostdev *bare = g_ptr_array_index (d->hostdevs, 1);
  g_assert_cmpint (bare->kind, ==, ZV_HOSTDEV_MDEV_CCW);
  g_assert_false (bare->has_ccw_address);
  g_assert_cmpint (bare->boot_order, ==, 0);
  const ZvHostdev *pci = g_ptr_array_index (d->hostdevs, 2);
  g_assert_cmpint (pci->kind, ==, ZV_HOSTDEV_PCI);
  g_assert_cmpstr (pci->pci_source, ==, "0001:00:00.0");
  g_assert_true (pci->managed);
  g_assert_true (pci->has_uid && pci->has_fid);
  g_assert_cmphex (pci->uid, ==, 0x19);
  g_assert_cmphex (pci->fid, ==, 0x1f);

  /* ccw addresses of every device: disk, interface, vfio-ccw hostdev */
  g_assert_cmpuint (d->ccw_addresses->len, ==, 3);
  g_assert_cmphex (g_array_index (d->ccw_addresses, ZvCcwAddress, 0).devno, ==, 0x0000);
  g_assert_cmphex (g_array_index (d->ccw_addresses, ZvCcwAddress, 1).devno, ==, 0x0001);
  g_assert_cmphex (g_array_index (d->ccw_addresses, ZvCcwAddress, 2).devno, ==, 0x1234);
  /* zPCI of every device: hostdev (hex) and memballoon (decimal) */
  g_assert_cmpuint (d->zpci_uids->len, ==, 2);
  g_assert_cmpuint (g_array_index (d->zpci_uids, guint, 0), ==, 0x19);
  g_assert_cmpuint (g_array_index (d->zpci_uids, guint, 1), ==, 32);
  g_assert_cmpuint (d->zpci_fids->len, ==, 2);
  g_assert_cmpuint (g_array_index (d->zpci_fids, guint, 1), ==, 64);

  g_assert_true (zv_domain_find_mdev (d, "8E37EE90-2B51-45E3-9B25-BF8283C03110") == ccw);
  g_assert_null (zv_domain_find_mdev (d, "00000000-0000-0000-0000-000000000000"));
  g_assert_true (zv_domain_find_pci (d, "0001:00:00.0") == pci);
  g_assert_null (zv_domain_find_pci (d, "0002:00:00.0"));
  g_assert_null (zv_domain_find_pci (d, "garbage"));
}

/* Secure execution, decimal and octal-free numbers, boundary values. */
static void
test_values (void)
{
  const char *xml =
    "<domain type='kvm'><name>pv</name><launchSecurity type='s390-pv'/>"
    "<devices>"
    "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='11111111-2222-3333-4444-555555555555'/></source>"
    "<address type='ccw' cssid='254' ssid='3' devno='65535'/></hostdev>"
    "<hostdev mode='subsystem' type='pci'><source><address domain='65535' bus='255' slot='31' function='7'/></source>"
    "<address type='pci'><zpci uid='0xffff' fid='0xffffffff'/></address></hostdev>"
    "<hostdev mode='subsystem' type='pci'><source><address bus='0' slot='0' function='0'/></source>"
    "<address type='pci'><zpci uid='1'/></address></hostdev>"
    "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product id='0x2'/></source></hostdev>"
    "<hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='11111111-2222-3333-4444-555555555556'/></source></hostdev>"
    "<disk><address type='ccw' cssid='0x0' ssid='0' devno='0x0'/></disk>"
    "</devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) d = zv_domain_parse (xml, -1, &error);
  g_assert_no_error (error);
  g_assert_true (d->secure_execution);
  g_assert_null (d->arch);
  g_assert_null (d->machine);
  g_assert_null (d->emulator);
  g_assert_cmpuint (d->hostdevs->len, ==, 5);
  const ZvHostdev *ccw = g_ptr_array_index (d->hostdevs, 0);
  g_assert_cmphex (ccw->ccw.cssid, ==, 0xfe);
  g_assert_cmphex (ccw->ccw.ssid, ==, 3);
  g_assert_cmphex (ccw->ccw.devno, ==, 0xffff);
  const ZvHostdev *pci = g_ptr_array_index (d->hostdevs, 1);
  g_assert_cmpstr (pci->pci_source, ==, "ffff:ff:1f.7");
  g_assert_cmphex (pci->uid, ==, 0xffff);
  g_assert_cmphex (pci->fid, ==, 0xffffffff);
  const ZvHostdev *nodomain = g_ptr_array_index (d->hostdevs, 2);
  g_assert_cmpstr (nodomain->pci_source, ==, "0000:00:00.0");
  g_assert_true (nodomain->has_uid);
  g_assert_false (nodomain->has_fid);
  g_assert_cmpint (((ZvHostdev *) g_ptr_array_index (d->hostdevs, 3))->kind, ==, ZV_HOSTDEV_OTHER);
  g_assert_cmpint (((ZvHostdev *) g_ptr_array_index (d->hostdevs, 4))->kind, ==, ZV_HOSTDEV_OTHER);
  g_assert_cmpuint (d->ccw_addresses->len, ==, 2);
  g_assert_cmpuint (d->zpci_uids->len, ==, 2);
  g_assert_cmpuint (d->zpci_fids->len, ==, 1);
}

/* A domain without devices or passthrough. */
static void
test_no_passthrough (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) d = zv_domain_parse ("<domain type='test'><name>t</name></domain>", -1, &error);
  g_assert_no_error (error);
  g_assert_false (zv_domain_has_passthrough (d));
  g_assert_cmpuint (d->hostdevs->len, ==, 0);
  g_assert_cmpuint (d->ccw_addresses->len, ==, 0);
}

/* Out-of-range and malformed addresses are refused with a message naming them. */
static void
test_ranges (void)
{
  static const struct { const char *devices; const char *want; } cases[] = {
    { "<disk><address type='ccw' cssid='0xff' ssid='0' devno='0'/></disk>", "cssid='0xff'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='4' devno='0'/></disk>", "ssid='4'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='0x10000'/></disk>", "devno='0x10000'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='-1'/></disk>", "devno='-1'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='0x'/></disk>", "devno='0x'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='0' devno=' 1'/></disk>", "devno=' 1'" },
    { "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='12abc'/></disk>", "devno='12abc'" },
    { "<disk><address type='ccw' cssid='0xfe' devno='0x1'/></disk>", "partial ccw address" },
    { "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='0' function='0'/></source>"
      "<address type='pci'><zpci uid='0x10000'/></address></hostdev>", "uid='0x10000'" },
    { "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='0' function='0'/></source>"
      "<address type='pci'><zpci fid='0x100000000'/></address></hostdev>", "fid='0x100000000'" },
    { "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='0' slot='0x20' function='0'/></source></hostdev>",
      "slot='0x20'" },
    { "<hostdev mode='subsystem' type='pci'><source><address domain='0' slot='0' function='0'/></source></hostdev>",
      "lacks bus=" },
    { "<hostdev mode='subsystem' type='pci'/>", "without <source><address>" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source/></hostdev>", "without <source><address uuid" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='nope'/></source></hostdev>",
      "invalid mdev uuid 'nope'" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='11111111-2222-3333-4444-555555555555'/></source>"
      "<boot order='0'/></hostdev>", "order= 1 or more" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = domain_with_devices (cases[i].devices);
      assert_invalid (xml, cases[i].want);
    }
}

/* Malformed XML, wrong root, DTDs and entities, size limit, NUL bytes. */
static void
test_malformed (void)
{
  assert_invalid ("", "domain XML");
  assert_invalid ("<domain><name>x</name>", "line");
  assert_invalid ("<network><name>x</name></network>", "root element is not <domain>");
  assert_invalid ("<domain type='kvm'><devices/></domain>", "has no <name>");
  assert_invalid ("<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x 'y'>]>"
                  "<domain><name>&x;</name></domain>", "DOCTYPE is not allowed");
  assert_invalid ("<!DOCTYPE domain SYSTEM 'http://example.invalid/x.dtd'><domain><name>a</name></domain>",
                  "DOCTYPE is not allowed");
  /* an external entity is never fetched or expanded: undeclared entity is a parse error */
  assert_invalid ("<domain><name>&ext;</name></domain>", "line 1");
  g_autoptr (GError) error = NULL;
  g_assert_null (zv_domain_parse ("<domain><name>a</name></domain>\0<x/>", 37, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_clear_error (&error);
  gsize big = 5 * 1024 * 1024;
  g_autofree char *huge = g_malloc (big + 1);
  memset (huge, ' ', big);
  huge[big] = '\0';
  memcpy (huge, "<domain>", 8);
  g_assert_null (zv_domain_parse (huge, big, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "too large"));
}

/* Wraps METADATA (children of <metadata>) into a minimal domain. */
static char *
domain_with_metadata (const char *metadata)
{
  return g_strdup_printf ("<domain type='kvm'><name>d</name><metadata>%s</metadata>"
                          "<devices/></domain>", metadata);
}

/* Parses XML expecting success; returns hook_offline. */
static gboolean
parsed_hook_offline (const char *xml)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) d = zv_domain_parse (xml, -1, &error);
  g_test_message ("input: %s", xml);
  g_assert_no_error (error);
  return d->hook_offline;
}

/* zvfio's <metadata> element: offline='allow' opts in, anything malformed is refused. */
static void
test_metadata (void)
{
  g_autofree char *none = domain_with_metadata ("");
  g_assert_false (parsed_hook_offline (none));
  g_autofree char *allow = domain_with_metadata (
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow'/>");
  g_assert_true (parsed_hook_offline (allow));
  g_autofree char *deny = domain_with_metadata (
      "<hook xmlns='urn:zvfio:metadata:1' offline='deny'/>");
  g_assert_false (parsed_hook_offline (deny));
  g_autofree char *bare = domain_with_metadata ("<z:hook xmlns:z='urn:zvfio:metadata:1'/>");
  g_assert_false (parsed_hook_offline (bare));
  /* the same name in another namespace, or without one, is somebody else's */
  g_autofree char *other = domain_with_metadata (
      "<app:hook xmlns:app='http://example.org/app' offline='allow'/>");
  g_assert_false (parsed_hook_offline (other));
  g_autofree char *no_ns = domain_with_metadata ("<hook offline='allow'/>");
  g_assert_false (parsed_hook_offline (no_ns));
  /* metadata outside <metadata> does not count */
  g_assert_false (parsed_hook_offline (
      "<domain><name>d</name><devices><zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' "
      "offline='allow'/></devices></domain>"));

  g_autofree char *bad_value = domain_with_metadata (
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='yes'/>");
  assert_invalid (bad_value, "offline='yes'>: expected 'allow' or 'deny'");
  g_autofree char *bad_attr = domain_with_metadata (
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow' persist='yes'/>");
  assert_invalid (bad_attr, "unknown attribute 'persist'");
  g_autofree char *bad_element = domain_with_metadata (
      "<zvfio:policy xmlns:zvfio='urn:zvfio:metadata:1'/>");
  assert_invalid (bad_element, "found <policy>");
  g_autofree char *twice = domain_with_metadata (
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='deny'/>"
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='allow'/>");
  assert_invalid (twice, "may hold one zvfio element");
  g_autofree char *control = domain_with_metadata (
      "<zvfio:hook xmlns:zvfio='urn:zvfio:metadata:1' offline='a&#10;b'/>");
  assert_invalid (control, "offline='a\\nb'");
}

/* zv_domain_merge adds what the running definition has on top of the persistent one. */
static void
test_merge (void)
{
  g_autofree char *persistent_xml = domain_with_devices (
      "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
      "<address uuid='11111111-1111-4111-8111-111111111111'/></source>"
      "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></hostdev>");
  g_autofree char *live_xml = domain_with_devices (
      "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
      "<address uuid='11111111-1111-4111-8111-111111111111'/></source>"
      "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/></hostdev>"
      "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
      "<address uuid='22222222-2222-4222-8222-222222222222'/></source>"
      "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0002'/></hostdev>"
      "<hostdev mode='subsystem' type='pci' managed='no'><source>"
      "<address domain='0x0010' bus='0x00' slot='0x00' function='0x0'/></source>"
      "<address type='pci'><zpci uid='0x0010' fid='0x00000020'/></address></hostdev>");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomain) persistent = zv_domain_parse (persistent_xml, -1, &error);
  g_assert_no_error (error);
  g_autoptr (ZvDomain) live = zv_domain_parse (live_xml, -1, &error);
  g_assert_no_error (error);
  g_assert_null (zv_domain_find_mdev (persistent, "22222222-2222-4222-8222-222222222222"));

  zv_domain_merge (persistent, live);
  zv_domain_merge (persistent, live);          /* idempotent */
  g_assert_cmpuint (persistent->hostdevs->len, ==, 3);
  g_assert_nonnull (zv_domain_find_mdev (persistent, "22222222-2222-4222-8222-222222222222"));
  const ZvHostdev *pci = zv_domain_find_pci (persistent, "0010:00:00.0");
  g_assert_nonnull (pci);
  g_assert_cmpuint (pci->uid, ==, 0x10);
  g_assert_cmpuint (persistent->ccw_addresses->len, ==, 2);
  g_assert_cmpuint (persistent->zpci_uids->len, ==, 1);
  g_assert_cmpuint (persistent->zpci_fids->len, ==, 1);
  g_assert_cmpuint (g_array_index (persistent->zpci_fids, guint, 0), ==, 0x20);
  /* FROM is unchanged and independent of INTO */
  g_assert_cmpuint (live->hostdevs->len, ==, 3);
  g_clear_pointer (&live, zv_domain_free);
  g_assert_cmpstr (zv_domain_find_pci (persistent, "0010:00:00.0")->pci_source, ==,
                   "0010:00:00.0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain/full-guest", test_full_guest);
  g_test_add_func ("/domain/values", test_values);
  g_test_add_func ("/domain/no-passthrough", test_no_passthrough);
  g_test_add_func ("/domain/ranges", test_ranges);
  g_test_add_func ("/domain/malformed", test_malformed);
  g_test_add_func ("/domain/metadata", test_metadata);
  g_test_add_func ("/domain/merge", test_merge);
  return g_test_run ();
}
