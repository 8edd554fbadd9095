/* zvfio check: runs the passthrough rules on devices (and a domain) and
 * reports every violation; with a domain and no device IDs, checks every
 * hostdev of the domain exactly as zvfio-hook will at 'prepare begin'. */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-domain.h"
#include "zv-domain-check.h"
#include "zv-json-model.h"
#include "zv-rules.h"
#include "zv-xml.h"

#include <stdio.h>
#include <string.h>


/* The text of the domain XML file PATH ("-" = stdin), or libvirt's persistent
 * XML of domain NAME (what it starts from). */
static char *
load_domain_xml (ZvCli *cli, const char *path, const char *name, GError **error)
{
  if (path != NULL)
    return zv_cli_read_domain_file (path, error);
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  return lv ? zv_libvirt_domain_xml (lv, name, error) : NULL;
}

/* Parses XML, the domain the device IDs are checked against (NAME: from libvirt). */
static ZvDomain *
parse_domain (const char *xml, const char *name, GError **error)
{
  ZvDomain *domain = zv_domain_parse (xml, -1, error);
  if (domain == NULL && name != NULL)
    g_prefix_error (error, "domain '%s': ", name);
  return domain;
}

/* zv_domain_check_input on XML, the whole domain check --domain/--domain-xml
 * does (NAME: from libvirt): the domain when it has devices to check, else NULL
 * with *NOTHING set (zvfio-hook accepts it at once), or NULL with ERROR for a
 * domain the hook refuses. A text without "<hostdev" must still be a domain XML:
 * libvirt never passes anything else to the hook, so only check can be given it. */
static ZvDomain *
whole_domain_input (const char *xml, const char *name, gboolean *nothing, GError **error)
{
  g_autoptr (ZvDomain) domain = NULL;
  ZvDomainInput input = zv_domain_check_input (xml, strlen (xml), &domain, error);
  if (input == ZV_DOMAIN_INPUT_NO_HOSTDEV)
    {
      g_autoptr (xmlDoc) doc = zv_xml_parse (xml, -1, "domain", "domain XML", error);
      *nothing = doc != NULL;
    }
  else if (input == ZV_DOMAIN_INPUT_NOT_OURS)
    *nothing = TRUE;
  if (input == ZV_DOMAIN_INPUT_DEVICES)
    return g_steal_pointer (&domain);
  if (!*nothing && name != NULL)
    g_prefix_error (error, "domain '%s': ", name);
  return NULL;
}

/* Runs the rules for one device ID, appending to VIOLATIONS. The host facts
 * are read once for the command, into *FACTS when the first ID resolves; each
 * device adds its own. */
static gboolean
check_one (ZvCli *cli, const char *id, ZvOperation op, const ZvDomain *domain,
           ZvHostFacts **facts, GPtrArray *violations, GError **error)
{
  g_autoptr (ZvTarget) target = zv_cli_resolve (cli, id, ZV_TARGET_ALLOW_MISSING, error);
  if (target == NULL)
    return FALSE;
  zv_cli_print_warnings (target->inv->warnings);
  zv_target_set_guest_from_domain (target, domain);
  ZvRuleContext ctx = { .root = cli->root, .op = op, .target = target, .domain = domain };
  if (*facts == NULL)
    *facts = zv_rules_host_facts (cli->root, op, cli->remote_uri != NULL);
  zv_rules_add_facts (*facts, &ctx);
  ctx.facts = *facts;
  g_autoptr (GPtrArray) found = zv_rules_run (&ctx);
  zv_cli_note_remote_rules (&ctx);
  if (target->sch == NULL && target->pci == NULL && found->len == 0)
    {
      /* a ccw id that names nothing and that no rule explains */
      g_propagate_error (error, g_error_copy (target->not_found));
      return FALSE;
    }
  g_ptr_array_extend_and_steal (violations, g_steal_pointer (&found));
  return TRUE;
}

/* zv_domain_check for a domain of a remote libvirt: its hostdevs found in that
 * libvirt's node devices, never in this host's files; notes what only the
 * remote host's zvfio-hook can check. */
static GPtrArray *
check_remote_domain (ZvCli *cli, const ZvDomain *domain, GError **error)
{
  GPtrArray *xmls = zv_cli_nodedev_xmls (cli, error);   /* kept by CLI */
  if (xmls == NULL)
    return NULL;
  g_autoptr (GPtrArray) targets = zv_domain_targets_remote (cli->root, xmls, cli->remote_uri,
                                                            domain, error);
  if (targets == NULL)
    return NULL;
  for (guint i = 0; i < targets->len; i++)
    {
      ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_PREPARE,
                            .target = g_ptr_array_index (targets, i), .domain = domain };
      zv_cli_note_remote_rules (&ctx);
    }
  return zv_domain_check_targets (cli->root, targets, domain);
}

/* Prints the violations and a summary line. */
static void
print_text (GPtrArray *violations)
{
  guint errors = 0, warnings = 0;
  for (guint i = 0; i < violations->len; i++)
    {
      const ZvViolation *v = g_ptr_array_index (violations, i);
      if (v->severity == ZV_SEVERITY_ERROR)
        errors++;
      else
        warnings++;
    }
  g_autofree char *text = zv_violations_format (violations, ZV_HINTS_CLI);
  fputs (text, stdout);
  if (errors > 0)
    printf ("check: FAILED: %u error(s), %u warning(s)\n", errors, warnings);
  else
    printf ("check: ok: 0 errors, %u warning(s)\n", warnings);
}

/* check ID... [--domain-xml FILE | --domain NAME] [--op OP] [--json];
 * check --domain-xml FILE | --domain NAME [--json] */
gboolean
zv_cmd_check (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *domain_xml = NULL;
  g_autofree char *domain_name = NULL;
  g_autofree char *op_name = NULL;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON (schemas/zvfio-check.schema.json)", NULL },
    { "domain-xml", 'd', 0, G_OPTION_ARG_FILENAME, &domain_xml,
      "Also check against this libvirt domain XML; without IDs: check its hostdevs as "
      "zvfio-hook will", "FILE" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain_name,
      "The same with libvirt's domain NAME (its persistent XML)", "NAME" },
    { "op", 'o', 0, G_OPTION_ARG_STRING, &op_name,
      "Check for this operation: check (default), define, start, attach, prepare", "OP" },
    { NULL }
  };
  if (!zv_cli_parse ("check", "ID... | --domain NAME | --domain-xml FILE",
                     "Run the passthrough rules on devices, or on every hostdev of a domain.",
                     entries, &argc, &argv, error))
    return FALSE;
  if (domain_xml != NULL && domain_name != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "check: --domain-xml and --domain exclude each other");
      return FALSE;
    }
  gboolean whole_domain = argc < 2 && (domain_xml != NULL || domain_name != NULL);
  if (argc < 2 && !whole_domain)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "check: give at least one device ID, or a domain (--domain, --domain-xml)");
      return FALSE;
    }
  if (whole_domain && op_name != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "check: --op needs device IDs; a whole domain is checked as zvfio-hook "
                   "does when it starts (prepare)");
      return FALSE;
    }
  ZvOperation op = ZV_OP_CHECK;
  if (op_name != NULL && !zv_operation_from_name (op_name, &op))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "check: unknown --op '%s' (expected check, define, start, attach or prepare)",
                   op_name);
      return FALSE;
    }
  g_autofree char *xml = NULL;
  if ((domain_xml != NULL || domain_name != NULL) &&
      (xml = load_domain_xml (cli, domain_xml, domain_name, error)) == NULL)
    return FALSE;

  g_autoptr (ZvDomain) domain = NULL;
  g_autoptr (GPtrArray) violations = NULL;
  if (whole_domain)
    {
      /* the hook's own steps: same input checks, targets, facts, rules and errors */
      gboolean nothing = FALSE;
      domain = whole_domain_input (xml, domain_name, &nothing, error);
      if (domain == NULL && !nothing)
        return FALSE;
      if (domain == NULL)
        violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
      else
        violations = cli->remote_uri != NULL ? check_remote_domain (cli, domain, error)
                                             : zv_domain_check (cli->root, domain, error);
      if (violations == NULL)
        return FALSE;
    }
  else
    {
      if (xml != NULL && (domain = parse_domain (xml, domain_name, error)) == NULL)
        return FALSE;
      violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
      g_autoptr (ZvHostFacts) facts = NULL;   /* read once, for every ID */
      for (int i = 1; i < argc; i++)
        if (!check_one (cli, argv[i], op, domain, &facts, violations, error))
          return FALSE;
    }
  if (json)
    {
      g_autoptr (JsonNode) node = zv_json_violations (violations);
      zv_cli_print_json (node);
    }
  else
    print_text (violations);
  if (!zv_violations_have_error (violations))
    return TRUE;
  zv_cli_set_reported (error, ZV_ERROR_RULE);   /* the violations above say why */
  return FALSE;
}
