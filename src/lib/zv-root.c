/* zvfio: root-prefixed, root-confined file access. */
#include "zv-root.h"
#include "zv-paths.h"
#include "zv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>

#define ZV_MAX_SYMLINKS 40

struct _ZvRoot {
  gint refcount;
  char *dir;       /* canonical host path, no trailing slash unless "/" */
  int fd;          /* O_PATH fd of dir: every walk starts here */
};

struct _ZvDir {
  ZvRoot *root;
  char *path;      /* canonical root-relative path */
  int fd;
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

/* Opens the directory at PATH (resolved inside the root). */
ZvDir *
zv_root_open_dir (ZvRoot *root, const char *path, GError **error)
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
  ZvDir *dir = dir_new (root, g_steal_pointer (&r.canonical), fd);
  resolved_clear (&r);
  return dir;
}

/* Reads FD to its end, at most ZV_MAX_FILE_SIZE bytes. */
static char *
read_fd_all (int fd, gsize *length, const char *what, GError **error)
{
  GByteArray *buf = g_byte_array_new ();
  guint8 chunk[4096];
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (error, errno, "cannot read", what);
          g_byte_array_unref (buf);
          return NULL;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > ZV_MAX_FILE_SIZE)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is larger than %d bytes",
                       what, ZV_MAX_FILE_SIZE);
          g_byte_array_unref (buf);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  if (length)
    *length = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (buf, FALSE);
}

/* TRUE when NAME is a plain relative attribute path. */
gboolean
zv_attr_name_is_safe (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '/')
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (name, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

/* Opens NAME below DIR without following any symlink; returns an fd or -1. */
static int
open_below (ZvDir *dir, const char *name, int flags, GError **error)
{
  g_autofree char *what = g_strconcat (dir->path, "/", name, NULL);
  if (!zv_attr_name_is_safe (name))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe attribute name '%s'", name);
      return -1;
    }
  g_auto (GStrv) parts = g_strsplit (name, "/", -1);
  int fd = dir->fd;
  guint n = g_strv_length (parts);
  for (guint i = 0; i < n; i++)
    {
      gboolean last = (i + 1 == n);
      int next = openat (fd, parts[i],
                         (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
      int errsv = errno;
      if (fd != dir->fd)
        close (fd);
      if (next < 0)
        {
          set_errno_error (error, errsv == ELOOP ? ELOOP : errsv, "cannot open", what);
          return -1;
        }
      fd = next;
    }
  return fd;
}

/* Fails with ERROR unless FD is a regular file (a FIFO or device planted as an
 * attribute would block or misbehave); closes FD then. */
static gboolean
require_regular (int fd, const char *what, GError **error)
{
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, errno, "cannot access", what);
      close (fd);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s is not a regular file", what);
      close (fd);
      return FALSE;
    }
  return TRUE;
}

/* Reads attribute NAME; no symlink is followed. */
char *
zv_dir_read (ZvDir *dir, const char *name, gsize *length, GError **error)
{
  int fd = open_below (dir, name, O_RDONLY | O_NONBLOCK, error);
  if (fd < 0)
    return NULL;
  g_autofree char *what = g_strconcat (dir->path, "/", name, NULL);
  if (!require_regular (fd, what, error))
    return NULL;
  char *data = read_fd_all (fd, length, what, error);
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
  ssize_t n = readlinkat (dir->fd, name, target, sizeof target - 1);
  if (n < 0)
    {
      g_autofree char *what = g_strconcat (dir->path, "/", name, NULL);
      set_errno_error (error, errno, "cannot read link", what);
      return NULL;
    }
  target[n] = '\0';
  /* strip trailing slashes, then take the last component */
  while (n > 1 && target[n - 1] == '/')
    target[--n] = '\0';
  const char *slash = strrchr (target, '/');
  return g_strdup (slash ? slash + 1 : target);
}

/* Opens the child directory NAME, following a symlink inside the root. */
ZvDir *
zv_dir_open_child (ZvDir *dir, const char *name, GError **error)
{
  if (!zv_attr_name_is_safe (name))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "unsafe name '%s'", name);
      return NULL;
    }
  g_autofree char *path = g_strconcat (dir->path, strcmp (dir->path, "/") ? "/" : "", name, NULL);
  return zv_root_open_dir (dir->root, path, error);
}

/* Compares two entry names for sorting. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Lists the entry names of the directory, sorted. */
GPtrArray *
zv_dir_list (ZvDir *dir, GError **error)
{
  int fd = openat (dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot list", dir->path);
      return NULL;
    }
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      set_errno_error (error, errno, "cannot list", dir->path);
      close (fd);
      return NULL;
    }
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
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
  /* O_TRUNC like a shell "echo > attr": ignored by sysfs, keeps plain files exact */
  int fd = open_below (dir, name, O_WRONLY | O_TRUNC | O_NONBLOCK, error);
  if (fd < 0)
    return FALSE;
  {
    g_autofree char *what = g_strconcat (dir->path, "/", name, NULL);
    if (!require_regular (fd, what, error))
      return FALSE;
  }
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
  if (fd >= 0 && require_regular (fd, r.canonical, error))
    {
      data = read_fd_all (fd, length, r.canonical, error);
      close (fd);
    }
  resolved_clear (&r);
  return data;
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
