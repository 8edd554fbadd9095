/* zvfio list: the inventory as a table or JSON. */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-json.h"

#include <stdio.h>
#include <string.h>

/* list [ccw|pci] [--json] */
gboolean
zv_cmd_list (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  gboolean from_libvirt = FALSE;
  GOptionEntry entries[] = {
    { "from-libvirt", 0, 0, G_OPTION_ARG_NONE, &from_libvirt,
      "Read the inventory from libvirt's node devices (--connect URI; remote hosts too)", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON (schemas/zvfio-list.schema.json)",
      NULL },
    { NULL }
  };
  if (!zv_cli_parse ("list", "[ccw|pci]", "List the channel subsystem and zPCI inventory.",
                     entries, &argc, &argv, error))
    return FALSE;
  guint scope = ZV_SCOPE_ALL;
  if (argc > 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "list: too many arguments");
      return FALSE;
    }
  if (argc == 2)
    {
      if (strcmp (argv[1], "ccw") == 0)
        scope = ZV_SCOPE_CCW;
      else if (strcmp (argv[1], "pci") == 0)
        scope = ZV_SCOPE_PCI;
      else
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                       "list: unknown kind '%s' (expected ccw or pci)", argv[1]);
          return FALSE;
        }
    }
  g_autoptr (ZvLibvirt) lv = from_libvirt ? zv_cli_libvirt_open (cli, error) : NULL;
  if (from_libvirt && lv == NULL)
    return FALSE;
  g_autoptr (ZvInventory) inv = from_libvirt ? zv_cli_libvirt_inventory (cli, lv, scope, error)
                                             : zv_cli_inventory (cli, scope, error);
  if (inv == NULL)
    return FALSE;
  zv_cli_print_warnings (inv->warnings);
  if (json)
    {
      g_autoptr (JsonNode) node = zv_json_inventory (inv);
      zv_cli_print_json (node);
      return TRUE;
    }
  if (scope & ZV_SCOPE_CCW)
    zv_print_subchannel_table (inv->subchannels);
  if (scope == ZV_SCOPE_ALL)
    printf ("\n");
  if (scope & ZV_SCOPE_PCI)
    zv_print_pci_table (inv->pci_functions);
  return TRUE;
}
