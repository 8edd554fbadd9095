/* Unit tests: inventory scan and id lookup on generated fixture trees. */
#include "fixture-tree.h"
#include "zv-error.h"
#include "zv-inventory.h"
#include "zv-json-model.h"
#include "zv-nodedev.h"

#include <string.h>

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

/* The real-kernel snapshot (bound state): sets 0/1/3, vfio_ccw with an mdev, zPCI. */
static void
test_scan_reference (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("reference-bound", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvInventory) inv = zv_inventory_scan (root, ZV_SCOPE_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inv->subchannels->len, ==, 5);
  g_assert_cmpuint (inv->warnings->len, ==, 0);

  ZvSubchannel *set1 = zv_inventory_get_subchannel (inv, "0.1.0000");
  g_assert_nonnull (set1);
  g_assert_cmpuint (set1->busid.ssid, ==, 1);
  g_assert_cmpstr (set1->device->id, ==, "0.1.0005");
  g_assert_cmpstr (set1->dev_busid, ==, "0.1.0005");
  g_assert_cmpint (set1->device->online, ==, 1);
  g_assert_cmpstr (set1->device->cutype, ==, "3832/01");
  g_assert_null (set1->device->devtype);

  ZvSubchannel *bound = zv_inventory_get_subchannel (inv, "0.0.0001");
  g_assert_cmpstr (bound->driver, ==, "vfio_ccw");
  g_assert_cmpstr (bound->driver_override, ==, "vfio_ccw");
  g_assert_null (bound->device);
  g_assert_cmpuint (bound->mdev_types->len, ==, 1);
  ZvMdevType *type = g_ptr_array_index (bound->mdev_types, 0);
  g_assert_cmpstr (type->id, ==, "vfio_ccw-io");
  g_assert_cmpstr (type->device_api, ==, "vfio-ccw");
  g_assert_cmpint (type->available_instances, ==, 0);
  g_assert_cmpuint (bound->mdevs->len, ==, 1);
  ZvMdev *mdev = g_ptr_array_index (bound->mdevs, 0);
  g_assert_cmpstr (mdev->uuid, ==, "11111111-2222-3333-4444-555555555555");
  g_assert_true (mdev->active);
  g_assert_false (mdev->defined);
  g_assert_cmpstr (mdev->driver, ==, "vfio_ccw_mdev");

  g_assert_cmpuint (inv->pci_functions->len, ==, 2);
  ZvPciFunction *fn = zv_inventory_get_pci (inv, "1234:00:00.0");
  g_assert_true (fn->fid.present);
  g_assert_cmphex (fn->fid.value, ==, 0x100);
  g_assert_cmphex (fn->uid.value, ==, 0x1234);
  g_assert_cmpint (fn->uid_is_unique, ==, 1);
  g_assert_cmpint (fn->mio_enabled, ==, 0);
  g_assert_cmpint (fn->slot_power, ==, 1);
  g_assert_false (fn->ism);
  ZvPciFunction *vfio = zv_inventory_get_pci (inv, "0005:00:00.0");
  g_assert_cmpstr (vfio->driver, ==, "vfio-pci");
  g_assert_cmpstr (vfio->driver_override, ==, "vfio-pci");
  fixture_tree_remove (dir);
}

/* zv_inventory_lookup of TEXT, parsed as a front end parses it (once). */
static ZvInventory *
lookup (ZvRoot *root, const char *text, GError **error)
{
  ZvId id;
  g_assert_true (zv_parse_id (text, &id));
  return zv_inventory_lookup (root, &id, error);
}

/* Lookups by every id form touch only the named device. */
static void
test_lookup (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("reference-bound", &dir);
  g_autoptr (GError) error = NULL;

  g_autoptr (ZvInventory) by_devno = lookup (root, "0.1.0005", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (by_devno->subchannels->len, ==, 1);
  g_assert_cmpstr (((ZvSubchannel *) by_devno->subchannels->pdata[0])->id, ==, "0.1.0000");

  /* the devno of a vfio_ccw-bound subchannel has no ccw device: found via dev_busid */
  g_autoptr (ZvInventory) bound = lookup (root, "ccw:0.0.0001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ZvSubchannel *) bound->subchannels->pdata[0])->id, ==, "0.0.0001");

  g_autoptr (ZvInventory) set3 = lookup (root, "0.3.ffff", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ZvSubchannel *) set3->subchannels->pdata[0])->id, ==, "0.3.0000");

  g_autoptr (ZvInventory) sch = lookup (root, "sch:0.3.0000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ZvSubchannel *) sch->subchannels->pdata[0])->device->id, ==, "0.3.ffff");

  g_autoptr (ZvInventory) uuid =
    lookup (root, "11111111-2222-3333-4444-555555555555", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ZvSubchannel *) uuid->subchannels->pdata[0])->id, ==, "0.0.0001");

  g_autoptr (ZvInventory) fid = lookup (root, "fid:0x100", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((ZvPciFunction *) fid->pci_functions->pdata[0])->address, ==,
                   "1234:00:00.0");

  g_autoptr (ZvInventory) missing = lookup (root, "0.2.1234", &error);
  g_assert_null (missing);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* text that is no id never reaches the lookup: the front end's one parse refuses it */
  ZvId bad;
  g_assert_false (zv_parse_id ("../etc", &bad));
  fixture_tree_remove (dir);
}

/* No css bus: a clear "not an s390 host" error that names no CLI option (the
 * CLI adds --root; the callout and hook users set ZVFIO_ROOT). */
static void
test_no_css (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("no-css", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvInventory) inv = zv_inventory_scan (root, ZV_SCOPE_ALL, &error);
  g_assert_null (inv);
  g_assert_error (error, ZV_ERROR, ZV_ERROR_NOT_S390);
  g_assert_nonnull (strstr (error->message, "not an s390"));
  g_assert_null (strstr (error->message, "--root"));
  fixture_tree_remove (dir);
}

/* Garbage attributes become warnings for that device; the inventory survives. */
static void
test_garbage (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("garbage", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvInventory) inv = zv_inventory_scan (root, ZV_SCOPE_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inv->subchannels->len, ==, 6);
  g_assert_cmpuint (inv->warnings->len, >=, 6);
  ZvSubchannel *chp = zv_inventory_get_subchannel (inv, "0.0.0100");
  g_assert_false (chp->has_chpids);
  ZvSubchannel *notype = zv_inventory_get_subchannel (inv, "0.0.0101");
  g_assert_cmpint (notype->type, ==, -1);
  gboolean chpids_warned = FALSE;
  for (guint i = 0; i < inv->warnings->len; i++)
    if (strstr (inv->warnings->pdata[i], "0.0.0100: attribute chpids has an unparsable value"))
      chpids_warned = TRUE;
  g_assert_true (chpids_warned);
  fixture_tree_remove (dir);
}

/* Old kernels: missing attributes are absent, not errors. */
static void
test_old_kernel (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (ZvRoot) root = open_spec ("old-kernel", &dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvInventory) inv = zv_inventory_scan (root, ZV_SCOPE_ALL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (inv->warnings->len, ==, 0);
  g_assert_cmpuint (inv->subchannels->len, >, 0);
  ZvSubchannel *sch = g_ptr_array_index (inv->subchannels, 0);
  g_assert_null (sch->dev_busid);
  g_assert_false (sch->has_driver_override_attr);
  g_assert_cmpuint (inv->pci_functions->len, >, 0);
  ZvPciFunction *fn = g_ptr_array_index (inv->pci_functions, 0);
  g_assert_cmpint (fn->mio_enabled, ==, -1);
  g_assert_cmpint (fn->uid_is_unique, ==, -1);
  g_assert_false (fn->port.present);
  fixture_tree_remove (dir);
}

/* nodedev names follow libvirt's scheme. */
static void
test_nodedev_names (void)
{
  ZvSubchannel sch = { .id = (char *) "0.1.0000" };
  g_autofree char *css = zv_nodedev_css_name (&sch);
  g_assert_cmpstr (css, ==, "css_0_1_0000");
  ZvMdev mdev = { .uuid = "11111111-2222-3333-4444-555555555555", .parent = (char *) "0.0.0001" };
  g_autofree char *name = zv_nodedev_mdev_name (&mdev);
  g_assert_cmpstr (name, ==, "mdev_11111111_2222_3333_4444_555555555555_0_0_0001");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inventory/scan-reference", test_scan_reference);
  g_test_add_func ("/inventory/lookup", test_lookup);
  g_test_add_func ("/inventory/no-css", test_no_css);
  g_test_add_func ("/inventory/garbage", test_garbage);
  g_test_add_func ("/inventory/old-kernel", test_old_kernel);
  g_test_add_func ("/inventory/nodedev-names", test_nodedev_names);
  return g_test_run ();
}
