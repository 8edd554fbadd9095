/* zvfio: files inside an open directory of a root (ZvDir): attributes read and
 * written below the directory's fd with no symlink followed, links read, the
 * directory listed or indexed. zv-root.c resolves the paths that lead here. */
#include "zv-root.h"
#include "zv-root-private.h"
#include "zv-error.h"
#include "zv-fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Wraps FD, an open directory at the canonical root-relative PATH (taken). */
ZvDir *
zv_dir_new (ZvRoot *root, char *path, int fd)
{
  ZvDir *dir = g_new0 (ZvDir, 1);
  dir->root = zv_root_ref (root);
  dir->path = path;
  dir->fd = fd;
  return dir;
}

/* Sets ERROR from ERRSV for DIR_PATH, or DIR_PATH/NAME when NAME is given. */
void
zv_root_set_file_error (GError **error, int errsv, const char *verb, const char *dir_path,
                        const char *name)
{
  if (error == NULL)
    return;   /* g_strerror would be looked up for nothing (probes of absent files) */
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s %s%s%s: %s", verb,
               dir_path, name ? "/" : "", name ? name : "", g_strerror (errsv));
}

/* Reads FD to its end, at most ZV_MAX_FILE_SIZE bytes. A first read that
 * returns less than asked and at least EOF_AT bytes (EOF_AT >= 0) is taken as
 * the end, sparing the read that would return 0: a regular file (its size
 * known) or a sysfs attribute (whole in one read) gives a short read only at
 * its end. Errors name DIR_PATH[/NAME]. */
char *
zv_root_read_fd (int fd, gssize eof_at, gsize *length, const char *dir_path, const char *name,
                 GError **error)
{
  g_autoptr (GByteArray) buf = NULL;
  guint8 chunk[4096];
  for (;;)
    {
      ssize_t n;
      do
        n = read (fd, chunk, sizeof chunk);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          zv_root_set_file_error (error, errno, "cannot read", dir_path, name);
          return NULL;
        }
      /* the whole file in the first read: one allocation */
      if (buf == NULL && (n == 0 || (eof_at >= 0 && n < (ssize_t) sizeof chunk && n >= eof_at)))
        {
          if (length)
            *length = (gsize) n;
          char *data = g_malloc ((gsize) n + 1);
          data[n] = '\0';
          return memcpy (data, chunk, (gsize) n);
        }
      if (buf == NULL)
        buf = g_byte_array_new ();
      if (buf->len + (gsize) n > ZV_MAX_FILE_SIZE)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s%s%s is larger than %d bytes",
                       dir_path, name ? "/" : "", name ? name : "", ZV_MAX_FILE_SIZE);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
      if (n == 0)
        break;
    }
  if (length)
    *length = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
}

/* TRUE when NAME is a plain relative attribute path (no allocation: it runs for
 * every attribute read). */
gboolean
zv_attr_name_is_safe (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '/')
    return FALSE;
  for (const char *p = name;;)
    {
      const char *end = strchrnul (p, '/');
      gsize n = (gsize) (end - p);
      if (n == 0 || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
        return FALSE;
      if (*end == '\0')
        return TRUE;
      p = end + 1;
    }
}

/* Opens NAME below DIR without following any symlink; returns an fd or -1. */
static int
open_below (ZvDir *dir, const char *name, int flags, GError **error)
{
  if (!zv_attr_name_is_safe (name))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe attribute name '%s'", name);
      return -1;
    }
  int fd = zv_root_open_plain (dir->fd, name, flags, 0);
  if (fd < 0)
    zv_root_set_file_error (error, errno, "cannot open", dir->path, name);
  return fd;
}

/* Fails with ERROR unless FD is a regular file (a FIFO or device planted as an
 * attribute would block or misbehave); closes FD then. Fills ST. */
gboolean
zv_root_require_regular (int fd, struct stat *st, const char *dir_path, const char *name,
                         GError **error)
{
  if (fstat (fd, st) != 0)
    zv_root_set_file_error (error, errno, "cannot access", dir_path, name);
  else if (!S_ISREG (st->st_mode))
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s%s%s is not a regular file", dir_path,
                 name ? "/" : "", name ? name : "");
  else
    return TRUE;
  close (fd);
  return FALSE;
}

/* The dirent record of NAME in DIR's index, or NULL. A large index (a bus
 * directory, one entry per device) gets a hash table at its first lookup; one
 * only walked (zv_dir_index_next, zv_dir_list) never pays for it. */
static const struct dirent64 *
index_find (ZvDir *dir, const char *name)
{
  if (dir->index_names == NULL && dir->index_len > 64 * 32)
    {
      dir->index_names = g_hash_table_new (g_str_hash, g_str_equal);
      for (gsize off = 0; off < dir->index_len;)
        {
          struct dirent64 *d = (struct dirent64 *) (dir->index + off);
          g_hash_table_insert (dir->index_names, d->d_name, d);
          off += d->d_reclen;
        }
    }
  if (dir->index_names != NULL)
    return g_hash_table_lookup (dir->index_names, name);
  for (gsize off = 0; off < dir->index_len;)
    {
      const struct dirent64 *d = (const struct dirent64 *) (dir->index + off);
      if (strcmp (d->d_name, name) == 0)
        return d;
      off += d->d_reclen;
    }
  return NULL;
}

/* TRUE when the file system of the tree below DIR (its first indexed directory
 * decides, once per root) fills a getdents buffer until the directory ends:
 * sysfs (kernfs), tmpfs, ext4, xfs, btrfs do; a short answer from them is the
 * end and needs no second call. FUSE, NFS and others may answer short. */
static gboolean
fills_getdents (ZvDir *dir)
{
  if (dir->root->filling_fs < 0)
    {
      struct statfs fs;
      gboolean fills = FALSE;
      if (fstatfs (dir->fd, &fs) == 0)
        switch ((unsigned long) fs.f_type)
          {
          case SYSFS_MAGIC: case TMPFS_MAGIC: case EXT4_SUPER_MAGIC:
          case XFS_SUPER_MAGIC: case BTRFS_SUPER_MAGIC:
            fills = TRUE;
            break;
          default:
            break;
          }
      g_atomic_int_set (&dir->root->filling_fs, fills ? 1 : 0);
    }
  return g_atomic_int_get (&dir->root->filling_fs) == 1;
}

/* Takes a snapshot of DIR's entries (names and types) in one getdents pass. */
gboolean
zv_dir_index (ZvDir *dir, GError **error)
{
  zv_dir_drop_index (dir);
  if (dir->read_once && lseek (dir->fd, 0, SEEK_SET) < 0)
    {
      zv_root_set_file_error (error, errno, "cannot list", dir->path, NULL);
      return FALSE;
    }
  dir->read_once = TRUE;
  /* the getdents window grows while calls fill it (up to 1 MiB): a bus directory
   * of 65,536 entries (2 MiB of records) takes about ten calls, not 256 */
  GByteArray *records = g_byte_array_sized_new (8192);
  gsize window = 8192;
  for (;;)
    {
      guint used = records->len;
      g_byte_array_set_size (records, used + (guint) window);
      ssize_t n = getdents64 (dir->fd, records->data + used, window);
      g_byte_array_set_size (records, used + (guint) MAX (n, 0));
      if (n < 0)
        {
          zv_root_set_file_error (error, errno, "cannot list", dir->path, NULL);
          g_byte_array_unref (records);
          return FALSE;
        }
      if (n == 0)
        break;
      /* room left for the longest record: a filling file system has no more */
      if ((gsize) n + sizeof (struct dirent64) + 8 <= window && fills_getdents (dir))
        break;
      if ((gsize) n + sizeof (struct dirent64) + 8 > window && window < 1024 * 1024)
        window *= 2;
    }
  dir->index_len = records->len;
  dir->index = records->len > 0 ? g_byte_array_free (records, FALSE)
                                 : (g_byte_array_unref (records), g_malloc (1));
  /* a sysfs attribute directory has a few dozen entries: scanned; a bus directory
   * (one entry per device) is looked up by name, in a hash made at the first lookup */
  return TRUE;
}

/* Steps through the index: the next entry name after *CURSOR (start at 0) and
 * its d_type, FALSE at the end or without an index. "." and ".." are skipped. */
gboolean
zv_dir_index_next (ZvDir *dir, gsize *cursor, const char **name, guint8 *type)
{
  while (dir->index != NULL && *cursor < dir->index_len)
    {
      const struct dirent64 *d = (const struct dirent64 *) (dir->index + *cursor);
      *cursor += d->d_reclen;
      if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
        continue;
      *name = d->d_name;
      if (type)
        *type = d->d_type;
      return TRUE;
    }
  return FALSE;
}

/* Drops the snapshot zv_dir_index took; reads go to the file system again. */
void
zv_dir_drop_index (ZvDir *dir)
{
  g_clear_pointer (&dir->index_names, g_hash_table_unref);
  g_clear_pointer (&dir->index, g_free);
  dir->index_len = 0;
}

/* Reads attribute NAME; no symlink is followed. With an index, a name it lacks
 * is absent without a syscall, and a regular file in it is read at once (its
 * type known): open, one read, close. */
char *
zv_dir_read (ZvDir *dir, const char *name, gsize *length, GError **error)
{
  const struct dirent64 *d = NULL;
  if (dir->index != NULL && strchr (name, '/') == NULL && zv_attr_name_is_safe (name))
    {
      d = index_find (dir, name);
      if (d == NULL)
        {
          zv_root_set_file_error (error, ENOENT, "cannot open", dir->path, name);
          return NULL;
        }
    }
  int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
  struct stat st = { 0 };
  if (fd < 0 || (!(d && d->d_type == DT_REG)
                 && !zv_root_require_regular (fd, &st, dir->path, name, error)))
    return NULL;
  gssize eof_at = d && d->d_type == DT_REG ? 0 : st.st_size;
  char *data = zv_root_read_fd (fd, eof_at, length, dir->path, name, error);
  close (fd);
  return data;
}

/* Reads the regular file NAME and fills *ST with the fstat of the file read. */
char *
zv_dir_read_stat (ZvDir *dir, const char *name, gsize *length, struct stat *st,
                  GError **error)
{
  int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
  if (fd < 0 || !zv_root_require_regular (fd, st, dir->path, name, error))
    return NULL;
  char *data = zv_root_read_fd (fd, st->st_size, length, dir->path, name, error);
  close (fd);
  return data;
}

/* Reads attribute NAME as text with one trailing newline removed. */
char *
zv_dir_read_line (ZvDir *dir, const char *name, GError **error)
{
  gsize len = 0;
  char *data = zv_dir_read (dir, name, &len, error);
  if (data == NULL)
    return NULL;
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/%s contains a NUL byte",
                   dir->path, name);
      g_free (data);
      return NULL;
    }
  if (len > 0 && data[len - 1] == '\n')
    data[len - 1] = '\0';
  return data;
}

/* TRUE when NAME exists in the directory (a dangling link counts): one name is
 * looked up in the index or with fstatat, a path below the directory opened
 * with no symlink followed. */
gboolean
zv_dir_has (ZvDir *dir, const char *name)
{
  struct stat st;
  if (!zv_attr_name_is_safe (name))
    return FALSE;
  if (strchr (name, '/') == NULL)
    return dir->index != NULL ? index_find (dir, name) != NULL
                              : fstatat (dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
  int fd = zv_root_open_plain (dir->fd, name, O_PATH | O_NOFOLLOW, 0);
  if (fd >= 0)
    close (fd);
  return fd >= 0;
}

/* Reads the target of symlink NAME into BUF (see zv-root.h). */
gssize
zv_dir_read_link (ZvDir *dir, const char *name, char *buf, gsize size)
{
  if (!zv_attr_name_is_safe (name) || strchr (name, '/') != NULL || size == 0)
    {
      errno = EINVAL;
      return -1;
    }
  ssize_t n = readlinkat (dir->fd, name, buf, size - 1);
  if (n >= 0)
    buf[n] = '\0';
  return n;
}

/* The basename of the target of symlink NAME. */
char *
zv_dir_read_link_name (ZvDir *dir, const char *name, GError **error)
{
  char target[PATH_MAX];
  if (!zv_attr_name_is_safe (name) || strchr (name, '/') != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe link name '%s'", name);
      return NULL;
    }
  ssize_t n = dir->index != NULL && index_find (dir, name) == NULL
              ? (errno = ENOENT, -1)
              : readlinkat (dir->fd, name, target, sizeof target - 1);
  if (n < 0)
    {
      zv_root_set_file_error (error, errno, "cannot read link", dir->path, name);
      return NULL;
    }
  target[n] = '\0';
  /* strip trailing slashes, then take the last component */
  while (n > 1 && target[n - 1] == '/')
    target[--n] = '\0';
  const char *slash = strrchr (target, '/');
  return g_strdup (slash ? slash + 1 : target);
}

/* Opens the child directory NAME, following a symlink inside the root: a real
 * child directory with one open below DIR; a link (a bus entry) by reading it
 * and opening its target joined to DIR's canonical path, its leading ".."
 * taken off lexically (DIR's path has no symlink), so the kernel proves the
 * joined path canonical (zv_root_open_dir); anything else by resolving the
 * whole path. */
ZvDir *
zv_dir_open_child (ZvDir *dir, const char *name, GError **error)
{
  if (!zv_attr_name_is_safe (name))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe name '%s'", name);
      return NULL;
    }
  const char *sep = strcmp (dir->path, "/") ? "/" : "";
  if (strchr (name, '/') != NULL)
    {
      g_autofree char *path = g_strconcat (dir->path, sep, name, NULL);
      return zv_root_open_dir (dir->root, path, error);
    }
  const struct dirent64 *d = dir->index != NULL ? index_find (dir, name) : NULL;
  if (dir->index != NULL && d == NULL)
    errno = ENOENT;
  int fd = (dir->index != NULL && d == NULL) || (d != NULL && d->d_type == DT_LNK)
           ? -1 : zv_root_open_plain (dir->fd, name, O_RDONLY | O_DIRECTORY, 0);
  /* the path is made after the open: a probe for an absent child allocates nothing */
  if (fd >= 0)
    return zv_dir_new (dir->root, g_strconcat (dir->path, sep, name, NULL), fd);
  if (d == NULL && errno == ENOENT)
    {
      zv_root_set_file_error (error, ENOENT, "cannot access", *sep ? dir->path : "", name);
      return NULL;
    }
  g_autofree char *path = g_strconcat (dir->path, sep, name, NULL);
  char target[PATH_MAX];
  ssize_t n = readlinkat (dir->fd, name, target, sizeof target - 1);
  if (n > 0)
    {
      target[n] = '\0';
      g_autofree char *base = g_strdup (target[0] == '/' ? "" : dir->path);
      const char *rest = target + (target[0] == '/');
      for (; g_str_has_prefix (rest, "../"); rest += 3)
        {
          char *slash = strrchr (base, '/');
          *(slash ? slash : base) = '\0';
        }
      g_autofree char *joined = g_strconcat (base, "/", rest, NULL);
      g_autoptr (GError) local = NULL;
      ZvDir *child = zv_root_open_dir (dir->root, joined, &local);
      if (child != NULL)
        return child;
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  return zv_root_open_dir (dir->root, path, error);
}

/* Opens NAME, a real directory below DIR, with no symlink followed. */
ZvDir *
zv_dir_open_subdir (ZvDir *dir, const char *name, GError **error)
{
  int fd = open_below (dir, name, O_RDONLY | O_DIRECTORY, error);
  if (fd < 0)
    return NULL;
  return zv_dir_new (dir->root, g_strconcat (dir->path, strcmp (dir->path, "/") ? "/" : "",
                                             name, NULL), fd);
}

/* Compares two entry names for sorting. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Lists the entry names of the directory, sorted: from its index, or from one
 * taken for the purpose. */
GPtrArray *
zv_dir_list (ZvDir *dir, GError **error)
{
  gboolean had_index = dir->index != NULL;
  if (!had_index && !zv_dir_index (dir, error))
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  for (gsize cursor = 0; zv_dir_index_next (dir, &cursor, &name, NULL);)
    g_ptr_array_add (names, g_strdup (name));
  if (!had_index)
    zv_dir_drop_index (dir);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* Writes VALUE to the sysfs attribute NAME in one write(2). */
gboolean
zv_dir_write (ZvDir *dir, const char *name, const char *value, GError **error)
{
  zv_fault_point ("write", dir->path, name);
  /* O_TRUNC like a shell "echo > attr": ignored by sysfs, keeps plain files exact */
  int fd = open_below (dir, name, O_WRONLY | O_TRUNC | O_NONBLOCK, error);
  struct stat st;
  if (fd < 0 || !zv_root_require_regular (fd, &st, dir->path, name, error))
    return FALSE;
  gsize len = strlen (value);
  ssize_t n;
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  int errsv = errno;
  if (close (fd) != 0 && n >= 0)
    {
      n = -1;
      errsv = errno;
    }
  if (n < 0 || (gsize) n != len)
    {
      zv_root_set_file_error (error, n < 0 ? errsv : EIO, "cannot write", dir->path, name);
      return FALSE;
    }
  return TRUE;
}

/* Closes a directory handle. */
void
zv_dir_free (ZvDir *dir)
{
  if (dir == NULL)
    return;
  if (dir->fd >= 0)
    close (dir->fd);
  zv_dir_drop_index (dir);
  zv_root_unref (dir->root);
  g_free (dir->path);
  g_free (dir);
}

/* The canonical root-relative path of the directory. */
const char *
zv_dir_path (ZvDir *dir)
{
  return dir->path;
}

/* The last component of the directory's canonical path. */
const char *
zv_dir_name (ZvDir *dir)
{
  const char *slash = strrchr (dir->path, '/');
  return slash ? slash + 1 : dir->path;
}

/* The root the directory belongs to. */
ZvRoot *
zv_dir_root (ZvDir *dir)
{
  return dir->root;
}

/* The directory's open fd, owned by DIR: for *at(2) calls on plain names in it,
 * which then stay in this directory whatever happens to its path meanwhile. */
int
zv_dir_fd (ZvDir *dir)
{
  return dir->fd;
}
