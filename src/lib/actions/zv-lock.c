/* zvfio: bounded, stale-safe lock files under <root>/run/lock/zvfio/.
 * A lock file is created complete (temp file with O_EXCL, then link(2)), holds
 * the owner's pid, and is recovered when that process no longer exists. */
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
  char *name;
  char *host_path;      /* host path of the lock file */
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

/* Creates the lock directory and returns its host path. */
static char *
lock_dir_host_path (ZvRoot *root, GError **error)
{
  if (!zv_root_mkdir_p (root, ZV_LOCK_DIR, 0755, error))
    return NULL;
  g_autofree char *canonical = zv_root_resolve (root, ZV_LOCK_DIR, error);
  if (canonical == NULL)
    return NULL;
  return zv_root_host_path (root, canonical);
}

/* Reads the owner pid stored in the lock file at PATH: >0 pid, -1 missing, 0
 * garbage: unreadable content, or no regular file at all (a symlink, dangling or
 * not, a FIFO, a directory), which is stale and removed like garbage content. */
static pid_t
read_owner (const char *path)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
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

/* Writes "PID\n" to a fresh temp file in DIR and returns its path. */
static char *
write_temp_owner_file (const char *dir, pid_t owner, GError **error)
{
  g_autofree char *temp = g_strdup_printf ("%s/.tmp-%d-%d-%08x", dir, (int) getpid (),
                                           (int) owner, g_random_int ());
  int fd = open (temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot create %s: %s", temp,
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
      unlink (temp);
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot write %s: %s", temp,
                   g_strerror (errsv));
      return NULL;
    }
  return g_steal_pointer (&temp);
}

/* Removes a stale lock at PATH last seen owned by DEAD (0 = garbage). The file
 * is first renamed aside so a lock taken meanwhile by someone else is put back. */
static void
remove_stale (const char *dir, const char *path, pid_t dead)
{
  g_autofree char *aside = g_strdup_printf ("%s/.stale-%d-%08x", dir, (int) getpid (),
                                            g_random_int ());
  if (rename (path, aside) != 0)
    return;
  pid_t now = read_owner (aside);
  if (now == dead || (now > 0 && process_is_dead (now)))
    unlink (aside);
  else if (link (aside, path) == 0 || errno == EEXIST)
    unlink (aside);   /* a live lock: restored (or a newer one exists) */
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
  g_autofree char *dir = lock_dir_host_path (root, error);
  if (dir == NULL)
    return NULL;
  g_autofree char *path = g_strdup_printf ("%s/%s.lock", dir, name);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  pid_t holder = 0;
  for (;;)
    {
      g_autofree char *temp = write_temp_owner_file (dir, owner_pid, error);
      if (temp == NULL)
        return NULL;
      int rc = link (temp, path);
      int errsv = errno;
      unlink (temp);
      gboolean reentered = FALSE;
      if (rc != 0 && errsv != EEXIST)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot create lock %s: %s", path,
                       g_strerror (errsv));
          return NULL;
        }
      if (rc != 0)
        {
          holder = read_owner (path);
          if (holder == owner_pid)
            reentered = TRUE;
          else if (holder == 0 || (holder > 0 && process_is_dead (holder)))
            {
              remove_stale (dir, path, holder);
              continue;
            }
        }
      if (rc == 0 || reentered)
        {
          ZvLock *lock = g_new0 (ZvLock, 1);
          lock->root = zv_root_ref (root);
          lock->name = g_strdup (name);
          lock->host_path = g_steal_pointer (&path);
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

/* Removes the lock file at PATH if OWNER holds it. */
static gboolean
release_path (const char *path, pid_t owner)
{
  if (read_owner (path) != owner)
    return FALSE;
  return unlink (path) == 0;
}

/* Releases NAME if OWNER_PID owns it (used by callout 'post'); TRUE if released. */
gboolean
zv_lock_release_by_owner (ZvRoot *root, const char *name, pid_t owner_pid)
{
  if (!lock_name_is_valid (name))
    return FALSE;
  g_autofree char *path = g_strconcat (ZV_LOCK_DIR "/", name, ".lock", NULL);
  g_autofree char *canonical = zv_root_resolve (root, path, NULL);
  if (canonical == NULL)
    return FALSE;
  g_autofree char *host = zv_root_host_path (root, canonical);
  return release_path (host, owner_pid);
}

/* Frees a handle. */
static void
lock_free (ZvLock *lock)
{
  zv_root_unref (lock->root);
  g_free (lock->name);
  g_free (lock->host_path);
  g_free (lock);
}

/* Releases and frees a lock handle. */
void
zv_lock_release (ZvLock *lock)
{
  if (lock == NULL)
    return;
  if (!lock->reentered)
    release_path (lock->host_path, lock->owner);
  lock_free (lock);
}

/* Forgets a handle without releasing the lock. */
void
zv_lock_keep (ZvLock *lock)
{
  if (lock != NULL)
    lock_free (lock);
}
