/* Unit tests: <hostdev> generation, guest address allocation and domain XML
 * editing (zv-hostdev.c). */
#include "zv-error.h"
#include "zv-hostdev.h"

#include <string.h>

/* Parses an inline domain. */
static ZvDomain *
domain (const char *xml)
{
  g_autoptr (GError) error = NULL;
  ZvDomain *d = zv_domain_parse (xml, -1, &error);
  g_assert_no_error (error);
  return d;
}

/* Generated XML parses back to the same hostdev. */
static void
test_roundtrip (void)
{
  ZvHostdev ccw = { .kind = ZV_HOSTDEV_MDEV_CCW, .uuid = "8e37ee90-2b51-45e3-9b25-bf8283c03110",
                    .has_ccw_address = TRUE, .ccw = { 0xfe, 3, 0xabcd }, .boot_order = 2 };
  ZvHostdev pci = { .kind = ZV_HOSTDEV_PCI, .pci_source = (char *) "0001:02:1f.7",
                    .pci = { 0x0001, 0x02, 0x1f, 7 },
                    .has_uid = TRUE, .uid = 0xffff, .has_fid = TRUE, .fid = 0xffffffff,
                    .managed = TRUE };
  g_autofree char *a = zv_hostdev_to_xml (&ccw, "LP1");
  g_autofree char *b = zv_hostdev_to_xml (&pci, NULL);
  g_assert_nonnull (strstr (a, "<boot order='2' loadparm='LP1'/>"));
  g_autofree char *xml = g_strdup_printf ("<domain><name>r</name><devices>%s%s</devices></domain>",
                                          a, b);
  g_autoptr (ZvDomain) d = domain (xml);
  const ZvHostdev *x = zv_domain_find_mdev (d, ccw.uuid);
  g_assert_nonnull (x);
  g_assert_cmphex (x->ccw.ssid, ==, 3);
  g_assert_cmphex (x->ccw.devno, ==, 0xabcd);
  g_assert_cmpint (x->boot_order, ==, 2);
  const ZvHostdev *y = zv_domain_find_pci (d, "0001:02:1f.7");
  g_assert_nonnull (y);
  g_assert_cmphex (y->pci.domain, ==, 1);   /* read as numbers, with the text beside */
  g_assert_cmphex (y->pci.slot, ==, 0x1f);
  g_assert_cmphex (y->pci.function, ==, 7);
  g_assert_true (y->managed);
  g_assert_cmphex (y->uid, ==, 0xffff);
  g_assert_cmphex (y->fid, ==, 0xffffffff);
}

/* Guest devno and loadparm parsing. */
static void
test_parse_options (void)
{
  ZvCcwAddress a;
  g_assert_true (zv_hostdev_parse_guest_devno ("fe.0.0000", &a, NULL));
  g_assert_true (zv_hostdev_parse_guest_devno ("0xfe.0x3.0xFFFF", &a, NULL));
  g_assert_cmphex (a.ssid, ==, 3);
  g_assert_cmphex (a.devno, ==, 0xffff);
  g_assert_true (zv_hostdev_parse_guest_devno ("0.0.1", &a, NULL));
  const char *bad[] = { "", "fe.0", "ff.0.0000", "fe.4.0000", "fe.0.10000", "fe.0.xyz",
                        "fe.0.0000.1", "fe..0000", "-1.0.0", NULL };
  for (int i = 0; bad[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (zv_hostdev_parse_guest_devno (bad[i], &a, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
    }
  g_autofree char *lp = zv_hostdev_normalize_loadparm ("ab 1.", NULL);
  g_assert_cmpstr (lp, ==, "AB 1.");
  g_autoptr (GError) error = NULL;
  g_assert_null (zv_hostdev_normalize_loadparm ("", &error));
  g_clear_error (&error);
  g_assert_null (zv_hostdev_normalize_loadparm ("a'b", &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
}

/* Allocation: host value when free, else the lowest free; never a used one. */
static void
test_allocation (void)
{
  g_autoptr (ZvDomain) d = domain (
    "<domain><name>a</name><devices>"
    "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='0'/></disk>"
    "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='1'/></disk>"
    "<disk><address type='ccw' cssid='0xfe' ssid='0' devno='0x1000'/></disk>"
    "<memballoon><address type='pci'><zpci uid='1' fid='0'/></address></memballoon>"
    "<rng><address type='pci'><zpci uid='2' fid='1'/></address></rng>"
    "</devices></domain>");
  ZvCcwAddress a;
  ZvBusId host = { 0, 0, 0x1000 };
  g_assert_true (zv_hostdev_pick_devno (d, &host, &a));
  g_assert_cmphex (a.devno, ==, 2);
  host.number = 0x1001;
  g_assert_true (zv_hostdev_pick_devno (d, &host, &a));
  g_assert_cmphex (a.cssid, ==, 0xfe);
  g_assert_cmphex (a.devno, ==, 0x1001);
  host.ssid = 2;
  g_assert_true (zv_hostdev_pick_devno (d, &host, &a));
  g_assert_cmphex (a.ssid, ==, 2);
  g_assert_true (zv_hostdev_pick_devno (NULL, NULL, &a));
  g_assert_cmphex (a.devno, ==, 0);
  guint v;
  g_assert_true (zv_hostdev_pick_uid (d, TRUE, 1, &v));
  g_assert_cmpuint (v, ==, 3);
  g_assert_true (zv_hostdev_pick_uid (d, TRUE, 0x10000, &v));   /* host uid too wide */
  g_assert_cmpuint (v, ==, 3);
  g_assert_true (zv_hostdev_pick_uid (d, TRUE, 0x42, &v));
  g_assert_cmpuint (v, ==, 0x42);
  g_assert_true (zv_hostdev_pick_uid (d, FALSE, 0, &v));
  g_assert_cmpuint (v, ==, 3);
  g_assert_true (zv_hostdev_pick_fid (d, TRUE, 1, &v));
  g_assert_cmpuint (v, ==, 2);
  g_assert_true (zv_hostdev_pick_fid (d, TRUE, 0xffffffff, &v));
  g_assert_cmpuint (v, ==, 0xffffffff);
}

/* Insert and remove hostdevs in a domain XML. */
static void
test_insert_remove (void)
{
  ZvHostdev ccw = { .kind = ZV_HOSTDEV_MDEV_CCW, .uuid = "11111111-2222-3333-4444-555555555555" };
  g_autofree char *hd = zv_hostdev_to_xml (&ccw, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *with = zv_hostdev_domain_insert ("<domain><name>x</name></domain>", hd, &error);
  g_assert_no_error (error);
  g_autoptr (ZvDomain) d = domain (with);
  g_assert_nonnull (zv_domain_find_mdev (d, ccw.uuid));
  g_autofree char *removed = NULL;
  g_autofree char *without = zv_hostdev_domain_remove (with, ccw.uuid, NULL, &removed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (removed, ccw.uuid));
  g_autoptr (ZvDomain) e = domain (without);
  g_assert_cmpuint (e->hostdevs->len, ==, 0);
  g_assert_null (zv_hostdev_domain_remove (without, ccw.uuid, NULL, NULL, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "domain 'x' has no hostdev for 11111111-2222-3333-4444-555555555555");
  g_clear_error (&error);
  g_assert_null (zv_hostdev_domain_insert ("<domain><name>x</name></domain>", "<disk/>", &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostdev/roundtrip", test_roundtrip);
  g_test_add_func ("/hostdev/parse-options", test_parse_options);
  g_test_add_func ("/hostdev/allocation", test_allocation);
  g_test_add_func ("/hostdev/insert-remove", test_insert_remove);
  return g_test_run ();
}
