/* Unit tests: the IPL, re-IPL and dump devices (zv-boot-devices.c): the pure
 * parsers of the firmware values, and the reader on generated fixture trees
 * (specs boot-devices and boot-devices-nvme), including the per-role errors. */
#include "fixture-tree.h"
#include "zv-boot-devices.h"
#include "zv-error.h"

#include <glib/gstdio.h>
#include <string.h>

/* Device numbers exactly as the kernel prints them ("0.%x.%04x"), nothing else. */
static void
test_parse_devno (void)
{
  ZvBusId id;
  g_assert_true (zv_boot_parse_devno ("0.0.1000", &id));
  g_assert_cmpuint (id.ssid, ==, 0);
  g_assert_cmpuint (id.number, ==, 0x1000);
  g_assert_true (zv_boot_parse_devno ("0.3.ffff", &id));
  g_assert_cmpuint (id.ssid, ==, 3);
  g_assert_cmpuint (id.number, ==, 0xffff);
  g_assert_true (zv_boot_parse_devno ("0.0.0000", &id));
  g_assert_cmpuint (id.number, ==, 0);
  static const char *const bad[] = {
    "", "0.0.100", "0.0.10000", "0.4.1000", "1.0.1000", "0.0.ABCD", "0.0.1000\n",
    " 0.0.1000", "0.0.1000 ", "0x1000", "0.0.-100", "0..1000", "00.0.1000",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (zv_boot_parse_devno (bad[i], &id));
  g_assert_false (zv_boot_parse_devno (NULL, &id));
}

/* Function ids exactly as the kernel prints them ("0x%08llx" of a 32-bit fid). */
static void
test_parse_fid (void)
{
  guint32 fid = 1;
  g_assert_true (zv_boot_parse_fid ("0x00000300", &fid));
  g_assert_cmphex (fid, ==, 0x300);
  g_assert_true (zv_boot_parse_fid ("0xffffffff", &fid));
  g_assert_cmphex (fid, ==, 0xffffffff);
  g_assert_true (zv_boot_parse_fid ("0x00000000", &fid));
  g_assert_cmphex (fid, ==, 0);
  static const char *const bad[] = {
    "", "0x300", "0x000003000", "00000300", "0X00000300", "0x0000030A", "0x0000030g",
    "0x00000300\n", " 0x00000300", "0x-0000300", "0x",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (zv_boot_parse_fid (bad[i], &fid));
  g_assert_false (zv_boot_parse_fid (NULL, &fid));
}

/* Each block's types: the device they name and where; other names are refused. */
static void
test_parse_type (void)
{
  ZvBootBus bus;
  const char *attr;
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "nvme_dump", &bus, &attr));
  g_assert_cmpint (bus, ==, ZV_BOOT_BUS_PCI);
  g_assert_cmpstr (attr, ==, "fid");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "fcp_dump", &bus, &attr));
  g_assert_cmpint (bus, ==, ZV_BOOT_BUS_CCW);
  g_assert_cmpstr (attr, ==, "device");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "eckd_dump", &bus, &attr));
  g_assert_cmpstr (attr, ==, "device");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "unknown", &bus, &attr));
  g_assert_cmpint (bus, ==, ZV_BOOT_BUS_NONE);
  g_assert_null (attr);
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_REIPL, "fcp", &bus, &attr));
  g_assert_cmpstr (attr, ==, "fcp/device");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_REIPL, "eckd", &bus, &attr));
  g_assert_cmpstr (attr, ==, "eckd/device");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_REIPL, "nvme", &bus, &attr));
  g_assert_cmpstr (attr, ==, "nvme/fid");
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_REIPL, "nss", &bus, &attr));
  g_assert_cmpint (bus, ==, ZV_BOOT_BUS_NONE);
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_DUMP, "none", &bus, &attr));
  g_assert_cmpint (bus, ==, ZV_BOOT_BUS_NONE);
  g_assert_true (zv_boot_parse_type (ZV_BOOT_ROLE_DUMP, "ccw", &bus, &attr));
  g_assert_cmpstr (attr, ==, "ccw/device");
  /* types a block never shows */
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_REIPL, "fcp_dump", &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_DUMP, "unknown", &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "none", &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "ccw\n", &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, "CCW", &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_IPL, NULL, &bus, &attr));
  g_assert_false (zv_boot_parse_type (ZV_BOOT_ROLE_COUNT, "ccw", &bus, &attr));
  g_assert_cmpstr (zv_boot_role_name (ZV_BOOT_ROLE_REIPL), ==, "reipl");
  g_assert_cmpstr (zv_boot_role_type_file (ZV_BOOT_ROLE_DUMP), ==, "/sys/firmware/dump/dump_type");
}

/* A tree of SPEC, changed by MUTATE (may be NULL), read; the tree is removed. */
static ZvBootDevices *
read_tree (const char *spec, void (*mutate) (const char *dir))
{
  g_autofree char *dir = fixture_tree_make (spec);
  if (mutate != NULL)
    mutate (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (dir, &error);
  g_assert_no_error (error);
  ZvBootDevices *devices = zv_boot_devices_read (root);
  fixture_tree_remove (dir);
  return devices;
}

/* Writes TEXT to DIR/PATH. */
static void
write_text (const char *dir, const char *path, const char *text)
{
  g_autofree char *full = g_build_filename (dir, path, NULL);
  g_assert_true (g_file_set_contents (full, text, -1, NULL));
}

/* Removes DIR/PATH (a file). */
static void
remove_file (const char *dir, const char *path)
{
  g_autofree char *full = g_build_filename (dir, path, NULL);
  g_assert_cmpint (g_unlink (full), ==, 0);
}

/* The bus id TEXT. */
static ZvBusId
busid (const char *text)
{
  ZvBusId id;
  g_assert_true (zv_boot_parse_devno (text, &id));
  return id;
}

/* The devices of the boot-devices spec: each role names its own device and
 * file; the unused (zeroed) blocks name nothing. */
static void
test_read_tree (void)
{
  g_autoptr (ZvBootDevices) devices = read_tree ("boot-devices", NULL);
  const ZvBootDevice *ipl = zv_boot_devices_get (devices, ZV_BOOT_ROLE_IPL);
  const ZvBootDevice *reipl = zv_boot_devices_get (devices, ZV_BOOT_ROLE_REIPL);
  const ZvBootDevice *dump = zv_boot_devices_get (devices, ZV_BOOT_ROLE_DUMP);
  g_assert_no_error (ipl->error);
  g_assert_no_error (reipl->error);
  g_assert_no_error (dump->error);
  g_assert_cmpstr (ipl->type, ==, "nvme");
  g_assert_cmpint (ipl->bus, ==, ZV_BOOT_BUS_PCI);
  g_assert_cmphex (ipl->fid, ==, 0x300);
  g_assert_cmpstr (ipl->file, ==, "/sys/firmware/ipl/fid");
  g_assert_true (zv_boot_device_is_fid (ipl, 0x300));
  g_assert_false (zv_boot_device_is_fid (ipl, 0x301));
  g_assert_cmpstr (reipl->type, ==, "ccw");
  g_assert_cmpstr (reipl->file, ==, "/sys/firmware/reipl/ccw/device");
  ZvBusId dasd = busid ("0.0.1000"), zero = busid ("0.0.0000"), set1 = busid ("0.1.1001");
  g_assert_true (zv_boot_device_is_ccw (reipl, &dasd));
  g_assert_false (zv_boot_device_is_ccw (reipl, &zero));   /* reipl/fcp/device: not named */
  g_assert_false (zv_boot_device_is_fid (reipl, 0x300));   /* reipl/nvme/fid: not named */
  g_assert_cmpstr (dump->file, ==, "/sys/firmware/dump/ccw/device");
  g_assert_true (zv_boot_device_is_ccw (dump, &set1));
  ZvBusId set0 = busid ("0.0.1001");
  g_assert_false (zv_boot_device_is_ccw (dump, &set0));   /* another subchannel set */
  g_assert_false (zv_boot_device_is_fid (dump, 0));
  for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
    {
      const ZvBootDevice *d = zv_boot_devices_get (devices, (ZvBootRole) r);
      g_assert_null (zv_boot_device_error_for (d, ZV_BOOT_BUS_CCW));
      g_assert_null (zv_boot_device_error_for (d, ZV_BOOT_BUS_PCI));
    }

  g_autoptr (ZvBootDevices) nvme = read_tree ("boot-devices-nvme", NULL);
  const ZvBootDevice *fcp = zv_boot_devices_get (nvme, ZV_BOOT_ROLE_IPL);
  ZvBusId b100 = busid ("0.0.b100");
  g_assert_cmpstr (fcp->type, ==, "fcp");
  g_assert_true (zv_boot_device_is_ccw (fcp, &b100));
  /* reipl/fcp still holds the IPL's device, but reipl_type names nvme */
  g_assert_false (zv_boot_device_is_ccw (zv_boot_devices_get (nvme, ZV_BOOT_ROLE_REIPL), &b100));
  g_assert_true (zv_boot_device_is_fid (zv_boot_devices_get (nvme, ZV_BOOT_ROLE_REIPL), 0x301));
  g_assert_true (zv_boot_device_is_fid (zv_boot_devices_get (nvme, ZV_BOOT_ROLE_DUMP), 0x302));
}

/* No firmware at all (an x86 host), and an empty set: no device, no error. */
static void
test_no_firmware (void)
{
  g_autoptr (ZvBootDevices) none = read_tree ("no-css", NULL);
  g_autoptr (ZvBootDevices) empty = zv_boot_devices_new ();
  for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
    {
      g_assert_cmpint (zv_boot_devices_get (none, (ZvBootRole) r)->bus, ==, ZV_BOOT_BUS_NONE);
      g_assert_no_error (zv_boot_devices_get (none, (ZvBootRole) r)->error);
      g_assert_cmpint (zv_boot_devices_get (empty, (ZvBootRole) r)->bus, ==, ZV_BOOT_BUS_NONE);
      g_assert_cmpint (zv_boot_devices_get (empty, (ZvBootRole) r)->role, ==, r);
    }
}

/* Breaks of the boot-devices tree. */
static void
malformed_reipl_device (const char *dir)
{
  write_text (dir, "sys/firmware/reipl/ccw/device", "0.0.zzzz\n");
}

static void
unreadable_reipl_type (const char *dir)
{
  remove_file (dir, "sys/firmware/reipl/reipl_type");
  g_autofree char *full = g_build_filename (dir, "sys/firmware/reipl/reipl_type", NULL);
  g_assert_cmpint (g_mkdir (full, 0755), ==, 0);
}

static void
unknown_dump_type (const char *dir)
{
  write_text (dir, "sys/firmware/dump/dump_type", "tape\n");
}

static void
missing_ipl_fid (const char *dir)
{
  remove_file (dir, "sys/firmware/ipl/fid");
}

static void
dump_none_and_no_reipl (const char *dir)
{
  write_text (dir, "sys/firmware/dump/dump_type", "none\n");
  g_autofree char *reipl = g_build_filename (dir, "sys/firmware/reipl", NULL);
  const char *argv[] = { "rm", "-rf", reipl, NULL };
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, NULL, NULL));
}

/* One broken block: its role, the kind of device its error concerns, and the
 * text the error must carry. */
typedef struct {
  void (*mutate) (const char *dir);
  ZvBootRole role;
  ZvBootBus bus;
  const char *message;
} BrokenBlock;

/* A block that exists but cannot be read or is malformed keeps an error naming
 * the file, in its role only, and only for the devices it concerns. */
static void
test_errors_stay_with_their_role (void)
{
  static const BrokenBlock cases[] = {
    { malformed_reipl_device, ZV_BOOT_ROLE_REIPL, ZV_BOOT_BUS_CCW,
      "/sys/firmware/reipl/ccw/device: '0.0.zzzz' is not a device number" },
    { unreadable_reipl_type, ZV_BOOT_ROLE_REIPL, ZV_BOOT_BUS_UNKNOWN,
      "/sys/firmware/reipl/reipl_type" },
    { unknown_dump_type, ZV_BOOT_ROLE_DUMP, ZV_BOOT_BUS_UNKNOWN,
      "/sys/firmware/dump/dump_type: 'tape' is not a dump type" },
    { missing_ipl_fid, ZV_BOOT_ROLE_IPL, ZV_BOOT_BUS_PCI,
      "/sys/firmware/ipl/fid does not exist, but /sys/firmware/ipl/ipl_type reads nvme" },
  };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (ZvBootDevices) devices = read_tree ("boot-devices", cases[c].mutate);
      for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
        {
          const ZvBootDevice *d = zv_boot_devices_get (devices, (ZvBootRole) r);
          if (r != (int) cases[c].role)
            {
              g_assert_no_error (d->error);
              continue;
            }
          g_assert_nonnull (d->error);
          g_assert_nonnull (strstr (d->error->message, cases[c].message));
          g_assert_cmpint (d->bus, ==, cases[c].bus);
          gboolean ccw = cases[c].bus != ZV_BOOT_BUS_PCI;
          gboolean pci = cases[c].bus != ZV_BOOT_BUS_CCW;
          g_assert_true ((zv_boot_device_error_for (d, ZV_BOOT_BUS_CCW) != NULL) == ccw);
          g_assert_true ((zv_boot_device_error_for (d, ZV_BOOT_BUS_PCI) != NULL) == pci);
          /* a broken block names no device */
          ZvBusId dasd = busid ("0.0.1000");
          g_assert_false (zv_boot_device_is_ccw (d, &dasd));
          g_assert_false (zv_boot_device_is_fid (d, 0x300));
        }
    }
}

/* dump_type none and an absent reipl block: no device, no error. */
static void
test_none_is_no_device (void)
{
  g_autoptr (ZvBootDevices) devices = read_tree ("boot-devices", dump_none_and_no_reipl);
  const ZvBootDevice *dump = zv_boot_devices_get (devices, ZV_BOOT_ROLE_DUMP);
  const ZvBootDevice *reipl = zv_boot_devices_get (devices, ZV_BOOT_ROLE_REIPL);
  g_assert_no_error (dump->error);
  g_assert_cmpstr (dump->type, ==, "none");
  g_assert_cmpint (dump->bus, ==, ZV_BOOT_BUS_NONE);
  ZvBusId set1 = busid ("0.1.1001");
  g_assert_false (zv_boot_device_is_ccw (dump, &set1));
  g_assert_no_error (reipl->error);
  g_assert_null (reipl->type);
  g_assert_cmpint (reipl->bus, ==, ZV_BOOT_BUS_NONE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/boot-devices/parse/devno", test_parse_devno);
  g_test_add_func ("/boot-devices/parse/fid", test_parse_fid);
  g_test_add_func ("/boot-devices/parse/type", test_parse_type);
  g_test_add_func ("/boot-devices/read/tree", test_read_tree);
  g_test_add_func ("/boot-devices/read/no-firmware", test_no_firmware);
  g_test_add_func ("/boot-devices/read/errors-per-role", test_errors_stay_with_their_role);
  g_test_add_func ("/boot-devices/read/none", test_none_is_no_device);
  return g_test_run ();
}
