/* zvfio: the devno hints: /run/zvfio/devno/<devno> names the subchannel that held
 * device number <devno> when zvfio bound it to vfio_ccw. The kernel has no devno
 * index for a subchannel without a ccw device (vfio_ccw-bound); this one makes
 * finding it constant-time. A hint is only a hint: a lookup verifies it against
 * the subchannel's dev_busid in sysfs, and a stale or missing one falls back to
 * reading the subchannels, so it can never pick the wrong device. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

#define ZV_DEVNO_HINT_DIR "/run/zvfio/devno"

/* Records that the subchannel at DIR (its dev_busid, read now) holds that devno.
 * Best effort: FALSE (nothing written) when dev_busid names no device. */
gboolean zv_devno_hint_save (ZvRoot *root, ZvDir *subchannel_dir, GError **error);
/* Sets *SCH to the subchannel the hint for DEVNO names, verified: it exists
 * below /sys/bus/css/devices and its dev_busid is DEVNO. FALSE otherwise. */
gboolean zv_devno_hint_lookup (ZvRoot *root, const ZvBusId *devno, ZvBusId *sch);

G_END_DECLS
