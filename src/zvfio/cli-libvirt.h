/* zvfio CLI: what several commands (hostdev, attach, detach, domains, show,
 * list --from-libvirt) share about libvirt domains and <hostdev> requests. */
#pragma once

#include <glib.h>
#include "cli.h"
#include "zv-domain.h"
#include "zv-hostdev-plan.h"
#include "zv-libvirt.h"
#include "zv-lock.h"
#include "zv-mdev-intent.h"

G_BEGIN_DECLS

/* Opens the libvirt connection of --connect (default: libvirt's default URI). */
ZvLibvirt *zv_cli_libvirt_open (ZvCli *cli, GError **error);
/* Reads every domain of LV. With TARGET, its persistent XML (with TARGET_LIVE:
 * the XML it runs with) goes to *TARGET_XML, its parsed form to *TARGET_DOMAIN,
 * and every other domain to *OTHERS (ZvDomain*); without, all go to *OTHERS. A
 * domain whose XML zvfio cannot parse is an error when STRICT, else a warning on
 * stderr. */
gboolean zv_cli_load_domains (ZvLibvirt *lv, const char *target, gboolean target_live,
                              gboolean strict, char **target_xml, ZvDomain **target_domain,
                              GPtrArray **others, GError **error);
/* The inventory as libvirt's node devices describe it (list --from-libvirt,
 * domains); SCOPE (ZvScope) drops the part not asked for. */
ZvInventory *zv_cli_libvirt_inventory (ZvCli *cli, ZvLibvirt *lv, guint scope, GError **error);
/* For show with --connect: every domain, or NULL (with a warning on stderr)
 * when libvirt cannot be reached; NULL without a warning when no --connect. */
GPtrArray *zv_cli_domains_for_show (ZvCli *cli);
/* Reads and parses a domain XML file (size-limited; "-" is stdin). */
char *zv_cli_read_domain_file (const char *path, GError **error);
/* Names of the domains in DOMAINS (ZvDomain*) with a hostdev for an mdev of SCH
 * or for PCI function FN (one of them NULL). */
GPtrArray *zv_cli_domains_using (GPtrArray *domains, const ZvSubchannel *sch,
                                 const ZvPciFunction *fn);


/* The <hostdev> built for one device. */
typedef struct {
  char *device;              /* "0.0.0100" (subchannel) or "0001:00:00.0" */
  char *xml;                 /* the <hostdev> element */
  ZvHostdevKind kind;
  char uuid[37];             /* vfio-ccw: the mdev */
  char *summary;             /* "mdev <uuid>, guest fe.0.1000" / "zPCI uid 0x0001 fid 0x00000001" */
  char *defined_uuid;        /* set when --define created the mdev definition */
  ZvMdevIntent *intent;      /* attach --define: the record of that definition */
  ZvLock *lock;              /* ... and its lock, held until the record is gone */
} ZvHostdevBuilt;

/* attach --define: where the hostdev of a defined mdev goes (the intent record
 * names it, so that repair can tell whether the libvirt change happened). */
typedef struct {
  const char *uri;
  const char *domain;
} ZvCliAttachTarget;

/* Turns the --uid/--fid texts (decimal or 0x hex) and --boot into OPTS (cmd-hostdev.c). */
/* The --boot value when the option is not given. */
#define ZV_CLI_NO_BOOT G_MININT
gboolean zv_cli_hostdev_numbers (const char *uid, const char *fid, int boot,
                                 ZvHostdevOptions *opts, GError **error);
/* Frees a built hostdev. */
void zv_hostdev_built_free (ZvHostdevBuilt *built);
/* Resolves ID on the host (parsed once), chooses free guest addresses in DOMAIN
 * (may be NULL), enforces the rules (ZV_OP_ATTACH, violations on stderr; exit 3
 * on errors) with the host facts in *FACTS (read there at the first device of
 * the command, NULL before; the caller frees them), defines the mdev with
 * --define (with ATTACH: under an intent record, see cli-mdev-intent.h), and
 * writes the <hostdev> XML. */
ZvHostdevBuilt *zv_cli_build_hostdev (ZvCli *cli, const char *id, const ZvHostdevOptions *opts,
                                      const ZvDomain *domain, GPtrArray *other_domains,
                                      const ZvCliAttachTarget *attach, ZvHostFacts **facts,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvHostdevBuilt, zv_hostdev_built_free)

G_END_DECLS
