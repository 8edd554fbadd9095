/* Fuzz target: sysfs attribute parsers (chpids, pimpampom, cutype, ccw uevent, hex,
 * pci, EBCDIC, /sys/firmware devices and types) and lines of the kernel's mountinfo,
 * swaps and route tables. */
#include "zv-boot-devices.h"
#include "zv-kernel-tables.h"
#include "zv-parse.h"

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
  return 0;
}
