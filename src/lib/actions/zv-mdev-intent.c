/* zvfio: the intent records of define --start and attach --define
 * (/run/zvfio/mdev/<uuid>.json, see zv-mdev-intent.h). */
#include "zv-mdev-intent.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-parse.h"
#include "zv-state.h"
#include "zv-temp-sweep.h"

#include "zv-mdev.h"

#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <string.h>

#define WHAT "mdev intent record"
/* The first version with the member "definition". */
#define VERSION_WITH_DEFINITION 2

/* The operation names, indexed by ZvMdevOp. */
static const char *const op_names[] = {
  [ZV_MDEV_OP_DEFINE_START] = "define-start",
  [ZV_MDEV_OP_ATTACH_DEFINE] = "attach-define",
};

/* The step names, indexed by ZvMdevStep. */
static const char *const step_names[] = {
  [ZV_MDEV_STEP_DEFINE] = "define",
  [ZV_MDEV_STEP_START] = "start",
  [ZV_MDEV_STEP_LIBVIRT] = "libvirt",
  [ZV_MDEV_STEP_UNDO] = "undo",
};

/* The validation table: each member a record may (and must) have, and for which
 * operations it is a non-null string (the other operation has null). */
typedef struct {
  const char *key;
  gboolean define_start;   /* a string for define-start (else null) */
  gboolean attach_define;  /* a string for attach-define (else null) */
} Member;

static const Member members[] = {
  { "version", FALSE, FALSE },   /* an integer, checked on its own */
  { "operation", TRUE, TRUE },
  { "uuid", TRUE, TRUE },
  { "parent", TRUE, TRUE },
  { "step", TRUE, TRUE },
  { "uri", FALSE, TRUE },
  { "domain", FALSE, TRUE },
};

/* The members of a record's "definition" object, all required, no other. */
static const char *const definition_members[] = {
  "name", "inode", "size", "ctime_ns", "mtime_ns", "sha256",
};

/* Allocates a record of OP for UUID on subchannel PARENT at step DEFINE. */
ZvMdevIntent *
zv_mdev_intent_new (ZvMdevOp op, const char *uuid, const ZvBusId *parent)
{
  ZvMdevIntent *intent = g_new0 (ZvMdevIntent, 1);
  char name[16];
  zv_format_busid (parent, name);
  intent->op = op;
  g_strlcpy (intent->uuid, uuid, sizeof intent->uuid);
  intent->parent = g_strdup (name);
  intent->parent_id = *parent;
  intent->step = ZV_MDEV_STEP_DEFINE;
  return intent;
}

/* Frees a record. */
void
zv_mdev_intent_free (ZvMdevIntent *intent)
{
  if (intent == NULL)
    return;
  g_free (intent->parent);
  g_free (intent->uri);
  g_free (intent->domain);
  g_free (intent->definition);
  g_free (intent);
}

/* "define-start" / "attach-define". */
const char *
zv_mdev_op_name (ZvMdevOp op)
{
  return op_names[op];
}

/* "define", "start", "libvirt", "undo". */
const char *
zv_mdev_step_name (ZvMdevStep step)
{
  return step_names[step];
}

/* Serializes a record as JSON text. */
char *
zv_mdev_intent_to_json (const ZvMdevIntent *intent)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, ZV_MDEV_INTENT_VERSION);
  zv_json_add_string_or_null (b, "operation", zv_mdev_op_name (intent->op));
  zv_json_add_string_or_null (b, "uuid", intent->uuid);
  zv_json_add_string_or_null (b, "parent", intent->parent);
  zv_json_add_string_or_null (b, "step", zv_mdev_step_name (intent->step));
  zv_json_add_string_or_null (b, "uri", intent->uri);
  zv_json_add_string_or_null (b, "domain", intent->domain);
  json_builder_set_member_name (b, "definition");
  const ZvMdevDefinitionId *id = intent->definition;
  if (id == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      zv_json_add_string_or_null (b, "name", id->name);
      json_builder_set_member_name (b, "inode");
      json_builder_add_int_value (b, id->inode);
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, id->size);
      json_builder_set_member_name (b, "ctime_ns");
      json_builder_add_int_value (b, id->ctime_ns);
      json_builder_set_member_name (b, "mtime_ns");
      json_builder_add_int_value (b, id->mtime_ns);
      zv_json_add_string_or_null (b, "sha256", id->sha256);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return zv_state_builder_to_text (b);
}

/* Finds NAME in NAMES (N entries); FALSE when it is none of them. */
static gboolean
lookup_name (const char *const *names, guint n, const char *name, guint *index)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *index = i;
        return TRUE;
      }
  return FALSE;
}

/* TRUE for the text a record may hold as URI or domain name: 1 to
 * ZV_MDEV_INTENT_MAX_URI bytes of UTF-8 without control characters. */
static gboolean
text_is_valid (const char *text)
{
  gsize len = strlen (text);
  if (len == 0 || len > ZV_MDEV_INTENT_MAX_URI || !g_utf8_validate (text, (gssize) len, NULL))
    return FALSE;
  for (const char *p = text; *p; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;
  return TRUE;
}

/* The transports (DRIVER+TRANSPORT://) a record's URI may name; none is local. */
static const char *const uri_transports[] = { "unix", "tls", "tcp", "ssh", "libssh", NULL };

/* The URI parameters a record may hold: none of them runs a program, names a
 * socket or a proxy, or passes another URI on. */
static const char *const uri_parameters[] = {
  "keyfile", "mode", "no_tty", "no_verify", "pkipath", "sshauth", "tls_priority", NULL,
};

/* Parameters libvirt's remote driver takes that run a program (command, netcat),
 * connect elsewhere (socket, proxy) or pass another URI on (name): named in the
 * refusal (case-insensitively, as libvirt compares them). */
static const char *const uri_redirecting_parameters[] = {
  "command", "netcat", "socket", "proxy", "name", NULL,
};

/* TRUE when C may appear in a record URI's path or in a parameter's value. */
static gboolean
uri_text_char (char c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("/._~+,:=@-", c) != NULL);
}

/* TRUE when C may appear in a host name or a user name. */
static gboolean
uri_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '.' || c == '-' || c == '_';
}

/* TRUE when the N bytes at TEXT are one of NAMES (NULL-terminated; compared
 * ignoring case when CASELESS). */
static gboolean
uri_word_in (const char *text, gsize n, const char *const *names, gboolean caseless)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strlen (names[i]) == n &&
        (caseless ? g_ascii_strncasecmp (text, names[i], n) : strncmp (text, names[i], n)) == 0)
      return TRUE;
  return FALSE;
}

/* Checks the authority [USER@]HOST[:PORT] of N bytes at TEXT; NULL when it is
 * fine, else why not (newly allocated). */
static char *
uri_authority_problem (const char *text, gsize n)
{
  const char *end = text + n, *p = text;
  const char *at = memchr (text, '@', n);
  if (at != NULL)
    {
      if (at == text || *text == '-')
        return g_strdup ("its user name is empty or starts with '-'");
      for (; p < at; p++)
        if (!uri_name_char (*p))
          return g_strdup_printf ("its user name holds '%c'", *p);
      p = at + 1;
    }
  if (p < end && *p == '[')
    {
      const char *close = memchr (p, ']', (gsize) (end - p));
      if (close == NULL || close == p + 1)
        return g_strdup ("its host is an unclosed or empty '[...]'");
      for (const char *q = p + 1; q < close; q++)
        if (!g_ascii_isxdigit (*q) && *q != ':' && *q != '.')
          return g_strdup_printf ("its IPv6 host holds '%c'", *q);
      p = close + 1;
    }
  else
    {
      if (p < end && *p == '-')
        return g_strdup ("its host starts with '-'");
      for (; p < end && *p != ':'; p++)
        if (!uri_name_char (*p))
          return g_strdup_printf ("its host holds '%c'", *p);
    }
  if (p == end)
    return NULL;
  if (*p != ':')
    return g_strdup_printf ("its host is followed by '%c'", *p);
  guint64 port = 0;
  const char *digits = ++p;
  for (; p < end && g_ascii_isdigit (*p) && p - digits < 5; p++)
    port = port * 10 + (guint64) (*p - '0');
  if (p != end || p == digits || port == 0 || port > 65535)
    return g_strdup ("its port is no number 1 to 65535");
  return NULL;
}

/* Checks the query NAME=VALUE&... of N bytes at TEXT; NULL when it is fine, else
 * why not (newly allocated). */
static char *
uri_query_problem (const char *text, gsize n)
{
  const char *end = text + n;
  for (const char *item = text; item <= end;)
    {
      gsize len = strcspn (item, "&;");
      if (item + len > end)
        len = (gsize) (end - item);
      const char *eq = memchr (item, '=', len);
      gsize name_len = eq ? (gsize) (eq - item) : len;
      g_autofree char *name = g_strndup (item, name_len);
      if (name_len == 0)
        return g_strdup ("it has a parameter without a name");
      if (uri_word_in (item, name_len, uri_redirecting_parameters, TRUE))
        return g_strdup_printf ("its parameter '%s' would make libvirt run a program, connect "
                                "elsewhere or open another URI", name);
      if (!uri_word_in (item, name_len, uri_parameters, FALSE))
        return g_strdup_printf ("its parameter '%s' is not one zvfio accepts", name);
      for (const char *p = eq ? eq + 1 : item + len; p < item + len; p++)
        if (!uri_text_char (*p))
          return g_strdup_printf ("the value of its parameter '%s' holds '%c'", name, *p);
      item += len + 1;
    }
  return NULL;
}

/* Why URI is no URI a record may hold (newly allocated), or NULL when it is one. */
static char *
uri_problem (const char *uri)
{
  gsize len = strlen (uri);
  if (len == 0 || len > ZV_MDEV_INTENT_MAX_URI)
    return g_strdup_printf ("it is empty or longer than %d bytes", ZV_MDEV_INTENT_MAX_URI);
  for (const char *c = uri; *c; c++)
    if (!g_ascii_isprint (*c) || *c == ' ')
      return g_strdup ("it holds a space, a control character or a byte that is no ASCII");
  if (strchr (uri, '%') != NULL)
    return g_strdup ("it holds a percent escape");
  if (strchr (uri, '#') != NULL)
    return g_strdup ("it has a fragment ('#')");
  const char *p = uri;
  while (g_ascii_isalnum (*p) || *p == '_' || *p == '-')
    p++;
  if (p == uri)
    return g_strdup ("it names no libvirt driver");
  if (*p == '+')
    {
      const char *transport = ++p;
      while (g_ascii_isalnum (*p))
        p++;
      if (!uri_word_in (transport, (gsize) (p - transport), uri_transports, TRUE))
        {
          g_autofree char *name = g_strndup (transport, (gsize) (p - transport));
          return g_strdup_printf ("its transport '%s' is not one zvfio connects with%s", name,
                                  g_ascii_strcasecmp (name, "ext") == 0
                                    ? " ('ext' runs a program)" : "");
        }
    }
  if (!g_str_has_prefix (p, "://"))
    return g_strdup ("it is not of the form DRIVER[+TRANSPORT]://[HOST]/[PATH]");
  p += 3;
  gsize authority = strcspn (p, "/?");
  g_autofree char *problem = uri_authority_problem (p, authority);
  if (problem != NULL)
    return g_steal_pointer (&problem);
  p += authority;
  for (; *p != '\0' && *p != '?'; p++)
    if (!uri_text_char (*p))
      return g_strdup_printf ("its path holds '%c'", *p);
  if (*p == '?')
    return uri_query_problem (p + 1, strlen (p + 1));
  return NULL;
}

/* Checks that URI is one a record may hold. */
gboolean
zv_mdev_intent_check_uri (const char *uri, GError **error)
{
  g_autofree char *problem = uri_problem (uri);
  if (problem == NULL)
    return TRUE;
  g_autofree char *valid = g_utf8_make_valid (uri, -1);
  g_autofree char *shown = g_strescape (valid, NULL);
  g_autofree char *transports = g_strjoinv (", ", (char **) uri_transports);
  g_autofree char *parameters = g_strjoinv (", ", (char **) uri_parameters);
  g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "libvirt URI '%s' is refused: %s (zvfio "
               "keeps in a record, and connects to from one, only URIs with no transport or "
               "with one of %s, and no parameter but %s: a record must not make zvfio run a "
               "program)", shown, problem, transports, parameters);
  return FALSE;
}

/* TRUE when STEP is one the operation OP has. */
static gboolean
step_fits (ZvMdevOp op, ZvMdevStep step)
{
  if (step == ZV_MDEV_STEP_START)
    return op == ZV_MDEV_OP_DEFINE_START;
  if (step == ZV_MDEV_STEP_LIBVIRT)
    return op == ZV_MDEV_OP_ATTACH_DEFINE;
  return TRUE;
}

/* Reads the integer member KEY of O into *OUT: MIN .. MAX, else an error. */
static gboolean
get_int (JsonObject *o, const char *key, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < min ||
      json_node_get_int (node) > max)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'definition.%s' must be an integer "
                   "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, WHAT, key, min, max);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

/* TRUE when TEXT is 64 lowercase hex digits. */
static gboolean
is_sha256_hex (const char *text)
{
  gsize i = 0;
  for (; text[i] != '\0'; i++)
    if (!g_ascii_isdigit (text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
      return FALSE;
  return i == 64;
}

/* Parses the "definition" object NODE of a record for UUID: every member of
 * definition_members, no other; the name a spelling of UUID. */
static ZvMdevDefinitionId *
parse_definition (JsonNode *node, const char *uuid, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'definition' must be an object or "
                   "null", WHAT);
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  g_autoptr (GList) keys = json_object_get_members (o);
  guint ignored;
  for (GList *k = keys; k != NULL; k = k->next)
    if (!lookup_name (definition_members, G_N_ELEMENTS (definition_members), k->data,
                      &ignored))
      {
        g_autofree char *valid = g_utf8_make_valid (k->data, -1);
        g_autofree char *shown = g_strescape (valid, NULL);
        g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: unknown member 'definition.%s'",
                     WHAT, shown);
        return NULL;
      }
  g_autofree ZvMdevDefinitionId *id = g_new0 (ZvMdevDefinitionId, 1);
  const char *name, *sha256;
  char normalized[37];
  if (!zv_state_get_string (o, "name", FALSE, &name, WHAT, error))
    return NULL;
  if (!zv_parse_uuid (name, normalized) || strcmp (normalized, uuid) != 0)
    {
      zv_state_set_invalid (error, WHAT, "definition.name", name);
      return NULL;
    }
  if (!get_int (o, "inode", 1, G_MAXINT64, &id->inode, error) ||
      !get_int (o, "size", 0, ZV_MAX_FILE_SIZE, &id->size, error) ||
      !get_int (o, "ctime_ns", 0, G_MAXINT64, &id->ctime_ns, error) ||
      !get_int (o, "mtime_ns", 0, G_MAXINT64, &id->mtime_ns, error) ||
      !zv_state_get_string (o, "sha256", FALSE, &sha256, WHAT, error))
    return NULL;
  if (!is_sha256_hex (sha256))
    {
      zv_state_set_invalid (error, WHAT, "definition.sha256", sha256);
      return NULL;
    }
  g_strlcpy (id->name, name, sizeof id->name);
  g_strlcpy (id->sha256, sha256, sizeof id->sha256);
  return g_steal_pointer (&id);
}

/* Parses and validates a record strictly: every member of the table, no other,
 * each of its type; names from the lists; the step one of the operation's; from
 * version 2 on also "definition" (null, or the proof object). */
ZvMdevIntent *
zv_mdev_intent_parse (const char *data, gssize length, GError **error)
{
  if (length < 0)
    length = (gssize) strlen (data);
  g_autoptr (JsonParser) parser = zv_json_parse_object (data, (gsize) length, WHAT, error);
  if (parser == NULL)
    return NULL;
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonNode *version = json_object_get_member (o, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 ||
      json_node_get_int (version) < 1 || json_node_get_int (version) > ZV_MDEV_INTENT_VERSION)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'version' must be 1 to %d", WHAT,
                   ZV_MDEV_INTENT_VERSION);
      return NULL;
    }
  gboolean with_definition = json_node_get_int (version) >= VERSION_WITH_DEFINITION;
  g_autoptr (GList) keys = json_object_get_members (o);
  for (GList *k = keys; k != NULL; k = k->next)
    {
      gboolean known = with_definition && strcmp (k->data, "definition") == 0;
      for (guint i = 0; i < G_N_ELEMENTS (members) && !known; i++)
        known = strcmp (k->data, members[i].key) == 0;
      if (!known)
        {
          g_autofree char *valid = g_utf8_make_valid (k->data, -1);
          g_autofree char *shown = g_strescape (valid, NULL);
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: unknown member '%s'", WHAT,
                       shown);
          return NULL;
        }
    }
  const char *op_name, *step_name;
  guint op, step;
  if (!zv_state_get_string (o, "operation", FALSE, &op_name, WHAT, error))
    return NULL;
  if (!lookup_name (op_names, G_N_ELEMENTS (op_names), op_name, &op))
    {
      zv_state_set_invalid (error, WHAT, "operation", op_name);
      return NULL;
    }
  const char *values[G_N_ELEMENTS (members)] = { NULL };
  for (guint i = 1; i < G_N_ELEMENTS (members); i++)
    {
      gboolean string = op == ZV_MDEV_OP_DEFINE_START ? members[i].define_start
                                                      : members[i].attach_define;
      if (!zv_state_get_string (o, members[i].key, !string, &values[i], WHAT, error))
        return NULL;
      if (!string && values[i] != NULL)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' must be null for %s", WHAT,
                       members[i].key, op_name);
          return NULL;
        }
    }
  const char *uuid = values[2], *parent = values[3], *uri = values[5], *domain = values[6];
  step_name = values[4];
  char normalized[37];
  ZvBusId busid;
  if (!zv_parse_uuid (uuid, normalized) || strcmp (normalized, uuid) != 0)
    {
      zv_state_set_invalid (error, WHAT, "uuid", uuid);
      return NULL;
    }
  if (!zv_parse_busid_canonical (parent, &busid))
    {
      zv_state_set_invalid (error, WHAT, "parent", parent);
      return NULL;
    }
  if (!lookup_name (step_names, G_N_ELEMENTS (step_names), step_name, &step) ||
      !step_fits ((ZvMdevOp) op, (ZvMdevStep) step))
    {
      zv_state_set_invalid (error, WHAT, "step", step_name);
      return NULL;
    }
  if (uri != NULL && !text_is_valid (uri))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: invalid uri", WHAT);
      return NULL;
    }
  g_autoptr (GError) refused = NULL;
  if (uri != NULL && !zv_mdev_intent_check_uri (uri, &refused))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'uri': %s", WHAT, refused->message);
      return NULL;
    }
  if (domain != NULL && !text_is_valid (domain))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: invalid domain", WHAT);
      return NULL;
    }
  g_autofree ZvMdevDefinitionId *definition = NULL;
  if (with_definition)
    {
      JsonNode *node = json_object_get_member (o, "definition");
      if (node == NULL)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: 'definition' must be an object "
                       "or null", WHAT);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_NULL (node) &&
          (definition = parse_definition (node, uuid, error)) == NULL)
        return NULL;
    }
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_new ((ZvMdevOp) op, uuid, &busid);
  intent->step = (ZvMdevStep) step;
  intent->uri = g_strdup (uri);
  intent->domain = g_strdup (domain);
  intent->definition = g_steal_pointer (&definition);
  return g_steal_pointer (&intent);
}

/* TRUE when NAME is a lowercase UUID (a record file's stem). */
static gboolean
is_record_name (const char *name)
{
  char normalized[37];
  return zv_parse_uuid (name, normalized) && strcmp (normalized, name) == 0;
}

/* The record path of UUID (a lowercase UUID). */
static char *
record_path (const char *uuid)
{
  return g_strconcat (ZV_MDEV_INTENT_DIR "/", uuid, ".json", NULL);
}

/* Writes /run/zvfio/mdev/<uuid>.json atomically. */
gboolean
zv_mdev_intent_save (ZvRoot *root, const ZvMdevIntent *intent, GError **error)
{
  g_return_val_if_fail (is_record_name (intent->uuid), FALSE);
  g_autofree char *path = record_path (intent->uuid);
  g_autoptr (GError) refused = NULL;
  if (intent->uri != NULL && !zv_mdev_intent_check_uri (intent->uri, &refused))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "mdev %s: nothing recorded or changed: "
                   "%s", intent->uuid, refused->message);
      return FALSE;
    }
  g_autofree char *text = zv_mdev_intent_to_json (intent);
  zv_temp_sweep_before_write (root, ZV_MDEV_INTENT_DIR);
  return zv_root_write_file_atomic (root, path, text, -1, 0644, error);
}

/* Sets ERROR (DOMAIN, CODE) for the record of UUID that exists but cannot be used:
 * FORMAT says why (naming the file); the rest says what zvfio does with it (nothing)
 * and how an admin removes it. A record names its subchannel inside, so one that
 * cannot be read is tied to nothing but its file name: only the commands that name
 * its UUID stop at it. */
static void G_GNUC_PRINTF (5, 6)
set_unusable (GError **error, const char *uuid, GQuark domain, gint code, const char *format,
              ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, domain, code, "%s; zvfio cannot use this record and leaves it alone "
               "(and what its interrupted define --start or attach --define made). To remove "
               "it, look for a definition of mdev %s that the interrupted run left ('mdevctl "
               "list --defined --uuid %s'; 'mdevctl undefine -u %s -p PARENT' removes it), "
               "then 'rm " ZV_MDEV_INTENT_DIR "/%s.json'", why, uuid, uuid, uuid, uuid);
}

/* Loads the record of UUID; NULL without error when there is none. */
ZvMdevIntent *
zv_mdev_intent_load (ZvRoot *root, const char *uuid, GError **error)
{
  if (!is_record_name (uuid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "invalid mdev UUID '%s'", uuid);
      return NULL;
    }
  g_autofree char *path = record_path (uuid);
  /* whoever acts on a record clears the directory of a killed writer's temporary files */
  zv_temp_sweep_before_write (root, ZV_MDEV_INTENT_DIR);
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  g_autofree char *data = zv_state_read_file (root, path, &length, &local);
  if (data == NULL)
    {
      if (local != NULL)
        set_unusable (error, uuid, local->domain, local->code, "%s", local->message);
      return NULL;
    }
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (data, (gssize) length, &local);
  if (intent == NULL)
    {
      set_unusable (error, uuid, ZV_ERROR, ZV_ERROR_INVALID, "%s: %s", path,
                    local->message);
      return NULL;
    }
  if (strcmp (intent->uuid, uuid) != 0)
    {
      set_unusable (error, uuid, ZV_ERROR, ZV_ERROR_INVALID, "%s: record is for mdev %s",
                    path, intent->uuid);
      return NULL;
    }
  return g_steal_pointer (&intent);
}

/* Removes the record of UUID (a missing one is fine). */
gboolean
zv_mdev_intent_remove (ZvRoot *root, const char *uuid, GError **error)
{
  g_return_val_if_fail (is_record_name (uuid), FALSE);
  g_autofree char *path = record_path (uuid);
  zv_temp_sweep_before_write (root, ZV_MDEV_INTENT_DIR);
  return zv_root_remove_file (root, path, error);
}

/* The UUIDs of every record (sorted). */
GPtrArray *
zv_mdev_intent_list (ZvRoot *root, GError **error)
{
  return zv_state_list_records (root, ZV_MDEV_INTENT_DIR, is_record_name, error);
}

/* The nanoseconds since the epoch of TS. */
static gint64
timespec_ns (const struct timespec *ts)
{
  return (gint64) ts->tv_sec * G_GINT64_CONSTANT (1000000000) + ts->tv_nsec;
}

/* Reads the identity of the definition of UUID on PARENT. */
gboolean
zv_mdev_definition_identify (ZvRoot *root, const ZvBusId *parent_id, const char *uuid,
                             ZvMdevDefinitionId *id, gboolean *found, GError **error)
{
  *found = FALSE;
  char parent[16];
  zv_format_busid (parent_id, parent);   /* as the kernel (and mdevctl) names it */
  g_autofree char *path = g_strconcat (ZV_MDEVCTL_DIR "/", parent, NULL);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;   /* no definition on PARENT at all */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_autoptr (GPtrArray) names = zv_dir_list (dir, error);
  if (names == NULL)
    return FALSE;
  const char *name = NULL;
  for (guint i = 0; i < names->len; i++)
    {
      char normalized[37];
      const char *entry = g_ptr_array_index (names, i);
      if (!zv_parse_uuid (entry, normalized) || strcmp (normalized, uuid) != 0)
        continue;
      if (name != NULL)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s holds two definitions of mdev "
                       "%s ('%s' and '%s')", path, uuid, name, entry);
          return FALSE;
        }
      name = entry;
    }
  if (name == NULL)
    return TRUE;
  struct stat st;
  gsize length = 0;
  g_autofree char *data = zv_dir_read_stat (dir, name, &length, &st, error);
  if (data == NULL)
    return FALSE;
  if ((guint64) st.st_ino > (guint64) G_MAXINT64 || st.st_ino == 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s/%s: inode %" G_GUINT64_FORMAT
                   " cannot be recorded", path, name, (guint64) st.st_ino);
      return FALSE;
    }
  g_autofree char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          (const guchar *) data, length);
  memset (id, 0, sizeof *id);
  g_strlcpy (id->name, name, sizeof id->name);
  id->inode = (gint64) st.st_ino;
  id->size = (gint64) length;
  id->ctime_ns = timespec_ns (&st.st_ctim);
  id->mtime_ns = timespec_ns (&st.st_mtim);
  g_strlcpy (id->sha256, sha256, sizeof id->sha256);
  *found = TRUE;
  return TRUE;
}

/* TRUE when A and B are the same file with the same contents. */
gboolean
zv_mdev_definition_id_equal (const ZvMdevDefinitionId *a, const ZvMdevDefinitionId *b)
{
  return strcmp (a->name, b->name) == 0 && a->inode == b->inode && a->size == b->size &&
         a->ctime_ns == b->ctime_ns && a->mtime_ns == b->mtime_ns &&
         strcmp (a->sha256, b->sha256) == 0;
}

/* A definition identity for messages. */
char *
zv_mdev_definition_id_describe (const ZvMdevDefinitionId *id)
{
  g_autoptr (GDateTime) changed = g_date_time_new_from_unix_utc (id->ctime_ns / 1000000000);
  g_autofree char *when = changed ? g_date_time_format (changed, "%Y-%m-%d %H:%M:%S")
                                  : g_strdup ("?");
  return g_strdup_printf ("inode %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " bytes, changed %s."
                          "%09" G_GINT64_FORMAT " UTC, sha256 %.12s...", id->inode, id->size,
                          when, id->ctime_ns % 1000000000, id->sha256);
}

/* Takes the lock of UUID's record. */
ZvLock *
zv_mdev_intent_lock (ZvRoot *root, const char *uuid, pid_t owner, guint timeout_ms,
                     GError **error)
{
  g_autofree char *name = g_strconcat ("mdev-", uuid, NULL);
  return zv_lock_acquire (root, name, owner, timeout_ms, error);
}
