/* zvfio: escaping untrusted text for terminals and logs (zv-text.h). */
#include "zv-text.h"

#include <string.h>

/* TRUE when code point C must not reach a terminal as it is. */
static gboolean
is_control (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
}

/* Appends the escape of every byte of the LENGTH bytes at P to OUT. */
static void
append_bytes (GString *out, const char *p, gsize length)
{
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (out, "\\x%02x", (guint8) p[i]);
}

/* TEXT with control characters and non-UTF-8 bytes written as \xNN. */
char *
zv_text_escape (const char *text)
{
  if (text == NULL)
    return NULL;
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text, *end = text + strlen (text);
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          append_bytes (out, p, 1);   /* not UTF-8: one byte at a time */
          p++;
          continue;
        }
      const char *next = g_utf8_next_char (p);
      if (is_control (c))
        append_bytes (out, p, (gsize) (next - p));
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  return g_string_free (out, FALSE);
}

/* TRUE when TEXT is printable ASCII only. */
gboolean
zv_text_is_plain (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x20 || *p >= 0x7f)
      return FALSE;
  return TRUE;
}
