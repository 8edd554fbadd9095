/* zvfio: the inventory rebuilt from libvirt node device XML (css, ccw, mdev
 * and pci capabilities), so a remote host can be listed with the same tables
 * and JSON keys as a local one. Pure: XML strings in, a ZvInventory out.
 *
 * What libvirt does not tell is left unknown: subchannel chpids/pim-pam-pom,
 * ccw cutype/devtype, mdev definitions, and every zPCI attribute (fid, uid,
 * pft...). An mdev counts as active when libvirt shows a sysfs <path>; an ISM
 * function is recognised by vendor 0x1014 / device 0x04ed alone. */
#pragma once

#include <glib.h>
#include "zv-inventory.h"

G_BEGIN_DECLS

/* Builds an inventory (owned by ROOT, for the free function) from the XML of
 * node devices; devices that cannot be understood become warnings. */
ZvInventory *zv_nodedev_parse_inventory (ZvRoot *root, GPtrArray *device_xmls);

G_END_DECLS
