/* zvfio: rules engine core: tables, running, formatting. */
#include "zv-text.h"
#include "zv-rules.h"
#include "zv-domain.h"
#include "zv-error.h"

#include <string.h>

/* The names of severities and operations (the one table of each). */
static const char *const severity_names[] = {
  [ZV_SEVERITY_WARNING] = "warning", [ZV_SEVERITY_ERROR] = "error",
};
static const struct {
  const char *name;
  guint traits;   /* ZvOperationTrait */
} operations[] = {
  [ZV_OP_CHECK] = { "check", 0 },
  [ZV_OP_DEFINE] = { "define", ZV_OP_WRITES_DEFINITION },
  [ZV_OP_START] = { "start", 0 },
  [ZV_OP_ATTACH] = { "attach", ZV_OP_ADDS_TO_DOMAIN },
  [ZV_OP_PREPARE] = { "prepare", ZV_OP_BINDS },
};

/* "error" / "warning". */
const char *
zv_severity_name (ZvSeverity severity)
{
  return severity_names[severity];
}

/* The name of operation OP. */
const char *
zv_operation_name (ZvOperation op)
{
  return operations[op].name;
}

/* Parses an operation name. */
gboolean
zv_operation_from_name (const char *name, ZvOperation *op)
{
  for (gsize i = 0; i < G_N_ELEMENTS (operations); i++)
    if (g_strcmp0 (operations[i].name, name) == 0)
      {
        *op = (ZvOperation) i;
        return TRUE;
      }
  return FALSE;
}

/* Sets the zvfio CLI's part of the hint of the violation added last to OUT. */
void
zv_violation_set_cli_hint (GPtrArray *out, const char *format, ...)
{
  g_return_if_fail (out->len > 0);
  ZvViolation *v = g_ptr_array_index (out, out->len - 1);
  va_list args;
  va_start (args, format);
  g_free (v->cli_hint);
  v->cli_hint = g_strdup_vprintf (format, args);
  va_end (args);
}

/* The hint of V as STYLE shows it: "HINT; CLI_HINT" for the CLI. */
char *
zv_violation_hint (const ZvViolation *v, ZvHintStyle style)
{
  if (style == ZV_HINTS_PLAIN || v->cli_hint == NULL)
    return g_strdup (v->hint);
  if (*v->hint == '\0')
    return g_strdup (v->cli_hint);
  return g_strconcat (v->hint, "; ", v->cli_hint, NULL);
}

/* TRUE when CTX's operation has TRAIT. */
gboolean
zv_operation_has (const ZvRuleContext *ctx, ZvOperationTrait trait)
{
  return (operations[ctx->op].traits & trait) != 0;
}

/* Who binds CTX's device by the time the guest starts. */
ZvBinder
zv_rule_binder (const ZvRuleContext *ctx)
{
  if (ctx->target != NULL && ctx->target->pci != NULL && ctx->target->managed)
    return ZV_BINDER_LIBVIRT;
  return zv_operation_has (ctx, ZV_OP_BINDS) ? ZV_BINDER_ZVFIO : ZV_BINDER_NOBODY;
}

/* Frees a violation. */
void
zv_violation_free (ZvViolation *v)
{
  if (v == NULL)
    return;
  g_free (v->rule);
  g_free (v->device);
  g_free (v->subchannel);
  g_free (v->message);
  g_free (v->hint);
  g_free (v->cli_hint);
  g_free (v);
}

/* Adds a violation of RULE with a formatted message and a hint. */
void
zv_violation_add (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                  ZvFinding finding, const char *hint, const char *format, ...)
{
  ZvViolation *v = g_new0 (ZvViolation, 1);
  v->rule = g_strdup (rule->id);
  v->severity = finding == ZV_FINDING_RELAXED ? rule->relaxed : rule->severity;
  const ZvTarget *target = ctx->target;
  v->device = g_strdup (target == NULL ? "-" : target->name ? target->name
                       : target->device ? target->device : "-");
  v->subchannel = g_strdup (target && target->sch ? target->sch->id : NULL);
  va_list args;
  va_start (args, format);
  v->message = g_strdup_vprintf (format, args);
  va_end (args);
  v->hint = g_strdup (hint ? hint : "");
  g_ptr_array_add (out, v);
}

/* Adds an error violation of RULE: a host fact it needs could not be read. */
void
zv_violation_add_unreadable (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                             const GError *why)
{
  zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                    "make the file readable and well-formed; the rule fails closed until then",
                    "cannot check this rule: %s", why->message);
}

/* A forceable finding: relaxed (a warning) when the caller forces it. */
ZvFinding
zv_rule_forced (const ZvRuleContext *ctx)
{
  return ctx->force ? ZV_FINDING_RELAXED : ZV_FINDING_STRICT;
}

/* USERS joined with ", ". */
char *
zv_rule_join_users (GPtrArray *users)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < users->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *) g_ptr_array_index (users, i));
  return g_string_free (s, FALSE);
}

/* The domain's name for messages. */
const char *
zv_rule_domain_name (const ZvDomain *domain)
{
  return domain->name ? domain->name : "?";
}

/* The target domain's hostdev for the device being checked (an mdev of
 * the target's subchannel or its PCI function), or NULL when it is not in the
 * domain yet. */
const ZvHostdev *
zv_rule_own_hostdev (const ZvRuleContext *ctx)
{
  const ZvTarget *target = ctx->target;
  /* when attaching, the device is new: a hostdev already there is a duplicate */
  if (ctx->domain == NULL || zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN))
    return NULL;
  if (target->pci != NULL)
    return zv_domain_find_pci (ctx->domain, target->pci->address);
  for (guint i = 0; target->sch && target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *mdev = g_ptr_array_index (target->sch->mdevs, i);
      const ZvHostdev *hd = zv_domain_find_mdev (ctx->domain, mdev->uuid);
      if (hd != NULL)
        return hd;
    }
  return NULL;
}

/* One table of rules. */
typedef struct {
  const ZvRule *rules;
  gsize count;
} RuleTable;

/* Calls FUNC for every rule of the N TABLES, in order. */
static void
foreach_in (const RuleTable *tables, gsize n, void (*func) (const ZvRule *rule, gpointer data),
            gpointer data)
{
  for (gsize t = 0; t < n; t++)
    for (gsize i = 0; i < tables[t].count; i++)
      func (&tables[t].rules[i], data);
}

/* Calls FUNC for every rule of every table, in table order. */
void
zv_rules_foreach (void (*func) (const ZvRule *rule, gpointer data), gpointer data)
{
  const RuleTable tables[] = {
    { zv_rules_ccw, zv_rules_ccw_count },
    { zv_rules_zpci, zv_rules_zpci_count },
    { zv_rules_guest, zv_rules_guest_count },
    { zv_rules_ccw_domain, zv_rules_ccw_domain_count },
    { zv_rules_zpci_domain, zv_rules_zpci_domain_count },
  };
  foreach_in (tables, G_N_ELEMENTS (tables), func, data);
}

/* Calls FUNC for every rule that needs the target domain, in table order. */
void
zv_rules_foreach_domain (void (*func) (const ZvRule *rule, gpointer data), gpointer data)
{
  const RuleTable tables[] = {
    { zv_rules_guest, zv_rules_guest_count },
    { zv_rules_ccw_domain, zv_rules_ccw_domain_count },
    { zv_rules_zpci_domain, zv_rules_zpci_domain_count },
  };
  foreach_in (tables, G_N_ELEMENTS (tables), func, data);
}

typedef struct {
  const char *id;
  const ZvRule *found;
} FindData;

/* zv_rules_foreach callback of zv_rules_find. */
static void
find_one (const ZvRule *rule, gpointer data)
{
  FindData *fd = data;
  if (fd->found == NULL && strcmp (rule->id, fd->id) == 0)
    fd->found = rule;
}

/* Looks a rule up by id. */
const ZvRule *
zv_rules_find (const char *id)
{
  FindData fd = { id, NULL };
  zv_rules_foreach (find_one, &fd);
  return fd.found;
}

typedef struct {
  const ZvRuleContext *ctx;
  GPtrArray *out;
} RunData;

/* zv_rules_foreach callback of zv_rules_run. */
static void
run_one (const ZvRule *rule, gpointer data)
{
  RunData *rd = data;
  const ZvTarget *target = rd->ctx->target;
  if (target != NULL && target->remote != NULL && !zv_rule_checkable_remotely (rule, target))
    return;   /* a remote host's fact: zvfio-hook checks it there */
  if (rule->ops & ZV_OP_BIT (rd->ctx->op))
    rule->check (rd->ctx, rd->out);
}

/* Reads the host-wide facts the rules of OP need, once for a command. */
ZvHostFacts *
zv_rules_host_facts (ZvRoot *root, ZvOperation op, gboolean remote)
{
  if (remote)
    return zv_host_facts_new (NULL);   /* nothing of a remote host is readable here */
  ZvHostFacts *facts = zv_host_facts_new (root);
  if (op == ZV_OP_CHECK || op == ZV_OP_PREPARE)
    zv_host_facts_read_boot_config (facts);   /* check (--op prepare): ccw.boot-config */
  return facts;
}

/* Adds the facts about CTX's device and domain to FACTS. */
void
zv_rules_add_facts (ZvHostFacts *facts, const ZvRuleContext *ctx)
{
  zv_host_facts_add_target (facts, ctx->target, ctx->domain);
}

/* Reads the host facts the rules need for CTX's device and domain. */
ZvHostFacts *
zv_rules_read_facts (const ZvRuleContext *ctx)
{
  ZvHostFacts *facts = zv_rules_host_facts (ctx->root, ctx->op,
                                            ctx->target != NULL && ctx->target->remote != NULL);
  zv_rules_add_facts (facts, ctx);
  return facts;
}

/* Runs every rule on CTX. */
GPtrArray *
zv_rules_run (const ZvRuleContext *ctx)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  g_autoptr (ZvHostFacts) facts = ctx->facts ? NULL : zv_rules_read_facts (ctx);
  ZvRuleContext with_facts = *ctx;
  if (facts != NULL)
    with_facts.facts = facts;
  RunData rd = { &with_facts, out };
  zv_rules_foreach (run_one, &rd);
  return out;
}

/* TRUE when VIOLATIONS holds an error-severity violation. */
gboolean
zv_violations_have_error (GPtrArray *violations)
{
  for (guint i = 0; violations && i < violations->len; i++)
    if (((ZvViolation *) g_ptr_array_index (violations, i))->severity == ZV_SEVERITY_ERROR)
      return TRUE;
  return FALSE;
}

/* Formats one violation: the message line(s), then the hint's, the CLI's part
 * of it on lines of its own (its commands are not broken by the hint's text). */
static void
format_one (GString *s, const ZvViolation *v, ZvHintStyle style, gsize width)
{
  const char *cli_hint = style == ZV_HINTS_CLI ? v->cli_hint : NULL;
  /* the device first (what the admin names), then its subchannel, unless the
   * name is the subchannel already */
  gboolean show_subchannel = v->subchannel != NULL && !g_str_has_prefix (v->device, "sch:") &&
                             strcmp (v->device, v->subchannel) != 0;
  g_autofree char *where = show_subchannel
                           ? g_strdup_printf ("%s (subchannel %s)", v->device, v->subchannel)
                           : g_strdup (v->device);
  g_autofree char *head = g_strdup_printf ("%s: %s: %s:", zv_severity_name (v->severity),
                                           v->rule, where);
  /* escaped: each part stays on its lines, whatever the names hold; the head is
   * never broken (readers find a violation by its first line) */
  g_autofree char *shown_head = zv_text_escape (head);
  g_autofree char *shown = zv_text_escape (v->message);
  g_string_append (s, shown_head);
  zv_text_append_wrapped (s, shown, "    ", width, TRUE);
  g_string_append_c (s, '\n');
  if (*v->hint == '\0' && cli_hint == NULL)
    return;
  g_string_append (s, "  fix: ");
  if (*v->hint != '\0')
    {
      g_autofree char *shown_hint = zv_text_escape (v->hint);
      zv_text_append_wrapped (s, shown_hint, "       ", width, FALSE);
      if (cli_hint != NULL)
        g_string_append (s, ";\n       ");
    }
  if (cli_hint != NULL)
    {
      g_autofree char *shown_cli = zv_text_escape (cli_hint);
      zv_text_append_wrapped (s, shown_cli, "       ", width, FALSE);
    }
  g_string_append_c (s, '\n');
}

/* Each violation with its hint, in lines of at most ZV_VIOLATION_WIDTH columns. */
char *
zv_violations_format (GPtrArray *violations, ZvHintStyle style)
{
  return zv_violations_format_after (violations, style, 0);
}

/* zv_violations_format for lines that each follow a prefix of PREFIX_WIDTH columns. */
char *
zv_violations_format_after (GPtrArray *violations, ZvHintStyle style, gsize prefix_width)
{
  /* a prefix as long as a line still leaves room for a few words */
  gsize width = prefix_width + 40 < ZV_VIOLATION_WIDTH ? ZV_VIOLATION_WIDTH - prefix_width : 40;
  GString *s = g_string_new (NULL);
  for (guint i = 0; violations && i < violations->len; i++)
    format_one (s, g_ptr_array_index (violations, i), style, width);
  return g_string_free (s, FALSE);
}
