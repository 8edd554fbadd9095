/* Unit tests: the mdev intent records (zv-mdev-intent.c): strict parsing, the
 * round trip, save/load/list/remove below a root, and the definition identity a
 * record keeps as proof (zv_mdev_definition_identify). */
#include "zv-error.h"
#include "zv-mdev-intent.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UUID "7e270a25-e163-4922-af60-757fc8ed48cb"
/* The subchannel the records name, parsed. */
static const ZvBusId SCH_0144 = { 0, 0, 0x0144 };

/* A record's JSON text with OP, STEP, URI and DOMAIN (NULL: null) filled in. */
static char *
record (const char *op, const char *step, const char *uri, const char *domain)
{
  g_autofree char *u = uri ? g_strdup_printf ("\"%s\"", uri) : g_strdup ("null");
  g_autofree char *d = domain ? g_strdup_printf ("\"%s\"", domain) : g_strdup ("null");
  return g_strdup_printf ("{\"version\":1,\"operation\":\"%s\",\"uuid\":\"" UUID "\","
                          "\"parent\":\"0.0.0144\",\"step\":\"%s\",\"uri\":%s,\"domain\":%s}",
                          op, step, u, d);
}

/* Both operations parse, and an accepted record serializes to text that parses back. */
static void
test_round_trip (void)
{
  g_autofree char *text = record ("attach-define", "libvirt", "test:///default", "guest1");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (intent->op, ==, ZV_MDEV_OP_ATTACH_DEFINE);
  g_assert_cmpint (intent->step, ==, ZV_MDEV_STEP_LIBVIRT);
  g_assert_cmpstr (intent->uri, ==, "test:///default");
  g_assert_cmpstr (intent->domain, ==, "guest1");
  g_autofree char *json = zv_mdev_intent_to_json (intent);
  g_autoptr (ZvMdevIntent) again = zv_mdev_intent_parse (json, -1, &error);
  g_assert_no_error (error);
  g_autofree char *json_again = zv_mdev_intent_to_json (again);
  g_assert_cmpstr (json, ==, json_again);
}

/* The validation table: each bad record is refused with its reason. */
static void
test_refused (void)
{
  static const struct { const char *op, *step, *uri, *domain, *message; } cases[] = {
    { "define-start", "libvirt", NULL, NULL, "invalid step 'libvirt'" },
    { "attach-define", "start", "test:///default", "g", "invalid step 'start'" },
    { "define-start", "start", "qemu:///system", NULL, "'uri' must be null for define-start" },
    { "attach-define", "define", NULL, "g", "'uri' must be a string" },
    { "format-disk", "define", NULL, NULL, "invalid operation 'format-disk'" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = record (cases[i].op, cases[i].step, cases[i].uri, cases[i].domain);
      g_autoptr (GError) error = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
      g_assert_null (intent);
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevIntent) extra = zv_mdev_intent_parse (
    "{\"version\":1,\"operation\":\"define-start\",\"uuid\":\"" UUID "\",\"parent\":\"0.0.0144\","
    "\"step\":\"define\",\"uri\":null,\"domain\":null,\"x\":1}", -1, &error);
  g_assert_null (extra);
  g_assert_cmpstr (error->message, ==, "mdev intent record: unknown member 'x'");
}

/* A version-2 define-start record at step start with DEFINITION (JSON text). */
static char *
record_v2 (const char *definition)
{
  return g_strdup_printf ("{\"version\":2,\"operation\":\"define-start\",\"uuid\":\"" UUID "\","
                          "\"parent\":\"0.0.0144\",\"step\":\"start\",\"uri\":null,"
                          "\"domain\":null,\"definition\":%s}", definition);
}

/* A definition object with NAME, INODE, SIZE and SHA256 (times fixed). */
static char *
definition (const char *name, const char *inode, const char *size, const char *sha256)
{
  return g_strdup_printf ("{\"name\":\"%s\",\"inode\":%s,\"size\":%s,\"ctime_ns\":"
                          "1764990699415984369,\"mtime_ns\":1764990699415984369,\"sha256\":"
                          "\"%s\"}", name, inode, size, sha256);
}

#define SHA "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

/* Version 2 keeps the proof through a round trip; version 1 (no proof) is read as
 * a record without one and written as version 2. */
static void
test_versions (void)
{
  g_autofree char *def = definition ("7E270A25-E163-4922-AF60-757FC8ED48CB", "11003528", "68",
                                     SHA);
  g_autofree char *text = record_v2 (def);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (intent->definition);
  g_assert_cmpstr (intent->definition->name, ==, "7E270A25-E163-4922-AF60-757FC8ED48CB");
  g_assert_cmpint (intent->definition->inode, ==, 11003528);
  g_assert_cmpint (intent->definition->size, ==, 68);
  g_assert_cmpint (intent->definition->ctime_ns, ==, G_GINT64_CONSTANT (1764990699415984369));
  g_assert_cmpstr (intent->definition->sha256, ==, SHA);
  g_autofree char *json = zv_mdev_intent_to_json (intent);
  g_autoptr (ZvMdevIntent) again = zv_mdev_intent_parse (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (zv_mdev_definition_id_equal (intent->definition, again->definition));

  g_autofree char *v1 = record ("define-start", "start", NULL, NULL);
  g_autoptr (ZvMdevIntent) old = zv_mdev_intent_parse (v1, -1, &error);
  g_assert_no_error (error);
  g_assert_null (old->definition);
  g_autofree char *v1_json = zv_mdev_intent_to_json (old);
  g_assert_nonnull (strstr (v1_json, "\"version\" : 2"));
  g_assert_nonnull (strstr (v1_json, "\"definition\" : null"));
  g_autofree char *null_def = record_v2 ("null");
  g_autoptr (ZvMdevIntent) unproven = zv_mdev_intent_parse (null_def, -1, &error);
  g_assert_no_error (error);
  g_assert_null (unproven->definition);
}

/* Bad proofs are refused, each with its reason. */
static void
test_definition_refused (void)
{
  static const struct { const char *name, *inode, *size, *sha256, *message; } cases[] = {
    { "7e270a25-e163-4922-af60-757fc8ed48cc", "1", "68", SHA, "invalid definition.name" },
    { "../../../etc/passwd", "1", "68", SHA, "invalid definition.name" },
    { UUID, "0", "68", SHA, "'definition.inode' must be an integer 1 to" },
    { UUID, "-5", "68", SHA, "'definition.inode' must be an integer 1 to" },
    { UUID, "\"5\"", "68", SHA, "'definition.inode' must be an integer 1 to" },
    { UUID, "1.5", "68", SHA, "'definition.inode' must be an integer 1 to" },
    { UUID, "1", "-1", SHA, "'definition.size' must be an integer 0 to 1048576" },
    { UUID, "1", "1048577", SHA, "'definition.size' must be an integer 0 to 1048576" },
    { UUID, "1", "68", "0F1E", "invalid definition.sha256" },
    { UUID, "1", "68", "0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0",
      "invalid definition.sha256" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *def = definition (cases[i].name, cases[i].inode, cases[i].size,
                                         cases[i].sha256);
      g_autofree char *text = record_v2 (def);
      g_autoptr (GError) error = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
      g_assert_null (intent);
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, error->message, cases[i].message);
    }
  static const struct { const char *text, *message; } whole[] = {
    /* version 2 must say whether it has a proof */
    { "{\"version\":2,\"operation\":\"define-start\",\"uuid\":\"" UUID "\",\"parent\":"
      "\"0.0.0144\",\"step\":\"define\",\"uri\":null,\"domain\":null}",
      "'definition' must be an object or null" },
    /* version 1 has none */
    { "{\"version\":1,\"operation\":\"define-start\",\"uuid\":\"" UUID "\",\"parent\":"
      "\"0.0.0144\",\"step\":\"define\",\"uri\":null,\"domain\":null,\"definition\":null}",
      "unknown member 'definition'" },
    { "{\"version\":3,\"operation\":\"define-start\"}", "'version' must be 1 to 2" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (whole); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (whole[i].text, -1, &error);
      g_assert_null (intent);
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      if (strstr (error->message, whole[i].message) == NULL)
        g_error ("whole %u: '%s' lacks '%s'", i, error->message, whole[i].message);
    }
  const char *odd[] = { "\"x\"", "[]", "{}" };
  for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
    {
      g_autofree char *text = record_v2 (odd[i]);
      g_autoptr (GError) error = NULL;
      g_assert_null (zv_mdev_intent_parse (text, -1, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
    }
  g_autofree char *extra = g_strdup_printf ("{\"name\":\"" UUID "\",\"inode\":1,\"size\":1,"
                                            "\"ctime_ns\":0,\"mtime_ns\":0,\"sha256\":\"" SHA
                                            "\",\"owner\":\"me\"}");
  g_autofree char *text = record_v2 (extra);
  g_autoptr (GError) error = NULL;
  g_assert_null (zv_mdev_intent_parse (text, -1, &error));
  g_assert_cmpstr (error->message, ==, "mdev intent record: unknown member 'definition.owner'");
}

/* Runs rm -rf DIR. */
static void
remove_tree (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

/* The identity of a definition file below a root: found whatever the case of its
 * name, the same while the file is, different once it is written anew. */
static void
test_identify (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-intent-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  ZvRoot *root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  ZvMdevDefinitionId id, same, later;
  gboolean found = TRUE;
  /* no /etc/mdevctl.d/0.0.0144 at all */
  g_assert_true (zv_mdev_definition_identify (root, &SCH_0144, UUID, &id, &found, &error));
  g_assert_no_error (error);
  g_assert_false (found);

  const char *text = "{\n  \"mdev_type\": \"vfio_ccw-io\",\n  \"start\": \"manual\",\n"
                     "  \"attrs\": []\n}";
  g_autofree char *parent = g_build_filename (dir, "etc", "mdevctl.d", "0.0.0144", NULL);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_autofree char *upper = g_ascii_strup (UUID, -1);
  g_autofree char *path = g_build_filename (parent, upper, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (zv_mdev_definition_identify (root, &SCH_0144, UUID, &id, &found, &error));
  g_assert_no_error (error);
  g_assert_true (found);
  g_assert_cmpstr (id.name, ==, upper);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (id.inode, ==, (gint64) st.st_ino);
  g_assert_cmpint (id.size, ==, (gint64) strlen (text));
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  g_assert_cmpstr (id.sha256, ==, sha);
  g_assert_true (zv_mdev_definition_identify (root, &SCH_0144, UUID, &same, &found, &error));
  g_assert_true (zv_mdev_definition_id_equal (&id, &same));
  g_autofree char *shown = zv_mdev_definition_id_describe (&id);
  g_autofree char *prefix = g_strdup_printf ("inode %" G_GINT64_FORMAT ", %zu bytes, changed ",
                                             id.inode, strlen (text));
  g_assert_true (g_str_has_prefix (shown, prefix));
  g_autofree char *suffix = g_strdup_printf (" UTC, sha256 %.12s...", sha);
  g_assert_true (g_str_has_suffix (shown, suffix));

  /* the same text written anew (a new file renamed over it): another identity */
  g_usleep (20000);
  g_autofree char *tmp = g_build_filename (parent, "new", NULL);
  g_assert_true (g_file_set_contents (tmp, text, -1, NULL));
  g_assert_cmpint (g_rename (tmp, path), ==, 0);
  g_assert_true (zv_mdev_definition_identify (root, &SCH_0144, UUID, &later, &found, &error));
  g_assert_true (found);
  g_assert_cmpstr (later.sha256, ==, id.sha256);
  g_assert_false (zv_mdev_definition_id_equal (&id, &later));

  /* two spellings of the UUID: which one mdevctl uses cannot be told */
  g_autofree char *lower = g_build_filename (parent, UUID, NULL);
  g_assert_true (g_file_set_contents (lower, text, -1, NULL));
  g_assert_false (zv_mdev_definition_identify (root, &SCH_0144, UUID, &later, &found, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "two definitions"));
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);

  /* a FIFO planted as the definition is refused, not read */
  g_assert_cmpint (g_unlink (lower), ==, 0);
  g_assert_cmpint (mkfifo (lower, 0644), ==, 0);
  g_assert_false (zv_mdev_definition_identify (root, &SCH_0144, UUID, &later, &found, &error));
  g_assert_nonnull (strstr (error->message, "is not a regular file"));
  zv_root_unref (root);
  remove_tree (dir);
}

/* Save, list, load and remove below a temporary root. */
static void
test_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-intent-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  ZvRoot *root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_new (ZV_MDEV_OP_DEFINE_START, UUID,
                                                        &SCH_0144);
  intent->step = ZV_MDEV_STEP_START;
  g_assert_true (zv_mdev_intent_save (root, intent, &error));
  g_autoptr (GPtrArray) uuids = zv_mdev_intent_list (root, &error);
  g_assert_cmpuint (uuids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (uuids, 0), ==, UUID);
  g_autoptr (ZvMdevIntent) loaded = zv_mdev_intent_load (root, UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->step, ==, ZV_MDEV_STEP_START);
  g_assert_cmpstr (loaded->parent, ==, "0.0.0144");   /* as the record has it ... */
  g_assert_true (zv_busid_equal (&loaded->parent_id, &SCH_0144));   /* ... and parsed */
  g_assert_true (zv_mdev_intent_remove (root, UUID, &error));
  g_assert_null (zv_mdev_intent_load (root, UUID, &error));
  g_assert_no_error (error);
  g_assert_null (zv_mdev_intent_load (root, "../../etc", &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  zv_root_unref (root);
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

/* The URIs a record may hold: no transport or unix/tls/tcp/ssh/libssh, only the
 * harmless parameters; everything else is refused with its reason, when read and
 * when written. */
static void
test_uri (void)
{
  static const char *const accepted[] = {
    "qemu:///system", "qemu:///session", "test:///default", "test:///tmp/x_1/node.xml",
    "qemu+unix:///system", "qemu+tls://host.example:16514/system", "qemu+tcp://10.0.0.1/system",
    "qemu+ssh://root@localhost/system", "qemu+libssh://u@[::1]:22/system?sshauth=privkey",
    "qemu+ssh://h/system?keyfile=/root/.ssh/id_ed25519&no_tty=1&no_verify=1",
    "qemu+tls://h/system?pkipath=/etc/pki/libvirt&tls_priority=NORMAL:-VERS-SSL3.0",
    "qemu+SSH://h/system?mode=direct",
  };
  static const struct { const char *uri, *message; } refused[] = {
    { "qemu+ext:///system?command=/path/x.sh", "transport 'ext' is not one zvfio connects "
      "with ('ext' runs a program)" },
    { "qemu+EXT:///system", "transport 'EXT' is not one zvfio connects with" },
    { "qemu+libssh2://h/system", "transport 'libssh2' is not one" },
    { "qemu+ssh://h/system?command=/bin/sh", "parameter 'command' would make libvirt run a "
      "program" },
    { "qemu+ssh://h/system?COMMAND=/bin/sh", "parameter 'COMMAND' would make libvirt run" },
    { "qemu+ssh://h/system?netcat=/tmp/nc", "parameter 'netcat' would" },
    { "qemu+unix:///system?socket=/tmp/s", "parameter 'socket' would" },
    { "qemu+ssh://h/system?proxy=netcat", "parameter 'proxy' would" },
    { "qemu+ssh://h/system?name=qemu+ext:///x", "parameter 'name' would" },
    { "qemu+ssh://h/system?known_hosts=/etc/passwd", "parameter 'known_hosts' is not one" },
    { "qemu+ssh://h/system?no_tty=1&", "a parameter without a name" },
    { "qemu+ssh://h/system?no_tty=1;command=x", "parameter 'command' would" },
    { "qemu+ssh://h/system?comm%61nd=x", "a percent escape" },
    { "qemu+ssh://-oProxyCommand=x/system", "its host starts with '-'" },
    { "qemu+ssh://-o@h/system", "user name is empty or starts with '-'" },
    { "qemu+ssh://h:0/system", "port is no number" },
    { "qemu+ssh://h:99999/system", "port is no number" },
    { "qemu+ssh://h;x/system", "its host holds ';'" },
    { "qemu:///system#x", "a fragment" },
    { "qemu:///sys tem", "a space" },
    { "qemu:///sys$(x)", "its path holds '$'" },
    { "qemu:/system", "not of the form" },
    { "+ssh://h/system", "names no libvirt driver" },
    { "", "empty" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (GError) error = NULL;
      if (!zv_mdev_intent_check_uri (accepted[i], &error))
        g_error ("%s refused: %s", accepted[i], error->message);
      g_autofree char *text = record ("attach-define", "libvirt", accepted[i], "g");
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
      g_assert_no_error (error);
    }
  g_autofree char *dir = g_dir_make_tmp ("zvfio-intent-XXXXXX", NULL);
  g_autoptr (ZvRoot) root = zv_root_new (dir, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (zv_mdev_intent_check_uri (refused[i].uri, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      if (strstr (error->message, refused[i].message) == NULL)
        g_error ("%s: '%s' lacks '%s'", refused[i].uri, error->message, refused[i].message);
      g_clear_error (&error);
      g_autofree char *text = record ("attach-define", "libvirt", refused[i].uri, "g");
      g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse (text, -1, &error);
      g_assert_null (intent);
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      g_clear_error (&error);
      /* nor is such a record written */
      g_autoptr (ZvMdevIntent) made = zv_mdev_intent_new (ZV_MDEV_OP_ATTACH_DEFINE, UUID,
                                                          &SCH_0144);
      made->uri = g_strdup (refused[i].uri);
      made->domain = g_strdup ("g");
      g_assert_false (zv_mdev_intent_save (root, made, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
      g_autofree char *path = g_build_filename (dir, "run/zvfio/mdev", UUID ".json", NULL);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

/* A record that exists but cannot be used: the error names the file, says zvfio
 * leaves it alone and how to remove it; a read error keeps its own code. */
static void
test_unusable_record (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-intent-XXXXXX", NULL);
  g_autoptr (ZvRoot) root = zv_root_new (dir, NULL);
  g_autofree char *mdev_dir = g_build_filename (dir, "run/zvfio/mdev", NULL);
  g_assert_cmpint (g_mkdir_with_parents (mdev_dir, 0755), ==, 0);
  g_autofree char *path = g_build_filename (mdev_dir, UUID ".json", NULL);
  g_assert_true (g_file_set_contents (path, "{garbage", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_assert_null (zv_mdev_intent_load (root, UUID, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "/run/zvfio/mdev/" UUID ".json: mdev intent "
                            "record: invalid JSON"));
  g_assert_nonnull (strstr (error->message, "zvfio cannot use this record and leaves it alone"));
  g_assert_nonnull (strstr (error->message, "'mdevctl undefine -u " UUID " -p PARENT'"));
  g_assert_true (g_str_has_suffix (error->message, "then 'rm /run/zvfio/mdev/" UUID ".json'"));
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_assert_null (zv_mdev_intent_load (root, UUID, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, ZV_ERROR, ZV_ERROR_INVALID) &&
                  strstr (error->message, "invalid JSON") != NULL);
  g_assert_nonnull (strstr (error->message, "leaves it alone"));
  const char *argv[] = { "rm", "-rf", dir, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mdev-intent/round-trip", test_round_trip);
  g_test_add_func ("/mdev-intent/refused", test_refused);
  g_test_add_func ("/mdev-intent/files", test_files);
  g_test_add_func ("/mdev-intent/versions", test_versions);
  g_test_add_func ("/mdev-intent/definition-refused", test_definition_refused);
  g_test_add_func ("/mdev-intent/identify", test_identify);
  g_test_add_func ("/mdev-intent/uri", test_uri);
  g_test_add_func ("/mdev-intent/unusable-record", test_unusable_record);
  return g_test_run ();
}
