/* zvfio: running the real mdevctl for vfio_ccw-io mdevs (argv only, no shell).
 *
 * mdevctl 1.2 (Debian 12) has no fake-root variable, so for a root other than
 * "/" zvfio refuses to run it unless ZVFIO_ALLOW_ROOTED_MDEVCTL=1 is set (as the
 * tests do inside a private mount namespace). The child then gets
 * MDEVCTL_ENV_ROOT (honoured by mdevctl >= 1.3) and ZVFIO_ROOT (read by
 * zvfio-callout) pointing at the root. */
#include "zv-mdevctl.h"
#include "zv-error.h"
#include "zv-mdev.h"
#include "zv-parse.h"

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

/* Runs mdevctl with ARGS (NULL-terminated, without argv[0]); returns stdout. */
static char *
run_mdevctl (ZvRoot *root, const char *const *args, GError **error)
{
  g_autofree char *mdevctl = zv_mdevctl_find (error);
  if (mdevctl == NULL)
    return NULL;
  g_auto (GStrv) envp = mdevctl_environment (root, error);
  if (envp == NULL)
    return NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, mdevctl);
  for (gsize i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr (GError) local = NULL;
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                     &out, &err, &status, &local))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "cannot run %s: %s", mdevctl,
                   local->message);
      return NULL;
    }
  if (!g_spawn_check_wait_status (status, &local))
    {
      g_strstrip (err);
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "mdevctl %s failed (%s)%s%s", args[0],
                   local->message, *err ? ": " : "", err);
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

/* Validates a subchannel id used as mdev parent or sets an error. */
static gboolean
check_parent (const char *parent, GError **error)
{
  ZvBusId id;
  if (parent != NULL && zv_parse_busid_canonical (parent, &id))
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "'%s' is not a subchannel id (0.S.XXXX)",
               parent ? parent : "(null)");
  return FALSE;
}

/* mdevctl define -p PARENT -t vfio_ccw-io -u UUID [--auto]; returns the UUID. */
char *
zv_mdevctl_define (ZvRoot *root, const char *parent, const char *uuid, gboolean autostart,
                   GError **error)
{
  char buf[37];
  g_autofree char *generated = NULL;
  if (uuid == NULL)
    uuid = generated = g_uuid_string_random ();
  if (!check_uuid (uuid, buf, error) || !check_parent (parent, error))
    return NULL;
  const char *args[] = { "define", "-u", buf, "-p", parent, "-t", ZV_VFIO_CCW_MDEV_TYPE,
                         autostart ? "--auto" : NULL, NULL };
  g_autofree char *out = run_mdevctl (root, args, error);
  if (out == NULL)
    return NULL;
  return g_strdup (buf);
}

/* mdevctl undefine -u UUID. */
gboolean
zv_mdevctl_undefine (ZvRoot *root, const char *uuid, GError **error)
{
  char buf[37];
  if (!check_uuid (uuid, buf, error))
    return FALSE;
  const char *args[] = { "undefine", "-u", buf, NULL };
  g_autofree char *out = run_mdevctl (root, args, error);
  return out != NULL;
}

/* mdevctl start -u UUID, or with PARENT a transient vfio_ccw-io one. */
gboolean
zv_mdevctl_start (ZvRoot *root, const char *uuid, const char *parent, GError **error)
{
  char buf[37];
  if (!check_uuid (uuid, buf, error) || (parent != NULL && !check_parent (parent, error)))
    return FALSE;
  const char *defined[] = { "start", "-u", buf, NULL };
  const char *transient[] = { "start", "-u", buf, "-p", parent, "-t", ZV_VFIO_CCW_MDEV_TYPE,
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
