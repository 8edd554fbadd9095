/* zvfio: running the real mdevctl for vfio_ccw-io mdevs (argv only, no shell).
 *
 * mdevctl 1.2 (Debian 12) has no fake-root variable, so for a root other than
 * "/" zvfio refuses to run it unless ZVFIO_ALLOW_ROOTED_MDEVCTL=1 is set (as the
 * tests do inside a private mount namespace). The child then gets
 * MDEVCTL_ENV_ROOT (honoured by mdevctl >= 1.3) and ZVFIO_ROOT (read by
 * zvfio-callout) pointing at the root. */
#include "zv-mdevctl.h"
#include "zv-error.h"
#include "zv-fault.h"
#include "zv-mdev.h"
#include "zv-parse.h"

#include <gio/gio.h>
#include <string.h>

/* Full path of mdevctl, or an error naming the package to install. */
char *
zv_mdevctl_find (GError **error)
{
  char *path = g_find_program_in_path ("mdevctl");
  if (path != NULL)
    return path;
  static const char *const fallback[] = { "/usr/sbin/mdevctl", "/usr/bin/mdevctl" };
  for (gsize i = 0; i < G_N_ELEMENTS (fallback); i++)
    if (g_file_test (fallback[i], G_FILE_TEST_IS_EXECUTABLE))
      return g_strdup (fallback[i]);
  g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL,
               "mdevctl is not installed; install it with 'apt install mdevctl'");
  return NULL;
}

/* The environment for mdevctl: the caller's, plus the root for a fake root. */
static char **
mdevctl_environment (ZvRoot *root, GError **error)
{
  char **envp = g_get_environ ();
  if (zv_root_is_system (root))
    return envp;
  const char *allow = g_getenv ("ZVFIO_ALLOW_ROOTED_MDEVCTL");
  if (allow == NULL || strcmp (allow, "1") != 0)
    {
      g_strfreev (envp);
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "refusing to run mdevctl for the root %s: mdevctl 1.2 has no fake-root "
                   "support and would change the real /etc/mdevctl.d (set "
                   "ZVFIO_ALLOW_ROOTED_MDEVCTL=1 to run it anyway, e.g. in a private mount "
                   "namespace)", zv_root_dir (root));
      return NULL;
    }
  envp = g_environ_setenv (envp, "MDEVCTL_ENV_ROOT", zv_root_dir (root), TRUE);
  envp = g_environ_setenv (envp, "ZVFIO_ROOT", zv_root_dir (root), TRUE);
  return envp;
}

/* How long one mdevctl run may take before it is killed (the hook must never
 * hang libvirtd); ZVFIO_MDEVCTL_TIMEOUT (seconds) overrides it. */
#define ZV_MDEVCTL_TIMEOUT_S 60

/* State shared between run_mdevctl and its callbacks. */
typedef struct {
  GMainLoop *loop;
  GBytes *out;
  GBytes *err;
  GError *error;
  gboolean done;
  gboolean timed_out;
} MdevctlRun;

/* Collects the child's output once it has exited. */
static void
on_communicated (GObject *source, GAsyncResult *result, gpointer data)
{
  MdevctlRun *run = data;
  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                   &run->error);
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

/* Ends the wait when the time limit is reached. */
static gboolean
on_timeout (gpointer data)
{
  MdevctlRun *run = data;
  run->timed_out = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* The time limit for one mdevctl run, in seconds. */
static guint
mdevctl_timeout (void)
{
  const char *text = g_getenv ("ZVFIO_MDEVCTL_TIMEOUT");
  guint32 seconds;
  if (text != NULL && zv_parse_dec_u32 (text, &seconds) && seconds > 0 && seconds <= 3600)
    return seconds;
  return ZV_MDEVCTL_TIMEOUT_S;
}

/* Text of a GBytes output, stripped. */
static char *
bytes_to_text (GBytes *bytes)
{
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  return data ? g_strndup (data, len) : g_strdup ("");
}

/* Runs mdevctl with ARGS (NULL-terminated, without argv[0]) with empty stdin and
 * a bounded wait; returns stdout. */
static char *
run_mdevctl (ZvRoot *root, const char *const *args, GError **error)
{
  g_autofree char *mdevctl = zv_mdevctl_find (error);
  if (mdevctl == NULL)
    return NULL;
  g_auto (GStrv) envp = mdevctl_environment (root, error);
  if (envp == NULL)
    return NULL;
  /* every mdevctl run here changes the host (define, undefine, start, stop): a
   * write step of the fault-injection tests, like a file write */
  zv_fault_point ("mdevctl", args[0], args[2]);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, mdevctl);
  for (gsize i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, envp);
  g_autoptr (GError) local = NULL;
  g_autoptr (GSubprocess) child =
    g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &local);
  if (child == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "cannot run %s: %s", mdevctl,
                   local->message);
      return NULL;
    }

  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  MdevctlRun run = { .loop = g_main_loop_new (context, FALSE) };
  g_autoptr (GBytes) no_input = g_bytes_new_static ("", 0);
  g_subprocess_communicate_async (child, no_input, NULL, on_communicated, &run);
  guint seconds = mdevctl_timeout ();
  GSource *timer = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (timer, on_timeout, &run, NULL);
  g_source_attach (timer, context);
  g_main_loop_run (run.loop);
  if (run.timed_out)
    {
      g_subprocess_force_exit (child);
      while (!run.done)
        g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timer);
  g_source_unref (timer);
  g_main_loop_unref (run.loop);
  g_main_context_pop_thread_default (context);

  g_autoptr (GBytes) out_bytes = run.out;
  g_autoptr (GBytes) err_bytes = run.err;
  g_autoptr (GError) comm_error = run.error;
  g_autofree char *out = bytes_to_text (out_bytes);
  g_autofree char *err = bytes_to_text (err_bytes);
  g_strstrip (err);
  if (run.timed_out)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL,
                   "mdevctl %s did not finish within %u s and was killed", args[0], seconds);
      return NULL;
    }
  if (comm_error != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "mdevctl %s: %s", args[0],
                   comm_error->message);
      return NULL;
    }
  if (!g_subprocess_get_successful (child))
    {
      g_autofree char *how = g_subprocess_get_if_exited (child)
        ? g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (child))
        : g_strdup ("killed by a signal");
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "mdevctl %s failed (%s)%s%s", args[0],
                   how, *err ? ": " : "", err);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Validates UUID into BUF or sets an error. */
static gboolean
check_uuid (const char *uuid, char buf[37], GError **error)
{
  if (uuid != NULL && zv_parse_uuid (uuid, buf))
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "'%s' is not a UUID",
               uuid ? uuid : "(null)");
  return FALSE;
}


/* mdevctl define -p PARENT -t vfio_ccw-io -u UUID [--auto]; returns the UUID. */
char *
zv_mdevctl_define (ZvRoot *root, const ZvBusId *parent, const char *uuid, gboolean autostart,
                   GError **error)
{
  char buf[37];
  g_autofree char *generated = NULL;
  if (uuid == NULL)
    uuid = generated = g_uuid_string_random ();
  if (!check_uuid (uuid, buf, error))
    return NULL;
  char parent_id[16];
  zv_format_busid (parent, parent_id);   /* as the kernel names it */
  const char *args[] = { "define", "-u", buf, "-p", parent_id, "-t", ZV_VFIO_CCW_MDEV_TYPE,
                         autostart ? "--auto" : NULL, NULL };
  g_autofree char *out = run_mdevctl (root, args, error);
  if (out == NULL)
    return NULL;
  return g_strdup (buf);
}

/* mdevctl undefine -u UUID -p PARENT. */
gboolean
zv_mdevctl_undefine_on (ZvRoot *root, const char *uuid, const ZvBusId *parent, GError **error)
{
  char buf[37];
  if (!check_uuid (uuid, buf, error))
    return FALSE;
  char parent_id[16];
  zv_format_busid (parent, parent_id);   /* as the kernel names it */
  const char *args[] = { "undefine", "-u", buf, "-p", parent_id, NULL };
  g_autofree char *out = run_mdevctl (root, args, error);
  return out != NULL;
}

/* mdevctl start -u UUID, or with PARENT a transient vfio_ccw-io one. */
gboolean
zv_mdevctl_start (ZvRoot *root, const char *uuid, const ZvBusId *parent, GError **error)
{
  char buf[37];
  if (!check_uuid (uuid, buf, error))
    return FALSE;
  char parent_id[16] = "";
  if (parent != NULL)
    zv_format_busid (parent, parent_id);   /* as the kernel names it */
  const char *defined[] = { "start", "-u", buf, NULL };
  const char *transient[] = { "start", "-u", buf, "-p", parent_id, "-t", ZV_VFIO_CCW_MDEV_TYPE,
                              NULL };
  g_autofree char *out = run_mdevctl (root, parent ? transient : defined, error);
  return out != NULL;
}

/* mdevctl stop -u UUID. */
gboolean
zv_mdevctl_stop (ZvRoot *root, const char *uuid, GError **error)
{
  char buf[37];
  if (!check_uuid (uuid, buf, error))
    return FALSE;
  const char *args[] = { "stop", "-u", buf, NULL };
  g_autofree char *out = run_mdevctl (root, args, error);
  return out != NULL;
}
