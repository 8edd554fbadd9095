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
#include "zv-libvirt.h"
#include "zv-mdev.h"

G_BEGIN_DECLS

/* The commands take the ID as the command parsed it once (ID; NULL: TEXT, as
 * typed, is no ID) and TEXT for messages. */

/* define ID [--uuid UUID] [--auto] [--start] on the remote host (UUID
 * normalized, NULL for a new one): virNodeDeviceDefineXML, then
 * virNodeDeviceSetAutostart with AUTOSTART and virNodeDeviceCreate with START;
 * a later step that fails takes the definition back. Prints the UUID. */
gboolean zv_cli_remote_define (ZvCli *cli, const ZvId *id, const char *text, const char *uuid,
                               gboolean autostart, gboolean start, GError **error);
/* undefine ID|UUID on the remote host (UUID: the mdev ID names, or NULL):
 * virNodeDeviceUndefine of the subchannel's only (or the named) definition.
 * Prints the UUID. */
gboolean zv_cli_remote_undefine (ZvCli *cli, const ZvId *id, const char *text,
                                 const char *uuid, GError **error);
/* start ID|UUID on the remote host: virNodeDeviceCreate of the defined mdev,
 * or a transient one (virNodeDeviceCreateXML) on a subchannel without a
 * definition. Prints the UUID. */
gboolean zv_cli_remote_start (ZvCli *cli, const ZvId *id, const char *text, const char *uuid,
                              GError **error);
/* stop UUID|mdev_<uuid>[_<parent>] on the remote host: virNodeDeviceDestroy of
 * the running mdev ID names. Prints the UUID. */
gboolean zv_cli_remote_stop (ZvCli *cli, const ZvId *id, const char *text, GError **error);

/* The building blocks of 'zvfio apply --connect URI' (cmd-apply.c), on the
 * remote libvirt LV whose node devices CLI holds (zv_cli_nodedev_xmls): */

/* Defines vfio_ccw-io mdev UUID on SCH, with virNodeDeviceSetAutostart when
 * AUTOSTART; refused (exit 2) when the node devices show UUID already, unless
 * AGAIN (a definition this command removed is put back). No rule
 * is run here; that host's zvfio-callout judges the definition, and its veto
 * is a rule refusal (exit 3) whose lines go to stderr. A failure after the
 * definition takes it back. */
gboolean zv_cli_remote_mdev_define (ZvCli *cli, ZvLibvirt *lv, const ZvSubchannel *sch,
                                    const char *uuid, gboolean autostart, gboolean again,
                                    GError **error);
/* Takes back the definition of mdev UUID on PARENT that
 * zv_cli_remote_mdev_define made (*WHAT_HAPPENED: a sentence for people);
 * FALSE: it may stay (the sentence says why and how to remove it). */
gboolean zv_cli_remote_mdev_take_back (ZvCli *cli, ZvLibvirt *lv, const char *uuid,
                                       const char *parent, char **what_happened);
/* Completes what the node-device XML of mdev M does not say: M->defined (a
 * stopped mdev is defined; libvirt says whether a running one is) and, with
 * WITH_AUTOSTART, M->start of a defined one ("auto" or "manual",
 * virNodeDeviceGetAutostart). */
gboolean zv_cli_remote_mdev_definition (ZvLibvirt *lv, ZvMdev *m, gboolean with_autostart,
                                        GError **error);
/* CHANGE (start, stop, undefine, autostart) of mdev UUID on PARENT; undefine
 * is refused (exit 1) when the node devices show UUID on another parent too
 * (libvirt's undefine would remove both). */
gboolean zv_cli_remote_mdev_change (ZvCli *cli, ZvLibvirt *lv, const char *uuid,
                                    const char *parent, ZvNodeDeviceChange change,
                                    GError **error);

G_END_DECLS
