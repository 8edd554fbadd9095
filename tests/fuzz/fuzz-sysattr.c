/* Fuzz target: sysfs attribute parsers (chpids, pimpampom, cutype, ccw uevent, hex,
 * pci, EBCDIC, /sys/firmware devices and types), lines of the kernel's mountinfo,
 * swaps and route tables, the boot configuration (cio_ignore=, the kernel command
 * line, zdev's udev rules) and what PCI node devices read (pci.ids, config space). */
#include "zv-boot-config.h"
#include "zv-boot-devices.h"
#include "zv-kernel-tables.h"
#include "zv-parse.h"
#include "zv-pci-nodedev.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Feeds DATA to every attribute parser. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  guint8 bytes[8];
  guint32 v;
  guint t, m;
  gboolean flag;
  ZvBusId busid;
  ZvPciAddress pci;
  zv_parse_chpids (text, bytes);
  zv_parse_pimpampom (text, bytes);
  zv_parse_type_model (text, &t, &m);
  zv_parse_hex_u32 (text, &v);
  zv_parse_hex_u32_loose (text, &v);
  zv_parse_dec_u32 (text, &v);
  zv_parse_flag (text, &flag);
  zv_parse_busid (text, &busid);
  if (zv_parse_pci_address (text, &pci))
    {
      char buf[32];
      zv_format_pci_address (&pci, buf);
    }
  g_free (zv_ebcdic_to_utf8 (data, size));
  zv_cutype_is_qdio (text);
  /* /sys/firmware/{ipl,reipl,dump}: an accepted device number or function id
   * prints back as exactly the text the kernel shows */
  if (zv_boot_parse_devno (text, &busid))
    {
      char buf[16];
      zv_format_busid (&busid, buf);
      g_assert_cmpstr (buf, ==, text);
    }
  if (zv_boot_parse_fid (text, &v))
    {
      g_autofree char *fid = g_strdup_printf ("0x%08x", v);
      g_assert_cmpstr (fid, ==, text);
    }
  for (int role = 0; role <= ZV_BOOT_ROLE_COUNT; role++)
    {
      ZvBootBus bus;
      const char *attr;
      if (zv_boot_parse_type ((ZvBootRole) role, text, &bus, &attr))
        g_assert_true ((attr == NULL) == (bus == ZV_BOOT_BUS_NONE));
    }
  /* the uevent is read whole, NULs included: the raw bytes; an accepted one
   * prints as the type/model pair the cutype attribute shows */
  ZvCcwIds ids;
  if (zv_parse_ccw_uevent_ids ((const char *) data, size, &ids))
    {
      g_autofree char *cutype = g_strdup_printf ("%04x/%02x", ids.cu_type, ids.cu_model);
      g_assert_true (zv_parse_type_model (cutype, &t, &m));
      g_assert_cmpuint (t, ==, ids.cu_type);
    }
  /* the kernel's tables, a line at a time (mountinfo, swaps, routes) */
  ZvMountinfoEntry mount;
  if (zv_mountinfo_parse_line (text, &mount))
    zv_mountinfo_entry_clear (&mount);
  char *word = NULL;
  gboolean yes;
  zv_swaps_parse_line (text, &word, &yes);
  g_clear_pointer (&word, g_free);
  zv_route_parse_line (text, &word, &yes);
  g_clear_pointer (&word, g_free);
  zv_ipv6_route_parse_line (text, &word, &yes);
  g_clear_pointer (&word, g_free);
  g_free (zv_octal_unescape (text));
  ZvDevt devt;
  zv_parse_devt (text, &devt);
  zv_parse_netdev_flags (text, &v);
  /* the boot configuration: cio_ignore= (every accepted range is in order),
   * the kernel command line, zdev's rules by a ccw and a group name */
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
  g_autoptr (GPtrArray) bad = g_ptr_array_new_with_free_func (g_free);
  zv_cio_ignore_param_parse (text, items, bad);
  for (guint i = 0; i < items->len; i++)
    {
      const ZvCioItem *item = &g_array_index (items, ZvCioItem, i);
      if (item->kind == ZV_CIO_ITEM_RANGE)
        g_assert_true (item->from.ssid < item->to.ssid ||
                       (item->from.ssid == item->to.ssid &&
                        item->from.number <= item->to.number));
    }
  ZvBusId probe = { 0, 1, 0x1234 };
  zv_cio_ignore_items_ignore (items, &probe, &probe);
  g_ptr_array_unref (zv_cmdline_values (text, "cio_ignore"));
  g_autoptr (ZvZdevRule) rule = zv_zdev_rule_parse ("41-dasd-eckd-0.0.1234.rules",
                                                    (const char *) data, size);
  g_autoptr (ZvZdevRule) group = zv_zdev_rule_parse ("41-qeth-0.0.f500.rules",
                                                     (const char *) data, size);
  if (rule != NULL)
    g_assert_cmpuint (rule->devices->len, >, 0);
  zv_zdev_cio_ignore_rule_parse ((const char *) data, size, items);
  /* pci.ids and a config space */
  g_autoptr (ZvPciNames) names = zv_pci_names_new ();
  zv_pci_names_want (names, 0x1af4, 0x1000);
  zv_pci_names_feed_text (names, (const char *) data, size);
  zv_pci_names_vendor (names, 0x1af4);
  zv_pci_names_device (names, 0x1af4, 0x1000);
  ZvPciConfigInfo config;
  zv_pci_config_parse (data, size, (gint64) size, &config);
  zv_pci_config_parse (data, size, 256, &config);
  return 0;
}
