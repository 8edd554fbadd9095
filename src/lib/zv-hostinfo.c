/* zvfio: host facts for the rules: IPL device, cio_ignore, mounts/holders,
 * machine type and KVM zPCI interpretation. */
#include "zv-hostinfo.h"
#include "zv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* From <linux/kvm.h>: KVM_CHECK_EXTENSION and KVM_CAP_S390_ZPCI_OP. Defined
 * here when the build host's headers lack them (the values are kernel ABI). */
#include <linux/kvm.h>
#ifndef KVM_CAP_S390_ZPCI_OP
#define KVM_CAP_S390_ZPCI_OP 221
#endif

/* Parses one cio_ignore bus id ("0.0.1234"). */
static gboolean
parse_cio_busid (const char *text, ZvBusId *out)
{
  return zv_parse_busid (text, out) && out->cssid == 0;
}

/* Parses /proc/cio_ignore into ZvCioRange entries. */
gboolean
zv_cio_ignore_parse (const char *text, GArray **ranges)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (ZvCioRange));
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (*line == '\0')
        continue;
      g_auto (GStrv) ends = g_strsplit (line, "-", 3);
      guint n = g_strv_length (ends);
      ZvBusId a, b;
      if (n < 1 || n > 2 || !parse_cio_busid (ends[0], &a))
        return FALSE;
      b = a;
      if (n == 2 && (!parse_cio_busid (ends[1], &b) || b.ssid != a.ssid || b.number < a.number))
        return FALSE;
      ZvCioRange range = { a.ssid, a.number, b.number };
      g_array_append_val (out, range);
    }
  *ranges = g_steal_pointer (&out);
  return TRUE;
}

/* TRUE when DEVNO lies in one of RANGES. */
gboolean
zv_cio_ignore_contains (GArray *ranges, const ZvBusId *devno)
{
  for (guint i = 0; ranges && i < ranges->len; i++)
    {
      const ZvCioRange *r = &g_array_index (ranges, ZvCioRange, i);
      if (r->ssid == devno->ssid && devno->number >= r->first && devno->number <= r->last)
        return TRUE;
    }
  return FALSE;
}

/* The device names of /proc/mounts sources /dev/NAME, as a set. */
GHashTable *
zv_mounts_parse_devices (const char *text)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 2);
      if (fields[0] == NULL || !g_str_has_prefix (fields[0], "/dev/"))
        continue;
      const char *name = fields[0] + strlen ("/dev/");
      if (*name != '\0' && strchr (name, '/') == NULL)
        g_hash_table_add (set, g_strdup (name));
    }
  return set;
}

/* The machine type from /proc/sysinfo's "Type:" line, or NULL. */
char *
zv_sysinfo_parse_type (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "Type:"))
      {
        g_autofree char *value = g_strstrip (g_strdup (lines[i] + strlen ("Type:")));
        guint32 type;
        if (strlen (value) == 4 && zv_parse_dec_u32 (value, &type))
          return g_steal_pointer (&value);
        return NULL;
      }
  return NULL;
}

/* TRUE when machine TYPE cannot interpret zPCI for guests (z13s and older). */
gboolean
zv_machine_lacks_zpci_interpretation (const char *type)
{
  static const char *const old[] = { "2817", "2818", "2827", "2828", "2964", "2965" };
  for (gsize i = 0; type && i < G_N_ELEMENTS (old); i++)
    if (strcmp (type, old[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Frees an IPL description. */
void
zv_ipl_info_free (ZvIplInfo *ipl)
{
  if (ipl == NULL)
    return;
  g_free (ipl->type);
  g_free (ipl->device);
  g_free (ipl);
}

/* TRUE when ERROR says a file does not exist (an absent fact, not an unreadable one). */
static gboolean
is_absent (const GError *error)
{
  return g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* Moves LOCAL to ERROR, prefixed with PATH unless its message names it already. */
static void
propagate_naming (GError **error, GError *local, const char *path)
{
  if (strstr (local->message, path) != NULL)
    g_propagate_error (error, local);
  else
    g_propagate_prefixed_error (error, local, "%s: ", path);
}

/* Reads the line attribute NAME of DIR into *OUT (NULL when absent); an
 * unreadable one is an error naming it. */
static gboolean
read_optional_line (ZvDir *dir, const char *name, char **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  *out = zv_dir_read_line (dir, name, &local);
  if (*out != NULL || is_absent (local))
    return TRUE;
  g_autofree char *path = g_strconcat (zv_dir_path (dir), "/", name, NULL);
  propagate_naming (error, g_steal_pointer (&local), path);
  return FALSE;
}

/* Reads /sys/firmware/ipl/{ipl_type,device}. */
gboolean
zv_host_read_ipl (ZvRoot *root, ZvIplInfo **ipl, GError **error)
{
  *ipl = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, "/sys/firmware/ipl", &local);
  if (dir == NULL)
    {
      if (is_absent (local))
        return TRUE;
      propagate_naming (error, g_steal_pointer (&local), "/sys/firmware/ipl");
      return FALSE;
    }
  g_autofree char *type = NULL;
  g_autofree char *device = NULL;
  if (!read_optional_line (dir, "ipl_type", &type, error))
    return FALSE;
  if (type == NULL)
    return TRUE;
  if (!read_optional_line (dir, "device", &device, error))
    return FALSE;
  ZvBusId id;
  gboolean has_devno = strcmp (type, "ccw") == 0 || strcmp (type, "eckd") == 0 ||
                       strcmp (type, "fcp") == 0;
  if (device != NULL && !zv_parse_busid (device, &id))
    {
      if (has_devno)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/device: '%s' is not a device "
                       "number", zv_dir_path (dir), device);
          return FALSE;
        }
      g_clear_pointer (&device, g_free);
    }
  ZvIplInfo *out = g_new0 (ZvIplInfo, 1);
  out->type = g_steal_pointer (&type);
  out->device = g_steal_pointer (&device);
  *ipl = out;
  return TRUE;
}

/* Reads and parses /proc/cio_ignore. */
gboolean
zv_host_read_cio_ignore (ZvRoot *root, GArray **ranges, GError **error)
{
  *ranges = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = zv_root_read_file (root, "/proc/cio_ignore", NULL, &local);
  if (text == NULL)
    {
      if (is_absent (local))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!zv_cio_ignore_parse (text, ranges))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "/proc/cio_ignore: malformed content");
      return FALSE;
    }
  return TRUE;
}

/* Reads /proc/mounts into a set of mounted device names. */
GHashTable *
zv_host_read_mounted_devices (ZvRoot *root, GError **error)
{
  g_autofree char *text = zv_root_read_file (root, "/proc/mounts", NULL, error);
  return text ? zv_mounts_parse_devices (text) : NULL;
}

/* Reads the machine type from /proc/sysinfo. */
gboolean
zv_host_read_machine_type (ZvRoot *root, char **type, GError **error)
{
  *type = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = zv_root_read_file (root, "/proc/sysinfo", NULL, &local);
  if (text != NULL)
    *type = zv_sysinfo_parse_type (text);
  if (text != NULL || is_absent (local))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Appends the users of block device DIR (a disk or partition named NAME). */
static gboolean
add_block_users (ZvDir *dir, const char *name, GHashTable *mounted, GPtrArray *users,
                 GError **error)
{
  if (g_hash_table_contains (mounted, name))
    g_ptr_array_add (users, g_strdup_printf ("%s (mounted)", name));
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) holders = zv_dir_open_child (dir, "holders", &local);
  if (holders == NULL)
    {
      if (is_absent (local))
        return TRUE;
      g_autofree char *path = g_strconcat (zv_dir_path (dir), "/holders", NULL);
      propagate_naming (error, g_steal_pointer (&local), path);
      return FALSE;
    }
  g_autoptr (GPtrArray) names = zv_dir_list (holders, &local);
  if (names == NULL)
    {
      propagate_naming (error, g_steal_pointer (&local), zv_dir_path (holders));
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (users, g_strdup_printf ("%s (held by %s)", name,
                                             (char *) g_ptr_array_index (names, i)));
  return TRUE;
}

/* Appends the users of DISK below BLOCK and of its partitions. */
static gboolean
add_disk_users (ZvDir *block, const char *disk, GHashTable *mounted, GPtrArray *users,
                GError **error)
{
  g_autoptr (ZvDir) ddir = zv_dir_open_child (block, disk, error);
  if (ddir == NULL || !add_block_users (ddir, disk, mounted, users, error))
    return FALSE;
  g_autoptr (GPtrArray) entries = zv_dir_list (ddir, error);
  if (entries == NULL)
    return FALSE;
  for (guint j = 0; j < entries->len; j++)
    {
      const char *part = g_ptr_array_index (entries, j);
      if (!g_str_has_prefix (part, disk) || strcmp (part, disk) == 0 || !zv_dir_has (ddir, part))
        continue;
      g_autoptr (ZvDir) pdir = zv_dir_open_child (ddir, part, NULL);
      if (pdir != NULL && zv_dir_has (pdir, "partition") &&
          !add_block_users (pdir, part, mounted, users, error))
        return FALSE;
    }
  return TRUE;
}

/* Lists mounted or held block devices below the ccw device at DEVICE_PATH. */
GPtrArray *
zv_host_block_users (ZvRoot *root, const char *device_path, GError **error)
{
  g_autoptr (GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = g_strconcat (device_path, "/block", NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) block = zv_root_open_dir (root, path, &local);
  if (block == NULL)
    {
      if (is_absent (local))
        return g_steal_pointer (&users);   /* not a DASD (or not online): no block devices */
      propagate_naming (error, g_steal_pointer (&local), path);
      return NULL;
    }
  g_autoptr (GHashTable) mounted = zv_host_read_mounted_devices (root, error);
  g_autoptr (GPtrArray) disks = mounted ? zv_dir_list (block, error) : NULL;
  if (disks == NULL)
    return NULL;
  for (guint i = 0; i < disks->len; i++)
    if (!add_disk_users (block, g_ptr_array_index (disks, i), mounted, users, error))
      return NULL;
  return g_steal_pointer (&users);
}

/* Queries KVM_CHECK_EXTENSION(KVM_CAP_S390_ZPCI_OP) on <root>/dev/kvm. */
ZvKvmZpci
zv_host_kvm_zpci_interpretation (ZvRoot *root, char **why)
{
  *why = NULL;
  g_autofree char *canonical = zv_root_resolve (root, "/dev/kvm", NULL);
  if (canonical == NULL)
    {
      *why = g_strdup ("/dev/kvm does not exist (is the kvm module loaded?)");
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  if (!zv_root_is_system (root))
    {
      *why = g_strdup_printf ("KVM cannot be queried below the root %s", zv_root_dir (root));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      *why = g_strdup_printf ("cannot open /dev/kvm: %s", g_strerror (errno));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  int rc = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_S390_ZPCI_OP);
  int errsv = errno;
  close (fd);
  if (rc < 0)
    {
      *why = g_strdup_printf ("KVM_CHECK_EXTENSION failed: %s", g_strerror (errsv));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  return rc > 0 ? ZV_KVM_ZPCI_AVAILABLE : ZV_KVM_ZPCI_UNAVAILABLE;
}
