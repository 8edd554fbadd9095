/* zvfio: the root prefix, with the kernel confining every path to it.
 *
 * A path below the root is opened with openat2(2) (Linux 5.6) from the root's
 * own directory fd with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: the kernel
 * resolves it as if that directory were "/" (".." and absolute symlink
 * targets stay inside), refuses /proc magic links, and does it in one call, so
 * a symlink swapped in meanwhile can make an open fail, never escape. A file
 * below an open directory is opened with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * (zv_root_open_plain, zv-dir.c). Where openat2 is missing (ENOSYS: kernels
 * before 5.6; valgrind 3.19 and qemu-user 7.2, Debian 12's; EPERM: seccomp
 * filters) the small walker of zv-root-walk.c does the same in user space, one
 * O_NOFOLLOW component at a time; it also words the error of an open that
 * failed (where the path stopped). */
#include "zv-root.h"
#include "zv-root-private.h"
#include "zv-paths.h"
#include "zv-error.h"
#include "zv-fault.h"
#include "zv-temp-name.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Times an openat2 is made again when the kernel answers EAGAIN: a rename or
 * mount raced with a ".." under RESOLVE_IN_ROOT and it could not prove the
 * lookup stayed inside (openat2(2)). */
#define ZV_OPENAT2_TRIES 64
/* How often root_open opens a path again that appeared while it failed. */
#define ZV_OPEN_APPEARED_TRIES 8

/* Set once openat2 answered ENOSYS: the walker stands in for it from then on. */
static gint no_openat2;

/* Sets ERROR from ERRSV with a message naming the root-relative PATH. */
static void
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  zv_root_set_file_error (error, errsv, what, path, NULL);
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
  root->proc_fd = -1;
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
  if (root == NULL || !g_atomic_int_dec_and_test (&root->refcount))
    return;
  if (root->proc_fd >= 0)
    close (root->proc_fd);
  close (root->fd);
  g_free (root->dir);
  g_free (root);
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

/* Probes once whether openat2 can be used: an O_PATH open of "/" fails only
 * where the call is missing (ENOSYS) or filtered away (EPERM: the seccomp
 * profiles of older container runtimes deny syscalls they do not know with
 * EPERM); either way the walker stands in for it. */
static void
probe_openat2 (void)
{
  static gsize probed = 0;
  if (!g_once_init_enter (&probed))
    return;
  struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC };
  long fd = syscall (SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
  if (fd >= 0)
    close ((int) fd);
  else if (errno == ENOSYS || errno == EPERM)
    g_atomic_int_set (&no_openat2, 1);
  g_once_init_leave (&probed, 1);
}

/* openat2(2) from DIRFD with RESOLVE (RESOLVE_IN_ROOT from the root's fd,
 * RESOLVE_BENEATH below a directory of it) and RESOLVE_NO_MAGICLINKS; made
 * again on EAGAIN and EINTR. -1 with errno ENOSYS where the call is missing. */
static int
kernel_open (int dirfd, const char *path, int flags, mode_t mode, guint64 resolve)
{
  probe_openat2 ();
  struct open_how how = { .flags = (guint64) (flags | O_CLOEXEC),
                          .mode = (flags & O_CREAT) ? mode : 0,
                          .resolve = resolve | RESOLVE_NO_MAGICLINKS };
  long fd = -1;
  errno = ENOSYS;
  for (int i = 0; i < ZV_OPENAT2_TRIES && !g_atomic_int_get (&no_openat2); i++)
    {
      fd = syscall (SYS_openat2, dirfd, path, &how, sizeof how);
      if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
        break;
    }
  if (fd < 0 && errno == ENOSYS)
    g_atomic_int_set (&no_openat2, 1);
  return (int) fd;
}

/* TRUE unless the walker stands in for openat2 (see zv-root.h). */
gboolean
zv_root_opens_paths_in_one_call (void)
{
  probe_openat2 ();
  return !g_atomic_int_get (&no_openat2);
}

/* Opens REL below BASE following no symlink (see zv-root-private.h); without
 * openat2 through the walker (zv-root-walk.c). */
int
zv_root_open_plain (int base, const char *rel, int flags, mode_t mode)
{
  int fd = kernel_open (base, rel, flags, mode, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  if (fd >= 0 || errno != ENOSYS)
    return fd;
  struct stat st;
  if ((flags & (O_PATH | O_NOFOLLOW)) == O_PATH)   /* a trailing link is ELOOP, not opened */
    {
      fd = zv_root_open_plain (base, rel, flags | O_NOFOLLOW, mode);
      if (fd >= 0 && fstat (fd, &st) == 0 && S_ISLNK (st.st_mode))
        {
          close (fd);
          errno = ELOOP;
          return -1;
        }
      return fd;
    }
  return zv_root_open_plain_walk (base, rel, flags, mode);
}

/* The canonical root-relative path of FD, which the kernel opened inside the
 * root: the kernel's own name for it, the link /proc/self/fd/FD of the host's
 * /proc (it names this process's fds, whatever the root), less the root's
 * directory. NULL with ERROR when /proc cannot tell, or when the name is not
 * below the root (moved away meanwhile): PATH is refused. */
static char *
fd_canonical (ZvRoot *root, int fd, const char *path, GError **error)
{
  int proc = g_atomic_int_get (&root->proc_fd);
  if (proc < 0)
    {
      struct statfs fs;
      proc = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (proc >= 0 && (fstatfs (proc, &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC))
        {
          close (proc);
          proc = -1;
        }
      if (proc >= 0 && !g_atomic_int_compare_and_exchange (&root->proc_fd, -1, proc))
        {
          close (proc);
          proc = g_atomic_int_get (&root->proc_fd);
        }
    }
  char link[32], name[PATH_MAX];
  g_snprintf (link, sizeof link, "self/fd/%d", fd);
  ssize_t n = proc >= 0 ? readlinkat (proc, link, name, sizeof name - 1) : -1;
  if (n < 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO,
                   "cannot tell where %s leads: /proc/self/fd cannot be read (is /proc "
                   "mounted?)", path);
      return NULL;
    }
  name[n] = '\0';
  gsize len = zv_root_is_system (root) ? 0 : strlen (root->dir);
  if (name[0] != '/' || strncmp (name, root->dir, len) != 0
      || (name[len] != '/' && name[len] != '\0'))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_ESCAPE, "%s was moved out of the root (to %s)",
                   path, name);
      return NULL;
    }
  return g_strdup (name[len] != '\0' ? name + len : "/");
}

/* TRUE when PATH is absolute and plain: no ".", ".." or empty component, not
 * "/" itself. Such a path is canonical exactly when none of its components is
 * a symlink, which RESOLVE_NO_SYMLINKS proves. */
static gboolean
path_is_plain (const char *path)
{
  return path[0] == '/' && zv_attr_name_is_safe (path + 1);
}

static int root_open_once (ZvRoot *root, const char *path, int flags, gboolean allow_missing,
                           char **canonical, GError **error, gboolean retry);

/* Opens PATH (root-relative) with FLAGS, resolved by the kernel inside the root,
 * and sets *CANONICAL to where it led. A plain PATH is opened with
 * RESOLVE_NO_SYMLINKS first, which proves it canonical as it stands; any other,
 * or one that meets a symlink, is named by fd_canonical. Without openat2, a
 * plain PATH is opened with no symlink followed, any other resolved by the
 * walker first. A failed open is worded by the walker. With ALLOW_MISSING a
 * missing last component is no error: -1 with *CANONICAL set, ERROR untouched. */
static int
root_open (ZvRoot *root, const char *path, int flags, gboolean allow_missing,
           char **canonical, GError **error)
{
  *canonical = NULL;
  if (path == NULL || strlen (path) >= PATH_MAX)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "path too long or empty");
      return -1;
    }
  path = *path != '\0' ? path : "/";
  /* a path that was missing when opened but is there when the failure is worded
   * was created meanwhile (another zvfio's mkdir_p): opened again, a few times */
  for (int attempt = 0;; attempt++)
    {
      int fd = root_open_once (root, path, flags, allow_missing, canonical, error,
                               attempt < ZV_OPEN_APPEARED_TRIES);
      if (fd != -2)
        return fd;
    }
}

/* One try of root_open. -2 (ERROR untouched) when the open failed for a missing
 * component that the walk then found: it appeared meanwhile, and RETRY allows
 * another try. */
static int
root_open_once (ZvRoot *root, const char *path, int flags, gboolean allow_missing,
                char **canonical, GError **error, gboolean retry)
{
  gboolean plain = path_is_plain (path);
  int fd = kernel_open (root->fd, path, flags, 0,
                        RESOLVE_IN_ROOT | (plain ? RESOLVE_NO_SYMLINKS : 0));
  if (fd < 0 && plain && errno == ELOOP)   /* a symlink on the way */
    {
      plain = FALSE;
      fd = kernel_open (root->fd, path, flags, 0, RESOLVE_IN_ROOT);
    }
  if (fd >= 0)
    {
      *canonical = plain ? g_strdup (path) : fd_canonical (root, fd, path, error);
      if (*canonical == NULL)
        close (fd);
      return *canonical != NULL ? fd : -1;
    }
  int errsv = errno;
  if (errsv == ENOSYS && plain)   /* walked with O_NOFOLLOW, a plain path is canonical */
    {
      fd = zv_root_open_plain (root->fd, path + 1, flags, 0);
      *canonical = fd >= 0 ? g_strdup (path) : NULL;
      if (fd >= 0)
        return fd;
    }
  if (errsv != ENOSYS && error == NULL && !allow_missing)
    return -1;
  gboolean exists;
  g_autoptr (GError) walk_error = NULL;
  g_autofree char *walked = zv_root_walk (root, path, allow_missing, &exists, &walk_error);
  if (walked == NULL || !exists)
    {
      if (walk_error != NULL)
        g_propagate_error (error, g_steal_pointer (&walk_error));
      *canonical = g_steal_pointer (&walked);
      return -1;
    }
  if (errsv == ENOENT && retry)
    return -2;
  if (errsv == ENOSYS)
    {
      fd = zv_root_open_plain (root->fd, strcmp (walked, "/") ? walked + 1 : ".", flags, 0);
      errsv = errno;
      if (fd >= 0)
        {
          *canonical = g_steal_pointer (&walked);
          return fd;
        }
    }
  set_errno_error (error, errsv, "cannot open", walked);
  errno = errsv;
  return -1;
}

/* The canonical path of PATH; with ALLOW_MISSING its last component may be missing. */
static char *
resolve (ZvRoot *root, const char *path, gboolean allow_missing, GError **error)
{
  char *canonical;
  int fd = root_open (root, path, O_PATH, allow_missing, &canonical, error);
  if (fd >= 0)
    close (fd);
  return canonical;
}

/* Resolves PATH inside the root following symlinks. */
char *
zv_root_resolve (ZvRoot *root, const char *path, GError **error)
{
  return resolve (root, path, FALSE, error);
}

/* Resolves PATH inside the root; a missing last component is allowed. */
char *
zv_root_resolve_parent (ZvRoot *root, const char *path, GError **error)
{
  return resolve (root, path, TRUE, error);
}

/* TRUE when PATH resolves to an existing file or directory. */
gboolean
zv_root_exists (ZvRoot *root, const char *path)
{
  g_autofree char *canonical = resolve (root, path, FALSE, NULL);
  return canonical != NULL;
}

/* Opens the directory at PATH (resolved inside the root). */
ZvDir *
zv_root_open_dir (ZvRoot *root, const char *path, GError **error)
{
  char *canonical;
  int fd = root_open (root, path, O_RDONLY | O_DIRECTORY, FALSE, &canonical, error);
  return fd >= 0 ? zv_dir_new (root, canonical, fd) : NULL;
}

/* Opens the regular file at PATH for reading; *CANONICAL names it. -1 with ERROR. */
static int
open_regular (ZvRoot *root, const char *path, char **canonical, struct stat *st,
              GError **error)
{
  int fd = root_open (root, path, O_RDONLY | O_NONBLOCK, FALSE, canonical, error);
  if (fd >= 0 && !zv_root_require_regular (fd, st, *canonical, NULL, error))
    return -1;
  return fd;
}

/* Reads a whole regular file at PATH (resolved inside the root). */
char *
zv_root_read_file (ZvRoot *root, const char *path, gsize *length, GError **error)
{
  g_autofree char *canonical = NULL;
  struct stat st;
  int fd = open_regular (root, path, &canonical, &st, error);
  if (fd < 0)
    return NULL;
  char *data = zv_root_read_fd (fd, st.st_size, length, canonical, NULL, error);
  close (fd);
  return data;
}

/* Passes each complete line of BUF to FUNC; moves the rest to the front. */
static gboolean
emit_lines (GString *buf, ZvLineFunc func, gpointer data, const char *path, GError **error)
{
  gsize start = 0;
  for (char *nl; (nl = memchr (buf->str + start, '\n', buf->len - start)) != NULL;)
    {
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
  g_autofree char *canonical = NULL;
  struct stat st;
  int fd = open_regular (root, path, &canonical, &st, error);
  if (fd < 0)
    return FALSE;
  g_autoptr (GString) buf = g_string_sized_new (65536);
  char chunk[65536];
  gboolean ok = TRUE;
  for (ssize_t n = 1; ok && n != 0;)
    {
      n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, errno, "cannot read", canonical);
          ok = FALSE;
        }
      else if (n > 0 || buf->len > 0)
        {
          /* at the end, a last line without its newline gets one */
          g_string_append_len (buf, n > 0 ? chunk : "\n", n > 0 ? n : 1);
          ok = emit_lines (buf, func, data, canonical, error);
        }
    }
  close (fd);
  return ok;
}

/* Creates PATH and its missing parents inside the root: each missing directory
 * in its parent, which is opened by its canonical path with no symlink followed. */
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
      g_clear_pointer (&current, g_free);
      int fd = root_open (root, next, O_PATH, TRUE, &current, error);
      if (fd >= 0)
        {
          close (fd);
          continue;
        }
      if (current == NULL)
        return FALSE;
      g_autofree char *parent = g_path_get_dirname (current);
      int dfd = zv_root_open_plain (root->fd, strcmp (parent, "/") ? parent + 1 : ".",
                                    O_PATH | O_DIRECTORY, 0);
      gboolean ok = dfd >= 0 && (mkdirat (dfd, strrchr (current, '/') + 1, (mode_t) mode) == 0
                                 || errno == EEXIST);
      int errsv = errno;
      if (dfd >= 0)
        close (dfd);
      if (!ok)
        {
          set_errno_error (error, errsv, "cannot create directory", current);
          return FALSE;
        }
    }
  return TRUE;
}

/* The prefix of the temporary files zv_root_write_file_atomic makes for BASE:
 * hidden (driverctl and udev only look up exact names) and zvfio's own. */
static char *
temp_prefix (const char *base)
{
  return g_strconcat (".", base, ZV_TEMP_MARKER, NULL);
}

/* Removes temporary files for BASE in DIR that a killed writer left behind
 * (its pid no longer runs). Best effort. */
static void
remove_stale_temps (ZvDir *dir, const char *base)
{
  g_autofree char *prefix = temp_prefix (base);
  g_autoptr (GPtrArray) names = zv_dir_list (dir, NULL);
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      if (!g_str_has_prefix (name, prefix))
        continue;
      char *end = NULL;
      const char *pid_text = name + strlen (prefix);
      guint64 pid = g_ascii_strtoull (pid_text, &end, 10);
      if (end == pid_text || *end != '.' || pid == 0 || pid > G_MAXINT)
        continue;
      if ((pid_t) pid == getpid () || (kill ((pid_t) pid, 0) != 0 && errno == ESRCH))
        unlinkat (dir->fd, name, 0);
    }
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
  remove_stale_temps (dir, base);
  g_autofree char *prefix = temp_prefix (base);
  g_autofree char *tmp = g_strdup_printf ("%s%d.%08x", prefix, (int) getpid (), g_random_int ());
  int fd = zv_root_open_plain (dir->fd, tmp, O_WRONLY | O_CREAT | O_EXCL, (mode_t) mode);
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
  if (fsync (dir->fd) != 0)
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
  fsync (dir->fd);
  return TRUE;
}
