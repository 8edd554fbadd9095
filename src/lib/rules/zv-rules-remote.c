/* zvfio: which rules can judge a device of a remote host (issue 12 §5). zvfio
 * reads no file of a remote host: it knows what libvirt's node devices say
 * (subchannels with their driver, channel device address, mdev types and
 * mdevs, online ccw devices, PCI functions with vendor/device and driver) and
 * the domain XML. A rule runs on a remote target only when this table names
 * it; every other rule (cio_ignore, the IPL device, DASD users, driverctl,
 * QDIO, MIO, KVM, QEMU) is left to zvfio-hook on that host, which runs every
 * rule at guest start. An allow-list, so that a new rule is never passed
 * silently for a remote host. */
#include "zv-rules.h"
#include "zv-error.h"

#include <string.h>

/* What a rule needs beyond the node devices and the domain. */
typedef enum {
  REMOTE_NODEDEV,          /* node-device facts and the domain are enough */
  REMOTE_NEEDS_DRIVER,     /* also the device's driver (real libvirt shows it; the
                            * test driver drops it) */
} RemoteNeed;

/* The rules a remote target can be checked against, with what they need. */
static const struct {
  const char *id;
  RemoteNeed need;
} remote_rules[] = {
  { "ccw.no-subchannel", REMOTE_NODEDEV },
  { "ccw.not-a-subchannel", REMOTE_NODEDEV },
  { "ccw.not-io-subchannel", REMOTE_NODEDEV },   /* libvirt lists I/O subchannels only */
  { "ccw.online", REMOTE_NODEDEV },              /* libvirt 9.0 lists online ccw devices only */
  { "ccw.not-vfio-bound", REMOTE_NEEDS_DRIVER },
  { "ccw.mdev-type", REMOTE_NODEDEV },
  { "ccw.mdev-config", REMOTE_NODEDEV },
  { "ccw.no-instance", REMOTE_NODEDEV },         /* mdev_types availableInstances */
  { "ccw.used-by-domain", REMOTE_NODEDEV },
  { "zpci.ism.driver", REMOTE_NEEDS_DRIVER },    /* ISM: vendor/device ids */
  { "zpci.vfio-bound", REMOTE_NEEDS_DRIVER },
  { "zpci.used-by-domain", REMOTE_NODEDEV },
  { "zpci.uid-range", REMOTE_NODEDEV },
  { "zpci.uid-dup", REMOTE_NODEDEV },
  { "zpci.fid-dup", REMOTE_NODEDEV },
  { "zpci.secure-execution", REMOTE_NODEDEV },
  { "guest.cssid", REMOTE_NODEDEV },
  { "guest.devno-dup", REMOTE_NODEDEV },
};

/* TRUE when TARGET's driver is known (libvirt showed a <driver>). */
static gboolean
driver_known (const ZvTarget *target)
{
  if (target->sch != NULL)
    return target->sch->driver != NULL;
  return target->pci != NULL && target->pci->driver != NULL;
}

/* TRUE when RULE can judge TARGET from a remote libvirt's facts. */
gboolean
zv_rule_checkable_remotely (const ZvRule *rule, const ZvTarget *target)
{
  for (gsize i = 0; i < G_N_ELEMENTS (remote_rules); i++)
    if (strcmp (remote_rules[i].id, rule->id) == 0)
      return remote_rules[i].need == REMOTE_NODEDEV || driver_known (target);
  return FALSE;
}

/* Checks that every id of the remote table names a rule (a unit test runs it). */
gboolean
zv_rules_remote_table_check (GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (remote_rules); i++)
    if (zv_rules_find (remote_rules[i].id) == NULL)
      {
        g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "remote rule table names '%s', "
                     "which is no rule", remote_rules[i].id);
        return FALSE;
      }
  return TRUE;
}

typedef struct {
  const ZvRuleContext *ctx;
  GPtrArray *ids;
} DeferredData;

/* zv_rules_foreach callback of zv_rules_deferred_remotely. */
static void
add_deferred (const ZvRule *rule, gpointer data)
{
  DeferredData *dd = data;
  const ZvTarget *target = dd->ctx->target;
  /* only the rules of the target's kind say anything about it */
  if ((target->sch == NULL && g_str_has_prefix (rule->id, "ccw.")) ||
      (target->pci == NULL && g_str_has_prefix (rule->id, "zpci.")))
    return;
  if ((rule->ops & ZV_OP_BIT (dd->ctx->op)) && !zv_rule_checkable_remotely (rule, target))
    g_ptr_array_add (dd->ids, (gpointer) rule->id);
}

/* The ids (not owned) of the rules of CTX's operation that cannot judge its
 * remote target here: only zvfio-hook on that host checks them. */
GPtrArray *
zv_rules_deferred_remotely (const ZvRuleContext *ctx)
{
  DeferredData dd = { ctx, g_ptr_array_new () };
  zv_rules_foreach (add_deferred, &dd);
  return dd.ids;
}
