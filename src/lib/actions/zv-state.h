/* zvfio: records of what zvfio changed on the host, kept under /run/zvfio so that
 * release (zvfio release, zvfio-hook release end) undoes exactly that and nothing
 * else, also after a libvirtd restart. Files are JSON, written atomically.
 *
 *   /run/zvfio/bind/<bus>-<device>.json   one driver binding (ZvBindRecord)
 *   /run/zvfio/<domain>.json              one domain's bring-up (zv-domain-state.h)
 *
 * Loading, saving or removing a record first clears its directory of the temporary
 * files a killed writer left (zv_temp_sweep_before_write, once per process). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "zv-bus.h"
#include "zv-paths.h"
#include "zv-root.h"

G_BEGIN_DECLS

#define ZV_STATE_BIND_DIR ZV_STATE_DIR "/bind"
/* Version written. Version 2 added the intent fields ("phase", "step",
 * "unpersist"); version-1 records are still read (as completed, "prepared"). */
#define ZV_STATE_VERSION 2

/* Where the operation a record describes stands (its intent). */
typedef enum {
  ZV_PHASE_PREPARING,  /* prepare under way: written before its first change */
  ZV_PHASE_PREPARED,   /* prepare done: release undoes it */
  ZV_PHASE_RELEASING,  /* release under way: written before its first change */
} ZvPhase;

/* The steps of a prepare, in order; ZvBindRecord.step is the last one started. */
typedef enum {
  ZV_STEP_NONE = 0,
  ZV_STEP_OFFLINE,     /* ccw device set offline */
  ZV_STEP_OVERRIDE,    /* driver_override written */
  ZV_STEP_UNBIND,      /* unbound from the previous driver */
  ZV_STEP_PROBE,       /* drivers_probe: bound to the vfio driver */
  ZV_STEP_PERSIST,     /* driverctl override written */
} ZvStep;

/* What one prepare changed on one device. */
typedef struct {
  ZvBus bus;
  char *device;              /* "0.0.0313" or "0000:00:00.0" */
  char *driver;              /* the vfio driver zvfio bound: "vfio_ccw" / "vfio-pci" */
  gboolean rebound;          /* FALSE: the device already had DRIVER (only persist changed) */
  char *previous_driver;     /* driver before prepare, NULL = unbound */
  char *previous_override;   /* driver_override before prepare, NULL = "(null)" */
  char *offline_ccw_device;  /* ccw device zvfio set offline, NULL = none */
  gboolean persist;          /* zvfio wrote the driverctl override file */
  char *previous_persist;    /* that file's previous driver, NULL = no file */
  char *domain;              /* owner: the domain whose hook made it, NULL = zvfio CLI */
  ZvPhase phase;             /* the operation under way, or PREPARED */
  ZvStep step;               /* PREPARING: the last step started (maybe not finished) */
  gboolean unpersist;        /* RELEASING: the release restores the driverctl override */
} ZvBindRecord;


/* Allocates an empty record for DEVICE on BUS. */
ZvBindRecord *zv_bind_record_new (ZvBus bus, const char *device);
/* Frees a record. */
void zv_bind_record_free (ZvBindRecord *record);
/* Serializes a record as JSON text. */
char *zv_bind_record_to_json (const ZvBindRecord *record);
/* Parses and validates a record (pure, no I/O). */
ZvBindRecord *zv_bind_record_parse (const char *data, gssize length, GError **error);

/* "preparing", "prepared", "releasing". */
const char *zv_phase_name (ZvPhase phase);
/* Parses a phase name; FALSE for an unknown one. */
gboolean zv_phase_from_name (const char *name, ZvPhase *phase);

/* Writes the record file of RECORD atomically. */
gboolean zv_state_save_binding (ZvRoot *root, const ZvBindRecord *record, GError **error);
/* Loads the record of DEVICE on BUS; NULL without error when there is none. */
ZvBindRecord *zv_state_load_binding (ZvRoot *root, ZvBus bus, const char *device,
                                     GError **error);
/* The keys ("css-0.0.0313") of every binding record in /run/zvfio/bind (sorted;
 * file names that are no key are skipped). */
GPtrArray *zv_state_list_bindings (ZvRoot *root, GError **error);
/* Removes the record of DEVICE on BUS (a missing one is fine). */
gboolean zv_state_remove_binding (ZvRoot *root, ZvBus bus, const char *device, GError **error);

/* TRUE when NAME can be used as a domain state file name: non-empty valid UTF-8,
 * at most 200 bytes, no '/', no control characters, not starting with '.'. */
gboolean zv_state_domain_name_is_valid (const char *name);
/* Shared by the state files (zv-domain-state.c): JSON text of BUILDER's root. */
char *zv_state_builder_to_text (JsonBuilder *builder);
/* Parses DATA as a state object of version 1..ZV_STATE_VERSION (WHAT names it
 * in errors); *VERSION receives the version. */
JsonParser *zv_state_parse_object (const char *data, gssize length, const char *what,
                                   JsonObject **out, gint64 *version, GError **error);
/* Reads the version-2 member "phase" (PREPARED for version 1). */
gboolean zv_state_get_phase (JsonObject *object, gint64 version, ZvPhase *phase,
                             const char *what, GError **error);
/* Reads member KEY: a string (nullable when NULLABLE); *OUT borrows it. */
gboolean zv_state_get_string (JsonObject *object, const char *key, gboolean nullable,
                              const char **out, const char *what, GError **error);
/* Sets an "invalid value of KEY" error for WHAT. */
void zv_state_set_invalid (GError **error, const char *what, const char *key, const char *value);
/* The names of the record files (<name>.json) in DIR_PATH that ACCEPT takes,
 * sorted; empty when the directory does not exist. */
GPtrArray *zv_state_list_records (ZvRoot *root, const char *dir_path,
                                  gboolean (*accept) (const char *name), GError **error);
/* Reads a state file (size-limited); NULL without error when it does not exist. */
char *zv_state_read_file (ZvRoot *root, const char *path, gsize *length, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvBindRecord, zv_bind_record_free)

G_END_DECLS
