/* zvfio: what the host still uses below a device: mounts, swap, holders,
 * network interfaces and routes. */
#include "zv-host-usage.h"
#include "zv-error.h"
#include "zv-kernel-tables.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define MOUNTINFO "/proc/self/mountinfo"
#define SWAPS "/proc/swaps"
#define ROUTES "/proc/net/route"
#define IPV6_ROUTES "/proc/net/ipv6_route"
#define CLASS_BLOCK "/sys/class/block"
#define CLASS_NVME_SUBSYSTEM "/sys/class/nvme-subsystem"
/* How deep holders of holders are followed (dm on md on a partition is 2). */
#define MAX_HOLDER_DEPTH 8

/* What a route table says of an interface. */
enum { ROUTES_SOME = 1, ROUTES_DEFAULT = 2 };

struct _ZvHostUsage {
  ZvRoot *root;
  gboolean mounts_read;
  GHashTable *mounts;        /* "MAJ:MIN" -> mount point (the first one) */
  GError *mounts_error;
  gboolean swaps_read;
  GHashTable *swaps;         /* "MAJ:MIN" of swap partitions */
  GError *swaps_error;
  gboolean routes_read;
  GHashTable *routes;        /* interface -> ROUTES_* bits */
  GError *routes_error;
  GHashTable *node_devts;    /* /dev path -> "MAJ:MIN" ("" when it names no block device) */
};

/* A usage view of ROOT. */
ZvHostUsage *
zv_host_usage_new (ZvRoot *root)
{
  ZvHostUsage *usage = g_new0 (ZvHostUsage, 1);
  usage->root = zv_root_ref (root);
  usage->mounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  usage->swaps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  usage->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  usage->node_devts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return usage;
}

/* Frees it. */
void
zv_host_usage_free (ZvHostUsage *usage)
{
  if (usage == NULL)
    return;
  zv_root_unref (usage->root);
  g_hash_table_unref (usage->mounts);
  g_hash_table_unref (usage->swaps);
  g_hash_table_unref (usage->routes);
  g_hash_table_unref (usage->node_devts);
  g_clear_error (&usage->mounts_error);
  g_clear_error (&usage->swaps_error);
  g_clear_error (&usage->routes_error);
  g_free (usage);
}

/* "MAJ:MIN" of DEVT. */
static char *
devt_key (const ZvDevt *devt)
{
  return g_strdup_printf ("%u:%u", devt->major, devt->minor);
}

/* The device number ("MAJ:MIN") of the block device node PATH, or NULL: a
 * block special file on the system root gives its own number (renamed and
 * linked nodes alike); otherwise the node's name, after following its links
 * inside the root (/dev/disk/by-*, /dev/mapper), is looked up in sysfs. */
static const char *
node_devt (ZvHostUsage *usage, const char *path)
{
  const char *known = g_hash_table_lookup (usage->node_devts, path);
  if (known != NULL)
    return *known ? known : NULL;
  char *devt = NULL;
  g_autofree char *canonical = zv_root_resolve_parent (usage->root, path, NULL);
  if (canonical == NULL && g_str_has_prefix (path, "/dev/"))
    canonical = g_strdup (path);   /* no /dev below the root: the name is the kernel's */
  struct stat st;
  if (canonical != NULL && zv_root_is_system (usage->root) && stat (canonical, &st) == 0 &&
      S_ISBLK (st.st_mode))
    devt = g_strdup_printf ("%u:%u", major (st.st_rdev), minor (st.st_rdev));
  else if (canonical != NULL && g_str_has_prefix (canonical, "/dev/"))
    {
      const char *name = strrchr (canonical, '/') + 1;
      g_autofree char *sysfs = g_strconcat (CLASS_BLOCK "/", name, NULL);
      g_autoptr (ZvDir) dir = zv_attr_name_is_safe (name)
                              ? zv_root_open_dir (usage->root, sysfs, NULL) : NULL;
      g_autofree char *text = dir ? zv_dir_read_line (dir, "dev", NULL) : NULL;
      ZvDevt parsed;
      if (text != NULL && zv_parse_devt (text, &parsed))
        devt = devt_key (&parsed);
    }
  g_hash_table_insert (usage->node_devts, g_strdup (path), devt ? devt : g_strdup (""));
  return devt;
}

/* Line callback of the mountinfo read. */
static gboolean
add_mount (const char *line, gpointer data, GError **error)
{
  ZvHostUsage *usage = data;
  ZvMountinfoEntry entry;
  if (!zv_mountinfo_parse_line (line, &entry))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "malformed line '%.80s'", line);
      return FALSE;
    }
  char *key = NULL;
  if (entry.devt.major != 0)
    key = devt_key (&entry.devt);
  else if (g_str_has_prefix (entry.source, "/dev/"))
    {
      /* an anonymous device (btrfs): the source names the block device */
      const char *devt = node_devt (usage, entry.source);
      key = devt ? g_strdup (devt) : NULL;
    }
  if (key != NULL && !g_hash_table_contains (usage->mounts, key))
    g_hash_table_insert (usage->mounts, key, g_strdup (entry.mountpoint));
  else
    g_free (key);
  zv_mountinfo_entry_clear (&entry);
  return TRUE;
}

/* Line callback of the swaps read. */
static gboolean
add_swap (const char *line, gpointer data, GError **error)
{
  ZvHostUsage *usage = data;
  g_autofree char *path = NULL;
  gboolean partition;
  if (!zv_swaps_parse_line (line, &path, &partition))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "malformed line '%.80s'", line);
      return FALSE;
    }
  /* a swap file lies on a mounted file system, which counts already */
  const char *devt = path && partition ? node_devt (usage, path) : NULL;
  if (devt != NULL)
    g_hash_table_add (usage->swaps, g_strdup (devt));
  return TRUE;
}

/* Notes ROUTES_* BITS for IFACE. */
static void
note_route (ZvHostUsage *usage, const char *iface, gboolean is_default)
{
  guint bits = GPOINTER_TO_UINT (g_hash_table_lookup (usage->routes, iface));
  bits |= ROUTES_SOME | (is_default ? ROUTES_DEFAULT : 0);
  g_hash_table_insert (usage->routes, g_strdup (iface), GUINT_TO_POINTER (bits));
}

/* Line callback of the IPv4 route read. */
static gboolean
add_route (const char *line, gpointer data, GError **error)
{
  g_autofree char *iface = NULL;
  gboolean is_default;
  if (!zv_route_parse_line (line, &iface, &is_default))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "malformed line '%.80s'", line);
      return FALSE;
    }
  if (iface != NULL)
    note_route (data, iface, is_default);
  return TRUE;
}

/* Line callback of the IPv6 route read. */
static gboolean
add_ipv6_route (const char *line, gpointer data, GError **error)
{
  g_autofree char *iface = NULL;
  gboolean is_default;
  if (!zv_ipv6_route_parse_line (line, &iface, &is_default))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "malformed line '%.80s'", line);
      return FALSE;
    }
  note_route (data, iface, is_default);
  return TRUE;
}

/* Streams table PATH into FUNC; an absent table is empty when ABSENT_OK. */
static gboolean
read_table (ZvHostUsage *usage, const char *path, gboolean absent_ok, ZvLineFunc func,
            GError **error)
{
  g_autoptr (GError) local = NULL;
  if (zv_root_read_lines (usage->root, path, func, usage, &local))
    return TRUE;
  if (absent_ok && zv_error_is_absent (local))
    return TRUE;
  if (strstr (local->message, path) != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  else
    g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
  return FALSE;
}

/* Reads a table once: *READ and *STORED remember the outcome. */
static gboolean
read_once (ZvHostUsage *usage, gboolean *read, GError **stored, const char *path,
           gboolean absent_ok, ZvLineFunc func, GError **error)
{
  if (!*read)
    {
      *read = TRUE;
      read_table (usage, path, absent_ok, func, stored);
    }
  if (*stored != NULL)
    {
      g_propagate_error (error, g_error_copy (*stored));
      return FALSE;
    }
  return TRUE;
}

/* Reads the mounts once (mountinfo must exist: a host always has one). */
static gboolean
need_mounts (ZvHostUsage *usage, GError **error)
{
  return read_once (usage, &usage->mounts_read, &usage->mounts_error, MOUNTINFO, FALSE,
                    add_mount, error) &&
         read_once (usage, &usage->swaps_read, &usage->swaps_error, SWAPS, TRUE, add_swap,
                    error);
}

/* Reads the IPv4 and IPv6 route tables once (absent: that protocol is off). */
static gboolean
need_routes (ZvHostUsage *usage, GError **error)
{
  if (!usage->routes_read)
    {
      usage->routes_read = TRUE;
      if (read_table (usage, ROUTES, TRUE, add_route, &usage->routes_error))
        read_table (usage, IPV6_ROUTES, TRUE, add_ipv6_route, &usage->routes_error);
    }
  if (usage->routes_error != NULL)
    {
      g_propagate_error (error, g_error_copy (usage->routes_error));
      return FALSE;
    }
  return TRUE;
}

/* Reads attribute NAME of DIR into *OUT (NULL when absent); unreadable is an error. */
static gboolean
read_optional (ZvDir *dir, const char *name, char **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  *out = zv_dir_read_line (dir, name, &local);
  if (*out != NULL || zv_error_is_absent (local))
    return TRUE;
  g_autofree char *path = g_strconcat (zv_dir_path (dir), "/", name, NULL);
  zv_error_propagate_naming (error, g_steal_pointer (&local), path);
  return FALSE;
}

/* Opens child directory NAME of DIR into *OUT (NULL when absent); unreadable is an error. */
static gboolean
open_optional (ZvDir *dir, const char *name, ZvDir **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  *out = zv_dir_open_child (dir, name, &local);
  if (*out != NULL || zv_error_is_absent (local))
    return TRUE;
  g_autofree char *path = g_strconcat (zv_dir_path (dir), "/", name, NULL);
  zv_error_propagate_naming (error, g_steal_pointer (&local), path);
  return FALSE;
}

/* g_ptr_array_sort comparator of strings (it passes pointers to the elements). */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names of DIR's entries that are directories (not links), sorted. */
static GPtrArray *
list_subdirs (ZvDir *dir, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!zv_dir_index (dir, &local))
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), zv_dir_path (dir));
      return NULL;
    }
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  gsize cursor = 0;
  const char *name;
  guint8 type;
  while (zv_dir_index_next (dir, &cursor, &name, &type))
    if (type == DT_DIR && strcmp (name, ".") != 0 && strcmp (name, "..") != 0)
      g_ptr_array_add (names, g_strdup (name));
  zv_dir_drop_index (dir);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* One walk over block devices: where users go and what was seen. */
typedef struct {
  ZvHostUsage *usage;
  GPtrArray *users;
  GHashTable *seen;    /* canonical sysfs paths of the block devices checked */
} Walk;

static gboolean check_block_device (Walk *walk, ZvDir *dir, guint depth, GError **error);

/* Checks the holders of block device DIR and what uses them. */
static gboolean
check_holders (Walk *walk, ZvDir *dir, guint depth, GError **error)
{
  g_autoptr (ZvDir) holders = NULL;
  if (!open_optional (dir, "holders", &holders, error))
    return FALSE;
  if (holders == NULL)
    return TRUE;
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) names = zv_dir_list (holders, &local);
  if (names == NULL)
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), zv_dir_path (holders));
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *holder = g_ptr_array_index (names, i);
      g_ptr_array_add (walk->users, g_strdup_printf ("%s held by %s", zv_dir_name (dir),
                                                     holder));
      if (depth >= MAX_HOLDER_DEPTH)
        continue;
      /* what uses the holder: dm-0 mounted on /data */
      g_autoptr (ZvDir) hdir = zv_dir_open_child (holders, holder, NULL);
      if (hdir != NULL && !check_block_device (walk, hdir, depth + 1, error))
        return FALSE;
    }
  return TRUE;
}

/* Adds the users of the block device (disk or partition) DIR. */
static gboolean
check_block_device (Walk *walk, ZvDir *dir, guint depth, GError **error)
{
  if (!g_hash_table_add (walk->seen, g_strdup (zv_dir_path (dir))))
    return TRUE;
  g_autofree char *text = NULL;
  if (!read_optional (dir, "dev", &text, error))
    return FALSE;
  ZvDevt devt;
  if (text != NULL && !zv_parse_devt (text, &devt))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/dev: '%s' is not MAJOR:MINOR",
                   zv_dir_path (dir), text);
      return FALSE;
    }
  if (text != NULL)
    {
      if (!need_mounts (walk->usage, error))
        return FALSE;
      g_autofree char *key = devt_key (&devt);
      const char *mountpoint = g_hash_table_lookup (walk->usage->mounts, key);
      if (mountpoint != NULL)
        g_ptr_array_add (walk->users, g_strdup_printf ("%s mounted on %s", zv_dir_name (dir),
                                                       mountpoint));
      if (g_hash_table_contains (walk->usage->swaps, key))
        g_ptr_array_add (walk->users, g_strdup_printf ("%s used as swap", zv_dir_name (dir)));
    }
  return check_holders (walk, dir, depth, error);
}

/* Adds the users of DISK and of its partitions (subdirectories with a
 * `partition` attribute: their names are not parsed). */
static gboolean
check_disk (Walk *walk, ZvDir *disk, GError **error)
{
  if (!check_block_device (walk, disk, 0, error))
    return FALSE;
  g_autoptr (GPtrArray) subdirs = list_subdirs (disk, error);
  if (subdirs == NULL)
    return FALSE;
  for (guint i = 0; i < subdirs->len; i++)
    {
      g_autoptr (ZvDir) part = zv_dir_open_child (disk, g_ptr_array_index (subdirs, i), NULL);
      if (part != NULL && zv_dir_has (part, "partition") &&
          !check_block_device (walk, part, 0, error))
        return FALSE;
    }
  return TRUE;
}

/* Adds the users of every disk in the block/ directory BLOCK. */
static gboolean
check_block_dir (Walk *walk, ZvDir *block, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) disks = zv_dir_list (block, &local);
  if (disks == NULL)
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), zv_dir_path (block));
      return FALSE;
    }
  for (guint i = 0; i < disks->len; i++)
    {
      g_autoptr (ZvDir) disk = NULL;
      if (!open_optional (block, g_ptr_array_index (disks, i), &disk, error))
        return FALSE;
      if (disk != NULL && !check_disk (walk, disk, error))
        return FALSE;
    }
  return TRUE;
}

/* A walk that adds to USERS. */
static Walk
walk_init (ZvHostUsage *usage, GPtrArray *users)
{
  Walk walk = { usage, users, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  return walk;
}

/* Appends what uses the block devices below the ccw device at DEVICE_PATH. */
gboolean
zv_host_usage_ccw_device (ZvHostUsage *usage, const char *device_path, GPtrArray *users,
                          GError **error)
{
  g_autofree char *path = g_strconcat (device_path, "/block", NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) block = zv_root_open_dir (usage->root, path, &local);
  if (block == NULL)
    {
      if (zv_error_is_absent (local))
        return TRUE;   /* not a DASD, or offline: no block devices */
      zv_error_propagate_naming (error, g_steal_pointer (&local), path);
      return FALSE;
    }
  Walk walk = walk_init (usage, users);
  gboolean ok = check_block_dir (&walk, block, error);
  g_hash_table_unref (walk.seen);
  return ok;
}

/* Adds what uses the network interface NETDEV: up, enslaved, routes. */
static gboolean
check_netdev (ZvHostUsage *usage, ZvDir *netdev, GPtrArray *users, GError **error)
{
  const char *name = zv_dir_name (netdev);
  g_autofree char *flags_text = NULL;
  g_autofree char *operstate = NULL;
  if (!read_optional (netdev, "flags", &flags_text, error) ||
      !read_optional (netdev, "operstate", &operstate, error))
    return FALSE;
  guint32 flags = 0;
  if ((flags_text != NULL && !zv_parse_netdev_flags (flags_text, &flags)) ||
      (flags_text == NULL && operstate == NULL))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/flags: cannot tell whether %s is up "
                   "(%s)", zv_dir_path (netdev), name,
                   flags_text ? "not a flags value" : "no flags or operstate attribute");
      return FALSE;
    }
  if ((flags & ZV_IFF_UP) != 0 || (operstate != NULL && strcmp (operstate, "down") != 0))
    g_ptr_array_add (users, g_strdup_printf ("%s is up", name));
  if (zv_dir_has (netdev, "master"))
    {
      g_autofree char *master = zv_dir_read_link_name (netdev, "master", NULL);
      g_ptr_array_add (users, g_strdup_printf ("%s is enslaved to %s", name,
                                               master ? master : "another interface"));
    }
  if (!need_routes (usage, error))
    return FALSE;
  guint routes = GPOINTER_TO_UINT (g_hash_table_lookup (usage->routes, name));
  if (routes & ROUTES_DEFAULT)
    g_ptr_array_add (users, g_strdup_printf ("%s carries the host's default route", name));
  else if (routes & ROUTES_SOME)
    g_ptr_array_add (users, g_strdup_printf ("%s carries routes of the host", name));
  return TRUE;
}

/* Adds what uses the interfaces in the net/ directory NET. */
static gboolean
check_net_dir (ZvHostUsage *usage, ZvDir *net, GPtrArray *users, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) names = zv_dir_list (net, &local);
  if (names == NULL)
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), zv_dir_path (net));
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (ZvDir) netdev = NULL;
      if (!open_optional (net, g_ptr_array_index (names, i), &netdev, error))
        return FALSE;
      if (netdev != NULL && !check_netdev (usage, netdev, users, error))
        return FALSE;
    }
  return TRUE;
}

/* Checks the net/ and block/ directories of DIR (a PCI function, or a child
 * device of it such as virtio0). */
static gboolean
check_net_and_block (Walk *walk, ZvDir *dir, GError **error)
{
  g_autoptr (ZvDir) net = NULL;
  g_autoptr (ZvDir) block = NULL;
  if (!open_optional (dir, "net", &net, error) ||
      (net != NULL && !check_net_dir (walk->usage, net, walk->users, error)) ||
      !open_optional (dir, "block", &block, error) ||
      (block != NULL && !check_block_dir (walk, block, error)))
    return FALSE;
  return TRUE;
}

/* Checks the multipath heads of the NVMe subsystems that CONTROLLER belongs
 * to: /sys/class/nvme-subsystem/<s>/ holds a link named after each of its
 * controllers and the head disks (the per-path disks below the controller are
 * hidden and have no `dev`). */
static gboolean
check_nvme_subsystems (Walk *walk, ZvDir *controller, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) class = zv_root_open_dir (walk->usage->root, CLASS_NVME_SUBSYSTEM, &local);
  if (class == NULL)
    {
      if (zv_error_is_absent (local))
        return TRUE;
      zv_error_propagate_naming (error, g_steal_pointer (&local), CLASS_NVME_SUBSYSTEM);
      return FALSE;
    }
  g_autoptr (GPtrArray) subsystems = zv_dir_list (class, &local);
  if (subsystems == NULL)
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), CLASS_NVME_SUBSYSTEM);
      return FALSE;
    }
  for (guint i = 0; i < subsystems->len; i++)
    {
      g_autoptr (ZvDir) subsystem = zv_dir_open_child (class, g_ptr_array_index (subsystems, i),
                                                       NULL);
      if (subsystem == NULL || !zv_dir_has (subsystem, zv_dir_name (controller)))
        continue;
      g_autoptr (ZvDir) member = zv_dir_open_child (subsystem, zv_dir_name (controller), NULL);
      if (member == NULL || strcmp (zv_dir_path (member), zv_dir_path (controller)) != 0)
        continue;   /* another controller of that name: not ours */
      g_autoptr (GPtrArray) heads = list_subdirs (subsystem, error);
      if (heads == NULL)
        return FALSE;
      for (guint j = 0; j < heads->len; j++)
        {
          g_autoptr (ZvDir) head = zv_dir_open_child (subsystem, g_ptr_array_index (heads, j),
                                                      NULL);
          if (head != NULL && zv_dir_has (head, "dev") && !check_disk (walk, head, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Checks the NVMe controllers in the nvme/ directory NVME: the namespaces
 * below each controller (subdirectories with a `dev`) and its subsystems'
 * multipath heads. */
static gboolean
check_nvme_dir (Walk *walk, ZvDir *nvme, GError **error)
{
  g_autoptr (GPtrArray) controllers = list_subdirs (nvme, error);
  if (controllers == NULL)
    return FALSE;
  for (guint i = 0; i < controllers->len; i++)
    {
      g_autoptr (ZvDir) controller = NULL;
      if (!open_optional (nvme, g_ptr_array_index (controllers, i), &controller, error))
        return FALSE;
      if (controller == NULL)
        continue;
      g_autoptr (GPtrArray) children = list_subdirs (controller, error);
      if (children == NULL)
        return FALSE;
      for (guint j = 0; j < children->len; j++)
        {
          g_autoptr (ZvDir) ns = zv_dir_open_child (controller, g_ptr_array_index (children, j),
                                                    NULL);
          if (ns != NULL && zv_dir_has (ns, "dev") && !check_disk (walk, ns, error))
            return FALSE;
        }
      if (!check_nvme_subsystems (walk, controller, error))
        return FALSE;
    }
  return TRUE;
}

/* Appends what uses the PCI function at FUNCTION_PATH. */
gboolean
zv_host_usage_pci_function (ZvHostUsage *usage, const char *function_path, GPtrArray *users,
                            GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) fn = zv_root_open_dir (usage->root, function_path, &local);
  if (fn == NULL)
    {
      zv_error_propagate_naming (error, g_steal_pointer (&local), function_path);
      return FALSE;
    }
  Walk walk = walk_init (usage, users);
  gboolean ok = check_net_and_block (&walk, fn, error);
  g_autoptr (GPtrArray) children = ok ? list_subdirs (fn, error) : NULL;
  ok = children != NULL;
  for (guint i = 0; ok && i < children->len; i++)
    {
      const char *name = g_ptr_array_index (children, i);
      g_autoptr (ZvDir) child = zv_dir_open_child (fn, name, NULL);
      if (child == NULL)
        continue;
      if (strcmp (name, "nvme") == 0)
        ok = check_nvme_dir (&walk, child, error);
      else if (strcmp (name, "net") != 0 && strcmp (name, "block") != 0)
        ok = check_net_and_block (&walk, child, error);   /* virtio0/net, virtio0/block */
    }
  g_hash_table_unref (walk.seen);
  return ok;
}
