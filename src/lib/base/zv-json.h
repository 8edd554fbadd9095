/* zvfio: JSON that zvfio reads and writes itself: parsing with zvfio's limits
 * (definitions, records, callout input) and small json-glib builder helpers. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Adds an object of string members to B: NAME, VALUE pairs up to a NULL name. */
void zv_json_add_string_object (JsonBuilder *b, const char *first_name, ...)
  G_GNUC_NULL_TERMINATED;
/* Adds member NAME to B: a string, or null when VALUE is NULL. */
void zv_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value);
/* Serializes NODE as pretty JSON with a trailing newline. */
char *zv_json_to_text (JsonNode *node);

/* Deepest nesting of arrays and objects zvfio accepts in JSON it reads. */
#define ZV_JSON_MAX_DEPTH 64
/* TRUE when the JSON text DATA nests arrays/objects at most MAX_DEPTH deep
 * (a scan outside strings, so json-glib's recursive parser never sees more). */
gboolean zv_json_depth_ok (const char *data, gsize length, guint max_depth);
/* Parses DATA (LENGTH bytes, no NUL) into a JSON object; WHAT names the input in
 * errors. Refuses empty or binary data, nesting deeper than ZV_JSON_MAX_DEPTH,
 * invalid JSON and non-objects. */
JsonParser *zv_json_parse_object (const char *data, gsize length, const char *what,
                                  GError **error);

G_END_DECLS
