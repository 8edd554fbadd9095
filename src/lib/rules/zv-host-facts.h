/* zvfio: ZvHostFacts, everything the passthrough rules need from the host,
 * read once before the rules run (and, for prepare, after the device lock is
 * taken): the IPL, re-IPL and dump devices, cio_ignore, mounts and block-device holders, the
 * driverctl overrides, the machine type, KVM's zPCI capability and the QEMU
 * version. A fact that exists but cannot be read (unreadable, malformed, too
 * large) is kept as a GError naming the file: the rules that need it fail
 * closed with that error. An absent file is a fact too (nothing to protect). */
#pragma once

#include <glib.h>
#include "zv-boot-config.h"
#include "zv-boot-devices.h"
#include "zv-css.h"
#include "zv-host-usage.h"
#include "zv-hostinfo.h"
#include "zv-qemu.h"
#include "zv-root.h"
#include "zv-target.h"
#include "zv-zpci.h"

G_BEGIN_DECLS

/* The facts about one ccw device the rules look at. */
typedef struct {
  GPtrArray *block_users;    /* "dasda1 mounted on /", "dasdb1 held by dm-0", ... */
  GError *block_error;       /* mountinfo, swaps or a holders directory could not be read */
  char *driverctl_driver;    /* the css driverctl override's driver, NULL = none */
  GError *driverctl_error;   /* the override file could not be read */
} ZvCcwFacts;

/* What the host uses of one PCI function (zv-host-usage.h). */
typedef struct {
  GPtrArray *users;          /* "enc1 carries the host's default route", "nvme0n1 mounted on /srv" */
  GError *error;             /* a table or attribute could not be read: the rule fails closed */
} ZvPciFacts;

/* The facts about one domain emulator (only for ISM, only on the system root). */
typedef struct {
  gboolean checked;          /* FALSE: not asked (not the system root) */
  ZvQemuVersion version;
  GError *error;             /* `EMULATOR --version` failed */
} ZvEmulatorFacts;

typedef struct {
  ZvRoot *root;                       /* not owned */
  ZvBootDevices *boot;                /* IPL, re-IPL and dump devices, errors per role */
  GArray *cio_ignore;                 /* ZvCioRange; NULL: no /proc/cio_ignore */
  GError *cio_ignore_error;
  ZvHostUsage *usage;                 /* mounts, swaps, routes; read when first needed */
  GHashTable *ccw;                    /* subchannel id -> ZvCcwFacts */
  GHashTable *pci;                    /* PCI address -> ZvPciFacts */
  gboolean zpci_read;                 /* machine type and KVM were read (an ISM target) */
  char *machine_type;                 /* NULL: unknown */
  GError *machine_type_error;         /* /proc/sysinfo could not be read */
  ZvKvmZpci kvm_zpci;
  char *kvm_zpci_why;                 /* why kvm_zpci is UNKNOWN */
  GHashTable *emulators;              /* emulator path -> ZvEmulatorFacts */
  gboolean allow_volatile_autostart;  /* ZVFIO_ALLOW_VOLATILE_AUTOSTART=1 */
  ZvBootConfig *boot_config;          /* zdev's rules and cio_ignore= at the next boot;
                                       * NULL: not asked (zv_host_facts_read_boot_config) */
} ZvHostFacts;

/* Reads the host-wide facts (IPL, re-IPL and dump devices, cio_ignore, policy) of ROOT. */
ZvHostFacts *zv_host_facts_new (ZvRoot *root);
/* Frees the facts. */
void zv_host_facts_free (ZvHostFacts *facts);
/* Adds the facts about subchannel SCH (its DASD's users, its driverctl override). */
void zv_host_facts_add_subchannel (ZvHostFacts *facts, const ZvSubchannel *sch);
/* Adds the facts about PCI function FN (what the host uses of it) and, for an
 * ISM function, the machine type, KVM and the QEMU version of DOMAIN's emulator. */
void zv_host_facts_add_pci (ZvHostFacts *facts, const ZvPciFunction *fn, const ZvDomain *domain);
/* Reads what configures ccw devices at the next boot (zdev's persistent
 * rules, cio_ignore= on /proc/cmdline), once: for check and for a prepare
 * that makes its binding persistent (ccw.boot-config). Nothing without a root. */
void zv_host_facts_read_boot_config (ZvHostFacts *facts);
/* Adds the facts about TARGET's device (nothing for a missing one or NULL). */
void zv_host_facts_add_target (ZvHostFacts *facts, const ZvTarget *target,
                               const ZvDomain *domain);
/* The facts about subchannel SCH_ID (NULL when it was not added). */
const ZvCcwFacts *zv_host_facts_ccw (const ZvHostFacts *facts, const char *sch_id);
/* The facts about PCI function ADDRESS (NULL when it was not added). */
const ZvPciFacts *zv_host_facts_pci (const ZvHostFacts *facts, const char *address);
/* The facts about EMULATOR (NULL when it was not added). */
const ZvEmulatorFacts *zv_host_facts_emulator (const ZvHostFacts *facts, const char *emulator);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvHostFacts, zv_host_facts_free)

G_END_DECLS
