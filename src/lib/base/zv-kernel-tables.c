/* zvfio: pure parsers for lines of the kernel's mountinfo, swaps and route tables. */
#include "zv-kernel-tables.h"
#include "zv-parse.h"

#include <string.h>

/* Frees the strings of ENTRY. */
void
zv_mountinfo_entry_clear (ZvMountinfoEntry *entry)
{
  g_clear_pointer (&entry->mountpoint, g_free);
  g_clear_pointer (&entry->fstype, g_free);
  g_clear_pointer (&entry->source, g_free);
}

/* Parses "MAJ:MIN". */
gboolean
zv_parse_devt (const char *text, ZvDevt *out)
{
  const char *colon = text ? strchr (text, ':') : NULL;
  if (colon == NULL || colon == text || colon - text > 10)
    return FALSE;
  char major[11];
  memcpy (major, text, (gsize) (colon - text));
  major[colon - text] = '\0';
  guint32 maj, min;
  if (!zv_parse_dec_u32 (major, &maj) || !zv_parse_dec_u32 (colon + 1, &min))
    return FALSE;
  out->major = maj;
  out->minor = min;
  return TRUE;
}

/* Undoes the kernel's octal escapes of a mountinfo or swaps field. */
char *
zv_octal_unescape (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      guint value = 0;
      for (int i = 1; i <= 3; i++)
        {
          if (p[i] < '0' || p[i] > '7')
            {
              g_string_free (out, TRUE);
              return NULL;
            }
          value = value * 8 + (guint) (p[i] - '0');
        }
      if (value == 0 || value > 0xff)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, (char) value);
      p += 3;
    }
  return g_string_free (out, FALSE);
}

/* Splits LINE at runs of spaces and tabs (the kernel's tables never have empty fields). */
static GStrv
split_fields (const char *line)
{
  GPtrArray *fields = g_ptr_array_new ();
  const char *p = line;
  for (;;)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      const char *end = p + strcspn (p, " \t");
      g_ptr_array_add (fields, g_strndup (p, (gsize) (end - p)));
      p = end;
    }
  g_ptr_array_add (fields, NULL);
  return (GStrv) g_ptr_array_free (fields, FALSE);
}

/* Parses one /proc/self/mountinfo line:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS */
gboolean
zv_mountinfo_parse_line (const char *line, ZvMountinfoEntry *out)
{
  memset (out, 0, sizeof *out);
  g_auto (GStrv) f = split_fields (line);
  guint n = g_strv_length (f);
  guint32 id;
  if (n < 10 || !zv_parse_dec_u32 (f[0], &id) || !zv_parse_dec_u32 (f[1], &id) ||
      !zv_parse_devt (f[2], &out->devt))
    return FALSE;
  guint sep = 6;
  while (sep < n && strcmp (f[sep], "-") != 0)
    sep++;
  if (sep + 3 > n)
    return FALSE;
  out->mountpoint = zv_octal_unescape (f[4]);
  out->fstype = zv_octal_unescape (f[sep + 1]);
  out->source = zv_octal_unescape (f[sep + 2]);
  if (out->mountpoint == NULL || out->fstype == NULL || out->source == NULL)
    {
      zv_mountinfo_entry_clear (out);
      return FALSE;
    }
  return TRUE;
}

/* Parses one /proc/swaps line: Filename Type Size Used Priority. */
gboolean
zv_swaps_parse_line (const char *line, char **path, gboolean *partition)
{
  *path = NULL;
  *partition = FALSE;
  g_auto (GStrv) f = split_fields (line);
  guint n = g_strv_length (f);
  if (n >= 1 && strcmp (f[0], "Filename") == 0)
    return TRUE;
  if (n != 5 || (strcmp (f[1], "partition") != 0 && strcmp (f[1], "file") != 0))
    return FALSE;
  *path = zv_octal_unescape (f[0]);
  *partition = strcmp (f[1], "partition") == 0;
  return *path != NULL;
}

/* Parses a 32-bit hex number of exactly DIGITS digits (no prefix). */
static gboolean
parse_hex_digits (const char *text, gsize digits, guint32 *out)
{
  if (strlen (text) != digits || (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')))
    return FALSE;
  return zv_parse_hex_u32_loose (text, out);
}

/* Parses one /proc/net/route line. */
gboolean
zv_route_parse_line (const char *line, char **iface, gboolean *is_default)
{
  *iface = NULL;
  *is_default = FALSE;
  g_auto (GStrv) f = split_fields (line);
  guint n = g_strv_length (f);
  if (n >= 1 && strcmp (f[0], "Iface") == 0)
    return TRUE;
  guint32 dest, gw, flags, mask;
  if (n != 11 || !parse_hex_digits (f[1], 8, &dest) || !parse_hex_digits (f[2], 8, &gw) ||
      !parse_hex_digits (f[3], 4, &flags) || !parse_hex_digits (f[7], 8, &mask))
    return FALSE;
  *is_default = dest == 0 && mask == 0;
  if (strcmp (f[0], "*") != 0)
    *iface = g_strdup (f[0]);
  return TRUE;
}

/* TRUE when TEXT is exactly DIGITS lowercase or uppercase hex digits. */
static gboolean
is_hex_field (const char *text, gsize digits)
{
  if (strlen (text) != digits)
    return FALSE;
  for (gsize i = 0; i < digits; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

/* Parses one /proc/net/ipv6_route line:
 * DST PLEN SRC PLEN GATEWAY METRIC REFCNT USE FLAGS DEVICE */
gboolean
zv_ipv6_route_parse_line (const char *line, char **iface, gboolean *is_default)
{
  *iface = NULL;
  *is_default = FALSE;
  g_auto (GStrv) f = split_fields (line);
  if (g_strv_length (f) != 10 || !is_hex_field (f[0], 32) || !is_hex_field (f[1], 2) ||
      !is_hex_field (f[2], 32) || !is_hex_field (f[3], 2) || !is_hex_field (f[4], 32))
    return FALSE;
  for (int i = 5; i <= 8; i++)
    if (!is_hex_field (f[i], 8))
      return FALSE;
  *is_default = strcmp (f[1], "00") == 0 && strspn (f[0], "0") == 32;
  *iface = g_strdup (f[9]);
  return TRUE;
}

/* Parses a network interface's flags ("%#x": "0x1003", or "0" for none). */
gboolean
zv_parse_netdev_flags (const char *text, guint32 *out)
{
  if (g_strcmp0 (text, "0") == 0)
    {
      *out = 0;
      return TRUE;
    }
  return zv_parse_hex_u32 (text, out);
}
