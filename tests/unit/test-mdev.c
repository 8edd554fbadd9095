/* Unit tests: lock files (zv-lock.c) and the mdevctl runner's policy
 * (zv-mdevctl.c); the real mdevctl runs in tests/integration/test_mdevctl.py. */
#include "zv-error.h"
#include "zv-lock.h"
#include "zv-mdevctl.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A temp root directory for one test. */
typedef struct {
  char *dir;
  ZvRoot *root;
} Fixture;

/* Creates an empty root. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("zvfio-lock-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->root = zv_root_new (f->dir, NULL);
  g_assert_nonnull (f->root);
}

/* Removes the root. */
static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  zv_root_unref (f->root);
  const char *argv[] = { "rm", "-rf", f->dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
  g_free (f->dir);
}

/* The host path of lock NAME in F. */
static char *
lock_path (Fixture *f, const char *name)
{
  return g_strdup_printf ("%s/run/lock/zvfio/%s.lock", f->dir, name);
}

/* The pid of a process that has exited (and been reaped). */
static pid_t
dead_pid (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  g_assert_cmpint (pid, >, 0);
  waitpid (pid, NULL, 0);
  return pid;
}

/* Acquire writes the owner pid; release removes the file. */
static void
test_acquire_release (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0313", getpid (), 100, &error);
  g_assert_no_error (error);
  g_autofree char *path = lock_path (f, "css-0.0.0313");
  g_autofree char *content = NULL;
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_autofree char *expected = g_strdup_printf ("%d\n", (int) getpid ());
  g_assert_cmpstr (content, ==, expected);
  zv_lock_release (lock);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* no temp files left behind */
  g_autofree char *dir = g_strdup_printf ("%s/run/lock/zvfio", f->dir);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (d));
}

/* The same owner may take it again; that handle does not release it. */
static void
test_reentrant (Fixture *f, gconstpointer data)
{
  ZvLock *first = zv_lock_acquire (f->root, "css-0.0.0001", getpid (), 100, NULL);
  g_assert_nonnull (first);
  ZvLock *again = zv_lock_acquire (f->root, "css-0.0.0001", getpid (), 100, NULL);
  g_assert_nonnull (again);
  zv_lock_release (again);
  g_autofree char *path = lock_path (f, "css-0.0.0001");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  zv_lock_release (first);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* A lock of a live process times out with ZV_ERROR_BUSY and stays. */
static void
test_busy (Fixture *f, gconstpointer data)
{
  ZvLock *held = zv_lock_acquire (f->root, "css-0.0.0002", 1, 100, NULL);   /* init: alive */
  g_assert_nonnull (held);
  zv_lock_keep (held);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0002", getpid (), 150, &error);
  gint64 waited = (g_get_monotonic_time () - start) / 1000;
  g_assert_null (lock);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "held by process 1"));
  g_assert_cmpint (waited, >=, 150);
  g_assert_cmpint (waited, <, 2000);
  g_assert_false (zv_lock_release_by_owner (f->root, "css-0.0.0002", getpid ()));
  g_assert_true (zv_lock_release_by_owner (f->root, "css-0.0.0002", 1));
}

/* A lock whose owner is dead, or with garbage content, is recovered. */
static void
test_stale (Fixture *f, gconstpointer data)
{
  ZvLock *old = zv_lock_acquire (f->root, "css-0.0.0003", dead_pid (), 100, NULL);
  g_assert_nonnull (old);
  zv_lock_keep (old);
  g_autoptr (GError) error = NULL;
  ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0003", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (lock);

  g_autofree char *path = lock_path (f, "css-0.0.0004");
  g_assert_true (g_file_set_contents (path, "garbage", -1, NULL));
  lock = zv_lock_acquire (f->root, "css-0.0.0004", getpid (), 100, &error);
  g_assert_no_error (error);
  zv_lock_release (lock);

  /* a dangling symlink where the lock file goes is stale too (it waited for the
   * timeout and blamed "process -1" before) */
  g_autofree char *link = lock_path (f, "css-0.0.0005");
  g_assert_cmpint (symlink ("/nonexistent/zvfio-lock", link), ==, 0);
  gint64 start = g_get_monotonic_time ();
  lock = zv_lock_acquire (f->root, "css-0.0.0005", getpid (), 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 1000);
  zv_lock_release (lock);
}

/* Kept locks survive the handle; release_by_owner is what 'post' uses. */
static void
test_keep_and_release_by_owner (Fixture *f, gconstpointer data)
{
  pid_t parent = getppid ();
  zv_lock_keep (zv_lock_acquire (f->root, "css-0.0.0005", parent, 100, NULL));
  g_autofree char *path = lock_path (f, "css-0.0.0005");
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (zv_lock_release_by_owner (f->root, "css-0.0.0005", parent));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (zv_lock_release_by_owner (f->root, "css-0.0.0005", parent));
}

/* Names that could leave the lock directory are refused. */
static void
test_bad_names (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = { "", "../x", "a/b", ".hidden", NULL };
  for (gsize i = 0; bad[i]; i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (zv_lock_acquire (f->root, bad[i], getpid (), 10, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
    }
  g_assert_false (zv_lock_release_by_owner (f->root, "../../etc/passwd", getpid ()));
}

/* Two processes contend: the child takes the lock only after the parent lets go. */
static void
test_contention (Fixture *f, gconstpointer data)
{
  ZvLock *lock = zv_lock_acquire (f->root, "css-0.0.0006", getpid (), 100, NULL);
  g_assert_nonnull (lock);
  pid_t child = fork ();
  if (child == 0)
    {
      ZvLock *mine = zv_lock_acquire (f->root, "css-0.0.0006", getpid (), 5000, NULL);
      gboolean got = mine != NULL;
      if (got)
        zv_lock_release (mine);   /* nothing left for valgrind's leak check at _exit */
      _exit (got ? 0 : 1);
    }
  g_usleep (200000);
  int status = 0;
  g_assert_cmpint (waitpid (child, &status, WNOHANG), ==, 0);   /* still waiting */
  zv_lock_release (lock);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* mdevctl is not run for a fake root unless explicitly allowed. */
static void
test_mdevctl_rooted_refused (Fixture *f, gconstpointer data)
{
  g_unsetenv ("ZVFIO_ALLOW_ROOTED_MDEVCTL");
  g_autoptr (GError) error = NULL;
  ZvBusId parent = { 0, 0, 0x0313 };
  g_autofree char *uuid = zv_mdevctl_define (f->root, &parent, NULL, FALSE, &error);
  g_assert_null (uuid);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "ZVFIO_ALLOW_ROOTED_MDEVCTL"));
  g_autofree char *mdevctl_dir = g_strdup_printf ("%s/etc/mdevctl.d", f->dir);
  g_assert_false (g_file_test (mdevctl_dir, G_FILE_TEST_EXISTS));
}

/* Bad UUIDs never reach mdevctl (a parent is a parsed ZvBusId: it has no bad form). */
static void
test_mdevctl_validation (Fixture *f, gconstpointer data)
{
  g_autoptr (ZvRoot) system = zv_root_new ("/", NULL);
  g_autoptr (GError) error = NULL;
  ZvBusId parent = { 0, 0, 0x0313 };
  g_assert_null (zv_mdevctl_define (system, &parent, "not-a-uuid", FALSE, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (zv_mdevctl_start (system, "x", NULL, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
  g_clear_error (&error);
  g_assert_false (zv_mdevctl_stop (system, "", &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
}

/* Without mdevctl on PATH (and not in /usr/sbin or /usr/bin) the error names the package. */
static void
test_mdevctl_find (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = zv_mdevctl_find (&error);
  if (path == NULL)
    {
      g_assert_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL);
      g_assert_nonnull (strstr (error->message, "apt install mdevctl"));
    }
  else
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE));
}

/* Puts an executable "mdevctl" with shell BODY first in PATH (in F's temp dir). */
static void
fake_mdevctl (Fixture *f, const char *body)
{
  g_autofree char *bin = g_build_filename (f->dir, "bin", NULL);
  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_autofree char *script = g_build_filename (bin, "mdevctl", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n%s\n", body);
  g_assert_true (g_file_set_contents (script, text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_autofree char *path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);
  g_setenv ("PATH", path, TRUE);
}

/* A hung mdevctl is killed after ZVFIO_MDEVCTL_TIMEOUT seconds: callers (the hook) never hang. */
static void
test_mdevctl_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *saved_path = g_strdup (g_getenv ("PATH"));
  fake_mdevctl (f, "exec sleep 60");
  g_setenv ("ZVFIO_MDEVCTL_TIMEOUT", "1", TRUE);
  g_autoptr (ZvRoot) system = zv_root_new ("/", NULL);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  ZvBusId parent = { 0, 0, 0x0001 };
  g_assert_false (zv_mdevctl_undefine_on (system, "11111111-2222-3333-4444-555555555555",
                                          &parent, &error));
  gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL);
  g_assert_nonnull (strstr (error->message, "did not finish within 1 s"));
  g_assert_cmpint (elapsed_ms, <, 10000);
  g_unsetenv ("ZVFIO_MDEVCTL_TIMEOUT");
  g_setenv ("PATH", saved_path, TRUE);
}

/* mdevctl's exit status and stderr end up in the error; stdin is empty, not inherited. */
static void
test_mdevctl_failure_message (Fixture *f, gconstpointer data)
{
  g_autofree char *saved_path = g_strdup (g_getenv ("PATH"));
  fake_mdevctl (f, "cat >/dev/null; echo \"Error: no such device\" >&2; exit 3");
  g_autoptr (ZvRoot) system = zv_root_new ("/", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (zv_mdevctl_stop (system, "11111111-2222-3333-4444-555555555555", &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL);
  g_assert_cmpstr (error->message, ==, "mdevctl stop failed (exit status 3): Error: no such device");
  g_setenv ("PATH", saved_path, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/lock/acquire-release", test_acquire_release);
  ADD ("/lock/reentrant", test_reentrant);
  ADD ("/lock/busy", test_busy);
  ADD ("/lock/stale", test_stale);
  ADD ("/lock/keep-release-by-owner", test_keep_and_release_by_owner);
  ADD ("/lock/bad-names", test_bad_names);
  ADD ("/lock/contention", test_contention);
  ADD ("/mdevctl/rooted-refused", test_mdevctl_rooted_refused);
  ADD ("/mdevctl/validation", test_mdevctl_validation);
  ADD ("/mdevctl/find", test_mdevctl_find);
  ADD ("/mdevctl/timeout", test_mdevctl_timeout);
  ADD ("/mdevctl/failure-message", test_mdevctl_failure_message);
  return g_test_run ();
}
