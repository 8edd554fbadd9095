/* zvfio: zPCI passthrough rules, ISM in particular (non-MIO, vfio-pci,
 * zPCI interpretation); see docs/rules.md and facts kernel-and-qemu.md §6. */
#include "zv-rules.h"

#include <string.h>

#define VFIO_PCI_DRIVER "vfio-pci"

/* The table row of rule ID (the table is below). */
static const ZvRule *rule (const char *id);

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
  zv_violation_add (out, rule ("zpci.ism.mio"), ctx, ZV_FINDING_STRICT,
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
  if (zv_operation_has (ctx, ZV_OP_BINDS))
    {
      zv_violation_add (out, rule ("zpci.ism.driver"), ctx, ZV_FINDING_RELAXED,
                        "none needed: zvfio binds it to vfio-pci; make sure SMC-D in the "
                        "host does not use it",
                        "ISM function %s is bound to %s and will be rebound to vfio-pci", addr,
                        target->pci->driver ? target->pci->driver : "no driver");
      return;
    }
  g_autofree char *hint = g_strdup_printf ("zvfio prepare %s (or: driverctl set-override %s "
                                           "vfio-pci)", addr, addr);
  if (target->pci->driver == NULL)
    zv_violation_add (out, rule ("zpci.ism.driver"), ctx, ZV_FINDING_STRICT, hint,
                      "ISM function %s is bound to no driver; passthrough needs vfio-pci",
                      addr);
  else
    zv_violation_add (out, rule ("zpci.ism.driver"), ctx, ZV_FINDING_STRICT, hint,
                      "ISM function %s is bound to %s%s; passthrough needs vfio-pci", addr,
                      target->pci->driver,
                      strcmp (target->pci->driver, "ism") == 0 ? " (the host's SMC-D driver)" : "");
}

/* zpci.ism.interpretation: ISM in a guest needs KVM zPCI interpretation. */
static void
check_ism_interpretation (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!is_ism (ctx))
    return;
  const ZvRule *row = rule ("zpci.ism.interpretation");
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

/* zpci.vfio-bound: attaching or starting needs the function on vfio-pci. */
static void
check_vfio_bound (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->pci == NULL || is_ism (ctx) ||
      g_strcmp0 (target->pci->driver, VFIO_PCI_DRIVER) == 0)
    return;
  const char *addr = target->pci->address;
  g_autofree char *hint = g_strdup_printf ("zvfio prepare %s (or: driverctl set-override %s "
                                           "vfio-pci), or use managed='yes' in the hostdev",
                                           addr, addr);
  zv_violation_add (out, rule ("zpci.vfio-bound"), ctx, ZV_FINDING_STRICT, hint,
                    "zPCI function %s is bound to %s, not to vfio-pci", addr,
                    target->pci->driver ? target->pci->driver : "no driver");
}

const ZvRule zv_rules_zpci[] = {
  { "zpci.ism.mio", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "an ISM function must not use MIO instructions (mio_enabled must read 0)",
    check_ism_mio },
  { "zpci.ism.driver", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING,
    ZV_IN_CHECK | ZV_IN_START | ZV_IN_ATTACH | ZV_IN_PREPARE,
    "an ISM function must be bound to vfio-pci, not ism (warning for prepare)",
    check_ism_driver },
  { "zpci.ism.interpretation", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "ISM needs KVM zPCI interpretation (KVM_CAP_S390_ZPCI_OP, z14 or newer)",
    check_ism_interpretation },
  { "zpci.vfio-bound", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_START | ZV_IN_ATTACH,
    "attach/start: the zPCI function is not bound to vfio-pci",
    check_vfio_bound },
};
const gsize zv_rules_zpci_count = G_N_ELEMENTS (zv_rules_zpci);

/* The table row of rule ID. */
static const ZvRule *
rule (const char *id)
{
  for (gsize i = 0; i < zv_rules_zpci_count; i++)
    if (strcmp (zv_rules_zpci[i].id, id) == 0)
      return &zv_rules_zpci[i];
  g_assert_not_reached ();
}
