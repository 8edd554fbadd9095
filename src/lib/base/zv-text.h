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
/* The width of zvfio's messages: lines of at most this many columns. */
#define ZV_TEXT_WIDTH 100
/* Appends TEXT to S as a paragraph that starts on S's current line and breaks at
 * spaces into lines of at most WIDTH columns, continued with INDENT; an element
 * (<a b='c'/>) and a quoted command ('zvfio prepare X') are never broken, and a
 * word longer than a line stands alone. AFTER_WORD: S's line ends in a word. */
void zv_text_append_wrapped (GString *s, const char *text, const char *indent, gsize width,
                             gboolean after_word);

G_END_DECLS
