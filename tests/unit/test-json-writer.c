/* The streaming JSON writer prints byte for byte what json-glib's pretty
 * generator prints for the same document (the list --json output depends on it). */
#include "zv-json-writer.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* One document, built twice: through a JsonBuilder and through the writer. */
typedef struct {
  JsonBuilder *b;
  ZvJsonWriter *w;
} Both;

/* Adds a string member NAME: VALUE (VALUE NULL: null) to both. */
static void
both_string (Both *x, const char *name, const char *value)
{
  json_builder_set_member_name (x->b, name);
  if (value)
    json_builder_add_string_value (x->b, value);
  else
    json_builder_add_null_value (x->b);
  zv_json_writer_member (x->w, name);
  zv_json_writer_string (x->w, value);
}

/* Serializes both and compares. */
static void
compare (Both *x, FILE *out, char **buf)
{
  g_autoptr (JsonNode) root = json_builder_get_root (x->b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autofree char *expected = g_strconcat (text, "\n", NULL);
  g_assert_true (zv_json_writer_finish (x->w));
  fclose (out);
  g_assert_cmpstr (*buf, ==, expected);
  g_object_unref (x->b);
}

/* Every byte in a string, nested objects and arrays, empty ones, numbers, booleans. */
static void
test_same_as_json_glib (void)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  Both x = { json_builder_new (), zv_json_writer_new (out) };
  json_builder_begin_object (x.b);
  zv_json_writer_begin_object (x.w);
  json_builder_set_member_name (x.b, "bytes");
  zv_json_writer_member (x.w, "bytes");
  json_builder_begin_array (x.b);
  zv_json_writer_begin_array (x.w);
  for (int c = 1; c < 256; c++)
    {
      char s[4] = { 'a', (char) c, 'z', 0 };
      json_builder_add_string_value (x.b, s);
      zv_json_writer_string (x.w, s);
    }
  json_builder_end_array (x.b);
  zv_json_writer_end_array (x.w);
  both_string (&x, "utf8", "h\xc3\xa9llo \xe2\x82\xac \"q\" \\ \t\n end\x1f\x7f");
  both_string (&x, "null", NULL);
  json_builder_set_member_name (x.b, "empty_array");
  zv_json_writer_member (x.w, "empty_array");
  json_builder_begin_array (x.b);
  zv_json_writer_begin_array (x.w);
  json_builder_end_array (x.b);
  zv_json_writer_end_array (x.w);
  json_builder_set_member_name (x.b, "empty_object");
  zv_json_writer_member (x.w, "empty_object");
  json_builder_begin_object (x.b);
  zv_json_writer_begin_object (x.w);
  json_builder_end_object (x.b);
  zv_json_writer_end_object (x.w);
  json_builder_set_member_name (x.b, "nested");
  zv_json_writer_member (x.w, "nested");
  json_builder_begin_array (x.b);
  zv_json_writer_begin_array (x.w);
  for (int i = 0; i < 3; i++)
    {
      json_builder_begin_object (x.b);
      zv_json_writer_begin_object (x.w);
      json_builder_set_member_name (x.b, "n");
      json_builder_add_int_value (x.b, i * -70000000000LL);
      zv_json_writer_member (x.w, "n");
      zv_json_writer_int (x.w, i * -70000000000LL);
      json_builder_set_member_name (x.b, "b");
      json_builder_add_boolean_value (x.b, i % 2);
      zv_json_writer_member (x.w, "b");
      zv_json_writer_boolean (x.w, i % 2);
      json_builder_end_object (x.b);
      zv_json_writer_end_object (x.w);
    }
  json_builder_end_array (x.b);
  zv_json_writer_end_array (x.w);
  json_builder_end_object (x.b);
  zv_json_writer_end_object (x.w);
  compare (&x, out, &buf);
  free (buf);
}

/* A document larger than the writer's buffer comes out whole. */
static void
test_large_document (void)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  Both x = { json_builder_new (), zv_json_writer_new (out) };
  json_builder_begin_array (x.b);
  zv_json_writer_begin_array (x.w);
  for (int i = 0; i < 20000; i++)
    {
      g_autofree char *s = g_strdup_printf ("entry %d", i);
      json_builder_add_string_value (x.b, s);
      zv_json_writer_string (x.w, s);
    }
  json_builder_end_array (x.b);
  zv_json_writer_end_array (x.w);
  compare (&x, out, &buf);
  free (buf);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-writer/same-as-json-glib", test_same_as_json_glib);
  g_test_add_func ("/json-writer/large-document", test_large_document);
  return g_test_run ();
}
