/* zvfio list: the inventory as a table or JSON. */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-json-model.h"
#include "zv-json-writer.h"

#include <stdio.h>
#include <string.h>

/* Streams one subchannel of the scan as JSON and frees it. */
static void
stream_json_row (ZvSubchannel *sch, gpointer user_data)
{
  zv_json_stream_subchannel (user_data, sch);
  zv_subchannel_free (sch);
}

/* Adds one subchannel of the scan to the table and frees it. */
static void
stream_table_row (ZvSubchannel *sch, gpointer user_data)
{
  zv_subchannel_table_add (user_data, sch);
  zv_subchannel_free (sch);
}

/* list of this host's sysfs, streamed: each subchannel is printed (JSON) or
 * turned into its table row as soon as it is read, then freed, so memory holds
 * rows, not the model. The output is the same as printing a whole inventory:
 * the zPCI functions (few) are read first, so that every error comes before
 * any output, and their warnings are put after the subchannels' ones. */
static gboolean
list_streamed (ZvCli *cli, guint scope, gboolean json, GError **error)
{
  g_autoptr (ZvInventory) pci = zv_inventory_new (cli->root, scope);
  if ((scope & ZV_SCOPE_PCI) && !zv_inventory_scan_pci (pci, error))
    return FALSE;
  g_autoptr (ZvInventory) inv = zv_inventory_new (cli->root, scope);
  ZvJsonWriter *w = json ? zv_json_writer_new (stdout) : NULL;
  ZvTable *table = !json && (scope & ZV_SCOPE_CCW) ? zv_subchannel_table_new () : NULL;
  if (w != NULL)
    zv_json_stream_inventory_begin (w);
  if ((scope & ZV_SCOPE_CCW) &&
      !zv_inventory_scan_css_each (inv, json ? 0 : ZV_LOAD_TABLE,
                                   json ? stream_json_row : stream_table_row,
                                   json ? (gpointer) w : (gpointer) table, error))
    {
      /* the scan fails before its first subchannel: nothing was printed */
      if (w != NULL)
        zv_json_writer_discard (w);
      if (table != NULL)
        zv_table_free (table);
      return FALSE;
    }
  g_ptr_array_extend_and_steal (inv->warnings, g_steal_pointer (&pci->warnings));
  g_ptr_array_extend_and_steal (inv->pci_functions, g_steal_pointer (&pci->pci_functions));
  g_ptr_array_extend_and_steal (inv->standby_functions,
                                g_steal_pointer (&pci->standby_functions));
  zv_cli_print_warnings (inv->warnings);
  if (w != NULL)
    {
      zv_json_stream_inventory_end (w, inv);
      if (!zv_json_writer_finish (w))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "list: cannot write the output");
          return FALSE;
        }
      return TRUE;
    }
  if (table != NULL)
    zv_table_print_free (table);
  if (scope == ZV_SCOPE_ALL)
    printf ("\n");
  if (scope & ZV_SCOPE_PCI)
    zv_print_pci_table (inv->pci_functions, inv->standby_functions);
  return TRUE;
}

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
  /* this host's sysfs is streamed; a remote host's devices are its libvirt's */
  if (!from_libvirt && cli->remote_uri == NULL)
    return list_streamed (cli, scope, json, error);
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
    zv_print_pci_table (inv->pci_functions, inv->standby_functions);
  return TRUE;
}
