/* zvfio: bounded, stale-safe locks under <root>/run/lock/zvfio/.
 * (API fixed here; implemented in zv-lock.c.) */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "zv-root.h"

G_BEGIN_DECLS

typedef struct _ZvLock ZvLock;

/* Takes the lock NAME (e.g. "css-0.0.0313") owned by process OWNER_PID (the
 * caller's pid, or the parent mdevctl's for callouts), waiting at most
 * TIMEOUT_MS. A lock whose owner is dead is recovered. Re-taking a lock already
 * owned by OWNER_PID succeeds. ZV_ERROR_BUSY on timeout. */
ZvLock *zv_lock_acquire (ZvRoot *root, const char *name, pid_t owner_pid, guint timeout_ms,
                         GError **error);
/* Releases NAME if OWNER_PID owns it (used by callout 'post'); TRUE if released. */
gboolean zv_lock_release_by_owner (ZvRoot *root, const char *name, pid_t owner_pid);
/* Releases and frees a lock handle. */
void zv_lock_release (ZvLock *lock);
/* Forgets a handle without releasing the lock (it stays for a later process). */
void zv_lock_keep (ZvLock *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvLock, zv_lock_release)

G_END_DECLS
