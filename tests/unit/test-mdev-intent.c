/* Unit tests: the mdev intent records (zv-mdev-intent.c): strict parsing, the
 * round trip, and save/load/list/remove below a root. */
#include "zv-error.h"
#include "zv-mdev-intent.h"

#include <string.h>

#define UUID "7e270a25-e163-4922-af60-757fc8ed48cb"

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

/* Save, list, load and remove below a temporary root. */
static void
test_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("zvfio-intent-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  ZvRoot *root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_new (ZV_MDEV_OP_DEFINE_START, UUID,
                                                        "0.0.0144");
  intent->step = ZV_MDEV_STEP_START;
  g_assert_true (zv_mdev_intent_save (root, intent, &error));
  g_autoptr (GPtrArray) uuids = zv_mdev_intent_list (root, &error);
  g_assert_cmpuint (uuids->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (uuids, 0), ==, UUID);
  g_autoptr (ZvMdevIntent) loaded = zv_mdev_intent_load (root, UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->step, ==, ZV_MDEV_STEP_START);
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mdev-intent/round-trip", test_round_trip);
  g_test_add_func ("/mdev-intent/refused", test_refused);
  g_test_add_func ("/mdev-intent/files", test_files);
  return g_test_run ();
}
