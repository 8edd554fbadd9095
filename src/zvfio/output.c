/* zvfio CLI: tables, JSON and warnings output. */
#include "cli.h"
#include "zv-json.h"

#include <stdio.h>
#include <string.h>

struct _ZvTable {
  GPtrArray *headers;   /* char* */
  GPtrArray *rows;      /* GPtrArray of char* */
};

/* Creates a table with the NULL-terminated column headers. */
ZvTable *
zv_table_new (const char *first_header, ...)
{
  ZvTable *t = g_new0 (ZvTable, 1);
  t->headers = g_ptr_array_new_with_free_func (g_free);
  t->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  va_list args;
  va_start (args, first_header);
  for (const char *h = first_header; h; h = va_arg (args, const char *))
    g_ptr_array_add (t->headers, g_strdup (h));
  va_end (args);
  return t;
}

/* Adds a row of cells (NULL-terminated). */
void
zv_table_add (ZvTable *table, const char *first_cell, ...)
{
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  va_list args;
  va_start (args, first_cell);
  const char *cell = first_cell;
  for (guint i = 0; i < table->headers->len; i++)
    {
      g_ptr_array_add (row, g_strdup (cell ? cell : "-"));
      cell = va_arg (args, const char *);
    }
  va_end (args);
  g_ptr_array_add (table->rows, row);
}

/* Prints one row padded to WIDTHS. */
static void
print_row (GPtrArray *cells, const gsize *widths)
{
  GString *line = g_string_new (NULL);
  for (guint i = 0; i < cells->len; i++)
    {
      const char *cell = g_ptr_array_index (cells, i);
      g_string_append (line, cell);
      if (i + 1 < cells->len)
        for (gsize pad = g_utf8_strlen (cell, -1); pad < widths[i] + 2; pad++)
          g_string_append_c (line, ' ');
    }
  while (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  printf ("%s\n", line->str);
  g_string_free (line, TRUE);
}

/* Prints the table to stdout and frees it. */
void
zv_table_print_free (ZvTable *table)
{
  guint n = table->headers->len;
  g_autofree gsize *widths = g_new0 (gsize, n);
  for (guint i = 0; i < n; i++)
    widths[i] = g_utf8_strlen (g_ptr_array_index (table->headers, i), -1);
  for (guint r = 0; r < table->rows->len; r++)
    {
      GPtrArray *row = g_ptr_array_index (table->rows, r);
      for (guint i = 0; i < n; i++)
        widths[i] = MAX (widths[i], (gsize) g_utf8_strlen (g_ptr_array_index (row, i), -1));
    }
  print_row (table->headers, widths);
  gsize total = 0;
  for (guint i = 0; i < n; i++)
    total += widths[i] + (i + 1 < n ? 2 : 0);
  g_autofree char *rule = g_strnfill (total, '-');
  printf ("%s\n", rule);
  for (guint r = 0; r < table->rows->len; r++)
    print_row (g_ptr_array_index (table->rows, r), widths);
  g_ptr_array_unref (table->headers);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

/* Prints the inventory's warnings to stderr. */
void
zv_cli_print_warnings (GPtrArray *warnings)
{
  for (guint i = 0; warnings && i < warnings->len; i++)
    fprintf (stderr, "zvfio: warning: %s\n", (const char *) g_ptr_array_index (warnings, i));
}

/* Prints JSON NODE to stdout. */
void
zv_cli_print_json (JsonNode *node)
{
  g_autofree char *text = zv_json_to_text (node);
  fputs (text, stdout);
}

/* Formats the mdev list of a subchannel for the table: "uuid(active,auto)". */
static char *
format_mdevs (const ZvSubchannel *sch)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (s->len)
        g_string_append_c (s, ',');
      g_string_append_printf (s, "%s(%s%s%s)", m->uuid, m->active ? "active" : "inactive",
                              m->defined ? "," : "", m->defined ? m->start : "");
    }
  if (s->len == 0)
    g_string_append_c (s, '-');
  return g_string_free (s, FALSE);
}

/* Formats the table columns of the subchannel list (documented in zvfio(1)). */
void
zv_print_subchannel_table (GPtrArray *subchannels)
{
  ZvTable *t = zv_table_new ("Device", "Subchan.", "Type", "DevType", "CU Type", "Use",
                             "PIM PAM POM", "CHPIDs", "Driver", "MDEVs", NULL);
  for (guint i = 0; i < subchannels->len; i++)
    {
      const ZvSubchannel *sch = g_ptr_array_index (subchannels, i);
      const ZvCcwDevice *dev = sch->device;
      g_autofree char *ppp = sch->has_pimpampom
        ? g_strdup_printf ("%02x  %02x  %02x", sch->pimpampom[0], sch->pimpampom[1],
                           sch->pimpampom[2])
        : g_strdup ("-");
      g_autofree char *chpids = sch->has_chpids
        ? g_strdup_printf ("%02x%02x%02x%02x %02x%02x%02x%02x", sch->chpids[0], sch->chpids[1],
                           sch->chpids[2], sch->chpids[3], sch->chpids[4], sch->chpids[5],
                           sch->chpids[6], sch->chpids[7])
        : g_strdup ("-");
      g_autofree char *mdevs = format_mdevs (sch);
      const char *device = dev ? dev->id : (sch->dev_busid ? sch->dev_busid : "none");
      const char *use = dev == NULL ? "-" : dev->online == 1 ? "yes" : dev->online == 0 ? "no"
                                                                                         : "?";
      const char *type = zv_subchannel_type_name (sch->type);
      g_autofree char *type_text = g_strdup_printf ("%s%s", type ? type : "?",
                                                    sch->qdio ? "/qdio" : "");
      zv_table_add (t, device, sch->id, type_text, dev && dev->devtype ? dev->devtype : "-",
                    dev && dev->cutype ? dev->cutype : "-", use, ppp, chpids,
                    sch->driver ? sch->driver : "-", mdevs, NULL);
    }
  zv_table_print_free (t);
}

/* Formats an optional hex value with WIDTH digits, "-" when absent. */
static char *
opt_hex (ZvOptU32 v, int width)
{
  return v.present ? g_strdup_printf ("0x%0*x", width, v.value) : g_strdup ("-");
}

/* Formats the table columns of the zPCI list (documented in zvfio(1)). */
void
zv_print_pci_table (GPtrArray *pci_functions)
{
  ZvTable *t = zv_table_new ("Address", "FID", "UID", "PFT", "Function type", "ISM", "MIO",
                             "Driver", "IOMMU", "Power", NULL);
  for (guint i = 0; i < pci_functions->len; i++)
    {
      const ZvPciFunction *fn = g_ptr_array_index (pci_functions, i);
      g_autofree char *fid = opt_hex (fn->fid, 8);
      g_autofree char *uid = opt_hex (fn->uid, 1);
      g_autofree char *pft = opt_hex (fn->pft, 2);
      const char *pft_name = fn->pft.present ? zv_pft_name (fn->pft.value) : NULL;
      g_autofree char *group = fn->iommu_group >= 0 ? g_strdup_printf ("%d", fn->iommu_group)
                                                    : g_strdup ("-");
      const char *mio = fn->mio_enabled < 0 ? "-" : fn->mio_enabled ? "1" : "0";
      const char *power = fn->slot_power < 0 ? "-" : fn->slot_power ? "on" : "standby";
      zv_table_add (t, fn->address, fid, uid, pft, pft_name ? pft_name : "unknown",
                    fn->ism ? "yes" : "no", mio, fn->driver ? fn->driver : "-", group, power,
                    NULL);
    }
  zv_table_print_free (t);
}

/* Parses command options with GOption; sets a ZV_ERROR_USAGE error on failure. */
gboolean
zv_cli_parse (const char *command, const char *params, const char *summary,
              GOptionEntry *entries, int *argc, char ***argv, GError **error)
{
  g_autofree char *usage = g_strdup_printf ("%s%s%s", command, params ? " " : "",
                                            params ? params : "");
  g_autoptr (GOptionContext) ctx = g_option_context_new (usage);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_strict_posix (ctx, FALSE);
  g_autoptr (GError) local = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &local))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: %s (see 'zvfio %s --help')",
                   command, local->message, command);
      return FALSE;
    }
  return TRUE;
}
