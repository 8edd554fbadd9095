/* Unit tests: zvfio's lock files (zv-lock.c): taken and released below the root,
 * re-entered by their owner, recovered from a dead owner, and never moved out of
 * the root by a lock directory swapped for a symlink while locks are taken. */
#include "zv-error.h"
#include "zv-lock.h"
#include "zv-root.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/fs.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* A test root and a directory beside it that must never be written. */
typedef struct {
  char *top;
  char *dir;       /* the root */
  char *outside;   /* next to the root */
  ZvRoot *root;
} Fixture;

/* Makes TOP/root/run/lock and TOP/outside. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->top = g_dir_make_tmp ("zvfio-lock-XXXXXX", NULL);
  f->dir = g_build_filename (f->top, "root", NULL);
  f->outside = g_build_filename (f->top, "outside", NULL);
  g_autofree char *lockdir = g_build_filename (f->dir, "run", "lock", NULL);
  g_assert_cmpint (g_mkdir_with_parents (lockdir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (f->outside, 0755), ==, 0);
  f->root = zv_root_new (f->dir, NULL);
  g_assert_nonnull (f->root);
}

/* Removes the trees (rm -rf, no shell). */
static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  zv_root_unref (f->root);
  char *argv[] = { (char *) "rm", (char *) "-rf", f->top, NULL };
  pid_t pid = 0;
  g_assert_cmpint (posix_spawnp (&pid, "rm", NULL, NULL, argv, environ), ==, 0);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
  g_free (f->top);
  g_free (f->dir);
  g_free (f->outside);
}

/* The content of ROOT/run/lock/zvfio/NAME, or NULL. */
static char *
lock_content (Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, "run/lock/zvfio", name, NULL);
  char *text = NULL;
  return g_file_get_contents (path, &text, NULL, NULL) ? text : NULL;
}

/* A lock holds its owner's pid, is re-entered by that owner, refused to another
 * live owner within the timeout, and released by its owner only. */
static void
test_acquire_release (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0001", getpid (), 100, &error);
  g_assert_no_error (error);
  g_autofree char *text = lock_content (f, "css-0.0.0001.lock");
  g_autofree char *want = g_strdup_printf ("%d\n", (int) getpid ());
  g_assert_cmpstr (text, ==, want);
  ZvLock *again = zv_lock_acquire (f->root, "css-0.0.0001", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (again);   /* re-entered: the lock stays */
  g_autofree char *still = lock_content (f, "css-0.0.0001.lock");
  g_assert_cmpstr (still, ==, want);
  g_assert_null (zv_lock_acquire (f->root, "css-0.0.0001", getppid (), 50, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_BUSY);
  g_assert_false (zv_lock_release_by_owner (f->root, "css-0.0.0001", getppid ()));
  zv_lock_release (lock);
  g_autofree char *gone = lock_content (f, "css-0.0.0001.lock");
  g_assert_null (gone);
  g_autofree char *lock_dir = g_build_filename (f->dir, "run/lock/zvfio", NULL);
  g_autoptr (GDir) dir = g_dir_open (lock_dir, 0, NULL);
  g_assert_null (g_dir_read_name (dir));   /* no temporary file left either */
}

/* A lock of a process that is gone, or with garbage in it, is taken over. */
static void
test_stale_recovered (Fixture *f, gconstpointer data)
{
  char *argv[] = { (char *) "true", NULL };
  pid_t dead = 0;
  g_assert_cmpint (posix_spawnp (&dead, "true", NULL, NULL, argv, environ), ==, 0);
  g_assert_cmpint (waitpid (dead, NULL, 0), ==, dead);
  g_autoptr (GError) error = NULL;
  ZvLock *first = zv_lock_acquire (f->root, "css-0.0.0002", dead, 100, &error);
  g_assert_no_error (error);
  zv_lock_keep (first);   /* left behind by the dead owner */
  ZvLock *taken = zv_lock_acquire (f->root, "css-0.0.0002", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (taken);
  g_autofree char *path = g_build_filename (f->dir, "run/lock/zvfio/css-0.0.0003.lock", NULL);
  g_assert_true (g_file_set_contents (path, "garbage\n", -1, NULL));
  taken = zv_lock_acquire (f->root, "css-0.0.0003", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (taken);
}

/* What the swapper thread needs. */
typedef struct {
  char *dir;    /* ROOT/run/lock/zvfio: a real directory or, swapped, a link out */
  char *link;   /* ROOT/run/lock/decoy: the other side of the swap */
  volatile gint stop;
} Swapper;

/* Exchanges the lock directory and the outbound link until told to stop. */
static gpointer
swap_loop (gpointer data)
{
  Swapper *sw = data;
  while (!g_atomic_int_get (&sw->stop))
    syscall (SYS_renameat2, AT_FDCWD, sw->dir, AT_FDCWD, sw->link, RENAME_EXCHANGE);
  return NULL;
}

/* The lock directory swapped for a symlink out of the root while locks are
 * taken and released never lets a lock or temporary file land outside: every
 * file operation is relative to the directory's fd, opened inside the root. */
static void
test_swap_race (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ZvLock *first = zv_lock_acquire (f->root, "css-0.0.0004", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (first);   /* the directory exists now */
  Swapper sw = { g_build_filename (f->dir, "run/lock/zvfio", NULL),
                 g_build_filename (f->dir, "run/lock/decoy", NULL), 0 };
  g_assert_cmpint (symlink (f->outside, sw.link), ==, 0);
  GThread *thread = g_thread_new ("swap", swap_loop, &sw);
  for (int i = 0; i < 3000; i++)
    {
      g_autoptr (GError) ignored = NULL;
      ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0004", getpid (), 0, &ignored);
      zv_lock_release (lock);
      zv_lock_release_by_owner (f->root, "css-0.0.0004", getpid ());
    }
  g_atomic_int_set (&sw.stop, 1);
  g_thread_join (thread);
  g_autoptr (GDir) out = g_dir_open (f->outside, 0, NULL);
  g_assert_nonnull (out);
  g_assert_cmpstr (g_dir_read_name (out), ==, NULL);
  g_free (sw.dir);
  g_free (sw.link);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/lock/acquire-release", Fixture, NULL, fixture_setup, test_acquire_release,
              fixture_teardown);
  g_test_add ("/lock/stale-recovered", Fixture, NULL, fixture_setup, test_stale_recovered,
              fixture_teardown);
  g_test_add ("/lock/swap-race", Fixture, NULL, fixture_setup, test_swap_race,
              fixture_teardown);
  return g_test_run ();
}
