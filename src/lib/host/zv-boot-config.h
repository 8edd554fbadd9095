/* zvfio: what configures a ccw device at the next boot besides zvfio's
 * driverctl override (issue 21 §5): zdev's persistent configuration (the udev
 * rules chzdev --persistent writes to /etc/udev/rules.d, 41-<type>-<id>.rules,
 * and 41-cio-ignore.rules, which frees devices at boot) and the cio_ignore=
 * kernel parameter on /proc/cmdline. Formats: s390-tools zdev
 * (zdev/src/udev_ccw.c, udev_ccwgroup.c, libutil/util_udev.c) and the kernel's
 * blacklist parser (drivers/s390/cio/blacklist.c). The parsers are pure (the
 * sysattr fuzz harness calls them); zv_boot_config_read reads through the ZvRoot. */
#pragma once

#include <glib.h>
#include "zv-parse.h"
#include "zv-root.h"

G_BEGIN_DECLS

/* Where chzdev --persistent writes its udev rules (zdev's PATH_UDEV_RULES). */
#define ZV_ZDEV_RULES_DIR "/etc/udev/rules.d"
/* zdev's rule that frees devices from the cio_ignore list at boot. */
#define ZV_ZDEV_CIO_IGNORE_RULE "41-cio-ignore.rules"
#define ZV_PROC_CMDLINE "/proc/cmdline"

/* One item of a cio_ignore= list, as the kernel applies it left to right. */
typedef enum {
  ZV_CIO_ITEM_ALL,        /* all: every device number of every subchannel set */
  ZV_CIO_ITEM_IPLDEV,     /* ipldev: the device the system is loaded from */
  ZV_CIO_ITEM_CONDEV,     /* condev: the console device (a 3215/3270; none on SCLP) */
  ZV_CIO_ITEM_RANGE,      /* a bus id or a range of them */
} ZvCioItemKind;

typedef struct {
  ZvCioItemKind kind;
  gboolean free;          /* '!': take the devices off the list */
  ZvBusId from, to;       /* ZV_CIO_ITEM_RANGE, inclusive, (ssid, devno) order */
} ZvCioItem;

/* Parses the value of one cio_ignore= parameter ("all,!condev,!0.0.4711",
 * "0.0.1000-0.0.10ff", old style "1234"), appending ZvCioItem to ITEMS. As
 * the kernel does, an item it cannot read is skipped; its text is added to
 * BAD (may be NULL). Pure. */
void zv_cio_ignore_param_parse (const char *value, GArray *items, GPtrArray *bad);
/* TRUE when ITEMS, applied left to right to an empty list, leave ID on it.
 * IPLDEV: the device ipldev names (NULL: none, as for an IPL from SCSI or
 * NVMe); condev is taken as no device (the kernel skips it without a 3215 or
 * 3270 console). Pure. */
gboolean zv_cio_ignore_items_ignore (const GArray *items, const ZvBusId *id,
                                     const ZvBusId *ipldev);
/* The values of every NAME=VALUE parameter of the kernel command line
 * CMDLINE, in order (double quotes removed as the kernel does; nothing after
 * a lone "--", which ends the kernel's parameters). Pure. */
GPtrArray *zv_cmdline_values (const char *cmdline, const char *name);

/* What one of zdev's device rules configures. */
typedef struct {
  char *file;             /* its name, "41-dasd-eckd-0.0.1234.rules" */
  char *type;             /* chzdev's device type from the name ("dasd-eckd", "qeth") */
  char *id;               /* chzdev's device id: "0.0.1234", a group "0.0.f500:0.0.f501:0.0.f502" */
  GArray *devices;        /* ZvBusId: the ccw devices it configures (one, or a group's) */
  gboolean online;        /* it sets them online: ATTR{[ccw/ID]online}="1", or for a
                           * group the grouped device's ATTR{[ccwgroup/ID]online}="1" */
} ZvZdevRule;

/* Frees a rule. */
void zv_zdev_rule_free (ZvZdevRule *rule);
/* Parses zdev rule file NAME with content TEXT (LENGTH bytes): a ccw device
 * rule (udev_ccw.c: ATTR{[ccw/ID]ATTR}="VALUE" lines, legacy or with site
 * blocks) or a ccwgroup rule (udev_ccwgroup.c: ATTR{[drivers/ccwgroup:DRV]group}
 * ="ID,ID,...", ATTR{[ccwgroup/ID]online}="1"). NULL when NAME is not
 * 41-<type>-<bus id>.rules or the text configures no ccw device. Pure. */
ZvZdevRule *zv_zdev_rule_parse (const char *name, const char *text, gsize length);
/* Parses zdev's 41-cio-ignore.rules (udev_ccw_write_cio_ignore: RUN{program}
 * +="/bin/sh -c 'echo free LIST > /proc/cio_ignore'"): LIST's items, appended
 * to ITEMS as freeing ones. FALSE when the text holds no such command. Pure. */
gboolean zv_zdev_cio_ignore_rule_parse (const char *text, gsize length, GArray *items);

/* The boot configuration of a host. */
typedef struct {
  GPtrArray *cio_ignore;      /* char*: every cio_ignore= value of /proc/cmdline, in order */
  GArray *cio_items;          /* ZvCioItem of those values, in order */
  GPtrArray *cio_bad;         /* char*: items the kernel skips as invalid */
  GError *cmdline_error;      /* /proc/cmdline exists but cannot be read */
  GArray *freed;              /* ZvCioItem: what 41-cio-ignore.rules frees at boot */
  GPtrArray *rules;           /* ZvZdevRule of /etc/udev/rules.d, by file name */
  GError *rules_error;        /* the directory or one of zdev's files cannot be read */
} ZvBootConfig;

/* Reads ROOT's boot configuration. An absent /proc/cmdline is an empty
 * command line, an absent rules directory no rule; what exists but cannot be
 * read is kept as an error naming the file (the rule fails closed). */
ZvBootConfig *zv_boot_config_read (ZvRoot *root);
/* Frees it. */
void zv_boot_config_free (ZvBootConfig *config);
/* TRUE when the cio_ignore= parameter leaves ID ignored at boot and
 * 41-cio-ignore.rules does not free it then. IPLDEV as for
 * zv_cio_ignore_items_ignore. */
gboolean zv_boot_config_ignores (const ZvBootConfig *config, const ZvBusId *id,
                                 const ZvBusId *ipldev);
/* The first of zdev's rules that sets ID online at boot, or NULL. */
const ZvZdevRule *zv_boot_config_zdev_online (const ZvBootConfig *config, const ZvBusId *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvBootConfig, zv_boot_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvZdevRule, zv_zdev_rule_free)

G_END_DECLS
