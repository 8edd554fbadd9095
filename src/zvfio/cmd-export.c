/* zvfio export: the host's passthrough state as a desired-state document
 * (schemas/zvfio-state.schema.json), which 'zvfio apply' takes: every vfio-ccw
 * mdev and PCI hostdev of every domain of the --connect libvirt, with the
 * device's persistence (driverctl override), its mdev definition and guest
 * address. 'zvfio apply' of the output has nothing to do. */
#include "cli-state.h"
#include "cli-libvirt.h"

#include <stdio.h>

/* export [--json] */
gboolean
zv_cmd_export (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = TRUE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON (the default and only format)",
      NULL },
    { NULL }
  };
  if (!zv_cli_parse ("export", NULL, "Print the host's passthrough state as a zvfio apply "
                     "document (JSON).", entries, &argc, &argv, error))
    return FALSE;
  if (argc != 1)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "export: no arguments expected");
      return FALSE;
    }
  if (cli->remote_uri != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "export reads this host's bindings and "
                   "mdev definitions, but %s names another host; run 'zvfio export' on that "
                   "host", cli->remote_uri);
      return FALSE;
    }
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  if (lv == NULL)
    return FALSE;
  g_autoptr (GPtrArray) domains = zv_cli_state_domains (lv, error);
  if (domains == NULL)
    return FALSE;
  g_autoptr (ZvStateDoc) doc = zv_cli_state_export (cli, domains, error);
  if (doc == NULL)
    return FALSE;
  g_autofree char *text = zv_state_doc_to_json (doc);
  fputs (text, stdout);
  return TRUE;
}
