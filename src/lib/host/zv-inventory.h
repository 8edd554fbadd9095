/* zvfio: the host inventory: every subchannel (all sets) with its ccw device,
 * mdev types, mdevs and definitions, and every zPCI function. */
#pragma once

#include <glib.h>
#include "zv-css.h"
#include "zv-mdev.h"
#include "zv-parse.h"
#include "zv-root.h"
#include "zv-zpci.h"

G_BEGIN_DECLS

/* Which part of the inventory to read. */
typedef enum {
  ZV_SCOPE_CCW = 1 << 0,
  ZV_SCOPE_PCI = 1 << 1,
  ZV_SCOPE_ALL = ZV_SCOPE_CCW | ZV_SCOPE_PCI,
} ZvScope;

typedef struct {
  ZvRoot *root;
  guint scope;
  GPtrArray *subchannels;     /* ZvSubchannel, by ssid then number */
  GPtrArray *pci_functions;   /* ZvPciFunction, by address */
  GPtrArray *standby_functions; /* ZvPciFunction of a hotplug slot in standby (power 0,
                                 * no PCI device yet): only fid and slot_power, by fid */
  GPtrArray *warnings;        /* strings */
  GPtrArray *orphan_mdevs;    /* ZvMdev defined for a parent that does not exist */
} ZvInventory;

/* Creates an empty inventory for ROOT covering SCOPE. */
ZvInventory *zv_inventory_new (ZvRoot *root, guint scope);
/* Frees an inventory. */
void zv_inventory_free (ZvInventory *inv);
/* Reads the whole inventory in SCOPE. ZV_ERROR_NOT_S390 when the css bus is
 * missing and SCOPE includes ccw. */
ZvInventory *zv_inventory_scan (ZvRoot *root, guint scope, GError **error);
/* Receives one subchannel of a scan; takes SCH. */
typedef void (*ZvSubchannelFunc) (ZvSubchannel *sch, gpointer user_data);
/* Reads the subchannels like zv_inventory_scan (FLAGS: ZvLoadFlags), handing
 * each to FUNC in (ssid, number) order as it is read, so memory does not grow
 * with the host; warnings and orphan mdevs go to INV. */
gboolean zv_inventory_scan_css_each (ZvInventory *inv, guint flags, ZvSubchannelFunc func,
                                     gpointer user_data, GError **error);
/* Reads all zPCI functions into INV. */
gboolean zv_inventory_scan_pci (ZvInventory *inv, GError **error);
/* Orders subchannels (elements of a GPtrArray) by ssid, then number. */
gint zv_subchannel_compare (gconstpointer a, gconstpointer b);
/* Reads only what ID (a parsed devno, subchannel, PCI address, fid:X, mdev
 * UUID) names, with everything related; ZV_ERROR_NOT_FOUND when nothing matches. */
ZvInventory *zv_inventory_lookup (ZvRoot *root, const ZvId *id, GError **error);
/* Loads subchannel SCH with its mdevs and definitions. */
ZvSubchannel *zv_inventory_load_subchannel (ZvRoot *root, const ZvBusId *sch,
                                            GPtrArray *warnings, GError **error);
/* Puts subchannels in (ssid, number) and PCI functions in address order. */
void zv_inventory_sort (ZvInventory *inv);
/* Returns the subchannel in INV with id SCH_ID, or NULL. */
ZvSubchannel *zv_inventory_get_subchannel (ZvInventory *inv, const char *sch_id);
/* Returns the PCI function in INV with ADDRESS, or NULL. */
ZvPciFunction *zv_inventory_get_pci (ZvInventory *inv, const char *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvInventory, zv_inventory_free)

G_END_DECLS
