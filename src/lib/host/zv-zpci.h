/* zvfio: the zPCI model: PCI functions with s390 function attributes. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

#define ZV_PCI_DEVICES "/sys/bus/pci/devices"
#define ZV_PCI_SLOTS "/sys/bus/pci/slots"
#define ZV_PFT_ISM 0x05
#define ZV_ISM_VENDOR 0x1014
#define ZV_ISM_DEVICE 0x04ed

/* A 32-bit attribute value that may be absent. */
typedef struct {
  gboolean present;
  guint32 value;
} ZvOptU32;

/* A zPCI function. */
typedef struct {
  char *address;            /* "0005:00:00.0" */
  ZvPciAddress pci;
  ZvOptU32 vendor, device, class_code;
  ZvOptU32 fid, fh, uid, pchid, pfgid, vfn, pft, port;
  int uid_is_unique;        /* 1, 0, -1 absent */
  int mio_enabled;          /* 1, 0, -1 absent */
  int slot_power;           /* 1, 0, -1 no slot */
  gboolean has_pfip;
  guint8 pfip[4];
  char *util_string;        /* decoded, NULL if absent/undecodable */
  char *driver;             /* NULL if unbound */
  char *driver_override;    /* NULL if "(null)" or absent */
  gint iommu_group;         /* -1 if none */
  gboolean ism;             /* vendor 0x1014, device 0x04ed and pft 0x05 */
  char *path;               /* canonical sysfs path */
} ZvPciFunction;

/* Frees a PCI function. */
void zv_pci_function_free (ZvPciFunction *fn);
/* Loads the PCI function at DIR; returns NULL (no error) if it has no function_id. */
ZvPciFunction *zv_pci_function_load (ZvDir *dir, GPtrArray *warnings, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvPciFunction, zv_pci_function_free)

G_END_DECLS
