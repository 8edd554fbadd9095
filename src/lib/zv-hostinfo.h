/* zvfio: host facts the passthrough rules consult: the IPL device, the
 * cio_ignore list, mounts and block-device holders, the machine type, and
 * KVM's zPCI interpretation capability. Parsers are pure; readers go through
 * the ZvRoot. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* One /proc/cio_ignore range (inclusive; single devnos have first == last). */
typedef struct {
  guint ssid;
  guint first, last;
} ZvCioRange;

/* Parses /proc/cio_ignore ("0.0.0000-0.0.0fff" or "0.0.2004" per line) into
 * an array of ZvCioRange; FALSE on a malformed line. */
gboolean zv_cio_ignore_parse (const char *text, GArray **ranges);
/* TRUE when DEVNO lies in one of RANGES. */
gboolean zv_cio_ignore_contains (GArray *ranges, const ZvBusId *devno);
/* The device names ("dasda1") of /proc/mounts sources /dev/NAME, as a set. */
GHashTable *zv_mounts_parse_devices (const char *text);
/* The machine type ("8561") from /proc/sysinfo's "Type:" line, or NULL. */
char *zv_sysinfo_parse_type (const char *text);
/* TRUE when machine TYPE cannot interpret zPCI for guests (z13s and older). */
gboolean zv_machine_lacks_zpci_interpretation (const char *type);

/* The IPL device: ipl_type ("ccw", "fcp", "eckd", ...) and the devno. */
typedef struct {
  char *type;
  char *device;    /* "0.0.1000", NULL for IPL types without a ccw device */
} ZvIplInfo;

/* Frees an IPL description. */
void zv_ipl_info_free (ZvIplInfo *ipl);
/* Reads /sys/firmware/ipl/{ipl_type,device} into *IPL (NULL when there is no
 * ipl_type); FALSE with an error naming the file when it cannot be read or a
 * ccw/eckd/fcp IPL names no device number. */
gboolean zv_host_read_ipl (ZvRoot *root, ZvIplInfo **ipl, GError **error);
/* Reads and parses /proc/cio_ignore into *RANGES (NULL when absent); FALSE
 * with an error naming the file when it cannot be read or is malformed. */
gboolean zv_host_read_cio_ignore (ZvRoot *root, GArray **ranges, GError **error);
/* Reads /proc/mounts into a set of mounted device names; NULL with an error
 * naming the file when it is absent, unreadable or too large. */
GHashTable *zv_host_read_mounted_devices (ZvRoot *root, GError **error);
/* Reads the machine type from /proc/sysinfo into *TYPE (NULL: absent or no
 * Type: line); FALSE with an error naming the file when it cannot be read. */
gboolean zv_host_read_machine_type (ZvRoot *root, char **type, GError **error);
/* Block devices below the ccw device at sysfs DEVICE_PATH that are mounted or
 * held (e.g. by device-mapper): one "dasda1 (mounted)" / "dasdb1 (held by dm-0)"
 * string each; NULL with an error naming the file that could not be read. */
GPtrArray *zv_host_block_users (ZvRoot *root, const char *device_path, GError **error);

/* Result of asking KVM for zPCI interpretation (KVM_CAP_S390_ZPCI_OP). */
typedef enum {
  ZV_KVM_ZPCI_AVAILABLE,
  ZV_KVM_ZPCI_UNAVAILABLE,
  ZV_KVM_ZPCI_UNKNOWN,       /* no /dev/kvm, or not queryable (fake root) */
} ZvKvmZpci;

/* Queries KVM_CHECK_EXTENSION(KVM_CAP_S390_ZPCI_OP) on <root>/dev/kvm; the
 * ioctl is only issued when the root is the system root. WHY explains UNKNOWN. */
ZvKvmZpci zv_host_kvm_zpci_interpretation (ZvRoot *root, char **why);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvIplInfo, zv_ipl_info_free)

G_END_DECLS
