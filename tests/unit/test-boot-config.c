/* Unit tests: the parsers of what configures a ccw device at boot: the
 * cio_ignore= kernel parameter (the grammar and left-to-right semantics of
 * the kernel's drivers/s390/cio/blacklist.c), the kernel command line
 * (kernel/params.c next_arg), and zdev's udev rules in the layouts chzdev
 * writes (s390-tools 2.16 as in Debian 12, and the newer site blocks). */
#include "zv-boot-config.h"

#include <string.h>

/* A bus id from "0.S.DDDD". */
static ZvBusId
id_of (const char *text)
{
  ZvBusId id;
  g_assert_true (zv_parse_busid (text, &id));
  return id;
}

/* TRUE when the cio_ignore= VALUE leaves DEVNO ignored (IPLDEV may be NULL). */
static gboolean
ignores (const char *value, const char *devno, const char *ipldev)
{
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
  zv_cio_ignore_param_parse (value, items, NULL);
  ZvBusId id = id_of (devno), ipl;
  if (ipldev != NULL)
    ipl = id_of (ipldev);
  return zv_cio_ignore_items_ignore (items, &id, ipldev ? &ipl : NULL);
}

/* The documented examples (Documentation/s390/common_io.rst) and left to right. */
static void
test_cio_ignore_semantics (void)
{
  g_assert_true (ignores ("all,!condev,!0.0.4711", "0.0.1234", NULL));
  g_assert_false (ignores ("all,!condev,!0.0.4711", "0.0.4711", NULL));
  g_assert_true (ignores ("all", "0.3.ffff", NULL));
  g_assert_false (ignores ("0.0.1000-0.0.10ff", "0.0.1100", NULL));
  g_assert_true (ignores ("0.0.1000-0.0.10ff", "0.0.10ff", NULL));
  /* a range runs over subchannel sets in (ssid, devno) order */
  g_assert_true (ignores ("0.0.fff0-0.1.000f", "0.1.0005", NULL));
  g_assert_true (ignores ("0.0.fff0-0.1.000f", "0.0.ffff", NULL));
  g_assert_false (ignores ("0.0.fff0-0.1.000f", "0.1.0010", NULL));
  /* the last item naming a device wins */
  g_assert_true (ignores ("!0.0.1234,0.0.1000-0.0.1fff", "0.0.1234", NULL));
  g_assert_false (ignores ("0.0.1000-0.0.1fff,!0.0.1234", "0.0.1234", NULL));
  /* old style: a hex devno in subchannel set 0, with or without 0x */
  g_assert_true (ignores ("1234", "0.0.1234", NULL));
  g_assert_true (ignores ("0x1234", "0.0.1234", NULL));
  g_assert_false (ignores ("1234", "0.1.1234", NULL));
  g_assert_true (ignores ("0x1000-10ff", "0.0.1080", NULL));
  g_assert_true (ignores ("0.0.0100-0x200", "0.0.0180", NULL));
  g_assert_true (ignores ("0.0.ABCD", "0.0.abcd", NULL));
  /* ipldev names the device the next boot loads from; condev no device here */
  g_assert_false (ignores ("all,!ipldev", "0.0.0100", "0.0.0100"));
  g_assert_true (ignores ("all,!ipldev", "0.0.0100", NULL));
  g_assert_true (ignores ("all,!condev", "0.0.0009", NULL));
}

/* Items the kernel refuses are skipped (and reported), the others still apply. */
static void
test_cio_ignore_bad_items (void)
{
  const char *bad_items[] = { "", "0.4.1234", "1.0.1234", "0.0.123", "0.0.12345", "10000",
                              "0.0.2000-0.0.1000", "0.0.1234-", "0.0.0001-0.0.0002-0.0.0003",
                              "x", "ALL", " 0.0.1234", "0x", "!", "000.0.1234" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_items); i++)
    {
      g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
      g_autoptr (GPtrArray) bad = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *value = g_strdup_printf ("%s,0.0.4711", bad_items[i]);
      zv_cio_ignore_param_parse (value, items, bad);
      g_assert_cmpuint (bad->len, ==, 1);
      g_assert_cmpuint (items->len, ==, 1);
      ZvBusId id = id_of ("0.0.4711");
      g_assert_true (zv_cio_ignore_items_ignore (items, &id, NULL));
    }
  /* two-digit cssid 00 and !all are fine */
  g_assert_true (ignores ("00.0.1234", "0.0.1234", NULL));
  g_assert_false (ignores ("all,!all", "0.0.1234", NULL));
}

/* Every cio_ignore= of the command line, quotes removed, nothing after "--". */
static void
test_cmdline_values (void)
{
  g_autoptr (GPtrArray) v = zv_cmdline_values ("root=/dev/dasda1 cio_ignore=all,!condev "
                                               "quiet cio-ignore=!0.0.1234 "
                                               "\"cio_ignore=!0.0.2000\" cio_ignore=\"!0.0.3000\" "
                                               "cio_ignorex=1 cio_ignore -- cio_ignore=0.0.9999\n",
                                               "cio_ignore");
  g_assert_cmpuint (v->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (v, 0), ==, "all,!condev");
  g_assert_cmpstr (g_ptr_array_index (v, 1), ==, "!0.0.1234");
  g_assert_cmpstr (g_ptr_array_index (v, 2), ==, "!0.0.2000");
  g_assert_cmpstr (g_ptr_array_index (v, 3), ==, "!0.0.3000");
  g_autoptr (GPtrArray) none = zv_cmdline_values ("", "cio_ignore");
  g_assert_cmpuint (none->len, ==, 0);
  /* a quoted value keeps its spaces */
  g_autoptr (GPtrArray) q = zv_cmdline_values ("cio_ignore=\"all, !0.0.1234\" x", "cio_ignore");
  g_assert_cmpuint (q->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (q, 0), ==, "all, !0.0.1234");
}

/* A ccw device rule as chzdev 2.16 (Debian 12) writes it for chzdev -e -p dasd 0.0.1234. */
static const char dasd_rule[] =
  "# Generated by chzdev\n"
  "ACTION==\"add\", SUBSYSTEM==\"ccw\", KERNEL==\"0.0.1234\", DRIVER==\"dasd-eckd\", "
  "GOTO=\"cfg_dasd_eckd_0.0.1234\"\n"
  "ACTION==\"add\", SUBSYSTEM==\"drivers\", KERNEL==\"dasd-eckd\", TEST==\"[ccw/0.0.1234]\", "
  "GOTO=\"cfg_dasd_eckd_0.0.1234\"\n"
  "GOTO=\"end_dasd_eckd_0.0.1234\"\n"
  "\n"
  "LABEL=\"cfg_dasd_eckd_0.0.1234\"\n"
  "ATTR{[ccw/0.0.1234]use_diag}=\"0\"\n"
  "ATTR{[ccw/0.0.1234]online}=\"1\"\n"
  "\n"
  "LABEL=\"end_dasd_eckd_0.0.1234\"\n";

/* The newer layout: site blocks (a site and the fallback). */
static const char site_rule[] =
  "# Generated by chzdev\n"
  "ACTION==\"add\", SUBSYSTEM==\"ccw\", KERNEL==\"0.1.00ab\", DRIVER==\"*\", "
  "GOTO=\"cfg_generic_ccw_0.1.00ab\"\n"
  "GOTO=\"end_generic_ccw_0.1.00ab\"\n"
  "\n"
  "LABEL=\"cfg_generic_ccw_0.1.00ab\"\n"
  "# Determine ZDEV_SITE_ID to continue\n"
  "ENV{ZDEV_SITE_ID}==\"1\",GOTO=\"cfg_generic_ccw_0.1.00ab_site1\"\n"
  "GOTO=\"cfg_generic_ccw_0.1.00ab_site_fb\"\n"
  "\n"
  "# site_start_1\n"
  "LABEL=\"cfg_generic_ccw_0.1.00ab_site1\"\n"
  "ATTR{[ccw/0.1.00ab]online}=\"1\"\n"
  "GOTO=\"end_generic_ccw_0.1.00ab\"\n"
  "# site_end_1\n"
  "\n"
  "# site_start_fb\n"
  "LABEL=\"cfg_generic_ccw_0.1.00ab_site_fb\"\n"
  "ATTR{[ccw/0.1.00ab]cmb_enable}=\"1\"\n"
  "GOTO=\"end_generic_ccw_0.1.00ab\"\n"
  "# site_end_fb\n"
  "\n"
  "\n"
  "LABEL=\"end_generic_ccw_0.1.00ab\"\n";

/* A qeth group rule (chzdev 2.16). */
static const char qeth_rule[] =
  "# Generated by chzdev\n"
  "ACTION==\"add\", SUBSYSTEM==\"drivers\", KERNEL==\"qeth\", GOTO=\"group_qeth_0.0.f500\"\n"
  "ACTION==\"add\", SUBSYSTEM==\"ccw\", KERNEL==\"0.0.f500\", DRIVER==\"qeth\", "
  "GOTO=\"group_qeth_0.0.f500\"\n"
  "LABEL=\"group_qeth_0.0.f500\"\n"
  "TEST==\"[ccwgroup/0.0.f500]\", GOTO=\"end_qeth_0.0.f500\"\n"
  "TEST!=\"[ccw/0.0.f500]\", GOTO=\"end_qeth_0.0.f500\"\n"
  "ACTION==\"change\", ATTR{[drivers/ccwgroup:qeth]group}=\"0.0.f500,0.0.f501,0.0.f502\"\n"
  "GOTO=\"end_qeth_0.0.f500\"\n"
  "\n"
  "LABEL=\"cfg_qeth_0.0.f500\"\n"
  "ATTR{[ccwgroup/0.0.f500]layer2}=\"1\"\n"
  "ATTR{[ccwgroup/0.0.f500]online}=\"1\"\n"
  "\n"
  "LABEL=\"end_qeth_0.0.f500\"\n";

/* zdev's ccw and ccwgroup rules: the device type and id of the name, the
 * devices configured, whether they go online. */
static void
test_zdev_rules (void)
{
  g_autoptr (ZvZdevRule) dasd = zv_zdev_rule_parse ("41-dasd-eckd-0.0.1234.rules", dasd_rule,
                                                    strlen (dasd_rule));
  g_assert_nonnull (dasd);
  g_assert_cmpstr (dasd->type, ==, "dasd-eckd");
  g_assert_cmpstr (dasd->id, ==, "0.0.1234");
  g_assert_cmpuint (dasd->devices->len, ==, 1);
  g_assert_cmpuint (g_array_index (dasd->devices, ZvBusId, 0).number, ==, 0x1234);
  g_assert_true (dasd->online);

  g_autoptr (ZvZdevRule) site = zv_zdev_rule_parse ("41-generic-ccw-0.1.00ab.rules", site_rule,
                                                    strlen (site_rule));
  g_assert_nonnull (site);
  g_assert_cmpstr (site->type, ==, "generic-ccw");
  g_assert_cmpuint (g_array_index (site->devices, ZvBusId, 0).ssid, ==, 1);
  g_assert_true (site->online);

  g_autoptr (ZvZdevRule) qeth = zv_zdev_rule_parse ("41-qeth-0.0.f500.rules", qeth_rule,
                                                    strlen (qeth_rule));
  g_assert_nonnull (qeth);
  g_assert_cmpstr (qeth->type, ==, "qeth");
  g_assert_cmpstr (qeth->id, ==, "0.0.f500:0.0.f501:0.0.f502");
  g_assert_cmpuint (qeth->devices->len, ==, 3);
  g_assert_true (qeth->online);

  /* configured but not set online: no online flag */
  const char *diag = "ATTR{[ccw/0.0.1234]use_diag}=\"1\"\n";
  g_autoptr (ZvZdevRule) off = zv_zdev_rule_parse ("41-dasd-eckd-0.0.1234.rules", diag,
                                                   strlen (diag));
  g_assert_nonnull (off);
  g_assert_false (off->online);
  /* online="0", a comparison, a line that does not parse */
  const char *not_on = "ATTR{[ccw/0.0.1234]online}=\"0\"\nATTR{[ccw/0.0.1234]online}==\"1\"\n"
                       "ATTR{[ccw/0.0.1234]online} \"1\"\n";
  g_autoptr (ZvZdevRule) none = zv_zdev_rule_parse ("41-dasd-eckd-0.0.1234.rules", not_on,
                                                    strlen (not_on));
  g_assert_false (none->online);
  /* names that are not zdev device rules, and rules configuring nothing */
  g_assert_null (zv_zdev_rule_parse ("41-cio-ignore.rules", dasd_rule, strlen (dasd_rule)));
  g_assert_null (zv_zdev_rule_parse ("40-dasd-eckd-0.0.1234.rules", dasd_rule,
                                     strlen (dasd_rule)));
  g_assert_null (zv_zdev_rule_parse ("41-dasd-eckd-0.0.12345.rules", dasd_rule,
                                     strlen (dasd_rule)));
  g_assert_null (zv_zdev_rule_parse ("41-ap.rules", dasd_rule, strlen (dasd_rule)));
  g_assert_null (zv_zdev_rule_parse ("41-dasd-eckd-0.0.1234.rules", "# nothing\n", 10));
}

/* 41-cio-ignore.rules frees devices at boot; zdev wants a space after the list. */
static void
test_zdev_cio_ignore_rule (void)
{
  const char *rule = "# Generated by chzdev\nACTION==\"add\", SUBSYSTEM==\"subsystem\", "
                     "KERNEL==\"ccw\", RUN{program}+=\"/bin/sh -c 'echo free "
                     "0.0.1234,0.0.2000-0.0.20ff > /proc/cio_ignore'\"\n";
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
  zv_cio_ignore_param_parse ("all", items, NULL);
  g_assert_true (zv_zdev_cio_ignore_rule_parse (rule, strlen (rule), items));
  ZvBusId a = id_of ("0.0.1234"), b = id_of ("0.0.2080"), c = id_of ("0.0.3000");
  g_assert_false (zv_cio_ignore_items_ignore (items, &a, NULL));
  g_assert_false (zv_cio_ignore_items_ignore (items, &b, NULL));
  g_assert_true (zv_cio_ignore_items_ignore (items, &c, NULL));
  g_assert_false (zv_zdev_cio_ignore_rule_parse ("echo free 0.0.1234", 18, items));
  g_assert_false (zv_zdev_cio_ignore_rule_parse ("", 0, items));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot-config/cio-ignore", test_cio_ignore_semantics);
  g_test_add_func ("/boot-config/cio-ignore-bad-items", test_cio_ignore_bad_items);
  g_test_add_func ("/boot-config/cmdline", test_cmdline_values);
  g_test_add_func ("/boot-config/zdev-rules", test_zdev_rules);
  g_test_add_func ("/boot-config/zdev-cio-ignore-rule", test_zdev_cio_ignore_rule);
  return g_test_run ();
}
