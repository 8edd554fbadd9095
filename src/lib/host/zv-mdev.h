/* zvfio: mediated devices: supported types, active mdevs and mdevctl's
 * persistent definitions (/etc/mdevctl.d/<parent>/<uuid>). */
#pragma once

#include <glib.h>
#include "zv-root.h"

G_BEGIN_DECLS

#define ZV_VFIO_CCW_MDEV_TYPE "vfio_ccw-io"
#define ZV_MDEVCTL_DIR "/etc/mdevctl.d"

/* One entry of <parent>/mdev_supported_types. */
typedef struct {
  char *id;                     /* "vfio_ccw-io" */
  char *name;                   /* "I/O subchannel (Non-QDIO)", NULL if absent */
  char *device_api;             /* "vfio-ccw", NULL if absent */
  gint64 available_instances;   /* -1 if absent or unreadable */
} ZvMdevType;

/* An mdev known to sysfs (active) and/or mdevctl (defined). */
typedef struct {
  char uuid[37];
  char *parent;                 /* parent device name, e.g. "0.0.0313" */
  char *type;                   /* mdev type id, NULL if unknown */
  gboolean active;
  gboolean defined;
  char *start;                  /* "auto" / "manual" when defined */
  char *driver;                 /* active: bound mdev driver */
  gint iommu_group;             /* active: iommu group number, -1 if none */
  char *path;                   /* active: canonical sysfs path */
} ZvMdev;

/* A parsed mdevctl definition file. */
typedef struct {
  char *mdev_type;
  char *start;                  /* "auto" or "manual" */
  guint n_attrs;
} ZvMdevConfig;

/* Frees an mdev type. */
void zv_mdev_type_free (ZvMdevType *type);
/* Frees an mdev. */
void zv_mdev_free (ZvMdev *mdev);
/* Frees a definition. */
void zv_mdev_config_free (ZvMdevConfig *config);

/* Parses mdevctl's definition JSON (as in the file or a callout's stdin).
 * Strict: mdev_type and start strings, start auto|manual, attrs array of
 * single-key string objects (or null/absent). Pure, no I/O. */
ZvMdevConfig *zv_mdev_config_parse (const char *data, gssize length, GError **error);
/* Serializes a config the way mdevctl writes it (pretty JSON, key order). */
char *zv_mdev_config_to_json (const char *mdev_type, const char *start);

/* Reads the mdev types below a parent device directory. */
GPtrArray *zv_mdev_types_load (ZvDir *parent_dir, GPtrArray *warnings);
/* Loads the active mdev UUID (a ZvMdev) from /sys/bus/mdev/devices/<uuid>, NULL if none. */
ZvMdev *zv_mdev_load_active (ZvRoot *root, const char *uuid, GError **error);
/* Lists the active mdevs whose parent is PARENT_DIR (entries named by UUID). */
GPtrArray *zv_mdev_list_active_in (ZvDir *parent_dir, GPtrArray *warnings);
/* Maps parent name -> GPtrArray of active ZvMdev, from /sys/bus/mdev/devices. */
GHashTable *zv_mdev_scan_active (ZvRoot *root, GPtrArray *warnings);
/* TRUE when /etc/mdevctl.d/PARENT holds a definition of UUID (lowercase), whatever
 * the case of its file name. */
gboolean zv_mdev_is_defined (ZvRoot *root, const char *parent, const char *uuid);
/* Lists mdevctl definitions for PARENT as ZvMdev (defined=TRUE). */
GPtrArray *zv_mdev_list_defined (ZvRoot *root, const char *parent, GPtrArray *warnings);
/* Lists the parent names with a definition directory in /etc/mdevctl.d. */
GPtrArray *zv_mdev_list_defined_parents (ZvRoot *root);
/* Merges active and defined mdevs of one parent into one sorted list. */
GPtrArray *zv_mdev_merge (GPtrArray *active, GPtrArray *defined);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvMdevConfig, zv_mdev_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvMdev, zv_mdev_free)

G_END_DECLS
