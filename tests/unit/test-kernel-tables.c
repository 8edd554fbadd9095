/* Unit tests: the line parsers of the kernel's mountinfo, swaps and route
 * tables, with lines in the formats the 6.1 kernel prints
 * (shared/facts/host-needs.md §2, §4). */
#include "zv-kernel-tables.h"

#include <string.h>

/* mountinfo: a plain file system, optional fields, escapes, btrfs's anonymous device. */
static void
test_mountinfo (void)
{
  ZvMountinfoEntry e;
  g_assert_true (zv_mountinfo_parse_line ("29 1 94:1 / / rw,relatime shared:1 - ext4 "
                                          "/dev/dasda1 rw,errors=remount-ro", &e));
  g_assert_cmpuint (e.devt.major, ==, 94);
  g_assert_cmpuint (e.devt.minor, ==, 1);
  g_assert_cmpstr (e.mountpoint, ==, "/");
  g_assert_cmpstr (e.fstype, ==, "ext4");
  g_assert_cmpstr (e.source, ==, "/dev/dasda1");
  zv_mountinfo_entry_clear (&e);

  /* no optional fields; several; a mount point with a space and a backslash */
  g_assert_true (zv_mountinfo_parse_line ("40 29 253:0 / /my\\040data\\134x rw - xfs "
                                          "/dev/mapper/vg0-data rw", &e));
  g_assert_cmpstr (e.mountpoint, ==, "/my data\\x");
  g_assert_cmpuint (e.devt.major, ==, 253);
  zv_mountinfo_entry_clear (&e);
  g_assert_true (zv_mountinfo_parse_line ("41 29 0:45 /@home /home rw,relatime shared:5 "
                                          "master:2 propagate_from:3 unbindable - btrfs "
                                          "/dev/disk/by-uuid/3f2a rw,subvol=/@home", &e));
  g_assert_cmpuint (e.devt.major, ==, 0);
  g_assert_cmpuint (e.devt.minor, ==, 45);
  g_assert_cmpstr (e.source, ==, "/dev/disk/by-uuid/3f2a");
  zv_mountinfo_entry_clear (&e);
  /* fuse's type.subtype */
  g_assert_true (zv_mountinfo_parse_line ("50 29 0:50 / /mnt/s rw - fuse.sshfs host:/ rw", &e));
  g_assert_cmpstr (e.fstype, ==, "fuse.sshfs");
  zv_mountinfo_entry_clear (&e);

  /* malformed: no separator, bad device number, bad escape, short line */
  g_assert_false (zv_mountinfo_parse_line ("29 1 94:1 / / rw ext4 /dev/dasda1 rw x y", &e));
  g_assert_false (zv_mountinfo_parse_line ("29 1 94-1 / / rw - ext4 /dev/dasda1 rw", &e));
  g_assert_false (zv_mountinfo_parse_line ("29 1 94:1 / /a\\09 rw - ext4 /dev/dasda1 rw", &e));
  g_assert_false (zv_mountinfo_parse_line ("29 1 94:1 / / rw -", &e));
  g_assert_false (zv_mountinfo_parse_line ("", &e));
  g_assert_null (e.mountpoint);
}

/* swaps: the header, a partition, a file, an escaped path. */
static void
test_swaps (void)
{
  char *path = NULL;
  gboolean partition;
  g_assert_true (zv_swaps_parse_line ("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority",
                                      &path, &partition));
  g_assert_null (path);
  g_assert_true (zv_swaps_parse_line ("/dev/dasdb2                             partition\t"
                                      "1048572\t\t0\t\t-2", &path, &partition));
  g_assert_cmpstr (path, ==, "/dev/dasdb2");
  g_assert_true (partition);
  g_clear_pointer (&path, g_free);
  g_assert_true (zv_swaps_parse_line ("/swap\\040file                            file\t\t"
                                      "524284\t\t0\t\t-3", &path, &partition));
  g_assert_cmpstr (path, ==, "/swap file");
  g_assert_false (partition);
  g_clear_pointer (&path, g_free);
  g_assert_false (zv_swaps_parse_line ("/dev/dasdb2 disk 1 0 -2", &path, &partition));
  g_assert_false (zv_swaps_parse_line ("/dev/dasdb2 partition", &path, &partition));
}

/* IPv4 routes: header, default route, link route, no device; big-endian s390x order. */
static void
test_routes (void)
{
  char *iface = NULL;
  gboolean is_default;
  g_assert_true (zv_route_parse_line ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\t"
                                      "Metric\tMask\t\tMTU\tWindow\tIRTT       ", &iface,
                                      &is_default));
  g_assert_null (iface);
  g_assert_true (zv_route_parse_line ("enc1\t00000000\t0A000001\t0003\t0\t0\t0\t00000000\t"
                                      "0\t0\t0                                        ",
                                      &iface, &is_default));
  g_assert_cmpstr (iface, ==, "enc1");
  g_assert_true (is_default);
  g_clear_pointer (&iface, g_free);
  g_assert_true (zv_route_parse_line ("enc1\t0A000000\t00000000\t0001\t0\t0\t0\tFF000000\t"
                                      "0\t0\t0", &iface, &is_default));
  g_assert_false (is_default);
  g_clear_pointer (&iface, g_free);
  g_assert_true (zv_route_parse_line ("*\t0A000000\t00000000\t0201\t0\t0\t0\tFF000000\t"
                                      "0\t0\t0", &iface, &is_default));
  g_assert_null (iface);
  g_assert_false (zv_route_parse_line ("enc1\t0A0000\t00000000\t0001\t0\t0\t0\tFF000000\t"
                                       "0\t0\t0", &iface, &is_default));
  g_assert_false (zv_route_parse_line ("enc1 0A000000", &iface, &is_default));
}

/* IPv6 routes: default route, link route, device right-aligned in 8. */
static void
test_ipv6_routes (void)
{
  char *iface = NULL;
  gboolean is_default;
  g_assert_true (zv_ipv6_route_parse_line ("00000000000000000000000000000000 00 "
                                           "00000000000000000000000000000000 00 "
                                           "fe800000000000000000000000000001 00000400 "
                                           "00000001 00000000 00450003     enc1",
                                           &iface, &is_default));
  g_assert_cmpstr (iface, ==, "enc1");
  g_assert_true (is_default);
  g_clear_pointer (&iface, g_free);
  g_assert_true (zv_ipv6_route_parse_line ("fe800000000000000000000000000000 40 "
                                           "00000000000000000000000000000000 00 "
                                           "00000000000000000000000000000000 00000100 "
                                           "00000001 00000000 00000001 enP5p0s0",
                                           &iface, &is_default));
  g_assert_cmpstr (iface, ==, "enP5p0s0");
  g_assert_false (is_default);
  g_clear_pointer (&iface, g_free);
  g_assert_false (zv_ipv6_route_parse_line ("fe80 40 0 00 0 0 0 0 0 enc1", &iface,
                                            &is_default));
}

/* Device numbers, escapes and netdev flags. */
static void
test_small_values (void)
{
  ZvDevt d;
  g_assert_true (zv_parse_devt ("259:3", &d));
  g_assert_cmpuint (d.major, ==, 259);
  g_assert_cmpuint (d.minor, ==, 3);
  g_assert_false (zv_parse_devt (":3", &d));
  g_assert_false (zv_parse_devt ("259:", &d));
  g_assert_false (zv_parse_devt ("259", &d));
  g_assert_false (zv_parse_devt ("25a:3", &d));
  g_autofree char *tab = zv_octal_unescape ("a\\011b\\043");
  g_assert_cmpstr (tab, ==, "a\tb#");
  g_assert_null (zv_octal_unescape ("a\\0"));
  g_assert_null (zv_octal_unescape ("a\\000"));
  guint32 flags;
  g_assert_true (zv_parse_netdev_flags ("0x1003", &flags));
  g_assert_cmphex (flags & ZV_IFF_UP, ==, ZV_IFF_UP);
  g_assert_true (zv_parse_netdev_flags ("0", &flags));
  g_assert_cmphex (flags, ==, 0);
  g_assert_false (zv_parse_netdev_flags ("1003", &flags));
  g_assert_false (zv_parse_netdev_flags ("up", &flags));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/kernel-tables/mountinfo", test_mountinfo);
  g_test_add_func ("/kernel-tables/swaps", test_swaps);
  g_test_add_func ("/kernel-tables/routes", test_routes);
  g_test_add_func ("/kernel-tables/ipv6-routes", test_ipv6_routes);
  g_test_add_func ("/kernel-tables/small-values", test_small_values);
  return g_test_run ();
}
