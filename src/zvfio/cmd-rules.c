/* zvfio rules: lists every passthrough rule (id, severity, summary). */
#include "cli.h"
#include "zv-json.h"
#include "zv-rules.h"

#include <stdio.h>

/* zv_rules_foreach callback: adds one table row. */
static void
add_row (const ZvRule *rule, gpointer data)
{
  zv_table_add (data, rule->id, zv_severity_name (rule->severity), rule->summary, NULL);
}

/* zv_rules_foreach callback: adds one JSON object. */
static void
add_json (const ZvRule *rule, gpointer data)
{
  zv_json_add_string_object (data, "id", rule->id, "severity", zv_severity_name (rule->severity),
                             "summary", rule->summary, NULL);
}

/* rules [--json] */
gboolean
zv_cmd_rules (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print a JSON array of {id,severity,summary}",
      NULL },
    { NULL }
  };
  if (!zv_cli_parse ("rules", "", "List the passthrough rules.", entries, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "rules: no arguments expected");
      return FALSE;
    }
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      zv_rules_foreach (add_json, b);
      json_builder_end_array (b);
      g_autoptr (JsonNode) node = json_builder_get_root (b);
      zv_cli_print_json (node);
      return TRUE;
    }
  ZvTable *table = zv_table_new ("RULE", "SEVERITY", "SUMMARY", NULL);
  zv_rules_foreach (add_row, table);
  zv_table_print_free (table);
  return TRUE;
}
