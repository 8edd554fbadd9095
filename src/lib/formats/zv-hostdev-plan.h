/* zvfio: planning the <hostdev> of a target for a domain: the mdev of a
 * subchannel (the one named, else its only vfio_ccw-io mdev) and the guest
 * address (the one asked for, else a free one). Pure: no I/O. */
#pragma once

#include <glib.h>
#include "zv-domain.h"
#include "zv-hostdev.h"
#include "zv-target.h"

G_BEGIN_DECLS

/* What the caller asks of a <hostdev> (zvfio hostdev / attach options). */
typedef struct {
  const char *guest_devno;   /* fe.S.DDDD, NULL: pick a free one */
  gboolean has_uid, has_fid;
  guint uid, fid;            /* zPCI guest identity, picked when not given */
  gint boot_order;           /* 0: none */
  const char *loadparm;
  gboolean managed;          /* PCI: libvirt binds vfio-pci itself */
  gboolean define;           /* define a vfio_ccw-io mdev when the subchannel has none */
  gboolean force;            /* forceable rules only warn */
} ZvHostdevOptions;

/* Plans HD for TARGET in DOMAIN (may be NULL) and sets TARGET's guest address
 * to match. *NEEDS_DEFINE is set when the subchannel has no vfio-ccw mdev yet. */
gboolean zv_hostdev_plan (ZvTarget *target, const ZvHostdevOptions *opts, const ZvDomain *domain,
                          ZvHostdev *hd, gboolean *needs_define, GError **error);

G_END_DECLS
