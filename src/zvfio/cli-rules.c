/* zvfio CLI: the rules step of commands that change something (define,
 * start, hostdev, attach): run the rules, show every violation, refuse on an
 * error. */
#include "cli.h"
#include "zv-rules.h"

#include <stdio.h>

/* Runs the rules on CTX; prints every violation to stderr; FALSE (ZV_ERROR_RULE)
 * when one has error severity. WHAT names the refused action. */
gboolean
zv_cli_enforce_rules (const ZvRuleContext *ctx, const char *what, GError **error)
{
  g_autoptr (GPtrArray) violations = zv_rules_run (ctx);
  g_autofree char *text = zv_violations_format (violations, ZV_HINTS_CLI);
  fputs (text, stderr);
  zv_cli_note_remote_rules (ctx);
  if (!zv_violations_have_error (violations))
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_RULE, "refusing to %s (see the rule violations above)",
               what);
  return FALSE;
}
