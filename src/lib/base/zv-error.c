/* zvfio: error domain and exit code mapping. */
#include "zv-error.h"

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
