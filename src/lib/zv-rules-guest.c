/* zvfio: rules that need the target domain: the guest address of a vfio-ccw
 * device, zPCI uid/fid in the domain, devices already used by domains, and
 * what an ISM function needs from QEMU and the guest.
 * Rules marked "forceable" report a warning instead of an error with --force. */
#include "zv-rules.h"
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-hostdev.h"
#include "zv-qemu.h"

#include <string.h>

/* QEMU version that brought zPCI interpretation (needed for ISM). */
#define ZV_ISM_QEMU_MAJOR 7
#define ZV_ISM_QEMU_MINOR 2
#define ZV_ZPCI_MAX_UID 0xffff

/* A forceable finding: relaxed (a warning) when the caller forces it. */
static ZvFinding
forced (const ZvRuleContext *ctx)
{
  return ctx->force ? ZV_FINDING_RELAXED : ZV_FINDING_STRICT;
}

/* The domain's name for messages. */
static const char *
domain_name (const ZvDomain *domain)
{
  return domain->name ? domain->name : "?";
}

/* guest.cssid: a vfio-ccw guest address must use cssid 0xfe (forceable). */
static void
check_guest_cssid (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!target->has_guest_ccw || target->guest_ccw.cssid == ZV_GUEST_CSSID)
    return;
  zv_violation_add (out, zv_rules_find ("guest.cssid"), ctx, forced (ctx),
                    "use a guest devno fe.S.DDDD",
                    "guest ccw address %x.%x.%04x uses cssid 0x%x; guests without MCSS-E "
                    "(every current Linux) only see cssid 0xfe",
                    target->guest_ccw.cssid, target->guest_ccw.ssid, target->guest_ccw.devno,
                    target->guest_ccw.cssid);
}

/* The target domain's hostdev for the device being checked (an mdev of
 * the target's subchannel or its PCI function), or NULL when it is not in the
 * domain yet. */
static const ZvHostdev *
own_hostdev (const ZvRuleContext *ctx)
{
  const ZvTarget *target = ctx->target;
  /* when attaching, the device is new: a hostdev already there is a duplicate */
  if (ctx->domain == NULL || zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN))
    return NULL;
  if (target->pci != NULL)
    return zv_domain_find_pci (ctx->domain, target->pci->address);
  for (guint i = 0; target->sch && target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *mdev = g_ptr_array_index (target->sch->mdevs, i);
      const ZvHostdev *hd = zv_domain_find_mdev (ctx->domain, mdev->uuid);
      if (hd != NULL)
        return hd;
    }
  return NULL;
}

/* guest.devno-dup: the guest ccw address is already used by another device of
 * the domain (the device's own hostdev, when already in the domain, does not count). */
static void
check_guest_devno_dup (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!target->has_guest_ccw || ctx->domain == NULL)
    return;
  const ZvHostdev *own = own_hostdev (ctx);
  guint users = 0;
  GArray *used = ctx->domain->ccw_addresses;
  for (guint i = 0; i < used->len; i++)
    {
      const ZvCcwAddress *a = &g_array_index (used, ZvCcwAddress, i);
      users += a->cssid == target->guest_ccw.cssid && a->ssid == target->guest_ccw.ssid &&
               a->devno == target->guest_ccw.devno;
    }
  if (own && own->has_ccw_address && own->ccw.cssid == target->guest_ccw.cssid &&
      own->ccw.ssid == target->guest_ccw.ssid && own->ccw.devno == target->guest_ccw.devno)
    users--;
  if (users > 0)
    zv_violation_add (out, zv_rules_find ("guest.devno-dup"), ctx, ZV_FINDING_STRICT,
                      "choose another guest devno, or omit it to get the lowest free one",
                      "guest devno %x.%x.%04x is already used by another device of domain '%s'",
                      target->guest_ccw.cssid, target->guest_ccw.ssid, target->guest_ccw.devno,
                      domain_name (ctx->domain));
}

/* Reports every hostdev of DOMAIN that uses an mdev of ctx->target->sch. SAME tells
 * whether DOMAIN is the target domain (not forceable) or another one (forceable). */
static void
report_mdev_users (const ZvRuleContext *ctx, const ZvDomain *domain, gboolean same,
                   GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  const ZvRule *rule = zv_rules_find ("ccw.used-by-domain");
  for (guint i = 0; target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *mdev = g_ptr_array_index (target->sch->mdevs, i);
      if (zv_domain_find_mdev (domain, mdev->uuid) == NULL)
        continue;
      if (same)
        zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                          "it is attached already; detach it first to change its guest address",
                          "subchannel %s (mdev %s) is already attached to domain '%s'",
                          target->sch->id, mdev->uuid, domain_name (domain));
      else
        zv_violation_add (out, rule, ctx, forced (ctx),
                          "detach it from that domain first; --force if the domains never run "
                          "at the same time",
                          "subchannel %s (mdev %s) is already used by domain '%s'",
                          target->sch->id, mdev->uuid, domain_name (domain));
    }
}

/* ccw.used-by-domain: another defined domain (or, when attaching, the target
 * domain itself) already uses an mdev of this subchannel. */
static void
check_ccw_used_by_domain (const ZvRuleContext *ctx, GPtrArray *out)
{
  if (ctx->target->sch == NULL)
    return;
  if (ctx->domain && zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN))
    report_mdev_users (ctx, ctx->domain, TRUE, out);
  for (guint i = 0; ctx->other_domains && i < ctx->other_domains->len; i++)
    {
      const ZvDomain *other = g_ptr_array_index (ctx->other_domains, i);
      if (ctx->domain && g_strcmp0 (other->name, ctx->domain->name) == 0)
        continue;
      report_mdev_users (ctx, other, FALSE, out);
    }
}

/* zpci.used-by-domain: another defined domain (forceable) or, when attaching,
 * the target domain itself already has a hostdev for this PCI function. */
static void
check_zpci_used_by_domain (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL)
    return;
  const ZvRule *rule = zv_rules_find ("zpci.used-by-domain");
  if (ctx->domain && zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN) &&
      zv_domain_find_pci (ctx->domain, target->pci->address))
    zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                      "it is attached already; detach it first to change its zPCI uid/fid",
                      "zPCI function %s is already attached to domain '%s'", target->pci->address,
                      domain_name (ctx->domain));
  for (guint i = 0; ctx->other_domains && i < ctx->other_domains->len; i++)
    {
      const ZvDomain *other = g_ptr_array_index (ctx->other_domains, i);
      if (ctx->domain && g_strcmp0 (other->name, ctx->domain->name) == 0)
        continue;
      if (zv_domain_find_pci (other, target->pci->address))
        zv_violation_add (out, rule, ctx, forced (ctx),
                          "detach it from that domain first; --force if the domains never run "
                          "at the same time",
                          "zPCI function %s is already used by domain '%s'", target->pci->address,
                          domain_name (other));
    }
}

/* Number of times VALUE occurs in VALUES (guint). */
static guint
count_value (GArray *values, guint value)
{
  guint n = 0;
  for (guint i = 0; i < values->len; i++)
    n += g_array_index (values, guint, i) == value;
  return n;
}

/* zpci.uid-range: the guest zPCI uid must be 1..0xffff. */
static void
check_zpci_uid_range (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  const ZvRule *rule = zv_rules_find ("zpci.uid-range");
  const char *hint = "use a uid from 0x0001 to 0xffff";
  if (target->has_guest_zpci)
    {
      if (target->guest_uid == 0 || target->guest_uid > ZV_ZPCI_MAX_UID)
        zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT, hint,
                          "guest zPCI uid 0x%04x is out of range (0x0001..0xffff)",
                          target->guest_uid);
      return;
    }
  const ZvHostdev *hd = target->pci ? own_hostdev (ctx) : NULL;
  if (hd && hd->has_uid && hd->uid == 0)
    zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT, hint,
                      "domain '%s' gives %s zPCI uid 0x0000 (QEMU needs 0x0001..0xffff)",
                      domain_name (ctx->domain), hd->pci_source);
}

/* Shared body of zpci.uid-dup and zpci.fid-dup: the guest value (being
 * assigned, or else the device's own in the domain) is used by another device
 * of the domain. */
static void
check_zpci_dup (const ZvRuleContext *ctx, GPtrArray *out, const char *rule_id, const char *what,
                int width, gboolean uid)
{
  const ZvTarget *target = ctx->target;
  if (ctx->domain == NULL || target->pci == NULL)
    return;
  const ZvHostdev *own = own_hostdev (ctx);
  gboolean own_has = own && (uid ? own->has_uid : own->has_fid);
  guint own_value = own_has ? (uid ? own->uid : own->fid) : 0;
  guint value;
  if (target->has_guest_zpci)
    value = uid ? target->guest_uid : target->guest_fid;
  else if (own_has)
    value = own_value;
  else
    return;
  guint users = count_value (uid ? ctx->domain->zpci_uids : ctx->domain->zpci_fids, value);
  if (own_has && own_value == value)
    users--;
  if (users > 0)
    zv_violation_add (out, zv_rules_find (rule_id), ctx, ZV_FINDING_STRICT,
                      "choose another one, or omit it to get a free one",
                      "guest zPCI %s 0x%0*x is already used by another device of domain '%s'",
                      what, width, value, domain_name (ctx->domain));
}

/* zpci.uid-dup: the guest zPCI uid is already used in the domain. */
static void
check_zpci_uid_dup (const ZvRuleContext *ctx, GPtrArray *out)
{
  check_zpci_dup (ctx, out, "zpci.uid-dup", "uid", 4, TRUE);
}

/* zpci.fid-dup: the guest zPCI fid is already used in the domain. */
static void
check_zpci_fid_dup (const ZvRuleContext *ctx, GPtrArray *out)
{
  check_zpci_dup (ctx, out, "zpci.fid-dup", "fid", 8, FALSE);
}

/* zpci.qemu-version, machine half: the domain's machine type must be 7.2 or later. */
static void
check_machine_version (const ZvRuleContext *ctx, const ZvRule *rule, GPtrArray *out)
{
  const char *machine = ctx->domain->machine;
  ZvQemuVersion v;
  if (machine == NULL)
    return;   /* libvirt fills in the default (latest) machine type */
  if (!zv_qemu_parse_machine (machine, &v))
    zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, NULL,
                      "machine type '%s' of domain '%s' is not s390-ccw-virtio; its zPCI "
                      "interpretation support was not checked", machine, domain_name (ctx->domain));
  else if (!zv_qemu_version_at_least (&v, ZV_ISM_QEMU_MAJOR, ZV_ISM_QEMU_MINOR))
    zv_violation_add (out, rule, ctx, forced (ctx),
                      "use machine type s390-ccw-virtio-7.2 or later (or plain s390-ccw-virtio)",
                      "domain '%s' uses machine type %s; ISM needs zPCI interpretation, which "
                      "needs machine type 7.2 or later", domain_name (ctx->domain), machine);
}

/* zpci.qemu-version, emulator half: `<emulator> --version` must be 7.2 or later;
 * only run on the system root (a fake root's emulator is not the host's). */
static void
check_emulator_version (const ZvRuleContext *ctx, const ZvRule *rule, GPtrArray *out)
{
  const char *emulator = ctx->domain->emulator;
  if (emulator == NULL)
    {
      zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, NULL,
                        "domain '%s' names no <emulator>; its QEMU version was not checked",
                        domain_name (ctx->domain));
      return;
    }
  const ZvEmulatorFacts *facts = zv_host_facts_emulator (ctx->facts, emulator);
  if (facts == NULL || !facts->checked)
    {
      zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, NULL,
                        "emulator %s: QEMU version not checked (not running on the system root)",
                        emulator);
      return;
    }
  if (facts->error != NULL)
    zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, NULL,
                      "QEMU version not checked: %s", facts->error->message);
  else if (!zv_qemu_version_at_least (&facts->version, ZV_ISM_QEMU_MAJOR, ZV_ISM_QEMU_MINOR))
    zv_violation_add (out, rule, ctx, forced (ctx), "install QEMU 7.2 or later",
                      "emulator %s is QEMU %u.%u; ISM needs zPCI interpretation "
                      "(QEMU 7.2 or later)",
                      emulator, facts->version.major, facts->version.minor);
}

/* zpci.qemu-version: ISM needs QEMU and machine type 7.2 or later (forceable). */
static void
check_zpci_qemu_version (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL || !target->pci->ism || ctx->domain == NULL)
    return;
  const ZvRule *rule = zv_rules_find ("zpci.qemu-version");
  check_machine_version (ctx, rule, out);
  check_emulator_version (ctx, rule, out);
}

/* zpci.secure-execution: no ISM for Secure Execution (s390-pv) guests. */
static void
check_zpci_secure_execution (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL || !target->pci->ism || ctx->domain == NULL ||
      !ctx->domain->secure_execution)
    return;
  zv_violation_add (out, zv_rules_find ("zpci.secure-execution"), ctx, ZV_FINDING_STRICT,
                    "use a guest without <launchSecurity type='s390-pv'/> for ISM",
                    "domain '%s' is a Secure Execution guest; ISM cannot be passed through to it",
                    domain_name (ctx->domain));
}

const ZvRule zv_rules_guest[] = {
  { "guest.cssid", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "a vfio-ccw guest address must use cssid 0xfe (forceable)",
    check_guest_cssid },
  { "guest.devno-dup", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the guest devno is already used by another device of the domain",
    check_guest_devno_dup },
  { "ccw.used-by-domain", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "another domain (forceable) or the same domain already uses the subchannel's mdev",
    check_ccw_used_by_domain },
  { "zpci.used-by-domain", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "another domain (forceable) or the same domain already uses the PCI function",
    check_zpci_used_by_domain },
  { "zpci.uid-range", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the guest zPCI uid must be 0x0001..0xffff",
    check_zpci_uid_range },
  { "zpci.uid-dup", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the guest zPCI uid is already used in the domain",
    check_zpci_uid_dup },
  { "zpci.fid-dup", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the guest zPCI fid is already used in the domain",
    check_zpci_fid_dup },
  { "zpci.qemu-version", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "ISM needs QEMU and machine type 7.2 or later (forceable)",
    check_zpci_qemu_version },
  { "zpci.secure-execution", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "ISM cannot be passed through to a Secure Execution (s390-pv) guest",
    check_zpci_secure_execution },
};
const gsize zv_rules_guest_count = G_N_ELEMENTS (zv_rules_guest);
