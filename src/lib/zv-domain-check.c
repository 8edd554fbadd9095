/* zvfio: a domain's devices as zvfio-hook checks them at 'prepare begin'. */
#include "zv-domain-check.h"
#include "zv-mdev.h"
#include "zv-rules.h"
#include "zv-target.h"

/* The targets of DOMAIN's hostdevs: on this host (DEVICE_XMLS NULL) or in the
 * node devices DEVICE_XMLS of the remote libvirt URI. */
static GPtrArray *
domain_targets (ZvRoot *root, GPtrArray *device_xmls, const char *uri, const ZvDomain *domain,
                GError **error)
{
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_target_free);
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      if (hd->kind != ZV_HOSTDEV_MDEV_CCW && hd->kind != ZV_HOSTDEV_PCI)
        continue;
      ZvTarget *t = device_xmls != NULL
                      ? zv_target_from_hostdev_nodedev (root, device_xmls, uri, hd, error)
                      : zv_target_from_hostdev (root, hd, error);
      if (t == NULL)
        return NULL;
      g_ptr_array_add (targets, t);
    }
  return g_steal_pointer (&targets);
}

/* The targets of every vfio-ccw mdev and PCI hostdev of DOMAIN. */
GPtrArray *
zv_domain_targets (ZvRoot *root, const ZvDomain *domain, GError **error)
{
  return domain_targets (root, NULL, NULL, domain, error);
}

/* Reads the host facts every target needs. */
ZvHostFacts *
zv_prepare_facts (ZvRoot *root, GPtrArray *targets, const ZvDomain *domain)
{
  /* another host's targets (zv_domain_targets_remote): none of its files is here */
  for (guint i = 0; i < targets->len; i++)
    if (((const ZvTarget *) g_ptr_array_index (targets, i))->remote != NULL)
      root = NULL;
  ZvHostFacts *facts = zv_host_facts_new (root);
  for (guint i = 0; i < targets->len; i++)
    zv_host_facts_add_target (facts, g_ptr_array_index (targets, i), domain);
  return facts;
}

/* The prepare rules on every target. */
GPtrArray *
zv_prepare_rules (ZvRoot *root, GPtrArray *targets, const ZvHostFacts *facts,
                  const ZvDomain *domain, gboolean allow_offline)
{
  GPtrArray *violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  for (guint i = 0; i < targets->len; i++)
    {
      const ZvTarget *target = g_ptr_array_index (targets, i);
      ZvRuleContext ctx = {
        .root = root, .op = ZV_OP_PREPARE, .target = target, .facts = facts,
        .domain = domain, .allow_offline = allow_offline,
        .mdev_type = target->sch != NULL ? ZV_VFIO_CCW_MDEV_TYPE : NULL,
      };
      g_ptr_array_extend_and_steal (violations, zv_rules_run (&ctx));
    }
  return violations;
}

/* Checks DOMAIN as zvfio-hook does at 'prepare begin'. */
GPtrArray *
zv_domain_check (ZvRoot *root, const ZvDomain *domain, GError **error)
{
  g_autoptr (GPtrArray) targets = zv_domain_targets (root, domain, error);
  return targets != NULL ? zv_domain_check_targets (root, targets, domain) : NULL;
}

/* The facts and prepare rules of zv_domain_check on TARGETS of DOMAIN. */
GPtrArray *
zv_domain_check_targets (ZvRoot *root, GPtrArray *targets, const ZvDomain *domain)
{
  g_autoptr (ZvHostFacts) facts = zv_prepare_facts (root, targets, domain);
  return zv_prepare_rules (root, targets, facts, domain, domain->hook_offline);
}

/* The targets of DOMAIN's hostdevs in the remote libvirt's node devices. */
GPtrArray *
zv_domain_targets_remote (ZvRoot *root, GPtrArray *device_xmls, const char *uri,
                          const ZvDomain *domain, GError **error)
{
  return domain_targets (root, device_xmls, uri, domain, error);
}
