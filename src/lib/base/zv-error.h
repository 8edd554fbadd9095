/* zvfio: error domain and process exit codes shared by every front end. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ZV_ERROR (zv_error_quark ())

/* Error codes of the ZV_ERROR domain; each maps to one documented exit code. */
typedef enum {
  ZV_ERROR_FAILED,        /* generic failure (exit 1) */
  ZV_ERROR_USAGE,         /* bad command line (exit 2) */
  ZV_ERROR_RULE,          /* an error-severity rule was violated (exit 3) */
  ZV_ERROR_NOT_FOUND,     /* unknown device id (exit 4) */
  ZV_ERROR_NOT_S390,      /* no css bus below the root (exit 5) */
  ZV_ERROR_IO,            /* a sysfs or file access failed (exit 6) */
  ZV_ERROR_INVALID,       /* malformed input data (exit 7) */
  ZV_ERROR_EXTERNAL,      /* an external program or libvirt failed (exit 8) */
  ZV_ERROR_BUSY,          /* a lock could not be taken in time (exit 9) */
  ZV_ERROR_ESCAPE,        /* a path tried to leave the root (exit 6) */
} ZvErrorCode;

/* Process exit codes (documented in docs/man/zvfio.8). */
enum {
  ZV_EXIT_OK = 0,
  ZV_EXIT_FAILURE = 1,
  ZV_EXIT_USAGE = 2,
  ZV_EXIT_RULE = 3,
  ZV_EXIT_NOT_FOUND = 4,
  ZV_EXIT_NOT_S390 = 5,
  ZV_EXIT_IO = 6,
  ZV_EXIT_INVALID = 7,
  ZV_EXIT_EXTERNAL = 8,
  ZV_EXIT_BUSY = 9,
};

/* Returns the quark of the zvfio error domain. */
GQuark zv_error_quark (void);

/* Maps an error (any domain) to the exit code documented for it. */
int zv_error_exit_code (const GError *error);
/* TRUE when ERROR says a file does not exist (an absent fact, not an unreadable one). */
gboolean zv_error_is_absent (const GError *error);
/* Moves LOCAL to ERROR, prefixed with "PATH: " unless its message names PATH already. */
void zv_error_propagate_naming (GError **error, GError *local, const char *path);

G_END_DECLS

G_BEGIN_DECLS
/* Appends a formatted warning to WARNINGS (a GPtrArray of strings); NULL is allowed. */
void zv_warning_add (GPtrArray *warnings, const char *format, ...) G_GNUC_PRINTF (2, 3);
G_END_DECLS
