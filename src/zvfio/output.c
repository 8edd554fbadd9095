/* zvfio CLI: tables, JSON and warnings output. */
#include "cli.h"
#include "zv-json.h"
#include "zv-text.h"

#include <stdio.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <string.h>

struct _ZvTable {
  GPtrArray *headers;   /* char* */
  GPtrArray *rows;      /* char*: a row's cells packed, each ended by a NUL */
  gsize *min_widths;    /* least width of each column, or NULL */
};

/* Packs the N CELLS of a row into one block (each cell ended by a NUL). */
static char *
pack_row (const char * const *cells, guint n)
{
  gsize size = 0;
  for (guint i = 0; i < n; i++)
    size += strlen (cells[i]) + 1;
  char *packed = g_malloc (size);
  char *p = packed;
  for (guint i = 0; i < n; i++)
    p = stpcpy (p, cells[i]) + 1;
  return packed;
}

/* Creates a table with the NULL-terminated column headers. */
ZvTable *
zv_table_new (const char *first_header, ...)
{
  ZvTable *t = g_new0 (ZvTable, 1);
  t->headers = g_ptr_array_new_with_free_func (g_free);
  t->rows = g_ptr_array_new_with_free_func (g_free);
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
  guint n = table->headers->len;
  g_autofree const char **cells = g_new0 (const char *, n);
  g_auto (GStrv) escaped = g_new0 (char *, n + 1);   /* cells that needed escaping */
  va_list args;
  va_start (args, first_cell);
  const char *cell = first_cell;
  for (guint i = 0; i < n; i++)
    {
      if (cell != NULL && !zv_text_is_plain (cell))
        cell = escaped[i] = zv_text_escape (cell);
      cells[i] = cell ? cell : "-";
      cell = va_arg (args, const char *);
    }
  va_end (args);
  g_ptr_array_add (table->rows, pack_row (cells, n));
}

/* Prints one row of N packed CELLS padded to WIDTHS (LINE is scratch). */
static void
print_row (const char *cells, guint n, const gsize *widths, GString *line)
{
  g_string_truncate (line, 0);
  const char *cell = cells;
  for (guint i = 0; i < n; i++)
    {
      g_string_append (line, cell);
      if (i + 1 < n)
        for (gsize pad = g_utf8_strlen (cell, -1); pad < widths[i] + 2; pad++)
          g_string_append_c (line, ' ');
      cell += strlen (cell) + 1;
    }
  while (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  g_string_append_c (line, '\n');
  fwrite (line->str, 1, line->len, stdout);
}

/* Frees a table without printing it. */
void
zv_table_free (ZvTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->headers);
  g_ptr_array_unref (table->rows);
  g_free (table->min_widths);
  g_free (table);
}

/* Prints the table to stdout and frees it. */
void
zv_table_print_free (ZvTable *table)
{
  guint n = table->headers->len;
  g_autofree gsize *widths = g_new0 (gsize, n);
  for (guint i = 0; i < n; i++)
    widths[i] = MAX (table->min_widths ? table->min_widths[i] : 0,
                     (gsize) g_utf8_strlen (g_ptr_array_index (table->headers, i), -1));
  for (guint r = 0; r < table->rows->len; r++)
    {
      const char *cell = g_ptr_array_index (table->rows, r);
      for (guint i = 0; i < n; i++, cell += strlen (cell) + 1)
        widths[i] = MAX (widths[i], (gsize) g_utf8_strlen (cell, -1));
    }
  g_autoptr (GString) line = g_string_new (NULL);
  g_autofree char *header = pack_row ((const char * const *) table->headers->pdata, n);
  print_row (header, n, widths, line);
  gsize total = 0;
  for (guint i = 0; i < n; i++)
    total += widths[i] + (i + 1 < n ? 2 : 0);
  g_autofree char *rule = g_strnfill (total, '-');
  printf ("%s\n", rule);
  for (guint r = 0; r < table->rows->len; r++)
    print_row (g_ptr_array_index (table->rows, r), n, widths, line);
  zv_table_free (table);
}

/* The width zvfio's messages wrap at on stderr: 0 (one line each, as a log or
 * a script reads them) unless stderr is a terminal; there the terminal's width,
 * at most ZV_TEXT_WIDTH columns. */
static gsize
message_width (void)
{
  static gssize width = -1;
  if (width >= 0)
    return (gsize) width;
  struct winsize ws = { 0 };
  if (!isatty (STDERR_FILENO))
    width = 0;
  else if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 &&
           ws.ws_col < ZV_TEXT_WIDTH)
    width = ws.ws_col;
  else
    width = ZV_TEXT_WIDTH;
  return (gsize) width;
}

/* Prints "zvfio: MESSAGE" (FORMAT and its arguments) to stderr: at a terminal
 * in lines of at most its width (ZV_TEXT_WIDTH at most), continued with 4
 * spaces as a rule's violation is; elsewhere on one line. */
void
zv_cli_message (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  gsize width = message_width ();
  if (width == 0)
    {
      fprintf (stderr, "zvfio: %s\n", text);
      return;
    }
  g_autoptr (GString) out = g_string_new ("zvfio:");
  zv_text_append_wrapped (out, text, "    ", width, TRUE);
  g_string_append_c (out, '\n');
  fputs (out->str, stderr);
}

/* Prints the inventory's warnings to stderr. */
void
zv_cli_print_warnings (GPtrArray *warnings)
{
  for (guint i = 0; warnings && i < warnings->len; i++)
    {
      g_autofree char *shown = zv_text_escape (g_ptr_array_index (warnings, i));
      zv_cli_message ("warning: %s", shown);
    }
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

/* One column of a list table: its header, its least width (the widest cell
 * or the header wins), and how an item fills its cell (NULL prints "-"). */
typedef struct {
  const char *header;
  guint width;
  char *(*cell) (gconstpointer item);
} ZvColumn;

/* Creates an empty table of the N COLUMNS. */
static ZvTable *
columns_table_new (const ZvColumn *columns, guint n)
{
  ZvTable *t = g_new0 (ZvTable, 1);
  t->headers = g_ptr_array_new_with_free_func (g_free);
  t->rows = g_ptr_array_new_with_free_func (g_free);
  t->min_widths = g_new0 (gsize, n);
  for (guint c = 0; c < n; c++)
    {
      g_ptr_array_add (t->headers, g_strdup (columns[c].header));
      t->min_widths[c] = columns[c].width;
    }
  return t;
}

/* Adds the row of ITEM to T, a table of the N COLUMNS. */
static void
columns_table_add (ZvTable *t, const ZvColumn *columns, guint n, gconstpointer item)
{
  char *cells[16];
  g_assert (n <= G_N_ELEMENTS (cells));
  for (guint c = 0; c < n; c++)
    {
      cells[c] = columns[c].cell (item);
      if (cells[c] == NULL)
        cells[c] = g_strdup ("-");
    }
  g_ptr_array_add (t->rows, pack_row ((const char * const *) cells, n));
  for (guint c = 0; c < n; c++)
    g_free (cells[c]);
}

/* Prints ITEMS as a table of the N COLUMNS. */
static void
print_columns (const ZvColumn *columns, guint n, GPtrArray *items)
{
  ZvTable *t = columns_table_new (columns, n);
  for (guint i = 0; i < items->len; i++)
    columns_table_add (t, columns, n, g_ptr_array_index (items, i));
  zv_table_print_free (t);
}

/* Copies TEXT for a cell ("-" for NULL). */
static char *
text_cell (const char *text)
{
  return g_strdup (text ? text : "-");
}

/* Subchannel list "Device": the ccw device, or the devno of a vfio_ccw-bound one. */
static char *
sch_device (gconstpointer item)
{
  const ZvSubchannel *sch = item;
  return g_strdup (sch->device ? sch->device->id : (sch->dev_busid ? sch->dev_busid : "none"));
}

/* Subchannel list "Subchan.". */
static char *
sch_id (gconstpointer item)
{
  return text_cell (((const ZvSubchannel *) item)->id);
}

/* Subchannel list "Type": "io", "io/qdio", "chsc", ... */
static char *
sch_type (gconstpointer item)
{
  const ZvSubchannel *sch = item;
  const char *type = zv_subchannel_type_name (sch->type);
  return g_strconcat (type ? type : "?", sch->qdio ? "/qdio" : "", NULL);
}

/* Appends BYTE as two lowercase hex digits at P ("%02x" without printf: the
 * table formats eleven bytes per subchannel); returns the end. */
static char *
put_hex_byte (char *p, guint8 byte)
{
  static const char hex[] = "0123456789abcdef";
  *p++ = hex[byte >> 4];
  *p++ = hex[byte & 0xf];
  return p;
}

/* Subchannel list "DevType". */
static char *
sch_devtype (gconstpointer item)
{
  const ZvCcwDevice *dev = ((const ZvSubchannel *) item)->device;
  return text_cell (dev ? dev->devtype : NULL);
}

/* Subchannel list "CU Type". */
static char *
sch_cutype (gconstpointer item)
{
  const ZvCcwDevice *dev = ((const ZvSubchannel *) item)->device;
  return text_cell (dev ? dev->cutype : NULL);
}

/* Subchannel list "Use": whether the ccw device is online. */
static char *
sch_use (gconstpointer item)
{
  const ZvCcwDevice *dev = ((const ZvSubchannel *) item)->device;
  return g_strdup (dev == NULL ? "-" : dev->online == 1 ? "yes" : dev->online == 0 ? "no" : "?");
}

/* Subchannel list "PIM PAM POM". */
static char *
sch_pimpampom (gconstpointer item)
{
  const ZvSubchannel *sch = item;
  if (!sch->has_pimpampom)
    return NULL;
  char *text = g_malloc (sizeof "xx  xx  xx"), *p = text;   /* "%02x  %02x  %02x" */
  for (guint i = 0; i < 3; i++)
    {
      if (i > 0)
        p = stpcpy (p, "  ");
      p = put_hex_byte (p, sch->pimpampom[i]);
    }
  *p = '\0';
  return text;
}

/* Subchannel list "CHPIDs". */
static char *
sch_chpids (gconstpointer item)
{
  const ZvSubchannel *sch = item;
  if (!sch->has_chpids)
    return NULL;
  char *text = g_malloc (sizeof "xxxxxxxx xxxxxxxx"), *p = text;   /* two groups of four */
  for (guint i = 0; i < 8; i++)
    {
      if (i == 4)
        *p++ = ' ';
      p = put_hex_byte (p, sch->chpids[i]);
    }
  *p = '\0';
  return text;
}

/* Subchannel list "Driver". */
static char *
sch_driver (gconstpointer item)
{
  return text_cell (((const ZvSubchannel *) item)->driver);
}

/* Subchannel list "MDEVs". */
static char *
sch_mdevs (gconstpointer item)
{
  return format_mdevs (item);
}

/* The columns of the subchannel list (documented in zvfio(1)). */
static const ZvColumn subchannel_columns[] = {
  { "Device", 0, sch_device }, { "Subchan.", 0, sch_id }, { "Type", 0, sch_type },
  { "DevType", 0, sch_devtype }, { "CU Type", 0, sch_cutype }, { "Use", 0, sch_use },
  { "PIM PAM POM", 0, sch_pimpampom }, { "CHPIDs", 0, sch_chpids },
  { "Driver", 0, sch_driver }, { "MDEVs", 0, sch_mdevs },
};

/* Prints the subchannel list. */
void
zv_print_subchannel_table (GPtrArray *subchannels)
{
  print_columns (subchannel_columns, G_N_ELEMENTS (subchannel_columns), subchannels);
}

/* Creates the subchannel list, to be filled row by row (zv_table_print_free prints it). */
ZvTable *
zv_subchannel_table_new (void)
{
  return columns_table_new (subchannel_columns, G_N_ELEMENTS (subchannel_columns));
}

/* Adds the row of SCH to a table from zv_subchannel_table_new. */
void
zv_subchannel_table_add (ZvTable *table, const ZvSubchannel *sch)
{
  columns_table_add (table, subchannel_columns, G_N_ELEMENTS (subchannel_columns), sch);
}

/* Formats an optional hex value with WIDTH digits, NULL ("-") when absent. */
static char *
opt_hex (ZvOptU32 v, int width)
{
  return v.present ? g_strdup_printf ("0x%0*x", width, v.value) : NULL;
}

/* zPCI list "Address". */
static char *
pci_address (gconstpointer item)
{
  return text_cell (((const ZvPciFunction *) item)->address);
}

/* zPCI list "FID". */
static char *
pci_fid (gconstpointer item)
{
  return opt_hex (((const ZvPciFunction *) item)->fid, 8);
}

/* zPCI list "UID". */
static char *
pci_uid (gconstpointer item)
{
  return opt_hex (((const ZvPciFunction *) item)->uid, 1);
}

/* zPCI list "PFT". */
static char *
pci_pft (gconstpointer item)
{
  return opt_hex (((const ZvPciFunction *) item)->pft, 2);
}

/* zPCI list "Function type": the name of the PFT. */
static char *
pci_function_type (gconstpointer item)
{
  const ZvPciFunction *fn = item;
  if (fn->address == NULL)
    return g_strdup ("(standby)");   /* a slot in standby: no PCI device to read yet */
  const char *name = fn->pft.present ? zv_pft_name (fn->pft.value) : NULL;
  return g_strdup (name ? name : "unknown");
}

/* zPCI list "ISM". */
static char *
pci_ism (gconstpointer item)
{
  const ZvPciFunction *fn = item;
  return g_strdup (fn->address == NULL ? "-" : fn->ism ? "yes" : "no");
}

/* zPCI list "MIO". */
static char *
pci_mio (gconstpointer item)
{
  const ZvPciFunction *fn = item;
  return g_strdup (fn->mio_enabled < 0 ? "-" : fn->mio_enabled ? "1" : "0");
}

/* zPCI list "Driver". */
static char *
pci_driver (gconstpointer item)
{
  return text_cell (((const ZvPciFunction *) item)->driver);
}

/* zPCI list "IOMMU": the IOMMU group. */
static char *
pci_iommu (gconstpointer item)
{
  const ZvPciFunction *fn = item;
  return fn->iommu_group >= 0 ? g_strdup_printf ("%d", fn->iommu_group) : NULL;
}

/* zPCI list "Power": the slot power. */
static char *
pci_power (gconstpointer item)
{
  const ZvPciFunction *fn = item;
  return g_strdup (fn->slot_power < 0 ? "-" : fn->slot_power ? "on" : "standby");
}

/* The columns of the zPCI list (documented in zvfio(1)). */
static const ZvColumn pci_columns[] = {
  { "Address", 0, pci_address }, { "FID", 0, pci_fid }, { "UID", 0, pci_uid },
  { "PFT", 0, pci_pft }, { "Function type", 0, pci_function_type }, { "ISM", 0, pci_ism },
  { "MIO", 0, pci_mio }, { "Driver", 0, pci_driver }, { "IOMMU", 0, pci_iommu },
  { "Power", 0, pci_power },
};

/* Prints the zPCI list: the configured functions, then those in standby. */
void
zv_print_pci_table (GPtrArray *pci_functions, GPtrArray *standby)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  for (guint i = 0; pci_functions && i < pci_functions->len; i++)
    g_ptr_array_add (rows, g_ptr_array_index (pci_functions, i));
  for (guint i = 0; standby && i < standby->len; i++)
    g_ptr_array_add (rows, g_ptr_array_index (standby, i));
  print_columns (pci_columns, G_N_ELEMENTS (pci_columns), rows);
}

/* Sets ERROR (CODE) for a failure the command has shown already. */
void
zv_cli_set_reported (GError **error, ZvErrorCode code)
{
  g_set_error_literal (error, ZV_ERROR, code, "");
}

/* The argument vectors zv_cli_split_attached made and the strings in them
 * (GOption drops parsed arguments from a vector without freeing them). */
static GPtrArray *split_args;

/* Splits "-XVALUE" into "-X" "VALUE" for every short option X in LETTERS that
 * takes a value ("-rDIR", "-cURI", "-r/path"), as GNU getopt reads them; GOption
 * reads a short option's value only from the next argument. Stops at "--". */
void
zv_cli_split_attached (int *argc, char ***argv, const char *letters)
{
  gboolean any = FALSE;
  for (int i = 1; i < *argc && strcmp ((*argv)[i], "--") != 0; i++)
    {
      const char *arg = (*argv)[i];
      any |= arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' && strchr (letters, arg[1]) &&
             arg[2] != '\0';
    }
  if (!any)
    return;
  if (split_args == NULL)
    split_args = g_ptr_array_new_with_free_func (g_free);
  char **out = g_new0 (char *, 2 * (gsize) *argc + 1);
  int n = 0;
  gboolean done = FALSE;
  for (int i = 0; i < *argc; i++)
    {
      const char *arg = (*argv)[i];
      done |= strcmp (arg, "--") == 0;
      if (i > 0 && !done && arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' &&
          strchr (letters, arg[1]) && arg[2] != '\0')
        {
          out[n] = g_strndup (arg, 2);
          g_ptr_array_add (split_args, out[n++]);
          out[n] = g_strdup (arg + 2);
          g_ptr_array_add (split_args, out[n++]);
        }
      else
        out[n++] = (*argv)[i];
    }
  g_ptr_array_add (split_args, out);
  *argc = n;
  *argv = out;
}

/* Frees what zv_cli_split_attached made. */
void
zv_cli_free_split_args (void)
{
  g_clear_pointer (&split_args, g_ptr_array_unref);
}

/* Parses command options with GOption; sets a ZV_ERROR_USAGE error on failure. */
gboolean
zv_cli_parse (const char *command, const char *params, const char *summary,
              GOptionEntry *entries, int *argc, char ***argv, GError **error)
{
  GString *letters = g_string_new (ZV_CLI_GLOBAL_VALUE_LETTERS);
  for (GOptionEntry *e = entries; e && e->long_name; e++)
    if (e->short_name && e->arg != G_OPTION_ARG_NONE)
      g_string_append_c (letters, e->short_name);
  zv_cli_split_attached (argc, argv, letters->str);
  g_string_free (letters, TRUE);
  g_autofree char *usage = g_strdup_printf ("%s%s%s", command, params ? " " : "",
                                            params ? params : "");
  g_autoptr (GOptionContext) ctx = g_option_context_new (usage);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  /* the global options, also accepted here (main.c takes them out before the
   * command parses; listed so that every command's --help shows them) */
  char *unused_root = NULL, *unused_connect = NULL, *unused_timeout = NULL;
  GOptionEntry global[] = {
    { "root", 'r', 0, G_OPTION_ARG_FILENAME, &unused_root,
      "Global option (also before the command): read sysfs, /etc, /run and /proc below DIR",
      "DIR" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &unused_connect,
      "Global option (also before the command): libvirt connection URI", "URI" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_STRING, &unused_timeout,
      "Global option (also before the command): give up a libvirt connection that has "
      "not opened after SECONDS", "SECONDS" },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, global, NULL);
  g_option_context_set_strict_posix (ctx, FALSE);
  g_autoptr (GError) local = NULL;
  gboolean parsed = g_option_context_parse (ctx, argc, argv, &local);
  g_free (unused_root);
  g_free (unused_connect);
  g_free (unused_timeout);
  if (!parsed)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: %s (see 'zvfio %s --help')",
                   command, local->message, command);
      return FALSE;
    }
  return TRUE;
}
