/* zvfio: the one operation core behind 'zvfio prepare/release' and
 * zvfio-hook's 'prepare begin' / 'release end':
 *
 *   zv_prepare:  lock every device -> read the host facts -> run the prepare
 *                rules -> bind each device to its vfio driver (recorded)
 *   zv_release:  lock the device -> load its record -> restore what it says
 *
 * The device locks are taken before the facts are read, so nothing checked
 * can change before zvfio acts on it. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "zv-bind.h"
#include "zv-domain.h"
#include "zv-root.h"
#include "zv-target.h"

G_BEGIN_DECLS

/* How zv_prepare checks and binds. */
typedef struct {
  gboolean allow_offline;      /* an online ccw device may be set offline first */
  gboolean persist;            /* also write the driverctl override */
  guint settle_timeout_ms;     /* how long the kernel gets to (un)bind */
  guint lock_timeout_ms;       /* how long to wait for another zvfio on a device */
  pid_t lock_owner;            /* the pid the locks are taken for */
  const char *action;          /* what a rule refusal names: "refusing to ACTION" */
  const ZvDomain *domain;      /* the domain the devices go to (rules); NULL from the CLI */
  const char *owner;           /* the domain recorded as owner of the bindings; NULL = CLI */
  /* called once the rules passed, before the first target is bound (the hook
   * writes its domain record's intent there, once); FALSE stops the run */
  gboolean (*before_binds) (GPtrArray *targets, gpointer data, GError **error);
  /* called after TARGET was bound, CHANGE NULL when nothing changed */
  gboolean (*after_bind) (const ZvTarget *target, const ZvBindRecord *change, gpointer data,
                          GError **error);
  gpointer data;
  /* test seam: called once the locks are held, before the facts are read */
  void (*locked) (gpointer data);
} ZvPrepareOptions;

/* What zv_prepare found and did. */
typedef struct {
  GPtrArray *violations;       /* ZvViolation*: every target's, errors and warnings */
  GPtrArray *changes;          /* ZvBindRecord* or NULL per target, in order (bound so far) */
} ZvPrepareResult;

/* Prepares TARGETS (ZvTarget*) for passthrough: takes their locks (sorted,
 * each key once), reads the host facts, runs the ZV_OP_PREPARE rules on each,
 * then binds each (but managed PCI hostdevs) to its vfio driver. ZV_ERROR_RULE
 * when a rule refuses (nothing is changed); on a bind failure the failed
 * device is rolled back and RESULT->changes holds what the earlier ones
 * changed, for the caller to undo. The locks are released on return. */
gboolean zv_prepare (ZvRoot *root, GPtrArray *targets, const ZvPrepareOptions *opts,
                     ZvPrepareResult *result, GError **error);
/* Frees what RESULT holds. */
void zv_prepare_result_clear (ZvPrepareResult *result);

/* How zv_release restores. */
typedef struct {
  gboolean unpersist;          /* also restore the driverctl override */
  guint settle_timeout_ms;
  guint lock_timeout_ms;
  pid_t lock_owner;
  const char *owner;           /* the hook's domain: release only its records; NULL = CLI */
  gboolean force;              /* CLI: release a binding made for a domain too */
} ZvReleaseOptions;

/* What zv_release did. */
typedef struct {
  ZvBindRecord *record;        /* the record that was undone, NULL when there was none */
  guint unrecorded;            /* without a record (CLI only): ZvReleased flags */
  gboolean not_owned;          /* OWNER set and the device has no record of it */
  gboolean domain_owned;       /* refused: the record belongs to a domain (no FORCE) */
} ZvReleaseResult;

/* Releases DEVICE on BUS under its lock: undoes its binding record; without
 * one (and without OWNER) puts a device on its vfio driver back to the host
 * driver. ZV_ERROR_BUSY for a record a domain owns (unless FORCE). */
gboolean zv_release (ZvRoot *root, ZvBus bus, const char *device, const ZvReleaseOptions *opts,
                     ZvReleaseResult *result, GError **error);
/* Frees what RESULT holds. */
void zv_release_result_clear (ZvReleaseResult *result);

/* What zv_repair_device found and did. */
typedef enum {
  ZV_REPAIR_NO_RECORD,         /* no record: nothing to repair */
  ZV_REPAIR_COMPLETE,          /* a finished prepare, device on its vfio driver: left alone */
  ZV_REPAIR_UNDID_PREPARE,     /* undid an interrupted prepare */
  ZV_REPAIR_FINISHED_RELEASE,  /* finished an interrupted release */
  ZV_REPAIR_UNDID_GONE,        /* undid a finished prepare whose binding was undone by hand */
} ZvRepaired;

/* Under DEVICE's lock, settles the record an interrupted prepare or release
 * left (zv_bind_repair); a finished one whose device is still on its vfio
 * driver is left alone. *DONE says which. */
gboolean zv_repair_device (ZvRoot *root, ZvBus bus, const char *device, guint settle_timeout_ms,
                           guint lock_timeout_ms, pid_t lock_owner, ZvRepaired *done,
                           GError **error);

G_END_DECLS
