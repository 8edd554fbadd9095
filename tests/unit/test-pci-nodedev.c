/* Unit tests: the pure parsers behind PCI node devices: pci.ids read as
 * libpciaccess reads it for libvirt (common_device_name.c: fgets chunks of
 * 127 bytes, first match wins), and the config space as libvirt's virpci.c
 * reads it (header type, the Express capability, its link registers). */
#include "zv-pci-nodedev.h"

#include <string.h>

/* The names of (VENDOR, DEVICE) in pci.ids TEXT. */
static void
lookup (const char *text, guint32 vendor, guint32 device, const char *want_vendor,
        const char *want_device)
{
  g_autoptr (ZvPciNames) names = zv_pci_names_new ();
  zv_pci_names_want (names, vendor, device);
  zv_pci_names_feed_text (names, text, strlen (text));
  g_assert_cmpstr (zv_pci_names_vendor (names, vendor), ==, want_vendor);
  g_assert_cmpstr (zv_pci_names_device (names, vendor, device), ==, want_device);
}

/* Vendor and device lines, subsystem and class lines, comments. */
static void
test_pci_ids_lines (void)
{
  const char *ids = "# comment 1af4  not a vendor\n"
                    "1af4  Red Hat, Inc.\n"
                    "\t1000  Virtio network device\n"
                    "\t\t1af4 1001  a subsystem\n"
                    "\t1001  Virtio block device\n"
                    "\t1000  a second device line\n"
                    "1af5  Netezza Corp.\n"
                    "\t1002  under 1af5\n"
                    "C 00  Unclassified device\n"
                    "\t00  Non-VGA unclassified device\n";
  lookup (ids, 0x1af4, 0x1000, "Red Hat, Inc.", "Virtio network device");
  lookup (ids, 0x1af4, 0x1001, "Red Hat, Inc.", "Virtio block device");
  lookup (ids, 0x1af4, 0x1002, "Red Hat, Inc.", NULL);
  lookup (ids, 0x1af5, 0x1002, "Netezza Corp.", "under 1af5");
  lookup (ids, 0x1014, 0x04ed, NULL, NULL);
  /* uppercase hex ids; a name is everything after the id and two characters */
  lookup ("1AF4  X\n\t10A0 \tname  with  spaces \n", 0x1af4, 0x10a0, "X", "name  with  spaces ");
  /* an id line without a name gives an empty name, not none */
  lookup ("1af4\n\t1000\n", 0x1af4, 0x1000, "", "");
  /* a device line before any vendor line, a 5-digit id */
  lookup ("\t1000  orphan\n1af4  V\n", 0x1af4, 0x1000, "V", NULL);
  lookup ("11af4  five digits\n1af4  four\n", 0x1af4, 0x0, "four", NULL);
  /* a second block of the same vendor adds to the first */
  lookup ("1af4  first\n\t1000  a\n1af5  other\n1af4  again\n\t1001  b\n", 0x1af4, 0x1001,
          "first", "b");
  /* no trailing newline */
  lookup ("1af4  V\n\t1000  last", 0x1af4, 0x1000, "V", "last");
}

/* fgets into 128 bytes: a long line comes in chunks of 127 bytes, the name
 * of its first chunk is cut, a later chunk is a line of its own. */
static void
test_pci_ids_long_lines (void)
{
  g_autofree char *long_name = g_strnfill (200, 'N');
  g_autofree char *text = g_strdup_printf ("1af4  V\n\t1000  %s\n", long_name);
  g_autofree char *cut = g_strnfill (127 - 7, 'N');
  lookup (text, 0x1af4, 0x1000, "V", cut);
  /* the second chunk of a long line looks like a device line: it is read as one */
  g_autofree char *pad = g_strnfill (127 - 6, 'p');
  g_autofree char *tricky = g_strdup_printf ("1af4  %s\t1000  hidden\n", pad);
  lookup (tricky, 0x1af4, 0x1000, pad, "hidden");
  /* a line of exactly 127 bytes then an empty chunk: nothing lost */
  g_autofree char *exact = g_strdup_printf ("1af4  %s\n\t1000  d\n", pad);
  lookup (exact, 0x1af4, 0x1000, pad, "d");
}

/* A config space of LENGTH bytes with the given header type and, at CAP (0 =
 * none), an Express capability of TYPE with its link registers. */
static guint8 *
make_config (gsize length, guint header, guint cap, guint type, guint32 lnkcap, guint lnksta)
{
  guint8 *c = g_malloc0 (length);
  c[0x0e] = (guint8) header;
  if (cap != 0)
    {
      c[0x06] = 0x10;            /* status: capability list */
      c[0x34] = 0x40;
      c[0x40] = 0x05;            /* MSI first, then the Express capability */
      c[0x41] = (guint8) cap;
      c[cap] = 0x10;
      c[cap + 1] = 0x00;
      c[cap + 2] = (guint8) (0x02 | (type << 4));
      c[cap + 0x0c] = lnkcap & 0xff;
      c[cap + 0x0d] = (lnkcap >> 8) & 0xff;
      c[cap + 0x0e] = (lnkcap >> 16) & 0xff;
      c[cap + 0x0f] = (lnkcap >> 24) & 0xff;
      c[cap + 0x12] = lnksta & 0xff;
      c[cap + 0x13] = (lnksta >> 8) & 0xff;
    }
  return c;
}

/* Express or not, link or not, the link registers, header types. */
static void
test_config_space (void)
{
  ZvPciConfigInfo info;
  /* an endpoint with an x8 8 GT/s link, port 3, negotiated x4 5 GT/s */
  g_autofree guint8 *ep = make_config (4096, 0x80, 0x60, 0, (3u << 24) | (8 << 4) | 3,
                                       (4 << 4) | 2);
  zv_pci_config_parse (ep, 4096, 4096, &info);
  g_assert_cmpuint (info.header_type, ==, ZV_PCI_HEADER_ENDPOINT);
  g_assert_true (info.pcie);
  g_assert_true (info.link);
  g_assert_cmpuint (info.cap_port, ==, 3);
  g_assert_cmpuint (info.cap_speed, ==, 3);
  g_assert_cmpuint (info.cap_width, ==, 8);
  g_assert_cmpuint (info.sta_speed, ==, 2);
  g_assert_cmpuint (info.sta_width, ==, 4);
  /* root complex integrated endpoint (9) and event collector (10): no link */
  g_autofree guint8 *rcie = make_config (4096, 0, 0x60, 9, 0x83, 0x83);
  zv_pci_config_parse (rcie, 4096, 4096, &info);
  g_assert_true (info.pcie);
  g_assert_false (info.link);
  /* no capability list: the file's size decides (256: conventional) */
  g_autofree guint8 *plain = make_config (256, 1, 0, 0, 0, 0);
  zv_pci_config_parse (plain, 256, 256, &info);
  g_assert_cmpuint (info.header_type, ==, ZV_PCI_HEADER_PCI_BRIDGE);
  g_assert_false (info.pcie);
  zv_pci_config_parse (plain, 256, 4096, &info);
  g_assert_true (info.pcie);
  g_assert_false (info.link);
  /* not root: 64 bytes of a 4096-byte Express function read, the rest is 0 */
  zv_pci_config_parse (ep, 64, 4096, &info);
  g_assert_true (info.pcie);
  g_assert_false (info.link);
  /* a looping capability list ends */
  g_autofree guint8 *loop = make_config (256, 2, 0, 0, 0, 0);
  loop[0x06] = 0x10;
  loop[0x34] = 0x40;
  loop[0x40] = 0x05;
  loop[0x41] = 0x40;
  zv_pci_config_parse (loop, 256, 256, &info);
  g_assert_cmpuint (info.header_type, ==, ZV_PCI_HEADER_CARDBUS_BRIDGE);
  g_assert_false (info.pcie);
  /* an empty read */
  zv_pci_config_parse (NULL, 0, -1, &info);
  g_assert_cmpuint (info.header_type, ==, 0);
  g_assert_true (info.pcie);   /* libvirt: a config file of unknown size is taken for Express */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pci-nodedev/pci-ids", test_pci_ids_lines);
  g_test_add_func ("/pci-nodedev/pci-ids-long-lines", test_pci_ids_long_lines);
  g_test_add_func ("/pci-nodedev/config-space", test_config_space);
  return g_test_run ();
}
