/* zvfio CLI: the desired-state commands 'export' and 'apply' (zv-state-doc.h)
 * and what both read: the passthrough state the host has now. */
#pragma once

#include "cli.h"
#include "zv-domain.h"
#include "zv-libvirt.h"
#include "zv-state-doc.h"

G_BEGIN_DECLS

/* apply's exit code when it changed something (0: nothing to do; a failure
 * exits with its own code, 1-9). */
#define ZV_EXIT_CHANGED 10

/* The exit code main.c returns when a command succeeded (ZV_EXIT_OK unless the
 * command set another, as apply does for ZV_EXIT_CHANGED). */
extern int zv_cli_success_exit;

gboolean zv_cmd_export (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_apply (ZvCli *cli, int argc, char **argv, GError **error);

/* The ID export writes for TARGET: ccw:DEVNO for a subchannel with a known
 * device number, else sch:ID; the PCI address for a zPCI function. */
char *zv_cli_state_device_id (const ZvTarget *target);
/* The passthrough as the host has it now for TARGET in DOMAIN, whose hostdev is
 * HD: persistence (driverctl override), the mdev and its start=auto, whether
 * zvfio's binding set the ccw device offline, managed, the guest address. FALSE
 * with ERROR when a host fact cannot be read (fail closed). */
ZvStatePassthrough *zv_cli_state_entry (ZvCli *cli, const ZvTarget *target,
                                        const ZvDomain *domain, const ZvHostdev *hd,
                                        GError **error);
/* Every domain of LV as far as it uses devices (persistent and running XML). */
GPtrArray *zv_cli_state_domains (ZvLibvirt *lv, GError **error);
/* The passthrough state of the host: one entry per vfio-ccw mdev or PCI hostdev
 * of every domain of DOMAINS whose device the host has (others are noted on
 * stderr), sorted by domain, then device; "host" is empty. */
ZvStateDoc *zv_cli_state_export (ZvCli *cli, GPtrArray *domains, GError **error);

G_END_DECLS
