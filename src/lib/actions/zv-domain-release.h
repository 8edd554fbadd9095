/* zvfio: undoing what zvfio-hook did for one domain, from its record
 * (/run/zvfio/<domain>.json): the hook's "release end", and 'zvfio repair' for a
 * hook run that was killed half-way (libvirt does not call the hook again). */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "zv-domain-state.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* Reports one problem line (the hook prints it for libvirt, repair on stderr). */
typedef void (*ZvSayFunc) (const char *line, gpointer data);

/* Releases what STATE lists: the record says "releasing" first, then its mdevs
 * are stopped and its bindings restored (newest first), and the record is
 * removed; what could not be undone stays listed (still "releasing", so a
 * repair retries it). The caller holds the domain's lock. FALSE (each problem
 * reported through SAY, ERROR set for the record itself) when something stays. */
gboolean zv_domain_release (ZvRoot *root, ZvDomainState *state, pid_t owner, guint settle_ms,
                            guint lock_timeout_ms, ZvSayFunc say, gpointer data,
                            GError **error);
/* Writes STATE, or removes its file when it lists nothing. */
gboolean zv_domain_state_store (ZvRoot *root, const ZvDomainState *state, GError **error);
/* Releases the binding of DEVICE on BUS made for DOMAIN (not one made elsewhere). */
gboolean zv_domain_release_binding (ZvRoot *root, const char *domain, ZvBus bus,
                                    const char *device, pid_t owner, guint settle_ms,
                                    guint lock_timeout_ms, GError **error);
/* Stops mdev UUID if it is active. */
gboolean zv_domain_stop_mdev (ZvRoot *root, const char *uuid, GError **error);

G_END_DECLS
