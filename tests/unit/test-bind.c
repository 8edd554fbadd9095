/* Unit tests: /run/zvfio state records (parse/serialize/validate) and driver
 * binding on a fixture tree that does not react (the kernel's part is missing,
 * so binding must fail cleanly and leave no trace). */
#include "fixture-tree.h"
#include "zv-bind.h"
#include "zv-error.h"
#include "zv-domain-state.h"
#include "zv-state.h"

#include <string.h>

/* A record with every field set, as --offline --persist prepare writes it. */
static ZvBindRecord *
full_record (void)
{
  ZvBindRecord *r = zv_bind_record_new (ZV_BUS_CSS, "0.0.0201");
  r->rebound = TRUE;
  r->previous_driver = g_strdup ("io_subchannel");
  r->offline_ccw_device = g_strdup ("0.0.3001");
  r->persist = TRUE;
  r->previous_persist = g_strdup ("io_subchannel");
  r->domain = g_strdup ("guest one");
  r->phase = ZV_PHASE_PREPARING;
  r->step = ZV_STEP_UNBIND;
  return r;
}

/* Serializing then parsing gives the same record. */
static void
test_record_round_trip (void)
{
  g_autoptr (ZvBindRecord) r = full_record ();
  g_autofree char *json = zv_bind_record_to_json (r);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvBindRecord) back = zv_bind_record_parse (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->bus, ==, ZV_BUS_CSS);
  g_assert_cmpstr (back->device, ==, "0.0.0201");
  g_assert_cmpstr (back->driver, ==, "vfio_ccw");
  g_assert_true (back->rebound);
  g_assert_cmpstr (back->previous_driver, ==, "io_subchannel");
  g_assert_null (back->previous_override);
  g_assert_cmpstr (back->offline_ccw_device, ==, "0.0.3001");
  g_assert_true (back->persist);
  g_assert_cmpstr (back->previous_persist, ==, "io_subchannel");
  g_assert_cmpstr (back->domain, ==, "guest one");
  g_assert_cmpint (back->phase, ==, ZV_PHASE_PREPARING);
  g_assert_cmpint (back->step, ==, ZV_STEP_UNBIND);
  g_assert_false (back->unpersist);
  g_autofree char *again = zv_bind_record_to_json (back);
  g_assert_cmpstr (again, ==, json);
}

/* A version-1 record (zvfio before the intent fields) is read as a finished prepare. */
static void
test_record_version_1 (void)
{
  static const char v1[] =
    "{\"version\":1,\"bus\":\"css\",\"device\":\"0.0.0201\",\"driver\":\"vfio_ccw\","
    "\"rebound\":true,\"previous_driver\":\"io_subchannel\",\"previous_driver_override\":null,"
    "\"offline_ccw_device\":\"0.0.3001\",\"persist\":false,\"previous_persist\":null,"
    "\"domain\":null}";
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvBindRecord) r = zv_bind_record_parse (v1, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->phase, ==, ZV_PHASE_PREPARED);
  g_assert_cmpint (r->step, ==, ZV_STEP_NONE);
  g_assert_cmpstr (r->offline_ccw_device, ==, "0.0.3001");
  static const char dv1[] = "{\"version\":1,\"domain\":\"g\",\"bindings\":[],"
                            "\"started_mdevs\":[]}";
  g_autoptr (ZvDomainState) d = zv_domain_state_parse (dv1, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d->phase, ==, ZV_PHASE_PREPARED);
}

/* Replaces the first FROM in TEXT by TO. */
static char *
replace_once (const char *text, const char *from, const char *to)
{
  const char *at = strstr (text, from);
  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* Every malformed field is rejected with ZV_ERROR_INVALID. */
static void
test_record_rejects_bad_fields (void)
{
  g_autoptr (ZvBindRecord) r = full_record ();
  g_autofree char *json = zv_bind_record_to_json (r);
  static const struct { const char *from, *to; } cases[] = {
    { "\"version\" : 2", "\"version\" : 3" },
    { "\"version\" : 2", "\"version\" : 0" },
    { "\"phase\" : \"preparing\"", "\"phase\" : \"done\"" },
    { "\"phase\" : \"preparing\",", "" },
    { "\"step\" : 3", "\"step\" : 6" },
    { "\"step\" : 3", "\"step\" : -1" },
    { "\"step\" : 3", "\"step\" : \"3\"" },
    { "\"unpersist\" : false", "\"unpersist\" : 0" },
    { "\"bus\" : \"css\"", "\"bus\" : \"ccw\"" },
    { "\"device\" : \"0.0.0201\"", "\"device\" : \"0.0.201\"" },
    { "\"device\" : \"0.0.0201\"", "\"device\" : \"0.0.020A\"" },
    { "\"driver\" : \"vfio_ccw\"", "\"driver\" : \"vfio-pci\"" },
    { "\"rebound\" : true", "\"rebound\" : 1" },
    { "\"previous_driver\" : \"io_subchannel\"", "\"previous_driver\" : \"../x\"" },
    { "\"offline_ccw_device\" : \"0.0.3001\"", "\"offline_ccw_device\" : \"3001\"" },
    { "\"domain\" : \"guest one\"", "\"domain\" : \"a/b\"" },
    { "\"domain\" : \"guest one\"", "\"domain\" : \".x\"" },
    { "\"persist\" : true,", "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *bad = replace_once (json, cases[i].from, cases[i].to);
      g_autoptr (GError) error = NULL;
      g_autoptr (ZvBindRecord) parsed = zv_bind_record_parse (bad, -1, &error);
      g_assert_null (parsed);
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
    }
  static const char *const garbage[] = { "", "[]", "{", "null", "{\"version\":1}" };
  for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (zv_bind_record_parse (garbage[i], -1, &error));
      g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
    }
}

/* Domain states round-trip and reject bad keys and UUIDs. */
static void
test_domain_state (void)
{
  g_autoptr (ZvDomainState) s = zv_domain_state_new ("guest1");
  g_ptr_array_add (s->bindings, g_strdup ("css-0.0.0200"));
  g_ptr_array_add (s->bindings, g_strdup ("pci-0010:00:00.0"));
  g_ptr_array_add (s->started_mdevs, g_strdup ("4b1d0000-0000-4000-8000-000000000200"));
  g_autofree char *json = zv_domain_state_to_json (s);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomainState) back = zv_domain_state_parse (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->domain, ==, "guest1");
  g_assert_cmpuint (back->bindings->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (back->bindings, 1), ==, "pci-0010:00:00.0");
  g_assert_cmpuint (back->started_mdevs->len, ==, 1);

  static const struct { const char *from, *to; } cases[] = {
    { "css-0.0.0200", "css-../../etc" },
    { "css-0.0.0200", "ccw-0.0.0200" },
    { "pci-0010:00:00.0", "pci-10:00:00.0" },
    { "4b1d0000-0000-4000-8000-000000000200", "4B1D0000-0000-4000-8000-000000000200" },
    { "\"guest1\"", "\"\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *bad = replace_once (json, cases[i].from, cases[i].to);
      g_autoptr (GError) local = NULL;
      g_assert_null (zv_domain_state_parse (bad, -1, &local));
      g_assert_error (local, ZV_ERROR, ZV_ERROR_INVALID);
    }
}

/* Which domain names may become /run/zvfio/<name>.json. */
static void
test_domain_names (void)
{
  g_assert_true (zv_state_domain_name_is_valid ("guest1"));
  g_assert_true (zv_state_domain_name_is_valid ("my guest: prod-01_ä"));
  g_autofree char *longest = g_strnfill (200, 'a');
  g_autofree char *too_long = g_strnfill (201, 'a');
  g_assert_true (zv_state_domain_name_is_valid (longest));
  g_assert_false (zv_state_domain_name_is_valid (too_long));
  static const char *const bad[] = { "", ".", "..", ".hidden", "a/b", "../x", "a\nb", "a\tb",
                                     "\xff\xfe" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (zv_state_domain_name_is_valid (bad[i]));
}

/* Device names, driver names, keys and driverctl paths. */
static void
test_names (void)
{
  g_assert_true (zv_bus_device_is_valid (ZV_BUS_CSS, "0.3.ffff"));
  g_assert_false (zv_bus_device_is_valid (ZV_BUS_CSS, "0.4.0000"));
  g_assert_false (zv_bus_device_is_valid (ZV_BUS_CSS, "1.0.0000"));
  g_assert_true (zv_bus_device_is_valid (ZV_BUS_PCI, "0010:00:00.0"));
  g_assert_false (zv_bus_device_is_valid (ZV_BUS_PCI, "0010:00:00.0/.."));
  g_assert_true (zv_driver_name_is_valid ("vfio-pci"));
  g_assert_false (zv_driver_name_is_valid ("a/b"));
  g_assert_false (zv_driver_name_is_valid (".."));
  g_autofree char *key = zv_bind_key (ZV_BUS_PCI, "0010:00:00.0");
  g_assert_cmpstr (key, ==, "pci-0010:00:00.0");
  g_autofree char *path = zv_driverctl_path (ZV_BUS_CSS, "0.0.0313");
  g_assert_cmpstr (path, ==, "/etc/driverctl.d/css-0.0.0313");
}

/* Reads a file below DIR into a string (test helper). */
static char *
read_below (const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

/* Nothing reacts to the writes: prepare fails, the record and the driverctl
 * file are gone, the driver link is untouched and driver_override cleared again. */
static void
test_prepare_on_inert_tree_rolls_back (void)
{
  g_autofree char *dir = fixture_tree_make ("bind");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  ZvBindOptions options = { .persist = TRUE, .settle_timeout_ms = 50 };
  ZvBindRecord *change = NULL;
  g_assert_false (zv_bind_prepare (root, ZV_BUS_CSS, "0.0.0200", &options, &change, &error));
  g_assert_null (change);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_FAILED);
  g_assert_true (g_str_has_suffix (error->message, "every change was rolled back"));
  g_clear_error (&error);

  g_autofree char *driver = zv_bind_current_driver (root, ZV_BUS_CSS, "0.0.0200", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (driver, ==, "io_subchannel");
  g_autofree char *override = read_below (dir, "sys/devices/css0/0.0.0200/driver_override");
  g_assert_cmpstr (override, ==, "\n");     /* the clearing write (a kernel shows "(null)") */
  g_assert_false (zv_root_exists (root, "/etc/driverctl.d/css-0.0.0200"));
  g_autoptr (ZvBindRecord) record = zv_state_load_binding (root, ZV_BUS_CSS, "0.0.0200", &error);
  g_assert_no_error (error);
  g_assert_null (record);
  fixture_tree_remove (dir);
}

/* A device already on its vfio driver needs no write and gives no record. */
static void
test_prepare_already_bound (void)
{
  g_autofree char *dir = fixture_tree_make ("bind");
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (dir, &error);
  ZvBindOptions options = { .settle_timeout_ms = 50 };
  ZvBindRecord *change = NULL;
  g_assert_true (zv_bind_prepare (root, ZV_BUS_PCI, "0011:00:00.0", &options, &change, &error));
  g_assert_no_error (error);
  g_assert_null (change);
  g_assert_false (zv_root_exists (root, ZV_STATE_DIR));
  /* a missing device is ZV_ERROR_NOT_FOUND */
  g_assert_false (zv_bind_prepare (root, ZV_BUS_PCI, "00ff:00:00.0", &options, &change, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND);
  fixture_tree_remove (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state/record-round-trip", test_record_round_trip);
  g_test_add_func ("/state/record-rejects-bad-fields", test_record_rejects_bad_fields);
  g_test_add_func ("/state/record-version-1", test_record_version_1);
  g_test_add_func ("/state/domain-state", test_domain_state);
  g_test_add_func ("/state/domain-names", test_domain_names);
  g_test_add_func ("/state/names", test_names);
  g_test_add_func ("/bind/inert-tree-rolls-back", test_prepare_on_inert_tree_rolls_back);
  g_test_add_func ("/bind/already-bound", test_prepare_already_bound);
  return g_test_run ();
}
