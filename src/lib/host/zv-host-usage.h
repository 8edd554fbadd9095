/* zvfio: what the host itself still uses below a device, for the in-use
 * rules (ccw.in-use, zpci.in-use): block devices that are mounted (matched by
 * device number through /proc/self/mountinfo), used as swap (/proc/swaps) or
 * held (holders/: LVM, dm-crypt, md, followed to what uses the holder), and
 * network interfaces that are up, enslaved or carry routes (/proc/net/route,
 * /proc/net/ipv6_route). The kernel's tables are read once, when first
 * needed, and streamed without a size cap. */
#pragma once

#include <glib.h>
#include "zv-root.h"

G_BEGIN_DECLS

typedef struct _ZvHostUsage ZvHostUsage;

/* A usage view of ROOT (nothing is read yet). */
ZvHostUsage *zv_host_usage_new (ZvRoot *root);
/* Frees it. */
void zv_host_usage_free (ZvHostUsage *usage);
/* Appends to USERS ("dasda1 mounted on /", "dasdb1 held by dm-0",
 * "dm-0 mounted on /data", "dasdb2 used as swap") what uses the block devices
 * below the ccw device at sysfs DEVICE_PATH (its block/ directory); FALSE with
 * an error naming the file that could not be read. */
gboolean zv_host_usage_ccw_device (ZvHostUsage *usage, const char *device_path, GPtrArray *users,
                                   GError **error);
/* Appends to USERS what uses the PCI function at sysfs FUNCTION_PATH: its
 * network interfaces ("enc1 is up", "enc1 is enslaved to bond0",
 * "enc1 carries the host's default route") and block devices (NVMe
 * namespaces below its controllers or in their multipath subsystems,
 * virtio-blk disks, their partitions and holders); FALSE with an error naming
 * the file that could not be read. */
gboolean zv_host_usage_pci_function (ZvHostUsage *usage, const char *function_path,
                                     GPtrArray *users, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvHostUsage, zv_host_usage_free)

G_END_DECLS
