/* zvfio: what zvfio-hook checks for a domain at 'prepare begin', as the one
 * library step behind both the hook and 'zvfio check --domain/--domain-xml'
 * (no device IDs): the domain XML itself (zv_domain_check_input: size, parse,
 * whether zvfio has anything to do, the domain name), then the domain's targets
 * (each vfio-ccw mdev and PCI hostdev), the host facts they need and the
 * prepare rules on them. The hook runs the rules through zv_prepare, which
 * calls zv_prepare_rules once it holds the device locks; zv_domain_check runs
 * the same steps without locks and without changing anything. Whatever the hook
 * refuses before it acts is decided here, so that check cannot say otherwise
 * (tests/integration/test_check_hook_agree.py). */
#pragma once

#include <glib.h>
#include "zv-domain.h"
#include "zv-host-facts.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* What a domain XML is for zvfio-hook's 'prepare begin' (zv_domain_check_input). */
typedef enum {
  ZV_DOMAIN_INPUT_REFUSED,      /* the hook refuses it (exit 7): the error says why */
  ZV_DOMAIN_INPUT_NO_HOSTDEV,   /* the text has no "<hostdev" at all: not parsed, nothing
                                   to do (what zvfio-hook-gate decides without parsing) */
  ZV_DOMAIN_INPUT_NOT_OURS,     /* parsed, but no vfio-ccw mdev or PCI hostdev: nothing to do */
  ZV_DOMAIN_INPUT_DEVICES,      /* parsed, with devices to check (the name can name a record) */
} ZvDomainInput;

/* Everything zvfio-hook checks on the domain XML text XML (LENGTH bytes) before
 * it looks at the host: the size limit, the "<hostdev" scan, the parse, whether
 * a hostdev is zvfio's, and (only then: a record is kept for it) whether the
 * domain's name can name /run/zvfio/<name>.json. Sets *DOMAIN (owned by the
 * caller) for NOT_OURS and DEVICES; pure: no file is read. */
ZvDomainInput zv_domain_check_input (const char *xml, gsize length, ZvDomain **domain,
                                     GError **error);
/* The targets (ZvTarget*) of every vfio-ccw mdev and PCI hostdev of DOMAIN, in
 * document order; other hostdevs are not zvfio's. NULL with ERROR
 * (ZV_ERROR_NOT_FOUND, ZV_ERROR_INVALID, ...) for one that names no device. */
GPtrArray *zv_domain_targets (ZvRoot *root, const ZvDomain *domain, GError **error);
/* Reads the host facts every one of TARGETS needs in DOMAIN (may be NULL). */
ZvHostFacts *zv_prepare_facts (ZvRoot *root, GPtrArray *targets, const ZvDomain *domain);
/* The prepare rules on each of TARGETS with FACTS, for DOMAIN (may be NULL);
 * ALLOW_OFFLINE: online ccw devices may be set offline. ZvViolation*. */
GPtrArray *zv_prepare_rules (ZvRoot *root, GPtrArray *targets, const ZvHostFacts *facts,
                             const ZvDomain *domain, gboolean allow_offline);
/* Checks DOMAIN as zvfio-hook does at 'prepare begin', changing nothing: its
 * targets, the host facts and the prepare rules, with the domain's own offline
 * policy (<zvfio:hook offline='allow'/>). The violations (ZvViolation*), or
 * NULL with the error the hook reports for a hostdev that names no device. */
GPtrArray *zv_domain_check (ZvRoot *root, const ZvDomain *domain, GError **error);

/* zv_domain_check's facts and rules on TARGETS (of zv_domain_targets or
 * zv_domain_targets_remote) of DOMAIN. */
GPtrArray *zv_domain_check_targets (ZvRoot *root, GPtrArray *targets, const ZvDomain *domain);
/* The targets of DOMAIN's hostdevs on another host: looked up in DEVICE_XMLS,
 * the node devices of the libvirt at URI; no file of this host is read, and the
 * rules then run only where a remote host's facts allow (zv-rules-remote.c). */
GPtrArray *zv_domain_targets_remote (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                                     const ZvDomain *domain, GError **error);

G_END_DECLS
