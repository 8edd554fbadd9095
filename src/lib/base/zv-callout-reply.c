/* zvfio: recognising zvfio-callout's refusal in a failed mdevctl run's text. */
#include "zv-callout-reply.h"
#include "zv-error.h"

#include <string.h>

#define CALLOUT_NAME "zvfio-callout"

/* TRUE when PATH (not NUL-terminated, LEN bytes) names the callout (or its
 * wrapper): its last component is zvfio-callout. */
static gboolean
names_callout (const char *path, gsize len)
{
  gsize name_len = strlen (CALLOUT_NAME);
  if (len < name_len || memcmp (path + len - name_len, CALLOUT_NAME, name_len) != 0)
    return FALSE;
  return len == name_len || path[len - name_len - 1] == '/';
}

/* TRUE when LINE contains mdevctl's report that the callout exited with CODE,
 * in mdevctl 1.2's words ('callout script "PATH" failed with return code N')
 * or in later ones' ("Script 'PATH' failed with status 'N'"). */
static gboolean
reports_callout_exit (const char *line, const char *code)
{
  static const struct {
    const char *before;   /* up to the path */
    char quote;           /* what ends the path */
    const char *after;    /* between the path's quote and the code */
    const char *end;      /* after the code */
  } forms[] = {
    { "callout script \"", '"', " failed with return code ", "" },
    { "Script '", '\'', " failed with status '", "'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      const char *start = strstr (line, forms[i].before);
      if (start == NULL)
        continue;
      const char *path = start + strlen (forms[i].before);
      const char *close = strchr (path, forms[i].quote);
      if (close == NULL || !names_callout (path, (gsize) (close - path)))
        continue;
      const char *rest = close + 1;
      if (!g_str_has_prefix (rest, forms[i].after))
        continue;
      rest += strlen (forms[i].after);
      gsize code_len = strlen (code);
      if (strncmp (rest, code, code_len) != 0)
        continue;
      rest += code_len;
      if (g_str_has_prefix (rest, forms[i].end) &&
          !g_ascii_isdigit (rest[strlen (forms[i].end)]))
        return TRUE;
    }
  return FALSE;
}

/* TRUE when TEXT starts a finding line of the callout: "error: " or "warning: ",
 * a rule id (lowercase letters, digits, '-', at least one '.') and ": ". */
static gboolean
is_finding (const char *text)
{
  const char *p;
  if (g_str_has_prefix (text, "error: "))
    p = text + strlen ("error: ");
  else if (g_str_has_prefix (text, "warning: "))
    p = text + strlen ("warning: ");
  else
    return FALSE;
  const char *id = p;
  gboolean dot = FALSE;
  while (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || *p == '.')
    dot |= *p++ == '.';
  return p > id && dot && id[0] != '.' && p[-1] != '.' && p[0] == ':' && p[1] == ' ';
}

/* Recognises zvfio-callout's refusal in TEXT; its finding lines to *LINES. */
gboolean
zv_callout_refusal_parse (const char *text, GPtrArray **lines)
{
  if (lines != NULL)
    *lines = NULL;
  if (text == NULL)
    return FALSE;
  g_auto (GStrv) split = g_strsplit (text, "\n", -1);
  gboolean refused = FALSE;
  g_autofree char *code = g_strdup_printf ("%d", ZV_EXIT_RULE);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  gboolean in_finding = FALSE;
  for (gsize i = 0; split[i] != NULL; i++)
    {
      const char *line = split[i];
      if (reports_callout_exit (line, code))
        refused = TRUE;
      /* mdevctl puts "zvfio-callout: " before the callout's first line, and
       * libvirt its own words before that */
      const char *prefix = strstr (line, CALLOUT_NAME ": ");
      if (prefix != NULL && is_finding (prefix + strlen (CALLOUT_NAME ": ")))
        line = prefix + strlen (CALLOUT_NAME ": ");
      /* a finding, and the indented lines that continue it (wrapped text, "fix:") */
      if (is_finding (line))
        in_finding = TRUE;
      else if (!in_finding || line[0] != ' ')
        {
          in_finding = FALSE;
          continue;
        }
      g_ptr_array_add (found, g_strdup (line));
    }
  if (refused && lines != NULL)
    *lines = g_steal_pointer (&found);
  return refused;
}
