/* zvfio: what zv-root.c (the root, paths resolved in it), zv-root-walk.c (the
 * walker where openat2 is missing) and zv-dir.c (files inside an open
 * directory) share behind the public zv-root.h. Only those files include it,
 * after zv-root.h (which it does not include: no cycle). */
#pragma once

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

G_BEGIN_DECLS

struct _ZvRoot {
  gint refcount;
  char *dir;         /* canonical host path, no trailing slash unless "/" */
  int fd;            /* O_PATH fd of dir: every path is resolved from here */
  gint proc_fd;      /* O_PATH fd of the host's /proc (names of fds), or -1 */
  gint filling_fs;   /* 1: the tree's file system fills getdents buffers (see
                      * zv_dir_index), 0: it may not, -1: not known yet */
};

struct _ZvDir {
  struct _ZvRoot *root;
  char *path;      /* canonical root-relative path */
  int fd;
  guint8 *index;   /* zv_dir_index: raw linux_dirent64 records, or NULL */
  gsize index_len;
  GHashTable *index_names;  /* name -> record, for a large index (a bus), or NULL */
  gboolean read_once;  /* the fd's position moved (an index was taken) */
};

/* Opens REL below the directory fd BASE with FLAGS, following no symlink on any
 * component (a trailing one is opened itself with O_PATH|O_NOFOLLOW, else it is
 * ELOOP or ENOTDIR): openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS. REL is relative and plain
 * (no "..", "." or empty component), or "." for BASE itself. Returns an fd or
 * -1 with errno. */
int zv_root_open_plain (int base, const char *rel, int flags, mode_t mode);
/* zv_root_open_plain where openat2 is missing (zv-root-walk.c): one
 * openat(O_NOFOLLOW) per component of REL, each below the one before. */
int zv_root_open_plain_walk (int base, const char *rel, int flags, mode_t mode);
/* The user-space resolver (zv-root-walk.c): walks PATH inside ROOT one
 * component at a time, each opened O_PATH with no symlink followed and
 * classified by fstat of that fd; ".." and absolute link targets clamped to the
 * root. Returns the canonical root-relative path (*EXISTS FALSE when only its
 * last component is missing and ALLOW_MISSING), or NULL with ERROR naming
 * where the walk stopped. */
char *zv_root_walk (struct _ZvRoot *root, const char *path, gboolean allow_missing,
                    gboolean *exists, GError **error);
/* Wraps FD, an open directory at the canonical root-relative PATH (taken). */
struct _ZvDir *zv_dir_new (struct _ZvRoot *root, char *path, int fd);
/* Sets ERROR from ERRSV: "VERB DIR_PATH[/NAME]: strerror". */
void zv_root_set_file_error (GError **error, int errsv, const char *verb,
                             const char *dir_path, const char *name);
/* Fails with ERROR unless FD is a regular file; closes FD then. Fills ST. */
gboolean zv_root_require_regular (int fd, struct stat *st, const char *dir_path,
                                  const char *name, GError **error);
/* Reads FD to its end, at most ZV_MAX_FILE_SIZE bytes; a first short read of at
 * least EOF_AT bytes (EOF_AT >= 0) is the end. Errors name DIR_PATH[/NAME]. */
char *zv_root_read_fd (int fd, gssize eof_at, gsize *length, const char *dir_path,
                       const char *name, GError **error);

G_END_DECLS
