/* zvfio: bounded, stale-safe lock files under <root>/run/lock/zvfio/.
 * A lock file is created complete (temp file with O_EXCL, then link(2)), holds
 * the owner's pid, and is recovered when that process no longer exists. Every
 * file operation is relative to the lock directory's fd, opened once through
 * the root (openat2 RESOLVE_IN_ROOT): a path component swapped for a symlink
 * meanwhile cannot move a lock file out of the root. */
#include "zv-lock.h"
#include "zv-error.h"
#include "zv-parse.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZV_LOCK_DIR "/run/lock/zvfio"

struct _ZvLock {
  ZvRoot *root;
  ZvDir *dir;           /* the lock directory, open */
  char *name;
  char *file;           /* NAME.lock, in DIR */
  pid_t owner;
  gboolean reentered;   /* OWNER already held it: releasing leaves it in place */
};

/* TRUE when NAME is usable as a lock file name ("css-0.0.0313"). */
static gboolean
lock_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || *name == '.' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_' && *p != ':')
      return FALSE;
  return TRUE;
}

/* Opens the lock directory below the root, creating it first with CREATE. */
static ZvDir *
lock_dir_open (ZvRoot *root, gboolean create, GError **error)
{
  if (create && !zv_root_mkdir_p (root, ZV_LOCK_DIR, 0755, error))
    return NULL;
  return zv_root_open_dir (root, ZV_LOCK_DIR, error);
}

/* The host path of NAME in DIR, for messages. */
static char *
shown_path (ZvDir *dir, const char *name)
{
  g_autofree char *host = zv_root_host_path (zv_dir_root (dir), zv_dir_path (dir));
  return g_strdup_printf ("%s/%s", host, name);
}

/* Reads the owner pid stored in the lock file NAME of directory fd DIRFD: >0
 * pid, -1 missing, 0 garbage: unreadable content, or no regular file at all (a
 * symlink, dangling or not, a FIFO, a directory), which is stale and removed
 * like garbage content. */
static pid_t
read_owner (int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -1 : 0;
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return 0;
    }
  char buf[32] = { 0 };
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  g_strchomp (buf);
  guint32 pid;
  if (!zv_parse_dec_u32 (buf, &pid) || pid == 0 || pid > G_MAXINT)
    return 0;
  return (pid_t) pid;
}

/* TRUE when process PID is gone (kill(pid, 0) fails with ESRCH). */
static gboolean
process_is_dead (pid_t pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

/* Writes "PID\n" to a fresh temp file in DIR and returns its name. */
static char *
write_temp_owner_file (ZvDir *dir, pid_t owner, GError **error)
{
  g_autofree char *temp = g_strdup_printf (".tmp-%d-%d-%08x", (int) getpid (), (int) owner,
                                           g_random_int ());
  int dirfd = zv_dir_fd (dir);
  int fd = openat (dirfd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *shown = shown_path (dir, temp);
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot create %s: %s", shown,
                   g_strerror (errsv));
      return NULL;
    }
  g_autofree char *content = g_strdup_printf ("%d\n", (int) owner);
  gsize len = strlen (content);
  gboolean ok = write (fd, content, len) == (ssize_t) len;
  int errsv = errno;
  close (fd);
  if (!ok)
    {
      unlinkat (dirfd, temp, 0);
      g_autofree char *shown = shown_path (dir, temp);
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot write %s: %s", shown,
                   g_strerror (errsv));
      return NULL;
    }
  return g_steal_pointer (&temp);
}

/* Removes a stale lock FILE of directory fd DIRFD last seen owned by DEAD (0 =
 * garbage). The file is first renamed aside so a lock taken meanwhile by
 * someone else is put back. */
static void
remove_stale (int dirfd, const char *file, pid_t dead)
{
  g_autofree char *aside = g_strdup_printf (".stale-%d-%08x", (int) getpid (), g_random_int ());
  if (renameat (dirfd, file, dirfd, aside) != 0)
    return;
  pid_t now = read_owner (dirfd, aside);
  if (now == dead || (now > 0 && process_is_dead (now)))
    unlinkat (dirfd, aside, 0);
  else if (linkat (dirfd, aside, dirfd, file, 0) == 0 || errno == EEXIST)
    unlinkat (dirfd, aside, 0);   /* a live lock: restored (or a newer one exists) */
}

/* Takes the lock NAME owned by OWNER_PID, waiting at most TIMEOUT_MS. */
ZvLock *
zv_lock_acquire (ZvRoot *root, const char *name, pid_t owner_pid, guint timeout_ms,
                 GError **error)
{
  if (!lock_name_is_valid (name) || owner_pid <= 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "invalid lock name '%s' or owner %d",
                   name ? name : "(null)", (int) owner_pid);
      return NULL;
    }
  g_autoptr (ZvDir) dir = lock_dir_open (root, TRUE, error);
  if (dir == NULL)
    return NULL;
  int dirfd = zv_dir_fd (dir);
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  pid_t holder = 0;
  for (;;)
    {
      g_autofree char *temp = write_temp_owner_file (dir, owner_pid, error);
      if (temp == NULL)
        return NULL;
      int rc = linkat (dirfd, temp, dirfd, file, 0);
      int errsv = errno;
      unlinkat (dirfd, temp, 0);
      gboolean reentered = FALSE;
      if (rc != 0 && errsv != EEXIST)
        {
          g_autofree char *shown = shown_path (dir, file);
          g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot create lock %s: %s", shown,
                       g_strerror (errsv));
          return NULL;
        }
      if (rc != 0)
        {
          holder = read_owner (dirfd, file);
          if (holder == owner_pid)
            reentered = TRUE;
          else if (holder == 0 || (holder > 0 && process_is_dead (holder)))
            {
              remove_stale (dirfd, file, holder);
              continue;
            }
        }
      if (rc == 0 || reentered)
        {
          ZvLock *lock = g_new0 (ZvLock, 1);
          lock->root = zv_root_ref (root);
          lock->dir = g_steal_pointer (&dir);
          lock->name = g_strdup (name);
          lock->file = g_steal_pointer (&file);
          lock->owner = owner_pid;
          lock->reentered = reentered;
          return lock;
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      g_usleep (10000 + g_random_int_range (0, 20000));
    }
  g_set_error (error, ZV_ERROR, ZV_ERROR_BUSY,
               "lock %s is held by process %d (gave up after %u ms); retry when it is done",
               name, (int) holder, timeout_ms);
  return NULL;
}

/* Removes the lock FILE of directory fd DIRFD if OWNER holds it. */
static gboolean
release_file (int dirfd, const char *file, pid_t owner)
{
  if (read_owner (dirfd, file) != owner)
    return FALSE;
  return unlinkat (dirfd, file, 0) == 0;
}

/* Releases NAME if OWNER_PID owns it (used by callout 'post'); TRUE if released. */
gboolean
zv_lock_release_by_owner (ZvRoot *root, const char *name, pid_t owner_pid)
{
  if (!lock_name_is_valid (name))
    return FALSE;
  g_autoptr (ZvDir) dir = lock_dir_open (root, FALSE, NULL);
  if (dir == NULL)
    return FALSE;
  g_autofree char *file = g_strconcat (name, ".lock", NULL);
  return release_file (zv_dir_fd (dir), file, owner_pid);
}

/* Frees a handle. */
static void
lock_free (ZvLock *lock)
{
  zv_root_unref (lock->root);
  zv_dir_free (lock->dir);
  g_free (lock->name);
  g_free (lock->file);
  g_free (lock);
}

/* Releases and frees a lock handle. */
void
zv_lock_release (ZvLock *lock)
{
  if (lock == NULL)
    return;
  if (!lock->reentered)
    release_file (zv_dir_fd (lock->dir), lock->file, lock->owner);
  lock_free (lock);
}

/* Forgets a handle without releasing the lock. */
void
zv_lock_keep (ZvLock *lock)
{
  if (lock != NULL)
    lock_free (lock);
}
