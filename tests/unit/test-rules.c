/* Unit tests: the ccw.* and zpci.* rules on generated fixture trees (each rule
 * fires on its case and stays silent on a clean device), and the host-fact
 * parsers they use. */
#include "fixture-tree.h"
#include "zv-error.h"
#include "zv-hostinfo.h"
#include "zv-inventory.h"
#include "zv-prepare.h"
#include "zv-rules.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Fixture roots, generated once per run. */
static GHashTable *trees;   /* spec -> ZvRoot* */
static GPtrArray *tree_dirs;

/* The root for fixture SPEC (generated on first use). */
static ZvRoot *
spec_root (const char *spec)
{
  ZvRoot *root = g_hash_table_lookup (trees, spec);
  if (root != NULL)
    return root;
  char *dir = fixture_tree_make (spec);
  g_ptr_array_add (tree_dirs, dir);
  g_autoptr (GError) error = NULL;
  root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  g_hash_table_insert (trees, g_strdup (spec), root);
  return root;
}

/* Optional context settings of one run. */
typedef struct {
  gboolean allow_offline;
  gboolean autostart;
  const ZvMdevConfig *config;
  const char *mdev_type;
  gboolean managed;   /* the target is a managed='yes' PCI hostdev */
} Extra;

/* Runs the rules for ID in SPEC like 'zvfio check' does ("sch:ID": like the
 * callout does for an mdev parent); a missing ccw ID runs with no subchannel. */
static GPtrArray *
run_full (const char *spec, const char *id, ZvOperation op, const Extra *extra)
{
  ZvRoot *root = spec_root (spec);
  g_autoptr (GError) error = NULL;
  gboolean parent = g_str_has_prefix (id, "sch:");
  g_autoptr (ZvTarget) target =
    zv_target_resolve (root, parent ? id + strlen ("sch:") : id,
                       ZV_TARGET_ALLOW_MISSING | (parent ? ZV_TARGET_SUBCHANNEL_ID : 0), &error);
  g_assert_no_error (error);
  ZvRuleContext ctx = { .root = root, .op = op, .target = target };
  if (extra != NULL)
    target->managed = extra->managed;
  if (extra != NULL)
    {
      ctx.allow_offline = extra->allow_offline;
      ctx.autostart = extra->autostart;
      ctx.config = extra->config;
      ctx.mdev_type = extra->mdev_type;
    }
  return zv_rules_run (&ctx);
}

/* run_full without extras. */
static GPtrArray *
run (const char *spec, const char *id, ZvOperation op)
{
  return run_full (spec, id, op, NULL);
}

/* The violation of RULE in V, or NULL. */
static const ZvViolation *
find (GPtrArray *v, const char *rule)
{
  for (guint i = 0; i < v->len; i++)
    {
      const ZvViolation *x = g_ptr_array_index (v, i);
      if (strcmp (x->rule, rule) == 0)
        return x;
    }
  return NULL;
}

/* The fix hint of RULE's violation in V ("" when it did not fire). */
static const char *
hint_of (GPtrArray *v, const char *rule)
{
  const ZvViolation *x = find (v, rule);
  g_assert_nonnull (x);
  return x != NULL ? x->hint : "";
}

/* Asserts that RULE fired with SEVERITY and a message containing TEXT. */
static void
assert_fires (GPtrArray *v, const char *rule, ZvSeverity severity, const char *text)
{
  const ZvViolation *x = find (v, rule);
  if (x == NULL)
    {
      g_autofree char *all = zv_violations_format (v, ZV_HINTS_CLI);
      g_error ("rule %s did not fire; got:\n%s", rule, all);
    }
  g_assert_cmpint (x->severity, ==, severity);
  g_assert_nonnull (strstr (x->message, text));
  g_assert_cmpstr (x->hint, !=, "");
}

/* Asserts that RULE did not fire. */
static void
assert_silent (GPtrArray *v, const char *rule)
{
  const ZvViolation *x = find (v, rule);
  if (x != NULL)
    g_error ("rule %s fired unexpectedly: %s", rule, x->message);
}

/* Asserts no violation at all. */
static void
assert_clean (GPtrArray *v)
{
  if (v->len > 0)
    {
      g_autofree char *all = zv_violations_format (v, ZV_HINTS_CLI);
      g_error ("expected no violation, got:\n%s", all);
    }
}

/* Every rule of the ccw/zpci tables: unique id, summary, findable. */
static void
test_table (void)
{
  static const char *const required[] = {
    "ccw.not-io-subchannel", "ccw.qdio", "ccw.online", "ccw.ipl-device", "ccw.in-use",
    "ccw.cio-ignored", "ccw.not-vfio-bound", "ccw.mdev-type", "ccw.mdev-config",
    "ccw.no-instance", "ccw.autostart-not-persistent", "ccw.not-a-subchannel",
    "ccw.no-subchannel", "zpci.ism.mio", "zpci.ism.driver", "zpci.ism.interpretation",
    "zpci.vfio-bound", "ccw.reipl-device", "ccw.dump-device", "zpci.ipl-device",
    "zpci.reipl-device", "zpci.dump-device",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      const ZvRule *r = zv_rules_find (required[i]);
      g_assert_nonnull (r);
      g_assert_cmpstr (r->id, ==, required[i]);
      g_assert_true (strlen (r->summary) > 10);
      g_assert_nonnull (r->check);
    }
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < zv_rules_ccw_count; i++)
    g_assert_true (g_hash_table_add (seen, (gpointer) zv_rules_ccw[i].id));
  for (gsize i = 0; i < zv_rules_zpci_count; i++)
    g_assert_true (g_hash_table_add (seen, (gpointer) zv_rules_zpci[i].id));
  g_assert_null (zv_rules_find ("ccw.no-such-rule"));
}

/* ccw.not-io-subchannel: CHSC, EADM and message subchannels. */
static void
test_not_io_subchannel (void)
{
  static const char *const ids[] = { "sch:0.0.ff00", "sch:0.0.ff40", "sch:0.0.ff80" };
  static const char *const kinds[] = { "adm", "chsc", "message" };
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (GPtrArray) v = run ("rules-ccw", ids[i], ZV_OP_CHECK);
      assert_fires (v, "ccw.not-io-subchannel", ZV_SEVERITY_ERROR, kinds[i]);
    }
  g_autoptr (GPtrArray) clean = run ("rules-ccw", "0.0.1002", ZV_OP_CHECK);
  assert_clean (clean);
}

/* ccw.qdio: OSA (1731/01), online or not. */
static void
test_qdio (void)
{
  g_autoptr (GPtrArray) online = run ("rules-ccw", "0.0.f500", ZV_OP_CHECK);
  assert_fires (online, "ccw.qdio", ZV_SEVERITY_ERROR, "1731/01");
  g_autoptr (GPtrArray) offline = run ("rules-ccw", "0.0.f600", ZV_OP_DEFINE);
  assert_fires (offline, "ccw.qdio", ZV_SEVERITY_ERROR, "QDIO");
  g_assert_cmpuint (offline->len, ==, 1);
  g_autoptr (GPtrArray) fcp = run ("rules-fcp-ipl", "0.0.b200", ZV_OP_CHECK);
  assert_fires (fcp, "ccw.qdio", ZV_SEVERITY_ERROR, "1731/03");
}

/* ccw.online: error, warning with allow_offline, not for define. */
static void
test_online (void)
{
  g_autoptr (GPtrArray) v = run ("rules-ccw", "0.0.1003", ZV_OP_CHECK);
  assert_fires (v, "ccw.online", ZV_SEVERITY_ERROR, "0.0.1003 is online");
  g_assert_cmpuint (v->len, ==, 1);
  Extra extra = { .allow_offline = TRUE };
  g_autoptr (GPtrArray) w = run_full ("rules-ccw", "0.0.1003", ZV_OP_PREPARE, &extra);
  assert_fires (w, "ccw.online", ZV_SEVERITY_WARNING, "will be set offline");
  g_assert_false (zv_violations_have_error (w));
  g_autoptr (GPtrArray) def = run ("rules-ccw", "0.0.1003", ZV_OP_DEFINE);
  assert_silent (def, "ccw.online");
  g_autoptr (GPtrArray) off = run ("rules-ccw", "0.0.1002", ZV_OP_START);
  assert_silent (off, "ccw.online");
}

/* ccw.ipl-device: ccw IPL device, and the FCP IPL subchannel. */
static void
test_ipl_device (void)
{
  g_autoptr (GPtrArray) ccw = run ("rules-ccw", "sch:0.0.0100", ZV_OP_DEFINE);
  assert_fires (ccw, "ccw.ipl-device", ZV_SEVERITY_ERROR, "IPL device (ipl_type ccw)");
  g_autoptr (GPtrArray) fcp = run ("rules-fcp-ipl", "0.0.b100", ZV_OP_CHECK);
  assert_fires (fcp, "ccw.ipl-device", ZV_SEVERITY_ERROR, "ipl_type fcp");
  g_autoptr (GPtrArray) other = run ("rules-fcp-ipl", "0.0.b200", ZV_OP_CHECK);
  assert_silent (other, "ccw.ipl-device");
  g_autoptr (GPtrArray) clean = run ("rules-ccw", "0.0.1003", ZV_OP_CHECK);
  assert_silent (clean, "ccw.ipl-device");
}

/* ccw.in-use: a mounted partition, a device-mapper holder; an unused disk is fine. */
static void
test_in_use (void)
{
  g_autoptr (GPtrArray) mounted = run ("rules-ccw", "0.0.1000", ZV_OP_CHECK);
  assert_fires (mounted, "ccw.in-use", ZV_SEVERITY_ERROR, "dasda1 mounted on /");
  g_autoptr (GPtrArray) held = run ("rules-ccw", "0.0.1001", ZV_OP_CHECK);
  assert_fires (held, "ccw.in-use", ZV_SEVERITY_ERROR, "dasdb1 held by dm-0");
  g_autoptr (GPtrArray) unused = run ("rules-ccw", "0.0.1002", ZV_OP_CHECK);
  assert_silent (unused, "ccw.in-use");
}

/* A fresh tree of SPEC that MUTATE then breaks (one per test, never cached). */
static ZvRoot *
broken_root (const char *spec, void (*mutate) (const char *dir))
{
  char *dir = fixture_tree_make (spec);
  g_ptr_array_add (tree_dirs, dir);
  mutate (dir);
  g_autoptr (GError) error = NULL;
  ZvRoot *root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  return root;
}

/* Replaces the file DIR/PATH with a directory (unreadable as a file). */
static void
replace_with_dir (const char *dir, const char *path)
{
  g_autofree char *full = g_build_filename (dir, path, NULL);
  g_assert_cmpint (g_unlink (full), ==, 0);
  g_assert_cmpint (g_mkdir (full, 0755), ==, 0);
}

/* Writes TEXT to DIR/PATH. */
static void
write_text (const char *dir, const char *path, const char *text, gssize length)
{
  g_autofree char *full = g_build_filename (dir, path, NULL);
  g_assert_true (g_file_set_contents (full, text, length, NULL));
}

/* /sys/firmware/ipl/ipl_type that cannot be read. */
static void
break_ipl (const char *dir)
{
  replace_with_dir (dir, "sys/firmware/ipl/ipl_type");
}

/* A /proc/self/mountinfo line that is no mount. */
static void
break_mounts (const char *dir)
{
  write_text (dir, "proc/self/mountinfo", "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
              "this is no mountinfo line\n", -1);
}

/* The holders directory of dasdc (device 0.0.1002) is a regular file. */
static void
break_holders (const char *dir)
{
  g_autofree char *holders = g_build_filename (dir, "sys/devices/css0/0.0.0102/0.0.1002/block/"
                                               "dasdc/holders", NULL);
  g_assert_cmpint (g_rmdir (holders), ==, 0);
  write_text (dir, "sys/devices/css0/0.0.0102/0.0.1002/block/dasdc/holders", "x", -1);
}

/* A /proc/cio_ignore line that is no bus id. */
static void
break_cio_ignore (const char *dir)
{
  write_text (dir, "proc/cio_ignore", "0.0.1000-garbage\n", -1);
}

/* One unreadable host fact: how to break it, the device and rule affected,
 * and the file the error must name. */
typedef struct {
  void (*mutate) (const char *dir);
  const char *id;
  const char *rule;
  const char *file;
} BrokenFact;

/* A host fact that cannot be read makes the rules that need it fail closed,
 * with an error naming the file, for every operation that runs them. */
static void
test_unreadable_facts (void)
{
  static const BrokenFact cases[] = {
    { break_ipl, "0.0.1003", "ccw.ipl-device", "/sys/firmware/ipl/ipl_type" },
    { break_mounts, "0.0.1002", "ccw.in-use", "/proc/self/mountinfo" },
    { break_holders, "0.0.1002", "ccw.in-use", "/block/dasdc/holders" },
    { break_cio_ignore, "0.0.1003", "ccw.cio-ignored", "/proc/cio_ignore" },
  };
  static const ZvOperation ops[] = {
    ZV_OP_CHECK, ZV_OP_DEFINE, ZV_OP_START, ZV_OP_ATTACH, ZV_OP_PREPARE,
  };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (ZvRoot) root = broken_root ("rules-ccw", cases[c].mutate);
      g_autoptr (ZvTarget) target = zv_target_resolve (root, cases[c].id, ZV_TARGET_DEFAULT,
                                                       NULL);
      g_assert_nonnull (target);
      for (gsize o = 0; o < G_N_ELEMENTS (ops); o++)
        {
          ZvRuleContext ctx = { .root = root, .op = ops[o], .target = target };
          g_autoptr (GPtrArray) v = zv_rules_run (&ctx);
          assert_fires (v, cases[c].rule, ZV_SEVERITY_ERROR, "cannot check this rule");
          assert_fires (v, cases[c].rule, ZV_SEVERITY_ERROR, cases[c].file);
          g_assert_true (zv_violations_have_error (v));
        }
    }
}

/* What the lock-order test's zv_prepare callback sees and does. */
typedef struct {
  const char *dir;
  gboolean lock_held;
} LockOrder;

/* zv_prepare's "locked" step: notes whether the device lock file exists, then
 * mounts dasdc (device 0.0.1002) behind zvfio's back. */
static void
mount_after_lock (gpointer data)
{
  LockOrder *order = data;
  g_autofree char *lock = g_build_filename (order->dir, "run/lock/zvfio/css-0.0.0102.lock",
                                            NULL);
  order->lock_held = g_file_test (lock, G_FILE_TEST_EXISTS);
  write_text (order->dir, "proc/self/mountinfo",
              "40 1 94:9 / /srv rw,relatime shared:1 - ext4 /dev/dasdc1 rw\n", -1);
}

/* Does nothing to a tree. */
static void
keep_tree (const char *dir)
{
}

/* prepare holds the device lock before it reads the host facts: a mount made
 * once the lock is held is seen by the rules, so the prepare is refused. */
static void
test_prepare_locks_before_facts (void)
{
  g_autoptr (ZvRoot) root = broken_root ("rules-ccw", keep_tree);
  g_autoptr (ZvTarget) target = zv_target_resolve (root, "0.0.1002", ZV_TARGET_DEFAULT, NULL);
  g_assert_nonnull (target);
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  g_ptr_array_add (targets, target);
  LockOrder order = { .dir = zv_root_dir (root) };
  ZvPrepareOptions options = { .lock_timeout_ms = 1000, .lock_owner = getpid (),
                               .action = "prepare 0.0.0102", .locked = mount_after_lock,
                               .data = &order };
  ZvPrepareResult result = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (zv_prepare (root, targets, &options, &result, &error));
  g_assert_true (order.lock_held);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_RULE);
  assert_fires (result.violations, "ccw.in-use", ZV_SEVERITY_ERROR, "dasdc1 mounted on /srv");
  g_assert_cmpuint (result.changes->len, ==, 0);
  zv_prepare_result_clear (&result);
}

/* ccw.cio-ignored: error for an unregistered devno, warning for an existing one. */
static void
test_cio_ignored (void)
{
  g_autoptr (GPtrArray) missing = run ("rules-ccw", "0.0.3001", ZV_OP_CHECK);
  assert_fires (missing, "ccw.cio-ignored", ZV_SEVERITY_ERROR, "not registered");
  g_assert_nonnull (strstr (hint_of (missing, "ccw.cio-ignored"), "cio_ignore -r 0.0.3001"));
  g_autoptr (GPtrArray) existing = run ("rules-ccw", "0.0.1004", ZV_OP_CHECK);
  assert_fires (existing, "ccw.cio-ignored", ZV_SEVERITY_WARNING, "after a reboot");
  g_assert_false (zv_violations_have_error (existing));
  g_autoptr (GPtrArray) clean = run ("rules-ccw", "0.0.1002", ZV_OP_CHECK);
  assert_silent (clean, "ccw.cio-ignored");
  g_autoptr (GPtrArray) unknown = run ("rules-ccw", "0.0.5555", ZV_OP_CHECK);
  assert_clean (unknown);
}

/* ccw.not-a-subchannel / ccw.no-subchannel: what the callout gets as parent. */
static void
test_parent_mixups (void)
{
  Extra extra = { .mdev_type = "vfio_ccw-io" };
  g_autoptr (GPtrArray) devno = run_full ("rules-ccw", "sch:0.0.2000", ZV_OP_DEFINE, &extra);
  assert_fires (devno, "ccw.not-a-subchannel", ZV_SEVERITY_ERROR, "subchannel 0.0.0140");
  assert_silent (devno, "ccw.no-subchannel");
  g_autoptr (GPtrArray) none = run_full ("rules-ccw", "sch:0.0.5555", ZV_OP_START, &extra);
  assert_fires (none, "ccw.no-subchannel", ZV_SEVERITY_ERROR, "no subchannel 0.0.5555");
  assert_silent (none, "ccw.not-a-subchannel");
  g_autoptr (GPtrArray) ignored = run_full ("rules-ccw", "sch:0.0.2004", ZV_OP_DEFINE, &extra);
  assert_fires (ignored, "ccw.cio-ignored", ZV_SEVERITY_ERROR, "0.0.2004");
  assert_silent (ignored, "ccw.no-subchannel");
  g_autoptr (GPtrArray) good = run_full ("rules-ccw", "sch:0.0.0140", ZV_OP_DEFINE, &extra);
  assert_clean (good);
}

/* ccw.not-vfio-bound: start/attach only. */
static void
test_not_vfio_bound (void)
{
  g_autoptr (GPtrArray) start = run ("rules-ccw", "0.0.2003", ZV_OP_START);
  assert_fires (start, "ccw.not-vfio-bound", ZV_SEVERITY_ERROR, "bound to no driver");
  g_autoptr (GPtrArray) attach = run ("rules-ccw", "0.0.1002", ZV_OP_ATTACH);
  assert_fires (attach, "ccw.not-vfio-bound", ZV_SEVERITY_ERROR, "io_subchannel");
  g_autoptr (GPtrArray) check = run ("rules-ccw", "0.0.2003", ZV_OP_CHECK);
  assert_clean (check);
  g_autoptr (GPtrArray) bound = run ("rules-ccw", "0.0.2000", ZV_OP_START);
  assert_clean (bound);
}

/* ccw.no-instance: the one vfio_ccw-io instance is used by a running mdev. */
static void
test_no_instance (void)
{
  g_autoptr (GPtrArray) used = run ("rules-ccw", "0.0.2001", ZV_OP_START);
  assert_fires (used, "ccw.no-instance", ZV_SEVERITY_ERROR,
                "6f0c1f0e-8b1c-4d1a-9c1e-0a0b0c0d0e01 is already running");
  g_autoptr (GPtrArray) check = run ("rules-ccw", "0.0.2001", ZV_OP_CHECK);
  assert_clean (check);
  g_autoptr (GPtrArray) free_ = run ("rules-ccw", "0.0.2005", ZV_OP_START);
  assert_clean (free_);
}

/* ccw.autostart-not-persistent: define --auto without a driverctl override. */
static void
test_autostart_persistent (void)
{
  Extra autostart = { .autostart = TRUE };
  g_autoptr (GPtrArray) volatile_ = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &autostart);
  assert_fires (volatile_, "ccw.autostart-not-persistent", ZV_SEVERITY_ERROR,
                "/etc/driverctl.d/css-0.0.0144");
  g_assert_nonnull (strstr (hint_of (volatile_, "ccw.autostart-not-persistent"),
                            "driverctl -b css set-override 0.0.0144 vfio_ccw"));
  g_autoptr (GPtrArray) manual = run ("rules-ccw", "0.0.2005", ZV_OP_DEFINE);
  assert_clean (manual);
  g_autoptr (GPtrArray) persistent = run_full ("rules-ccw", "0.0.2000", ZV_OP_DEFINE, &autostart);
  assert_clean (persistent);
  /* an existing auto definition without override: a warning in check */
  g_autoptr (GPtrArray) existing = run ("rules-ccw", "0.0.2002", ZV_OP_CHECK);
  assert_fires (existing, "ccw.autostart-not-persistent", ZV_SEVERITY_WARNING, "0.0.0142");
  g_autoptr (GPtrArray) existing_ok = run ("rules-ccw", "0.0.2001", ZV_OP_CHECK);
  assert_clean (existing_ok);
  /* the documented relaxation */
  g_setenv ("ZVFIO_ALLOW_VOLATILE_AUTOSTART", "1", TRUE);
  g_autoptr (GPtrArray) relaxed = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &autostart);
  g_unsetenv ("ZVFIO_ALLOW_VOLATILE_AUTOSTART");
  assert_fires (relaxed, "ccw.autostart-not-persistent", ZV_SEVERITY_WARNING, "0.0.0144");
  g_assert_false (zv_violations_have_error (relaxed));
}

/* ccw.mdev-type and ccw.mdev-config: the definition itself. */
static void
test_mdev_definition (void)
{
  ZvMdevConfig wrong_type = { .mdev_type = (char *) "vfio_ap-passthrough",
                              .start = (char *) "manual" };
  Extra e1 = { .config = &wrong_type, .mdev_type = "vfio_ccw-io" };
  g_autoptr (GPtrArray) v1 = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &e1);
  assert_fires (v1, "ccw.mdev-type", ZV_SEVERITY_ERROR, "'vfio_ap-passthrough'");
  ZvMdevConfig attrs = { .mdev_type = (char *) "vfio_ccw-io", .start = (char *) "manual",
                         .n_attrs = 2 };
  Extra e2 = { .config = &attrs, .mdev_type = "vfio_ccw-io" };
  g_autoptr (GPtrArray) v2 = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &e2);
  assert_fires (v2, "ccw.mdev-config", ZV_SEVERITY_ERROR, "2 attribute(s)");
  assert_silent (v2, "ccw.mdev-type");
  ZvMdevConfig good = { .mdev_type = (char *) "vfio_ccw-io", .start = (char *) "manual" };
  Extra e3 = { .config = &good, .mdev_type = "vfio_ccw-io" };
  g_autoptr (GPtrArray) v3 = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &e3);
  assert_clean (v3);
  Extra e4 = { .mdev_type = "vfio_ccw-foo" };
  g_autoptr (GPtrArray) v4 = run_full ("rules-ccw", "0.0.2005", ZV_OP_DEFINE, &e4);
  assert_fires (v4, "ccw.mdev-type", ZV_SEVERITY_ERROR, "'vfio_ccw-foo'");
}

/* zpci.ism.mio: mio_enabled=1 on an ISM function. */
static void
test_ism_mio (void)
{
  g_autoptr (GPtrArray) mio = run ("rules-zpci", "0011:00:00.0", ZV_OP_ATTACH);
  assert_fires (mio, "zpci.ism.mio", ZV_SEVERITY_ERROR, "mio_enabled=1");
  g_autoptr (GPtrArray) nomio = run ("rules-zpci", "0012:00:00.0", ZV_OP_ATTACH);
  assert_silent (nomio, "zpci.ism.mio");
  g_autoptr (GPtrArray) roce = run ("rules-zpci", "0021:00:00.0", ZV_OP_ATTACH);
  assert_clean (roce);   /* MIO is fine for non-ISM functions */
}

/* zpci.ism.driver: ism or no driver is an error, a warning for prepare. */
static void
test_ism_driver (void)
{
  g_autoptr (GPtrArray) ism = run ("rules-zpci", "fid:0x10", ZV_OP_CHECK);
  assert_fires (ism, "zpci.ism.driver", ZV_SEVERITY_ERROR, "SMC-D");
  g_autoptr (GPtrArray) none = run ("rules-zpci", "0013:00:00.0", ZV_OP_ATTACH);
  assert_fires (none, "zpci.ism.driver", ZV_SEVERITY_ERROR, "no driver");
  assert_silent (none, "zpci.vfio-bound");
  g_autoptr (GPtrArray) prepare = run ("rules-zpci", "fid:0x10", ZV_OP_PREPARE);
  assert_fires (prepare, "zpci.ism.driver", ZV_SEVERITY_WARNING, "will be rebound");
  g_autoptr (GPtrArray) vfio = run ("rules-zpci", "fid:0x12", ZV_OP_ATTACH);
  assert_silent (vfio, "zpci.ism.driver");
}

/* A managed='yes' PCI hostdev: libvirt binds vfio-pci at guest start, so the
 * binding rules judge that state; what no binding fixes still applies. */
static void
test_managed_binder (void)
{
  const Extra managed = { .managed = TRUE };
  for (ZvOperation op = ZV_OP_CHECK; op <= ZV_OP_PREPARE; op++)
    {
      /* ISM on ism: only the warning about the host's SMC-D use, naming libvirt */
      g_autoptr (GPtrArray) ism = run_full ("rules-zpci", "fid:0x10", op, &managed);
      if (op != ZV_OP_DEFINE)
        assert_fires (ism, "zpci.ism.driver", ZV_SEVERITY_WARNING, "will be rebound");
      const ZvViolation *v = find (ism, "zpci.ism.driver");
      g_assert_true (v == NULL || strstr (v->hint, "libvirt binds it") != NULL);
      g_assert_true (v == NULL || v->cli_hint == NULL);
      /* RoCE on mlx5_core: nothing to bind for the admin */
      g_autoptr (GPtrArray) roce = run_full ("rules-zpci", "fid:0x20", op, &managed);
      assert_silent (roce, "zpci.vfio-bound");
      /* MIO-enabled ISM: no binding fixes that */
      g_autoptr (GPtrArray) mio = run_full ("rules-zpci", "0011:00:00.0", op, &managed);
      assert_fires (mio, "zpci.ism.mio", ZV_SEVERITY_ERROR, "mio_enabled=1");
    }
  /* interpretation (z13s) still applies */
  g_autoptr (GPtrArray) z13 = run_full ("rules-zpci-z13", "fid:0x12", ZV_OP_ATTACH, &managed);
  assert_fires (z13, "zpci.ism.interpretation", ZV_SEVERITY_ERROR, "machine type 2965");
  /* unmanaged: the same devices are refused until they are bound */
  const Extra unmanaged = { .managed = FALSE };
  g_autoptr (GPtrArray) roce = run_full ("rules-zpci", "fid:0x20", ZV_OP_ATTACH, &unmanaged);
  assert_fires (roce, "zpci.vfio-bound", ZV_SEVERITY_ERROR, "mlx5_core");
  g_autoptr (GPtrArray) ism = run_full ("rules-zpci", "fid:0x10", ZV_OP_ATTACH, &unmanaged);
  assert_fires (ism, "zpci.ism.driver", ZV_SEVERITY_ERROR, "SMC-D");
  g_autoptr (GPtrArray) prep = run_full ("rules-zpci", "fid:0x10", ZV_OP_PREPARE, &unmanaged);
  assert_fires (prep, "zpci.ism.driver", ZV_SEVERITY_WARNING, "will be rebound");
  const ZvViolation *own = find (prep, "zpci.ism.driver");
  g_assert_true (own != NULL && strstr (own->hint, "zvfio binds it") != NULL);
}

/* zpci.ism.interpretation: z13s is an error; a fake root cannot be asked (warning). */
static void
test_ism_interpretation (void)
{
  g_autoptr (GPtrArray) z13 = run ("rules-zpci-z13", "fid:0x12", ZV_OP_ATTACH);
  assert_fires (z13, "zpci.ism.interpretation", ZV_SEVERITY_ERROR, "machine type 2965");
  g_autoptr (GPtrArray) nokvm = run ("rules-zpci", "fid:0x12", ZV_OP_ATTACH);
  assert_fires (nokvm, "zpci.ism.interpretation", ZV_SEVERITY_WARNING,
                "/dev/kvm does not exist");
  g_assert_false (zv_violations_have_error (nokvm));
  g_autoptr (GPtrArray) fake = run ("rules-zpci-kvm", "fid:0x12", ZV_OP_ATTACH);
  assert_fires (fake, "zpci.ism.interpretation", ZV_SEVERITY_WARNING, "cannot be queried");
  g_autoptr (GPtrArray) roce = run ("rules-zpci", "fid:0x21", ZV_OP_ATTACH);
  assert_silent (roce, "zpci.ism.interpretation");
}

/* zpci.vfio-bound: attach of a function not on vfio-pci. */
static void
test_vfio_bound (void)
{
  g_autoptr (GPtrArray) attach = run ("rules-zpci", "fid:0x20", ZV_OP_ATTACH);
  assert_fires (attach, "zpci.vfio-bound", ZV_SEVERITY_ERROR, "mlx5_core");
  g_autoptr (GPtrArray) check = run ("rules-zpci", "fid:0x20", ZV_OP_CHECK);
  assert_clean (check);
  g_autoptr (GPtrArray) bound = run ("rules-zpci", "fid:0x21", ZV_OP_START);
  assert_clean (bound);
}

/* The host-fact parsers. */
static void
test_host_parsers (void)
{
  g_autoptr (GArray) ranges = NULL;
  g_assert_true (zv_cio_ignore_parse ("0.0.0000-0.0.00ff\n0.1.2004\n\n", &ranges));
  g_assert_cmpuint (ranges->len, ==, 2);
  ZvBusId in = { 0, 0, 0x00ff }, out = { 0, 0, 0x0100 }, set1 = { 0, 1, 0x2004 };
  g_assert_true (zv_cio_ignore_contains (ranges, &in));
  g_assert_false (zv_cio_ignore_contains (ranges, &out));
  g_assert_true (zv_cio_ignore_contains (ranges, &set1));
  GArray *bad = NULL;
  g_assert_false (zv_cio_ignore_parse ("0.0.0100-0.0.0001\n", &bad));
  g_assert_false (zv_cio_ignore_parse ("0.0.0100-0.1.0200\n", &bad));
  g_assert_false (zv_cio_ignore_parse ("all\n", &bad));
  g_assert_null (bad);

  g_autofree char *type = zv_sysinfo_parse_type ("Manufacturer:         IBM\n"
                                                 "Type:                 3931\n");
  g_assert_cmpstr (type, ==, "3931");
  g_assert_null (zv_sysinfo_parse_type ("Type: z15\n"));
  g_assert_true (zv_machine_lacks_zpci_interpretation ("2965"));
  g_assert_true (zv_machine_lacks_zpci_interpretation ("2817"));
  g_assert_false (zv_machine_lacks_zpci_interpretation ("3906"));
  g_assert_false (zv_machine_lacks_zpci_interpretation (NULL));

}

/* KVM on the real root: answered by the kernel (never AVAILABLE off s390x). */
static void
test_kvm_system_root (void)
{
  g_autoptr (ZvRoot) root = zv_root_new ("/", NULL);
  g_autofree char *why = NULL;
  ZvKvmZpci answer = zv_host_kvm_zpci_interpretation (root, &why);
  if (!g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (answer, ==, ZV_KVM_ZPCI_UNKNOWN);
      g_assert_nonnull (strstr (why, "/dev/kvm"));
      return;
    }
#if !defined(__s390x__)
  g_assert_cmpint (answer, !=, ZV_KVM_ZPCI_AVAILABLE);
#endif
  if (answer == ZV_KVM_ZPCI_UNKNOWN)
    g_assert_nonnull (why);
}

/* The remote allow-list names real rules; a remote target runs only those, and
 * the driver-dependent ones only when the driver is known. */
static void
test_remote_table (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (zv_rules_remote_table_check (&error));
  g_assert_no_error (error);
  ZvSubchannel sch = { .id = (char *) "0.0.0100", .type = ZV_SCH_TYPE_IO };
  ZvTarget target = { .sch = &sch, .remote = (char *) "qemu+ssh://b/system" };
  g_assert_true (zv_rule_checkable_remotely (zv_rules_find ("ccw.used-by-domain"), &target));
  g_assert_false (zv_rule_checkable_remotely (zv_rules_find ("ccw.ipl-device"), &target));
  g_assert_false (zv_rule_checkable_remotely (zv_rules_find ("ccw.not-vfio-bound"), &target));
  sch.driver = (char *) "io_subchannel";
  g_assert_true (zv_rule_checkable_remotely (zv_rules_find ("ccw.not-vfio-bound"), &target));
  ZvRuleContext ctx = { .op = ZV_OP_ATTACH, .target = &target };
  g_autoptr (GPtrArray) deferred = zv_rules_deferred_remotely (&ctx);
  g_assert_cmpuint (deferred->len, ==, 6);
  g_assert_cmpstr (g_ptr_array_index (deferred, 0), ==, "ccw.cio-ignored");
  g_assert_cmpstr (g_ptr_array_index (deferred, 3), ==, "ccw.reipl-device");
  g_assert_cmpstr (g_ptr_array_index (deferred, 4), ==, "ccw.dump-device");
  g_assert_cmpstr (g_ptr_array_index (deferred, 5), ==, "ccw.in-use");
  /* the engine skips them: no host fact is read, no "cannot check" error */
  g_autoptr (GPtrArray) found = zv_rules_run (&ctx);
  for (guint i = 0; i < found->len; i++)
    g_assert_cmpstr (((ZvViolation *) g_ptr_array_index (found, i))->rule, !=, "ccw.ipl-device");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("ZVFIO_ALLOW_VOLATILE_AUTOSTART");
  trees = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) zv_root_unref);
  tree_dirs = g_ptr_array_new_with_free_func (g_free);
  g_test_add_func ("/rules/table", test_table);
  g_test_add_func ("/rules/ccw/not-io-subchannel", test_not_io_subchannel);
  g_test_add_func ("/rules/ccw/qdio", test_qdio);
  g_test_add_func ("/rules/ccw/online", test_online);
  g_test_add_func ("/rules/ccw/ipl-device", test_ipl_device);
  g_test_add_func ("/rules/ccw/in-use", test_in_use);
  g_test_add_func ("/rules/ccw/cio-ignored", test_cio_ignored);
  g_test_add_func ("/rules/ccw/unreadable-facts", test_unreadable_facts);
  g_test_add_func ("/rules/prepare-locks-before-facts", test_prepare_locks_before_facts);
  g_test_add_func ("/rules/ccw/parent-mixups", test_parent_mixups);
  g_test_add_func ("/rules/ccw/not-vfio-bound", test_not_vfio_bound);
  g_test_add_func ("/rules/ccw/no-instance", test_no_instance);
  g_test_add_func ("/rules/ccw/autostart-not-persistent", test_autostart_persistent);
  g_test_add_func ("/rules/ccw/mdev-definition", test_mdev_definition);
  g_test_add_func ("/rules/zpci/ism-mio", test_ism_mio);
  g_test_add_func ("/rules/zpci/ism-driver", test_ism_driver);
  g_test_add_func ("/rules/zpci/ism-interpretation", test_ism_interpretation);
  g_test_add_func ("/rules/zpci/vfio-bound", test_vfio_bound);
  g_test_add_func ("/rules/zpci/managed-binder", test_managed_binder);
  g_test_add_func ("/rules/host-parsers", test_host_parsers);
  g_test_add_func ("/rules/kvm-system-root", test_kvm_system_root);
  g_test_add_func ("/rules/remote-table", test_remote_table);
  int rc = g_test_run ();
  g_hash_table_unref (trees);
  for (guint i = 0; i < tree_dirs->len; i++)
    fixture_tree_remove (g_ptr_array_index (tree_dirs, i));
  g_ptr_array_unref (tree_dirs);
  return rc;
}
