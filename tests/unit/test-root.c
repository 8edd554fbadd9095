/* Unit tests: root-confined path resolution and file access. */
#include "zv-error.h"
#include "zv-root.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

typedef struct {
  char *dir;       /* the fake root */
  char *outside;   /* a directory next to it that must never be reached */
  ZvRoot *root;
} Fixture;

/* Creates FILE (relative to BASE) with CONTENT, making parents. */
static void
make_file (const char *base, const char *file, const char *content)
{
  g_autofree char *path = g_build_filename (base, file, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, content, -1, NULL));
}

/* Creates symlink LINK (relative to BASE) pointing to TARGET. */
static void
make_link (const char *base, const char *link, const char *target)
{
  g_autofree char *path = g_build_filename (base, link, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* Builds a small sysfs-like tree plus hostile links. */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *top = g_dir_make_tmp ("zvfio-root-XXXXXX", NULL);
  f->dir = g_build_filename (top, "root", NULL);
  f->outside = g_build_filename (top, "outside", NULL);
  make_file (f->outside, "secret", "secret\n");
  make_file (f->dir, "sys/devices/css0/0.0.0001/type", "0\n");
  make_file (f->dir, "sys/devices/css0/0.0.0001/pfip/segment0", "0x00\n");
  make_link (f->dir, "sys/bus/css/devices/0.0.0001", "../../../devices/css0/0.0.0001");
  make_link (f->dir, "sys/devices/css0/0.0.0001/driver", "../../../bus/css/drivers/io_subchannel");
  make_link (f->dir, "escape-dotdot", "../../../../outside");
  make_link (f->dir, "escape-abs", "/sys/devices/css0");
  make_link (f->dir, "sys/devices/css0/0.0.0001/evil", "../../../../../outside/secret");
  make_link (f->dir, "loop-a", "loop-b");
  make_link (f->dir, "loop-b", "loop-a");
  f->root = zv_root_new (f->dir, NULL);
  g_assert_nonnull (f->root);
}

/* Removes the tree. */
static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  zv_root_unref (f->root);
  g_autofree char *top = g_path_get_dirname (f->dir);
  const char *argv[] = { "rm", "-rf", top, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
  g_free (f->dir);
  g_free (f->outside);
}

/* Relative links resolve like the kernel's. */
static void
test_resolve_bus_link (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = zv_root_resolve (f->root, "/sys/bus/css/devices/0.0.0001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p, ==, "/sys/devices/css0/0.0.0001");
}

/* ".." and absolute link targets are clamped to the root, never outside it. */
static void
test_no_escape (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = zv_root_resolve (f->root, "/escape-abs", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p, ==, "/sys/devices/css0");
  g_autofree char *q = zv_root_resolve (f->root, "/escape-dotdot/secret", &error);
  g_assert_null (q);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_autofree char *r = zv_root_resolve (f->root, "/../../outside/secret", &error);
  g_assert_null (r);
  g_clear_error (&error);
  g_autofree char *data_read = zv_root_read_file (f->root, "/sys/devices/css0/0.0.0001/evil",
                                                 NULL, &error);
  g_assert_null (data_read);
}

/* The fast paths (a bus link read and its target walked from cached directory
 * fds; an index of the directory) stay inside the root: a link that climbs out
 * is clamped to the root, as the resolver does; a link through a symlinked
 * component is resolved, not walked lexically. */
static void
test_fast_paths_stay_inside (Fixture *f, gconstpointer data)
{
  make_file (f->outside, "css0/0.0.0009/type", "outside\n");
  make_file (f->dir, "css0/0.0.0009/type", "inside\n");
  make_link (f->dir, "sys/bus/css/devices/0.0.0009", "../../../../../../../../css0/0.0.0009");
  g_autofree char *out_link = g_strdup_printf ("%s/css0", f->outside);
  make_link (f->dir, "sys/devices/via-out", out_link);
  make_link (f->dir, "sys/bus/css/devices/0.0.000a", "../../../devices/via-out/0.0.0009");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDir) bus = zv_root_open_dir (f->root, "/sys/bus/css/devices", &error);
  g_assert_no_error (error);
  for (int indexed = 0; indexed < 2; indexed++)
    {
      if (indexed)
        g_assert_true (zv_dir_index (bus, NULL));
      g_autoptr (ZvDir) a = zv_dir_open_child (bus, "0.0.0009", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (zv_dir_path (a), ==, "/css0/0.0.0009");
      g_autofree char *type = zv_dir_read_line (a, "type", &error);
      g_assert_cmpstr (type, ==, "inside");
      /* an absolute link target is taken inside the root: not found there */
      g_autoptr (ZvDir) b = zv_dir_open_child (bus, "0.0.000a", &error);
      g_assert_null (b);
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      g_clear_error (&error);
    }
}

/* Symlink loops end with an error, not a hang. */
static void
test_loop (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *p = zv_root_resolve (f->root, "/loop-a", &error);
  g_assert_null (p);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
}

/* Attributes are read without following links; unsafe names are refused. */
static void
test_attrs (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (f->root, "/sys/bus/css/devices/0.0.0001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (zv_dir_name (dir), ==, "0.0.0001");
  g_autofree char *type = zv_dir_read_line (dir, "type", &error);
  g_assert_cmpstr (type, ==, "0");
  g_autofree char *seg = zv_dir_read_line (dir, "pfip/segment0", &error);
  g_assert_cmpstr (seg, ==, "0x00");
  g_autofree char *drv = zv_dir_read_link_name (dir, "driver", &error);
  g_assert_cmpstr (drv, ==, "io_subchannel");
  g_autofree char *evil = zv_dir_read_line (dir, "evil", &error);
  g_assert_null (evil);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  g_clear_error (&error);
  g_autofree char *up = zv_dir_read_line (dir, "../0.0.0001/type", &error);
  g_assert_null (up);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_ESCAPE);
  g_assert_false (zv_attr_name_is_safe ("/etc/passwd"));
  g_assert_false (zv_attr_name_is_safe ("a//b"));
  g_assert_true (zv_attr_name_is_safe ("pfip/segment1"));
}

/* Atomic writes land inside the root, replace links instead of following them. */
static void
test_atomic_write (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (zv_root_write_file_atomic (f->root, "/etc/driverctl.d/css-0.0.0001",
                                            "vfio_ccw\n", -1, 0644, &error));
  g_assert_no_error (error);
  g_autofree char *back = zv_root_read_file (f->root, "/etc/driverctl.d/css-0.0.0001", NULL,
                                             &error);
  g_assert_cmpstr (back, ==, "vfio_ccw\n");
  /* a link planted where the file goes is replaced, the outside file untouched */
  make_link (f->dir, "etc/driverctl.d/css-0.0.0002", "../../../outside/secret");
  g_assert_true (zv_root_write_file_atomic (f->root, "/etc/driverctl.d/css-0.0.0002",
                                            "vfio_ccw\n", -1, 0644, &error));
  g_autofree char *secret_path = g_build_filename (f->outside, "secret", NULL);
  g_autofree char *secret = NULL;
  g_assert_true (g_file_get_contents (secret_path, &secret, NULL, NULL));
  g_assert_cmpstr (secret, ==, "secret\n");
  g_assert_true (zv_root_remove_file (f->root, "/etc/driverctl.d/css-0.0.0001", &error));
  g_assert_false (zv_root_exists (f->root, "/etc/driverctl.d/css-0.0.0001"));
  g_assert_true (zv_root_remove_file (f->root, "/etc/driverctl.d/missing", &error));
}

/* What the swapper thread of test_write_swap_race needs. */
typedef struct {
  char *dir;        /* ROOT/etc/target: a real directory or, swapped, a link out */
  char *link;       /* ROOT/etc/decoy: the other side of the swap */
  volatile gint stop;
} Swapper;

/* Exchanges the directory and the outbound link until told to stop. */
static gpointer
swap_loop (gpointer data)
{
  Swapper *sw = data;
  while (!g_atomic_int_get (&sw->stop))
    syscall (SYS_renameat2, AT_FDCWD, sw->dir, AT_FDCWD, sw->link, RENAME_EXCHANGE);
  return NULL;
}

/* A directory swapped for a symlink out of the root while zvfio writes into it
 * never lets a write land outside: writes go through the directory's fd. */
static void
test_write_swap_race (Fixture *f, gconstpointer data)
{
  make_file (f->dir, "etc/target/keep", "x");
  g_autofree char *outdir = g_build_filename (f->outside, "target", NULL);
  g_assert_cmpint (g_mkdir_with_parents (outdir, 0755), ==, 0);
  Swapper sw = { g_build_filename (f->dir, "etc/target", NULL),
                 g_build_filename (f->dir, "etc/decoy", NULL), 0 };
  g_assert_cmpint (symlink (outdir, sw.link), ==, 0);
  GThread *thread = g_thread_new ("swap", swap_loop, &sw);
  for (int i = 0; i < 20000; i++)
    {
      g_autoptr (GError) error = NULL;
      zv_root_write_file_atomic (f->root, "/etc/target/css-0.0.0001", "vfio_ccw\n", -1, 0644,
                                 &error);
    }
  g_atomic_int_set (&sw.stop, 1);
  g_thread_join (thread);
  g_autoptr (GDir) out = g_dir_open (outdir, 0, NULL);
  g_assert_nonnull (out);
  const char *name = g_dir_read_name (out);
  g_assert_cmpstr (name, ==, NULL);
  g_free (sw.dir);
  g_free (sw.link);
}

/* A FIFO planted as an attribute or file is refused at once, never read. */
static void
test_fifo_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->dir, "sys/devices/css0/0.0.0001/online", NULL);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (f->root, "/sys/bus/css/devices/0.0.0001", &error);
  g_assert_no_error (error);
  g_autofree char *value = zv_dir_read_line (dir, "online", &error);
  g_assert_null (value);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_assert_false (zv_dir_write (dir, "online", "1", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_autofree char *whole = zv_root_read_file (f->root, "/sys/devices/css0/0.0.0001/online", NULL,
                                              &error);
  g_assert_null (whole);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
}

/* A temporary file a killed writer left behind is removed by the next write;
 * one of a live process is left alone. */
static void
test_stale_temp_removed (Fixture *f, gconstpointer data)
{
  pid_t child = fork ();
  if (child == 0)
    _exit (0);
  g_assert_cmpint (waitpid (child, NULL, 0), ==, child);
  g_autofree char *stale = g_strdup_printf ("etc/driverctl.d/.css-0.0.0001.zvfio-tmp-%d.0badf00d",
                                            (int) child);
  g_autofree char *live = g_strdup_printf ("etc/driverctl.d/.css-0.0.0001.zvfio-tmp-%d.0000cafe",
                                           (int) getppid ());
  make_file (f->dir, stale, "vfio_ccw\n");
  make_file (f->dir, live, "vfio_ccw\n");
  g_autoptr (GError) error = NULL;
  g_assert_true (zv_root_write_file_atomic (f->root, "/etc/driverctl.d/css-0.0.0001",
                                            "vfio_ccw\n", -1, 0644, &error));
  g_autofree char *stale_path = g_build_filename (f->dir, stale, NULL);
  g_autofree char *live_path = g_build_filename (f->dir, live, NULL);
  g_assert_false (g_file_test (stale_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live_path, G_FILE_TEST_EXISTS));
}

/* The root comes from the argument, else ZVFIO_ROOT, else "/". */
static void
test_root_selection (void)
{
  g_autoptr (GError) error = NULL;
  g_unsetenv ("ZVFIO_ROOT");
  g_autoptr (ZvRoot) sys = zv_root_new (NULL, &error);
  g_assert_true (zv_root_is_system (sys));
  g_autofree char *host = zv_root_host_path (sys, "/sys/bus");
  g_assert_cmpstr (host, ==, "/sys/bus");
  g_autoptr (ZvRoot) missing = zv_root_new ("/nonexistent/zvfio", &error);
  g_assert_null (missing);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_IO);
  g_clear_error (&error);
  /* an explicitly empty root is a mistake, not the host */
  g_autoptr (ZvRoot) empty = zv_root_new ("", &error);
  g_assert_null (empty);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_USAGE);
}

/* A directory swapped for a symlink out of the root while zvfio reads through
 * it never lets a read (a file, a directory, an existence test) see outside.
 * 20,000 rounds or 2 s, whichever ends first (valgrind runs it 30x slower). */
static void
test_read_swap_race (Fixture *f, gconstpointer data)
{
  make_file (f->dir, "etc/target/file", "inside\n");
  make_file (f->outside, "target/file", "outside\n");
  g_autofree char *outdir = g_build_filename (f->outside, "target", NULL);
  Swapper sw = { g_build_filename (f->dir, "etc/target", NULL),
                 g_build_filename (f->dir, "etc/decoy", NULL), 0 };
  g_assert_cmpint (symlink (outdir, sw.link), ==, 0);
  GThread *thread = g_thread_new ("swap", swap_loop, &sw);
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  for (int i = 0; i < 20000 && g_get_monotonic_time () < deadline; i++)
    {
      g_autofree char *text = zv_root_read_file (f->root, "/etc/target/file", NULL, NULL);
      g_assert_true (text == NULL || strcmp (text, "inside\n") == 0);
      g_autoptr (ZvDir) dir = zv_root_open_dir (f->root, "/etc/decoy", NULL);
      g_autofree char *line = dir ? zv_dir_read_line (dir, "file", NULL) : NULL;
      g_assert_true (line == NULL || strcmp (line, "inside") == 0);
      g_autoptr (ZvDir) etc = zv_root_open_dir (f->root, "/etc", NULL);
      g_assert_nonnull (etc);
      g_autofree char *name = g_strdup_printf ("%s/file", i % 2 ? "decoy" : "target");
      if (zv_dir_has (etc, name))
        {
          g_autofree char *there = zv_dir_read_line (etc, name, NULL);
          g_assert_true (there == NULL || strcmp (there, "inside") == 0);
        }
    }
  g_atomic_int_set (&sw.stop, 1);
  g_thread_join (thread);
  g_free (sw.dir);
  g_free (sw.link);
}

/* A path below a directory is looked up with no symlink followed on any
 * component: a link in the middle that leads out of the root is not a way to
 * test what exists outside (fstatat followed it). */
static void
test_has_stays_inside (Fixture *f, gconstpointer data)
{
  make_link (f->dir, "sys/devices/css0/0.0.0001/evil-dir", "../../../../../outside");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (f->root, "/sys/devices/css0/0.0.0001", &error);
  g_assert_no_error (error);
  g_assert_true (zv_dir_has (dir, "pfip/segment0"));
  g_assert_true (zv_dir_has (dir, "evil-dir"));
  g_assert_false (zv_dir_has (dir, "evil-dir/secret"));
}

/* The kernel refuses /proc magic links (RESOLVE_NO_MAGICLINKS): an fd's link
 * names a file without a path walk, which could be anywhere. */
static void
test_magic_link_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *secret = g_build_filename (f->outside, "secret", NULL);
  int fd = open (secret, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) sys = zv_root_new ("/", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);
  g_autofree char *data_read = zv_root_read_file (sys, path, NULL, &error);
  g_assert_null (data_read);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  close (fd);
  /* an ordinary link of /proc ("self") is followed */
  g_autofree char *status = zv_root_read_file (sys, "/proc/self/status", NULL, NULL);
  g_assert_nonnull (status);
}

/* What each racer of test_mkdir_race needs. */
typedef struct {
  ZvRoot *root;
  gint *ready;     /* racers waiting at the start line */
  gint racers;
  gboolean ok;
  char *message;
} Racer;

/* Creates /run/lock/zvfio below the racer's root, as soon as all racers are ready. */
static gpointer
mkdir_racer (gpointer data)
{
  Racer *r = data;
  g_atomic_int_inc (r->ready);
  while (g_atomic_int_get (r->ready) < r->racers)
    g_thread_yield ();
  g_autoptr (GError) error = NULL;
  r->ok = zv_root_mkdir_p (r->root, "/run/lock/zvfio", 0755, &error);
  r->message = error ? g_strdup (error->message) : NULL;
  return NULL;
}

/* Several processes creating the same directories at once all succeed: a
 * component missing when one opened it and present when it worded the failure
 * (another made it meanwhile) is opened again, not reported as missing ('cannot
 * open /run: No such file or directory' from zvfio-hook in test_stress). */
static void
test_mkdir_race (Fixture *f, gconstpointer data)
{
  for (int round = 0; round < 300; round++)
    {
      g_autofree char *top = g_strdup_printf ("%s/race%d", f->dir, round);
      g_assert_cmpint (g_mkdir (top, 0755), ==, 0);
      g_autoptr (ZvRoot) root = zv_root_new (top, NULL);
      gint ready = 0;
      Racer racers[4];
      GThread *threads[G_N_ELEMENTS (racers)];
      for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
        {
          racers[i] = (Racer) { root, &ready, G_N_ELEMENTS (racers), FALSE, NULL };
          threads[i] = g_thread_new ("mkdir", mkdir_racer, &racers[i]);
        }
      for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
        {
          g_thread_join (threads[i]);
          g_assert_cmpstr (racers[i].message, ==, NULL);
          g_assert_true (racers[i].ok);
        }
    }
}

/* Makes openat2 answer ERRNO in this process: ENOSYS as a kernel before 5.6
 * does (and valgrind 3.19, qemu-user 7.2), EPERM as the seccomp profile of an
 * older container runtime does for a syscall it does not know. */
static void
deny_openat2 (int errno_value)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (guint32) errno_value),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { G_N_ELEMENTS (filter), filter };
  g_assert_cmpint (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ==, 0);
  g_assert_cmpint (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), ==, 0);
  g_assert_cmpint (syscall (SYS_openat2, AT_FDCWD, "/", NULL, 0), ==, -1);
  g_assert_cmpint (errno, ==, errno_value);
}

/* TRUE when this kernel has openat2 (Linux 5.6). */
static gboolean
have_openat2 (void)
{
  return syscall (SYS_openat2, AT_FDCWD, "/", NULL, 0) == 0 || errno != ENOSYS;
}

/* A test of this file and its name. */
typedef struct {
  const char *name;
  void (*func) (Fixture *, gconstpointer);
} RootTest;

/* Runs the test DATA in a subprocess where openat2 answers ERRNO_VALUE: the
 * user-space walker must keep every promise the kernel keeps. */
static void
run_without_openat2 (const RootTest *test, int errno_value)
{
  if (!have_openat2 ())
    {
      g_test_skip ("openat2 is missing here: the tests above ran the walker already");
      return;
    }
  if (g_test_subprocess ())
    {
      deny_openat2 (errno_value);
      Fixture f;
      fixture_setup (&f, NULL);
      test->func (&f, NULL);
      fixture_teardown (&f, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The test DATA where openat2 is missing (ENOSYS). */
static void
test_without_openat2 (gconstpointer data)
{
  run_without_openat2 (data, ENOSYS);
}

/* The test DATA where a seccomp profile denies openat2 with EPERM. */
static void
test_openat2_denied (gconstpointer data)
{
  run_without_openat2 (data, EPERM);
}

/* Runs the magic-link test where the kernel has openat2; skips it otherwise. */
static void
test_magic_link_if_openat2 (Fixture *f, gconstpointer data)
{
  if (!have_openat2 ())
    {
      g_test_skip ("no openat2 in this kernel");
      return;
    }
  test_magic_link_refused (f, data);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/root/resolve-bus-link", Fixture, NULL, fixture_setup, test_resolve_bus_link,
              fixture_teardown);
  g_test_add ("/root/no-escape", Fixture, NULL, fixture_setup, test_no_escape, fixture_teardown);
  g_test_add ("/root/loop", Fixture, NULL, fixture_setup, test_loop, fixture_teardown);
  g_test_add ("/root/fast-paths-stay-inside", Fixture, NULL, fixture_setup,
              test_fast_paths_stay_inside, fixture_teardown);
  g_test_add ("/root/attrs", Fixture, NULL, fixture_setup, test_attrs, fixture_teardown);
  g_test_add ("/root/atomic-write", Fixture, NULL, fixture_setup, test_atomic_write,
              fixture_teardown);
  g_test_add ("/root/write-swap-race", Fixture, NULL, fixture_setup, test_write_swap_race,
              fixture_teardown);
  g_test_add ("/root/fifo-refused", Fixture, NULL, fixture_setup, test_fifo_refused,
              fixture_teardown);
  g_test_add ("/root/stale-temp-removed", Fixture, NULL, fixture_setup, test_stale_temp_removed,
              fixture_teardown);
  g_test_add_func ("/root/selection", test_root_selection);
  g_test_add ("/root/read-swap-race", Fixture, NULL, fixture_setup, test_read_swap_race,
              fixture_teardown);
  g_test_add ("/root/has-stays-inside", Fixture, NULL, fixture_setup, test_has_stays_inside,
              fixture_teardown);
  g_test_add ("/root/mkdir-race", Fixture, NULL, fixture_setup, test_mkdir_race,
              fixture_teardown);
  g_test_add ("/root/magic-link-refused", Fixture, NULL, fixture_setup,
              test_magic_link_if_openat2, fixture_teardown);
  static const RootTest without[] = {
    { "resolve-bus-link", test_resolve_bus_link },
    { "no-escape", test_no_escape },
    { "loop", test_loop },
    { "fast-paths-stay-inside", test_fast_paths_stay_inside },
    { "attrs", test_attrs },
    { "atomic-write", test_atomic_write },
    { "write-swap-race", test_write_swap_race },
    { "read-swap-race", test_read_swap_race },
    { "has-stays-inside", test_has_stays_inside },
    { "fifo-refused", test_fifo_refused },
    { "stale-temp-removed", test_stale_temp_removed },
  };
  for (guint i = 0; i < G_N_ELEMENTS (without); i++)
    {
      g_autofree char *name = g_strdup_printf ("/root/no-openat2/%s", without[i].name);
      g_test_add_data_func (name, &without[i], test_without_openat2);
      g_autofree char *denied = g_strdup_printf ("/root/openat2-eperm/%s", without[i].name);
      g_test_add_data_func (denied, &without[i], test_openat2_denied);
    }
  return g_test_run ();
}
