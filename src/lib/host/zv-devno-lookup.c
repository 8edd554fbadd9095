/* zvfio: the subchannel of a device number (see zv-devno-lookup.h). */
#include "zv-devno-lookup.h"
#include "zv-css.h"
#include "zv-devno-hint.h"
#include "zv-error.h"
#include "zv-parse.h"

#include <string.h>

/* The css driver whose subchannels have their devno indexed by the ccw bus. */
#define ZV_IO_SUBCHANNEL_DRIVER "/sys/bus/css/drivers/io_subchannel"

/* Sets *SCH to the subchannel of the ccw device behind /sys/bus/ccw/devices/DEVNO;
 * FALSE when there is none. */
static gboolean
subchannel_via_ccw_bus (ZvRoot *root, const char *devno, ZvBusId *sch)
{
  g_autofree char *path = g_strconcat (ZV_CCW_DEVICES "/", devno, NULL);
  g_autofree char *resolved = zv_root_resolve (root, path, NULL);
  if (resolved == NULL)
    return FALSE;
  g_autofree char *parent = g_path_get_dirname (resolved);
  g_autofree char *name = g_path_get_basename (parent);
  return zv_parse_busid (name, sch);   /* a sysfs directory name */
}

/* TRUE when subchannel SCH_ID (an entry of the css bus directory BUS) has
 * dev_busid DEVNO now. It is opened below css0 (CSS0, may be NULL), where its
 * bus link points, in one openat; through the link when css0 lacks it. */
static gboolean
subchannel_has_dev_busid (ZvDir *css0, ZvDir *bus, const char *sch_id, const char *devno)
{
  g_autoptr (ZvDir) dir = css0 ? zv_dir_open_child (css0, sch_id, NULL) : NULL;
  if (dir == NULL)
    dir = zv_dir_open_child (bus, sch_id, NULL);
  if (dir == NULL)
    return FALSE;
  g_autofree char *value = zv_dir_read_line (dir, "dev_busid", NULL);
  return value != NULL && strcmp (value, devno) == 0;
}

/* The names listed by the io_subchannel driver directory that are subchannels of
 * set SSID (one listing); empty when the driver is not loaded. */
static GHashTable *
io_subchannels_of_set (ZvRoot *root, guint ssid)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (ZvDir) drv = zv_root_open_dir (root, ZV_IO_SUBCHANNEL_DRIVER, NULL);
  if (drv == NULL || !zv_dir_index (drv, NULL))
    return set;
  gsize cursor = 0;
  const char *name;
  while (zv_dir_index_next (drv, &cursor, &name, NULL))
    {
      ZvBusId busid;
      if (zv_parse_busid (name, &busid) && busid.ssid == ssid)
        g_hash_table_add (set, g_strdup (name));
    }
  return set;
}

/* How many ccw devices of set SSID the ccw bus lists (one listing); -1 when it
 * cannot be read. */
static gint64
ccw_devices_of_set (ZvRoot *root, guint ssid)
{
  g_autoptr (ZvDir) ccw = zv_root_open_dir (root, ZV_CCW_DEVICES, NULL);
  if (ccw == NULL || !zv_dir_index (ccw, NULL))
    return -1;
  gint64 count = 0;
  gsize cursor = 0;
  const char *name;
  while (zv_dir_index_next (ccw, &cursor, &name, NULL))
    {
      ZvBusId busid;
      if (zv_parse_busid (name, &busid) && busid.ssid == ssid)
        count++;
    }
  return count;
}

/* Sets *SCH to the subchannel of set SSID, other than SKIP and not bound to
 * io_subchannel, whose dev_busid is DEVNO; FALSE (ERROR set) on a listing
 * failure or none. */
static gboolean
scan_candidates (ZvRoot *root, ZvDir *css0, ZvDir *bus, guint ssid, const char *devno,
                 const char *skip, ZvBusId *sch, GError **error)
{
  /* a subchannel moving between io_subchannel and another driver while the two
   * listings are read may be missed (its ccw device was gone at the first look):
   * then "not found", never another device; the caller asks the ccw bus again */
  g_autoptr (GHashTable) io = io_subchannels_of_set (root, ssid);
  if (!zv_dir_index (bus, error))
    return FALSE;
  gsize cursor = 0;
  const char *name;
  while (zv_dir_index_next (bus, &cursor, &name, NULL))
    {
      ZvBusId busid;
      if (!zv_parse_busid (name, &busid) || busid.ssid != ssid || strcmp (name, skip) == 0 ||
          g_hash_table_contains (io, name))
        continue;
      if (subchannel_has_dev_busid (css0, bus, name, devno))
        {
          *sch = busid;
          zv_dir_drop_index (bus);
          return TRUE;
        }
    }
  zv_dir_drop_index (bus);
  /* a subchannel bound to io_subchannel whose ccw device is not registered yet
   * (between probe and registration) was no candidate: while the set has one,
   * "no such devno" cannot be told (a bare id would name another device) */
  gint64 ccw_count = g_hash_table_size (io) > 0 ? ccw_devices_of_set (root, ssid) : 0;
  if (ccw_count < 0 || (gint64) g_hash_table_size (io) > ccw_count)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY,
                   "device number %s: subchannel set %u has subchannels bound to "
                   "io_subchannel without a registered ccw device (%u bound, %" G_GINT64_FORMAT
                   " ccw devices): the kernel is still registering devices, try again",
                   devno, ssid, g_hash_table_size (io), MAX (ccw_count, 0));
      return FALSE;
    }
  g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no ccw device %s", devno);
  return FALSE;
}

/* Finds the subchannel holding DEVNO (see zv-devno-lookup.h). */
gboolean
zv_devno_lookup_subchannel (ZvRoot *root, const ZvBusId *devno, ZvBusId *sch, GError **error)
{
  char name[16];
  zv_format_busid (devno, name);
  if (devno->cssid != 0)
    {
      /* Linux names every css device with a literal 0 */
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "no ccw device %s", name);
      return FALSE;
    }
  if (subchannel_via_ccw_bus (root, name, sch))
    return TRUE;
  if (!zv_css_require (root, error))
    return FALSE;
  if (zv_devno_hint_lookup (root, devno, sch))
    return TRUE;
  g_autoptr (ZvDir) bus = zv_root_open_dir (root, ZV_CSS_DEVICES, error);
  if (bus == NULL)
    return FALSE;
  g_autoptr (ZvDir) css0 = zv_root_open_dir (root, ZV_CSS0, NULL);
  if (subchannel_has_dev_busid (css0, bus, name, name))
    {
      *sch = *devno;   /* the common case devno == subchannel number */
      return TRUE;
    }
  g_autoptr (GError) local = NULL;
  if (scan_candidates (root, css0, bus, devno->ssid, name, name, sch, &local))
    return TRUE;
  /* a ccw device registered while the listings were read */
  if (subchannel_via_ccw_bus (root, name, sch))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}
