/* zvfio: JSON serialization of the model. */
#include "zv-json.h"
#include "zv-error.h"

#include <string.h>
#include "zv-rules.h"

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

/* Adds NAME: true/false, or null when TRI is negative. */
static void
add_tristate (JsonBuilder *b, const char *name, int tri)
{
  json_builder_set_member_name (b, name);
  if (tri < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_boolean_value (b, tri != 0);
}

/* Adds NAME: integer or null. */
static void
add_opt_u32 (JsonBuilder *b, const char *name, ZvOptU32 value)
{
  json_builder_set_member_name (b, name);
  if (value.present)
    json_builder_add_int_value (b, value.value);
  else
    json_builder_add_null_value (b);
}

/* Adds NAME: integer only when present (attributes older kernels lack). */
static void
add_u32_if_present (JsonBuilder *b, const char *name, ZvOptU32 value)
{
  if (!value.present)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value.value);
}

/* Adds NAME: "%02x" string. */
static void
add_hex_byte (JsonBuilder *b, const char *name, guint8 value)
{
  char buf[4];
  g_snprintf (buf, sizeof buf, "%02x", value);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, buf);
}

/* Builds the JSON object of a ccw device. */
static void
build_ccw_device (JsonBuilder *b, const ZvCcwDevice *dev)
{
  json_builder_begin_object (b);
  zv_json_add_string_or_null (b, "devno", dev->id);
  json_builder_set_member_name (b, "ssid");
  json_builder_add_int_value (b, dev->busid.ssid);
  zv_json_add_string_or_null (b, "cutype", dev->cutype);
  zv_json_add_string_or_null (b, "devtype", dev->devtype);
  add_tristate (b, "online", dev->online);
  zv_json_add_string_or_null (b, "availability", dev->availability);
  zv_json_add_string_or_null (b, "driver", dev->driver);
  zv_json_add_string_or_null (b, "path", dev->path);
  json_builder_end_object (b);
}

/* Builds the JSON object of an mdev. */
static void
build_mdev (JsonBuilder *b, const ZvMdev *mdev)
{
  json_builder_begin_object (b);
  zv_json_add_string_or_null (b, "uuid", mdev->uuid);
  zv_json_add_string_or_null (b, "type", mdev->type);
  json_builder_set_member_name (b, "active");
  json_builder_add_boolean_value (b, mdev->active);
  json_builder_set_member_name (b, "defined");
  json_builder_add_boolean_value (b, mdev->defined);
  zv_json_add_string_or_null (b, "start", mdev->start);
  zv_json_add_string_or_null (b, "driver", mdev->driver);
  json_builder_set_member_name (b, "iommu_group");
  if (mdev->iommu_group >= 0)
    json_builder_add_int_value (b, mdev->iommu_group);
  else
    json_builder_add_null_value (b);
  zv_json_add_string_or_null (b, "path", mdev->path);
  json_builder_end_object (b);
}

/* Builds the JSON object of an mdev type. */
static void
build_mdev_type (JsonBuilder *b, const ZvMdevType *type)
{
  json_builder_begin_object (b);
  zv_json_add_string_or_null (b, "id", type->id);
  zv_json_add_string_or_null (b, "name", type->name);
  zv_json_add_string_or_null (b, "device_api", type->device_api);
  json_builder_set_member_name (b, "available_instances");
  if (type->available_instances >= 0)
    json_builder_add_int_value (b, type->available_instances);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

/* Appends the members of a subchannel object to B. */
static void
build_subchannel (JsonBuilder *b, const ZvSubchannel *sch)
{
  char number[8];
  json_builder_begin_object (b);
  zv_json_add_string_or_null (b, "id", sch->id);
  json_builder_set_member_name (b, "ssid");
  json_builder_add_int_value (b, sch->busid.ssid);
  g_snprintf (number, sizeof number, "%04x", sch->busid.number);
  zv_json_add_string_or_null (b, "number", number);
  json_builder_set_member_name (b, "type");
  if (sch->type >= 0)
    json_builder_add_int_value (b, sch->type);
  else
    json_builder_add_null_value (b);
  zv_json_add_string_or_null (b, "type_name", zv_subchannel_type_name (sch->type));
  zv_json_add_string_or_null (b, "driver", sch->driver);
  if (sch->has_driver_override_attr)
    zv_json_add_string_or_null (b, "driver_override", sch->driver_override);
  if (sch->has_chpids)
    {
      json_builder_set_member_name (b, "chpids");
      json_builder_begin_array (b);
      for (int i = 0; i < 8; i++)
        {
          char buf[4];
          g_snprintf (buf, sizeof buf, "%02x", sch->chpids[i]);
          json_builder_add_string_value (b, buf);
        }
      json_builder_end_array (b);
    }
  if (sch->has_pimpampom)
    {
      add_hex_byte (b, "pim", sch->pimpampom[0]);
      add_hex_byte (b, "pam", sch->pimpampom[1]);
      add_hex_byte (b, "pom", sch->pimpampom[2]);
    }
  zv_json_add_string_or_null (b, "dev_busid", sch->dev_busid);
  json_builder_set_member_name (b, "qdio");
  json_builder_add_boolean_value (b, sch->qdio);
  json_builder_set_member_name (b, "device");
  if (sch->device)
    build_ccw_device (b, sch->device);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "mdev_types");
  json_builder_begin_array (b);
  for (guint i = 0; sch->mdev_types && i < sch->mdev_types->len; i++)
    build_mdev_type (b, g_ptr_array_index (sch->mdev_types, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "mdevs");
  json_builder_begin_array (b);
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    build_mdev (b, g_ptr_array_index (sch->mdevs, i));
  json_builder_end_array (b);
  zv_json_add_string_or_null (b, "path", sch->path);
  json_builder_end_object (b);
}

/* Appends a PCI function object to B. */
static void
build_pci_function (JsonBuilder *b, const ZvPciFunction *fn)
{
  json_builder_begin_object (b);
  zv_json_add_string_or_null (b, "address", fn->address);
  add_opt_u32 (b, "fid", fn->fid);
  add_u32_if_present (b, "fh", fn->fh);
  add_opt_u32 (b, "uid", fn->uid);
  add_tristate (b, "uid_is_unique", fn->uid_is_unique);
  add_opt_u32 (b, "pft", fn->pft);
  zv_json_add_string_or_null (b, "pft_name", fn->pft.present ? zv_pft_name (fn->pft.value) : NULL);
  json_builder_set_member_name (b, "ism");
  json_builder_add_boolean_value (b, fn->ism);
  add_tristate (b, "mio_enabled", fn->mio_enabled);
  add_opt_u32 (b, "vendor", fn->vendor);
  add_opt_u32 (b, "device", fn->device);
  add_u32_if_present (b, "class", fn->class_code);
  add_u32_if_present (b, "pchid", fn->pchid);
  add_u32_if_present (b, "pfgid", fn->pfgid);
  add_u32_if_present (b, "vfn", fn->vfn);
  add_u32_if_present (b, "port", fn->port);
  if (fn->has_pfip)
    {
      json_builder_set_member_name (b, "pfip");
      json_builder_begin_array (b);
      for (int i = 0; i < 4; i++)
        json_builder_add_int_value (b, fn->pfip[i]);
      json_builder_end_array (b);
    }
  if (fn->util_string)
    zv_json_add_string_or_null (b, "util_string", fn->util_string);
  zv_json_add_string_or_null (b, "driver", fn->driver);
  zv_json_add_string_or_null (b, "driver_override", fn->driver_override);
  json_builder_set_member_name (b, "iommu_group");
  if (fn->iommu_group >= 0)
    json_builder_add_int_value (b, fn->iommu_group);
  else
    json_builder_add_null_value (b);
  add_tristate (b, "slot_power", fn->slot_power);
  zv_json_add_string_or_null (b, "path", fn->path);
  json_builder_end_object (b);
}

/* Builds {"subchannels":[...],"pci_functions":[...],"warnings":[...]}. */
JsonNode *
zv_json_inventory (const ZvInventory *inv)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "subchannels");
  json_builder_begin_array (b);
  for (guint i = 0; i < inv->subchannels->len; i++)
    build_subchannel (b, g_ptr_array_index (inv->subchannels, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "pci_functions");
  json_builder_begin_array (b);
  for (guint i = 0; i < inv->pci_functions->len; i++)
    build_pci_function (b, g_ptr_array_index (inv->pci_functions, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < inv->warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (inv->warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
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

/* Builds {"ok":bool,"violations":[...]} (schemas/zvfio-check.schema.json). */
JsonNode *
zv_json_violations (GPtrArray *violations)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, !zv_violations_have_error (violations));
  json_builder_set_member_name (b, "violations");
  json_builder_begin_array (b);
  for (guint i = 0; i < violations->len; i++)
    {
      const ZvViolation *v = g_ptr_array_index (violations, i);
      g_autofree char *hint = zv_violation_hint (v, ZV_HINTS_CLI);
      zv_json_add_string_object (b, "rule", v->rule, "severity", zv_severity_name (v->severity),
                                 "device", v->device, "message", v->message, "hint", hint,
                                 NULL);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* TRUE when DATA nests arrays/objects at most MAX_DEPTH deep. */
gboolean
zv_json_depth_ok (const char *data, gsize length, guint max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
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
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* Offset of the first non-blank byte after DATA's first top-level object or array
 * closes, or LENGTH when there is none (mdevctl's serde_json refuses such text,
 * json-glib would ignore what follows). */
static gsize
trailing_content (const char *data, gsize length)
{
  guint depth = 0;
  gboolean in_string = FALSE, closed = FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];
      if (closed && !g_ascii_isspace (c))
        return i;
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
        depth++;
      else if ((c == ']' || c == '}') && depth > 0)
        closed = --depth == 0;
    }
  return length;
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
  if (!zv_json_depth_ok (data, length, ZV_JSON_MAX_DEPTH))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "%s: JSON nested deeper than %d levels", what, ZV_JSON_MAX_DEPTH);
      return NULL;
    }
  gsize trailing = trailing_content (data, length);
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
