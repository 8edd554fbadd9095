/* zvfio: host facts the passthrough rules consult: the
 * cio_ignore list, the machine type, and
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
/* The machine type ("8561") from /proc/sysinfo's "Type:" line, or NULL. */
char *zv_sysinfo_parse_type (const char *text);
/* TRUE when machine TYPE cannot interpret zPCI for guests (z13s and older). */
gboolean zv_machine_lacks_zpci_interpretation (const char *type);

/* Reads and parses /proc/cio_ignore into *RANGES (NULL when absent); FALSE
 * with an error naming the file when it cannot be read or is malformed. */
gboolean zv_host_read_cio_ignore (ZvRoot *root, GArray **ranges, GError **error);
/* Reads the machine type from /proc/sysinfo into *TYPE (NULL: absent or no
 * Type: line); FALSE with an error naming the file when it cannot be read. */
gboolean zv_host_read_machine_type (ZvRoot *root, char **type, GError **error);
/* Result of asking KVM for zPCI interpretation (KVM_CAP_S390_ZPCI_OP). */
typedef enum {
  ZV_KVM_ZPCI_AVAILABLE,
  ZV_KVM_ZPCI_UNAVAILABLE,
  ZV_KVM_ZPCI_UNKNOWN,       /* no /dev/kvm, or not queryable (fake root) */
} ZvKvmZpci;

/* Queries KVM_CHECK_EXTENSION(KVM_CAP_S390_ZPCI_OP) on <root>/dev/kvm; the
 * ioctl is only issued when the root is the system root. WHY explains UNKNOWN. */
ZvKvmZpci zv_host_kvm_zpci_interpretation (ZvRoot *root, char **why);

G_END_DECLS
