/* zvfio: what zvfio-hook did for one domain in "prepare begin", kept in
 * /run/zvfio/<domain>.json so that "release end" (also after a libvirtd
 * restart) undoes exactly that. */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-state.h"
#include "zv-lock.h"

G_BEGIN_DECLS

/* What zvfio-hook did for one domain in "prepare begin". */
typedef struct {
  char *domain;
  ZvPhase phase;             /* PREPARING/RELEASING: a hook run under way (or killed) */
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

/* Takes the lock of DOMAIN's record (held by a hook run from start to end, and
 * by 'zvfio repair' while it finishes an interrupted one). */
ZvLock *zv_state_lock_domain (ZvRoot *root, const char *domain, pid_t owner, guint timeout_ms,
                              GError **error);
/* The domain names of every record in /run/zvfio (sorted; names a state file
 * could not have are skipped). */
GPtrArray *zv_state_list_domains (ZvRoot *root, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvDomainState, zv_domain_state_free)

G_END_DECLS
