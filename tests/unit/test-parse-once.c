/* Unit tests: an ID is parsed once (issue 23 §3). The test binary is linked
 * with --wrap for the ID parsers of zv-parse.c, so every call a library layer
 * makes to one of them is recorded with its text (calls inside zv-parse.c are
 * not wrapped); resolving an ID must hand the layers below the parsed value. */
#include "fixture-tree.h"
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-mdev-intent.h"
#include "zv-parse.h"
#include "zv-state-doc.h"
#include "zv-target.h"

#include <string.h>

/* One recorded parser call: the parser and the text it was given. */
typedef struct {
  const char *parser;
  char *text;
} ParseCall;

static GArray *calls;

/* Records a call of PARSER with TEXT. */
static void
record (const char *parser, const char *text)
{
  ParseCall call = { parser, g_strdup (text ? text : "(null)") };
  g_array_append_val (calls, call);
}

/* Forgets the recorded calls. */
static void
reset_calls (void)
{
  for (guint i = 0; i < calls->len; i++)
    g_free (g_array_index (calls, ParseCall, i).text);
  g_array_set_size (calls, 0);
}

/* How many recorded calls of PARSER (NULL: any) had TEXT (NULL: any). */
static guint
count_calls (const char *parser, const char *text)
{
  guint n = 0;
  for (guint i = 0; i < calls->len; i++)
    {
      const ParseCall *c = &g_array_index (calls, ParseCall, i);
      if ((parser == NULL || strcmp (c->parser, parser) == 0) &&
          (text == NULL || strcmp (c->text, text) == 0))
        n++;
    }
  return n;
}

/* The wrapped parsers (ld --wrap): record, then parse. */
gboolean __real_zv_parse_id (const char *text, ZvId *out);
gboolean __wrap_zv_parse_id (const char *text, ZvId *out);
gboolean __real_zv_parse_busid (const char *text, ZvBusId *out);
gboolean __wrap_zv_parse_busid (const char *text, ZvBusId *out);
gboolean __real_zv_parse_busid_canonical (const char *text, ZvBusId *out);
gboolean __wrap_zv_parse_busid_canonical (const char *text, ZvBusId *out);
gboolean __real_zv_parse_uuid (const char *text, char buf[37]);
gboolean __wrap_zv_parse_uuid (const char *text, char buf[37]);
gboolean __real_zv_parse_pci_address (const char *text, ZvPciAddress *out);
gboolean __wrap_zv_parse_pci_address (const char *text, ZvPciAddress *out);

/* zv_parse_id, recorded. */
gboolean
__wrap_zv_parse_id (const char *text, ZvId *out)
{
  record ("id", text);
  return __real_zv_parse_id (text, out);
}

/* zv_parse_busid, recorded. */
gboolean
__wrap_zv_parse_busid (const char *text, ZvBusId *out)
{
  record ("busid", text);
  return __real_zv_parse_busid (text, out);
}

/* zv_parse_busid_canonical, recorded. */
gboolean
__wrap_zv_parse_busid_canonical (const char *text, ZvBusId *out)
{
  record ("busid_canonical", text);
  return __real_zv_parse_busid_canonical (text, out);
}

/* zv_parse_uuid, recorded. */
gboolean
__wrap_zv_parse_uuid (const char *text, char buf[37])
{
  record ("uuid", text);
  return __real_zv_parse_uuid (text, buf);
}

/* zv_parse_pci_address, recorded. */
gboolean
__wrap_zv_parse_pci_address (const char *text, ZvPciAddress *out)
{
  record ("pci_address", text);
  return __real_zv_parse_pci_address (text, out);
}

/* Opens a root on a freshly generated tree for SPEC. */
static ZvRoot *
open_spec (const char *spec, char **dir_out)
{
  *dir_out = fixture_tree_make (spec);
  g_autoptr (GError) error = NULL;
  ZvRoot *root = zv_root_new (*dir_out, &error);
  g_assert_no_error (error);
  return root;
}

/* A devno without a ccw device (vfio_ccw-bound: found through the devno
 * lookup) reaches zv_parse_id once, and no parser below sees it again: the
 * only other parse of that text is the subchannel's dev_busid attribute,
 * read from sysfs (before: zv_parse_id twice, zv_parse_busid_canonical twice). */
static void
test_devno_parsed_once (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("guest-passthrough", &dir);
  g_autoptr (GError) error = NULL;
  reset_calls ();
  g_autoptr (ZvTarget) t = zv_target_resolve (root, "0.0.1001", ZV_TARGET_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t->sch->id, ==, "0.0.0101");
  g_assert_cmpint (t->requested.kind, ==, ZV_ID_BUSID);
  g_assert_cmpuint (count_calls ("id", NULL), ==, 1);
  g_assert_cmpuint (count_calls ("busid_canonical", "0.0.1001"), ==, 0);
  g_assert_cmpuint (count_calls (NULL, "0.0.1001"), ==, 2);   /* argv, dev_busid attribute */
  fixture_tree_remove (dir);
}

/* sch:ID: parsed once; the subchannel's own directory name is the only other
 * parse of that number (before: zv_parse_id twice and zv_parse_busid of the
 * normalized text by the loader). */
static void
test_subchannel_parsed_once (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("guest-passthrough", &dir);
  g_autoptr (GError) error = NULL;
  reset_calls ();
  g_autoptr (ZvTarget) t = zv_target_resolve (root, "sch:0.0.0102", ZV_TARGET_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t->sch->id, ==, "0.0.0102");
  g_assert_cmpuint (count_calls ("id", NULL), ==, 1);
  g_assert_cmpuint (count_calls (NULL, "0.0.0102"), ==, 1);   /* the sysfs directory name */
  fixture_tree_remove (dir);
}

/* The mdev parent the callout gets (parsed by the callout itself): resolved as
 * a typed subchannel, no parser sees the text again but the directory name. A
 * missing one (with ALLOW_MISSING) is explained from the typed value too. */
static void
test_callout_parent_typed (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("guest-passthrough", &dir);
  g_autoptr (GError) error = NULL;
  ZvBusId busid = { 0, 0, 0x0101 };
  ZvId parent;
  zv_id_from_busid (ZV_ID_SUBCHANNEL, &busid, &parent);
  reset_calls ();
  g_autoptr (ZvTarget) t = zv_target_resolve_id (root, &parent, "0.0.0101",
                                                 ZV_TARGET_SUBCHANNEL_ID |
                                                 ZV_TARGET_ALLOW_MISSING, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (t->sch->id, ==, "0.0.0101");
  g_assert_cmpuint (count_calls ("id", NULL), ==, 0);
  g_assert_cmpuint (count_calls (NULL, "0.0.0101"), ==, 1);   /* the sysfs directory name */

  ZvBusId none = { 0, 0, 0x0fff };
  zv_id_from_busid (ZV_ID_SUBCHANNEL, &none, &parent);
  reset_calls ();
  g_autoptr (ZvTarget) missing = zv_target_resolve_id (root, &parent, "0.0.0fff",
                                                       ZV_TARGET_SUBCHANNEL_ID |
                                                       ZV_TARGET_ALLOW_MISSING, &error);
  g_assert_no_error (error);
  g_assert_null (missing->sch);
  g_assert_nonnull (missing->not_found);
  g_assert_cmpint (missing->requested.kind, ==, ZV_ID_SUBCHANNEL);
  g_assert_cmpuint (count_calls (NULL, "0.0.0fff"), ==, 0);
  fixture_tree_remove (dir);
}

/* The hook's hostdevs: the domain parser reads the mdev UUID and the PCI
 * address once; the targets are resolved from those values (before: the UUID
 * went through zv_parse_uuid and zv_parse_id twice more, the formatted PCI
 * address through zv_parse_id twice). */
static void
test_hostdev_targets_typed (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("guest-passthrough", &dir);
  g_autoptr (GError) error = NULL;
  const char *xml =
    "<domain type='kvm'><name>g</name><devices>"
    "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source>"
    "<address uuid='8E37EE90-2B51-45E3-9B25-BF8283C03110'/></source></hostdev>"
    "<hostdev mode='subsystem' type='pci' managed='no'><source>"
    "<address domain='0x0010' bus='0x00' slot='0x00' function='0x0'/></source></hostdev>"
    "</devices></domain>";
  g_autoptr (ZvDomain) domain = zv_domain_parse (xml, -1, &error);
  g_assert_no_error (error);
  const char *uuid = "8e37ee90-2b51-45e3-9b25-bf8283c03110";
  reset_calls ();
  g_autoptr (ZvTarget) mdev = zv_target_from_hostdev (root, g_ptr_array_index (domain->hostdevs, 0),
                                                      &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mdev->sch->id, ==, "0.0.0100");
  g_assert_cmpstr (mdev->mdev, ==, uuid);
  g_assert_cmpuint (count_calls ("id", NULL), ==, 0);
  /* what remains: the host layer's check of the UUID it puts in a sysfs path,
   * and the mdev's entries in the subchannel's directory and in mdevctl's */
  g_assert_cmpuint (count_calls ("uuid", uuid), <=, 3);
  reset_calls ();
  g_autoptr (ZvTarget) pci = zv_target_from_hostdev (root, g_ptr_array_index (domain->hostdevs, 1),
                                                     &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pci->pci->address, ==, "0010:00:00.0");
  g_assert_cmpuint (count_calls ("id", NULL), ==, 0);
  g_assert_cmpuint (count_calls (NULL, "0010:00:00.0"), ==, 1);   /* the sysfs directory name */
  fixture_tree_remove (dir);
}

/* An mdev operation's parent subchannel is handed down parsed: making its
 * record and reading mdevctl's definition of it parse no subchannel text
 * (before: zv_parse_busid_canonical of the parent in each). */
static void
test_mdev_parent_typed (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("guest-passthrough", &dir);
  g_autoptr (GError) error = NULL;
  ZvBusId parent = { 0, 0, 0x0101 };
  const char *uuid = "9063cba3-ecef-47b6-abcf-3fef4fdcad85";
  reset_calls ();
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_new (ZV_MDEV_OP_DEFINE_START, uuid, &parent);
  g_assert_cmpstr (intent->parent, ==, "0.0.0101");
  ZvMdevDefinitionId id;
  gboolean found = FALSE;
  g_assert_true (zv_mdev_definition_identify (root, &intent->parent_id, uuid, &id, &found,
                                              &error));
  g_assert_no_error (error);
  g_assert_true (found);   /* the fixture defines it there */
  g_assert_cmpuint (count_calls (NULL, "0.0.0101"), ==, 0);
  fixture_tree_remove (dir);
}

/* A desired-state document keeps each device ID as its parser parsed it (one
 * zv_parse_id per entry), so that 'zvfio apply' resolves the typed value and
 * parses no ID again (before: the CLI parsed each entry's text once more). */
static void
test_state_doc_keeps_parsed_ids (void)
{
  const char *text = "{\"version\": 1, \"passthroughs\": [{\"device\": \"ccw:0.0.1001\", "
                     "\"domain\": \"g\"}], \"host\": [\"sch:0.0.0100\", \"0005:00:00.0\"]}";
  g_autoptr (GError) error = NULL;
  reset_calls ();
  g_autoptr (ZvStateDoc) doc = zv_state_doc_parse (text, strlen (text), "test", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_calls ("id", "ccw:0.0.1001"), ==, 1);
  g_assert_cmpuint (count_calls ("id", "sch:0.0.0100"), ==, 1);
  const ZvStatePassthrough *p = g_ptr_array_index (doc->passthroughs, 0);
  g_assert_cmpint (p->id.kind, ==, ZV_ID_DEVNO);
  g_assert_cmpstr (p->id.normalized, ==, "0.0.1001");
  g_assert_cmpuint (doc->host_ids->len, ==, 2);
  g_assert_cmpint (g_array_index (doc->host_ids, ZvId, 0).kind, ==, ZV_ID_SUBCHANNEL);
  g_assert_cmpint (g_array_index (doc->host_ids, ZvId, 1).kind, ==, ZV_ID_PCI);
  /* a copy keeps it */
  g_autoptr (ZvStatePassthrough) copy = zv_state_passthrough_copy (p);
  g_assert_cmpint (copy->id.kind, ==, ZV_ID_DEVNO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  calls = g_array_new (FALSE, FALSE, sizeof (ParseCall));
  g_test_add_func ("/parse-once/devno", test_devno_parsed_once);
  g_test_add_func ("/parse-once/subchannel", test_subchannel_parsed_once);
  g_test_add_func ("/parse-once/callout-parent", test_callout_parent_typed);
  g_test_add_func ("/parse-once/hostdev-targets", test_hostdev_targets_typed);
  g_test_add_func ("/parse-once/mdev-parent", test_mdev_parent_typed);
  g_test_add_func ("/parse-once/state-doc", test_state_doc_keeps_parsed_ids);
  int rc = g_test_run ();
  reset_calls ();
  g_array_unref (calls);
  return rc;
}
