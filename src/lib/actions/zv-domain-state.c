/* zvfio: the hook's domain state records (/run/zvfio/<domain>.json). */
#include "zv-domain-state.h"
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-parse.h"
#include "zv-temp-sweep.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* one entry per host device at most: the same bound as the domain parser's */
#define STATE_MAX_ITEMS ZV_DOMAIN_MAX_HOSTDEVS

/* Allocates an empty domain state. */
ZvDomainState *
zv_domain_state_new (const char *domain)
{
  ZvDomainState *state = g_new0 (ZvDomainState, 1);
  state->domain = g_strdup (domain);
  state->phase = ZV_PHASE_PREPARED;
  state->bindings = g_ptr_array_new_with_free_func (g_free);
  state->started_mdevs = g_ptr_array_new_with_free_func (g_free);
  return state;
}

/* Frees a domain state. */
void
zv_domain_state_free (ZvDomainState *state)
{
  if (state == NULL)
    return;
  g_free (state->domain);
  g_ptr_array_unref (state->bindings);
  g_ptr_array_unref (state->started_mdevs);
  g_free (state);
}

/* Adds member KEY as an array of the strings in ITEMS. */
static void
builder_add_string_array (JsonBuilder *builder, const char *key, GPtrArray *items)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (items, i));
  json_builder_end_array (builder);
}

/* Serializes a domain state as JSON text. */
char *
zv_domain_state_to_json (const ZvDomainState *state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, ZV_STATE_VERSION);
  zv_json_add_string_or_null (b, "domain", state->domain);
  zv_json_add_string_or_null (b, "phase", zv_phase_name (state->phase));
  builder_add_string_array (b, "bindings", state->bindings);
  builder_add_string_array (b, "started_mdevs", state->started_mdevs);
  json_builder_end_object (b);
  return zv_state_builder_to_text (b);
}

/* TRUE when KEY is "<bus>-<device>" with a valid device. */
static gboolean
bind_key_is_valid (const char *key)
{
  ZvBus bus;
  g_autofree char *device = NULL;
  return zv_bind_key_parse (key, &bus, &device);
}

/* Reads the string array member KEY into OUT, checking each item with VALID. */
static gboolean
get_string_array (JsonObject *object, const char *key, gboolean (*valid) (const char *),
                  GPtrArray *out, const char *what, GError **error)
{
  JsonNode *node = json_object_get_member (object, key);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' must be an array", what, key);
      return FALSE;
    }
  JsonArray *array = json_node_get_array (node);
  guint n = json_array_get_length (array);
  if (n > STATE_MAX_ITEMS)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' has more than %d items", what,
                   key, STATE_MAX_ITEMS);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *value = (JSON_NODE_HOLDS_VALUE (element) &&
                           json_node_get_value_type (element) == G_TYPE_STRING)
                          ? json_node_get_string (element) : NULL;
      if (value == NULL || !valid (value))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: invalid %s[%u]", what, key, i);
          return FALSE;
        }
      g_ptr_array_add (out, g_strdup (value));
    }
  return TRUE;
}

/* TRUE when TEXT is a canonical lowercase UUID. */
static gboolean
uuid_is_valid (const char *text)
{
  char buf[37];
  return zv_parse_uuid (text, buf) && strcmp (buf, text) == 0;
}

/* Parses and validates a domain state. */
ZvDomainState *
zv_domain_state_parse (const char *data, gssize length, GError **error)
{
  const char *what = "domain state";
  JsonObject *o = NULL;
  gint64 version = 0;
  g_autoptr (JsonParser) parser = zv_state_parse_object (data, length, what, &o, &version,
                                                         error);
  if (parser == NULL)
    return NULL;
  const char *domain;
  if (!zv_state_get_string (o, "domain", FALSE, &domain, what, error))
    return NULL;
  if (!zv_state_domain_name_is_valid (domain))
    {
      zv_state_set_invalid (error, what, "domain", domain);
      return NULL;
    }
  g_autoptr (ZvDomainState) state = zv_domain_state_new (domain);
  if (!zv_state_get_phase (o, version, &state->phase, what, error))
    return NULL;
  if (!get_string_array (o, "bindings", bind_key_is_valid, state->bindings, what, error) ||
      !get_string_array (o, "started_mdevs", uuid_is_valid, state->started_mdevs, what, error))
    return NULL;
  return g_steal_pointer (&state);
}

/* The state file path of DOMAIN, or an error for a name unfit for a path. */
static char *
domain_path (const char *domain, GError **error)
{
  if (!zv_state_domain_name_is_valid (domain))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "domain name '%s' cannot be used for a state file (empty, too long, "
                   "starts with '.', or contains '/' or control characters)", domain);
      return NULL;
    }
  return g_strdup_printf (ZV_STATE_DOMAIN_FILE, domain);
}

/* Writes /run/zvfio/<domain>.json atomically. */
gboolean
zv_state_save_domain (ZvRoot *root, const ZvDomainState *state, GError **error)
{
  g_autofree char *path = domain_path (state->domain, error);
  if (path == NULL)
    return FALSE;
  if (state->bindings->len > STATE_MAX_ITEMS || state->started_mdevs->len > STATE_MAX_ITEMS)
    {
      /* what could not be read back must not be written */
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: more than %d entries to record",
                   path, STATE_MAX_ITEMS);
      return FALSE;
    }
  g_autofree char *text = zv_domain_state_to_json (state);
  zv_temp_sweep_before_write (root, ZV_STATE_DIR);
  return zv_root_write_file_atomic (root, path, text, -1, 0644, error);
}

/* Loads /run/zvfio/<domain>.json; NULL without error when there is none. */
ZvDomainState *
zv_state_load_domain (ZvRoot *root, const char *domain, GError **error)
{
  g_autofree char *path = domain_path (domain, error);
  if (path == NULL)
    return NULL;
  /* the hook and repair act on the record: a killed writer's temporary files go */
  zv_temp_sweep_before_write (root, ZV_STATE_DIR);
  gsize length = 0;
  g_autofree char *data = zv_state_read_file (root, path, &length, error);
  if (data == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDomainState) state = zv_domain_state_parse (data, (gssize) length, &local);
  if (state == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: %s", path, local->message);
      return NULL;
    }
  if (strcmp (state->domain, domain) != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: state is for domain '%s'", path,
                   state->domain);
      return NULL;
    }
  return g_steal_pointer (&state);
}

/* Removes /run/zvfio/<domain>.json. */
gboolean
zv_state_remove_domain (ZvRoot *root, const char *domain, GError **error)
{
  g_autofree char *path = domain_path (domain, error);
  if (path == NULL)
    return FALSE;
  zv_temp_sweep_before_write (root, ZV_STATE_DIR);
  return zv_root_remove_file (root, path, error);
}

/* Takes the lock of DOMAIN's record: "domain-" and a hash of the name (lock
 * names are short and plain; domain names are neither). */
ZvLock *
zv_state_lock_domain (ZvRoot *root, const char *domain, pid_t owner, guint timeout_ms,
                      GError **error)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, domain, -1);
  g_autofree char *name = g_strdup_printf ("domain-%.32s", hash);
  return zv_lock_acquire (root, name, owner, timeout_ms, error);
}

/* The domain names of every record in /run/zvfio (sorted). */
GPtrArray *
zv_state_list_domains (ZvRoot *root, GError **error)
{
  return zv_state_list_records (root, ZV_STATE_DIR, zv_state_domain_name_is_valid, error);
}
