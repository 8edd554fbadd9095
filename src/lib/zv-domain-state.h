/* zvfio: what zvfio-hook did for one domain in "prepare begin", kept in
 * /run/zvfio/<domain>.json so that "release end" (also after a libvirtd
 * restart) undoes exactly that. */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-state.h"

G_BEGIN_DECLS

/* What zvfio-hook did for one domain in "prepare begin". */
typedef struct {
  char *domain;
  GPtrArray *bindings;       /* strings: keys ("css-0.0.0313") of ZvBindRecords it made */
  GPtrArray *started_mdevs;  /* strings: UUIDs of mdevs it started */
} ZvDomainState;

/* Allocates an empty domain state. */
ZvDomainState *zv_domain_state_new (const char *domain);
/* Frees a domain state. */
void zv_domain_state_free (ZvDomainState *state);
/* Serializes a domain state as JSON text. */
char *zv_domain_state_to_json (const ZvDomainState *state);
/* Parses and validates a domain state (pure, no I/O). */
ZvDomainState *zv_domain_state_parse (const char *data, gssize length, GError **error);
/* Writes /run/zvfio/<domain>.json atomically. */
gboolean zv_state_save_domain (ZvRoot *root, const ZvDomainState *state, GError **error);
/* Loads /run/zvfio/<domain>.json; NULL without error when there is none. */
ZvDomainState *zv_state_load_domain (ZvRoot *root, const char *domain, GError **error);
/* Removes /run/zvfio/<domain>.json (a missing one is fine). */
gboolean zv_state_remove_domain (ZvRoot *root, const char *domain, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvDomainState, zv_domain_state_free)

G_END_DECLS
