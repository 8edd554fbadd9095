/* zvfio: libvirt <hostdev> elements for vfio-ccw mdevs and zPCI functions:
 * generating them, choosing free guest addresses, and inserting/removing them
 * in a domain XML. Pure (strings and structs in and out, no I/O). */
#pragma once

#include <glib.h>
#include "zv-domain.h"
#include "zv-parse.h"

G_BEGIN_DECLS

/* Writes the <hostdev> element for HD (kind MDEV_CCW or PCI) with libvirt's
 * layout; LOADPARM (or NULL) goes into <boot> when HD has a boot order. */
char *zv_hostdev_to_xml (const ZvHostdev *hd, const char *loadparm);

/* Parses a guest ccw address "fe.S.DDDD" (hex cssid, ssid 0..3, devno up to 4 hex digits,
 * optional 0x prefixes). Range errors are ZV_ERROR_USAGE. */
gboolean zv_hostdev_parse_guest_devno (const char *text, ZvCcwAddress *out, GError **error);
/* Checks and normalizes (uppercase) a boot loadparm: 1..8 of A-Z 0-9 '.' ' '. */
char *zv_hostdev_normalize_loadparm (const char *text, GError **error);

/* Picks a free guest ccw address in DOMAIN (may be NULL): fe.S.DDDD of the host
 * devno HOST when given and free, else the lowest free one from fe.0.0000 upwards
 * (ssid 0 first, then 1..3). FALSE when all are used. */
gboolean zv_hostdev_pick_devno (const ZvDomain *domain, const ZvBusId *host, ZvCcwAddress *out);
/* Picks a free zPCI uid (1..0xffff) in DOMAIN: HOST_UID when it is in range and free,
 * else the lowest free one. FALSE when all are used. */
gboolean zv_hostdev_pick_uid (const ZvDomain *domain, gboolean has_host_uid, guint host_uid,
                              guint *out);
/* Picks a free zPCI fid in DOMAIN: HOST_FID when free, else the lowest free from 0. */
gboolean zv_hostdev_pick_fid (const ZvDomain *domain, gboolean has_host_fid, guint host_fid,
                              guint *out);

/* Returns DOMAIN_XML with HOSTDEV_XML appended to <devices> (created when missing). */
char *zv_hostdev_domain_insert (const char *domain_xml, const char *hostdev_xml, GError **error);
/* Returns DOMAIN_XML without the hostdevs using mdev UUID (if UUID) or host PCI
 * address PCI (if PCI); *REMOVED gets the removed elements' XML (the first one).
 * ZV_ERROR_NOT_FOUND when the domain has no such hostdev. */
char *zv_hostdev_domain_remove (const char *domain_xml, const char *uuid, const char *pci,
                                char **removed, GError **error);

G_END_DECLS
