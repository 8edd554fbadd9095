/* zvfio: escaping untrusted text for terminals and logs, and wrapping messages (zv-text.h). */
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

/* TEXT's words for wrapping: split at spaces, except inside what is copied as
 * a whole: an element (<zvfio:hook offline='allow'/>) and a quoted command
 * ('zvfio prepare --offline 0.0.1234'; a quote opens at the start of a word and
 * closes at the end of one, so an apostrophe inside a word changes nothing). */
static GPtrArray *
wrap_words (const char *text)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *start = text;
  gboolean in_element = FALSE, in_quote = FALSE;
  for (const char *p = text;; p++)
    {
      gboolean quote = *p == '\'' && !in_element;
      gboolean word_start = quote && (p == text || p[-1] == ' ' || p[-1] == '(');
      gboolean word_end = quote && (p[1] == '\0' || strchr (" ),;:.", p[1]) != NULL);
      if (*p == '\0' || (*p == ' ' && !in_element && !in_quote))
        {
          g_ptr_array_add (words, g_strndup (start, (gsize) (p - start)));
          if (*p == '\0')
            return words;
          start = p + 1;
        }
      else if (*p == '<')
        in_element = TRUE;
      else if (*p == '>')
        in_element = FALSE;
      else if (quote && !in_quote && word_start)
        in_quote = TRUE;
      else if (quote && in_quote && word_end)
        in_quote = FALSE;
    }
}

/* Appends TEXT to S as a paragraph that starts on S's current line and breaks
 * at spaces into lines of at most WIDTH columns; continuation lines start with
 * INDENT. AFTER_WORD: S's line ends in a word, so TEXT's first word needs a
 * space before it (or goes to the next line). A word longer than a line stands
 * alone on its line. */
void
zv_text_append_wrapped (GString *s, const char *text, const char *indent, gsize width,
                        gboolean after_word)
{
  const char *line_start = strrchr (s->str, '\n');
  gsize column = s->len - (line_start ? (gsize) (line_start + 1 - s->str) : 0);
  gsize indent_len = strlen (indent);
  gboolean line_empty = !after_word;   /* no word on this line to put a space after */
  g_autoptr (GPtrArray) words = wrap_words (text);
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      gsize len = strlen (word);
      if (!line_empty && column + 1 + len > width)
        {
          g_string_append_c (s, '\n');
          g_string_append (s, indent);
          column = indent_len;
          line_empty = TRUE;
        }
      if (!line_empty)
        {
          g_string_append_c (s, ' ');
          column++;
        }
      g_string_append (s, word);
      column += len;
      line_empty = FALSE;
    }
}
