/* zvfio: the parts of a libvirt domain XML that passthrough cares about.
 * Parsing is pure (string in, struct out), so it can be fuzzed.
 * (API fixed here; implemented in zv-domain.c.) */
#pragma once

#include <glib.h>
#include "zv-parse.h"

G_BEGIN_DECLS

/* The most host devices zvfio handles in one domain. The hook's state record of a
 * domain lists at most this many bindings and mdevs: a larger domain is refused
 * when its XML is read, before anything is changed, never at release. */
#define ZV_DOMAIN_MAX_HOSTDEVS 256

/* Namespace of zvfio's element in a domain's <metadata>:
 *   <zvfio:hook xmlns:zvfio="urn:zvfio:metadata:1" offline="allow"/>
 * (schemas/zvfio-domain-metadata.rng; set with virsh metadata --uri). */
#define ZV_DOMAIN_METADATA_NS "urn:zvfio:metadata:1"

/* A CCW address used by the domain (any device: virtio, vfio-ccw, ...). */
typedef struct {
  guint cssid, ssid, devno;
} ZvCcwAddress;

/* The only cssid guests without MCSS-E see. */
#define ZV_GUEST_CSSID 0xfe

/* A passthrough host device of the domain. */
typedef enum {
  ZV_HOSTDEV_MDEV_CCW,     /* <hostdev type='mdev' model='vfio-ccw'> */
  ZV_HOSTDEV_PCI,          /* <hostdev type='pci'> (zPCI on s390x) */
  ZV_HOSTDEV_OTHER,
} ZvHostdevKind;

typedef struct {
  ZvHostdevKind kind;
  char uuid[37];                  /* MDEV_CCW: source mdev UUID */
  gboolean has_ccw_address;       /* MDEV_CCW: guest <address type='ccw'> */
  ZvCcwAddress ccw;
  char *pci_source;               /* PCI: host address "0000:00:00.0" */
  ZvPciAddress pci;               /* PCI: the same, as read (never parsed from PCI_SOURCE) */
  gboolean has_uid, has_fid;      /* PCI: <zpci uid fid> */
  guint uid, fid;
  gboolean managed;
  gint boot_order;                /* 0 = none */
} ZvHostdev;

struct _ZvDomain {
  char *name;
  char *uuid;
  char *type;                     /* "kvm", "qemu", "test" */
  char *arch;                     /* os/type/@arch, NULL if absent */
  char *machine;                  /* os/type/@machine, e.g. "s390-ccw-virtio-7.2" */
  char *emulator;                 /* devices/emulator */
  gboolean secure_execution;      /* <launchSecurity type='s390-pv'/> */
  gboolean hook_offline;          /* metadata <zvfio:hook offline='allow'/>: zvfio-hook may
                                     set online ccw devices offline (online again on release) */
  GPtrArray *hostdevs;            /* ZvHostdev*, at most ZV_DOMAIN_MAX_HOSTDEVS */
  GArray *ccw_addresses;          /* ZvCcwAddress of every device with a ccw address */
  GArray *zpci_uids;              /* guint: every <zpci uid> in the domain */
  GArray *zpci_fids;              /* guint: every <zpci fid> in the domain */
};

typedef struct _ZvDomain ZvDomain;

/* Frees a domain. */
void zv_domain_free (ZvDomain *domain);
/* Parses domain XML (rejects DTDs/external entities; size-limited). */
ZvDomain *zv_domain_parse (const char *xml, gssize length, GError **error);
/* Adds to INTO what FROM (the same domain's other definition, e.g. the one it runs
 * with) has and INTO lacks: hostdevs (by mdev UUID or PCI address), guest ccw
 * addresses, zPCI uids and fids. */
void zv_domain_merge (ZvDomain *into, const ZvDomain *from);
/* TRUE when DOMAIN (may be NULL) uses the ccw address ADDR. */
gboolean zv_domain_uses_ccw_address (const ZvDomain *domain, const ZvCcwAddress *addr);
/* TRUE when VALUES (guint, e.g. zpci_uids; may be NULL) holds VALUE. */
gboolean zv_domain_values_have (GArray *values, guint value);
/* TRUE when the domain has vfio-ccw mdev or PCI hostdevs. */
gboolean zv_domain_has_passthrough (const ZvDomain *domain);
/* Finds the domain hostdev using mdev UUID, or NULL. */
const ZvHostdev *zv_domain_find_mdev (const ZvDomain *domain, const char *uuid);
/* Finds the domain hostdev using host PCI ADDRESS, or NULL. */
const ZvHostdev *zv_domain_find_pci (const ZvDomain *domain, const char *address);
/* How many hostdevs of DOMAIN use mdev UUID (a domain may hold a device once). */
guint zv_domain_count_mdev (const ZvDomain *domain, const char *uuid);
/* How many hostdevs of DOMAIN use host PCI ADDRESS. */
guint zv_domain_count_pci (const ZvDomain *domain, const char *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvDomain, zv_domain_free)

G_END_DECLS
