/* zvfio: ZvTarget, the one device a command, the callout or the hook acts on:
 * its bus, bind key and label, the loaded subchannel or PCI function (with
 * everything related), the mdev named, and the guest address it gets. Every
 * front end turns an ID (or a domain's <hostdev>) into a target the same way,
 * with zv_target_resolve / zv_target_from_hostdev. */
#pragma once

#include <glib.h>
#include "zv-bus.h"
#include "zv-domain.h"
#include "zv-inventory.h"
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* How zv_target_resolve reads an ID. */
typedef enum {
  ZV_TARGET_DEFAULT = 0,
  /* a ccw id that names no device gives a target without a subchannel, so
   * that the rules can explain why (cio_ignore, a devno given as parent) */
  ZV_TARGET_ALLOW_MISSING = 1 << 0,
  /* the ID is a subchannel id exactly (an mdev parent), never a devno */
  ZV_TARGET_SUBCHANNEL_ID = 1 << 1,
} ZvTargetFlags;

typedef struct {
  char *requested_id;         /* what the caller named, as given (for messages) */
  ZvId requested;             /* ... parsed once where it came in; the layers below take
                               * this, never the text (ZV_ID_INVALID: a target built
                               * from an inventory alone) */
  ZvInventory *inv;           /* the device and everything related; owns SCH and PCI */
  ZvBus bus;
  ZvSubchannel *sch;          /* css: the subchannel; NULL for a missing ccw id */
  ZvPciFunction *pci;         /* pci: the function */
  char *device;               /* subchannel id or PCI address (a missing id: as normalized) */
  char *name;                 /* how messages and hints name the device, in a form that
                               * resolves to exactly it: the devno (0.0.1234) when a bare
                               * devno does, else ccw:DEVNO; sch:ID for a subchannel without
                               * a devno; the PCI address; a missing id as normalized */
  char *key;                  /* "css-0.0.0313": record, lock and driverctl name */
  char *label;                /* "device 0.0.1234 (subchannel 0.0.0313)", "subchannel
                               * 0.0.0313" without a devno, "PCI function 0000:00:00.0" */
  char mdev[37];              /* the vfio-ccw mdev named (UUID id, hostdev), "" = none */
  gboolean mdev_active;       /* that mdev is active (not only defined) */
  gboolean managed;           /* a managed='yes' PCI hostdev: libvirt binds it itself */
  GError *not_found;          /* a missing ccw id: why it names no device */
  char *subchannel_of_devno;  /* a missing subchannel id that is a devno: its subchannel */
  gboolean has_guest_ccw;     /* the guest ccw address the device gets */
  ZvCcwAddress guest_ccw;
  gboolean has_guest_zpci;    /* the guest zPCI uid/fid the device gets */
  guint guest_uid, guest_fid;
  char *remote;               /* read from the node devices of this (remote) libvirt URI:
                               * no host fact of it is readable here (see zv-rules-remote.c);
                               * NULL: read from the root's sysfs */
} ZvTarget;

/* Parses a command-line ID (zv_parse_id), the one parse of a user's ID text;
 * ZV_ERROR_USAGE naming the forms. */
gboolean zv_target_parse_id (const char *text, ZvId *parsed, GError **error);
/* Sets the ZV_ERROR_USAGE error zv_target_parse_id gives for TEXT, which
 * zv_parse_id refused (for a front end that parsed TEXT itself). */
void zv_target_set_id_error (const char *text, GError **error);
/* Checks that the parent an mdev_<uuid>_<parent> name gives is T's subchannel. */
gboolean zv_target_check_mdev_parent (const ZvTarget *t, const ZvId *parsed, GError **error);
/* Resolves ID (a parsed devno, subchannel, PCI address, fid:X, mdev UUID,
 * libvirt node device name; TEXT as given, for messages) on ROOT to one
 * device. ZV_ERROR_NOT_FOUND when it names none (unless ALLOW_MISSING). With
 * ZV_TARGET_SUBCHANNEL_ID, ID's bus id is the subchannel. */
ZvTarget *zv_target_resolve_id (ZvRoot *root, const ZvId *id, const char *text, guint flags,
                                GError **error);
/* zv_target_resolve_id of TEXT, parsed once (zv_target_parse_id). */
ZvTarget *zv_target_resolve (ZvRoot *root, const char *text, guint flags, GError **error);
/* The target of a domain's vfio-ccw mdev or PCI hostdev HD, with its guest
 * address; NULL (and no error) for other hostdevs. */
ZvTarget *zv_target_from_hostdev (ZvRoot *root, const ZvHostdev *hd, GError **error);
/* zv_target_from_hostdev for a remote host: HD's device looked up in the
 * node devices of the libvirt URI (zv_target_resolve_nodedev). */
ZvTarget *zv_target_from_hostdev_nodedev (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                                          const ZvHostdev *hd, GError **error);
/* Sets the guest address of TARGET from its hostdev in DOMAIN, if it has one. */
void zv_target_set_guest_from_domain (ZvTarget *target, const ZvDomain *domain);
/* Resolves ID (parsed; TEXT as given, for messages) within the node devices
 * of a remote libvirt (DEVICE_XMLS, the XML of each, as
 * zv_nodedev_parse_inventory reads them; URI names that libvirt in messages):
 * the same ID forms and the same bare-ID rule as zv_target_resolve_id, but
 * nothing is read below ROOT (ROOT is only kept). fid: IDs are refused
 * (libvirt has no zPCI function ids); ZV_ERROR_NOT_FOUND when the libvirt
 * lists no such device. (zv-target-nodedev.c) */
ZvTarget *zv_target_resolve_nodedev (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                                     const ZvId *id, const char *text, GError **error);
/* The target of the only device of INV (taking INV), named TEXT in messages;
 * ZV_ERROR_NOT_FOUND unless it holds exactly one subchannel or PCI function. */
ZvTarget *zv_target_new_from_inventory (const char *text, ZvInventory *inv, GError **error);
/* The device number subchannel SCH carries (its ccw device, else dev_busid), or NULL. */
const char *zv_subchannel_devno (const ZvSubchannel *sch);
/* Sets T's name and label (see ZvTarget). DEVNO_NAMES_ANOTHER: a subchannel
 * other than T's is named like T's devno, so a bare devno would name both
 * (zv_target_resolve refuses it) and the name is ccw:DEVNO. */
void zv_target_set_names (ZvTarget *t, gboolean devno_names_another);
/* Notes mdev UUID in TARGET (and whether it is active on its subchannel). */
void zv_target_set_mdev (ZvTarget *target, const char *uuid);
/* Frees a target. */
void zv_target_free (ZvTarget *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvTarget, zv_target_free)

G_END_DECLS
