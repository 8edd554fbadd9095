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

/* Appends N bytes at P to S: a copy into room the buffer has (it is sized
 * above the flush mark), else g_string_append_len, which ~90 instructions of
 * checks make too slow for the few bytes of each piece of a document. */
static inline void
put (GString *s, const char *p, gsize n)
{
  if (s->len + n >= s->allocated_len)
    {
      g_string_append_len (s, p, (gssize) n);
      return;
    }
  memcpy (s->str + s->len, p, n);
  s->len += n;
  s->str[s->len] = '\0';
}

/* Appends the string P to S (see put). */
static inline void
put_str (GString *s, const char *p)
{
  put (s, p, strlen (p));
}

/* Appends the byte C to S (see put). */
static inline void
put_c (GString *s, char c)
{
  put (s, &c, 1);
}

/* Ends the document with a newline, flushes it and frees W. */
gboolean
zv_json_writer_finish (ZvJsonWriter *w)
{
  put_c (w->buf, '\n');
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

/* Appends the indentation of LEVEL (two spaces a level, one append). */
static void
indent (ZvJsonWriter *w, guint level)
{
  static const char spaces[2 * ZV_JSON_WRITER_DEPTH + 1] =
    "                                                                ";
  put (w->buf, spaces, MIN (level, ZV_JSON_WRITER_DEPTH) * 2);
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
  if (w->empty[w->depth - 1])
    put_c (w->buf, '\n');
  else
    put (w->buf, ",\n", 2);
  w->empty[w->depth - 1] = FALSE;
  indent (w, w->depth);
}

/* Opens a container with OPEN. */
static void
begin (ZvJsonWriter *w, char open)
{
  value_prefix (w);
  put_c (w->buf, open);
  g_assert (w->depth < ZV_JSON_WRITER_DEPTH);
  w->empty[w->depth++] = TRUE;
}

/* Closes a container with CLOSE: an empty object prints "{  }", an empty array "[]". */
static void
end (ZvJsonWriter *w, char close)
{
  gboolean was_empty = w->empty[--w->depth];
  if (was_empty)
    put_str (w->buf, close == '}' ? "  " : "");
  else
    {
      put_c (w->buf, '\n');
      indent (w, w->depth);
    }
  put_c (w->buf, close);
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
      /* the common case first: printable ASCII other than " and \ */
      if ((c >= 0x20 && c < 0x7f && c != '"' && c != '\\') || c == 0x1f || c >= 0x80)
        continue;
      put (s, run, (gsize) (p - run));
      run = p + 1;
      switch (c)
        {
        case '"': put (s, "\\\"", 2); break;
        case '\\': put (s, "\\\\", 2); break;
        case '\b': put (s, "\\b", 2); break;
        case '\f': put (s, "\\f", 2); break;
        case '\n': put (s, "\\n", 2); break;
        case '\r': put (s, "\\r", 2); break;
        case '\t': put (s, "\\t", 2); break;
        default: g_string_append_printf (s, "\\u00%.2x", c); break;
        }
    }
  if (*run != '\0')
    put_str (s, run);
}

/* Names the next member of the innermost object. */
void
zv_json_writer_member (ZvJsonWriter *w, const char *name)
{
  value_prefix (w);
  put_c (w->buf, '"');
  zv_json_escape_append (w->buf, name);
  put (w->buf, "\" : ", 4);
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
  put_c (w->buf, '"');
  zv_json_escape_append (w->buf, value);
  put_c (w->buf, '"');
}

/* Writes an integer value. */
void
zv_json_writer_int (ZvJsonWriter *w, gint64 value)
{
  value_prefix (w);
  /* decimal digits from the end, without printf: it runs for every number */
  char digits[24], *p = digits + sizeof digits;
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;
  do
    *--p = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--p = '-';
  put (w->buf, p, (gsize) (digits + sizeof digits - p));
}

/* Writes true or false. */
void
zv_json_writer_boolean (ZvJsonWriter *w, gboolean value)
{
  value_prefix (w);
  put_str (w->buf, value ? "true" : "false");
}

/* Writes null. */
void
zv_json_writer_null (ZvJsonWriter *w)
{
  value_prefix (w);
  put_str (w->buf, "null");
}
