/* zvfio: the devices the host needs for its next boot or its dump: the IPL
 * device (/sys/firmware/ipl), the re-IPL device (/sys/firmware/reipl) and the
 * stand-alone dump device (/sys/firmware/dump), each a ccw device number or a
 * zPCI function id (NVMe). The layout is the kernel's (arch/s390/kernel/ipl.c,
 * shared/facts host-needs.md §1). Parsers are pure; the reader goes through the
 * ZvRoot and keeps an error per role, so only the rules of that role fail closed. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* Which firmware block names the device. */
typedef enum {
  ZV_BOOT_ROLE_IPL,     /* /sys/firmware/ipl: the running system was loaded from it */
  ZV_BOOT_ROLE_REIPL,   /* /sys/firmware/reipl: the next boot loads from it */
  ZV_BOOT_ROLE_DUMP,    /* /sys/firmware/dump: a stand-alone dump goes to it */
  ZV_BOOT_ROLE_COUNT,
} ZvBootRole;

/* What kind of device a firmware type names. */
typedef enum {
  ZV_BOOT_BUS_NONE,      /* nothing: no firmware block, nss, unknown, dump_type none */
  ZV_BOOT_BUS_CCW,       /* a ccw device number: the DASD (ccw, eckd) or the FCP device (fcp) */
  ZV_BOOT_BUS_PCI,       /* a zPCI function id (nvme) */
  ZV_BOOT_BUS_UNKNOWN,   /* the type itself could not be read (error is set) */
} ZvBootBus;

/* One role's device as the firmware names it. */
typedef struct {
  ZvBootRole role;
  char *type;         /* the firmware's type ("ccw", "fcp_dump", "nvme"); NULL when unread */
  ZvBootBus bus;
  ZvBusId devno;      /* ZV_BOOT_BUS_CCW */
  guint32 fid;        /* ZV_BOOT_BUS_PCI */
  char *file;         /* the file naming the device ("/sys/firmware/reipl/ccw/device") */
  GError *error;      /* could not be read; BUS tells which devices it concerns */
} ZvBootDevice;

/* The IPL, re-IPL and dump devices of a host. */
typedef struct {
  ZvBootDevice role[ZV_BOOT_ROLE_COUNT];
} ZvBootDevices;

/* "ipl", "reipl", "dump": the directory below /sys/firmware. */
const char *zv_boot_role_name (ZvBootRole role);
/* The file naming ROLE's type ("/sys/firmware/reipl/reipl_type"). */
const char *zv_boot_role_type_file (ZvBootRole role);

/* Parses a firmware device number as the kernel prints it ("0.%x.%04x"). */
gboolean zv_boot_parse_devno (const char *text, ZvBusId *out);
/* Parses a firmware function id as the kernel prints it ("0x%08llx"). */
gboolean zv_boot_parse_fid (const char *text, guint32 *out);
/* Parses ROLE's type TEXT ("fcp", "nvme_dump", "none"): the kind of device it
 * names and the attribute naming it, relative to the role's directory
 * ("device", "fcp/device", "nvme/fid"; NULL for no device). FALSE for a type
 * the kernel does not show for ROLE. */
gboolean zv_boot_parse_type (ZvBootRole role, const char *text, ZvBootBus *bus,
                             const char **attr);

/* An empty set: no device for any role (nothing of the host is read). */
ZvBootDevices *zv_boot_devices_new (void);
/* Reads the three firmware blocks of ROOT. An absent block is no device; a
 * block that exists but cannot be read or is malformed leaves an error naming
 * the file in that role only. */
ZvBootDevices *zv_boot_devices_read (ZvRoot *root);
/* Frees the set. */
void zv_boot_devices_free (ZvBootDevices *devices);
/* ROLE's device of DEVICES (never NULL for a valid role). */
const ZvBootDevice *zv_boot_devices_get (const ZvBootDevices *devices, ZvBootRole role);
/* The error that keeps a rule for devices of BUS from judging DEVICE, or NULL:
 * an error of the device's own bus, or of a type that could not be read. */
const GError *zv_boot_device_error_for (const ZvBootDevice *device, ZvBootBus bus);
/* TRUE when DEVICE is the ccw device with bus id DEVNO. */
gboolean zv_boot_device_is_ccw (const ZvBootDevice *device, const ZvBusId *devno);
/* TRUE when DEVICE is the zPCI function with function id FID. */
gboolean zv_boot_device_is_fid (const ZvBootDevice *device, guint32 fid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvBootDevices, zv_boot_devices_free)

G_END_DECLS
