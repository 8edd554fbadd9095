/* zvfio: the desired-state document (parse strictly, serialize in schema order). */
#include "zv-state-doc.h"
#include "zv-error.h"
#include "zv-hostdev.h"
#include "zv-json.h"
#include "zv-parse.h"

#include <string.h>

/* The longest device ID or domain name a document may hold (bytes). */
#define MAX_NAME 1024

/* An empty document. */
ZvStateDoc *
zv_state_doc_new (void)
{
  ZvStateDoc *doc = g_new0 (ZvStateDoc, 1);
  doc->passthroughs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_state_passthrough_free);
  doc->host = g_ptr_array_new_with_free_func (g_free);
  doc->host_ids = g_array_new (FALSE, FALSE, sizeof (ZvId));
  return doc;
}

/* Frees a document. */
void
zv_state_doc_free (ZvStateDoc *doc)
{
  if (doc == NULL)
    return;
  g_ptr_array_unref (doc->passthroughs);
  g_ptr_array_unref (doc->host);
  g_array_unref (doc->host_ids);
  g_free (doc);
}

/* A passthrough with every optional member unset. */
ZvStatePassthrough *
zv_state_passthrough_new (const char *device, const char *domain)
{
  ZvStatePassthrough *p = g_new0 (ZvStatePassthrough, 1);
  p->device = g_strdup (device);
  p->domain = g_strdup (domain);
  p->persist = p->autostart = p->offline = p->managed = ZV_UNSET;
  return p;
}

/* A copy of P. */
ZvStatePassthrough *
zv_state_passthrough_copy (const ZvStatePassthrough *p)
{
  ZvStatePassthrough *copy = zv_state_passthrough_new (p->device, p->domain);
  copy->id = p->id;
  copy->mdev = g_strdup (p->mdev);
  copy->persist = p->persist;
  copy->autostart = p->autostart;
  copy->offline = p->offline;
  copy->managed = p->managed;
  copy->guest_devno = g_strdup (p->guest_devno);
  copy->has_uid = p->has_uid;
  copy->uid = p->uid;
  copy->has_fid = p->has_fid;
  copy->fid = p->fid;
  return copy;
}

/* Frees a passthrough. */
void
zv_state_passthrough_free (ZvStatePassthrough *p)
{
  if (p == NULL)
    return;
  g_free (p->device);
  g_free (p->domain);
  g_free (p->mdev);
  g_free (p->guest_devno);
  g_free (p);
}

/* A flag member with its default (FALSE). */
gboolean
zv_state_flag (gint value)
{
  return value == TRUE;
}

/* Sets an "invalid document" error: WHAT, where (entry AT of LIST, or the top
 * level when LIST is NULL), then the formatted reason. */
static void G_GNUC_PRINTF (5, 6)
set_invalid (GError **error, const char *what, const char *list, guint at, const char *format,
             ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *why = g_strdup_vprintf (format, args);
  va_end (args);
  if (list != NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: %s[%u]: %s", what, list, at, why);
  else
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: %s", what, why);
}

/* TRUE when TEXT is a name a document may hold: 1..MAX_NAME bytes of valid
 * UTF-8 without control characters. */
static gboolean
name_ok (const char *text)
{
  gsize len = strlen (text);
  if (len == 0 || len > MAX_NAME || !g_utf8_validate (text, (gssize) len, NULL))
    return FALSE;
  for (const char *c = text; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return FALSE;
  return TRUE;
}

/* Reads string member KEY of O (*OUT borrowed); FALSE with an error when it is
 * not a name (name_ok). */
static gboolean
get_name (JsonObject *o, const char *key, const char **out, const char *what, guint at,
          GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL)
    {
      set_invalid (error, what, "passthroughs", at, "'%s' is missing", key);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
      !name_ok (json_node_get_string (n)))
    {
      set_invalid (error, what, "passthroughs", at, "'%s' must be a non-empty string of at "
                   "most %d bytes without control characters", key, MAX_NAME);
      return FALSE;
    }
  *out = json_node_get_string (n);
  return TRUE;
}

/* Reads boolean member KEY of O into *OUT (left ZV_UNSET when absent). */
static gboolean
get_flag (JsonObject *o, const char *key, gint *out, const char *what, guint at, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      set_invalid (error, what, "passthroughs", at, "'%s' must be true or false", key);
      return FALSE;
    }
  *out = json_node_get_boolean (n) ? TRUE : FALSE;
  return TRUE;
}

/* Reads integer member KEY of O (0..MAX) into *OUT, *HAS set when present. */
static gboolean
get_number (JsonObject *o, const char *key, guint max, gboolean *has, guint *out,
            const char *what, guint at, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0 || (guint64) json_node_get_int (n) > max)
    {
      set_invalid (error, what, "passthroughs", at, "'%s' must be an integer from 0 to %u",
                   key, max);
      return FALSE;
    }
  *has = TRUE;
  *out = (guint) json_node_get_int (n);
  return TRUE;
}

/* The members a passthrough may have. */
static const char *const passthrough_members[] = {
  "device", "domain", "mdev", "persist", "autostart", "offline", "managed", "guest_devno",
  "zpci_uid", "zpci_fid",
};

/* Parses entry AT of "passthroughs". */
static ZvStatePassthrough *
parse_passthrough (JsonNode *node, const char *what, guint at, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_invalid (error, what, "passthroughs", at, "not an object");
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    {
      gboolean known = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (passthrough_members) && !known; i++)
        known = strcmp (m->data, passthrough_members[i]) == 0;
      if (!known)
        {
          g_autofree char *shown = g_strescape (m->data, NULL);
          set_invalid (error, what, "passthroughs", at, "unknown member '%.64s' (known: device, "
                       "domain, mdev, persist, autostart, offline, managed, guest_devno, "
                       "zpci_uid, zpci_fid)", shown);
          return NULL;
        }
    }
  const char *device, *domain;
  if (!get_name (o, "device", &device, what, at, error) ||
      !get_name (o, "domain", &domain, what, at, error))
    return NULL;
  ZvId id;
  if (!zv_parse_id (device, &id))
    {
      g_autofree char *shown = g_strescape (device, NULL);
      set_invalid (error, what, "passthroughs", at, "'device': '%.64s' is no device ID (a "
                   "devno, sch:ID, a PCI address, fid:ID, an mdev UUID or a node-device "
                   "name)", shown);
      return NULL;
    }
  g_autoptr (ZvStatePassthrough) p = zv_state_passthrough_new (device, domain);
  p->id = id;
  if (!get_flag (o, "persist", &p->persist, what, at, error) ||
      !get_flag (o, "autostart", &p->autostart, what, at, error) ||
      !get_flag (o, "managed", &p->managed, what, at, error) ||
      !get_number (o, "zpci_uid", 0xffff, &p->has_uid, &p->uid, what, at, error) ||
      !get_number (o, "zpci_fid", G_MAXUINT32, &p->has_fid, &p->fid, what, at, error))
    return NULL;
  JsonNode *n = json_object_get_member (o, "offline");
  if (n != NULL)
    {
      const char *v = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                      ? json_node_get_string (n) : "";
      if (strcmp (v, "allow") != 0 && strcmp (v, "deny") != 0)
        {
          set_invalid (error, what, "passthroughs", at, "'offline' must be \"allow\" or \"deny\"");
          return NULL;
        }
      p->offline = strcmp (v, "allow") == 0;
    }
  n = json_object_get_member (o, "mdev");
  if (n != NULL)
    {
      char uuid[37];
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
          !zv_parse_uuid (json_node_get_string (n), uuid))
        {
          set_invalid (error, what, "passthroughs", at, "'mdev' must be an mdev UUID");
          return NULL;
        }
      p->mdev = g_strdup (uuid);
    }
  n = json_object_get_member (o, "guest_devno");
  if (n != NULL)
    {
      ZvCcwAddress addr;
      g_autoptr (GError) local = NULL;
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
          !zv_hostdev_parse_guest_devno (json_node_get_string (n), &addr, &local))
        {
          set_invalid (error, what, "passthroughs", at, "'guest_devno' must be a guest ccw "
                       "address fe.S.DDDD%s%s", local ? ": " : "", local ? local->message : "");
          return NULL;
        }
      p->guest_devno = g_strdup_printf ("%x.%x.%04x", addr.cssid, addr.ssid, addr.devno);
    }
  if (p->mdev != NULL && id.kind == ZV_ID_UUID && strcmp (p->mdev, id.normalized) != 0)
    {
      set_invalid (error, what, "passthroughs", at, "'device' names mdev %s, 'mdev' %s",
                   id.normalized, p->mdev);
      return NULL;
    }
  return g_steal_pointer (&p);
}

/* Parses the "host" list into DOC. */
static gboolean
parse_host (JsonNode *node, ZvStateDoc *doc, const char *what, GError **error)
{
  JsonArray *a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      ZvId id;
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
          !name_ok (json_node_get_string (n)) || !zv_parse_id (json_node_get_string (n), &id))
        {
          set_invalid (error, what, "host", i, "not a device ID (a devno, sch:ID, a PCI "
                       "address, fid:ID, an mdev UUID or a node-device name)");
          return FALSE;
        }
      g_ptr_array_add (doc->host, g_strdup (json_node_get_string (n)));
      g_array_append_val (doc->host_ids, id);
    }
  return TRUE;
}

/* Parses and validates a document. */
ZvStateDoc *
zv_state_doc_parse (const char *data, gsize length, const char *what, GError **error)
{
  if (length > ZV_STATE_DOC_MAX_SIZE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: larger than %d bytes", what,
                   ZV_STATE_DOC_MAX_SIZE);
      return NULL;
    }
  g_autoptr (JsonParser) parser = zv_json_parse_object (data, length, what, error);
  if (parser == NULL)
    return NULL;
  JsonObject *top = json_node_get_object (json_parser_get_root (parser));
  g_autoptr (GList) members = json_object_get_members (top);
  for (GList *m = members; m; m = m->next)
    if (strcmp (m->data, "version") != 0 && strcmp (m->data, "passthroughs") != 0 &&
        strcmp (m->data, "host") != 0)
      {
        g_autofree char *shown = g_strescape (m->data, NULL);
        set_invalid (error, what, NULL, 0, "unknown member '%.64s' (known: version, "
                     "passthroughs, host)", shown);
        return NULL;
      }
  JsonNode *version = json_object_get_member (top, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) != ZV_STATE_DOC_VERSION)
    {
      set_invalid (error, what, NULL, 0, "'version' must be %d (this zvfio reads version %d)",
                   ZV_STATE_DOC_VERSION, ZV_STATE_DOC_VERSION);
      return NULL;
    }
  JsonNode *list = json_object_get_member (top, "passthroughs");
  JsonNode *host = json_object_get_member (top, "host");
  if ((list != NULL && !JSON_NODE_HOLDS_ARRAY (list)) ||
      (host != NULL && !JSON_NODE_HOLDS_ARRAY (host)))
    {
      set_invalid (error, what, NULL, 0, "'passthroughs' and 'host' must be arrays");
      return NULL;
    }
  guint n_list = list ? json_array_get_length (json_node_get_array (list)) : 0;
  guint n_host = host ? json_array_get_length (json_node_get_array (host)) : 0;
  if (n_list + n_host > ZV_STATE_DOC_MAX_ENTRIES)
    {
      set_invalid (error, what, NULL, 0, "more than %d entries", ZV_STATE_DOC_MAX_ENTRIES);
      return NULL;
    }
  g_autoptr (ZvStateDoc) doc = zv_state_doc_new ();
  for (guint i = 0; i < n_list; i++)
    {
      ZvStatePassthrough *p = parse_passthrough (json_array_get_element (
                                                   json_node_get_array (list), i), what, i,
                                                 error);
      if (p == NULL)
        return NULL;
      g_ptr_array_add (doc->passthroughs, p);
    }
  if (host != NULL && !parse_host (host, doc, what, error))
    return NULL;
  return g_steal_pointer (&doc);
}

/* Adds flag member KEY when VALUE is set. */
static void
build_flag (JsonBuilder *b, const char *key, gint value)
{
  if (value == ZV_UNSET)
    return;
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, value == TRUE);
}

/* Adds DOC to B as one object. */
void
zv_state_doc_build (JsonBuilder *b, const ZvStateDoc *doc)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, ZV_STATE_DOC_VERSION);
  json_builder_set_member_name (b, "passthroughs");
  json_builder_begin_array (b);
  for (guint i = 0; i < doc->passthroughs->len; i++)
    {
      const ZvStatePassthrough *p = g_ptr_array_index (doc->passthroughs, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, p->device);
      json_builder_set_member_name (b, "domain");
      json_builder_add_string_value (b, p->domain);
      if (p->mdev != NULL)
        {
          json_builder_set_member_name (b, "mdev");
          json_builder_add_string_value (b, p->mdev);
        }
      build_flag (b, "persist", p->persist);
      build_flag (b, "autostart", p->autostart);
      if (p->offline != ZV_UNSET)
        {
          json_builder_set_member_name (b, "offline");
          json_builder_add_string_value (b, p->offline == TRUE ? "allow" : "deny");
        }
      build_flag (b, "managed", p->managed);
      if (p->guest_devno != NULL)
        {
          json_builder_set_member_name (b, "guest_devno");
          json_builder_add_string_value (b, p->guest_devno);
        }
      if (p->has_uid)
        {
          json_builder_set_member_name (b, "zpci_uid");
          json_builder_add_int_value (b, p->uid);
        }
      if (p->has_fid)
        {
          json_builder_set_member_name (b, "zpci_fid");
          json_builder_add_int_value (b, p->fid);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "host");
  json_builder_begin_array (b);
  for (guint i = 0; i < doc->host->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (doc->host, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* Serializes DOC as pretty JSON. */
char *
zv_state_doc_to_json (const ZvStateDoc *doc)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  zv_state_doc_build (b, doc);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return zv_json_to_text (root);
}
