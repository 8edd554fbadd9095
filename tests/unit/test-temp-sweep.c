/* Unit tests: the temporary files of zvfio's atomic writes: the name parser
 * (zv-temp-name.c), which writers count as running (zv-temp-sweep.c), and the sweep below a root (only a
 * dead writer's files go; the name zv_root_write_file_atomic uses is the one the
 * sweep looks for). */
#include "zv-error.h"
#include "zv-root.h"
#include "zv-temp-name.h"
#include "zv-temp-sweep.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes CONTENT to DIR/REL, creating its directories. */
static void
make_file (const char *dir, const char *rel, const char *content)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, content, -1, NULL));
}

/* TRUE when DIR/REL exists. */
static gboolean
exists (const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Removes the test tree DIR (rm -rf, no shell). */
static void
remove_tree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

/* A process id that no longer runs: a child that exited and was waited for. The
 * child execs true(1) rather than returning from fork: a forked copy of this test
 * would exit holding the caller's allocations, which valgrind reports as leaks. */
static pid_t
dead_pid (void)
{
  char *argv[] = { (char *) "true", NULL };
  pid_t child = 0;
  g_assert_cmpint (posix_spawnp (&child, "true", NULL, NULL, argv, environ), ==, 0);
  g_assert_cmpint (waitpid (child, NULL, 0), ==, child);
  return child;
}

/* Names are parsed strictly: exactly what zv_temp_name makes, nothing else. */
static void
test_name_parse (void)
{
  static const struct { const char *name; gboolean ok; int pid; const char *base; } cases[] = {
    { ".css-0.0.0201.json.zvfio-tmp-4242.0a1b2c3d", TRUE, 4242, "css-0.0.0201.json" },
    { ".css-0.0.0201.zvfio-tmp-1.00000000", TRUE, 1, "css-0.0.0201" },
    { ".a.zvfio-tmp-2147483647.ffffffff", TRUE, G_MAXINT, "a" },
    { ".x.zvfio-tmp-1.zvfio-tmp-7.0a1b2c3d", TRUE, 7, "x.zvfio-tmp-1" },
    { ".a.zvfio-tmp-2147483648.ffffffff", FALSE, 0, NULL },    /* no pid_t */
    { ".a.zvfio-tmp-0.0a1b2c3d", FALSE, 0, NULL },
    { ".a.zvfio-tmp-042.0a1b2c3d", FALSE, 0, NULL },           /* zvfio writes %d */
    { ".a.zvfio-tmp-42.0A1B2C3D", FALSE, 0, NULL },            /* zvfio writes %08x */
    { ".a.zvfio-tmp-42.0a1b2c3", FALSE, 0, NULL },
    { ".a.zvfio-tmp-42.0a1b2c3d4", FALSE, 0, NULL },
    { ".a.zvfio-tmp-42.0a1b2c3d.json", FALSE, 0, NULL },
    { ".a.zvfio-tmp-42", FALSE, 0, NULL },
    { ".a.zvfio-tmp-.0a1b2c3d", FALSE, 0, NULL },
    { ".a.zvfio-tmp--1.0a1b2c3d", FALSE, 0, NULL },
    { ".zvfio-tmp-42.0a1b2c3d", FALSE, 0, NULL },              /* no name before it */
    { "a.zvfio-tmp-42.0a1b2c3d", FALSE, 0, NULL },             /* not hidden */
    { "css-0.0.0201.json", FALSE, 0, NULL },
    { "", FALSE, 0, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      pid_t pid = 0;
      g_autofree char *base = NULL;
      g_assert_cmpint (zv_temp_name_parse (cases[i].name, &pid, &base), ==, cases[i].ok);
      if (!cases[i].ok)
        continue;
      g_assert_cmpint (pid, ==, cases[i].pid);
      g_assert_cmpstr (base, ==, cases[i].base);
    }
  g_autofree char *made = zv_temp_name ("css-0.0.0201.json", 77, 0xcafe);
  g_assert_cmpstr (made, ==, ".css-0.0.0201.json.zvfio-tmp-77.0000cafe");
}

/* This process and a running child are alive, a waited-for child is not. */
static void
test_writer_alive (void)
{
  g_assert_true (zv_temp_writer_alive (getpid ()));
  g_assert_true (zv_temp_writer_alive (getppid ()));
  g_assert_false (zv_temp_writer_alive (dead_pid ()));
}

/* The sweep removes only a dead writer's temporary files; a running writer's, other
 * names and subdirectories stay; a missing directory is fine. */
static void
test_sweep (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-sweep-XXXXXX", NULL);
  g_autoptr (ZvRoot) root = zv_root_new (dir, NULL);
  pid_t dead = dead_pid ();
  g_autofree char *stale1 = zv_temp_name ("css-0.0.0201.json", dead, 0x0badf00d);
  g_autofree char *stale2 = zv_temp_name ("pci-0000:00:00.0.json", dead, 0x1);
  g_autofree char *live = zv_temp_name ("css-0.0.0202.json", getppid (), 0xcafe);
  g_autofree char *own = zv_temp_name ("css-0.0.0203.json", getpid (), 0xcafe);
  const char *kept[] = { "css-0.0.0201.json", ".css-0.0.0201.json.zvfio-tmp-1.XYZ" };
  g_autofree char *stale1_rel = g_strconcat ("run/zvfio/bind/", stale1, NULL);
  g_autofree char *stale2_rel = g_strconcat ("run/zvfio/bind/", stale2, NULL);
  g_autofree char *live_rel = g_strconcat ("run/zvfio/bind/", live, NULL);
  g_autofree char *own_rel = g_strconcat ("run/zvfio/bind/", own, NULL);
  make_file (dir, stale1_rel, "{");
  make_file (dir, stale2_rel, "");
  make_file (dir, live_rel, "{");
  make_file (dir, own_rel, "{");
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *rel = g_strconcat ("run/zvfio/bind/", kept[i], NULL);
      make_file (dir, rel, "{}");
    }
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_assert_true (zv_temp_sweep (root, "/run/zvfio/bind", removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  g_autofree char *want1 = g_strconcat ("/", stale1_rel, NULL);
  g_autofree char *want2 = g_strconcat ("/", stale2_rel, NULL);
  g_assert_true (g_ptr_array_find_with_equal_func (removed, want1, g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (removed, want2, g_str_equal, NULL));
  g_assert_false (exists (dir, stale1_rel));
  g_assert_false (exists (dir, stale2_rel));
  g_assert_true (exists (dir, live_rel));
  g_assert_true (exists (dir, own_rel));
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autofree char *rel = g_strconcat ("run/zvfio/bind/", kept[i], NULL);
      g_assert_true (exists (dir, rel));
    }
  g_assert_true (zv_temp_sweep (root, "/run/zvfio/mdev", NULL, &error));
  g_assert_no_error (error);
  remove_tree (dir);
}

/* A directory named like a dead writer's temporary file cannot be removed: the
 * sweep says so, and still removes the files beside it. */
static void
test_sweep_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-sweep-XXXXXX", NULL);
  g_autoptr (ZvRoot) root = zv_root_new (dir, NULL);
  pid_t dead = dead_pid ();
  g_autofree char *as_dir = zv_temp_name ("a", dead, 1);
  g_autofree char *file = zv_temp_name ("b", dead, 2);
  g_autofree char *dir_rel = g_strconcat ("etc/driverctl.d/", as_dir, "/x", NULL);
  g_autofree char *file_rel = g_strconcat ("etc/driverctl.d/", file, NULL);
  make_file (dir, dir_rel, "");
  make_file (dir, file_rel, "");
  g_autoptr (GError) error = NULL;
  g_assert_false (zv_temp_sweep (root, "/etc/driverctl.d", NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (strstr (error->message, as_dir) != NULL);
  g_assert_false (exists (dir, file_rel));
  g_assert_true (exists (dir, dir_rel));
  remove_tree (dir);
}

/* zv_root_write_file_atomic names its temporary files as zv_temp_name does: it
 * removes a dead writer's file of the same name before it writes (so the two agree
 * on the pattern), and a writer's sweep clears the directory once per process. */
static void
test_root_agrees_and_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-sweep-XXXXXX", NULL);
  g_autoptr (ZvRoot) root = zv_root_new (dir, NULL);
  pid_t dead = dead_pid ();
  g_autofree char *same = zv_temp_name ("css-0.0.0001", dead, 0x0badf00d);
  g_autofree char *same_rel = g_strconcat ("etc/driverctl.d/", same, NULL);
  make_file (dir, same_rel, "vfio_ccw\n");
  g_autoptr (GError) error = NULL;
  g_assert_true (zv_root_write_file_atomic (root, "/etc/driverctl.d/css-0.0.0001", "vfio_ccw\n",
                                            -1, 0644, &error));
  g_assert_false (exists (dir, same_rel));

  g_autofree char *other = zv_temp_name ("css-0.0.0002", dead, 1);
  g_autofree char *other_rel = g_strconcat ("run/zvfio/", other, NULL);
  make_file (dir, other_rel, "{");
  zv_temp_sweep_before_write (root, "/run/zvfio");
  g_assert_false (exists (dir, other_rel));
  make_file (dir, other_rel, "{");
  zv_temp_sweep_before_write (root, "/run/zvfio");
  g_assert_true (exists (dir, other_rel));   /* listed once per process */
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/temp-sweep/name-parse", test_name_parse);
  g_test_add_func ("/temp-sweep/writer-alive", test_writer_alive);
  g_test_add_func ("/temp-sweep/sweep", test_sweep);
  g_test_add_func ("/temp-sweep/sweep-error", test_sweep_error);
  g_test_add_func ("/temp-sweep/root-agrees-and-once", test_root_agrees_and_once);
  return g_test_run ();
}
