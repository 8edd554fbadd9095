/* zvfio: a domain's devices as zvfio-hook checks them at 'prepare begin'. */
#include "zv-domain-check.h"
#include "zv-error.h"
#include "zv-mdev.h"
#include "zv-rules.h"
#include "zv-state.h"
#include "zv-target.h"
#include "zv-text.h"
#include "zv-xml.h"

#include <string.h>

/* Checks the domain XML text as zvfio-hook does before it looks at the host. */
ZvDomainInput
zv_domain_check_input (const char *xml, gsize length, ZvDomain **domain, GError **error)
{
  *domain = NULL;
  if (length > ZV_XML_MAX_SIZE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "the domain XML is larger than %d bytes",
                   ZV_XML_MAX_SIZE);
      return ZV_DOMAIN_INPUT_REFUSED;
    }
  /* most domains have no host devices at all: the gate exits 0 without parsing */
  if (memmem (xml, length, "<hostdev", strlen ("<hostdev")) == NULL)
    return ZV_DOMAIN_INPUT_NO_HOSTDEV;
  g_autoptr (ZvDomain) parsed = zv_domain_parse (xml, (gssize) length, error);
  if (parsed == NULL)
    return ZV_DOMAIN_INPUT_REFUSED;
  if (!zv_domain_has_passthrough (parsed))
    {
      *domain = g_steal_pointer (&parsed);
      return ZV_DOMAIN_INPUT_NOT_OURS;
    }
  /* the hook keeps /run/zvfio/<name>.json and a lock for the domain: a name that
   * cannot name a file there is refused (libvirt itself accepts e.g. '.hidden') */
  if (!zv_state_domain_name_is_valid (parsed->name))
    {
      g_autofree char *shown = zv_text_escape (parsed->name);
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "domain name '%s' cannot name zvfio's record " ZV_STATE_DIR "/<name>.json "
                   "(at most %d bytes of UTF-8, not starting with '.', without '/' or control "
                   "characters); rename the domain (virsh domrename) to pass host devices "
                   "through zvfio", shown, ZV_STATE_MAX_DOMAIN_NAME);
      return ZV_DOMAIN_INPUT_REFUSED;
    }
  *domain = g_steal_pointer (&parsed);
  return ZV_DOMAIN_INPUT_DEVICES;
}

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

/* TRUE when VIOLATIONS holds a finding equal to V (rule, severity, device, message). */
static gboolean
has_violation (GPtrArray *violations, const ZvViolation *v)
{
  for (guint i = 0; i < violations->len; i++)
    {
      const ZvViolation *w = g_ptr_array_index (violations, i);
      if (w->severity == v->severity && strcmp (w->rule, v->rule) == 0 &&
          g_strcmp0 (w->device, v->device) == 0 && g_strcmp0 (w->message, v->message) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The prepare rules on every target; two targets on one device (a domain holding
 * it twice, ccw.used-by-domain) report the same finding once. */
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
      g_autoptr (GPtrArray) found = zv_rules_run (&ctx);
      for (guint j = 0; j < found->len; j++)
        {
          ZvViolation *v = g_ptr_array_index (found, j);
          if (!has_violation (violations, v))
            g_ptr_array_add (violations, g_steal_pointer (&g_ptr_array_index (found, j)));
        }
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
