/* zvfio: JSON serialization of the model (schemas/zvfio-list.schema.json). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "zv-inventory.h"

G_BEGIN_DECLS

/* Builds {"subchannels":[...],"pci_functions":[...],"warnings":[...]} for INV. */
JsonNode *zv_json_inventory (const ZvInventory *inv);
typedef struct _ZvJsonWriter ZvJsonWriter;
/* Starts the streamed inventory (what zv_json_inventory prints, without the tree). */
void zv_json_stream_inventory_begin (ZvJsonWriter *w);
/* Streams one element of "subchannels". */
void zv_json_stream_subchannel (ZvJsonWriter *w, const ZvSubchannel *sch);
/* Ends the streamed inventory with INV's PCI functions and warnings. */
void zv_json_stream_inventory_end (ZvJsonWriter *w, const ZvInventory *inv);
/* Adds an object of string members to B: NAME, VALUE pairs up to a NULL name. */
void zv_json_add_string_object (JsonBuilder *b, const char *first_name, ...)
  G_GNUC_NULL_TERMINATED;
/* Builds {"ok":bool,"violations":[...]} of VIOLATIONS (schemas/zvfio-check.schema.json). */
JsonNode *zv_json_violations (GPtrArray *violations);
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
