/* zvfio: pure parsers for one line of the kernel's own tables that say what
 * the host uses: /proc/self/mountinfo, /proc/swaps, /proc/net/route and
 * /proc/net/ipv6_route (formats: shared/facts/host-needs.md §2 and §4). Each
 * takes one line without its newline; the readers stream the tables through
 * zv_root_read_lines, so a table's size is never capped. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A block device number, as sysfs prints it in `dev` ("94:1"). */
typedef struct {
  guint major;
  guint minor;
} ZvDevt;

/* One mount: the file system's device (sb->s_dev: an anonymous 0:N for
 * btrfs, overlay, tmpfs), where it is mounted, its type and source. */
typedef struct {
  ZvDevt devt;
  char *mountpoint;   /* unescaped */
  char *fstype;
  char *source;       /* unescaped; "none", "/dev/dasda1", ... */
} ZvMountinfoEntry;

/* Frees the strings of ENTRY (not ENTRY itself). */
void zv_mountinfo_entry_clear (ZvMountinfoEntry *entry);
/* Parses "MAJ:MIN" into OUT; FALSE unless it is exactly two decimal numbers. */
gboolean zv_parse_devt (const char *text, ZvDevt *out);
/* Undoes the kernel's octal escapes (\040 \011 \012 \134 \043) of a
 * mountinfo or swaps field; NULL when an escape is malformed. */
char *zv_octal_unescape (const char *text);
/* Parses one /proc/self/mountinfo line; FALSE when it is malformed. */
gboolean zv_mountinfo_parse_line (const char *line, ZvMountinfoEntry *out);
/* Parses one /proc/swaps line: *PATH (unescaped) and whether it is a
 * partition (else a file). *PATH is NULL for the header. FALSE when malformed. */
gboolean zv_swaps_parse_line (const char *line, char **path, gboolean *partition);
/* Parses one /proc/net/route line: the interface and whether the route is a
 * default route (destination and mask 0). *IFACE is NULL for the header or a
 * route without a device ("*"). FALSE when malformed. */
gboolean zv_route_parse_line (const char *line, char **iface, gboolean *is_default);
/* Parses one /proc/net/ipv6_route line (no header): the interface and whether
 * it is a default route (destination ::/0). FALSE when malformed. */
gboolean zv_ipv6_route_parse_line (const char *line, char **iface, gboolean *is_default);
/* Parses a network interface's `flags` attribute ("0x1003", "0"). */
gboolean zv_parse_netdev_flags (const char *text, guint32 *out);

/* IFF_UP of <linux/if.h>. */
#define ZV_IFF_UP 0x1u

G_END_DECLS
