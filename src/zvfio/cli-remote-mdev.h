/* zvfio CLI: vfio-ccw mdevs of a remote host through libvirt's node-device API
 * (issue 22 §4): define, undefine, start and stop with --connect URI naming
 * another host. zvfio reads that host's devices from its node devices only,
 * runs the rules those facts allow (zv-rules-remote.c) before it calls libvirt,
 * and lets that host's libvirtd run mdevctl, whose zvfio-callout judges the
 * rest there: its refusal comes back as a libvirt error and is shown as the
 * reason (exit 3). */
#pragma once

#include <glib.h>
#include "cli.h"

G_BEGIN_DECLS

/* define ID [--uuid UUID] [--auto] [--start] on the remote host (UUID
 * normalized, NULL for a new one): virNodeDeviceDefineXML, then
 * virNodeDeviceSetAutostart with AUTOSTART and virNodeDeviceCreate with START;
 * a later step that fails takes the definition back. Prints the UUID. */
gboolean zv_cli_remote_define (ZvCli *cli, const char *id, const char *uuid,
                               gboolean autostart, gboolean start, GError **error);
/* undefine ID|UUID on the remote host (UUID: the mdev ID names, or NULL):
 * virNodeDeviceUndefine of the subchannel's only (or the named) definition.
 * Prints the UUID. */
gboolean zv_cli_remote_undefine (ZvCli *cli, const char *id, const char *uuid,
                                 GError **error);
/* start ID|UUID on the remote host: virNodeDeviceCreate of the defined mdev,
 * or a transient one (virNodeDeviceCreateXML) on a subchannel without a
 * definition. Prints the UUID. */
gboolean zv_cli_remote_start (ZvCli *cli, const char *id, const char *uuid, GError **error);
/* stop UUID|mdev_<uuid>[_<parent>] on the remote host: virNodeDeviceDestroy of
 * the running mdev ID names. Prints the UUID. */
gboolean zv_cli_remote_stop (ZvCli *cli, const char *id, GError **error);

G_END_DECLS
