/* zvfio: JSON serialization of the model (schemas/zvfio-list.schema.json,
 * schemas/zvfio-check.schema.json). */
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
/* Builds {"ok":bool,"violations":[...]} of VIOLATIONS (schemas/zvfio-check.schema.json). */
JsonNode *zv_json_violations (GPtrArray *violations);

G_END_DECLS
