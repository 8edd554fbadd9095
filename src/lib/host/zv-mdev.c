/* zvfio: mdev types, active mdevs and mdevctl definitions. */
#include "zv-mdev.h"
#include "zv-json.h"
#include "zv-error.h"
#include "zv-parse.h"
#include "zv-sysattr.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Frees an mdev type. */
void
zv_mdev_type_free (ZvMdevType *type)
{
  if (type == NULL)
    return;
  g_free (type->id);
  g_free (type->name);
  g_free (type->device_api);
  g_free (type);
}

/* Frees an mdev. */
void
zv_mdev_free (ZvMdev *mdev)
{
  if (mdev == NULL)
    return;
  g_free (mdev->parent);
  g_free (mdev->type);
  g_free (mdev->start);
  g_free (mdev->driver);
  g_free (mdev->path);
  g_free (mdev);
}

/* Frees a definition. */
void
zv_mdev_config_free (ZvMdevConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->mdev_type);
  g_free (config->start);
  g_free (config);
}

/* Reads the mdev types below a parent device directory. */
GPtrArray *
zv_mdev_types_load (ZvDir *parent_dir, GPtrArray *warnings)
{
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_type_free);
  const char *owner = zv_dir_name (parent_dir);
  g_autoptr (ZvDir) dir = zv_dir_open_child (parent_dir, "mdev_supported_types", NULL);
  if (dir == NULL)
    return types;
  g_autoptr (GError) error = NULL;
  /* read-only scan: one getdents pass per directory instead of a probe per file */
  g_autoptr (GPtrArray) names = zv_dir_index (dir, &error) ? zv_dir_list (dir, &error) : NULL;
  if (names == NULL)
    {
      zv_warning_add (warnings, "%s: %s", owner, error->message);
      return types;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *id = g_ptr_array_index (names, i);
      g_autoptr (ZvDir) tdir = zv_dir_open_child (dir, id, NULL);
      if (tdir == NULL)
        continue;
      zv_dir_index (tdir, NULL);
      ZvMdevType *type = g_new0 (ZvMdevType, 1);
      type->id = g_strdup (id);
      type->name = zv_attr_get (tdir, owner, "name", warnings);
      type->device_api = zv_attr_get (tdir, owner, "device_api", warnings);
      type->available_instances = -1;
      g_autofree char *avail = zv_attr_get (tdir, owner, "available_instances", warnings);
      guint32 n;
      if (avail && zv_parse_dec_u32 (avail, &n))
        type->available_instances = n;
      else if (avail)
        zv_attr_warn_garbage (warnings, owner, "available_instances", avail);
      g_ptr_array_add (types, type);
    }
  return types;
}

/* Fills an active mdev from its canonical sysfs directory. */
static ZvMdev *
mdev_from_dir (ZvDir *dir, const char *uuid, GPtrArray *warnings)
{
  ZvMdev *mdev = g_new0 (ZvMdev, 1);
  g_strlcpy (mdev->uuid, uuid, sizeof mdev->uuid);
  mdev->active = TRUE;
  mdev->iommu_group = -1;
  mdev->path = g_strdup (zv_dir_path (dir));
  g_autofree char *parent_path = g_path_get_dirname (zv_dir_path (dir));
  mdev->parent = g_path_get_basename (parent_path);
  mdev->type = zv_attr_link (dir, uuid, "mdev_type", warnings);
  mdev->driver = zv_attr_link (dir, uuid, "driver", warnings);
  g_autofree char *group = zv_attr_link (dir, uuid, "iommu_group", warnings);
  guint32 n;
  if (group && zv_parse_dec_u32 (group, &n) && n <= G_MAXINT)
    mdev->iommu_group = (gint) n;
  return mdev;
}

/* Loads the active mdev UUID from /sys/bus/mdev/devices/<uuid>, NULL if none. */
ZvMdev *
zv_mdev_load_active (ZvRoot *root, const char *uuid, GError **error)
{
  char normalized[37];
  if (!zv_parse_uuid (uuid, normalized))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "'%s' is not a UUID", uuid);
      return NULL;
    }
  g_autofree char *path = g_strconcat ("/sys/bus/mdev/devices/", normalized, NULL);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, error);
  if (dir == NULL)
    return NULL;
  return mdev_from_dir (dir, normalized, NULL);
}

/* Lists the active mdevs whose parent is PARENT_DIR (entries named by UUID
 * that /sys/bus/mdev/devices also lists). */
GPtrArray *
zv_mdev_list_active_in (ZvDir *parent_dir, GPtrArray *warnings)
{
  GPtrArray *mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  g_autoptr (GPtrArray) names = zv_dir_list (parent_dir, NULL);
  if (names == NULL)
    return mdevs;
  for (guint i = 0; i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);
      char uuid[37];
      if (!zv_parse_uuid (entry, uuid) || strcmp (uuid, entry) != 0)
        continue;
      g_autofree char *bus = g_strconcat ("/sys/bus/mdev/devices/", uuid, NULL);
      g_autofree char *resolved = zv_root_resolve (zv_dir_root (parent_dir), bus, NULL);
      g_autofree char *expected = g_strconcat (zv_dir_path (parent_dir), "/", uuid, NULL);
      if (resolved == NULL || strcmp (resolved, expected) != 0)
        continue;
      g_autoptr (ZvDir) dir = zv_dir_open_child (parent_dir, uuid, NULL);
      if (dir)
        g_ptr_array_add (mdevs, mdev_from_dir (dir, uuid, warnings));
    }
  return mdevs;
}

/* Maps parent name -> GPtrArray of active ZvMdev, from /sys/bus/mdev/devices. */
GHashTable *
zv_mdev_scan_active (ZvRoot *root, GPtrArray *warnings)
{
  GHashTable *by_parent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (ZvDir) bus = zv_root_open_dir (root, "/sys/bus/mdev/devices", NULL);
  if (bus == NULL)
    return by_parent;
  /* indexed: each entry is known as a link, read at once (no open tried first) */
  g_autoptr (GPtrArray) names = zv_dir_index (bus, NULL) ? zv_dir_list (bus, NULL) : NULL;
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);
      char uuid[37];
      if (!zv_parse_uuid (entry, uuid) || strcmp (uuid, entry) != 0)
        {
          zv_warning_add (warnings, "/sys/bus/mdev/devices/%s: not a UUID", entry);
          continue;
        }
      g_autoptr (GError) error = NULL;
      g_autoptr (ZvDir) dir = zv_dir_open_child (bus, entry, &error);
      if (dir == NULL)
        {
          zv_warning_add (warnings, "mdev %s: %s", entry, error->message);
          continue;
        }
      ZvMdev *mdev = mdev_from_dir (dir, uuid, warnings);
      GPtrArray *list = g_hash_table_lookup (by_parent, mdev->parent);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
          g_hash_table_insert (by_parent, g_strdup (mdev->parent), list);
        }
      g_ptr_array_add (list, mdev);
    }
  return by_parent;
}

/* Returns the string member NAME of OBJECT or sets ERROR. */
static const char *
require_string (JsonObject *object, const char *name, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "definition: '%s' must be a string", name);
      return NULL;
    }
  return json_node_get_string (node);
}

/* Parses mdevctl's definition JSON strictly. */
ZvMdevConfig *
zv_mdev_config_parse (const char *data, gssize length, GError **error)
{
  if (length < 0)
    length = (gssize) strlen (data);
  if (length == 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "definition: empty input");
      return NULL;
    }
  if (memchr (data, '\0', (gsize) length) != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "definition: NUL byte in JSON");
      return NULL;
    }
  g_autoptr (JsonParser) parser = zv_json_parse_object (data, (gsize) length, "definition",
                                                        error);
  if (parser == NULL)
    return NULL;
  JsonObject *object = json_node_get_object (json_parser_get_root (parser));
  const char *type = require_string (object, "mdev_type", error);
  if (type == NULL)
    return NULL;
  const char *start = require_string (object, "start", error);
  if (start == NULL)
    return NULL;
  if (strcmp (start, "auto") != 0 && strcmp (start, "manual") != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "definition: 'start' must be \"auto\" or \"manual\", not \"%s\"", start);
      return NULL;
    }
  guint n_attrs = 0;
  JsonNode *attrs = json_object_get_member (object, "attrs");
  if (attrs != NULL && !JSON_NODE_HOLDS_NULL (attrs))
    {
      if (!JSON_NODE_HOLDS_ARRAY (attrs))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                       "definition: 'attrs' must be an array");
          return NULL;
        }
      JsonArray *array = json_node_get_array (attrs);
      n_attrs = json_array_get_length (array);
      for (guint i = 0; i < n_attrs; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_OBJECT (element) ||
              json_object_get_size (json_node_get_object (element)) != 1)
            {
              g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                           "definition: attrs[%u] must be an object with one key", i);
              return NULL;
            }
          g_autoptr (GList) members =
            json_object_get_members (json_node_get_object (element));
          JsonNode *value = json_object_get_member (json_node_get_object (element),
                                                    members->data);
          if (!JSON_NODE_HOLDS_VALUE (value) ||
              json_node_get_value_type (value) != G_TYPE_STRING)
            {
              g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                           "definition: attrs[%u] value must be a string", i);
              return NULL;
            }
        }
    }
  ZvMdevConfig *config = g_new0 (ZvMdevConfig, 1);
  config->mdev_type = g_strdup (type);
  config->start = g_strdup (start);
  config->n_attrs = n_attrs;
  return config;
}

/* Serializes a config the way mdevctl writes it (pretty JSON, key order). */
char *
zv_mdev_config_to_json (const char *mdev_type, const char *start)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mdev_type");
  json_builder_add_string_value (b, mdev_type);
  json_builder_set_member_name (b, "start");
  json_builder_add_string_value (b, start);
  json_builder_set_member_name (b, "attrs");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  return json_to_string (node, FALSE);
}

/* Lists the parent names with a definition directory in /etc/mdevctl.d. */
GPtrArray *
zv_mdev_list_defined_parents (ZvRoot *root)
{
  GPtrArray *parents = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, ZV_MDEVCTL_DIR, NULL);
  if (dir == NULL)
    return parents;
  g_autoptr (GPtrArray) names = zv_dir_list (dir, NULL);
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      if (strcmp (name, "scripts.d") == 0)
        continue;
      g_ptr_array_add (parents, g_strdup (name));
    }
  return parents;
}

/* Opens /etc/mdevctl.d/PARENT; NULL when PARENT is no plain name or has none. */
static ZvDir *
open_definitions_dir (ZvRoot *root, const char *parent)
{
  if (!zv_attr_name_is_safe (parent) || strchr (parent, '/') != NULL)
    return NULL;
  g_autofree char *path = g_strconcat (ZV_MDEVCTL_DIR "/", parent, NULL);
  return zv_root_open_dir (root, path, NULL);
}

/* TRUE when /etc/mdevctl.d/PARENT holds a definition of UUID (lowercase): its
 * file name may be in any case, as mdevctl accepts, and as listing shows it. */
gboolean
zv_mdev_is_defined (ZvRoot *root, const char *parent, const char *uuid)
{
  g_autoptr (ZvDir) dir = open_definitions_dir (root, parent);
  if (dir == NULL)
    return FALSE;
  if (zv_dir_has (dir, uuid))
    return TRUE;   /* the usual lowercase name: no listing needed */
  g_autoptr (GPtrArray) names = zv_dir_list (dir, NULL);
  for (guint i = 0; names && i < names->len; i++)
    {
      char normalized[37];
      if (zv_parse_uuid (g_ptr_array_index (names, i), normalized) &&
          strcmp (normalized, uuid) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Lists mdevctl definitions for PARENT as ZvMdev (defined=TRUE). */
GPtrArray *
zv_mdev_list_defined (ZvRoot *root, const char *parent, GPtrArray *warnings)
{
  GPtrArray *mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  g_autoptr (ZvDir) dir = open_definitions_dir (root, parent);
  if (dir == NULL)
    return mdevs;
  const char *path = zv_dir_path (dir);
  g_autoptr (GPtrArray) names = zv_dir_list (dir, NULL);
  for (guint i = 0; names && i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);
      char uuid[37];
      if (!zv_parse_uuid (entry, uuid))
        {
          zv_warning_add (warnings, "%s/%s: file name is not a UUID; mdevctl ignores it",
                          path, entry);
          continue;
        }
      g_autoptr (GError) error = NULL;
      gsize len = 0;
      g_autofree char *file = g_strconcat (path, "/", entry, NULL);
      g_autofree char *data = zv_root_read_file (root, file, &len, &error);
      g_autoptr (ZvMdevConfig) config = NULL;
      if (data != NULL)
        config = zv_mdev_config_parse (data, (gssize) len, &error);
      if (config == NULL)
        {
          zv_warning_add (warnings, "%s: %s", file, error->message);
          continue;
        }
      ZvMdev *mdev = g_new0 (ZvMdev, 1);
      g_strlcpy (mdev->uuid, uuid, sizeof mdev->uuid);
      mdev->parent = g_strdup (parent);
      mdev->type = g_strdup (config->mdev_type);
      mdev->defined = TRUE;
      mdev->start = g_strdup (config->start);
      mdev->iommu_group = -1;
      g_ptr_array_add (mdevs, mdev);
    }
  return mdevs;
}

/* Orders mdevs by UUID. */
static gint
compare_mdev (gconstpointer a, gconstpointer b)
{
  const ZvMdev *x = *(const ZvMdev * const *) a;
  const ZvMdev *y = *(const ZvMdev * const *) b;
  return strcmp (x->uuid, y->uuid);
}

/* Merges active and defined mdevs of one parent into one sorted list. */
GPtrArray *
zv_mdev_merge (GPtrArray *active, GPtrArray *defined)
{
  GPtrArray *merged = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  for (guint i = 0; active && i < active->len; i++)
    {
      ZvMdev *src = g_ptr_array_index (active, i);
      ZvMdev *copy = g_new0 (ZvMdev, 1);
      *copy = *src;
      copy->parent = g_strdup (src->parent);
      copy->type = g_strdup (src->type);
      copy->start = g_strdup (src->start);
      copy->driver = g_strdup (src->driver);
      copy->path = g_strdup (src->path);
      g_ptr_array_add (merged, copy);
    }
  for (guint i = 0; defined && i < defined->len; i++)
    {
      ZvMdev *def = g_ptr_array_index (defined, i);
      ZvMdev *match = NULL;
      for (guint j = 0; j < merged->len && match == NULL; j++)
        {
          ZvMdev *m = g_ptr_array_index (merged, j);
          if (strcmp (m->uuid, def->uuid) == 0)
            match = m;
        }
      if (match == NULL)
        {
          match = g_new0 (ZvMdev, 1);
          g_strlcpy (match->uuid, def->uuid, sizeof match->uuid);
          match->parent = g_strdup (def->parent);
          match->type = g_strdup (def->type);
          match->iommu_group = -1;
          g_ptr_array_add (merged, match);
        }
      match->defined = TRUE;
      g_free (match->start);
      match->start = g_strdup (def->start);
      if (match->type == NULL)
        match->type = g_strdup (def->type);
    }
  g_ptr_array_sort (merged, compare_mdev);
  return merged;
}
