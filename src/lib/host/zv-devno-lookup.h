/* zvfio: finding the subchannel that holds a device number (devno). The kernel
 * indexes devnos only for ccw devices (/sys/bus/ccw/devices/<devno>), which exist
 * only below subchannels bound to io_subchannel (css_sch_is_valid: an I/O
 * subchannel is registered only with a valid devno, and a cio_ignore'd devno has
 * none). A devno without a ccw device therefore sits on a subchannel of the same
 * subchannel set that is NOT bound to io_subchannel: bound to vfio_ccw, to another
 * driver, or to none. Those candidates are the set difference of two directory
 * listings (the css bus minus the io_subchannel driver), so only they are opened;
 * every answer is verified by the subchannel's dev_busid. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* Sets *SCH to the subchannel holding device number DEVNO (0.0.1234, parsed),
 * verified: through the ccw bus when the ccw device exists, else zvfio's devno
 * hint, the subchannel of the same number, and the subchannels of DEVNO's set
 * not bound to io_subchannel (each read once). ZV_ERROR_NOT_FOUND when none
 * holds it; a subchannel whose ccw device is not registered yet is not found
 * (fail closed). */
gboolean zv_devno_lookup_subchannel (ZvRoot *root, const ZvBusId *devno, ZvBusId *sch,
                                     GError **error);

G_END_DECLS
