/* zvfio-callout: mdevctl callout for vfio_ccw-io mdevs (docs/callout.md).
 *
 * mdevctl runs it as: zvfio-callout -t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT
 * with the device's JSON config on stdin for pre/post/live events. Exit 0 lets
 * mdevctl go on, 2 says "not my device type", anything else vetoes a 'pre'.
 * The checks are the rules of libzvfio (zvfio check runs the same ones).
 *
 * stdin is read to its end before any answer but 0 or 2: mdevctl 1.2 takes a
 * broken pipe on its write of the config for "could not run the script", skips
 * it and goes on, so a refusal given before mdevctl wrote would be lost. */
#include "zv-bus.h"
#include "zv-error.h"
#include "zv-inventory.h"
#include "zv-lock.h"
#include "zv-json.h"
#include "zv-mdev.h"
#include "zv-parse.h"
#include "zv-rules.h"
#include "zv-target.h"
#include "hook-input.h"
#include "zvfio-config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG "zvfio-callout"
#define EXIT_FOREIGN_TYPE 2
#define MAX_STDIN (64 * 1024)
#define STDIN_TIMEOUT_MS 10000
#define LOCK_TIMEOUT_MS 10000
#define CAPABILITIES_VERSION 2

/* What this callout handles, as announced to mdevctl >= 1.3 (get capabilities). */
static const char *const supported_actions[] = {
  "start", "stop", "define", "undefine", "modify", "attributes", "capabilities",
};
static const char *const supported_events[] = { "pre", "post", "get" };

/* The parsed command line. */
typedef struct {
  const char *type, *event, *action, *state, *uuid, *parent;
  ZvBusId parent_id;   /* PARENT, parsed once here; the layers below take this */
} CalloutArgs;

/* What mdevctl wrote on stdin, read once before anything is decided: the bytes,
 * or why they could not be read. */
typedef struct {
  GByteArray *data;
  GError *error;
} CalloutInput;

/* Prints the usage line and returns the usage exit code (1, as mdevctl expects). */
static int
usage (const char *problem)
{
  fprintf (stderr, "%s: %s\nusage: %s -t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT\n",
           PROG, problem, PROG);
  return ZV_EXIT_FAILURE;
}

/* --help: what the program is, for an admin who finds it in mdevctl's directory. */
static int
help (void)
{
  printf ("Usage: %s -t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT\n"
          "       %s --help | --version\n\n"
          "The mdevctl callout of zvfio. mdevctl runs it around every define, start,\n"
          "modify, stop and undefine of a mediated device, with the device's JSON config\n"
          "on stdin. For vfio_ccw-io devices it takes zvfio's subchannel lock and runs\n"
          "zvfio's passthrough rules (the same as 'zvfio check'): a 'pre' event that would\n"
          "hand a device in use to a guest, or cannot work, is refused with the reasons on\n"
          "stderr. Any other device type is answered 'not mine' (exit 2) at once.\n\n"
          "Installed as %s/%s (mdevctl >= 1.3)\n"
          "with a wrapper in %s (mdevctl <= 1.2).\n\n"
          "Environment: ZVFIO_ROOT (read sysfs, /etc and /run below it),\n"
          "ZVFIO_ALLOW_VOLATILE_AUTOSTART=1, ZVFIO_LOCK_TIMEOUT_MS.\n"
          "Exit codes: 0 ok, 1 usage or failure, 2 not a vfio_ccw-io device, 3 refused by\n"
          "a rule, 5 no channel subsystem, 6 I/O error, 7 invalid data, 9 busy.\n",
          PROG, PROG, ZVFIO_MDEVCTL_CALLOUT_DIR, PROG, ZVFIO_MDEVCTL_LEGACY_CALLOUT_DIR);
  return ZV_EXIT_OK;
}

/* The value after the first "-t" in ARGV, or NULL (checked before anything else). */
static const char *
peek_type (int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp (argv[i], "-t") == 0)
      return argv[i + 1];
  return NULL;
}

/* TRUE when TOKEN is a plain lowercase word (event, action, state). */
static gboolean
is_word (const char *token)
{
  gsize n = strlen (token);
  if (n == 0 || n > 32)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_islower (token[i]))
      return FALSE;
  return TRUE;
}

/* Parses ARGV strictly: each option once, as a separate token. */
static gboolean
parse_args (int argc, char **argv, CalloutArgs *args, const char **problem)
{
  memset (args, 0, sizeof *args);
  struct { const char *flag; const char **slot; } opts[] = {
    { "-t", &args->type }, { "-e", &args->event }, { "-a", &args->action },
    { "-s", &args->state }, { "-u", &args->uuid }, { "-p", &args->parent },
  };
  for (int i = 1; i < argc; i += 2)
    {
      gsize k;
      for (k = 0; k < G_N_ELEMENTS (opts); k++)
        if (strcmp (argv[i], opts[k].flag) == 0)
          break;
      if (k == G_N_ELEMENTS (opts))
        return *problem = "unknown or malformed argument", FALSE;
      if (i + 1 >= argc)
        return *problem = "option without a value", FALSE;
      if (*opts[k].slot != NULL)
        return *problem = "duplicate option", FALSE;
      *opts[k].slot = argv[i + 1];
    }
  for (gsize k = 0; k < G_N_ELEMENTS (opts); k++)
    if (*opts[k].slot == NULL)
      return *problem = "missing option", FALSE;
  if (!is_word (args->event) || !is_word (args->action) || !is_word (args->state))
    return *problem = "event, action and state must be lowercase words", FALSE;
  char uuid[37];
  if (!zv_parse_uuid (args->uuid, uuid) || strcmp (uuid, args->uuid) != 0)
    return *problem = "the UUID must be a lowercase hyphenated UUID", FALSE;
  if (!zv_parse_busid_canonical (args->parent, &args->parent_id))
    return *problem = "the parent must be a subchannel id 0.S.XXXX (lowercase hex)", FALSE;
  return TRUE;
}

/* Reads stdin: at most MAX_STDIN bytes, ending within STDIN_TIMEOUT_MS overall
 * (a writer trickling bytes cannot keep the callout, and its lock, alive). */
static GByteArray *
read_stdin (GError **error)
{
  char *data = NULL;
  size_t length = 0;
  int code = zv_read_input_bounded (STDIN_FILENO, MAX_STDIN, STDIN_TIMEOUT_MS, &data, &length);
  if (code == ETIMEDOUT)
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                 "no complete device configuration on stdin within %d ms", STDIN_TIMEOUT_MS);
  else if (code == EFBIG)
    g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                 "device configuration on stdin is larger than %d bytes", MAX_STDIN);
  else if (code != 0)
    g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot read stdin: %s", g_strerror (code));
  if (code != 0)
    return NULL;
  /* GLib allocates with malloc: the buffer can be handed over as it is */
  return g_byte_array_new_take ((guint8 *) data, length);
}

/* Reads all of stdin into INPUT (bytes or the error); called once, first. */
static void
read_input (CalloutInput *input)
{
  input->data = read_stdin (&input->error);
}

/* Reads stdin to its end, when it is a pipe or a file, before an early refusal
 * (a usage error): mdevctl 1.2 would take the broken pipe of its write for a
 * script that could not run and go on without it. A terminal is left alone. */
static void
drain_input_before_refusal (void)
{
  struct stat st;
  if (fstat (STDIN_FILENO, &st) != 0 || !(S_ISFIFO (st.st_mode) || S_ISREG (st.st_mode) ||
                                          S_ISSOCK (st.st_mode)))
    return;
  g_autoptr (GError) ignored = NULL;
  g_autoptr (GByteArray) data = read_stdin (&ignored);
}

/* TRUE when NAME is in the NULL-free list LIST of N names. */
static gboolean
in_list (const char *name, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (list[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* Adds to B the members of PROVIDED (a JSON array of strings) that we support. */
static void
add_intersection (JsonBuilder *b, JsonArray *provided, const char *const *ours, gsize n)
{
  json_builder_begin_array (b);
  for (guint i = 0; provided && i < json_array_get_length (provided); i++)
    {
      JsonNode *node = json_array_get_element (provided, i);
      const char *name = JSON_NODE_HOLDS_VALUE (node) &&
                         json_node_get_value_type (node) == G_TYPE_STRING
                         ? json_node_get_string (node) : NULL;
      if (name != NULL && in_list (name, ours, n))
        json_builder_add_string_value (b, name);
    }
  json_builder_end_array (b);
}

/* Returns array member NAME of OBJECT, or NULL. */
static JsonArray *
array_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* get capabilities: answers {"supports":{version,actions,events}} for what
 * mdevctl provides (stdin) and this callout handles. */
static int
handle_capabilities (const CalloutInput *stdin_input)
{
  g_autoptr (GError) error = stdin_input->error ? g_error_copy (stdin_input->error) : NULL;
  GByteArray *input = stdin_input->data;
  g_autoptr (JsonParser) parser = input == NULL ? NULL
    : zv_json_parse_object ((const char *) input->data, input->len, "capabilities", &error);
  JsonObject *provides = NULL;
  if (parser != NULL)
    {
      JsonNode *node = json_object_get_member (json_node_get_object (json_parser_get_root (parser)),
                                               "provides");
      provides = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  if (provides == NULL)
    {
      fprintf (stderr, "%s: invalid capabilities request on stdin: %s\n", PROG,
               error ? error->message : "expected {\"provides\":{...}}");
      return ZV_EXIT_INVALID;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "supports");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, CAPABILITIES_VERSION);
  json_builder_set_member_name (b, "actions");
  add_intersection (b, array_member (provides, "actions"), supported_actions,
                    G_N_ELEMENTS (supported_actions));
  json_builder_set_member_name (b, "events");
  add_intersection (b, array_member (provides, "events"), supported_events,
                    G_N_ELEMENTS (supported_events));
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) answer = json_builder_get_root (b);
  g_autofree char *text = json_to_string (answer, FALSE);
  printf ("%s\n", text);
  return ZV_EXIT_OK;
}

/* Lock wait in ms: ZVFIO_LOCK_TIMEOUT_MS (tests) or the default. */
static guint
lock_timeout (void)
{
  guint32 ms;
  const char *env = g_getenv ("ZVFIO_LOCK_TIMEOUT_MS");
  return env && zv_parse_dec_u32 (env, &ms) ? ms : LOCK_TIMEOUT_MS;
}

/* Prints VIOLATIONS to stderr, one line each ("error: RULE: DEVICE: message
 * (fix: hint)"); mdevctl prefixes each line with the script name. */
static void
print_violations (GPtrArray *violations)
{
  g_autofree char *lines = zv_violations_format (violations, ZV_HINTS_PLAIN);
  fputs (lines, stderr);
}

/* Adds a ccw.mdev-config violation for a configuration that cannot be parsed. */
static void
add_config_violation (GPtrArray *out, const ZvRuleContext *ctx, const GError *error)
{
  zv_violation_add (out, zv_rules_find ("ccw.mdev-config"), ctx, ZV_FINDING_STRICT,
                    "pass a definition like {\"mdev_type\":\"" ZV_VFIO_CCW_MDEV_TYPE
                    "\",\"start\":\"manual\",\"attrs\":[]}",
                    "invalid device configuration on stdin: %s", error->message);
}

/* Runs the rules for a pre define/modify/start; returns the exit code. */
static int
validate (ZvRoot *root, const CalloutArgs *args, const CalloutInput *stdin_input, ZvOperation op)
{
  g_autoptr (GError) error = stdin_input->error ? g_error_copy (stdin_input->error) : NULL;
  GByteArray *input = stdin_input->data;
  g_autoptr (ZvMdevConfig) config = NULL;
  if (input != NULL)
    config = zv_mdev_config_parse ((const char *) input->data, (gssize) input->len, &error);

  g_autoptr (GError) missing = NULL;
  ZvId parent;
  zv_id_from_busid (ZV_ID_SUBCHANNEL, &args->parent_id, &parent);
  g_autoptr (ZvTarget) target = zv_target_resolve_id (root, &parent, args->parent,
                                                      ZV_TARGET_SUBCHANNEL_ID |
                                                      ZV_TARGET_ALLOW_MISSING, &missing);
  if (target == NULL)
    {
      fprintf (stderr, "%s: cannot read subchannel %s: %s\n", PROG, args->parent,
               missing->message);
      return zv_error_exit_code (missing);
    }
  ZvRuleContext ctx = { .root = root, .op = op, .target = target, .mdev_type = args->type,
                        .config = config,
                        .autostart = config != NULL && strcmp (config->start, "auto") == 0 };
  g_autoptr (GPtrArray) violations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  if (config == NULL)
    add_config_violation (violations, &ctx, error);
  g_ptr_array_extend_and_steal (violations, zv_rules_run (&ctx));
  print_violations (violations);
  return zv_violations_have_error (violations) ? ZV_EXIT_RULE : ZV_EXIT_OK;
}

/* pre EVENT: serializes per subchannel (lock owned by the calling mdevctl) and
 * validates define/modify/start; stop/undefine are never vetoed. */
static int
handle_pre (ZvRoot *root, const CalloutArgs *args, const CalloutInput *input)
{
  gboolean start = strcmp (args->action, "start") == 0;
  gboolean define = strcmp (args->action, "define") == 0 || strcmp (args->action, "modify") == 0;
  g_autoptr (GError) error = NULL;
  if ((start || define) && !zv_css_require (root, &error))
    {
      fprintf (stderr, "%s: %s\n", PROG, error->message);
      return zv_error_exit_code (error);
    }
  g_autofree char *name = zv_bind_key (ZV_BUS_CSS, args->parent);
  g_autoptr (ZvLock) lock = zv_lock_acquire (root, name, getppid (), lock_timeout (), &error);
  if (lock == NULL)
    {
      fprintf (stderr, "%s: %s\n", PROG, error->message);
      return zv_error_exit_code (error);
    }
  int rc = ZV_EXIT_OK;
  if (define || start)
    rc = validate (root, args, input, start ? ZV_OP_START : ZV_OP_DEFINE);
  if (rc == ZV_EXIT_OK)
    zv_lock_keep (g_steal_pointer (&lock));   /* released by 'post' */
  return rc;
}

/* post EVENT: releases the lock taken by 'pre' of the same mdevctl. */
static int
handle_post (ZvRoot *root, const CalloutArgs *args)
{
  g_autofree char *name = zv_bind_key (ZV_BUS_CSS, args->parent);
  zv_lock_release_by_owner (root, name, getppid ());
  return ZV_EXIT_OK;
}

/* The root to check: $ZVFIO_ROOT if set, else the root mdevctl >= 1.3 itself
 * works below ($MDEVCTL_ENV_ROOT, inherited by its callouts), else NULL ("/"). */
static const char *
callout_root_dir (void)
{
  const char *mdevctl_root = g_getenv ("MDEVCTL_ENV_ROOT");
  if (g_getenv ("ZVFIO_ROOT") != NULL || mdevctl_root == NULL || *mdevctl_root == '\0')
    return NULL;
  return mdevctl_root;
}

/* Dispatches one callout invocation; INPUT is what stdin held. */
static int
dispatch (const CalloutArgs *args, const CalloutInput *input)
{
  if (strcmp (args->event, "get") == 0 && strcmp (args->action, "attributes") == 0)
    {
      printf ("[]\n");   /* vfio_ccw-io mdevs have no attributes */
      return ZV_EXIT_OK;
    }
  if (strcmp (args->event, "get") == 0 && strcmp (args->action, "capabilities") == 0)
    return handle_capabilities (input);
  if (strcmp (args->event, "live") == 0)
    {
      fprintf (stderr, "%s: vfio_ccw-io mdevs have no attributes to change on a running "
               "device; use 'mdevctl modify' without --live\n", PROG);
      return ZV_EXIT_FAILURE;
    }
  gboolean known_action = in_list (args->action, supported_actions,
                                   G_N_ELEMENTS (supported_actions));
  gboolean pre = strcmp (args->event, "pre") == 0;
  gboolean post = strcmp (args->event, "post") == 0;
  if (!known_action || (!pre && !post))
    return ZV_EXIT_OK;   /* notify and future events/actions: nothing to check */

  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (callout_root_dir (), &error);
  if (root == NULL)
    {
      fprintf (stderr, "%s: %s\n", PROG, error->message);
      return zv_error_exit_code (error);
    }
  return pre ? handle_pre (root, args, input) : handle_post (root, args);
}

int
main (int argc, char **argv)
{
  /* mdevctl never calls it so: answered without stdin or sysfs */
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return help ();
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf ("%s %s\n", PROG, ZVFIO_VERSION);
      return ZV_EXIT_OK;
    }

  /* foreign types leave at once: no stdin, no sysfs */
  const char *type = peek_type (argc, argv);
  if (type != NULL && strcmp (type, ZV_VFIO_CCW_MDEV_TYPE) != 0)
    return EXIT_FOREIGN_TYPE;

  CalloutArgs args;
  const char *problem = NULL;
  if (type == NULL || !parse_args (argc, argv, &args, &problem))
    {
      drain_input_before_refusal ();
      return usage (problem ? problem : "missing -t TYPE");
    }
  /* stdin first where the answer may be a refusal (pre, live) or needs it (get
   * capabilities); the subchannel's lock is taken after this, so a trickling
   * writer cannot hold it. post and notify never refuse (mdevctl ignores them). */
  CalloutInput input = { 0 };
  if (strcmp (args.event, "pre") == 0 || strcmp (args.event, "live") == 0 ||
      (strcmp (args.event, "get") == 0 && strcmp (args.action, "capabilities") == 0))
    read_input (&input);
  int rc = dispatch (&args, &input);
  if (input.data != NULL)
    g_byte_array_unref (input.data);
  g_clear_error (&input.error);
  return rc == EXIT_FOREIGN_TYPE ? ZV_EXIT_FAILURE : rc;
}
