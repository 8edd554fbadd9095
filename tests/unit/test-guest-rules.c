/* Unit tests: the domain-dependent rules (zv-rules-guest.c) and the QEMU
 * version parsers they use (zv-qemu.c). Every rule has a case that triggers
 * it and one that passes; all messages are compared with
 * tests/unit/golden/guest-rules.txt (regenerate: ZVFIO_REGEN_GOLDEN=1). */
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-qemu.h"
#include "zv-rules.h"

#include <glib/gstdio.h>
#include <string.h>

/* Source tree path tests/DIR/FILE. */
static char *
source_path (const char *dir, const char *file)
{
  return g_build_filename (g_getenv ("ZVFIO_SOURCE_DIR"), "tests", dir, file, NULL);
}

/* Parses the shared s390x guest (tests/integration/libvirt/s390x-guest.xml). */
static ZvDomain *
load_guest (void)
{
  g_autofree char *path = source_path ("integration/libvirt", "s390x-guest.xml");
  g_autofree char *xml = NULL;
  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  ZvDomain *d = zv_domain_parse (xml, -1, NULL);
  g_assert_nonnull (d);
  return d;
}

/* Parses an inline domain. */
static ZvDomain *
domain (const char *xml)
{
  g_autoptr (GError) error = NULL;
  ZvDomain *d = zv_domain_parse (xml, -1, &error);
  g_assert_no_error (error);
  return d;
}

/* A subchannel SCH_ID holding one vfio_ccw-io mdev UUID. */
static ZvSubchannel *
subchannel_with_mdev (const char *sch_id, const char *uuid)
{
  ZvSubchannel *sch = g_new0 (ZvSubchannel, 1);
  sch->id = g_strdup (sch_id);
  sch->mdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_mdev_free);
  ZvMdev *mdev = g_new0 (ZvMdev, 1);
  g_strlcpy (mdev->uuid, uuid, sizeof mdev->uuid);
  mdev->parent = g_strdup (sch_id);
  mdev->type = g_strdup ("vfio_ccw-io");
  g_ptr_array_add (sch->mdevs, mdev);
  return sch;
}

/* A zPCI function at ADDRESS, ISM or not. */
static ZvPciFunction *
pci_function (const char *address, gboolean ism)
{
  ZvPciFunction *fn = g_new0 (ZvPciFunction, 1);
  fn->address = g_strdup (address);
  fn->ism = ism;
  return fn;
}

/* What run_one_rule needs. */
typedef struct {
  const ZvRuleContext *ctx;
  GPtrArray *out;
} DomainRun;

/* zv_rules_foreach_domain callback: runs one rule. */
static void
run_one_rule (const ZvRule *rule, gpointer data)
{
  DomainRun *run = data;
  rule->check (run->ctx, run->out);
}

/* Runs every rule that needs the target domain on CTX (which has its facts). */
static void
run_domain_rules (const ZvRuleContext *ctx, GPtrArray *out)
{
  DomainRun run = { ctx, out };
  zv_rules_foreach_domain (run_one_rule, &run);
}

/* Runs only the domain rules on CTX with the host facts read for it. */
static void
run_guest_table (const ZvRuleContext *ctx, GPtrArray *out)
{
  g_autoptr (ZvHostFacts) facts = zv_rules_read_facts (ctx);
  ZvRuleContext with_facts = *ctx;
  with_facts.facts = facts;
  run_domain_rules (&with_facts, out);
}

/* Runs only the guest table on CTX and appends "## NAME" plus the formatted
 * violations to LOG; returns the number of violations. */
static guint
run_case (GString *log, const char *name, const ZvRuleContext *ctx)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  g_autoptr (ZvHostFacts) facts = zv_host_facts_new (NULL);   /* no host: nothing known */
  ZvRuleContext with_facts = *ctx;
  with_facts.facts = facts;
  run_domain_rules (&with_facts, out);
  g_autofree char *text = zv_violations_format (out, ZV_HINTS_CLI);
  g_string_append_printf (log, "## %s\n%s", name, text);
  return out->len;
}

/* Asserts that CTX triggers exactly one violation of RULE_ID with SEVERITY. */
static void
expect_one (GString *log, const char *name, const ZvRuleContext *ctx, const char *rule_id,
            ZvSeverity severity)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  g_autoptr (ZvHostFacts) facts = zv_host_facts_new (NULL);   /* no host: nothing known */
  ZvRuleContext with_facts = *ctx;
  with_facts.facts = facts;
  run_domain_rules (&with_facts, out);
  g_test_message ("case %s", name);
  g_assert_cmpuint (out->len, ==, 1);
  const ZvViolation *v = g_ptr_array_index (out, 0);
  g_assert_cmpstr (v->rule, ==, rule_id);
  g_assert_cmpint (v->severity, ==, severity);
  run_case (log, name, ctx);
}

/* Asserts that CTX triggers nothing. */
static void
expect_none (GString *log, const char *name, const ZvRuleContext *ctx)
{
  g_test_message ("case %s", name);
  g_assert_cmpuint (run_case (log, name, ctx), ==, 0);
}

/* Compares LOG with the golden file (or rewrites it with ZVFIO_REGEN_GOLDEN=1). */
static void
compare_golden (GString *log, const char *file)
{
  g_autofree char *path = source_path ("unit/golden", file);
  if (g_strcmp0 (g_getenv ("ZVFIO_REGEN_GOLDEN"), "1") == 0)
    g_assert_true (g_file_set_contents (path, log->str, log->len, NULL));
  g_autofree char *golden = NULL;
  g_assert_true (g_file_get_contents (path, &golden, NULL, NULL));
  g_assert_cmpstr (log->str, ==, golden);
}

/* Writes an executable script printing VERSION_LINE as a fake emulator. */
static char *
fake_emulator (const char *dir, const char *name, const char *version_line)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\necho '%s'\n", version_line);
  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

/* Every guest rule: trigger, pass, forced, golden messages. */
static void
test_guest_rules (void)
{
  GString *log = g_string_new (NULL);
  g_autoptr (ZvDomain) guest = load_guest ();
  g_autoptr (ZvDomain) fresh = domain ("<domain type='kvm'><name>fresh</name><devices/></domain>");
  ZvTarget target = { .device = (char *) "0.0.0023" };
  ZvRuleContext ctx = { .op = ZV_OP_ATTACH, .target = &target };

  /* guest.cssid */
  target.has_guest_ccw = TRUE;
  target.guest_ccw.cssid = 0;
  target.guest_ccw.ssid = 0;
  target.guest_ccw.devno = 5;
  expect_one (log, "guest.cssid triggers", &ctx, "guest.cssid", ZV_SEVERITY_ERROR);
  ctx.force = TRUE;
  expect_one (log, "guest.cssid forced", &ctx, "guest.cssid", ZV_SEVERITY_WARNING);
  ctx.force = FALSE;
  target.guest_ccw.cssid = 0xfe;
  expect_none (log, "guest.cssid passes", &ctx);

  /* guest.devno-dup: fe.0.0001 is the virtio interface of s390guest */
  ctx.domain = guest;
  target.guest_ccw.devno = 1;
  expect_one (log, "guest.devno-dup triggers (virtio device)", &ctx, "guest.devno-dup",
              ZV_SEVERITY_ERROR);
  target.guest_ccw.devno = 0x1234;
  expect_one (log, "guest.devno-dup triggers (hostdev)", &ctx, "guest.devno-dup",
              ZV_SEVERITY_ERROR);
  target.guest_ccw.ssid = 1;
  expect_none (log, "guest.devno-dup passes (other ssid)", &ctx);
  g_autoptr (ZvSubchannel) own = subchannel_with_mdev ("0.0.0023",
                                                       "8e37ee90-2b51-45e3-9b25-bf8283c03110");
  target.sch = own;
  ctx.op = ZV_OP_CHECK;
  target.guest_ccw.ssid = 0;
  expect_none (log, "guest.devno-dup passes (the device's own hostdev, zvfio check)", &ctx);
  ctx.op = ZV_OP_ATTACH;
  target.sch = NULL;
  target.has_guest_ccw = FALSE;

  /* ccw.used-by-domain */
  g_autoptr (ZvSubchannel) used = subchannel_with_mdev ("0.0.0023",
                                                        "8e37ee90-2b51-45e3-9b25-bf8283c03110");
  g_autoptr (ZvSubchannel) unused = subchannel_with_mdev ("0.0.0024",
                                                          "11111111-2222-3333-4444-555555555555");
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  g_ptr_array_add (others, guest);
  g_ptr_array_add (others, fresh);
  target.sch = used;
  ctx.domain = fresh;
  ctx.other_domains = others;
  expect_one (log, "ccw.used-by-domain triggers (other domain)", &ctx, "ccw.used-by-domain",
              ZV_SEVERITY_ERROR);
  ctx.force = TRUE;
  expect_one (log, "ccw.used-by-domain forced (other domain)", &ctx, "ccw.used-by-domain",
              ZV_SEVERITY_WARNING);
  ctx.domain = guest;
  expect_one (log, "ccw.used-by-domain triggers (same domain, not forceable)", &ctx,
              "ccw.used-by-domain", ZV_SEVERITY_ERROR);
  ctx.force = FALSE;
  ctx.op = ZV_OP_PREPARE;
  expect_none (log, "ccw.used-by-domain passes (guest start of its own domain)", &ctx);
  ctx.op = ZV_OP_ATTACH;
  target.sch = unused;
  expect_none (log, "ccw.used-by-domain passes (unused mdev)", &ctx);
  target.sch = NULL;

  /* zpci.used-by-domain: s390guest has a hostdev for 0001:00:00.0 */
  g_autoptr (ZvPciFunction) held = pci_function ("0001:00:00.0", FALSE);
  target.device = (char *) "0001:00:00.0";
  target.pci = held;
  ctx.domain = fresh;
  expect_one (log, "zpci.used-by-domain triggers (other domain)", &ctx, "zpci.used-by-domain",
              ZV_SEVERITY_ERROR);
  ctx.force = TRUE;
  expect_one (log, "zpci.used-by-domain forced (other domain)", &ctx, "zpci.used-by-domain",
              ZV_SEVERITY_WARNING);
  ctx.force = FALSE;
  ctx.domain = guest;
  expect_one (log, "zpci.used-by-domain triggers (same domain)", &ctx, "zpci.used-by-domain",
              ZV_SEVERITY_ERROR);
  ctx.op = ZV_OP_PREPARE;
  expect_none (log, "zpci.used-by-domain passes (guest start of its own domain)", &ctx);
  ctx.op = ZV_OP_ATTACH;
  target.pci = NULL;
  ctx.other_domains = NULL;

  /* zpci.uid-range */
  g_autoptr (ZvPciFunction) plain = pci_function ("0001:00:00.0", FALSE);
  target.device = (char *) "0001:00:00.0";
  target.pci = plain;
  ctx.domain = fresh;
  target.has_guest_zpci = TRUE;
  target.guest_uid = 0;
  target.guest_fid = 0;
  expect_one (log, "zpci.uid-range triggers (0)", &ctx, "zpci.uid-range", ZV_SEVERITY_ERROR);
  target.guest_uid = 0x10000;
  expect_one (log, "zpci.uid-range triggers (0x10000)", &ctx, "zpci.uid-range", ZV_SEVERITY_ERROR);
  target.guest_uid = 0xffff;
  target.guest_fid = 0xffffffff;
  expect_none (log, "zpci.uid-range passes (0xffff)", &ctx);
  g_autoptr (ZvDomain) uid0 = domain (
    "<domain><name>uid0</name><devices><hostdev mode='subsystem' type='pci'><source>"
    "<address domain='1' bus='0' slot='0' function='0'/></source>"
    "<address type='pci'><zpci uid='0' fid='0'/></address></hostdev></devices></domain>");
  target.has_guest_zpci = FALSE;
  ctx.op = ZV_OP_PREPARE;
  ctx.domain = uid0;
  expect_one (log, "zpci.uid-range triggers (domain's own hostdev)", &ctx, "zpci.uid-range",
              ZV_SEVERITY_ERROR);

  /* zpci.uid-dup / zpci.fid-dup: s390guest uses uid 0x19, 32 and fid 0x1f, 64 */
  g_autoptr (ZvPciFunction) other_pci = pci_function ("0002:00:00.0", FALSE);
  target.device = (char *) "0002:00:00.0";
  target.pci = other_pci;
  ctx.op = ZV_OP_ATTACH;
  ctx.domain = guest;
  target.has_guest_zpci = TRUE;
  target.guest_uid = 0x19;
  target.guest_fid = 0x100;
  expect_one (log, "zpci.uid-dup triggers (hostdev)", &ctx, "zpci.uid-dup", ZV_SEVERITY_ERROR);
  target.guest_uid = 32;
  expect_one (log, "zpci.uid-dup triggers (virtio device)", &ctx, "zpci.uid-dup",
              ZV_SEVERITY_ERROR);
  target.guest_uid = 0x21;
  target.guest_fid = 0x1f;
  expect_one (log, "zpci.fid-dup triggers (hostdev)", &ctx, "zpci.fid-dup", ZV_SEVERITY_ERROR);
  target.guest_fid = 64;
  expect_one (log, "zpci.fid-dup triggers (virtio device)", &ctx, "zpci.fid-dup",
              ZV_SEVERITY_ERROR);
  target.guest_fid = 65;
  expect_none (log, "zpci.uid-dup and zpci.fid-dup pass", &ctx);
  target.device = (char *) "0001:00:00.0";
  target.pci = plain;
  ctx.op = ZV_OP_CHECK;
  target.guest_uid = 0x19;
  target.guest_fid = 0x1f;
  expect_none (log, "zpci.uid-dup and zpci.fid-dup pass (the device's own hostdev, zvfio check)",
               &ctx);
  g_autoptr (ZvDomain) twice = domain (
    "<domain><name>twice</name><devices>"
    "<hostdev mode='subsystem' type='pci'><source><address domain='1' bus='0' slot='0' function='0'/></source>"
    "<address type='pci'><zpci uid='5' fid='7'/></address></hostdev>"
    "<hostdev mode='subsystem' type='pci'><source><address domain='2' bus='0' slot='0' function='0'/></source>"
    "<address type='pci'><zpci uid='5' fid='8'/></address></hostdev></devices></domain>");
  target.has_guest_zpci = FALSE;
  ctx.op = ZV_OP_PREPARE;
  ctx.domain = twice;
  expect_one (log, "zpci.uid-dup triggers (twice in the domain)", &ctx, "zpci.uid-dup",
              ZV_SEVERITY_ERROR);
  ctx.domain = guest;
  expect_none (log, "zpci.uid-dup passes (domain check)", &ctx);

  /* zpci.qemu-version (root NULL: the emulator is never run) */
  g_autoptr (ZvPciFunction) ism = pci_function ("0001:00:00.0", TRUE);
  target.pci = ism;
  ctx.op = ZV_OP_ATTACH;
  g_autoptr (ZvDomain) old_machine = domain (
    "<domain><name>old</name><os><type arch='s390x' machine='s390-ccw-virtio-7.1'>hvm</type></os>"
    "<devices/></domain>");
  g_autoptr (ZvDomain) latest = domain (
    "<domain><name>latest</name><os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>"
    "<devices><emulator>/usr/bin/qemu-system-s390x</emulator></devices></domain>");
  g_autoptr (ZvDomain) foreign = domain (
    "<domain><name>foreign</name><os><type machine='pc-q35-7.2'>hvm</type></os>"
    "<devices><emulator>/usr/bin/qemu-system-s390x</emulator></devices></domain>");
  ctx.domain = old_machine;
  run_case (log, "zpci.qemu-version triggers (machine 7.1, no emulator)", &ctx);
  ctx.domain = latest;
  expect_one (log, "zpci.qemu-version warns (fake root: emulator not run)", &ctx,
              "zpci.qemu-version", ZV_SEVERITY_WARNING);
  ctx.domain = foreign;
  run_case (log, "zpci.qemu-version warns (unknown machine type)", &ctx);
  target.pci = plain;
  ctx.domain = old_machine;
  expect_none (log, "zpci.qemu-version passes (not ISM)", &ctx);

  /* zpci.qemu-version on the system root with fake emulators */
  g_autofree char *dir = g_dir_make_tmp ("zvfio-qemu-XXXXXX", NULL);
  g_autofree char *qemu71 = fake_emulator (dir, "qemu71", "QEMU emulator version 7.1.0 (Debian 1:7.1+dfsg-2)");
  g_autofree char *qemu72 = fake_emulator (dir, "qemu72", "QEMU emulator version 7.2.0 (Debian 1:7.2+dfsg-7)");
  g_autoptr (ZvRoot) sysroot = zv_root_new ("/", NULL);
  g_assert_true (zv_root_is_system (sysroot));
  ctx.root = sysroot;
  target.pci = ism;
  g_autofree char *xml71 = g_strdup_printf (
    "<domain><name>q71</name><os><type machine='s390-ccw-virtio-7.2'>hvm</type></os>"
    "<devices><emulator>%s</emulator></devices></domain>", qemu71);
  g_autofree char *xml72 = g_strdup_printf (
    "<domain><name>q72</name><os><type machine='s390-ccw-virtio-8.0'>hvm</type></os>"
    "<devices><emulator>%s</emulator></devices></domain>", qemu72);
  g_autoptr (ZvDomain) d71 = domain (xml71);
  g_autoptr (ZvDomain) d72 = domain (xml72);
  ctx.domain = d71;
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  run_guest_table (&ctx, out);
  g_assert_cmpuint (out->len, ==, 1);
  const ZvViolation *v = g_ptr_array_index (out, 0);
  g_assert_cmpstr (v->rule, ==, "zpci.qemu-version");
  g_assert_cmpint (v->severity, ==, ZV_SEVERITY_ERROR);
  g_assert_nonnull (strstr (v->message, "is QEMU 7.1; ISM needs"));
  ctx.domain = d72;
  g_ptr_array_set_size (out, 0);
  run_guest_table (&ctx, out);
  g_assert_cmpuint (out->len, ==, 0);
  g_unlink (qemu71);
  g_unlink (qemu72);
  g_rmdir (dir);
  ctx.root = NULL;

  /* zpci.secure-execution */
  g_autoptr (ZvDomain) pv = domain (
    "<domain><name>pv</name><os><type machine='s390-ccw-virtio'>hvm</type></os>"
    "<launchSecurity type='s390-pv'/><devices/></domain>");
  ctx.domain = pv;
  target.pci = ism;
  run_case (log, "zpci.secure-execution triggers", &ctx);
  target.pci = plain;
  expect_none (log, "zpci.secure-execution passes (not ISM)", &ctx);

  compare_golden (log, "guest-rules.txt");
  g_string_free (log, TRUE);
}

/* QEMU version and machine type parsing. */
static void
test_qemu_versions (void)
{
  ZvQemuVersion v;
  g_assert_true (zv_qemu_parse_version_output ("QEMU emulator version 7.2.0 (Debian 1:7.2+dfsg-7)\n"
                                               "Copyright (c) 2003-2022 Fabrice Bellard\n", &v));
  g_assert_cmpuint (v.major, ==, 7);
  g_assert_cmpuint (v.minor, ==, 2);
  g_assert_true (zv_qemu_parse_version_output ("QEMU emulator version 10.0.50", &v));
  g_assert_cmpuint (v.major, ==, 10);
  g_assert_false (zv_qemu_parse_version_output ("qemu 7.2", &v));
  g_assert_false (zv_qemu_parse_version_output ("QEMU emulator version x", &v));
  g_assert_false (zv_qemu_parse_version_output ("QEMU emulator version 7", &v));
  g_assert_true (zv_qemu_parse_machine ("s390-ccw-virtio-7.2", &v));
  g_assert_cmpuint (v.minor, ==, 2);
  g_assert_true (zv_qemu_version_at_least (&v, 7, 2));
  g_assert_false (zv_qemu_version_at_least (&v, 7, 3));
  g_assert_true (zv_qemu_parse_machine ("s390-ccw-virtio-6.12", &v));
  g_assert_false (zv_qemu_version_at_least (&v, 7, 2));
  g_assert_true (zv_qemu_parse_machine ("s390-ccw-virtio", &v));
  g_assert_true (zv_qemu_version_at_least (&v, 99, 0));
  const char *bad[] = { "s390-ccw-virtio-", "s390-ccw-virtio-7", "s390-ccw-virtio-7.2x",
                        "s390-ccw-virtio7.2", "pc-q35-7.2", "", NULL };
  for (int i = 0; bad[i]; i++)
    g_assert_false (zv_qemu_parse_machine (bad[i], &v));
  g_autoptr (GError) error = NULL;
  g_assert_false (zv_qemu_emulator_version ("qemu-system-s390x", &v, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (zv_qemu_emulator_version ("/nonexistent/qemu", &v, &error));
  g_assert_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL);
}

/* zv_rules_foreach_domain callback: collects the rows. */
static void
collect_row (const ZvRule *rule, gpointer data)
{
  g_ptr_array_add (data, (gpointer) rule);
}

/* The domain rules' ids are registered and found through the engine, each in
 * the file its prefix names. */
static void
test_table (void)
{
  const char *ids[] = { "guest.cssid", "guest.devno-dup", "ccw.used-by-domain",
                        "zpci.used-by-domain", "zpci.uid-range",
                        "zpci.uid-dup", "zpci.fid-dup", "zpci.qemu-version",
                        "zpci.secure-execution", NULL };
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  zv_rules_foreach_domain (collect_row, rows);
  g_assert_cmpuint (rows->len, ==, g_strv_length ((char **) ids));
  for (guint i = 0; ids[i]; i++)
    g_assert_true (zv_rules_find (ids[i]) == g_ptr_array_index (rows, i));
  g_assert_cmpuint (zv_rules_guest_count, ==, 2);
  g_assert_cmpstr (zv_rules_ccw_domain[0].id, ==, "ccw.used-by-domain");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/guest-rules/table", test_table);
  g_test_add_func ("/guest-rules/rules", test_guest_rules);
  g_test_add_func ("/guest-rules/qemu-versions", test_qemu_versions);
  return g_test_run ();
}
