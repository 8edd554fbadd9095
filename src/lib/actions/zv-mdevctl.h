/* zvfio: running the real mdevctl (no shell; argv only) for vfio_ccw-io mdevs.
 * (API fixed here; implemented in zv-mdevctl.c.) */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* mdevctl define -p PARENT -t vfio_ccw-io [-u UUID] [--auto]; returns the UUID.
 * PARENT is a subchannel, parsed where it came in (written as the kernel names it). */
char *zv_mdevctl_define (ZvRoot *root, const ZvBusId *parent, const char *uuid,
                         gboolean autostart, GError **error);
/* mdevctl undefine -u UUID -p PARENT: that parent's definition only (without -p,
 * mdevctl removes the UUID's definitions on every parent). */
gboolean zv_mdevctl_undefine_on (ZvRoot *root, const char *uuid, const ZvBusId *parent,
                                 GError **error);
/* mdevctl start -u UUID (a defined mdev), or with PARENT a transient vfio_ccw-io one. */
gboolean zv_mdevctl_start (ZvRoot *root, const char *uuid, const ZvBusId *parent,
                           GError **error);
/* mdevctl stop -u UUID. */
gboolean zv_mdevctl_stop (ZvRoot *root, const char *uuid, GError **error);
/* Full path of mdevctl, or an error naming the package to install. */
char *zv_mdevctl_find (GError **error);

G_END_DECLS
