/* zvfio: text from outside (sysfs entry names, file names, argv, file contents)
 * made safe to print on a terminal or in a log: control characters and bytes that
 * are no UTF-8 are shown as visible escapes, so that a name cannot move the
 * cursor, recolour the screen or forge a line of its own. JSON output needs no
 * such step: json-glib escapes control characters itself. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TEXT with C0 controls (newline and tab too), DEL, C1 controls and bytes that
 * are no UTF-8 written as \xNN; NULL stays NULL. Pure. */
char *zv_text_escape (const char *text);
/* TRUE when TEXT is printable ASCII only (zv_text_escape would not change it):
 * the quick test before escaping. Pure. */
gboolean zv_text_is_plain (const char *text);

G_END_DECLS
