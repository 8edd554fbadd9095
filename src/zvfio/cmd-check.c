/* zvfio check: runs the passthrough rules on devices (and a domain) and
 * reports every violation; with a domain and no device IDs, checks every
 * hostdev of the domain exactly as zvfio-hook will at 'prepare begin'. */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-domain.h"
#include "zv-domain-check.h"
#include "zv-json.h"
#include "zv-rules.h"

#include <stdio.h>


/* Reads and parses the domain XML file PATH ("-" = stdin), or libvirt's
 * persistent XML of domain NAME (what it starts from). */
static ZvDomain *
load_domain (ZvCli *cli, const char *path, const char *name, GError **error)
{
  g_autofree char *xml = NULL;
  if (path != NULL)
    xml = zv_cli_read_domain_file (path, error);
  else
    {
      g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
      xml = lv ? zv_libvirt_domain_xml (lv, name, error) : NULL;
    }
  ZvDomain *domain = xml ? zv_domain_parse (xml, -1, error) : NULL;
  if (xml != NULL && domain == NULL && name != NULL)
    g_prefix_error (error, "domain '%s': ", name);
  return domain;
}

/* Runs the rules for one device ID, appending to VIOLATIONS. */
static gboolean
check_one (ZvCli *cli, const char *id, ZvOperation op, const ZvDomain *domain,
           GPtrArray *violations, GError **error)
{
  g_autoptr (ZvTarget) target = zv_cli_resolve (cli, id, ZV_TARGET_ALLOW_MISSING, error);
  if (target == NULL)
    return FALSE;
  zv_cli_print_warnings (target->inv->warnings);
  zv_target_set_guest_from_domain (target, domain);
  ZvRuleContext ctx = { .root = cli->root, .op = op, .target = target, .domain = domain };
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
  g_autoptr (ZvDomain) domain = NULL;
  if ((domain_xml != NULL || domain_name != NULL) &&
      (domain = load_domain (cli, domain_xml, domain_name, error)) == NULL)
    return FALSE;

  g_autoptr (GPtrArray) violations = NULL;
  if (whole_domain)
    {
      /* the hook's own step: same targets, facts, rules and errors */
      violations = cli->remote_uri != NULL ? check_remote_domain (cli, domain, error)
                                           : zv_domain_check (cli->root, domain, error);
      if (violations == NULL)
        return FALSE;
    }
  else
    {
      violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
      for (int i = 1; i < argc; i++)
        if (!check_one (cli, argv[i], op, domain, violations, error))
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
