/* zvfio: the root prefix. Every file zvfio touches is reached through a ZvRoot,
 * so a fake tree (--root DIR / ZVFIO_ROOT) and the real system are handled alike
 * and no path (.., absolute symlink targets) can leave the root: the kernel
 * confines each open (openat2 RESOLVE_IN_ROOT, see zv-root.c). */
#pragma once

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct _ZvRoot ZvRoot;
typedef struct _ZvDir ZvDir;

/* Largest attribute or definition file zvfio reads (bytes). */
#define ZV_MAX_FILE_SIZE (1024 * 1024)

/* Opens a root: DIR, else $ZVFIO_ROOT, else "/". */
ZvRoot *zv_root_new (const char *dir, GError **error);
/* Takes a reference. */
ZvRoot *zv_root_ref (ZvRoot *root);
/* Drops a reference. */
void zv_root_unref (ZvRoot *root);
/* The canonical host directory of the root ("/" on a real host). */
const char *zv_root_dir (ZvRoot *root);
/* TRUE when the root is the real system root. */
gboolean zv_root_is_system (ZvRoot *root);

/* Resolves PATH (root-relative) following symlinks inside the root; returns the
 * canonical root-relative path ("/sys/devices/css0/0.0.0001"). */
char *zv_root_resolve (ZvRoot *root, const char *path, GError **error);
/* Like zv_root_resolve, but a missing last component is allowed. */
char *zv_root_resolve_parent (ZvRoot *root, const char *path, GError **error);
/* The host path for a canonical root-relative path (for external programs). */
char *zv_root_host_path (ZvRoot *root, const char *canonical);
/* TRUE when PATH resolves to an existing file or directory. */
gboolean zv_root_exists (ZvRoot *root, const char *path);

/* TRUE unless the walker stands in for openat2 (missing: ENOSYS, or filtered:
 * EPERM): a path below an open directory ("a/b/c") then opens in one syscall;
 * the walker takes one per component, so opening a directory to read several
 * files below it costs less. */
gboolean zv_root_opens_paths_in_one_call (void);

/* Opens the directory at PATH (resolved inside the root). */
ZvDir *zv_root_open_dir (ZvRoot *root, const char *path, GError **error);
/* Reads a whole regular file at PATH (resolved inside the root). */
char *zv_root_read_file (ZvRoot *root, const char *path, gsize *length, GError **error);
/* Longest line zv_root_read_lines passes on (bytes). */
#define ZV_MAX_LINE_LENGTH (64 * 1024)
/* Called for each line (without its newline); FALSE with ERROR stops the read. */
typedef gboolean (*ZvLineFunc) (const char *line, gpointer data, GError **error);
/* Streams the regular file at PATH (resolved inside the root) line by line to
 * FUNC, with no cap on the file's size: for the kernel's own tables
 * (mountinfo, swaps, routes), which grow with the host. A line longer than
 * ZV_MAX_LINE_LENGTH is an error naming the file. */
gboolean zv_root_read_lines (ZvRoot *root, const char *path, ZvLineFunc func, gpointer data,
                             GError **error);
/* Writes PATH atomically (temp file, fsync, rename), creating parent directories. */
gboolean zv_root_write_file_atomic (ZvRoot *root, const char *path, const char *contents,
                                    gssize length, int mode, GError **error);
/* Removes the regular file at PATH; a missing file is not an error. */
gboolean zv_root_remove_file (ZvRoot *root, const char *path, GError **error);
/* Creates PATH and its missing parents inside the root. */
gboolean zv_root_mkdir_p (ZvRoot *root, const char *path, int mode, GError **error);

/* Closes a directory handle. */
void zv_dir_free (ZvDir *dir);
/* The canonical root-relative path of the directory. */
const char *zv_dir_path (ZvDir *dir);
/* The last component of the directory's canonical path. */
const char *zv_dir_name (ZvDir *dir);
/* The root the directory belongs to. */
ZvRoot *zv_dir_root (ZvDir *dir);
/* The directory's open fd (owned by DIR), for *at(2) calls on plain names in it. */
int zv_dir_fd (ZvDir *dir);
/* Reads attribute NAME ("type", "pfip/segment0"); no symlink is followed. */
char *zv_dir_read (ZvDir *dir, const char *name, gsize *length, GError **error);
/* Reads attribute NAME as text with one trailing newline removed. */
char *zv_dir_read_line (ZvDir *dir, const char *name, GError **error);
/* Reads the regular file NAME as zv_dir_read does (no symlink followed) and fills
 * *ST with the fstat of the very file read: its identity (inode, size, times). */
char *zv_dir_read_stat (ZvDir *dir, const char *name, gsize *length, struct stat *st,
                        GError **error);
/* TRUE when NAME exists in the directory (a dangling link counts). */
gboolean zv_dir_has (ZvDir *dir, const char *name);
/* The basename of the target of symlink NAME ("driver" -> "vfio_ccw"). */
char *zv_dir_read_link_name (ZvDir *dir, const char *name, GError **error);
/* Reads the target of symlink NAME (a plain name in DIR) into BUF, NUL-terminated
 * (a longer target is cut to SIZE - 1 bytes); its length, or -1 with errno. */
gssize zv_dir_read_link (ZvDir *dir, const char *name, char *buf, gsize size);
/* Opens the child directory NAME, following a symlink inside the root. */
ZvDir *zv_dir_open_child (ZvDir *dir, const char *name, GError **error);
/* Opens NAME, a real directory below DIR: no symlink is followed, not even NAME
 * itself (a bus entry is refused, ELOOP). */
ZvDir *zv_dir_open_subdir (ZvDir *dir, const char *name, GError **error);
/* Lists the entry names of the directory, sorted. */
GPtrArray *zv_dir_list (ZvDir *dir, GError **error);
/* Takes a snapshot of the directory's entries (names and types) in one getdents
 * pass: until zv_dir_drop_index, zv_dir_read/read_line/has/read_link_name/
 * open_child/list consult it (a name it lacks is absent without a syscall, a
 * regular file is read without fstat). For read-only scans of sysfs, where an
 * attribute appears only when a driver binds: drop it before acting. */
gboolean zv_dir_index (ZvDir *dir, GError **error);
/* Steps through the index: the next entry name after *CURSOR (start at 0) and
 * its d_type (DT_*), unsorted; FALSE at the end or without an index. */
gboolean zv_dir_index_next (ZvDir *dir, gsize *cursor, const char **name, guint8 *type);
/* Drops the snapshot zv_dir_index took. */
void zv_dir_drop_index (ZvDir *dir);
/* Writes VALUE to the sysfs attribute NAME in one write(2). */
gboolean zv_dir_write (ZvDir *dir, const char *name, const char *value, GError **error);

/* TRUE when NAME is a plain relative attribute path (no "..", no leading "/"). */
gboolean zv_attr_name_is_safe (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvRoot, zv_root_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvDir, zv_dir_free)

G_END_DECLS
