/* zvfio: libvirt node-device XML for subchannels, ccw devices, mdevs and PCI
 * functions, structured exactly as libvirt 9.0's udev driver prints them. */
#pragma once

#include <glib.h>
#include "zv-inventory.h"
#include "zv-pci-nodedev.h"

G_BEGIN_DECLS

/* libvirt's node device name of a subchannel ("css_0_0_0001"). */
char *zv_nodedev_css_name (const ZvSubchannel *sch);
/* libvirt's node device name of a ccw device ("ccw_0_0_1234"). */
char *zv_nodedev_ccw_name (const ZvCcwDevice *dev);
/* libvirt's node device name of an mdev ("mdev_<uuid with _>_0_0_0001"). */
char *zv_nodedev_mdev_name (const ZvMdev *mdev);
/* libvirt's node device name of a PCI function ("pci_0005_00_00_0"). */
char *zv_nodedev_pci_name (const ZvPciFunction *fn);
/* TRUE when libvirt 9.0 lists this subchannel (driver io_subchannel or vfio_ccw). */
gboolean zv_nodedev_lists_subchannel (const ZvSubchannel *sch);

/* XML of the css node device. */
char *zv_nodedev_css_xml (const ZvSubchannel *sch);
/* XML of the ccw node device of SCH's device. */
char *zv_nodedev_ccw_xml (const ZvSubchannel *sch);
/* XML of an mdev node device below SCH. */
char *zv_nodedev_mdev_xml (const ZvSubchannel *sch, const ZvMdev *mdev);
/* XML of the pci node device of FN, with what ND read beyond zvfio's model. */
char *zv_nodedev_pci_xml (const ZvPciFunction *fn, const ZvPciNodedev *nd);
/* XML of every node device libvirt would list for INV, one <device> after another. */
char *zv_nodedev_inventory_xml (const ZvInventory *inv);

G_END_DECLS
