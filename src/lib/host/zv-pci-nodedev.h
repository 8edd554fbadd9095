/* zvfio: what libvirt 9.0's node-device driver reads about a PCI function
 * beyond zvfio's zPCI model (zv-zpci.h), read from the same files libvirt
 * reads: the vendor and product names (libpciaccess's lookup in pci.ids), the
 * header type and the PCI Express link (the config space), the SR-IOV links,
 * the IOMMU group's members, mdev types and the NUMA node. The pci.ids and
 * config-space parsers are pure (no I/O) so that the fuzz harness can call
 * them; zv_pci_names_read and zv_pci_nodedev_read do the reading. */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-zpci.h"

G_BEGIN_DECLS

/* Where Debian's libpciaccess (PCIIDS_PATH) looks for the PCI id database:
 * the compressed file first, then the plain one. */
#define ZV_PCI_IDS_GZ "/usr/share/misc/pci.ids.gz"
#define ZV_PCI_IDS "/usr/share/misc/pci.ids"

/* Vendor and device names looked up in pci.ids for a set of wanted ids. */
typedef struct _ZvPciNames ZvPciNames;

/* A lookup with no id wanted yet. */
ZvPciNames *zv_pci_names_new (void);
/* Frees the lookup. */
void zv_pci_names_free (ZvPciNames *names);
/* Asks for the names of VENDOR and of its DEVICE. */
void zv_pci_names_want (ZvPciNames *names, guint32 vendor, guint32 device);
/* Feeds one line of pci.ids (without its newline), as libpciaccess reads it:
 * in fgets chunks of 127 bytes, the first vendor line and the first device
 * line of a wanted id win, a name is the text after "XXXX  ". Pure. */
void zv_pci_names_feed_line (ZvPciNames *names, const char *line);
/* Feeds a whole pci.ids text of LENGTH bytes, line by line. Pure. */
void zv_pci_names_feed_text (ZvPciNames *names, const char *text, gsize length);
/* The vendor's name, NULL when pci.ids has none (or was not read). */
const char *zv_pci_names_vendor (const ZvPciNames *names, guint32 vendor);
/* The device's name, NULL when pci.ids has none (or was not read). */
const char *zv_pci_names_device (const ZvPciNames *names, guint32 vendor, guint32 device);
/* Reads ROOT's pci.ids (ZV_PCI_IDS_GZ, else ZV_PCI_IDS) into NAMES. Neither
 * file: no names (libvirt prints the ids alone), not an error. A file that
 * exists but cannot be read or decompressed: FALSE with ERROR naming it. */
gboolean zv_pci_names_read (ZvPciNames *names, ZvRoot *root, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvPciNames, zv_pci_names_free)

/* libvirt's PCI header types (virPCIHeader): what <capability type=...> names. */
typedef enum {
  ZV_PCI_HEADER_ENDPOINT = 0,     /* not printed */
  ZV_PCI_HEADER_PCI_BRIDGE = 1,   /* <capability type='pci-bridge'/> */
  ZV_PCI_HEADER_CARDBUS_BRIDGE = 2,
} ZvPciHeaderType;

/* What libvirt 9.0 takes from a function's config space. */
typedef struct {
  guint header_type;        /* header type byte & 0x7f; libvirt lists no function whose
                             * value is above ZV_PCI_HEADER_CARDBUS_BRIDGE */
  gboolean pcie;            /* <pci-express>: a PCI Express capability, or (none found)
                             * a config file whose size is not 256 bytes */
  gboolean link;            /* <link> elements: an Express capability that is not a root
                             * complex integrated endpoint or event collector */
  guint cap_port, cap_speed, cap_width;   /* Link Capabilities */
  guint sta_speed, sta_width;             /* Link Status */
} ZvPciConfigInfo;

/* Reads CONFIG (LENGTH bytes read from the config file; bytes past them read
 * as 0, as libvirt's short reads do) the way libvirt's virPCIDeviceInit,
 * virPCIGetHeaderType and virPCIDeviceGetLinkCapSta do; FILE_SIZE is the
 * config file's size (stat), -1 when unknown. The capability list is followed
 * for at most 48 entries (libvirt follows a looping list forever). Pure. */
void zv_pci_config_parse (const guint8 *config, gsize length, gint64 file_size,
                          ZvPciConfigInfo *out);

/* Everything a PCI node device shows beyond ZvPciFunction. */
typedef struct {
  char *parent;             /* node-device name of the parent: "computer" or "pci_..." */
  char *vendor_name;        /* from pci.ids, NULL = none */
  char *product_name;
  ZvPciConfigInfo config;
  gboolean config_short;    /* fewer bytes read than the file holds (zvfio is not root) */
  gboolean has_physfn;      /* a physfn link: this is a virtual function of PHYSFN */
  ZvPciAddress physfn;
  GArray *virtfns;          /* ZvPciAddress: the targets of virtfn0, virtfn1, ... */
  guint32 totalvfs;         /* sriov_totalvfs, 0 when absent */
  gint iommu_group;         /* -1: no iommu_group link */
  GArray *iommu_members;    /* ZvPciAddress: the group's devices, sorted by name */
  GPtrArray *mdev_types;    /* ZvMdevType, by id */
  gint numa_node;           /* -1: absent (s390) or negative */
  gboolean has_vpd;         /* a vpd file libvirt would parse (zvfio leaves it out) */
} ZvPciNodedev;

/* Frees the node-device facts. */
void zv_pci_nodedev_free (ZvPciNodedev *nd);
/* Reads what libvirt 9.0 reads about FN below ROOT; NAMES (may be NULL) gives
 * the pci.ids names. NULL with ZV_ERROR_NOT_FOUND when libvirt would not list
 * FN at all (no config file, no vendor/device id, an unknown header type, an
 * iommu group entry that is not a PCI address), naming why. Unreadable
 * optional parts become WARNINGS. */
ZvPciNodedev *zv_pci_nodedev_read (ZvRoot *root, const ZvPciFunction *fn,
                                   const ZvPciNames *names, GPtrArray *warnings,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvPciNodedev, zv_pci_nodedev_free)

G_END_DECLS
