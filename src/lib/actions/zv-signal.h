/* zvfio: SIGINT, SIGTERM and SIGHUP during an operation that changes the host
 * (prepare, release, repair, the hook) do not kill it half-way: the handler only
 * notes the signal; the operation checks it between its steps, stops as if the
 * step had failed, rolls back what it did, and exits with the failure code. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Installs the noting handler for SIGINT, SIGTERM and SIGHUP. */
void zv_signal_catch (void);
/* The signal noted since zv_signal_catch, 0 when none. */
int zv_signal_caught (void);
/* FALSE with a ZV_ERROR_FAILED "interrupted by SIGxxx" error once a signal was noted. */
gboolean zv_signal_check (GError **error);

G_END_DECLS
