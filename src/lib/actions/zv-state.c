/* zvfio: the /run/zvfio binding records, and the JSON file helpers every
 * state record uses. */
#include "zv-state.h"
#include "zv-json.h"
#include "zv-error.h"
#include "zv-parse.h"
#include "zv-temp-sweep.h"

#include <json-glib/json-glib.h>
#include <string.h>


/* Allocates an empty record. */
ZvBindRecord *
zv_bind_record_new (ZvBus bus, const char *device)
{
  ZvBindRecord *record = g_new0 (ZvBindRecord, 1);
  record->bus = bus;
  record->device = g_strdup (device);
  record->driver = g_strdup (zv_bus_vfio_driver (bus));
  record->phase = ZV_PHASE_PREPARED;
  return record;
}

/* Frees a record. */
void
zv_bind_record_free (ZvBindRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->device);
  g_free (record->driver);
  g_free (record->previous_driver);
  g_free (record->previous_override);
  g_free (record->offline_ccw_device);
  g_free (record->previous_persist);
  g_free (record->domain);
  g_free (record);
}

/* Serializes the builder's root as pretty JSON with a trailing newline. */
char *
zv_state_builder_to_text (JsonBuilder *builder)
{
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  return zv_json_to_text (root);
}

/* Serializes a record as JSON text. */
char *
zv_bind_record_to_json (const ZvBindRecord *record)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, ZV_STATE_VERSION);
  zv_json_add_string_or_null (b, "bus", zv_bus_name (record->bus));
  zv_json_add_string_or_null (b, "device", record->device);
  zv_json_add_string_or_null (b, "driver", record->driver);
  json_builder_set_member_name (b, "rebound");
  json_builder_add_boolean_value (b, record->rebound);
  zv_json_add_string_or_null (b, "previous_driver", record->previous_driver);
  zv_json_add_string_or_null (b, "previous_driver_override", record->previous_override);
  zv_json_add_string_or_null (b, "offline_ccw_device", record->offline_ccw_device);
  json_builder_set_member_name (b, "persist");
  json_builder_add_boolean_value (b, record->persist);
  zv_json_add_string_or_null (b, "previous_persist", record->previous_persist);
  zv_json_add_string_or_null (b, "domain", record->domain);
  zv_json_add_string_or_null (b, "phase", zv_phase_name (record->phase));
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, record->step);
  json_builder_set_member_name (b, "unpersist");
  json_builder_add_boolean_value (b, record->unpersist);
  json_builder_end_object (b);
  return zv_state_builder_to_text (b);
}

/* The phase names of the records, indexed by ZvPhase. */
static const char *const phase_names[] = {
  [ZV_PHASE_PREPARING] = "preparing",
  [ZV_PHASE_PREPARED] = "prepared",
  [ZV_PHASE_RELEASING] = "releasing",
};

/* "preparing", "prepared", "releasing". */
const char *
zv_phase_name (ZvPhase phase)
{
  return phase_names[phase];
}

/* Parses a phase name; FALSE for an unknown one. */
gboolean
zv_phase_from_name (const char *name, ZvPhase *phase)
{
  for (guint i = 0; i < G_N_ELEMENTS (phase_names); i++)
    if (g_strcmp0 (name, phase_names[i]) == 0)
      {
        *phase = (ZvPhase) i;
        return TRUE;
      }
  return FALSE;
}

/* Reads the version-2 member "phase" (PREPARED for version 1). */
gboolean
zv_state_get_phase (JsonObject *object, gint64 version, ZvPhase *phase, const char *what,
                    GError **error)
{
  *phase = ZV_PHASE_PREPARED;
  if (version < 2)
    return TRUE;
  const char *name;
  if (!zv_state_get_string (object, "phase", FALSE, &name, what, error))
    return FALSE;
  if (!zv_phase_from_name (name, phase))
    {
      zv_state_set_invalid (error, what, "phase", name);
      return FALSE;
    }
  return TRUE;
}

/* Parses DATA as a JSON object; WHAT names the input in errors. */
JsonParser *
zv_state_parse_object (const char *data, gssize length, const char *what, JsonObject **out,
                       gint64 *version_out, GError **error)
{
  if (length < 0)
    length = (gssize) strlen (data);
  g_autoptr (JsonParser) parser = zv_json_parse_object (data, (gsize) length, what, error);
  if (parser == NULL)
    return NULL;
  JsonObject *object = json_node_get_object (json_parser_get_root (parser));
  JsonNode *version = json_object_get_member (object, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) < 1 || json_node_get_int (version) > ZV_STATE_VERSION)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'version' must be 1 to %d", what,
                   ZV_STATE_VERSION);
      return NULL;
    }
  *version_out = json_node_get_int (version);
  *out = object;
  return g_steal_pointer (&parser);
}

/* Reads member KEY: a string (nullable when NULLABLE); *OUT borrows it. */
gboolean
zv_state_get_string (JsonObject *object, const char *key, gboolean nullable, const char **out,
            const char *what, GError **error)
{
  JsonNode *node = json_object_get_member (object, key);
  if (node != NULL && nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *out = NULL;
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' must be a string%s", what, key,
                   nullable ? " or null" : "");
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

/* Reads the boolean member KEY. */
static gboolean
get_boolean (JsonObject *object, const char *key, gboolean *out, const char *what,
             GError **error)
{
  JsonNode *node = json_object_get_member (object, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' must be true or false", what,
                   key);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Sets an "invalid value" error for KEY. */
void
zv_state_set_invalid (GError **error, const char *what, const char *key, const char *value)
{
  g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: invalid %s '%s'", what, key,
               value ? value : "null");
}

/* Reads a nullable driver-name member KEY into *OUT (a copy). */
static gboolean
get_driver_or_null (JsonObject *object, const char *key, char **out, const char *what,
                    GError **error)
{
  const char *value;
  if (!zv_state_get_string (object, key, TRUE, &value, what, error))
    return FALSE;
  if (value != NULL && !zv_driver_name_is_valid (value))
    {
      zv_state_set_invalid (error, what, key, value);
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

/* Parses and validates a binding record. */
ZvBindRecord *
zv_bind_record_parse (const char *data, gssize length, GError **error)
{
  const char *what = "binding record";
  JsonObject *o = NULL;
  gint64 version = 0;
  g_autoptr (JsonParser) parser = zv_state_parse_object (data, length, what, &o, &version,
                                                         error);
  if (parser == NULL)
    return NULL;
  const char *bus_name, *device, *driver, *ccw, *domain;
  ZvBus bus;
  if (!zv_state_get_string (o, "bus", FALSE, &bus_name, what, error) ||
      !zv_state_get_string (o, "device", FALSE, &device, what, error) ||
      !zv_state_get_string (o, "driver", FALSE, &driver, what, error) ||
      !zv_state_get_string (o, "offline_ccw_device", TRUE, &ccw, what, error) ||
      !zv_state_get_string (o, "domain", TRUE, &domain, what, error))
    return NULL;
  if (!zv_bus_from_name (bus_name, &bus))
    {
      zv_state_set_invalid (error, what, "bus", bus_name);
      return NULL;
    }
  if (!zv_bus_device_is_valid (bus, device))
    {
      zv_state_set_invalid (error, what, "device", device);
      return NULL;
    }
  if (strcmp (driver, zv_bus_vfio_driver (bus)) != 0)
    {
      zv_state_set_invalid (error, what, "driver", driver);
      return NULL;
    }
  if (ccw != NULL && (bus != ZV_BUS_CSS || !zv_bus_device_is_valid (ZV_BUS_CSS, ccw)))
    {
      zv_state_set_invalid (error, what, "offline_ccw_device", ccw);
      return NULL;
    }
  if (domain != NULL && !zv_state_domain_name_is_valid (domain))
    {
      zv_state_set_invalid (error, what, "domain", domain);
      return NULL;
    }

  g_autoptr (ZvBindRecord) record = zv_bind_record_new (bus, device);
  if (!get_boolean (o, "rebound", &record->rebound, what, error) ||
      !get_boolean (o, "persist", &record->persist, what, error) ||
      !get_driver_or_null (o, "previous_driver", &record->previous_driver, what, error) ||
      !get_driver_or_null (o, "previous_driver_override", &record->previous_override, what,
                           error) ||
      !get_driver_or_null (o, "previous_persist", &record->previous_persist, what, error))
    return NULL;
  record->offline_ccw_device = g_strdup (ccw);
  record->domain = g_strdup (domain);
  if (!zv_state_get_phase (o, version, &record->phase, what, error))
    return NULL;
  if (version >= 2)
    {
      JsonNode *step = json_object_get_member (o, "step");
      if (step == NULL || !JSON_NODE_HOLDS_VALUE (step) ||
          json_node_get_value_type (step) != G_TYPE_INT64 || json_node_get_int (step) < 0 ||
          json_node_get_int (step) > ZV_STEP_PERSIST)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'step' must be 0 to %d", what,
                       ZV_STEP_PERSIST);
          return NULL;
        }
      record->step = (ZvStep) json_node_get_int (step);
      if (!get_boolean (o, "unpersist", &record->unpersist, what, error))
        return NULL;
    }
  return g_steal_pointer (&record);
}

/* The state file path of a binding record. */
static char *
binding_path (ZvBus bus, const char *device)
{
  g_autofree char *key = zv_bind_key (bus, device);
  return g_strconcat (ZV_STATE_BIND_DIR "/", key, ".json", NULL);
}

/* Writes the record file of RECORD atomically. */
gboolean
zv_state_save_binding (ZvRoot *root, const ZvBindRecord *record, GError **error)
{
  g_return_val_if_fail (zv_bus_device_is_valid (record->bus, record->device), FALSE);
  g_autofree char *path = binding_path (record->bus, record->device);
  g_autofree char *text = zv_bind_record_to_json (record);
  zv_temp_sweep_before_write (root, ZV_STATE_BIND_DIR);
  return zv_root_write_file_atomic (root, path, text, -1, 0644, error);
}

/* Reads the state file PATH; NULL without error when it does not exist. */
char *
zv_state_read_file (ZvRoot *root, const char *path, gsize *length, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *data = zv_root_read_file (root, path, length, &local);
  if (data == NULL && !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_propagate_error (error, g_steal_pointer (&local));
  return data;
}

/* Loads the record of DEVICE on BUS; NULL without error when there is none. */
ZvBindRecord *
zv_state_load_binding (ZvRoot *root, ZvBus bus, const char *device, GError **error)
{
  if (!zv_bus_device_is_valid (bus, device))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "invalid %s device name '%s'",
                   zv_bus_name (bus), device);
      return NULL;
    }
  g_autofree char *path = binding_path (bus, device);
  /* whoever acts on a record (prepare, release, repair, the hook) clears the
     directory of a killed writer's temporary files, also when it finds no record */
  zv_temp_sweep_before_write (root, ZV_STATE_BIND_DIR);
  gsize length = 0;
  g_autofree char *data = zv_state_read_file (root, path, &length, error);
  if (data == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvBindRecord) record = zv_bind_record_parse (data, (gssize) length, &local);
  if (record == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: %s", path, local->message);
      return NULL;
    }
  if (record->bus != bus || strcmp (record->device, device) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: record is for %s-%s", path,
                   zv_bus_name (record->bus), record->device);
      return NULL;
    }
  return g_steal_pointer (&record);
}

/* Compares two C strings for sorting. */
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names of the record files (<name>.json) in DIR_PATH that ACCEPT takes, sorted. */
GPtrArray *
zv_state_list_records (ZvRoot *root, const char *dir_path, gboolean (*accept) (const char *name),
                       GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, dir_path, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&records);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  g_autoptr (GPtrArray) names = zv_dir_list (dir, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_autofree char *stem = g_strndup (name, strlen (name) - strlen (".json"));
      if (accept (stem))
        g_ptr_array_add (records, g_steal_pointer (&stem));
    }
  g_ptr_array_sort (records, compare_names);
  return g_steal_pointer (&records);
}

/* TRUE when KEY names a binding record ("<bus>-<device>"). */
static gboolean
is_binding_key (const char *key)
{
  ZvBus bus;
  g_autofree char *device = NULL;
  return zv_bind_key_parse (key, &bus, &device);
}

/* The keys of every binding record in /run/zvfio/bind (sorted). */
GPtrArray *
zv_state_list_bindings (ZvRoot *root, GError **error)
{
  return zv_state_list_records (root, ZV_STATE_BIND_DIR, is_binding_key, error);
}

/* Removes the record of DEVICE on BUS. */
gboolean
zv_state_remove_binding (ZvRoot *root, ZvBus bus, const char *device, GError **error)
{
  g_return_val_if_fail (zv_bus_device_is_valid (bus, device), FALSE);
  g_autofree char *path = binding_path (bus, device);
  zv_temp_sweep_before_write (root, ZV_STATE_BIND_DIR);
  return zv_root_remove_file (root, path, error);
}

/* TRUE when NAME can be used as a domain state file name. */
gboolean
zv_state_domain_name_is_valid (const char *name)
{
  if (name == NULL || name[0] == '\0' || name[0] == '.' ||
      strlen (name) > ZV_STATE_MAX_DOMAIN_NAME || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (*p == '/' || g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}
