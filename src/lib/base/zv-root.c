/* zvfio: root-prefixed, root-confined file access. */
#include "zv-root.h"
#include "zv-paths.h"
#include "zv-error.h"
#include "zv-fault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>

#define ZV_MAX_SYMLINKS 40
/* Directories whose O_PATH fd a root keeps, so a walk starts near its target. */
#define ZV_DIR_CACHE_SIZE 8
/* Link hops the fast path follows before it hands over to the full resolver. */
#define ZV_FAST_LINK_HOPS 8

/* A directory a root keeps open: its canonical root-relative path and O_PATH fd. */
typedef struct {
  char *path;
  int fd;
} ZvCachedDir;

struct _ZvRoot {
  gint refcount;
  char *dir;       /* canonical host path, no trailing slash unless "/" */
  int fd;          /* O_PATH fd of dir: every walk starts here */
  GMutex lock;     /* guards cache */
  ZvCachedDir cache[ZV_DIR_CACHE_SIZE];
  guint cache_next;
  gint filling_fs;   /* 1: the tree's file system fills getdents buffers (see
                      * zv_dir_index), 0: it may not, -1: not known yet */
};

struct _ZvDir {
  ZvRoot *root;
  char *path;      /* canonical root-relative path */
  int fd;
  guint8 *index;   /* zv_dir_index: raw linux_dirent64 records, or NULL */
  gsize index_len;
  GHashTable *index_names;  /* name -> record, for a large index (a bus), or NULL */
  gboolean read_once;  /* the fd's position moved (an index was taken) */
};

/* Sets ERROR from errno with a message naming the root-relative PATH. */
static void
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s", what, path, g_strerror (errsv));
}

/* Sets ERROR for a walk of PATH that failed at REL; when symlinks were followed on
 * the way, names PATH as asked and says where inside the root they led (REL alone,
 * e.g. "/tmp" for a link to an absolute host path, reads like a path outside). */
static void
set_walk_error (GError **error, int errsv, const char *what, const char *path,
                const char *rel, int links)
{
  if (links == 0 || strcmp (path, rel) == 0)
    {
      set_errno_error (error, errsv, what, rel);
      return;
    }
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s (reached through a symlink, resolved inside the root): %s", what,
               path, rel, g_strerror (errsv));
}

/* Opens a root: DIR, else $ZVFIO_ROOT, else "/". */
ZvRoot *
zv_root_new (const char *dir, GError **error)
{
  const char *source = dir;
  if (source != NULL && *source == '\0')
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "the root directory is empty (give a directory, or / for this host)");
      return NULL;
    }
  if (source == NULL)
    source = g_getenv (ZV_ROOT_ENV);
  if (source == NULL || *source == '\0')
    source = "/";

  g_autofree char *canonical = realpath (source, NULL);
  if (canonical == NULL)
    {
      int errsv = errno;
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot use root directory %s: %s",
                   source, g_strerror (errsv));
      return NULL;
    }
  int fd = open (canonical, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot use root directory %s: %s", source,
                   errsv == ENOTDIR ? "not a directory" : g_strerror (errsv));
      return NULL;
    }
  ZvRoot *root = g_new0 (ZvRoot, 1);
  root->refcount = 1;
  root->dir = g_steal_pointer (&canonical);
  root->fd = fd;
  g_mutex_init (&root->lock);
  root->filling_fs = -1;
  return root;
}

/* Takes a reference. */
ZvRoot *
zv_root_ref (ZvRoot *root)
{
  g_atomic_int_inc (&root->refcount);
  return root;
}

/* Drops a reference. */
void
zv_root_unref (ZvRoot *root)
{
  if (root == NULL)
    return;
  if (g_atomic_int_dec_and_test (&root->refcount))
    {
      for (guint i = 0; i < ZV_DIR_CACHE_SIZE; i++)
        if (root->cache[i].path != NULL)
          {
            close (root->cache[i].fd);
            g_free (root->cache[i].path);
          }
      g_mutex_clear (&root->lock);
      close (root->fd);
      g_free (root->dir);
      g_free (root);
    }
}

/* The canonical host directory of the root. */
const char *
zv_root_dir (ZvRoot *root)
{
  return root->dir;
}

/* TRUE when the root is the real system root. */
gboolean
zv_root_is_system (ZvRoot *root)
{
  return strcmp (root->dir, "/") == 0;
}

/* The host path for a canonical root-relative path. */
char *
zv_root_host_path (ZvRoot *root, const char *canonical)
{
  while (*canonical == '/')
    canonical++;
  if (zv_root_is_system (root))
    return g_strconcat ("/", canonical, NULL);
  if (*canonical == '\0')
    return g_strdup (root->dir);
  return g_strconcat (root->dir, "/", canonical, NULL);
}

/* Joins the component stack into a root-relative path. */
static char *
stack_to_path (GPtrArray *stack)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < stack->len; i++)
    {
      g_string_append_c (s, '/');
      g_string_append (s, g_ptr_array_index (stack, i));
    }
  if (s->len == 0)
    g_string_append_c (s, '/');
  return g_string_free (s, FALSE);
}

/* Pushes the components of PATH to the front of QUEUE, keeping their order. */
static void
queue_push_path_front (GQueue *queue, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  for (gint i = (gint) g_strv_length (parts) - 1; i >= 0; i--)
    if (parts[i][0] != '\0')
      g_queue_push_head (queue, g_strdup (parts[i]));
}

/* Where a path ended up: its canonical root-relative path, the directory that
 * holds its last component (an O_PATH fd) and that component's name. The file
 * or directory itself is reached with openat(parent_fd, name, ...|O_NOFOLLOW),
 * so the kernel never resolves a path string again between check and use. */
typedef struct {
  char *canonical;
  int parent_fd;   /* -1 for the root itself */
  char *name;      /* NULL for the root itself */
  gboolean exists; /* FALSE only when a missing last component was allowed */
} Resolved;

/* Frees what a Resolved holds. */
static void
resolved_clear (Resolved *r)
{
  if (r->parent_fd >= 0)
    close (r->parent_fd);
  g_clear_pointer (&r->canonical, g_free);
  g_clear_pointer (&r->name, g_free);
}

/* Closes and drops the directory fds on STACK above DEPTH entries. */
static void
fd_stack_truncate (GArray *fds, guint depth)
{
  while (fds->len > depth)
    {
      close (g_array_index (fds, int, fds->len - 1));
      g_array_set_size (fds, fds->len - 1);
    }
}

/* Core resolver: walks PATH component by component from the root's own
 * directory fd (openat O_PATH|O_NOFOLLOW, then fstat of that very fd), clamping
 * ".." and absolute link targets to the root, as a chroot would. Every step is
 * relative to an fd already inside the root, so a concurrent symlink swap can
 * make it fail, never escape. */
static gboolean
resolve_in_root (ZvRoot *root, const char *path, gboolean allow_missing_last,
                 Resolved *out, GError **error)
{
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GQueue) queue = g_queue_new ();
  g_autofree char *last_name = NULL;   /* a non-directory last component */
  gboolean missing = FALSE;
  int links = 0;
  gboolean ok = FALSE;

  memset (out, 0, sizeof *out);
  out->parent_fd = -1;
  if (path == NULL || strlen (path) >= PATH_MAX)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "path too long or empty");
      return FALSE;
    }
  queue_push_path_front (queue, path);

  while (!g_queue_is_empty (queue))
    {
      g_autofree char *component = g_queue_pop_head (queue);
      if (strcmp (component, ".") == 0)
        continue;
      if (strcmp (component, "..") == 0)
        {
          if (stack->len > 0)
            {
              g_ptr_array_remove_index (stack, stack->len - 1);
              fd_stack_truncate (fds, stack->len);
            }
          continue;
        }
      int here = fds->len ? g_array_index (fds, int, fds->len - 1) : root->fd;
      g_ptr_array_add (stack, g_strdup (component));
      int fd = openat (here, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          int errsv = errno;
          if (fd >= 0)
            close (fd);
          g_autofree char *rel = stack_to_path (stack);
          if (errsv == ENOENT && allow_missing_last && g_queue_is_empty (queue))
            {
              missing = TRUE;
              last_name = g_strdup (component);
              g_ptr_array_remove_index (stack, stack->len - 1);
              break;
            }
          set_walk_error (error, errsv, "cannot access", path, rel, links);
          goto out;
        }
      if (S_ISLNK (st.st_mode))
        {
          char target[PATH_MAX];
          ssize_t n = ++links > ZV_MAX_SYMLINKS ? (errno = ELOOP, -1)
                                                 : readlinkat (fd, "", target, sizeof target - 1);
          int errsv = errno;
          close (fd);
          if (n < 0)
            {
              g_autofree char *rel = stack_to_path (stack);
              set_walk_error (error, errsv, errsv == ELOOP ? "cannot resolve" : "cannot read link",
                              path, rel, links);
              goto out;
            }
          target[n] = '\0';
          g_ptr_array_remove_index (stack, stack->len - 1);
          if (target[0] == '/')
            {
              g_ptr_array_set_size (stack, 0);
              fd_stack_truncate (fds, 0);
            }
          queue_push_path_front (queue, target);
          continue;
        }
      if (S_ISDIR (st.st_mode))
        {
          g_array_append_val (fds, fd);
          continue;
        }
      close (fd);
      if (!g_queue_is_empty (queue))
        {
          g_autofree char *rel = stack_to_path (stack);
          set_walk_error (error, ENOTDIR, "cannot access", path, rel, links);
          goto out;
        }
      last_name = g_strdup (component);
      g_ptr_array_remove_index (stack, stack->len - 1);
    }

  /* Split the result into (directory holding it, last name). */
  if (last_name == NULL && stack->len > 0)
    {
      /* the result is a directory: its parent is one level down the fd stack */
      last_name = g_strdup (g_ptr_array_index (stack, stack->len - 1));
      g_ptr_array_remove_index (stack, stack->len - 1);
      fd_stack_truncate (fds, stack->len);
    }
  if (last_name != NULL)
    {
      int parent = fds->len ? g_array_index (fds, int, fds->len - 1) : root->fd;
      out->parent_fd = fcntl (parent, F_DUPFD_CLOEXEC, 0);
      if (out->parent_fd < 0)
        {
          g_autofree char *rel = stack_to_path (stack);
          set_errno_error (error, errno, "cannot access", rel);
          goto out;
        }
      g_ptr_array_add (stack, g_strdup (last_name));
      out->name = g_steal_pointer (&last_name);
    }
  out->canonical = stack_to_path (stack);
  out->exists = !missing;
  ok = TRUE;
out:
  fd_stack_truncate (fds, 0);
  g_queue_clear_full (queue, g_free);
  return ok;
}

/* Opens the resolved object with FLAGS (O_NOFOLLOW added); the root itself is
 * reopened through its own fd. Returns an fd or -1 with ERROR set. */
static int
resolved_open (ZvRoot *root, const Resolved *r, int flags, mode_t mode, GError **error)
{
  int fd = r->name == NULL ? openat (root->fd, ".", flags | O_CLOEXEC)
                           : openat (r->parent_fd, r->name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    set_errno_error (error, errno, "cannot open", r->canonical);
  return fd;
}

/* The canonical root-relative path of PATH, or NULL with ERROR set. */
static char *
resolve_canonical (ZvRoot *root, const char *path, gboolean allow_missing_last, GError **error)
{
  Resolved r;
  if (!resolve_in_root (root, path, allow_missing_last, &r, error))
    return NULL;
  char *canonical = g_steal_pointer (&r.canonical);
  resolved_clear (&r);
  return canonical;
}

/* Resolves PATH inside the root following symlinks. */
char *
zv_root_resolve (ZvRoot *root, const char *path, GError **error)
{
  return resolve_canonical (root, path, FALSE, error);
}

/* Resolves PATH inside the root; a missing last component is allowed. */
char *
zv_root_resolve_parent (ZvRoot *root, const char *path, GError **error)
{
  return resolve_canonical (root, path, TRUE, error);
}

/* TRUE when PATH resolves to an existing file or directory. */
gboolean
zv_root_exists (ZvRoot *root, const char *path)
{
  Resolved r;
  if (!resolve_in_root (root, path, FALSE, &r, NULL))
    return FALSE;
  resolved_clear (&r);
  return TRUE;
}

/* Wraps an open directory fd of the root-relative CANONICAL path. */
static ZvDir *
dir_new (ZvRoot *root, char *canonical, int fd)
{
  ZvDir *dir = g_new0 (ZvDir, 1);
  dir->root = zv_root_ref (root);
  dir->path = canonical;
  dir->fd = fd;
  return dir;
}

/* TRUE when PATH is absolute and plain: no ".", ".." or empty component, not
 * "/" itself. Such a path is canonical exactly when none of its components is a
 * symlink, which a walk with O_NOFOLLOW at every step proves. */
static gboolean
path_is_plain (const char *path)
{
  if (path == NULL || path[0] != '/' || path[1] == '\0' || strlen (path) >= PATH_MAX)
    return FALSE;
  for (const char *p = path + 1;;)
    {
      const char *end = strchrnul (p, '/');
      gsize n = (gsize) (end - p);
      if (n == 0 || n > NAME_MAX || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
        return FALSE;
      if (*end == '\0')
        return TRUE;
      p = end + 1;
    }
}

/* Keeps the O_PATH fd FD of the canonical directory PATH (LEN bytes of it) in
 * the root's cache, replacing the oldest entry; takes FD. Only sysfs directories
 * are kept: they are not moved by users, and zvfio never writes files there
 * (the root's files it writes, below /etc and /run, are always walked afresh). */
static void
cache_put (ZvRoot *root, const char *path, gsize len, int fd)
{
  if (len < 5 || strncmp (path, "/sys/", 5) != 0)
    {
      close (fd);
      return;
    }
  ZvCachedDir *slot = &root->cache[root->cache_next];
  root->cache_next = (root->cache_next + 1) % ZV_DIR_CACHE_SIZE;
  if (slot->path != NULL)
    {
      close (slot->fd);
      g_free (slot->path);
    }
  slot->path = g_strndup (path, len);
  slot->fd = fd;
}

/* The fd of the deepest cached ancestor of PATH, or of PATH itself (the root's
 * own fd at worst); *COVERED is set to the length of PATH it stands for. Called
 * with the root's lock held. */
static int
cache_ancestor (ZvRoot *root, const char *path, gsize *covered)
{
  int fd = root->fd;
  *covered = 0;
  for (guint i = 0; i < ZV_DIR_CACHE_SIZE; i++)
    {
      const char *cached = root->cache[i].path;
      gsize n = cached ? strlen (cached) : 0;
      if (n > *covered && strncmp (path, cached, n) == 0 && (path[n] == '/' || path[n] == '\0'))
        {
          *covered = n;
          fd = root->cache[i].fd;
        }
    }
  return fd;
}

/* The number of components in the first LEN bytes of the plain PATH. */
static guint
depth_of (const char *path, gsize len)
{
  guint depth = 0;
  for (gsize i = 0; i < len; i++)
    depth += path[i] == '/';
  return depth;
}

/* Opens the plain PATH with FLAGS (O_NOFOLLOW added) by walking from its deepest
 * cached ancestor, one openat(O_PATH|O_DIRECTORY|O_NOFOLLOW) per component below
 * an fd already inside the root: a symlink anywhere fails the walk (ELOOP or
 * ENOTDIR), so what it opens is PATH itself, and PATH is canonical. The parent
 * it walked through is cached. Returns an fd, or -1 with errno and *FAILED_END
 * (the length of PATH up to the component that failed). */
static int
walk_plain (ZvRoot *root, const char *path, int flags, gsize *failed_end)
{
  g_mutex_lock (&root->lock);
  gsize covered;
  int here = cache_ancestor (root, path, &covered);
  int owned = -1;   /* an fd the walk opened, closed or cached at the end */
  int result = -1;
  int errsv = 0;
  const char *p = path + covered;
  *failed_end = strlen (path);
  if (*p == '\0')
    {
      result = openat (here, ".", flags | O_NOFOLLOW | O_CLOEXEC);
      errsv = errno;
    }
  for (p++; result < 0 && errsv == 0;)
    {
      const char *end = strchrnul (p, '/');
      char component[NAME_MAX + 1];
      memcpy (component, p, (gsize) (end - p));
      component[end - p] = '\0';
      gboolean last = *end == '\0';
      int fd = openat (here, component,
                       (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          errsv = errno;
          *failed_end = (gsize) (end - path);
          break;
        }
      if (last)
        {
          result = fd;
          gsize parent_len = (gsize) (p - 1 - path);
          if (owned >= 0 && depth_of (path, parent_len) != 3)   /* depth 3: kept already */
            cache_put (root, path, parent_len, g_steal_fd (&owned));
          break;
        }
      if (owned >= 0)
        close (owned);
      owned = here = fd;
      /* a bus or class directory ("/sys/devices/css0", "/sys/bus/mdev") stays
       * open: the next walks below it start there */
      if (depth_of (path, (gsize) (end - path)) == 3)
        {
          int keep = fcntl (fd, F_DUPFD_CLOEXEC, 0);
          if (keep >= 0)
            cache_put (root, path, (gsize) (end - path), keep);
        }
      p = end + 1;
    }
  if (owned >= 0)
    close (owned);
  g_mutex_unlock (&root->lock);
  errno = errsv;
  return result;
}

/* Opens the directory at PATH with the full resolver (symlinks followed inside
 * the root); keeps the directory that holds it in the root's cache. */
static ZvDir *
open_dir_resolved (ZvRoot *root, const char *path, GError **error)
{
  Resolved r;
  if (!resolve_in_root (root, path, FALSE, &r, error))
    return NULL;
  int fd = resolved_open (root, &r, O_RDONLY | O_DIRECTORY, 0, error);
  if (fd < 0)
    {
      resolved_clear (&r);
      return NULL;
    }
  if (r.parent_fd >= 0 && r.name != NULL)
    {
      gsize len = strlen (r.canonical) - strlen (r.name) - 1;
      g_mutex_lock (&root->lock);
      gsize covered;
      cache_ancestor (root, r.canonical, &covered);
      if (covered < len && len > 0)
        cache_put (root, r.canonical, len, g_steal_fd (&r.parent_fd));
      g_mutex_unlock (&root->lock);
    }
  ZvDir *dir = dir_new (root, g_steal_pointer (&r.canonical), fd);
  resolved_clear (&r);
  return dir;
}

/* Opens the directory at the plain PATH by a cached walk. Returns NULL with
 * *RESOLVE set when a symlink (or an error the full resolver words) is in the
 * way and ERROR untouched; a missing component is reported here, with the
 * message the full resolver gives. */
static ZvDir *
open_dir_plain (ZvRoot *root, const char *path, gboolean *resolve, GError **error)
{
  gsize failed_end;
  *resolve = FALSE;
  int fd = walk_plain (root, path, O_RDONLY | O_DIRECTORY, &failed_end);
  if (fd >= 0)
    return dir_new (root, g_strdup (path), fd);
  if (errno == ENOENT)
    {
      g_autofree char *rel = g_strndup (path, failed_end);
      set_errno_error (error, ENOENT, "cannot access", rel);
      return NULL;
    }
  *resolve = TRUE;
  return NULL;
}

/* Opens the directory at PATH (resolved inside the root): a plain path by a
 * cached walk, anything else (or a walk that meets a symlink) by the resolver. */
ZvDir *
zv_root_open_dir (ZvRoot *root, const char *path, GError **error)
{
  if (path_is_plain (path))
    {
      gboolean resolve;
      ZvDir *dir = open_dir_plain (root, path, &resolve, error);
      if (!resolve)
        return dir;
    }
  return open_dir_resolved (root, path, error);
}

/* Sets ERROR from ERRSV for WHAT (DIR_PATH, or DIR_PATH/NAME when NAME is given). */
static void
set_file_error (GError **error, int errsv, const char *verb, const char *dir_path,
                const char *name)
{
  g_autofree char *what = name ? g_strconcat (dir_path, "/", name, NULL) : g_strdup (dir_path);
  set_errno_error (error, errsv, verb, what);
}

/* Reads FD to its end, at most ZV_MAX_FILE_SIZE bytes. A first read that
 * returns less than asked and at least EOF_AT bytes (EOF_AT >= 0) is taken as
 * the end, sparing the read that would return 0: a regular file (its size
 * known) or a sysfs attribute (whole in one read) gives a short read only at
 * its end. Errors name DIR_PATH[/NAME]. */
static char *
read_fd_all (int fd, gssize eof_at, gsize *length, const char *dir_path, const char *name,
             GError **error)
{
  guint8 chunk[4096];
  ssize_t n;
  do
    n = read (fd, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      set_file_error (error, errno, "cannot read", dir_path, name);
      return NULL;
    }
  if (n == 0 || (eof_at >= 0 && n < (ssize_t) sizeof chunk && n >= eof_at))
    {
      char *data = g_malloc ((gsize) n + 1);
      memcpy (data, chunk, (gsize) n);
      data[n] = '\0';
      if (length)
        *length = (gsize) n;
      return data;
    }
  GByteArray *buf = g_byte_array_new ();
  for (;;)
    {
      if (buf->len + (gsize) n > ZV_MAX_FILE_SIZE)
        {
          g_autofree char *what = name ? g_strconcat (dir_path, "/", name, NULL)
                                       : g_strdup (dir_path);
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is larger than %d bytes",
                       what, ZV_MAX_FILE_SIZE);
          g_byte_array_unref (buf);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
      do
        n = read (fd, chunk, sizeof chunk);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          set_file_error (error, errno, "cannot read", dir_path, name);
          g_byte_array_unref (buf);
          return NULL;
        }
      if (n == 0)
        break;
    }
  if (length)
    *length = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (buf, FALSE);
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
  int fd = dir->fd;
  for (const char *p = name;;)
    {
      const char *end = strchrnul (p, '/');
      gboolean last = *end == '\0';
      char component[NAME_MAX + 1];
      gsize n = MIN ((gsize) (end - p), (gsize) NAME_MAX);
      memcpy (component, p, n);
      component[n] = '\0';
      int next = openat (fd, component,
                         (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
      int errsv = errno;
      if (fd != dir->fd)
        close (fd);
      if (next < 0)
        {
          set_file_error (error, errsv, "cannot open", dir->path, name);
          return -1;
        }
      fd = next;
      if (last)
        return fd;
      p = end + 1;
    }
}

/* Fails with ERROR unless FD is a regular file (a FIFO or device planted as an
 * attribute would block or misbehave); closes FD then. Fills ST. */
static gboolean
require_regular (int fd, struct stat *st, const char *dir_path, const char *name,
                 GError **error)
{
  if (fstat (fd, st) != 0)
    {
      set_file_error (error, errno, "cannot access", dir_path, name);
      close (fd);
      return FALSE;
    }
  if (!S_ISREG (st->st_mode))
    {
      g_autofree char *what = name ? g_strconcat (dir_path, "/", name, NULL)
                                   : g_strdup (dir_path);
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is not a regular file", what);
      close (fd);
      return FALSE;
    }
  return TRUE;
}

/* The dirent record of NAME in DIR's index, or NULL. */
static const struct dirent64 *
index_find (const ZvDir *dir, const char *name)
{
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
      set_errno_error (error, errno, "cannot list", dir->path);
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
          set_errno_error (error, errno, "cannot list", dir->path);
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
   * (one entry per device) is looked up by name */
  if (dir->index_len > 64 * 32)
    {
      dir->index_names = g_hash_table_new (g_str_hash, g_str_equal);
      for (gsize off = 0; off < dir->index_len;)
        {
          struct dirent64 *d = (struct dirent64 *) (dir->index + off);
          g_hash_table_insert (dir->index_names, d->d_name, d);
          off += d->d_reclen;
        }
    }
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
  if (dir->index != NULL && strchr (name, '/') == NULL && zv_attr_name_is_safe (name))
    {
      const struct dirent64 *d = index_find (dir, name);
      if (d == NULL)
        {
          set_file_error (error, ENOENT, "cannot open", dir->path, name);
          return NULL;
        }
      if (d->d_type == DT_REG)
        {
          int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
          if (fd < 0)
            return NULL;
          char *data = read_fd_all (fd, 0, length, dir->path, name, error);
          close (fd);
          return data;
        }
    }
  int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
  if (fd < 0)
    return NULL;
  struct stat st;
  if (!require_regular (fd, &st, dir->path, name, error))
    return NULL;
  char *data = read_fd_all (fd, st.st_size, length, dir->path, name, error);
  close (fd);
  return data;
}

/* Reads the regular file NAME and fills *ST with the fstat of the file read. */
char *
zv_dir_read_stat (ZvDir *dir, const char *name, gsize *length, struct stat *st,
                  GError **error)
{
  int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
  if (fd < 0)
    return NULL;
  if (!require_regular (fd, st, dir->path, name, error))
    return NULL;
  char *data = read_fd_all (fd, st->st_size, length, dir->path, name, error);
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

/* TRUE when NAME exists in the directory (a dangling link counts). */
gboolean
zv_dir_has (ZvDir *dir, const char *name)
{
  struct stat st;
  if (!zv_attr_name_is_safe (name))
    return FALSE;
  if (dir->index != NULL && strchr (name, '/') == NULL)
    return index_find (dir, name) != NULL;
  return fstatat (dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
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
      set_file_error (error, errno, "cannot read link", dir->path, name);
      return NULL;
    }
  target[n] = '\0';
  /* strip trailing slashes, then take the last component */
  while (n > 1 && target[n - 1] == '/')
    target[--n] = '\0';
  const char *slash = strrchr (target, '/');
  return g_strdup (slash ? slash + 1 : target);
}

/* DIR's canonical path joined with the link TARGET when that join is plain:
 * TARGET is absolute and plain, or some leading ".." (each drops a component
 * of DIR's path, clamped at the root, as the resolver does) followed by plain
 * components. NULL otherwise. */
static char *
join_link_target (const char *dir_path, const char *target)
{
  if (target[0] == '/')
    return path_is_plain (target) ? g_strdup (target) : NULL;
  g_autofree char *base = g_strdup (dir_path);
  const char *rest = target;
  while (g_str_has_prefix (rest, "../"))
    {
      char *slash = strrchr (base, '/');
      if (slash != NULL)
        *slash = '\0';
      rest += 3;
    }
  g_autofree char *joined = g_strconcat (base, "/", rest, NULL);
  return path_is_plain (joined) ? g_steal_pointer (&joined) : NULL;
}

/* Opens the child directory NAME, following a symlink inside the root: a real
 * child directory with one openat(O_NOFOLLOW); a link (a bus entry) by reading
 * it and walking its target from the cached directories when that target is
 * plain; anything else through the resolver. */
ZvDir *
zv_dir_open_child (ZvDir *dir, const char *name, GError **error)
{
  if (!zv_attr_name_is_safe (name))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe name '%s'", name);
      return NULL;
    }
  g_autofree char *path = g_strconcat (dir->path, strcmp (dir->path, "/") ? "/" : "", name, NULL);
  if (strchr (name, '/') != NULL)
    return zv_root_open_dir (dir->root, path, error);
  if (dir->index != NULL && index_find (dir, name) == NULL)
    {
      set_errno_error (error, ENOENT, "cannot access", path);
      return NULL;
    }
  const struct dirent64 *d = dir->index != NULL ? index_find (dir, name) : NULL;
  int fd = d != NULL && d->d_type == DT_LNK
           ? (errno = ELOOP, -1)   /* a link, as the index says: read it at once */
           : openat (dir->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    return dir_new (dir->root, g_steal_pointer (&path), fd);
  if (errno == ENOENT)
    {
      set_errno_error (error, ENOENT, "cannot access", path);
      return NULL;
    }
  char target[PATH_MAX];
  ssize_t n = (errno == ELOOP || errno == ENOTDIR)
              ? readlinkat (dir->fd, name, target, sizeof target - 1) : -1;
  if (n > 0)
    {
      target[n] = '\0';
      g_autofree char *joined = join_link_target (dir->path, target);
      gboolean resolve = TRUE;
      ZvDir *child = joined ? open_dir_plain (dir->root, joined, &resolve, error) : NULL;
      if (!resolve)
        return child;
    }
  return open_dir_resolved (dir->root, path, error);
}

/* Compares two entry names for sorting. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Lists the entry names of the directory, sorted (from the index if it has one). */
GPtrArray *
zv_dir_list (ZvDir *dir, GError **error)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  if (dir->index != NULL)
    {
      for (gsize off = 0; off < dir->index_len;)
        {
          const struct dirent64 *d = (const struct dirent64 *) (dir->index + off);
          if (strcmp (d->d_name, ".") != 0 && strcmp (d->d_name, "..") != 0)
            g_ptr_array_add (names, g_strdup (d->d_name));
          off += d->d_reclen;
        }
      g_ptr_array_sort (names, compare_names);
      return names;
    }
  int fd = openat (dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot list", dir->path);
      g_ptr_array_unref (names);
      return NULL;
    }
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      set_errno_error (error, errno, "cannot list", dir->path);
      close (fd);
      g_ptr_array_unref (names);
      return NULL;
    }
  struct dirent *entry;
  while ((entry = readdir (d)) != NULL)
    {
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  closedir (d);
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
  if (fd < 0)
    return FALSE;
  struct stat st;
  if (!require_regular (fd, &st, dir->path, name, error))
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
      g_autofree char *what = g_strconcat (dir->path, "/", name, NULL);
      set_errno_error (error, n < 0 ? errsv : EIO, "cannot write", what);
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

/* Reads a whole regular file at PATH (resolved inside the root). */
char *
zv_root_read_file (ZvRoot *root, const char *path, gsize *length, GError **error)
{
  Resolved r;
  if (!resolve_in_root (root, path, FALSE, &r, error))
    return NULL;
  char *data = NULL;
  int fd = resolved_open (root, &r, O_RDONLY | O_NONBLOCK, 0, error);
  struct stat st;
  if (fd >= 0 && require_regular (fd, &st, r.canonical, NULL, error))
    {
      data = read_fd_all (fd, st.st_size, length, r.canonical, NULL, error);
      close (fd);
    }
  resolved_clear (&r);
  return data;
}

/* Passes each complete line of BUF (from START) to FUNC; moves the rest to the front. */
static gboolean
emit_lines (GString *buf, ZvLineFunc func, gpointer data, const char *path, GError **error)
{
  gsize start = 0;
  for (;;)
    {
      char *nl = memchr (buf->str + start, '\n', buf->len - start);
      if (nl == NULL)
        break;
      *nl = '\0';
      if (!func (buf->str + start, data, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
      start = (gsize) (nl - buf->str) + 1;
    }
  g_string_erase (buf, 0, (gssize) start);
  if (buf->len > ZV_MAX_LINE_LENGTH)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s has a line longer than %d bytes",
                   path, ZV_MAX_LINE_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* Streams the regular file at PATH line by line to FUNC. */
gboolean
zv_root_read_lines (ZvRoot *root, const char *path, ZvLineFunc func, gpointer data,
                    GError **error)
{
  Resolved r;
  if (!resolve_in_root (root, path, FALSE, &r, error))
    return FALSE;
  struct stat st;
  int fd = resolved_open (root, &r, O_RDONLY | O_NONBLOCK, 0, error);
  gboolean ok = fd >= 0 && require_regular (fd, &st, r.canonical, NULL, error);
  g_autoptr (GString) buf = g_string_sized_new (65536);
  char chunk[65536];
  while (ok)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, "cannot read", r.canonical);
          ok = FALSE;
          break;
        }
      if (n == 0)
        {
          if (buf->len > 0)
            {
              g_string_append_c (buf, '\n');   /* a last line without its newline */
              ok = emit_lines (buf, func, data, r.canonical, error);
            }
          break;
        }
      g_string_append_len (buf, chunk, n);
      ok = emit_lines (buf, func, data, r.canonical, error);
    }
  if (fd >= 0)
    close (fd);
  resolved_clear (&r);
  return ok;
}

/* Creates PATH and its missing parents inside the root. */
gboolean
zv_root_mkdir_p (ZvRoot *root, const char *path, int mode, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autofree char *current = g_strdup ("/");
  for (guint i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "'..' not allowed in %s", path);
          return FALSE;
        }
      g_autofree char *next = g_build_filename (current, parts[i], NULL);
      Resolved r;
      if (!resolve_in_root (root, next, TRUE, &r, error))
        return FALSE;
      if (!r.exists && mkdirat (r.parent_fd, r.name, (mode_t) mode) != 0 && errno != EEXIST)
        {
          set_errno_error (error, errno, "cannot create directory", r.canonical);
          resolved_clear (&r);
          return FALSE;
        }
      g_free (current);
      current = g_steal_pointer (&r.canonical);
      resolved_clear (&r);
    }
  return TRUE;
}

/* The prefix of the temporary files zv_root_write_file_atomic makes for BASE:
 * hidden (driverctl and udev only look up exact names) and zvfio's own. */
static char *
temp_prefix (const char *base)
{
  return g_strconcat (".", base, ".zvfio-tmp-", NULL);
}

/* Removes temporary files for BASE in the directory DFD that a killed writer
 * left behind (its pid no longer runs). Best effort. */
static void
remove_stale_temps (int dfd, const char *base)
{
  g_autofree char *prefix = temp_prefix (base);
  int lfd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lfd < 0)
    return;
  DIR *d = fdopendir (lfd);
  if (d == NULL)
    {
      close (lfd);
      return;
    }
  struct dirent *entry;
  while ((entry = readdir (d)) != NULL)
    {
      if (!g_str_has_prefix (entry->d_name, prefix))
        continue;
      char *end = NULL;
      const char *pid_text = entry->d_name + strlen (prefix);
      guint64 pid = g_ascii_strtoull (pid_text, &end, 10);
      if (end == pid_text || *end != '.' || pid == 0 || pid > G_MAXINT)
        continue;
      if ((pid_t) pid == getpid () || (kill ((pid_t) pid, 0) != 0 && errno == ESRCH))
        unlinkat (dirfd (d), entry->d_name, 0);
    }
  closedir (d);
}

/* Writes all of DATA to FD. */
static gboolean
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* fsyncs the directory behind the (possibly O_PATH) fd DFD. */
static gboolean
sync_dir (int dfd)
{
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  gboolean ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* Writes PATH atomically (temp file, fsync, rename), creating parent directories.
 * Everything happens relative to the parent directory's fd, so a symlink swapped
 * in meanwhile cannot redirect the write out of the root; rename replaces a
 * symlink at PATH itself. */
gboolean
zv_root_write_file_atomic (ZvRoot *root, const char *path, const char *contents,
                           gssize length, int mode, GError **error)
{
  zv_fault_point ("replace", path, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  if (!zv_attr_name_is_safe (base) || strchr (base, '/'))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe file name in %s", path);
      return FALSE;
    }
  if (!zv_root_mkdir_p (root, parent, 0755, error))
    return FALSE;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, parent, error);
  if (dir == NULL)
    return FALSE;
  gsize len = length < 0 ? strlen (contents) : (gsize) length;
  g_autofree char *rel = g_build_filename (dir->path, base, NULL);
  remove_stale_temps (dir->fd, base);
  g_autofree char *prefix = temp_prefix (base);
  g_autofree char *tmp = g_strdup_printf ("%s%d.%08x", prefix, (int) getpid (), g_random_int ());
  int fd = openat (dir->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   (mode_t) mode);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create a temporary file for", rel);
      return FALSE;
    }
  gboolean ok = fchmod (fd, (mode_t) mode) == 0 && write_all (fd, contents, len) && fsync (fd) == 0;
  int errsv = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      errsv = errno;
    }
  if (ok && renameat (dir->fd, tmp, dir->fd, base) != 0)
    {
      ok = FALSE;
      errsv = errno;
    }
  if (!ok)
    {
      unlinkat (dir->fd, tmp, 0);
      set_errno_error (error, errsv, "cannot write", rel);
      return FALSE;
    }
  if (!sync_dir (dir->fd))
    {
      set_errno_error (error, errno, "cannot sync the directory of", rel);
      return FALSE;
    }
  return TRUE;
}

/* Removes the regular file at PATH; a missing file is not an error. */
gboolean
zv_root_remove_file (ZvRoot *root, const char *path, GError **error)
{
  zv_fault_point ("remove", path, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, parent, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!zv_attr_name_is_safe (base) || strchr (base, '/'))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe file name in %s", path);
      return FALSE;
    }
  g_autofree char *rel = g_build_filename (dir->path, base, NULL);
  if (unlinkat (dir->fd, base, 0) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      set_errno_error (error, errno, "cannot remove", rel);
      return FALSE;
    }
  /* make the removal durable */
  sync_dir (dir->fd);
  return TRUE;
}
