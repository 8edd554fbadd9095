/* zvfio: ZvHostFacts, the host facts the rules consult, read once. */
#include "zv-host-facts.h"
#include "zv-domain.h"
#include "zv-driverctl.h"
#include "zv-error.h"

#include <string.h>

/* Frees the facts about one ccw device. */
static void
ccw_facts_free (ZvCcwFacts *ccw)
{
  if (ccw->block_users)
    g_ptr_array_unref (ccw->block_users);
  g_clear_error (&ccw->block_error);
  g_free (ccw->driverctl_driver);
  g_clear_error (&ccw->driverctl_error);
  g_free (ccw);
}

/* Frees the facts about one PCI function. */
static void
pci_facts_free (ZvPciFacts *pci)
{
  g_ptr_array_unref (pci->users);
  g_clear_error (&pci->error);
  g_free (pci);
}

/* Frees the facts about one emulator. */
static void
emulator_facts_free (ZvEmulatorFacts *emulator)
{
  g_clear_error (&emulator->error);
  g_free (emulator);
}

/* Reads the host-wide facts of ROOT. */
ZvHostFacts *
zv_host_facts_new (ZvRoot *root)
{
  ZvHostFacts *facts = g_new0 (ZvHostFacts, 1);
  facts->root = root;
  facts->boot = root != NULL ? zv_boot_devices_read (root) : zv_boot_devices_new ();
  if (root != NULL)
    zv_host_read_cio_ignore (root, &facts->cio_ignore, &facts->cio_ignore_error);
  if (root != NULL)
    facts->usage = zv_host_usage_new (root);
  facts->ccw = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) ccw_facts_free);
  facts->pci = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) pci_facts_free);
  facts->emulators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) emulator_facts_free);
  facts->allow_volatile_autostart =
    g_strcmp0 (g_getenv ("ZVFIO_ALLOW_VOLATILE_AUTOSTART"), "1") == 0;
  return facts;
}

/* Frees the facts. */
void
zv_host_facts_free (ZvHostFacts *facts)
{
  if (facts == NULL)
    return;
  zv_boot_devices_free (facts->boot);
  if (facts->cio_ignore)
    g_array_unref (facts->cio_ignore);
  g_clear_error (&facts->cio_ignore_error);
  g_hash_table_unref (facts->ccw);
  g_hash_table_unref (facts->pci);
  zv_host_usage_free (facts->usage);
  g_free (facts->machine_type);
  g_clear_error (&facts->machine_type_error);
  g_free (facts->kvm_zpci_why);
  g_hash_table_unref (facts->emulators);
  zv_boot_config_free (facts->boot_config);
  g_free (facts);
}

/* Reads the boot configuration once. */
void
zv_host_facts_read_boot_config (ZvHostFacts *facts)
{
  if (facts->boot_config == NULL && facts->root != NULL)
    facts->boot_config = zv_boot_config_read (facts->root);
}

/* Adds the facts about subchannel SCH. */
void
zv_host_facts_add_subchannel (ZvHostFacts *facts, const ZvSubchannel *sch)
{
  if (g_hash_table_contains (facts->ccw, sch->id))
    return;
  ZvCcwFacts *ccw = g_new0 (ZvCcwFacts, 1);
  ccw->block_users = g_ptr_array_new_with_free_func (g_free);
  if (sch->device != NULL && facts->usage != NULL)
    zv_host_usage_ccw_device (facts->usage, sch->device->path, ccw->block_users,
                              &ccw->block_error);
  if (facts->root != NULL)
    zv_driverctl_read (facts->root, ZV_BUS_CSS, sch->id, &ccw->driverctl_driver,
                       &ccw->driverctl_error);
  g_hash_table_insert (facts->ccw, g_strdup (sch->id), ccw);
}

/* Reads the machine type and KVM's zPCI interpretation capability once. */
static void
read_zpci_facts (ZvHostFacts *facts)
{
  if (facts->zpci_read)
    return;
  facts->zpci_read = TRUE;
  facts->kvm_zpci = ZV_KVM_ZPCI_UNKNOWN;
  if (facts->root == NULL)
    {
      facts->kvm_zpci_why = g_strdup ("no host root to query");
      return;
    }
  zv_host_read_machine_type (facts->root, &facts->machine_type, &facts->machine_type_error);
  facts->kvm_zpci = zv_host_kvm_zpci_interpretation (facts->root, &facts->kvm_zpci_why);
}

/* Adds the facts an ISM function FN needs. */
void
zv_host_facts_add_pci (ZvHostFacts *facts, const ZvPciFunction *fn, const ZvDomain *domain)
{
  if (!g_hash_table_contains (facts->pci, fn->address))
    {
      ZvPciFacts *pci = g_new0 (ZvPciFacts, 1);
      pci->users = g_ptr_array_new_with_free_func (g_free);
      if (facts->usage != NULL && fn->path == NULL)
        g_set_error (&pci->error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "PCI function %s has no "
                     "sysfs directory to read", fn->address);
      else if (facts->usage != NULL)
        zv_host_usage_pci_function (facts->usage, fn->path, pci->users, &pci->error);
      g_hash_table_insert (facts->pci, g_strdup (fn->address), pci);
    }
  if (!fn->ism)
    return;
  read_zpci_facts (facts);
  const char *emulator = domain ? domain->emulator : NULL;
  if (emulator == NULL || g_hash_table_contains (facts->emulators, emulator))
    return;
  ZvEmulatorFacts *facts_of = g_new0 (ZvEmulatorFacts, 1);
  /* a fake root's emulator is not the host's: only run it on the system root */
  facts_of->checked = facts->root != NULL && zv_root_is_system (facts->root);
  if (facts_of->checked)
    zv_qemu_emulator_version (emulator, &facts_of->version, &facts_of->error);
  g_hash_table_insert (facts->emulators, g_strdup (emulator), facts_of);
}

/* Adds the facts about TARGET's device. */
void
zv_host_facts_add_target (ZvHostFacts *facts, const ZvTarget *target, const ZvDomain *domain)
{
  if (target != NULL && target->remote != NULL)
    return;   /* another host's device: nothing of that host is readable here */
  if (target != NULL && target->sch != NULL)
    zv_host_facts_add_subchannel (facts, target->sch);
  if (target != NULL && target->pci != NULL)
    zv_host_facts_add_pci (facts, target->pci, domain);
}

/* The facts about subchannel SCH_ID. */
const ZvCcwFacts *
zv_host_facts_ccw (const ZvHostFacts *facts, const char *sch_id)
{
  return g_hash_table_lookup (facts->ccw, sch_id);
}

/* The facts about PCI function ADDRESS. */
const ZvPciFacts *
zv_host_facts_pci (const ZvHostFacts *facts, const char *address)
{
  return g_hash_table_lookup (facts->pci, address);
}

/* The facts about EMULATOR. */
const ZvEmulatorFacts *
zv_host_facts_emulator (const ZvHostFacts *facts, const char *emulator)
{
  return emulator ? g_hash_table_lookup (facts->emulators, emulator) : NULL;
}
