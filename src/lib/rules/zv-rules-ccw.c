/* zvfio: vfio-ccw passthrough rules: which subchannels may become a
 * vfio_ccw-io mdev parent, and what must hold before defining or starting one.
 * Each rule is a predicate over a ZvRuleContext; see docs/rules.md. */
#include "zv-rules.h"
#include "zv-domain.h"
#include "zv-driverctl.h"
#include "zv-hostinfo.h"

#include <string.h>

#define VFIO_CCW_DRIVER "vfio_ccw"

/* The devno of the subchannel's device (ccw device or dev_busid), or NULL. */
static const char *
sch_devno (const ZvSubchannel *sch)
{
  if (sch->device != NULL)
    return sch->device->id;
  return sch->dev_busid;
}

/* Sets *OUT to the devno of the subchannel's device: the ccw device's, loaded
 * parsed; else its dev_busid attribute, parsed here. FALSE when it has none. */
static gboolean
sch_devno_busid (const ZvSubchannel *sch, ZvBusId *out)
{
  if (sch->device != NULL)
    {
      *out = sch->device->busid;
      return TRUE;
    }
  return sch->dev_busid != NULL && zv_parse_busid (sch->dev_busid, out);
}

/* TRUE when the rules look at an I/O subchannel (ccw rules that need one). */
static gboolean
has_io_subchannel (const ZvRuleContext *ctx)
{
  const ZvTarget *target = ctx->target;
  return target->sch != NULL && target->sch->type == ZV_SCH_TYPE_IO;
}

/* TRUE when the context names a ccw id that has no subchannel on this host. */
static gboolean
missing_subchannel (const ZvRuleContext *ctx, ZvBusId *id)
{
  const ZvTarget *target = ctx->target;
  const ZvId *requested = &target->requested;   /* parsed where it came in */
  if (target->sch != NULL || target->pci != NULL)
    return FALSE;
  if (requested->kind != ZV_ID_BUSID && requested->kind != ZV_ID_DEVNO &&
      requested->kind != ZV_ID_SUBCHANNEL)
    return FALSE;
  *id = requested->busid;
  return TRUE;
}

/* TRUE when bus id ID is listed in the host's /proc/cio_ignore. */
static gboolean
is_cio_ignored (const ZvHostFacts *facts, const ZvBusId *id)
{
  return facts->cio_ignore != NULL && zv_cio_ignore_contains (facts->cio_ignore, id);
}

/* The facts about CTX's subchannel for RULE_ID; NULL after adding an error
 * violation when they were not read (the rule fails closed). */
static const ZvCcwFacts *
ccw_facts (const ZvRuleContext *ctx, const char *rule_id, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  const ZvCcwFacts *facts = zv_host_facts_ccw (ctx->facts, target->sch->id);
  if (facts == NULL)
    zv_violation_add (out, zv_rules_find (rule_id), ctx, ZV_FINDING_STRICT, NULL,
                      "cannot check this rule: the host facts of subchannel %s were not read",
                      target->sch->id);
  return facts;
}

/* ccw.no-subchannel: the mdev parent named is not a subchannel of this host. */
static void
check_no_subchannel (const ZvRuleContext *ctx, GPtrArray *out)
{
  ZvBusId id;
  if (!missing_subchannel (ctx, &id) ||
      is_cio_ignored (ctx->facts, &id))
    return;
  char name[16];
  zv_format_busid (&id, name);
  if (ctx->target->subchannel_of_devno != NULL)
    return;   /* ccw.not-a-subchannel explains it */
  zv_violation_add (out, zv_rules_find ("ccw.no-subchannel"), ctx, ZV_FINDING_STRICT,
                    "pick an existing I/O subchannel ('lscss')",
                    "there is no subchannel %s and no ccw device %s on this host", name, name);
  zv_violation_set_cli_hint (out, "or: zvfio list ccw");
}

/* ccw.not-a-subchannel: a devno was given where a subchannel (mdev parent) is needed. */
static void
check_not_a_subchannel (const ZvRuleContext *ctx, GPtrArray *out)
{
  ZvBusId id;
  if (!missing_subchannel (ctx, &id))
    return;
  char name[16];
  zv_format_busid (&id, name);
  const char *sch = ctx->target->subchannel_of_devno;
  if (sch == NULL)
    return;
  g_autofree char *hint = g_strdup_printf ("use the subchannel as parent: -p %s", sch);
  zv_violation_add (out, zv_rules_find ("ccw.not-a-subchannel"), ctx, ZV_FINDING_STRICT, hint,
                    "%s is a ccw device number, not a subchannel; device %s sits on "
                    "subchannel %s", name, name, sch);
  zv_violation_set_cli_hint (out, "or: zvfio define %s, which resolves devnos", name);
}

/* ccw.cio-ignored: the devno is on the host's cio_ignore list. */
static void
check_cio_ignored (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  ZvBusId id;
  g_autofree char *hint = NULL;
  char name[16];
  gboolean missing = missing_subchannel (ctx, &id);
  if (ctx->facts->cio_ignore_error != NULL &&
      (missing || (has_io_subchannel (ctx) && sch_devno (target->sch) != NULL)))
    {
      zv_violation_add_unreadable (out, zv_rules_find ("ccw.cio-ignored"), ctx,
                                   ctx->facts->cio_ignore_error);
      return;
    }
  if (missing)
    {
      if (!is_cio_ignored (ctx->facts, &id))
        return;
      zv_format_busid (&id, name);
      hint = g_strdup_printf ("cio_ignore -r %s (or: echo free %s > /proc/cio_ignore), then "
                              "wait for the subchannel to appear", name, name);
      zv_violation_add (out, zv_rules_find ("ccw.cio-ignored"), ctx, ZV_FINDING_STRICT, hint,
                        "device %s is on the cio_ignore list, so Linux has not registered "
                        "its subchannel", name);
      return;
    }
  if (!has_io_subchannel (ctx) || !sch_devno_busid (target->sch, &id) ||
      !is_cio_ignored (ctx->facts, &id))
    return;
  const char *devno = sch_devno (target->sch);
  hint = g_strdup_printf ("remove it from the cio_ignore list: cio_ignore -r %s, and from the "
                          "cio_ignore= kernel parameter (zipl)", devno);
  zv_violation_add (out, zv_rules_find ("ccw.cio-ignored"), ctx, ZV_FINDING_RELAXED, hint,
                    "device %s is on the cio_ignore list: its subchannel will not come back "
                    "after a reboot or a purge", devno);
}

/* ccw.not-io-subchannel: only I/O subchannels (type 0) carry vfio_ccw-io mdevs. */
static void
check_not_io_subchannel (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->sch == NULL || target->sch->type == ZV_SCH_TYPE_IO)
    return;
  const char *kind = zv_subchannel_type_name (target->sch->type);
  /* the type name goes in parentheses: no article has to agree with it */
  g_autofree char *what = kind ? g_strdup_printf ("of type %d (%s)", target->sch->type, kind)
                               : g_strdup ("of unknown type");
  zv_violation_add (out, zv_rules_find ("ccw.not-io-subchannel"), ctx, ZV_FINDING_STRICT,
                    "pick an I/O subchannel (type 0) that holds the device to pass through "
                    "('lscss')",
                    "subchannel %s is %s; vfio-ccw only passes I/O subchannels (type 0) "
                    "through", target->sch->id, what);
  zv_violation_set_cli_hint (out, "or: zvfio list ccw");
}

/* ccw.qdio: QDIO devices (control unit 1731) cannot be driven through vfio-ccw. */
static void
check_qdio (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->sch == NULL || !target->sch->qdio)
    return;
  const ZvCcwDevice *dev = target->sch->device;
  zv_violation_add (out, zv_rules_find ("ccw.qdio"), ctx, ZV_FINDING_STRICT,
                    "give the guest its network or FCP storage through virtio devices "
                    "(virtio-net, virtio-blk, virtio-scsi) or a dedicated zPCI device instead",
                    "device %s (control unit %s, driver %s) is a QDIO device (OSA, "
                    "HiperSockets or FCP); vfio-ccw supports only non-QDIO I/O subchannels",
                    dev->id, dev->cutype, dev->driver ? dev->driver : "none");
}

/* ccw.online: the ccw device is online in the host. */
static void
check_online (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->sch == NULL || target->sch->device == NULL || target->sch->device->online == 0)
    return;
  const char *devno = target->sch->device->id;
  if (target->sch->device->online != 1)
    {
      /* a host fact that cannot be read fails closed: the device may be online and in use */
      zv_violation_add (out, zv_rules_find ("ccw.online"), ctx, ZV_FINDING_STRICT,
                        "make its 'online' attribute a readable regular file holding 0 or 1",
                        "cannot tell whether device %s is online in the host: its 'online' "
                        "attribute is missing, unreadable or malformed", devno);
      return;
    }
  if (ctx->allow_offline)
    {
      zv_violation_add (out, zv_rules_find ("ccw.online"), ctx, ZV_FINDING_RELAXED,
                        "none needed: zvfio takes it offline and sets it online again if "
                        "the preparation fails",
                        "device %s is online in the host and will be set offline", devno);
      return;
    }
  g_autofree char *hint = g_strdup_printf ("stop using it and set it offline: chccwdev -d %s "
                                           "(or let zvfio-hook do it: <zvfio:hook "
                                           "offline='allow'/> in the domain's metadata)",
                                           devno);
  zv_violation_add (out, zv_rules_find ("ccw.online"), ctx, ZV_FINDING_STRICT, hint,
                    "device %s is online in the host (driver %s)", devno,
                    target->sch->device->driver ? target->sch->device->driver : "none");
  zv_violation_set_cli_hint (out, "or let 'zvfio prepare --offline %s' do it", target->name);
}

/* The firmware device of ROLE when it is CTX's ccw device (the FCP device for
 * an FCP boot or dump); NULL otherwise, and after adding an error violation of
 * RULE_ID when the firmware block could not be read (the rule fails closed). */
static const ZvBootDevice *
ccw_boot_device (const ZvRuleContext *ctx, ZvBootRole role, const char *rule_id,
                 GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->sch == NULL)
    return NULL;
  const ZvBootDevice *boot = zv_boot_devices_get (ctx->facts->boot, role);
  const GError *error = zv_boot_device_error_for (boot, ZV_BOOT_BUS_CCW);
  if (error != NULL)
    {
      zv_violation_add_unreadable (out, zv_rules_find (rule_id), ctx, error);
      return NULL;
    }
  ZvBusId devno;
  if (!sch_devno_busid (target->sch, &devno) ||
      !zv_boot_device_is_ccw (boot, &devno))
    return NULL;
  return boot;
}

/* ccw.ipl-device: the host's own IPL device (or IPL FCP subchannel). */
static void
check_ipl_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *ipl = ccw_boot_device (ctx, ZV_BOOT_ROLE_IPL, "ccw.ipl-device", out);
  if (ipl == NULL)
    return;
  zv_violation_add (out, zv_rules_find ("ccw.ipl-device"), ctx, ZV_FINDING_STRICT,
                    "never pass the host's boot device to a guest; choose another device",
                    "device %s is the host's IPL device (ipl_type %s); the host booted from "
                    "it and still needs it", sch_devno (ctx->target->sch), ipl->type);
}

/* ccw.reipl-device: the device the host's next boot loads from (re-IPL), or
 * its FCP device. Never relaxed: the next reboot would fail. */
static void
check_reipl_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *reipl = ccw_boot_device (ctx, ZV_BOOT_ROLE_REIPL, "ccw.reipl-device",
                                               out);
  if (reipl == NULL)
    return;
  const char *devno = sch_devno (ctx->target->sch);
  gboolean fcp = strcmp (reipl->type, "fcp") == 0;
  zv_violation_add (out, zv_rules_find ("ccw.reipl-device"), ctx, ZV_FINDING_STRICT,
                    "point the host's next boot at another device first (chreipl; lsreipl "
                    "shows the setting), or choose another device",
                    "device %s is %s: the host's next boot loads %s it (reipl_type %s, %s); "
                    "with the device in a guest that reboot fails", devno,
                    fcp ? "the FCP device of the host's re-IPL" : "the host's re-IPL device",
                    fcp ? "through" : "from", reipl->type, reipl->file);
}

/* ccw.dump-device: the host's stand-alone dump device (dump_type not none),
 * or its FCP device. Never relaxed: the next crash could not be dumped. */
static void
check_dump_device (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvBootDevice *dump = ccw_boot_device (ctx, ZV_BOOT_ROLE_DUMP, "ccw.dump-device", out);
  if (dump == NULL)
    return;
  const char *devno = sch_devno (ctx->target->sch);
  gboolean fcp = strcmp (dump->type, "fcp") == 0;
  zv_violation_add (out, zv_rules_find ("ccw.dump-device"), ctx, ZV_FINDING_STRICT,
                    "configure another dump device first (DUMP_TYPE and DEVICE in "
                    "/etc/sysconfig/dumpconf, then systemctl restart dumpconf), or choose "
                    "another device",
                    "device %s is %s (dump_type %s, %s); with the device in a guest the next "
                    "crash cannot be dumped", devno,
                    fcp ? "the FCP device of the host's stand-alone dump"
                        : "the host's stand-alone dump device", dump->type, dump->file);
}

/* ccw.in-use: a DASD whose block devices are mounted or held in the host. */
static void
check_in_use (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (target->sch == NULL || target->sch->device == NULL)
    return;
  const ZvCcwFacts *facts = ccw_facts (ctx, "ccw.in-use", out);
  if (facts == NULL)
    return;
  if (facts->block_error != NULL)
    {
      zv_violation_add_unreadable (out, zv_rules_find ("ccw.in-use"), ctx, facts->block_error);
      return;
    }
  if (facts->block_users->len == 0)
    return;
  g_autofree char *list = zv_rule_join_users (facts->block_users);
  zv_violation_add (out, zv_rules_find ("ccw.in-use"), ctx, ZV_FINDING_STRICT,
                    "unmount its file systems, swapoff its swap space and remove the holders "
                    "(LVM, dm-crypt, md) first",
                    "device %s is in use in the host: %s", target->sch->device->id, list);
}

/* ccw.not-vfio-bound: starting or attaching needs the subchannel on vfio_ccw. */
static void
check_not_vfio_bound (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!has_io_subchannel (ctx) ||
      g_strcmp0 (target->sch->driver, VFIO_CCW_DRIVER) == 0)
    return;
  g_autofree char *hint = g_strdup_printf ("driverctl -b css set-override %s vfio_ccw",
                                           target->sch->id);
  zv_violation_add (out, zv_rules_find ("ccw.not-vfio-bound"), ctx, ZV_FINDING_STRICT, hint,
                    "subchannel %s is bound to %s, not to vfio_ccw", target->sch->id,
                    target->sch->driver ? target->sch->driver : "no driver");
  zv_violation_set_cli_hint (out, "or: zvfio prepare %s", target->name);
}

/* ccw.mdev-type: the definition's type must be vfio_ccw-io (and match -t). */
static void
check_mdev_type (const ZvRuleContext *ctx, GPtrArray *out)
{
  const char *expected = ctx->mdev_type ? ctx->mdev_type : ZV_VFIO_CCW_MDEV_TYPE;
  if (ctx->config != NULL && g_strcmp0 (ctx->config->mdev_type, expected) != 0)
    zv_violation_add (out, zv_rules_find ("ccw.mdev-type"), ctx, ZV_FINDING_STRICT,
                      "write \"mdev_type\": \"" ZV_VFIO_CCW_MDEV_TYPE "\" in the definition",
                      "the definition's mdev_type '%s' does not match the mdev type '%s'",
                      ctx->config->mdev_type, expected);
  else if (ctx->mdev_type != NULL && strcmp (ctx->mdev_type, ZV_VFIO_CCW_MDEV_TYPE) != 0)
    zv_violation_add (out, zv_rules_find ("ccw.mdev-type"), ctx, ZV_FINDING_STRICT,
                      "subchannels offer only the type " ZV_VFIO_CCW_MDEV_TYPE,
                      "mdev type '%s' is not " ZV_VFIO_CCW_MDEV_TYPE, ctx->mdev_type);
}

/* ccw.mdev-config: vfio_ccw-io definitions carry no attributes. */
static void
check_mdev_config (const ZvRuleContext *ctx, GPtrArray *out)
{
  if (ctx->config == NULL || ctx->config->n_attrs == 0)
    return;
  zv_violation_add (out, zv_rules_find ("ccw.mdev-config"), ctx, ZV_FINDING_STRICT,
                    "remove the attributes: use \"attrs\": []",
                    "the definition has %u attribute(s); vfio_ccw-io mdevs have none",
                    ctx->config->n_attrs);
}

/* ccw.no-instance: the subchannel's single vfio_ccw-io instance is taken. */
static void
check_no_instance (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!has_io_subchannel (ctx) ||
      g_strcmp0 (target->sch->driver, VFIO_CCW_DRIVER) != 0)
    return;
  const ZvMdevType *type = NULL;
  for (guint i = 0; target->sch->mdev_types && i < target->sch->mdev_types->len; i++)
    {
      const ZvMdevType *t = g_ptr_array_index (target->sch->mdev_types, i);
      if (strcmp (t->id, ZV_VFIO_CCW_MDEV_TYPE) == 0)
        type = t;
    }
  if (type != NULL && type->available_instances != 0)
    return;
  const char *active = NULL;
  for (guint i = 0; target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (target->sch->mdevs, i);
      if (m->active)
        active = m->uuid;
    }
  if (type == NULL)
    {
      zv_violation_add (out, zv_rules_find ("ccw.no-instance"), ctx, ZV_FINDING_STRICT,
                        "rebind the subchannel to vfio_ccw",
                        "subchannel %s offers no " ZV_VFIO_CCW_MDEV_TYPE " mdev type",
                        target->sch->id);
      zv_violation_set_cli_hint (out, "zvfio release %s, then zvfio prepare %s",
                                 target->name, target->name);
    }
  else if (active != NULL)
    {
      g_autofree char *hint = g_strdup_printf ("use the running mdev %s, or stop it first: "
                                               "'mdevctl stop -u %s'", active, active);
      zv_violation_add (out, zv_rules_find ("ccw.no-instance"), ctx, ZV_FINDING_STRICT, hint,
                        "subchannel %s has no free " ZV_VFIO_CCW_MDEV_TYPE " instance: mdev "
                        "%s is already running on it", target->sch->id, active);
      zv_violation_set_cli_hint (out, "or: zvfio stop %s", active);
    }
  else
    zv_violation_add (out, zv_rules_find ("ccw.no-instance"), ctx, ZV_FINDING_STRICT,
                      "stop the mdev that uses it ('mdevctl list')",
                      "subchannel %s has no free " ZV_VFIO_CCW_MDEV_TYPE " instance "
                      "(available_instances is 0)", target->sch->id);
}

/* TRUE when SCH has a definition with start=auto. */
static gboolean
has_auto_definition (const ZvSubchannel *sch)
{
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (m->defined && g_strcmp0 (m->start, "auto") == 0)
        return TRUE;
    }
  return FALSE;
}

/* ccw.autostart-not-persistent: an autostart mdev needs a persistent vfio_ccw binding. */
static void
check_autostart_persistent (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!has_io_subchannel (ctx))
    return;
  gboolean new_definition = zv_operation_has (ctx, ZV_OP_WRITES_DEFINITION);
  gboolean defining = new_definition && ctx->autostart;
  gboolean existing = !new_definition && has_auto_definition (target->sch);
  if (!defining && !existing)
    return;
  const ZvCcwFacts *facts = ccw_facts (ctx, "ccw.autostart-not-persistent", out);
  if (facts == NULL)
    return;
  if (facts->driverctl_error != NULL)
    {
      zv_violation_add_unreadable (out, zv_rules_find ("ccw.autostart-not-persistent"), ctx,
                                   facts->driverctl_error);
      return;
    }
  if (g_strcmp0 (facts->driverctl_driver, VFIO_CCW_DRIVER) == 0)
    return;
  ZvFinding finding = defining && !ctx->facts->allow_volatile_autostart
                      ? ZV_FINDING_STRICT : ZV_FINDING_RELAXED;
  /* only a refusal can be accepted: a warning names no variable to set */
  g_autofree char *hint = g_strdup_printf ("driverctl -b css set-override %s vfio_ccw%s",
                                           target->sch->id,
                                           finding == ZV_FINDING_STRICT
                                             ? "; to accept it, set "
                                               "ZVFIO_ALLOW_VOLATILE_AUTOSTART=1" : "");
  g_autofree char *override = zv_driverctl_path (ZV_BUS_CSS, target->sch->id);
  zv_violation_add (out, zv_rules_find ("ccw.autostart-not-persistent"), ctx, finding, hint,
                    "an autostart mdev on subchannel %s needs the vfio_ccw binding after a "
                    "reboot, but %s does not name vfio_ccw", target->sch->id, override);
  zv_violation_set_cli_hint (out, "or: zvfio prepare %s --persist", target->name);
}

/* The device the next boot loads from (what the kernel's cio_ignore=ipldev names
 * then: the re-IPL device of a ccw or FCP re-IPL), or NULL. */
static const ZvBusId *
next_ipl_device (const ZvHostFacts *facts)
{
  const ZvBootDevice *reipl = zv_boot_devices_get (facts->boot, ZV_BOOT_ROLE_REIPL);
  return reipl->error == NULL && reipl->bus == ZV_BOOT_BUS_CCW ? &reipl->devno : NULL;
}

/* ccw.boot-config: at the next boot zdev sets the device online (the host claims
 * it while driverctl hands its subchannel to vfio_ccw), or the cio_ignore= kernel
 * parameter hides it (its subchannel, and so the binding, never comes back). */
static void
check_boot_config (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  const ZvBootConfig *boot = ctx->facts->boot_config;
  const ZvRule *rule = zv_rules_find ("ccw.boot-config");
  ZvBusId id;
  if (boot == NULL || !has_io_subchannel (ctx) || !sch_devno_busid (target->sch, &id))
    return;
  const char *devno = sch_devno (target->sch);
  const ZvZdevRule *zdev = boot->rules_error ? NULL : zv_boot_config_zdev_online (boot, &id);
  if (boot->rules_error != NULL)
    zv_violation_add_unreadable (out, rule, ctx, boot->rules_error);
  else if (zdev != NULL)
    {
      g_autofree char *hint = g_strdup_printf ("remove zdev's persistent configuration of it: "
                                               "chzdev -d --persistent %s %s", zdev->type,
                                               zdev->id);
      zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, hint,
                        "device %s is set online at boot by zdev (" ZV_ZDEV_RULES_DIR "/%s): "
                        "the host takes it at every boot while driverctl binds subchannel %s "
                        "to vfio_ccw", devno, zdev->file, target->sch->id);
    }
  if (boot->cmdline_error != NULL)
    zv_violation_add_unreadable (out, rule, ctx, boot->cmdline_error);
  else if (zv_boot_config_ignores (boot, &id, next_ipl_device (ctx->facts)))
    {
      const char *last = g_ptr_array_index (boot->cio_ignore, boot->cio_ignore->len - 1);
      g_autoptr (GString) all = g_string_new (NULL);
      for (guint i = 0; i < boot->cio_ignore->len; i++)
        g_string_append_printf (all, "%scio_ignore=%s", i ? " " : "",
                                (const char *) g_ptr_array_index (boot->cio_ignore, i));
      g_autofree char *hint = g_strdup_printf ("free it on the kernel command line: "
                                               "cio_ignore=%s,!%s in the zipl parameters "
                                               "(/etc/zipl.conf), then run zipl", last, devno);
      zv_violation_add (out, rule, ctx, ZV_FINDING_RELAXED, hint,
                        "device %s is ignored at boot (%s on " ZV_PROC_CMDLINE "): subchannel "
                        "%s does not come back after a reboot, nor does its vfio_ccw binding",
                        devno, all->str, target->sch->id);
    }
}

const ZvRule zv_rules_ccw[] = {
  { "ccw.no-subchannel", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_DEFINE | ZV_IN_START,
    "the mdev parent names no subchannel or ccw device of this host",
    check_no_subchannel },
  { "ccw.not-a-subchannel", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_DEFINE | ZV_IN_START,
    "a ccw device number was given where the subchannel (mdev parent) is needed",
    check_not_a_subchannel },
  { "ccw.cio-ignored", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the device number is on the cio_ignore list (warning if its subchannel still exists)",
    check_cio_ignored },
  { "ccw.not-io-subchannel", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "only I/O subchannels (type 0) can be passed through, not CHSC/message/EADM",
    check_not_io_subchannel },
  { "ccw.qdio", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "QDIO devices (control unit 1731: OSA, HiperSockets, FCP) are not supported by vfio-ccw",
    check_qdio },
  { "ccw.online", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING,
    ZV_IN_CHECK | ZV_IN_START | ZV_IN_ATTACH | ZV_IN_PREPARE,
    "the ccw device is online in the host (warning with prepare --offline)",
    check_online },
  { "ccw.ipl-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the device is the host's IPL device (ccw/eckd IPL, or the FCP IPL subchannel)",
    check_ipl_device },
  { "ccw.reipl-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the device is the host's re-IPL device (/sys/firmware/reipl: the next boot), or its FCP "
    "device",
    check_reipl_device },
  { "ccw.dump-device", ZV_SEVERITY_ERROR, ZV_SEVERITY_ERROR, ZV_OPS_ALL,
    "the device is the host's stand-alone dump device (/sys/firmware/dump), or its FCP device",
    check_dump_device },
  { "ccw.in-use", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the DASD is mounted, used as swap or held (LVM, dm, md) in the host",
    check_in_use },
  { "ccw.not-vfio-bound", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_START | ZV_IN_ATTACH,
    "start/attach: the subchannel is not bound to vfio_ccw",
    check_not_vfio_bound },
  { "ccw.mdev-type", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the mdev type is not vfio_ccw-io or the definition's mdev_type does not match",
    check_mdev_type },
  { "ccw.mdev-config", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the mdev definition is malformed or has attributes (vfio_ccw-io takes none)",
    check_mdev_config },
  { "ccw.no-instance", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_START,
    "start: the subchannel has no free vfio_ccw-io instance",
    check_no_instance },
  { "ccw.autostart-not-persistent", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING,
    ZV_IN_CHECK | ZV_IN_DEFINE | ZV_IN_PREPARE,
    "an autostart mdev needs a persistent vfio_ccw binding (driverctl override)",
    check_autostart_persistent },
  { "ccw.boot-config", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_IN_CHECK | ZV_IN_PREPARE,
    "check and prepare --persist: zdev sets the device online at boot, or the cio_ignore= "
    "kernel parameter hides it at boot (a warning; an error when they cannot be read)",
    check_boot_config },
};
const gsize zv_rules_ccw_count = G_N_ELEMENTS (zv_rules_ccw);

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
                          target->sch->id, mdev->uuid, zv_rule_domain_name (domain));
      else
        {
          zv_violation_add (out, rule, ctx, zv_rule_forced (ctx),
                            "detach it from that domain first",
                            "subchannel %s (mdev %s) is already used by domain '%s'",
                            target->sch->id, mdev->uuid, zv_rule_domain_name (domain));
          zv_violation_set_cli_hint (out, "--force if the domains never run at the same time");
        }
    }
}

/* ccw.used-by-domain, the target domain itself: it holds the subchannel more
 * than once (one mdev in two hostdevs, or two mdevs of it), whatever the operation. */
static void
report_mdev_held_twice (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvSubchannel *sch = ctx->target->sch;
  g_autoptr (GString) mdevs = g_string_new (NULL);
  guint held = 0;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *mdev = g_ptr_array_index (sch->mdevs, i);
      guint n = zv_domain_count_mdev (ctx->domain, mdev->uuid);
      if (n == 0)
        continue;
      g_string_append_printf (mdevs, "%s%s", held > 0 ? ", " : "", mdev->uuid);
      if (n > 1)
        g_string_append_printf (mdevs, " %u times", n);
      held += n;
    }
  if (held < 2)
    return;
  zv_violation_add (out, zv_rules_find ("ccw.used-by-domain"), ctx, ZV_FINDING_STRICT,
                    "keep one <hostdev> for the subchannel in the domain",
                    "domain '%s' holds subchannel %s in %u hostdevs (mdev %s); a domain can "
                    "hold a host device only once", zv_rule_domain_name (ctx->domain), sch->id,
                    held, mdevs->str);
}

/* ccw.used-by-domain: another defined domain (or, when attaching, the target
 * domain itself) already uses an mdev of this subchannel, or the target domain
 * holds the subchannel twice. */
static void
check_ccw_used_by_domain (const ZvRuleContext *ctx, GPtrArray *out)
{
  if (ctx->target->sch == NULL)
    return;
  if (ctx->domain && zv_operation_has (ctx, ZV_OP_ADDS_TO_DOMAIN))
    report_mdev_users (ctx, ctx->domain, TRUE, out);
  else if (ctx->domain)
    report_mdev_held_twice (ctx, out);
  for (guint i = 0; ctx->other_domains && i < ctx->other_domains->len; i++)
    {
      const ZvDomain *other = g_ptr_array_index (ctx->other_domains, i);
      if (ctx->domain && g_strcmp0 (other->name, ctx->domain->name) == 0)
        continue;
      report_mdev_users (ctx, other, FALSE, out);
    }
}

/* The ccw.* rules that need the target domain (run after the guest.* rules). */
const ZvRule zv_rules_ccw_domain[] = {
  { "ccw.used-by-domain", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "another domain (forceable) or the same domain already uses the subchannel's mdev, "
    "or the domain holds it twice",
    check_ccw_used_by_domain },
};
const gsize zv_rules_ccw_domain_count = G_N_ELEMENTS (zv_rules_ccw_domain);
