/* zvfio: zPCI passthrough rules, ISM in particular (non-MIO, vfio-pci,
 * zPCI interpretation); see docs/rules.md and facts kernel-and-qemu.md §6. */
#include "zv-rules.h"
#include "zv-domain.h"
#include "zv-qemu.h"

#include <string.h>

#define VFIO_PCI_DRIVER "vfio-pci"
/* QEMU version that brought zPCI interpretation (needed for ISM). */
#define ZV_ISM_QEMU_MAJOR 7
#define ZV_ISM_QEMU_MINOR 2
#define ZV_ZPCI_MAX_UID 0xffff

/* TRUE when the rules look at an ISM function. */
static gboolean
is_ism (const ZvRuleContext *ctx)
{
  const ZvTarget *target = ctx->target;
  return target->pci != NULL && target->pci->ism;
}

/* zpci.ism.mio: ISM is handle-based; a MIO-enabled ISM function cannot be interpreted. */
static void
check_ism_mio (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!is_ism (ctx) || target->pci->mio_enabled != 1)
    return;
  zv_violation_add (out, zv_rules_find ("zpci.ism.mio"), ctx, ZV_FINDING_STRICT,
                    "boot the host with the kernel parameter pci=nomio (zipl), then check "
                    "that mio_enabled reads 0",
                    "ISM function %s has mio_enabled=1; ISM works only with function-handle "
                    "(non-MIO) PCI instructions", target->pci->address);
}

/* zpci.ism.driver: ISM must be on vfio-pci, not on the host's ism (SMC-D) driver. */
static void
check_ism_driver (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!is_ism (ctx) || g_strcmp0 (target->pci->driver, VFIO_PCI_DRIVER) == 0)
    return;
  const char *addr = target->pci->address;
  ZvBinder binder = zv_rule_binder (ctx);
  if (binder != ZV_BINDER_NOBODY)
    {
      /* the binding is taken care of; what is left is the host's own use of it */
      zv_violation_add (out, zv_rules_find ("zpci.ism.driver"), ctx, ZV_FINDING_RELAXED,
                        binder == ZV_BINDER_LIBVIRT
                          ? "none needed: libvirt binds it to vfio-pci when the guest starts "
                            "(managed='yes'); make sure SMC-D in the host does not use it"
                          : "none needed: zvfio binds it to vfio-pci; make sure SMC-D in the "
                            "host does not use it",
                        "ISM function %s is bound to %s and will be rebound to vfio-pci", addr,
                        target->pci->driver ? target->pci->driver : "no driver");
      return;
    }
  g_autofree char *hint = g_strdup_printf ("driverctl set-override %s vfio-pci", addr);
  if (target->pci->driver == NULL)
    zv_violation_add (out, zv_rules_find ("zpci.ism.driver"), ctx, ZV_FINDING_STRICT, hint,
                      "ISM function %s is bound to no driver; passthrough needs vfio-pci",
                      addr);
  else
    zv_violation_add (out, zv_rules_find ("zpci.ism.driver"), ctx, ZV_FINDING_STRICT, hint,
                      "ISM function %s is bound to %s%s; passthrough needs vfio-pci", addr,
                      target->pci->driver,
                      strcmp (target->pci->driver, "ism") == 0 ? " (the host's SMC-D driver)"
                                                               : "");
  zv_violation_set_cli_hint (out, "or: zvfio prepare %s", addr);
}

/* zpci.ism.interpretation: ISM in a guest needs KVM zPCI interpretation. */
static void
check_ism_interpretation (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!is_ism (ctx))
    return;
  const ZvRule *row = zv_rules_find ("zpci.ism.interpretation");
  if (ctx->facts->machine_type_error != NULL)
    {
      zv_violation_add_unreadable (out, row, ctx, ctx->facts->machine_type_error);
      return;
    }
  const char *machine = ctx->facts->machine_type;
  if (zv_machine_lacks_zpci_interpretation (machine))
    {
      zv_violation_add (out, row, ctx, ZV_FINDING_STRICT,
                        "ISM passthrough needs a z14 or newer machine",
                        "machine type %s (z13s or older) cannot interpret zPCI instructions; "
                        "ISM function %s cannot be passed through", machine,
                        target->pci->address);
      return;
    }
  const char *why = ctx->facts->kvm_zpci_why;
  switch (ctx->facts->kvm_zpci)
    {
    case ZV_KVM_ZPCI_AVAILABLE:
      return;
    case ZV_KVM_ZPCI_UNAVAILABLE:
      zv_violation_add (out, row, ctx, ZV_FINDING_STRICT,
                        "run a host kernel >= 6.0 with CONFIG_VFIO_PCI_ZDEV_KVM=y on z14 or "
                        "newer",
                        "KVM on this host does not offer zPCI interpretation "
                        "(KVM_CAP_S390_ZPCI_OP); ISM function %s needs it", target->pci->address);
      return;
    case ZV_KVM_ZPCI_UNKNOWN:
    default:
      zv_violation_add (out, row, ctx, ZV_FINDING_RELAXED,
                        "check on the host that KVM offers KVM_CAP_S390_ZPCI_OP (kernel >= 6.0, "
                        "CONFIG_VFIO_PCI_ZDEV_KVM=y)",
                        "could not check zPCI interpretation for ISM function %s: %s%s",
                        target->pci->address, why,
                        machine ? "" : "; machine type unknown");
      return;
    }
}

/* zpci.vfio-bound: attaching or starting needs the function on vfio-pci,
 * unless libvirt binds it at guest start (managed='yes'). */
static void
check_vfio_bound (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL || is_ism (ctx) || zv_rule_binder (ctx) != ZV_BINDER_NOBODY ||
      g_strcmp0 (target->pci->driver, VFIO_PCI_DRIVER) == 0)
    return;
  const char *addr = target->pci->address;
  g_autofree char *hint = g_strdup_printf ("driverctl set-override %s vfio-pci, or let "
                                           "libvirt bind it: managed='yes' in the hostdev",
                                           addr);
  zv_violation_add (out, zv_rules_find ("zpci.vfio-bound"), ctx, ZV_FINDING_STRICT, hint,
                    "zPCI function %s is bound to %s, not to vfio-pci", addr,
                    target->pci->driver ? target->pci->driver : "no driver");
  zv_violation_set_cli_hint (out, "or: zvfio prepare %s; or: zvfio hostdev --managed %s "
                             "(zvfio attach --managed)", addr, addr);
}

/* zpci.in-use: the host uses the function: an interface up, enslaved or
 * carrying routes, or a disk mounted, used as swap or held. Never relaxed:
 * unbinding its driver cuts the host off what it uses. */
static void
check_zpci_in_use (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL)
    return;
  const ZvRule *rule = zv_rules_find ("zpci.in-use");
  const ZvPciFacts *facts = zv_host_facts_pci (ctx->facts, target->pci->address);
  if (facts == NULL)
    {
      zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT, NULL,
                        "cannot check this rule: the host facts of PCI function %s were not "
                        "read", target->pci->address);
      return;
    }
  if (facts->error != NULL)
    {
      zv_violation_add_unreadable (out, rule, ctx, facts->error);
      return;
    }
  if (facts->users->len == 0)
    return;
  g_autofree char *list = zv_rule_join_users (facts->users);
  zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                    "stop using it in the host first: move its routes, take the interface "
                    "down and out of its bond or bridge; umount, swapoff, remove holders",
                    "zPCI function %s is in use in the host: %s", target->pci->address, list);
}

/* The firmware device of ROLE when it is CTX's zPCI function (its function_id
 * equals the firmware fid); NULL otherwise, and after adding an error
 * violation of RULE_ID when the firmware block or the function's own
 * function_id could not be read (the rule fails closed). */
static const ZvBootDevice *
zpci_boot_device (const ZvRuleContext *ctx, ZvBootRole role, const char *rule_id,
                  GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL)
    return NULL;
  const ZvBootDevice *boot = zv_boot_devices_get (ctx->facts->boot, role);
  const GError *error = zv_boot_device_error_for (boot, ZV_BOOT_BUS_PCI);
  if (error != NULL)
    {
      zv_violation_add_unreadable (out, zv_rules_find (rule_id), ctx, error);
      return NULL;
    }
  if (boot->bus != ZV_BOOT_BUS_PCI)
    return NULL;
  if (!target->pci->fid.present)
    {
      zv_violation_add (out, zv_rules_find (rule_id), ctx, ZV_FINDING_STRICT,
                        "make its function_id attribute readable",
                        "cannot check this rule: the function_id of zPCI function %s could "
                        "not be read, so it may be the function %s names", target->pci->address,
                        boot->file);
      return NULL;
    }
  return zv_boot_device_is_fid (boot, target->pci->fid.value) ? boot : NULL;
}

/* zpci.ipl-device: the NVMe function the host was loaded from (ipl_type nvme). */
static void
check_zpci_ipl_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *ipl = zpci_boot_device (ctx, ZV_BOOT_ROLE_IPL, "zpci.ipl-device", out);
  if (ipl == NULL)
    return;
  zv_violation_add (out, zv_rules_find ("zpci.ipl-device"), ctx, ZV_FINDING_STRICT,
                    "never pass the host's boot device to a guest; choose another device",
                    "zPCI function %s (fid 0x%08x) is the host's IPL device (ipl_type %s, %s); "
                    "the host booted from its NVMe disk and still needs it",
                    ctx->target->pci->address, ipl->fid, ipl->type, ipl->file);
}

/* zpci.reipl-device: the NVMe function the host's next boot loads from.
 * Never relaxed: the next reboot would fail. */
static void
check_zpci_reipl_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *reipl = zpci_boot_device (ctx, ZV_BOOT_ROLE_REIPL, "zpci.reipl-device",
                                                out);
  if (reipl == NULL)
    return;
  zv_violation_add (out, zv_rules_find ("zpci.reipl-device"), ctx, ZV_FINDING_STRICT,
                    "point the host's next boot at another device first (chreipl; lsreipl "
                    "shows the setting), or choose another device",
                    "zPCI function %s (fid 0x%08x) holds the disk the host's next boot loads "
                    "from (reipl_type %s, %s); with the function in a guest the next reboot "
                    "fails", ctx->target->pci->address, reipl->fid, reipl->type, reipl->file);
}

/* zpci.dump-device: the NVMe function of the host's stand-alone dump.
 * Never relaxed: the next crash could not be dumped. */
static void
check_zpci_dump_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *dump = zpci_boot_device (ctx, ZV_BOOT_ROLE_DUMP, "zpci.dump-device", out);
  if (dump == NULL)
    return;
  zv_violation_add (out, zv_rules_find ("zpci.dump-device"), ctx, ZV_FINDING_STRICT,
                    "configure another dump device first (DUMP_TYPE, FID and NSID in "
                    "/etc/sysconfig/dumpconf, then systemctl restart dumpconf), or choose "
                    "another device",
                    "zPCI function %s (fid 0x%08x) holds the host's stand-alone dump disk "
                    "(dump_type %s, %s); with the function in a guest the next crash cannot be "
                    "dumped", ctx->target->pci->address, dump->fid, dump->type, dump->file);
}

const ZvRule zv_rules_zpci[] = {
  { "zpci.in-use", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the host uses the function: a network interface is up, enslaved or carries routes, or "
    "a disk is mounted, used as swap or held",
    check_zpci_in_use },
  { "zpci.ism.mio", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "an ISM function must not use MIO instructions (mio_enabled must read 0)",
    check_ism_mio },
  { "zpci.ism.driver", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING,
    ZV_IN_CHECK | ZV_IN_START | ZV_IN_ATTACH | ZV_IN_PREPARE,
    "an ISM function must be bound to vfio-pci, not ism (warning when zvfio or libvirt "
    "binds it: prepare, managed='yes')",
    check_ism_driver },
  { "zpci.ism.interpretation", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "ISM needs KVM zPCI interpretation (KVM_CAP_S390_ZPCI_OP, z14 or newer)",
    check_ism_interpretation },
  { "zpci.vfio-bound", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_START | ZV_IN_ATTACH,
    "attach/start: the zPCI function is not bound to vfio-pci (managed='yes': libvirt binds it)",
    check_vfio_bound },
  { "zpci.ipl-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the function is the host's NVMe IPL device (/sys/firmware/ipl/fid)",
    check_zpci_ipl_device },
  { "zpci.reipl-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the function is the host's NVMe re-IPL device (/sys/firmware/reipl: the next boot)",
    check_zpci_reipl_device },
  { "zpci.dump-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the function is the host's NVMe stand-alone dump device (/sys/firmware/dump)",
    check_zpci_dump_device },
};
const gsize zv_rules_zpci_count = G_N_ELEMENTS (zv_rules_zpci);

/* zpci.used-by-domain: another defined domain (forceable) or, when attaching,
 * the target domain itself already has a hostdev for this PCI function, or the
 * target domain holds it in two hostdevs (whatever the operation). */
static void
check_zpci_used_by_domain (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL)
    return;
  const ZvRule *rule = zv_rules_find ("zpci.used-by-domain");
  guint held = ctx->domain ? zv_domain_count_pci (ctx->domain, target->pci->address) : 0;
  if (held > 0 && zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN))
    zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                      "it is attached already; detach it first to change its zPCI uid/fid",
                      "zPCI function %s is already attached to domain '%s'", target->pci->address,
                      zv_rule_domain_name (ctx->domain));
  else if (held > 1)
    zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT,
                      "keep one <hostdev> for the function in the domain",
                      "domain '%s' holds zPCI function %s in %u hostdevs; a domain can hold a "
                      "host device only once", zv_rule_domain_name (ctx->domain),
                      target->pci->address, held);
  for (guint i = 0; ctx->other_domains && i < ctx->other_domains->len; i++)
    {
      const ZvDomain *other = g_ptr_array_index (ctx->other_domains, i);
      if (ctx->domain && g_strcmp0 (other->name, ctx->domain->name) == 0)
        continue;
      if (zv_domain_find_pci (other, target->pci->address))
        {
          zv_violation_add (out, rule, ctx, zv_rule_forced (ctx),
                            "detach it from that domain first",
                            "zPCI function %s is already used by domain '%s'",
                            target->pci->address, zv_rule_domain_name (other));
          zv_violation_set_cli_hint (out, "--force if the domains never run at the same time");
        }
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
  const ZvHostdev *hd = target->pci ? zv_rule_own_hostdev (ctx) : NULL;
  if (hd && hd->has_uid && hd->uid == 0)
    zv_violation_add (out, rule, ctx, ZV_FINDING_STRICT, hint,
                      "domain '%s' gives %s zPCI uid 0x0000 (QEMU needs 0x0001..0xffff)",
                      zv_rule_domain_name (ctx->domain), hd->pci_source);
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
  const ZvHostdev *own = zv_rule_own_hostdev (ctx);
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
                      what, width, value, zv_rule_domain_name (ctx->domain));
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
                      "interpretation support was not checked", machine,
                      zv_rule_domain_name (ctx->domain));
  else if (!zv_qemu_version_at_least (&v, ZV_ISM_QEMU_MAJOR, ZV_ISM_QEMU_MINOR))
    zv_violation_add (out, rule, ctx, zv_rule_forced (ctx),
                      "use machine type s390-ccw-virtio-7.2 or later (or plain s390-ccw-virtio)",
                      "domain '%s' uses machine type %s; ISM needs zPCI interpretation, which "
                      "needs machine type 7.2 or later", zv_rule_domain_name (ctx->domain),
                      machine);
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
                        zv_rule_domain_name (ctx->domain));
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
    zv_violation_add (out, rule, ctx, zv_rule_forced (ctx), "install QEMU 7.2 or later",
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
                    zv_rule_domain_name (ctx->domain));
}

/* The zpci.* rules that need the target domain (run after the guest.* rules). */
const ZvRule zv_rules_zpci_domain[] = {
  { "zpci.used-by-domain", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "another domain (forceable) or the same domain already uses the PCI function, or the "
    "domain holds it twice",
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
const gsize zv_rules_zpci_domain_count = G_N_ELEMENTS (zv_rules_zpci_domain);
