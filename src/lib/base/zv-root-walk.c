/* zvfio: the user-space walker, for where openat2(2) is missing (ENOSYS:
 * kernels before 5.6, valgrind 3.19, qemu-user 7.2) or filtered (EPERM), and to
 * word the error of an open that failed: where the path stopped. zv-root.c
 * calls it only then; everywhere else the kernel resolves paths inside the root
 * (RESOLVE_IN_ROOT). It opens one component at a time with O_NOFOLLOW below the
 * one before, reads symlinks itself and clamps ".." and absolute targets to the
 * root, as a chroot would. */
#include "zv-root.h"
#include "zv-root-private.h"
#include "zv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZV_MAX_SYMLINKS 40

/* Sets ERROR for a walk of PATH that failed at REL; when symlinks were followed on
 * the way, names PATH as asked and says where inside the root they led (REL alone,
 * e.g. "/tmp" for a link to an absolute host path, reads like a path outside). */
static void
set_walk_error (GError **error, int errsv, const char *what, const char *path,
                const char *rel, int links)
{
  if (links == 0 || strcmp (path, rel) == 0)
    {
      zv_root_set_file_error (error, errsv, what, rel, NULL);
      return;
    }
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s (reached through a symlink, resolved inside the root): %s", what,
               path, rel, g_strerror (errsv));
}

/* The per-component part of zv_root_open_plain where openat2 is missing (see
 * zv-root-private.h): one openat(O_NOFOLLOW) per component, each below the one
 * before. */
int
zv_root_open_plain_walk (int base, const char *rel, int flags, mode_t mode)
{
  char component[NAME_MAX + 1];
  for (int here = base;;)
    {
      const char *end = strchrnul (rel, '/');
      gboolean last = *end == '\0';
      if ((gsize) (end - rel) > NAME_MAX)
        {
          if (here != base)
            close (here);
          errno = ENAMETOOLONG;
          return -1;
        }
      memcpy (component, rel, (gsize) (end - rel));
      component[end - rel] = '\0';
      int fd = openat (here, component,
                       (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC,
                       mode);
      int errsv = errno;
      if (here != base)
        close (here);
      errno = errsv;
      if (fd < 0 || last)
        return fd;
      here = fd;
      rel = end + 1;
    }
}

/* The user-space resolver (see zv-root-private.h): walks PATH one component
 * at a time, each opened O_PATH along the canonical path so far with no
 * symlink followed (zv_root_open_plain from the root's fd) and classified by
 * fstat of that very fd; ".." and absolute link targets are clamped to the
 * root as a chroot would. Returns the
 * canonical root-relative path (*EXISTS FALSE when only its last component is
 * missing and ALLOW_MISSING), or NULL with ERROR naming where the walk stopped. */
char *
zv_root_walk (ZvRoot *root, const char *path, gboolean allow_missing, gboolean *exists, GError **error)
{
  g_autoptr (GString) canon = g_string_new (NULL);   /* "" is the root itself */
  g_autoptr (GString) todo = g_string_new (path);    /* what is left to walk */
  int links = 0;
  *exists = TRUE;
  for (;;)
    {
      g_string_erase (todo, 0, (gssize) strspn (todo->str, "/"));
      if (todo->len == 0)
        return g_strdup (canon->len > 0 ? canon->str : "/");
      gsize n = strcspn (todo->str, "/"), mark = canon->len;
      g_autofree char *name = g_strndup (todo->str, n);
      g_string_erase (todo, 0, (gssize) n);
      gboolean last = todo->str[strspn (todo->str, "/")] == '\0';
      if (strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          const char *slash = strrchr (canon->str, '/');
          g_string_truncate (canon, slash ? (gsize) (slash - canon->str) : 0);
          continue;
        }
      g_string_append_printf (canon, "/%s", name);
      int fd = zv_root_open_plain (root->fd, canon->str + 1, O_PATH | O_NOFOLLOW, 0);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          int errsv = errno;
          if (fd >= 0)
            close (fd);
          *exists = FALSE;
          if (errsv == ENOENT && allow_missing && last)
            return g_strdup (canon->str);
          set_walk_error (error, errsv, "cannot access", path, canon->str, links);
          return NULL;
        }
      char target[PATH_MAX];
      ssize_t len = !S_ISLNK (st.st_mode) ? 0
                    : ++links > ZV_MAX_SYMLINKS ? (errno = ELOOP, -1)
                    : readlinkat (fd, "", target, sizeof target - 1);
      int errsv = errno;
      close (fd);
      if (len < 0)
        {
          set_walk_error (error, errsv, errsv == ELOOP ? "cannot resolve" : "cannot read link",
                          path, canon->str, links);
          return NULL;
        }
      if (S_ISLNK (st.st_mode))
        {
          target[len] = '\0';
          g_string_prepend (todo, "/");
          g_string_prepend (todo, target);
          g_string_truncate (canon, target[0] == '/' ? 0 : mark);
        }
      else if (!S_ISDIR (st.st_mode) && !last)
        {
          set_walk_error (error, ENOTDIR, "cannot access", path, canon->str, links);
          return NULL;
        }
    }
}
