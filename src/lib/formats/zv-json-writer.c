/* zvfio: streaming JSON output, byte for byte as json-glib's pretty generator. */
#include "zv-json-writer.h"

#include <string.h>

#define ZV_JSON_WRITER_DEPTH 32
#define ZV_JSON_WRITER_FLUSH (64 * 1024)

struct _ZvJsonWriter {
  FILE *out;
  GString *buf;
  guint depth;
  gboolean empty[ZV_JSON_WRITER_DEPTH];   /* per level: nothing written in it yet */
  gboolean after_member;                  /* a member name waits for its value */
  gboolean failed;
};

/* Creates a writer that prints to OUT. */
ZvJsonWriter *
zv_json_writer_new (FILE *out)
{
  ZvJsonWriter *w = g_new0 (ZvJsonWriter, 1);
  w->out = out;
  w->buf = g_string_sized_new (ZV_JSON_WRITER_FLUSH + 4096);
  return w;
}

/* Writes the buffer out once it is large (or when FORCE). */
static void
maybe_flush (ZvJsonWriter *w, gboolean force)
{
  if (w->buf->len == 0 || (!force && w->buf->len < ZV_JSON_WRITER_FLUSH))
    return;
  if (fwrite (w->buf->str, 1, w->buf->len, w->out) != w->buf->len)
    w->failed = TRUE;
  g_string_truncate (w->buf, 0);
}

/* Ends the document with a newline, flushes it and frees W. */
gboolean
zv_json_writer_finish (ZvJsonWriter *w)
{
  g_string_append_c (w->buf, '\n');
  maybe_flush (w, TRUE);
  gboolean ok = !w->failed && fflush (w->out) == 0;
  g_string_free (w->buf, TRUE);
  g_free (w);
  return ok;
}

/* Frees W and drops what it has not written yet. */
void
zv_json_writer_discard (ZvJsonWriter *w)
{
  g_string_free (w->buf, TRUE);
  g_free (w);
}

/* Appends the indentation of LEVEL. */
static void
indent (ZvJsonWriter *w, guint level)
{
  for (guint i = 0; i < level * 2; i++)
    g_string_append_c (w->buf, ' ');
}

/* Starts a value: after a member name nothing; in an array a separator, a
 * newline and the indentation. */
static void
value_prefix (ZvJsonWriter *w)
{
  if (w->after_member)
    {
      w->after_member = FALSE;
      return;
    }
  if (w->depth == 0)
    return;
  g_string_append (w->buf, w->empty[w->depth - 1] ? "\n" : ",\n");
  w->empty[w->depth - 1] = FALSE;
  indent (w, w->depth);
}

/* Opens a container with OPEN. */
static void
begin (ZvJsonWriter *w, char open)
{
  value_prefix (w);
  g_string_append_c (w->buf, open);
  g_assert (w->depth < ZV_JSON_WRITER_DEPTH);
  w->empty[w->depth++] = TRUE;
}

/* Closes a container with CLOSE: an empty object prints "{  }", an empty array "[]". */
static void
end (ZvJsonWriter *w, char close)
{
  gboolean was_empty = w->empty[--w->depth];
  if (was_empty)
    g_string_append (w->buf, close == '}' ? "  " : "");
  else
    {
      g_string_append_c (w->buf, '\n');
      indent (w, w->depth);
    }
  g_string_append_c (w->buf, close);
  maybe_flush (w, FALSE);
}

/* Starts an object. */
void
zv_json_writer_begin_object (ZvJsonWriter *w)
{
  begin (w, '{');
}

/* Ends the innermost object. */
void
zv_json_writer_end_object (ZvJsonWriter *w)
{
  end (w, '}');
}

/* Starts an array. */
void
zv_json_writer_begin_array (ZvJsonWriter *w)
{
  begin (w, '[');
}

/* Ends the innermost array. */
void
zv_json_writer_end_array (ZvJsonWriter *w)
{
  end (w, ']');
}

/* Appends VALUE to S the way json-glib 1.6 escapes strings: \" and \\, the
 * short escapes for \b \f \n \r \t, \u00XX for other bytes 0x01-0x1e and 0x7f;
 * everything else (0x1f and bytes >= 0x80 included) as it is. */
void
zv_json_escape_append (GString *s, const char *value)
{
  const char *run = value;
  for (const char *p = value; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if (c != '"' && c != '\\' && (c >= 0x1f || c == 0) && c != 0x7f)
        continue;
      g_string_append_len (s, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"': g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\b': g_string_append (s, "\\b"); break;
        case '\f': g_string_append (s, "\\f"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default: g_string_append_printf (s, "\\u00%.2x", c); break;
        }
    }
  g_string_append (s, run);
}

/* Names the next member of the innermost object. */
void
zv_json_writer_member (ZvJsonWriter *w, const char *name)
{
  value_prefix (w);
  g_string_append_c (w->buf, '"');
  zv_json_escape_append (w->buf, name);
  g_string_append (w->buf, "\" : ");
  w->after_member = TRUE;
}

/* Writes a string value, or null. */
void
zv_json_writer_string (ZvJsonWriter *w, const char *value)
{
  if (value == NULL)
    {
      zv_json_writer_null (w);
      return;
    }
  value_prefix (w);
  g_string_append_c (w->buf, '"');
  zv_json_escape_append (w->buf, value);
  g_string_append_c (w->buf, '"');
}

/* Writes an integer value. */
void
zv_json_writer_int (ZvJsonWriter *w, gint64 value)
{
  value_prefix (w);
  g_string_append_printf (w->buf, "%" G_GINT64_FORMAT, value);
}

/* Writes true or false. */
void
zv_json_writer_boolean (ZvJsonWriter *w, gboolean value)
{
  value_prefix (w);
  g_string_append (w->buf, value ? "true" : "false");
}

/* Writes null. */
void
zv_json_writer_null (ZvJsonWriter *w)
{
  value_prefix (w);
  g_string_append (w->buf, "null");
}
