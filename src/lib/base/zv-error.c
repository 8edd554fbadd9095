/* zvfio: error domain and exit code mapping. */
#include "zv-error.h"

#include <string.h>

G_DEFINE_QUARK (zvfio-error-quark, zv_error)

/* Maps an error (any domain) to the exit code documented for it. */
int
zv_error_exit_code (const GError *error)
{
  if (error == NULL)
    return ZV_EXIT_OK;
  if (error->domain != ZV_ERROR)
    return ZV_EXIT_FAILURE;
  switch ((ZvErrorCode) error->code)
    {
    case ZV_ERROR_USAGE: return ZV_EXIT_USAGE;
    case ZV_ERROR_RULE: return ZV_EXIT_RULE;
    case ZV_ERROR_NOT_FOUND: return ZV_EXIT_NOT_FOUND;
    case ZV_ERROR_NOT_S390: return ZV_EXIT_NOT_S390;
    case ZV_ERROR_IO: return ZV_EXIT_IO;
    case ZV_ERROR_ESCAPE: return ZV_EXIT_IO;
    case ZV_ERROR_INVALID: return ZV_EXIT_INVALID;
    case ZV_ERROR_EXTERNAL: return ZV_EXIT_EXTERNAL;
    case ZV_ERROR_BUSY: return ZV_EXIT_BUSY;
    case ZV_ERROR_FAILED:
    default: return ZV_EXIT_FAILURE;
    }
}

/* Appends a formatted warning to WARNINGS; NULL is allowed. */
void
zv_warning_add (GPtrArray *warnings, const char *format, ...)
{
  if (warnings == NULL)
    return;
  va_list args;
  va_start (args, format);
  g_ptr_array_add (warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* TRUE when ERROR says a file does not exist. */
gboolean
zv_error_is_absent (const GError *error)
{
  return g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* Moves LOCAL to ERROR, prefixed with PATH unless its message names it already. */
void
zv_error_propagate_naming (GError **error, GError *local, const char *path)
{
  if (strstr (local->message, path) != NULL)
    g_propagate_error (error, local);
  else
    g_propagate_prefixed_error (error, local, "%s: ", path);
}
