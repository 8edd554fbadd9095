/* Unit tests: pure parsers of kernel sysfs formats and user ids. */
#include "zv-parse.h"

#include <string.h>

/* Bus ids: exact kernel format accepted, everything else refused. */
static void
test_busid (void)
{
  ZvBusId id;
  g_assert_true (zv_parse_busid ("0.0.0313", &id));
  g_assert_cmpuint (id.ssid, ==, 0);
  g_assert_cmpuint (id.number, ==, 0x313);
  g_assert_true (zv_parse_busid ("0.3.ffff", &id));
  g_assert_cmpuint (id.ssid, ==, 3);
  g_assert_cmpuint (id.number, ==, 0xffff);
  const char *bad[] = { "", "0.4.0000", "0.0.313", "0.0.03130", "0.0.zzzz", "0..0313",
                        "0.0.0313 ", "/0.0.0313", "0.00.0313", "100.0.0000", "0.0", NULL };
  for (int i = 0; bad[i]; i++)
    g_assert_false (zv_parse_busid (bad[i], &id));
  char buf[16];
  ZvBusId f = { 0, 1, 0xab };
  zv_format_busid (&f, buf);
  g_assert_cmpstr (buf, ==, "0.1.00ab");
}

/* User ids: every documented form, normalized. */
static void
test_ids (void)
{
  ZvId id;
  g_assert_true (zv_parse_id ("0.0.1234", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_BUSID);
  g_assert_true (zv_parse_id ("ccw:0.1.ABCD", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_DEVNO);
  g_assert_cmpstr (id.normalized, ==, "0.1.abcd");
  g_assert_true (zv_parse_id ("1234", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_DEVNO);
  g_assert_cmpstr (id.normalized, ==, "0.0.1234");
  g_assert_true (zv_parse_id ("0x5", &id));
  g_assert_cmpstr (id.normalized, ==, "0.0.0005");
  g_assert_true (zv_parse_id ("sch:0.1.0000", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_SUBCHANNEL);
  g_assert_true (zv_parse_id ("0005:00:00.0", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_PCI);
  g_assert_cmpstr (id.normalized, ==, "0005:00:00.0");
  g_assert_true (zv_parse_id ("fid:0x7", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_FID);
  g_assert_cmpuint (id.fid, ==, 7);
  g_assert_cmpstr (id.normalized, ==, "fid:0x00000007");
  g_assert_true (zv_parse_id ("11111111-2222-3333-4444-55555555555A", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_UUID);
  g_assert_cmpstr (id.normalized, ==, "11111111-2222-3333-4444-55555555555a");
  const char *bad[] = { "", "sch:1234", "0.0.1234/..", "../0.0.1234", "fid:", "fid:0x123456789",
                        "12345", "1.0.1234", "0000:00:20.0", "0000:00:00.8", "zz", "0.0.1234\n",
                        "sch:", NULL };
  for (int i = 0; bad[i]; i++)
    {
      g_test_message ("bad id '%s'", bad[i]);
      g_assert_false (zv_parse_id (bad[i], &id));
    }
}

/* libvirt node-device names: exactly as libvirt names the kernel's devices. */
static void
test_nodedev_names (void)
{
  ZvId id;
  g_assert_true (zv_parse_id ("css_0_0_0041", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_SUBCHANNEL);
  g_assert_cmpstr (id.normalized, ==, "0.0.0041");
  g_assert_true (id.nodedev_name);
  g_assert_true (zv_parse_id ("css_0_3_ffff", &id));
  g_assert_cmpstr (id.normalized, ==, "0.3.ffff");
  g_assert_true (zv_parse_id ("ccw_0_1_0100", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_DEVNO);
  g_assert_cmpstr (id.normalized, ==, "0.1.0100");
  g_assert_true (zv_parse_id ("pci_0011_00_00_0", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_PCI);
  g_assert_cmpstr (id.normalized, ==, "0011:00:00.0");
  g_assert_true (zv_parse_id ("pci_0001_00_1f_7", &id));
  g_assert_cmpstr (id.normalized, ==, "0001:00:1f.7");
  g_assert_true (zv_parse_id ("mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110_0_0_0041", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_UUID);
  g_assert_cmpstr (id.normalized, ==, "8e37ee90-2b51-45e3-9b25-bf8283c03110");
  g_assert_true (id.has_mdev_parent);
  g_assert_cmpuint (id.mdev_parent.ssid, ==, 0);
  g_assert_cmpuint (id.mdev_parent.number, ==, 0x41);
  g_assert_true (zv_parse_id ("mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110", &id));
  g_assert_cmpint (id.kind, ==, ZV_ID_UUID);
  g_assert_false (id.has_mdev_parent);
  const char *bad[] = {
    "css_", "css_0_0_041", "css_0_0_00041", "css_0_4_0041", "css_1_0_0041", "css_0_0_004A",
    "css_0.0.0041", "css_0_0_0041_", "css__0_0041", "CSS_0_0_0041", "css_0_0_0041\n",
    "css_00_0_041", "ccw_0_0_zzzz", "ccw_0_0_01000", "ccw_0_0", "pci_0011_00_00_8",
    "pci_0011_00_20_0", "pci_011_00_00_0", "pci_0011_0_00_0", "pci_0011_00_00_0_",
    "pci_0011:00:00.0", "pci_0011_00_00_A", "pci_0011_00_0A_0",
    "mdev_8e37ee90-2b51-45e3-9b25-bf8283c03110",
    "mdev_8E37EE90_2B51_45E3_9B25_BF8283C03110",
    "mdev_8e37ee90_2b51_45e3_9b25_bf8283c0311",
    "mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110_",
    "mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110_matrix",
    "mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110_0_0_041",
    "mdev_8e37ee90_2b51_45e3_9b25_bf8283c03110_0_0_0041_0",
    "mdev_8e37ee902_b51_45e3_9b25_bf8283c03110",
    "mdev_", "pci_", "ccw_", NULL };
  for (int i = 0; bad[i]; i++)
    {
      g_test_message ("bad node device name '%s'", bad[i]);
      g_assert_false (zv_parse_id (bad[i], &id));
      g_assert_cmpint (id.kind, ==, ZV_ID_INVALID);
    }
}

/* Numbers in the kernel's formats. */
static void
test_numbers (void)
{
  guint32 v;
  g_assert_true (zv_parse_hex_u32 ("0x00000100", &v));
  g_assert_cmpuint (v, ==, 0x100);
  g_assert_true (zv_parse_hex_u32 ("0x1234", &v));
  g_assert_false (zv_parse_hex_u32 ("1234", &v));
  g_assert_false (zv_parse_hex_u32 ("0x", &v));
  g_assert_false (zv_parse_hex_u32 ("0x123456789", &v));
  g_assert_false (zv_parse_hex_u32 ("0x12 ", &v));
  g_assert_true (zv_parse_dec_u32 ("4294967295", &v));
  g_assert_false (zv_parse_dec_u32 ("4294967296", &v));
  g_assert_false (zv_parse_dec_u32 ("-1", &v));
  g_assert_false (zv_parse_dec_u32 ("", &v));
  gboolean flag;
  g_assert_true (zv_parse_flag ("1", &flag) && flag);
  g_assert_true (zv_parse_flag ("0", &flag) && !flag);
  g_assert_false (zv_parse_flag ("yes", &flag));
}

/* chpids (trailing space), pimpampom, cutype/devtype. */
static void
test_css_attrs (void)
{
  guint8 chpids[8], ppp[3];
  g_assert_true (zv_parse_chpids ("10 11 00 00 00 00 00 00 ", chpids));
  g_assert_cmphex (chpids[0], ==, 0x10);
  g_assert_cmphex (chpids[1], ==, 0x11);
  g_assert_true (zv_parse_chpids ("10 11 00 00 00 00 00 00", chpids));
  g_assert_false (zv_parse_chpids ("10 11 00 00 00 00 00", chpids));
  g_assert_false (zv_parse_chpids ("zz 11 00 00 00 00 00 00 ", chpids));
  g_assert_false (zv_parse_chpids ("10 11 00 00 00 00 00 00  ", chpids));
  g_assert_true (zv_parse_pimpampom ("80 80 ff", ppp));
  g_assert_cmphex (ppp[2], ==, 0xff);
  g_assert_false (zv_parse_pimpampom ("80 80", ppp));
  guint t, m;
  g_assert_true (zv_parse_type_model ("3990/e9", &t, &m));
  g_assert_cmphex (t, ==, 0x3990);
  g_assert_cmphex (m, ==, 0xe9);
  g_assert_false (zv_parse_type_model ("n/a", &t, &m));
  g_assert_false (zv_parse_type_model ("3990-e9", &t, &m));
  g_assert_true (zv_cutype_is_qdio ("1731/01"));
  g_assert_true (zv_cutype_is_qdio ("1731/05"));
  g_assert_false (zv_cutype_is_qdio ("3990/e9"));
  g_assert_false (zv_cutype_is_qdio (NULL));
}

/* The type/model lines of a ccw device's uevent, as read off the real kernel. */
static void
test_ccw_uevent_ids (void)
{
  static const char dasd[] = "DRIVER=dasd-eckd\nCU_TYPE=3990\nCU_MODEL=E9\nDEV_TYPE=3390\n"
                             "DEV_MODEL=0C\nMODALIAS=ccw:t3990mE9dt3390dm0C\n";
  ZvCcwIds ids;
  g_assert_true (zv_parse_ccw_uevent_ids (dasd, strlen (dasd), &ids));
  g_assert_cmphex (ids.cu_type, ==, 0x3990);
  g_assert_cmphex (ids.cu_model, ==, 0xe9);
  g_assert_cmphex (ids.dev_type, ==, 0x3390);
  g_assert_cmphex (ids.dev_model, ==, 0x0c);
  /* no driver, device type 0 (devtype "n/a"), no newline at the end */
  static const char osa[] = "CU_TYPE=1731\nCU_MODEL=01\nDEV_TYPE=0000\nDEV_MODEL=00";
  g_assert_true (zv_parse_ccw_uevent_ids (osa, strlen (osa), &ids));
  g_assert_cmphex (ids.dev_type, ==, 0);
  /* missing, repeated, too long, not hex, NUL inside: refused */
  static const char *const bad[] = {
    "CU_TYPE=3990\nCU_MODEL=E9\nDEV_TYPE=3390\n",
    "CU_TYPE=3990\nCU_TYPE=3990\nCU_MODEL=E9\nDEV_TYPE=3390\nDEV_MODEL=0C\n",
    "CU_TYPE=39900\nCU_MODEL=E9\nDEV_TYPE=3390\nDEV_MODEL=0C\n",
    "CU_TYPE=3990-E9\nCU_MODEL=E9\nDEV_TYPE=3390\nDEV_MODEL=0C\n",
    "CU_TYPE=39g0\nCU_MODEL=E9\nDEV_TYPE=3390\nDEV_MODEL=0C\n",
    "CU_TYPE=3990\nCU_MODEL=E\nDEV_TYPE=3390\nDEV_MODEL=0C\n",
    "",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (zv_parse_ccw_uevent_ids (bad[i], strlen (bad[i]), &ids));
  static const char nul[] = "CU_TYPE=39\0" "0\nCU_MODEL=E9\nDEV_TYPE=3390\nDEV_MODEL=0C\n";
  g_assert_false (zv_parse_ccw_uevent_ids (nul, sizeof nul - 1, &ids));
  g_assert_false (zv_parse_ccw_uevent_ids (NULL, 0, &ids));
}

/* PCI addresses, PFT names, EBCDIC util strings. */
static void
test_pci (void)
{
  ZvPciAddress a;
  char buf[32];
  g_assert_true (zv_parse_pci_address ("1234:00:00.0", &a));
  g_assert_cmphex (a.domain, ==, 0x1234);
  zv_format_pci_address (&a, buf);
  g_assert_cmpstr (buf, ==, "1234:00:00.0");
  g_assert_false (zv_parse_pci_address ("123:00:00.0", &a));
  g_assert_false (zv_parse_pci_address ("1234:00:00", &a));
  g_assert_cmpstr (zv_pft_name (0x05), ==, "ISM");
  g_assert_cmpstr (zv_pft_name (0x0a), ==, "RoCE Express2");
  g_assert_null (zv_pft_name (0x42));
  /* "ISM 1" in EBCDIC, blank padded */
  const guint8 ebcdic[] = { 0xc9, 0xe2, 0xd4, 0x40, 0xf1, 0x40, 0x40, 0x00 };
  g_autofree char *text = zv_ebcdic_to_utf8 (ebcdic, sizeof ebcdic);
  g_assert_cmpstr (text, ==, "ISM 1");
  const guint8 blank[] = { 0x40, 0x40 };
  g_autofree char *empty = zv_ebcdic_to_utf8 (blank, sizeof blank);
  g_assert_cmpstr (empty, ==, "");
  const guint8 control[] = { 0xc9, 0x05, 0xc9 };
  g_assert_null (zv_ebcdic_to_utf8 (control, sizeof control));
}

/* UUIDs are validated strictly and lowercased. */
static void
test_uuid (void)
{
  char buf[37];
  g_assert_true (zv_parse_uuid ("7E270A25-E163-4922-AF60-757FC8ED48C6", buf));
  g_assert_cmpstr (buf, ==, "7e270a25-e163-4922-af60-757fc8ed48c6");
  g_assert_false (zv_parse_uuid ("7e270a25e1634922af60757fc8ed48c6", buf));
  g_assert_false (zv_parse_uuid ("../../../../etc/passwd-0000-0000-0000", buf));
  g_assert_false (zv_parse_uuid (NULL, buf));
}

/* A refused bus id says what is wrong with it; anything else (and every id that
 * parses) has no problem named. */
static void
test_id_problems (void)
{
  const char *ssid = "the subchannel set (S in 0.S.XXXX) must be 0-3";
  g_assert_cmpstr (zv_parse_id_problem ("0.4.0100"), ==, ssid);
  g_assert_cmpstr (zv_parse_id_problem ("sch:0.7.0001"), ==, ssid);
  g_assert_cmpstr (zv_parse_id_problem ("ccw:0.F.ffff"), ==, ssid);
  g_assert_cmpstr (zv_parse_id_problem ("devno:0.4.1"), ==, ssid);
  g_assert_nonnull (strstr (zv_parse_id_problem ("1.0.0100"), "always 0"));
  g_assert_nonnull (strstr (zv_parse_id_problem ("0.0.100"), "four hex digits"));
  const char *fine[] = { "0.0.0100", "sch:0.3.ffff", "0.4", "0.4.01000", "0.x.0100", "fid:0.4.1",
                         "0000:00:00.0", "1234", "", NULL };
  for (gsize i = 0; fine[i] != NULL; i++)
    g_assert_null (zv_parse_id_problem (fine[i]));
  g_assert_null (zv_parse_id_problem (NULL));
  ZvId id;
  g_assert_false (zv_parse_id ("0.4.0100", &id));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/parse/busid", test_busid);
  g_test_add_func ("/parse/ids", test_ids);
  g_test_add_func ("/parse/id-problems", test_id_problems);
  g_test_add_func ("/parse/nodedev-names", test_nodedev_names);
  g_test_add_func ("/parse/numbers", test_numbers);
  g_test_add_func ("/parse/css-attrs", test_css_attrs);
  g_test_add_func ("/parse/ccw-uevent-ids", test_ccw_uevent_ids);
  g_test_add_func ("/parse/pci", test_pci);
  g_test_add_func ("/parse/uuid", test_uuid);
  return g_test_run ();
}
