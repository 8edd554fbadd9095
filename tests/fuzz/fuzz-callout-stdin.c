/* Fuzz target: what zvfio-callout reads on stdin, through the library parsers it
 * calls: a device configuration (zv_mdev_config_parse) for pre/post events and a
 * capabilities request (zv_json_parse_object) for 'get capabilities'. */
#include "zv-json.h"
#include "zv-mdev.h"

#include <json-glib/json-glib.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Walks the string members of array NAME of OBJECT as the callout's answer does. */
static void
walk_names (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  JsonArray *array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        g_assert_nonnull (json_node_get_string (item));
    }
}

/* Parses DATA both ways the callout does; an accepted configuration must round-trip. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevConfig) config = zv_mdev_config_parse ((const char *) data, (gssize) size,
                                                          &error);
  g_assert_true ((config == NULL) == (error != NULL));
  if (config != NULL)
    {
      g_assert_true (strcmp (config->start, "auto") == 0 ||
                     strcmp (config->start, "manual") == 0);
      g_autofree char *json = zv_mdev_config_to_json (config->mdev_type, config->start);
      g_autoptr (ZvMdevConfig) again = zv_mdev_config_parse (json, -1, NULL);
      g_assert_nonnull (again);
      g_assert_cmpstr (again->mdev_type, ==, config->mdev_type);
    }

  g_autoptr (GError) caps_error = NULL;
  g_autoptr (JsonParser) parser = zv_json_parse_object ((const char *) data, size,
                                                        "capabilities", &caps_error);
  g_assert_true ((parser == NULL) == (caps_error != NULL));
  if (parser != NULL)
    {
      JsonObject *request = json_node_get_object (json_parser_get_root (parser));
      JsonNode *provides = json_object_get_member (request, "provides");
      if (provides != NULL && JSON_NODE_HOLDS_OBJECT (provides))
        {
          walk_names (json_node_get_object (provides), "actions");
          walk_names (json_node_get_object (provides), "events");
        }
    }
  return 0;
}
