/* zvfio: the channel subsystem model: subchannels (all sets) and their ccw devices. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

#define ZV_CSS_DEVICES "/sys/bus/css/devices"
/* The channel subsystem device every subchannel is a child of (Linux has one). */
#define ZV_CSS0 "/sys/devices/css0"
#define ZV_CCW_DEVICES "/sys/bus/ccw/devices"

/* Subchannel types (the "type" attribute). */
enum {
  ZV_SCH_TYPE_IO = 0,
  ZV_SCH_TYPE_CHSC = 1,
  ZV_SCH_TYPE_MSG = 2,
  ZV_SCH_TYPE_ADM = 3,
};

/* A ccw device (child of an I/O subchannel bound to io_subchannel). */
typedef struct {
  char *id;                 /* "0.1.0005" */
  ZvBusId busid;
  char *cutype;             /* "3990/e9", NULL if absent/garbage */
  char *devtype;            /* "3390/0c", NULL for "n/a" or absent */
  int online;               /* 1, 0, -1 if absent */
  char *availability;       /* "good", ...; NULL if absent */
  char *driver;             /* NULL if unbound */
  char *path;               /* canonical sysfs path */
} ZvCcwDevice;

/* A subchannel and everything related to it. */
typedef struct {
  char *id;                 /* "0.0.0313" */
  ZvBusId busid;
  int type;                 /* ZV_SCH_TYPE_*, -1 if absent/garbage */
  char *driver;             /* NULL if unbound */
  char *driver_override;    /* NULL if "(null)" or absent */
  gboolean has_driver_override_attr;
  gboolean has_chpids;
  guint8 chpids[8];
  gboolean has_pimpampom;
  guint8 pimpampom[3];
  char *dev_busid;          /* NULL if absent or "none" */
  ZvCcwDevice *device;      /* NULL if none */
  gboolean qdio;            /* ccw device cutype 1731/xx */
  GPtrArray *mdev_types;    /* ZvMdevType */
  GPtrArray *mdevs;         /* ZvMdev, active and/or defined */
  char *path;               /* canonical sysfs path */
} ZvSubchannel;

/* Frees a ccw device. */
void zv_ccw_device_free (ZvCcwDevice *dev);
/* Frees a subchannel. */
void zv_subchannel_free (ZvSubchannel *sch);
/* Human name of a subchannel type ("io", "chsc", "message", "adm"), NULL if unknown. */
const char *zv_subchannel_type_name (int type);

/* What zv_subchannel_load_flags reads. */
typedef enum {
  ZV_LOAD_ALL = 0,
  /* only what `zvfio list`'s table shows (and warns about): no driver_override
   * value, no ccw availability or driver, dev_busid only without a ccw device, no
   * mdev types for a subchannel whose ccw device the bus links (it has none) */
  ZV_LOAD_TABLE = 1 << 0,
} ZvLoadFlags;

/* Loads the subchannel at the canonical sysfs directory DIR (no mdevs or
 * definitions; see zv_inventory). Problems are appended to WARNINGS. */
ZvSubchannel *zv_subchannel_load (ZvDir *dir, GPtrArray *warnings, GError **error);
/* The same, reading what FLAGS (ZvLoadFlags) ask for. */
ZvSubchannel *zv_subchannel_load_flags (ZvDir *dir, guint flags, GPtrArray *warnings,
                                        GError **error);
/* The same, with CHILD the name of the subchannel's ccw device as the ccw bus
 * links it (zv_css_ccw_links_lookup), or NULL: then the directory is listed to
 * find it. With CHILD the directory is not listed; the device is opened by that
 * name as a real child directory, and when that fails (gone, moved, a link) the
 * directory is listed after all. */
ZvSubchannel *zv_subchannel_load_child (ZvDir *dir, guint flags, const char *child,
                                        GPtrArray *warnings, GError **error);
/* Loads the ccw device at DIR. */
ZvCcwDevice *zv_ccw_device_load (ZvDir *dir, GPtrArray *warnings, GError **error);

/* The ccw device of each subchannel below css0 as the ccw bus links name it
 * (/sys/bus/ccw/devices/<device> -> ../../../devices/css0/<subchannel>/<device>),
 * from one listing of the bus and one readlinkat per device; NULL without a
 * ccw bus. Only a hint: zv_subchannel_load_child opens the device it names as
 * a child of the subchannel. Free with g_hash_table_unref. */
GHashTable *zv_css_ccw_links_read (ZvRoot *root);
/* The name of subchannel SCH_NAME's ccw device in LINKS, written to DEVICE;
 * FALSE when the bus links none to it. */
gboolean zv_css_ccw_links_lookup (GHashTable *links, const char *sch_name, char device[16]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvSubchannel, zv_subchannel_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvCcwDevice, zv_ccw_device_free)

/* Checks that the css bus exists below the root (ZV_ERROR_NOT_S390 otherwise). */
gboolean zv_css_require (ZvRoot *root, GError **error);

G_END_DECLS
