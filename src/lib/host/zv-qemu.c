/* zvfio: QEMU emulator and machine type versions. */
#include "zv-qemu.h"
#include "zv-error.h"

#include <string.h>

/* Parses "X.Y" at the start of TEXT (further ".Z" or text may follow). */
static gboolean
parse_major_minor (const char *text, gboolean whole, ZvQemuVersion *out)
{
  char *end = NULL;
  if (!g_ascii_isdigit (text[0]))
    return FALSE;
  guint64 major = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != '.' || !g_ascii_isdigit (end[1]) || major > 1000)
    return FALSE;
  const char *minor_text = end + 1;
  guint64 minor = g_ascii_strtoull (minor_text, &end, 10);
  if (minor > 1000 || (whole && *end != '\0'))
    return FALSE;
  out->major = major;
  out->minor = minor;
  return TRUE;
}

/* Parses the first line of `qemu-system-s390x --version`. */
gboolean
zv_qemu_parse_version_output (const char *output, ZvQemuVersion *out)
{
  static const char prefix[] = "QEMU emulator version ";
  if (output == NULL || !g_str_has_prefix (output, prefix))
    return FALSE;
  return parse_major_minor (output + strlen (prefix), FALSE, out);
}

/* Parses an s390-ccw-virtio machine type name. */
gboolean
zv_qemu_parse_machine (const char *machine, ZvQemuVersion *out)
{
  static const char base[] = "s390-ccw-virtio";
  if (machine == NULL || !g_str_has_prefix (machine, base))
    return FALSE;
  const char *rest = machine + strlen (base);
  if (*rest == '\0')
    {
      *out = ZV_QEMU_LATEST;
      return TRUE;
    }
  return rest[0] == '-' && parse_major_minor (rest + 1, TRUE, out);
}

/* TRUE when A is at least MAJOR.MINOR. */
gboolean
zv_qemu_version_at_least (const ZvQemuVersion *a, guint major, guint minor)
{
  return a->major > major || (a->major == major && a->minor >= minor);
}

/* Runs EMULATOR --version and parses the result. */
gboolean
zv_qemu_emulator_version (const char *emulator, ZvQemuVersion *out, GError **error)
{
  if (emulator == NULL || !g_path_is_absolute (emulator))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "emulator '%s' is not an absolute path", emulator ? emulator : "(none)");
      return FALSE;
    }
  const char *argv[] = { emulator, "--version", NULL };
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  int status = 0;
  g_autoptr (GError) spawn_error = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out_text,
                     &err_text, &status, &spawn_error))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "cannot run '%s --version': %s", emulator,
                   spawn_error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL) || !zv_qemu_parse_version_output (out_text, out))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL,
                   "'%s --version' did not print a QEMU version", emulator);
      return FALSE;
    }
  return TRUE;
}
