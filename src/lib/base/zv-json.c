/* zvfio: JSON that zvfio reads and writes itself (definitions, records, callout
 * input): parsing with zvfio's limits, and small json-glib builder helpers. */
#include "zv-json.h"
#include "zv-error.h"

#include <string.h>

/* Adds member NAME to B: a string, or null when VALUE is NULL. */
void
zv_json_add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* Serializes NODE as pretty JSON with a trailing newline. */
char *
zv_json_to_text (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, node);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

/* Adds an object of string members to B: NAME, VALUE pairs up to a NULL name. */
void
zv_json_add_string_object (JsonBuilder *b, const char *first_name, ...)
{
  va_list args;
  va_start (args, first_name);
  json_builder_begin_object (b);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      json_builder_set_member_name (b, name);
      json_builder_add_string_value (b, va_arg (args, const char *));
    }
  json_builder_end_object (b);
  va_end (args);
}

/* One pass over DATA outside strings: FALSE when arrays/objects nest deeper than
 * MAX_DEPTH anywhere; *TRAILING receives the offset of the first non-blank byte
 * after the first top-level object or array closes, or LENGTH when there is none
 * (mdevctl's serde_json refuses such text, json-glib would ignore what follows). */
static gboolean
scan_nesting (const char *data, gsize length, guint max_depth, gsize *trailing)
{
  guint depth = 0;
  gboolean in_string = FALSE, closed = FALSE;
  *trailing = length;
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      if (closed && *trailing == length && !g_ascii_isspace (c))
        *trailing = i;
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0 && --depth == 0)
        closed = TRUE;
    }
  return TRUE;
}

/* TRUE when DATA nests arrays/objects at most MAX_DEPTH deep. */
gboolean
zv_json_depth_ok (const char *data, gsize length, guint max_depth)
{
  gsize trailing;
  return scan_nesting (data, length, max_depth, &trailing);
}

/* TRUE when every string (member names too) below NODE is valid UTF-8: json-glib
 * decodes a lone surrogate escape ("\ud800") into bytes that are no UTF-8, which
 * would make zvfio's own JSON output invalid. NODE nests at most 64 levels. */
static gboolean
strings_are_utf8 (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    return json_node_get_value_type (node) != G_TYPE_STRING
           || g_utf8_validate (json_node_get_string (node), -1, NULL);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!strings_are_utf8 (json_array_get_element (array, i)))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (!g_utf8_validate (name, -1, NULL) || !strings_are_utf8 (member))
          return FALSE;
    }
  return TRUE;
}

/* Parses DATA into a JSON object, with the limits zvfio puts on JSON it reads. */
JsonParser *
zv_json_parse_object (const char *data, gsize length, const char *what, GError **error)
{
  if (length == 0 || memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: empty or binary data", what);
      return NULL;
    }
  gsize trailing;
  if (!scan_nesting (data, length, ZV_JSON_MAX_DEPTH, &trailing))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "%s: JSON nested deeper than %d levels", what, ZV_JSON_MAX_DEPTH);
      return NULL;
    }
  if (trailing < length)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "%s: invalid JSON: unexpected data after the object at byte %" G_GSIZE_FORMAT,
                   what, trailing);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: invalid JSON: %s", what,
                   local->message);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: not a JSON object", what);
      return NULL;
    }
  if (!strings_are_utf8 (root))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "%s: invalid JSON: a string is not valid UTF-8 (a lone surrogate escape?)",
                   what);
      return NULL;
    }
  return g_steal_pointer (&parser);
}
