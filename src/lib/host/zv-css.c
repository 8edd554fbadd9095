/* zvfio: loading subchannels and ccw devices from sysfs. */
#include "zv-css.h"
#include "zv-paths.h"
#include "zv-error.h"
#include "zv-mdev.h"
#include "zv-sysattr.h"

#include <dirent.h>
#include <string.h>

/* Orders two strings (for g_ptr_array_sort: pointers to them). */
static gint
zv_compare_strings (const char **a, const char **b)
{
  return strcmp (*a, *b);
}

/* Frees a ccw device. */
void
zv_ccw_device_free (ZvCcwDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->id);
  g_free (dev->cutype);
  g_free (dev->devtype);
  g_free (dev->availability);
  g_free (dev->driver);
  g_free (dev->path);
  g_free (dev);
}

/* Frees a subchannel. */
void
zv_subchannel_free (ZvSubchannel *sch)
{
  if (sch == NULL)
    return;
  g_free (sch->id);
  g_free (sch->driver);
  g_free (sch->driver_override);
  g_free (sch->dev_busid);
  zv_ccw_device_free (sch->device);
  g_clear_pointer (&sch->mdev_types, g_ptr_array_unref);
  g_clear_pointer (&sch->mdevs, g_ptr_array_unref);
  g_free (sch->path);
  g_free (sch);
}

/* Human name of a subchannel type, NULL if unknown. */
const char *
zv_subchannel_type_name (int type)
{
  switch (type)
    {
    case ZV_SCH_TYPE_IO: return "io";
    case ZV_SCH_TYPE_CHSC: return "chsc";
    case ZV_SCH_TYPE_MSG: return "message";
    case ZV_SCH_TYPE_ADM: return "adm";
    default: return NULL;
    }
}

/* TYPE/MODEL as the cutype and devtype attributes print them ("%04x/%02x"),
 * without printf: it runs twice for every ccw device. */
static char *
format_type_model (guint type, guint model)
{
  if (type > 0xffff || model > 0xff)
    return g_strdup_printf ("%04x/%02x", type, model);
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (8);
  for (int i = 0; i < 4; i++)
    text[i] = hex[(type >> (12 - 4 * i)) & 0xf];
  text[4] = '/';
  text[5] = hex[(model >> 4) & 0xf];
  text[6] = hex[model & 0xf];
  text[7] = '\0';
  return text;
}

/* Where a ccw device's attributes are read: in DIR, or with CHILD set in the
 * child directory CHILD of DIR, by paths "CHILD/<attribute>" from DIR (no
 * directory opened for the device; each open, RESOLVE_NO_SYMLINKS, proves CHILD a
 * real directory below DIR). NAME is the device's name. */
typedef struct {
  ZvDir *dir;
  const char *child;
  const char *name;
} CcwAt;

/* The path of attribute ATTR of the device AT, relative to AT's directory (in BUF). */
static const char *
ccw_attr_path (const CcwAt *at, const char *attr, char buf[64])
{
  if (at->child == NULL)
    return attr;
  gsize c = strlen (at->child), a = strlen (attr);
  g_assert (c + 1 + a < 64);   /* a bus id and an attribute name */
  memcpy (buf, at->child, c);   /* "<child>/<attr>" without printf: runs per file */
  buf[c] = '/';
  memcpy (buf + c + 1, attr, a + 1);
  return buf;
}

/* Sets DEV's cutype and devtype from one read of AT's uevent (CU_TYPE ... DEV_MODEL,
 * which the cutype and devtype attributes print from the same sense-id data:
 * "%04x/%02x", devtype "n/a" for device type 0); FALSE when it lacks one. *ERROR
 * says why the uevent did not read (NULL when it did). */
static gboolean
ccw_ids_from_uevent (const CcwAt *at, ZvCcwDevice *dev, GError **error)
{
  gsize len = 0;
  char buf[64];
  g_autofree char *uevent = zv_dir_read (at->dir, ccw_attr_path (at, "uevent", buf), &len,
                                         error);
  ZvCcwIds ids;
  if (uevent == NULL || !zv_parse_ccw_uevent_ids (uevent, len, &ids))
    return FALSE;
  dev->cutype = format_type_model (ids.cu_type, ids.cu_model);
  dev->devtype = ids.dev_type != 0 ? format_type_model (ids.dev_type, ids.dev_model) : NULL;
  return TRUE;
}

/* Sets DEV's cutype and devtype from the attributes of those names (a uevent
 * without them: old kernels, trees made by hand); garbage is a warning. */
static void
ccw_ids_from_attributes (const CcwAt *at, ZvCcwDevice *dev, GPtrArray *warnings)
{
  const char *name = at->name;
  char buf[64];
  guint t, m;
  g_autofree char *cutype = zv_attr_get (at->dir, name, ccw_attr_path (at, "cutype", buf),
                                         warnings);
  if (cutype && zv_parse_type_model (cutype, &t, &m))
    dev->cutype = g_steal_pointer (&cutype);
  else if (cutype)
    zv_attr_warn_garbage (warnings, name, "cutype", cutype);

  g_autofree char *devtype = zv_attr_get (at->dir, name, ccw_attr_path (at, "devtype", buf),
                                          warnings);
  if (devtype && zv_parse_type_model (devtype, &t, &m))
    dev->devtype = g_steal_pointer (&devtype);
  else if (devtype && strcmp (devtype, "n/a") != 0)
    zv_attr_warn_garbage (warnings, name, "devtype", devtype);
}

/* Loads the ccw device AT with what FLAGS ask for (see ZvLoadFlags). With AT's
 * CHILD set (only for the table: a link is read in the device's own directory),
 * NULL with *ABSENT set when CHILD/uevent does not open for want of CHILD as a
 * directory (gone, a symlink, not a directory): the caller opens it or looks
 * elsewhere. */
static ZvCcwDevice *
ccw_device_load_at (const CcwAt *at, guint flags, GPtrArray *warnings, gboolean *absent,
                    GError **error)
{
  const char *name = at->name;
  ZvBusId busid;
  if (!zv_parse_busid (name, &busid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s%s%s is not a ccw device name",
                   zv_dir_path (at->dir), at->child ? "/" : "", at->child ? at->child : "");
      return NULL;
    }
  g_assert (at->child == NULL || (flags & ZV_LOAD_TABLE));
  g_autoptr (ZvCcwDevice) dev = g_new0 (ZvCcwDevice, 1);
  dev->busid = busid;
  dev->online = -1;

  g_autoptr (GError) uevent_error = NULL;
  if (!ccw_ids_from_uevent (at, dev, &uevent_error))
    {
      if (at->child != NULL && uevent_error != NULL &&
          (g_error_matches (uevent_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
           g_error_matches (uevent_error, G_FILE_ERROR, G_FILE_ERROR_LOOP) ||
           g_error_matches (uevent_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR)))
        {
          *absent = TRUE;
          return NULL;
        }
      ccw_ids_from_attributes (at, dev, warnings);
    }
  dev->id = g_strdup (name);
  dev->path = at->child ? g_strconcat (zv_dir_path (at->dir), "/", at->child, NULL)
                        : g_strdup (zv_dir_path (at->dir));

  char buf[64];
  g_autofree char *online = zv_attr_get (at->dir, name, ccw_attr_path (at, "online", buf),
                                         warnings);
  gboolean flag;
  if (online && zv_parse_flag (online, &flag))
    dev->online = flag ? 1 : 0;
  else if (online)
    zv_attr_warn_garbage (warnings, name, "online", online);

  if (flags & ZV_LOAD_TABLE)
    return g_steal_pointer (&dev);
  dev->availability = zv_attr_get (at->dir, name, "availability", warnings);
  dev->driver = zv_attr_link (at->dir, name, "driver", warnings);
  return g_steal_pointer (&dev);
}

/* Loads the ccw device at DIR with what FLAGS ask for (see ZvLoadFlags). */
static ZvCcwDevice *
ccw_device_load (ZvDir *dir, guint flags, GPtrArray *warnings, GError **error)
{
  CcwAt at = { dir, NULL, zv_dir_name (dir) };
  gboolean absent = FALSE;
  return ccw_device_load_at (&at, flags, warnings, &absent, error);
}

/* Loads the ccw device at DIR. */
ZvCcwDevice *
zv_ccw_device_load (ZvDir *dir, GPtrArray *warnings, GError **error)
{
  return ccw_device_load (dir, 0, warnings, error);
}

/* The busid-named entries of DIR in name order (from its index when it has one). */
static GPtrArray *
busid_entries (ZvDir *dir, GError **error)
{
  gsize cursor = 0;
  const char *name;
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  ZvBusId busid;
  if (zv_dir_index_next (dir, &cursor, &name, NULL))
    {
      do
        if (zv_parse_busid (name, &busid))
          g_ptr_array_add (found, g_strdup (name));
      while (zv_dir_index_next (dir, &cursor, &name, NULL));
      g_ptr_array_sort (found, (GCompareFunc) zv_compare_strings);
      return found;
    }
  g_ptr_array_unref (found);
  GPtrArray *names = zv_dir_list (dir, error);
  for (guint i = 0; names && i < names->len; i++)
    if (!zv_parse_busid (g_ptr_array_index (names, i), &busid))
      g_ptr_array_remove_index (names, i--);
  return names;
}

/* Finds and loads the ccw device child of a subchannel directory: the first
 * entry (in name order) named like a bus id that is a directory below it. */
static ZvCcwDevice *
load_child_device (ZvDir *dir, guint flags, GPtrArray *warnings)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = busid_entries (dir, &error);
  if (names == NULL)
    {
      zv_warning_add (warnings, "%s: %s", zv_dir_name (dir), error->message);
      return NULL;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);
      g_autoptr (ZvDir) child = zv_dir_open_child (dir, entry, NULL);
      if (child == NULL)
        continue;
      /* a link (to another device) is not a child */
      if (!g_str_has_prefix (zv_dir_path (child), zv_dir_path (dir)))
        continue;
      zv_dir_index (child, NULL);   /* without it, each read checks the file itself */
      ZvCcwDevice *dev = ccw_device_load (child, flags, warnings, &error);
      if (dev == NULL)
        zv_warning_add (warnings, "%s: %s", zv_dir_name (dir), error->message);
      return dev;
    }
  return NULL;
}

/* TRUE when the indexed subchannel DIR has an entry named like a bus id (a
 * ccw device child, as the table shows it instead of dev_busid). */
static gboolean
has_busid_entry (ZvDir *dir)
{
  gsize cursor = 0;
  const char *name;
  ZvBusId busid;
  while (zv_dir_index_next (dir, &cursor, &name, NULL))
    if (zv_parse_busid (name, &busid))
      return TRUE;
  return FALSE;
}

/* Loads the subchannel at the canonical sysfs directory DIR. */
ZvSubchannel *
zv_subchannel_load (ZvDir *dir, GPtrArray *warnings, GError **error)
{
  return zv_subchannel_load_flags (dir, 0, warnings, error);
}

/* Loads the subchannel at DIR with what FLAGS ask for. The directory is
 * indexed once (one getdents pass) for the load: absent attributes cost no
 * syscall, present ones open, read, close. */
ZvSubchannel *
zv_subchannel_load_flags (ZvDir *dir, guint flags, GPtrArray *warnings, GError **error)
{
  return zv_subchannel_load_child (dir, flags, NULL, warnings, error);
}

/* Reads attribute NAME of the subchannel DIR (named OWNER) into *VALUE and says
 * whether it exists (an unreadable one does; a warning says why). */
static gboolean
attr_get_present (ZvDir *dir, const char *owner, const char *name, char **value,
                  GPtrArray *warnings)
{
  g_autoptr (GError) error = NULL;
  *value = zv_dir_read_line (dir, name, &error);
  if (*value != NULL)
    return TRUE;
  if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return FALSE;
  zv_warning_add (warnings, "%s: %s", owner, error->message);
  return TRUE;
}

/* Loads the ccw device CHILD, a real child directory of the subchannel DIR: for
 * the table by paths CHILD/<attribute> from DIR (one openat2 each), else (list
 * --json, no openat2, or when that finds no such directory) opened as a
 * directory; NULL when it does not open (the caller then lists DIR). */
static ZvCcwDevice *
load_named_child (ZvDir *dir, const char *child, guint flags, GPtrArray *warnings)
{
  g_autoptr (GError) error = NULL;
  if ((flags & ZV_LOAD_TABLE) && zv_root_opens_paths_in_one_call ())
    {
      CcwAt at = { dir, child, child };
      gboolean absent = FALSE;
      ZvCcwDevice *dev = ccw_device_load_at (&at, flags, warnings, &absent, &error);
      if (dev != NULL || !absent)
        {
          if (dev == NULL)
            zv_warning_add (warnings, "%s: %s", zv_dir_name (dir), error->message);
          return dev;
        }
    }
  g_autoptr (ZvDir) cdir = zv_dir_open_subdir (dir, child, NULL);
  if (cdir == NULL)
    return NULL;
  ZvCcwDevice *dev = ccw_device_load (cdir, flags, warnings, &error);
  if (dev == NULL)
    zv_warning_add (warnings, "%s: %s", zv_dir_name (dir), error->message);
  return dev;
}

/* Loads the subchannel at DIR with what FLAGS ask for; CHILD names its ccw device
 * (see zv-css.h). Without CHILD the directory is indexed once (one getdents pass):
 * absent attributes cost no syscall, present ones open, read, close. With CHILD
 * nothing is listed: each attribute read checks the file it opened (fstat), which
 * costs less than a listing of the directory. */
ZvSubchannel *
zv_subchannel_load_child (ZvDir *dir, guint flags, const char *child, GPtrArray *warnings,
                          GError **error)
{
  const char *name = zv_dir_name (dir);
  ZvBusId busid;
  if (!zv_parse_busid (name, &busid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is not a subchannel name",
                   zv_dir_path (dir));
      return NULL;
    }
  g_autoptr (ZvSubchannel) sch = g_new0 (ZvSubchannel, 1);
  sch->id = g_strdup (name);
  sch->busid = busid;
  sch->path = g_strdup (zv_dir_path (dir));
  sch->type = -1;
  gboolean table = (flags & ZV_LOAD_TABLE) != 0;
  gboolean indexed = child == NULL && zv_dir_index (dir, NULL);

  g_autofree char *type = zv_attr_get (dir, name, "type", warnings);
  guint32 value;
  if (type && strlen (type) == 1 && zv_parse_hex_u32_loose (type, &value))
    sch->type = (int) value;
  else if (type)
    zv_attr_warn_garbage (warnings, name, "type", type);
  else
    zv_warning_add (warnings, "%s: attribute type is missing", name);

  sch->driver = zv_attr_link (dir, name, "driver", warnings);

  /* the table shows no driver_override: read only when the index has it for free */
  g_autofree char *override = NULL;
  if (indexed)
    {
      sch->has_driver_override_attr = zv_dir_has (dir, "driver_override");
      if (!table)
        override = zv_attr_get (dir, name, "driver_override", warnings);
    }
  else if (!table || child == NULL)
    sch->has_driver_override_attr = attr_get_present (dir, name, "driver_override", &override,
                                                      warnings);
  if (override && *override && strcmp (override, "(null)") != 0)
    sch->driver_override = g_steal_pointer (&override);

  g_autofree char *chpids = zv_attr_get (dir, name, "chpids", warnings);
  if (chpids)
    {
      sch->has_chpids = zv_parse_chpids (chpids, sch->chpids);
      if (!sch->has_chpids)
        zv_attr_warn_garbage (warnings, name, "chpids", chpids);
    }
  g_autofree char *pimpampom = zv_attr_get (dir, name, "pimpampom", warnings);
  if (pimpampom)
    {
      sch->has_pimpampom = zv_parse_pimpampom (pimpampom, sch->pimpampom);
      if (!sch->has_pimpampom)
        zv_attr_warn_garbage (warnings, name, "pimpampom", pimpampom);
    }
  /* the table shows dev_busid only for a subchannel without a ccw device */
  gboolean io = sch->type == ZV_SCH_TYPE_IO;
  gboolean want_dev_busid = !table || !io ||
                            (child == NULL && (!indexed || !has_busid_entry (dir)));
  g_autofree char *dev_busid = want_dev_busid ? zv_attr_get (dir, name, "dev_busid", warnings)
                                              : NULL;
  ZvBusId dev_id;
  if (dev_busid && zv_parse_busid (dev_busid, &dev_id))
    sch->dev_busid = g_steal_pointer (&dev_busid);
  else if (dev_busid && strcmp (dev_busid, "none") != 0)
    zv_attr_warn_garbage (warnings, name, "dev_busid", dev_busid);

  if (io && child != NULL)
    sch->device = load_named_child (dir, child, flags, warnings);
  if (io && sch->device == NULL)
    {
      /* no device named, or the one named did not open: look in the directory */
      if (child != NULL)
        indexed = zv_dir_index (dir, NULL);
      sch->device = load_child_device (dir, flags, warnings);
    }
  if (!want_dev_busid && sch->device == NULL)
    {
      /* a child entry that did not load: the table shows dev_busid after all */
      g_autofree char *late = zv_attr_get (dir, name, "dev_busid", warnings);
      if (late && zv_parse_busid (late, &dev_id))
        sch->dev_busid = g_steal_pointer (&late);
      else if (late && strcmp (late, "none") != 0)
        zv_attr_warn_garbage (warnings, name, "dev_busid", late);
    }
  sch->qdio = sch->device && zv_cutype_is_qdio (sch->device->cutype);
  /* the table shows no mdev types, and a subchannel with a ccw device (bound to
   * io_subchannel) has none: vfio_ccw adds mdev_supported_types when it binds */
  sch->mdev_types = table && child != NULL && sch->device != NULL
                    ? g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_type_free)
                    : zv_mdev_types_load (dir, warnings);
  sch->mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  zv_dir_drop_index (dir);
  return g_steal_pointer (&sch);
}

/* Packs NAME, a bus id spelled as the kernel names a subchannel or ccw device
 * of css0 ("0.<ssid>.<4 lowercase hex digits>"), into a links table key or
 * value: ssid and number, with a bit set so that none is 0 (NULL). FALSE for
 * any other spelling. Without printf or allocation: it runs for every device. */
static gboolean
pack_canonical_busid (const char *name, guint *packed)
{
  if (name[0] != '0' || name[1] != '.' || name[2] < '0' || name[2] > '3' || name[3] != '.')
    return FALSE;
  guint number = 0;
  for (int i = 4; i < 8; i++)
    {
      char c = name[i];
      if (c >= '0' && c <= '9')
        number = number * 16 + (guint) (c - '0');
      else if (c >= 'a' && c <= 'f')
        number = number * 16 + (guint) (c - 'a' + 10);
      else
        return FALSE;
    }
  if (name[8] != '\0')
    return FALSE;
  *packed = 0x1000000u | ((guint) (name[2] - '0') << 16) | number;
  return TRUE;
}

/* The ccw bus's links to devices below css0 (see zv-css.h). */
GHashTable *
zv_css_ccw_links_read (ZvRoot *root)
{
  g_autoptr (ZvDir) bus = zv_root_open_dir (root, ZV_CCW_DEVICES, NULL);
  if (bus == NULL || !zv_dir_index (bus, NULL))
    return NULL;
  GHashTable *links = g_hash_table_new (g_direct_hash, g_direct_equal);
  static const char prefix[] = "../../../devices/css0/";
  const char *name;
  guint8 type;
  for (gsize cursor = 0; zv_dir_index_next (bus, &cursor, &name, &type);)
    {
      char target[64];
      guint sch, dev;
      if ((type != DT_LNK && type != DT_UNKNOWN) || !pack_canonical_busid (name, &dev))
        continue;
      /* exactly <prefix><subchannel>/<name>, both spelled as the kernel does */
      gssize n = zv_dir_read_link (bus, name, target, sizeof target);
      const char *sch_name = target + sizeof prefix - 1;
      if (n != (gssize) (sizeof prefix - 1 + 17) || memcmp (target, prefix, sizeof prefix - 1) != 0
          || sch_name[8] != '/' || strcmp (sch_name + 9, name) != 0)
        continue;
      target[sizeof prefix - 1 + 8] = '\0';
      if (pack_canonical_busid (sch_name, &sch))
        g_hash_table_insert (links, GUINT_TO_POINTER (sch), GUINT_TO_POINTER (dev));
    }
  return links;
}

/* The ccw device LINKS names for the subchannel SCH_NAME (see zv-css.h). */
gboolean
zv_css_ccw_links_lookup (GHashTable *links, const char *sch_name, char device[16])
{
  guint sch;
  if (links == NULL || !pack_canonical_busid (sch_name, &sch))
    return FALSE;
  guint dev = GPOINTER_TO_UINT (g_hash_table_lookup (links, GUINT_TO_POINTER (sch)));
  if (dev == 0)
    return FALSE;
  static const char hex[] = "0123456789abcdef";
  device[0] = '0';
  device[1] = '.';
  device[2] = (char) ('0' + ((dev >> 16) & 0x3));
  device[3] = '.';
  for (int i = 0; i < 4; i++)
    device[4 + i] = hex[(dev >> (12 - 4 * i)) & 0xf];
  device[8] = '\0';
  return TRUE;
}

/* Checks that the css bus exists below the root. */
gboolean
zv_css_require (ZvRoot *root, GError **error)
{
  if (zv_root_exists (root, ZV_CSS_DEVICES))
    return TRUE;
  /* no advice here: each front end names its own way to a sysfs tree once */
  if (zv_root_is_system (root))
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_S390,
                 "no channel subsystem: %s does not exist; this is not an s390 host",
                 ZV_CSS_DEVICES);
  else
    g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_S390,
                 "no channel subsystem below root %s: %s does not exist; not an s390 "
                 "sysfs tree", zv_root_dir (root), ZV_CSS_DEVICES);
  return FALSE;
}
