/* zvfio: the PCI node-device facts libvirt 9.0 reads beyond zvfio's zPCI
 * model: pci.ids names, config space, SR-IOV, IOMMU group, mdev types, NUMA. */
#include "zv-pci-nodedev.h"
#include "zv-error.h"
#include "zv-mdev.h"
#include "zv-parse.h"
#include "zv-sysattr.h"

#include <gio/gio.h>
#include <string.h>

/* ---- pci.ids ------------------------------------------------------------ */

/* libpciaccess reads pci.ids with fgets into a 128-byte buffer: a longer line
 * arrives as several chunks of at most 127 bytes. */
#define PCI_IDS_CHUNK 127
/* The largest decompressed pci.ids zvfio accepts (the real one is ~1.4 MB). */
#define PCI_IDS_MAX_TEXT (64 * 1024 * 1024)
/* libpciaccess's "no vendor line seen yet" (PCI_MATCH_ANY). */
#define NO_VENDOR G_MAXUINT32

/* The names of one wanted vendor and of its wanted devices. */
typedef struct {
  char *name;                 /* NULL until its first vendor line */
  GHashTable *devices;        /* device id -> name (NULL value: wanted, not seen yet) */
} VendorNames;

struct _ZvPciNames {
  GHashTable *vendors;        /* vendor id -> VendorNames */
  guint32 current;            /* the vendor of the last vendor line */
};

/* Frees one vendor's names. */
static void
vendor_names_free (VendorNames *v)
{
  g_free (v->name);
  g_hash_table_unref (v->devices);
  g_free (v);
}

/* A lookup with no id wanted yet. */
ZvPciNames *
zv_pci_names_new (void)
{
  ZvPciNames *names = g_new0 (ZvPciNames, 1);
  names->vendors = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                          (GDestroyNotify) vendor_names_free);
  names->current = NO_VENDOR;
  return names;
}

/* Frees the lookup. */
void
zv_pci_names_free (ZvPciNames *names)
{
  if (names == NULL)
    return;
  g_hash_table_unref (names->vendors);
  g_free (names);
}

/* Asks for the names of VENDOR and of its DEVICE. */
void
zv_pci_names_want (ZvPciNames *names, guint32 vendor, guint32 device)
{
  VendorNames *v = g_hash_table_lookup (names->vendors, GUINT_TO_POINTER (vendor));
  if (v == NULL)
    {
      v = g_new0 (VendorNames, 1);
      v->devices = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
      g_hash_table_insert (names->vendors, GUINT_TO_POINTER (vendor), v);
    }
  if (!g_hash_table_contains (v->devices, GUINT_TO_POINTER (device)))
    g_hash_table_insert (v->devices, GUINT_TO_POINTER (device), NULL);
}

/* The id strtoul(TEXT, NULL, 16) gives, as an unsigned int: every leading hex
 * digit, saturated at ULONG_MAX (64 bits on s390x), then truncated. */
static guint32
leading_hex (const char *text)
{
  guint64 value = 0;
  gboolean saturated = FALSE;
  for (const char *p = text; g_ascii_isxdigit (*p); p++)
    {
      guint digit = (guint) g_ascii_xdigit_value (*p);
      if (value > (G_MAXUINT64 - digit) / 16)
        saturated = TRUE;
      else
        value = value * 16 + digit;
    }
  return (guint32) (saturated ? G_MAXUINT64 : value);
}

/* One fgets chunk of pci.ids (its newline already cut). */
static void
feed_chunk (ZvPciNames *names, const char *chunk, gsize length)
{
  guint tabs = 0;
  while (tabs < 3 && tabs < length && chunk[tabs] == '\t')
    tabs++;
  for (guint i = 0; i < 4; i++)
    if (tabs + i >= length || !g_ascii_isxdigit (chunk[tabs + i]))
      return;   /* comments, class lines, blank lines */
  guint32 id = leading_hex (chunk + tabs);
  /* the name starts after the id and its two spaces; a shorter line has an empty one */
  gsize start = MIN (length, (gsize) tabs + 6);
  const char *name = chunk + start;
  gsize name_len = length - start;
  if (tabs == 0)
    {
      names->current = id;
      VendorNames *v = g_hash_table_lookup (names->vendors, GUINT_TO_POINTER (id));
      if (v != NULL && v->name == NULL)
        v->name = g_strndup (name, name_len);
      return;
    }
  if (tabs != 1)
    return;   /* subsystem lines only repeat their device's id */
  VendorNames *v = g_hash_table_lookup (names->vendors, GUINT_TO_POINTER (names->current));
  gpointer old;
  if (v == NULL || !g_hash_table_lookup_extended (v->devices, GUINT_TO_POINTER (id), NULL, &old) ||
      old != NULL)
    return;
  g_hash_table_insert (v->devices, GUINT_TO_POINTER (id), g_strndup (name, name_len));
}

/* Feeds one line of pci.ids (without its newline), in libpciaccess's chunks. */
void
zv_pci_names_feed_line (ZvPciNames *names, const char *line)
{
  gsize length = strlen (line);
  /* fgets sees the line with its newline: chunks of 127 bytes, the last one
   * holding the newline (so a line of a multiple of 127 bytes ends in an empty one) */
  for (gsize start = 0; start <= length; start += PCI_IDS_CHUNK)
    feed_chunk (names, line + start, MIN (PCI_IDS_CHUNK, length - start));
}

/* Feeds a whole pci.ids text of LENGTH bytes, line by line. */
void
zv_pci_names_feed_text (ZvPciNames *names, const char *text, gsize length)
{
  gsize pos = 0;
  while (pos < length)
    {
      const char *nl = memchr (text + pos, '\n', length - pos);
      gsize end = nl ? (gsize) (nl - text) : length;
      g_autofree char *line = g_strndup (text + pos, end - pos);
      zv_pci_names_feed_line (names, line);
      pos = end + 1;
    }
}

/* The vendor's name. */
const char *
zv_pci_names_vendor (const ZvPciNames *names, guint32 vendor)
{
  VendorNames *v = g_hash_table_lookup (names->vendors, GUINT_TO_POINTER (vendor));
  return v ? v->name : NULL;
}

/* The device's name. */
const char *
zv_pci_names_device (const ZvPciNames *names, guint32 vendor, guint32 device)
{
  VendorNames *v = g_hash_table_lookup (names->vendors, GUINT_TO_POINTER (vendor));
  return v ? g_hash_table_lookup (v->devices, GUINT_TO_POINTER (device)) : NULL;
}

/* ZvLineFunc feeding a line of pci.ids. */
static gboolean
feed_line_func (const char *line, gpointer data, GError **error G_GNUC_UNUSED)
{
  zv_pci_names_feed_line (data, line);
  return TRUE;
}

/* Decompresses gzip DATA (at most PCI_IDS_MAX_TEXT bytes out); NULL with ERROR naming PATH. */
static GBytes *
gunzip (const char *data, gsize length, const char *path, GError **error)
{
  g_autoptr (GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 buf[65536];
  gsize in_pos = 0;
  for (;;)
    {
      gsize read = 0, written = 0;
      g_autoptr (GError) local = NULL;
      GConverterResult r = g_converter_convert (G_CONVERTER (z), data + in_pos, length - in_pos,
                                                buf, sizeof buf, G_CONVERTER_INPUT_AT_END,
                                                &read, &written, &local);
      if (r == G_CONVERTER_ERROR)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "cannot decompress %s: %s", path,
                       local->message);
          return NULL;
        }
      in_pos += read;
      g_byte_array_append (out, buf, (guint) written);
      if (out->len > PCI_IDS_MAX_TEXT)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s decompresses to more than %d "
                       "bytes", path, PCI_IDS_MAX_TEXT);
          return NULL;
        }
      if (r == G_CONVERTER_FINISHED)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Reads ROOT's pci.ids (the .gz first, as gzopen does: a file without the
 * gzip magic is read as it is). */
gboolean
zv_pci_names_read (ZvPciNames *names, ZvRoot *root, GError **error)
{
  names->current = NO_VENDOR;
  if (zv_root_exists (root, ZV_PCI_IDS_GZ))
    {
      gsize length = 0;
      g_autofree char *data = zv_root_read_file (root, ZV_PCI_IDS_GZ, &length, error);
      if (data == NULL)
        return FALSE;
      if (length >= 2 && (guint8) data[0] == 0x1f && (guint8) data[1] == 0x8b)
        {
          g_autoptr (GBytes) text = gunzip (data, length, ZV_PCI_IDS_GZ, error);
          if (text == NULL)
            return FALSE;
          gsize text_len = 0;
          const char *p = g_bytes_get_data (text, &text_len);
          zv_pci_names_feed_text (names, p, text_len);
        }
      else
        zv_pci_names_feed_text (names, data, length);
      return TRUE;
    }
  if (!zv_root_exists (root, ZV_PCI_IDS))
    return TRUE;
  return zv_root_read_lines (root, ZV_PCI_IDS, feed_line_func, names, error);
}

/* ---- config space -------------------------------------------------------- */

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CONF_HEADER_LEN 0x40
#define PCI_CAP_ID_EXP 0x10
#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_FLAGS_TYPE 0x00f0
#define PCI_EXP_TYPE_ROOT_INT_EP 0x9
#define PCI_EXP_TYPE_ROOT_EC 0xa
#define PCI_EXP_LNKCAP 0x0c
#define PCI_EXP_LNKSTA 0x12
/* the kernel's bound on a capability walk (PCI_FIND_CAP_TTL) */
#define CAP_WALK_MAX 48

/* The byte at POS; 0 past the bytes read (libvirt's short read leaves 0). */
static guint
config_u8 (const guint8 *config, gsize length, gsize pos)
{
  return pos < length ? config[pos] : 0;
}

/* The little-endian 16-bit value at POS. */
static guint
config_u16 (const guint8 *config, gsize length, gsize pos)
{
  return config_u8 (config, length, pos) | (config_u8 (config, length, pos + 1) << 8);
}

/* The little-endian 32-bit value at POS. */
static guint32
config_u32 (const guint8 *config, gsize length, gsize pos)
{
  return (guint32) config_u16 (config, length, pos) |
         ((guint32) config_u16 (config, length, pos + 2) << 16);
}

/* The offset of capability CAP_ID in the standard list, 0 when not found
 * (libvirt's virPCIDeviceFindCapabilityOffset, with a bound on the walk). */
static guint
find_capability (const guint8 *config, gsize length, guint cap_id)
{
  if (!(config_u16 (config, length, PCI_STATUS) & PCI_STATUS_CAP_LIST))
    return 0;
  guint pos = config_u8 (config, length, PCI_CAPABILITY_LIST);
  for (guint n = 0; n < CAP_WALK_MAX && pos >= PCI_CONF_HEADER_LEN && pos != 0xff; n++)
    {
      if (config_u8 (config, length, pos) == cap_id)
        return pos;
      pos = config_u8 (config, length, pos + 1);
    }
  return 0;
}

/* Reads what libvirt takes from a config space. */
void
zv_pci_config_parse (const guint8 *config, gsize length, gint64 file_size,
                     ZvPciConfigInfo *out)
{
  memset (out, 0, sizeof *out);
  out->header_type = config_u8 (config, length, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
  guint exp = find_capability (config, length, PCI_CAP_ID_EXP);
  /* no Express capability found: libvirt guesses from the file's size (a
   * conventional function's config file has 256 bytes) */
  out->pcie = exp != 0 || file_size != 256;
  if (!out->pcie || exp == 0)
    return;
  guint type = (config_u16 (config, length, exp + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
  out->link = type != PCI_EXP_TYPE_ROOT_INT_EP && type != PCI_EXP_TYPE_ROOT_EC;
  if (!out->link)
    return;
  guint32 cap = config_u32 (config, length, exp + PCI_EXP_LNKCAP);
  out->cap_port = cap >> 24;
  out->cap_speed = cap & 0xf;
  out->cap_width = (cap & 0x3f0) >> 4;
  guint sta = config_u16 (config, length, exp + PCI_EXP_LNKSTA);
  out->sta_speed = sta & 0xf;
  out->sta_width = (sta & 0x3f0) >> 4;
}

/* ---- the reader ---------------------------------------------------------- */

/* Frees the node-device facts. */
void
zv_pci_nodedev_free (ZvPciNodedev *nd)
{
  if (nd == NULL)
    return;
  g_free (nd->parent);
  g_free (nd->vendor_name);
  g_free (nd->product_name);
  if (nd->virtfns)
    g_array_unref (nd->virtfns);
  if (nd->iommu_members)
    g_array_unref (nd->iommu_members);
  if (nd->mdev_types)
    g_ptr_array_unref (nd->mdev_types);
  g_free (nd);
}

/* Sets ERROR: libvirt 9.0 would not list FN, because of WHY. */
static void G_GNUC_PRINTF (3, 4)
not_listed (GError **error, const ZvPciFunction *fn, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "libvirt 9.0 lists no node device for "
               "PCI function %s: %s", fn->address, why);
}

/* The PCI address the link NAME of DIR points to; FALSE with ERROR otherwise. */
static gboolean
link_address (ZvDir *dir, const ZvPciFunction *fn, const char *name, ZvPciAddress *out,
              GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *target = zv_dir_read_link_name (dir, name, &local);
  if (target == NULL)
    {
      not_listed (error, fn, "its %s link cannot be read: %s", name, local->message);
      return FALSE;
    }
  if (!zv_parse_pci_address (target, out))
    {
      not_listed (error, fn, "its %s link points to '%s', which is not a PCI address", name,
                  target);
      return FALSE;
    }
  return TRUE;
}

/* Reads the SR-IOV links and sriov_totalvfs (virNodeDeviceGetPCISRIOVCaps). */
static gboolean
read_sriov (ZvDir *dir, const ZvPciFunction *fn, ZvPciNodedev *nd, GError **error)
{
  if (zv_dir_has (dir, "physfn"))
    {
      if (!link_address (dir, fn, "physfn", &nd->physfn, error))
        return FALSE;
      nd->has_physfn = TRUE;
    }
  nd->virtfns = g_array_new (FALSE, FALSE, sizeof (ZvPciAddress));
  for (guint i = 0;; i++)
    {
      g_autofree char *name = g_strdup_printf ("virtfn%u", i);
      if (!zv_dir_has (dir, name))
        break;   /* libvirt stops at the first missing virtfnN */
      ZvPciAddress vf;
      if (!link_address (dir, fn, name, &vf, error))
        return FALSE;
      g_array_append_val (nd->virtfns, vf);
    }
  if (!zv_dir_has (dir, "sriov_totalvfs"))
    return TRUE;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = zv_dir_read_line (dir, "sriov_totalvfs", &local);
  guint64 total = 0;
  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &total, NULL))
    {
      not_listed (error, fn, "its sriov_totalvfs is %s", text ? "not a number" : "unreadable");
      return FALSE;
    }
  nd->totalvfs = (guint32) total;   /* libvirt keeps it in an unsigned int */
  return TRUE;
}

/* Reads the IOMMU group and its members (virNodeDeviceGetPCIIOMMUGroupCaps). */
static gboolean
read_iommu_group (ZvDir *dir, const ZvPciFunction *fn, ZvPciNodedev *nd, GError **error)
{
  nd->iommu_group = -1;
  nd->iommu_members = g_array_new (FALSE, FALSE, sizeof (ZvPciAddress));
  if (!zv_dir_has (dir, "iommu_group"))
    return TRUE;
  g_autoptr (GError) local = NULL;
  g_autofree char *group = zv_dir_read_link_name (dir, "iommu_group", &local);
  guint64 number = 0;
  if (group == NULL || !g_ascii_string_to_unsigned (group, 10, 0, G_MAXINT, &number, NULL))
    {
      not_listed (error, fn, "its iommu_group link %s", group ? "names no group number"
                                                              : "cannot be read");
      return FALSE;
    }
  g_autoptr (ZvDir) gdir = zv_dir_open_child (dir, "iommu_group", &local);
  g_autoptr (ZvDir) devices = gdir ? zv_dir_open_child (gdir, "devices", &local) : NULL;
  g_autoptr (GPtrArray) entries = devices ? zv_dir_list (devices, &local) : NULL;
  if (entries == NULL)
    {
      not_listed (error, fn, "the devices of its iommu group %s cannot be listed: %s", group,
                  local->message);
      return FALSE;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      const char *entry = g_ptr_array_index (entries, i);
      ZvPciAddress member;
      if (!zv_parse_pci_address (entry, &member))
        {
          not_listed (error, fn, "its iommu group %s holds '%s', which is not a PCI address",
                      group, entry);
          return FALSE;
        }
      g_array_append_val (nd->iommu_members, member);
    }
  nd->iommu_group = (gint) number;
  return TRUE;
}

/* The node-device name of the nearest PCI function above PATH, else "computer"
 * (libvirt's parent: the nearest ancestor that is a node device). */
static char *
parent_name (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  while (strcmp (dir, "/") != 0 && strcmp (dir, ".") != 0 && strcmp (dir, "/sys/devices") != 0)
    {
      g_autofree char *base = g_path_get_basename (dir);
      ZvPciAddress addr;
      if (zv_parse_pci_address (base, &addr))
        {
          char *name = g_strconcat ("pci_", base, NULL);
          for (char *p = name; *p; p++)
            if (!g_ascii_isalnum (*p))
              *p = '_';
          return name;
        }
      char *up = g_path_get_dirname (dir);
      g_free (dir);
      dir = up;
    }
  return g_strdup ("computer");
}

/* Reads the config space and what libvirt makes of it. */
static gboolean
read_config (ZvDir *dir, const ZvPciFunction *fn, ZvPciNodedev *nd, GPtrArray *warnings,
             GError **error)
{
  g_autoptr (GError) local = NULL;
  gsize length = 0;
  struct stat st;
  g_autofree char *config = zv_dir_read_stat (dir, "config", &length, &st, &local);
  if (config == NULL && zv_error_is_absent (local))
    {
      not_listed (error, fn, "it has no config file");
      return FALSE;
    }
  if (config == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "PCI function %s: cannot read its config "
                   "space: %s", fn->address, local->message);
      return FALSE;
    }
  zv_pci_config_parse ((const guint8 *) config, length, (gint64) st.st_size, &nd->config);
  if (nd->config.header_type > ZV_PCI_HEADER_CARDBUS_BRIDGE)
    {
      not_listed (error, fn, "its config space has the unknown header type %u",
                  nd->config.header_type);
      return FALSE;
    }
  if ((gint64) length < (gint64) st.st_size)
    {
      nd->config_short = TRUE;
      zv_warning_add (warnings, "%s: read %" G_GSIZE_FORMAT " of the %" G_GINT64_FORMAT " bytes "
                      "of its config space (the kernel gives the rest to root only): its "
                      "<pci-express> may differ from what libvirtd (root) prints",
                      fn->address, length, (gint64) st.st_size);
    }
  return TRUE;
}

/* Reads what libvirt 9.0 reads about FN. */
ZvPciNodedev *
zv_pci_nodedev_read (ZvRoot *root, const ZvPciFunction *fn, const ZvPciNames *names,
                     GPtrArray *warnings, GError **error)
{
  g_autofree char *path = g_strdup_printf (ZV_PCI_DEVICES "/%s", fn->address);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, &local);
  if (dir == NULL)
    {
      not_listed (error, fn, "%s", local->message);
      return NULL;
    }
  if (!fn->vendor.present || !fn->device.present)
    {
      not_listed (error, fn, "its vendor or device attribute is missing or unreadable");
      return NULL;
    }
  g_autoptr (ZvPciNodedev) nd = g_new0 (ZvPciNodedev, 1);
  nd->numa_node = -1;
  if (!read_config (dir, fn, nd, warnings, error) || !read_sriov (dir, fn, nd, error) ||
      !read_iommu_group (dir, fn, nd, error))
    return NULL;
  nd->parent = parent_name (fn->path ? fn->path : path);
  nd->mdev_types = zv_mdev_types_load (dir, warnings);
  g_autofree char *numa = zv_attr_get (dir, fn->address, "numa_node", warnings);
  gint64 node = -1;
  if (numa != NULL && !g_ascii_string_to_signed (numa, 10, G_MININT, G_MAXINT, &node, NULL))
    {
      zv_attr_warn_garbage (warnings, fn->address, "numa_node", numa);
      node = -1;
    }
  nd->numa_node = node >= 0 ? (gint) node : -1;
  nd->has_vpd = zv_dir_has (dir, "vpd");
  if (names != NULL)
    {
      nd->vendor_name = g_strdup (zv_pci_names_vendor (names, fn->vendor.value));
      nd->product_name = g_strdup (zv_pci_names_device (names, fn->vendor.value,
                                                        fn->device.value));
    }
  return g_steal_pointer (&nd);
}
