/* zvfio: a streaming JSON writer that prints exactly what json-glib's
 * generator prints (pretty, indent 2, its string escapes), without a tree. */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

typedef struct _ZvJsonWriter ZvJsonWriter;

/* Creates a writer that prints to OUT (buffered; flushed by finish). */
ZvJsonWriter *zv_json_writer_new (FILE *out);
/* Ends the document with a newline, flushes it and frees W; FALSE on a write error. */
gboolean zv_json_writer_finish (ZvJsonWriter *w);
/* Frees W and drops what it has not written yet (less than its 64 KiB buffer). */
void zv_json_writer_discard (ZvJsonWriter *w);
/* Starts an object (as a value). */
void zv_json_writer_begin_object (ZvJsonWriter *w);
/* Ends the innermost object. */
void zv_json_writer_end_object (ZvJsonWriter *w);
/* Starts an array (as a value). */
void zv_json_writer_begin_array (ZvJsonWriter *w);
/* Ends the innermost array. */
void zv_json_writer_end_array (ZvJsonWriter *w);
/* Names the next member of the innermost object. */
void zv_json_writer_member (ZvJsonWriter *w, const char *name);
/* Writes a string value, or null when VALUE is NULL. */
void zv_json_writer_string (ZvJsonWriter *w, const char *value);
/* Writes an integer value. */
void zv_json_writer_int (ZvJsonWriter *w, gint64 value);
/* Writes true or false. */
void zv_json_writer_boolean (ZvJsonWriter *w, gboolean value);
/* Writes null. */
void zv_json_writer_null (ZvJsonWriter *w);
/* Appends VALUE to S the way json-glib escapes a string (without quotes). */
void zv_json_escape_append (GString *s, const char *value);

G_END_DECLS
