/* zvfio: moving a device between its host driver and its vfio driver
 * (I/O subchannel: io_subchannel <-> vfio_ccw; zPCI function: host driver <->
 * vfio-pci) the way the kernel documents it: driver_override, unbind,
 * drivers_probe, then the driver link is checked. A failure restores the
 * previous driver (and ccw online state), so a device is never left half
 * bound. Every change is recorded first in /run/zvfio (zv-state.h), so release
 * undoes exactly that; optionally a driverctl override makes it persistent. */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-driverctl.h"
#include "zv-state.h"

G_BEGIN_DECLS

/* Default time the kernel gets to (un)bind a device before zvfio gives up. */
#define ZV_BIND_SETTLE_MS 2000
/* Longest accepted --settle-timeout. */
#define ZV_BIND_SETTLE_MAX_MS 60000

/* How prepare binds. */
typedef struct {
  gboolean offline;         /* set the ccw device offline first (online again on release) */
  gboolean persist;         /* write the driverctl override /etc/driverctl.d/<bus>-<device> */
  guint settle_timeout_ms;  /* how long to wait for the driver link to change */
  const char *domain;       /* owner written to the record; NULL = zvfio CLI */
} ZvBindOptions;

/* Binds DEVICE on BUS to its vfio driver. A record left by an interrupted
 * prepare or release is settled first (zv_bind_repair), never replaced. *CHANGE receives the record of what
 * was changed (also saved in /run/zvfio/bind), or NULL when the device was
 * already bound and nothing needed to change. On failure everything done is
 * rolled back and the error says what failed (and any rollback problem). */
gboolean zv_bind_prepare (ZvRoot *root, ZvBus bus, const char *device,
                          const ZvBindOptions *options, ZvBindRecord **change, GError **error);
/* Undoes RECORD: previous driver and driver_override, ccw device online again,
 * and with UNPERSIST the driverctl override restored. The record file first
 * says "releasing" (so an interrupted release is finished by the next release
 * or repair); it is removed when everything was restored. A record of a prepare
 * under way is undone entirely (zv_bind_repair). */
gboolean zv_bind_release (ZvRoot *root, ZvBindRecord *record, gboolean unpersist,
                          guint settle_timeout_ms, GError **error);
/* Settles a record an interrupted zvfio left, from the record alone: a prepare
 * under way is undone (only the steps it started), a release under way is
 * finished, a finished binding whose device is no longer on its vfio driver is
 * undone. Each restore compares with the device's state now, so a second
 * interruption is settled the same way. Removes the record when the host is back
 * as the record says; else keeps it and says why. */
gboolean zv_bind_repair (ZvRoot *root, const ZvBindRecord *record, guint settle_timeout_ms,
                         GError **error);
/* What zv_bind_release_unrecorded did (bit flags). */
typedef enum {
  ZV_RELEASED_OVERRIDE = 1 << 0,   /* cleared a driver_override naming the vfio driver */
  ZV_RELEASED_DRIVER = 1 << 1,     /* unbound from the vfio driver, host driver probed */
  ZV_RELEASED_PERSIST = 1 << 2,    /* removed the driverctl override */
} ZvReleased;

/* Release without a record (e.g. bound by driverctl at boot): clears a
 * driver_override naming the vfio driver, unbinds from the vfio driver and lets
 * the kernel probe the host driver (a subchannel is bound to io_subchannel
 * explicitly); with UNPERSIST removes a driverctl override naming the vfio
 * driver. *DONE receives ZvReleased flags (0: nothing to do). */
gboolean zv_bind_release_unrecorded (ZvRoot *root, ZvBus bus, const char *device,
                                     gboolean unpersist, guint settle_timeout_ms,
                                     guint *done, GError **error);
/* The driver DEVICE on BUS is bound to now; NULL with no error when unbound. */
char *zv_bind_current_driver (ZvRoot *root, ZvBus bus, const char *device, GError **error);

G_END_DECLS
