/* zvfio apply FILE [--check] [--json]: makes the host match a desired-state
 * document (zv-state-doc.h). Per device it plans the steps that are missing,
 * each with the rules' verdict:
 *
 *   passthrough:  prepare -> define -> attach   (bind, mdev definition, hostdev)
 *   host:         detach -> stop -> undefine -> release   (the reverse)
 *
 * --check prints the plan and changes nothing. Otherwise each device's steps
 * run in that order through the same library steps as the commands (zv_prepare
 * and zv_release with their locks and binding records; define and attach under
 * an attach-define intent record; mdevctl; libvirt): a device whose step fails
 * or is refused is rolled back (left as it was) and reported, and the others go
 * on. Exit: 0 nothing to do, 10 (ZV_EXIT_CHANGED) changed (with --check: would
 * change), else the failure's code (3 a rule refused a step). */
#include "cli-state.h"
#include "cli-libvirt.h"
#include "cli-mdev-intent.h"
#include "cli-remote-mdev.h"
#include "zv-driverctl.h"
#include "zv-fault.h"
#include "zv-hostdev.h"
#include "zv-hostdev-plan.h"
#include "zv-json.h"
#include "zv-json-model.h"
#include "zv-mdev.h"
#include "zv-mdevctl.h"
#include "zv-prepare.h"
#include "zv-signal.h"
#include "zv-state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How long a step waits for another zvfio working on the same device. */
#define LOCK_TIMEOUT_MS 10000

/* The kinds of step, in the order a device's steps run. */
typedef enum {
  STEP_PREPARE, STEP_DEFINE, STEP_ATTACH,                  /* passthrough */
  STEP_DETACH, STEP_STOP, STEP_UNDEFINE, STEP_RELEASE,     /* back to the host */
} StepKind;

/* The step names of the output. */
static const char *const step_names[] = {
  "prepare", "define", "attach", "detach", "stop", "undefine", "release",
};

/* One step of a device's plan. */
typedef struct {
  StepKind kind;
  char *detail;            /* what it does, for people */
  GPtrArray *violations;   /* ZvViolation*: the rules' verdict (empty for no rules) */
  char *refusal;           /* a refusal that is not a rule's, NULL: none */
  const char *status;      /* planned, refused, done, failed, undone, not-run */
  char *error;             /* failed: why */
  char *domain;            /* attach/detach: the domain */
  char uuid[37];           /* define/stop/undefine, detach of an mdev */
  char *pci;               /* detach of a PCI function */
  gboolean autostart;      /* define, and undefine (what a rollback defines again) */
  char *removed_xml;       /* detach done: the hostdev removed (a rollback adds it again) */
} Step;

/* One entry of the document and what became of it. */
typedef struct {
  char *id;                          /* as the document names it */
  const ZvStatePassthrough *want;    /* passthrough; NULL: the device goes back to the host */
  ZvTarget *target;
  GPtrArray *steps;                  /* Step* */
  const char *status;                /* unchanged, planned, changed, refused, failed */
  GError *error;                     /* refused or failed */
  GPtrArray *before, *after;         /* ZvStatePassthrough*: its entries now / afterwards */
  gboolean host_before, host_after;  /* host entry: with the host (in no domain) */
  ZvHostdevOptions hopts;            /* attach: the planned hostdev */
  gboolean prepare_persist;          /* prepare: with --persist */
  char mdev[37];                     /* the mdev the plan chose, "" none or a new one */
} Device;

/* Frees a step. */
static void
step_free (Step *s)
{
  g_free (s->detail);
  g_ptr_array_unref (s->violations);
  g_free (s->refusal);
  g_free (s->error);
  g_free (s->domain);
  g_free (s->pci);
  g_free (s->removed_xml);
  g_free (s);
}

/* Frees a device. */
static void
device_free (Device *d)
{
  g_free (d->id);
  zv_target_free (d->target);
  g_ptr_array_unref (d->steps);
  g_clear_error (&d->error);
  g_ptr_array_unref (d->before);
  g_ptr_array_unref (d->after);
  g_free (d);
}

/* A new device for entry ID. */
static Device *
device_new (const char *id, const ZvStatePassthrough *want)
{
  Device *d = g_new0 (Device, 1);
  d->id = g_strdup (id);
  d->want = want;
  d->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  d->before = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_state_passthrough_free);
  d->after = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_state_passthrough_free);
  d->status = "unchanged";
  return d;
}

/* Adds a planned step of KIND to D. */
static Step *
add_step (Device *d, StepKind kind, const char *domain, char *detail)
{
  Step *s = g_new0 (Step, 1);
  s->kind = kind;
  s->detail = detail;
  s->violations = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_violation_free);
  s->status = "planned";
  s->domain = g_strdup (domain);
  g_ptr_array_add (d->steps, s);
  return s;
}

/* Adds the violations of CTX to S, leaving out those of the rules in SKIP
 * (NULL-terminated): what an earlier step of the plan puts right. */
static void
judge (Step *s, const ZvRuleContext *ctx, const char *const *skip)
{
  g_autoptr (GPtrArray) found = zv_rules_run (ctx);
  for (guint i = 0; i < found->len; i++)
    {
      ZvViolation *v = g_ptr_array_index (found, i);
      gboolean skipped = FALSE;
      for (guint k = 0; skip && skip[k] && !skipped; k++)
        skipped = strcmp (v->rule, skip[k]) == 0;
      if (!skipped)
        g_ptr_array_add (s->violations, g_steal_pointer (&found->pdata[i]));
    }
}

/* TRUE when step S may run (no error among its violations, no other refusal). */
static gboolean
step_allowed (const Step *s)
{
  return s->refusal == NULL && !zv_violations_have_error (s->violations);
}

/* The mdev UUID of SCH that DOMAIN holds, or NULL. */
static const char *
held_mdev (const ZvSubchannel *sch, const ZvDomain *domain)
{
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (zv_domain_find_mdev (domain, m->uuid) != NULL)
        return m->uuid;
    }
  return NULL;
}

/* The hostdev of TARGET in DOMAIN, or NULL. */
static const ZvHostdev *
held_hostdev (const ZvTarget *target, const ZvDomain *domain)
{
  if (target->pci != NULL)
    return zv_domain_find_pci (domain, target->pci->address);
  const char *uuid = held_mdev (target->sch, domain);
  return uuid ? zv_domain_find_mdev (domain, uuid) : NULL;
}

/* The mdev UUID of SCH (may be NULL). */
static const ZvMdev *
mdev_of (const ZvSubchannel *sch, const char *uuid)
{
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (strcmp (m->uuid, uuid) == 0)
        return m;
    }
  return NULL;
}

/* Checks that the members of WANT fit its device's kind. */
static gboolean
check_kind (const ZvStatePassthrough *want, const ZvTarget *target, GError **error)
{
  if (target->sch != NULL && (want->managed == TRUE || want->has_uid || want->has_fid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s is a subchannel: 'managed', "
                   "'zpci_uid' and 'zpci_fid' are for zPCI functions", target->label);
      return FALSE;
    }
  if (target->pci != NULL && (want->mdev != NULL || want->guest_devno != NULL ||
                              want->autostart == TRUE || want->offline == TRUE))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s is a zPCI function: 'mdev', "
                   "'autostart', 'offline' and 'guest_devno' are for vfio-ccw", target->label);
      return FALSE;
    }
  if (want->managed == TRUE && want->persist == TRUE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: 'managed' (libvirt binds it when the "
                   "guest starts) and 'persist' (a driverctl override) exclude each other",
                   target->label);
      return FALSE;
    }
  if (target->remote != NULL && want->persist == TRUE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s: 'persist' asks for a driverctl "
                   "override on the host of %s, which libvirt neither shows nor sets; apply "
                   "this entry on that host ('zvfio apply' there), or leave 'persist' out",
                   target->label, target->remote);
      return FALSE;
    }
  return TRUE;
}

/* Completes the mdevs of remote subchannel SCH with what libvirt says beyond
 * their node-device XML: defined or not and, with WITH_AUTOSTART, start=. */
static gboolean
remote_mdev_facts (ZvLibvirt *lv, ZvSubchannel *sch, gboolean with_autostart, GError **error)
{
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    if (!zv_cli_remote_mdev_definition (lv, g_ptr_array_index (sch->mdevs, i), with_autostart,
                                        error))
      return FALSE;
  return TRUE;
}

/* The refusal of a binding change (prepare or release, VERB) of TARGET on a
 * remote host: libvirt has no call for it (NULL for a local target). */
static char *
remote_binding_refusal (const ZvTarget *target, const char *verb)
{
  if (target->remote == NULL)
    return NULL;
  g_autofree char *id = zv_cli_state_device_id (target);
  return g_strdup_printf ("%s %s changes the sysfs of the host of %s, for which libvirt has no "
                          "call; run 'zvfio %s %s' on that host (or 'zvfio apply' there)%s",
                          strcmp (verb, "prepare") == 0 ? "binding" : "releasing",
                          target->label, target->remote, verb, id,
                          target->pci && strcmp (verb, "prepare") == 0
                          ? ", or set 'managed': true so that libvirt binds it when the "
                            "guest starts" : "");
}

/* Checks that what DOMAIN holds of the device (HD, mdev HELD) is what WANT asks:
 * the same mdev and guest address, managed and zPCI identity. */
static gboolean
check_held (const ZvStatePassthrough *want, const ZvTarget *target, const ZvHostdev *hd,
            const char *held, GError **error)
{
  const char *name = want->domain;
  if (target->sch != NULL)
    {
      if (want->mdev != NULL && strcmp (want->mdev, held) != 0)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "domain '%s' holds mdev %s of %s, the "
                       "document names mdev %s; detach it first (zvfio detach %s %s)", name,
                       held, target->label, want->mdev, name, held);
          return FALSE;
        }
      g_autofree char *now = hd->has_ccw_address
        ? g_strdup_printf ("%x.%x.%04x", hd->ccw.cssid, hd->ccw.ssid, hd->ccw.devno) : NULL;
      if (want->guest_devno != NULL && g_strcmp0 (now, want->guest_devno) != 0)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "domain '%s' holds %s at guest "
                       "address %s, the document asks %s; zvfio does not move a device: detach "
                       "it first (zvfio detach %s %s)", name, target->label,
                       now ? now : "(none)", want->guest_devno, name, held);
          return FALSE;
        }
      return TRUE;
    }
  if ((want->managed != ZV_UNSET && (gboolean) want->managed != hd->managed) ||
      (want->has_uid && (!hd->has_uid || hd->uid != want->uid)) ||
      (want->has_fid && (!hd->has_fid || hd->fid != want->fid)))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "domain '%s' holds %s with other "
                   "settings than the document asks (managed, zpci_uid, zpci_fid); zvfio does "
                   "not change a hostdev: detach it first (zvfio detach %s %s)", name,
                   target->label, name, target->pci->address);
      return FALSE;
    }
  return TRUE;
}

/* The mdev a passthrough of a subchannel uses: the document's, the one DOMAIN
 * holds (HELD), else the subchannel's only vfio_ccw-io mdev; NULL: a new one.
 * FALSE when the subchannel has several and the document names none. */
static gboolean
choose_mdev (const ZvStatePassthrough *want, const ZvSubchannel *sch, const char *held,
             const char **chosen, GError **error)
{
  *chosen = want->mdev ? want->mdev : held;
  if (*chosen != NULL)
    return TRUE;
  guint count = 0;
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
      if (m->type != NULL && strcmp (m->type, ZV_VFIO_CCW_MDEV_TYPE) != 0)
        continue;
      *chosen = m->uuid;
      count++;
    }
  if (count <= 1)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "subchannel %s has %u vfio-ccw mdevs; name "
               "the one to use with 'mdev'", sch->id, count);
  return FALSE;
}

/* Plans the passthrough D->want against the host and libvirt now: the missing
 * steps with their verdicts, and D->before. FALSE (D->error) when the entry
 * cannot be planned. */
static gboolean
plan_passthrough (ZvCli *cli, ZvLibvirt *lv, Device *d, GError **error)
{
  const ZvStatePassthrough *want = d->want;
  g_autoptr (ZvDomain) domain = NULL;
  g_autofree char *domain_xml = NULL;
  g_autoptr (GPtrArray) others = NULL;
  if (!check_kind (want, d->target, error) ||
      !zv_cli_load_domains (lv, want->domain, FALSE, TRUE, &domain_xml, &domain, &others, error))
    return FALSE;
  ZvTarget *target = d->target;
  gboolean remote = target->remote != NULL;
  ZvBus bus = target->bus;
  const char *vfio = zv_bus_vfio_driver (bus);
  const char *driver = target->sch ? target->sch->driver : target->pci->driver;
  gboolean bound = g_strcmp0 (driver, vfio) == 0;
  /* a remote host's driverctl overrides are not to be seen (persist is refused
   * there); whether its device is bound, only when libvirt names the driver */
  gboolean driver_known = !remote || driver != NULL;
  g_autofree char *override = NULL;
  if (!remote && !zv_driverctl_read (cli->root, bus, target->device, &override, error))
    return FALSE;
  if (remote && target->sch != NULL && want->autostart != ZV_UNSET &&
      !remote_mdev_facts (lv, target->sch, TRUE, error))
    return FALSE;
  gboolean persisted = g_strcmp0 (override, vfio) == 0;
  const ZvHostdev *hd = held_hostdev (target, domain);
  const char *held = target->sch && hd ? hd->uuid : NULL;
  if (hd != NULL)
    {
      ZvStatePassthrough *now = zv_cli_state_entry (cli, target, domain, hd, error);
      if (now == NULL)
        return FALSE;
      g_ptr_array_add (d->before, now);
      if (!check_held (want, target, hd, held, error))
        return FALSE;
    }
  const char *chosen = NULL;
  gboolean need_define = FALSE;
  const ZvMdev *mdev = NULL;
  if (target->sch != NULL)
    {
      if (!choose_mdev (want, target->sch, held, &chosen, error))
        return FALSE;
      mdev = chosen ? mdev_of (target->sch, chosen) : NULL;
      need_define = mdev == NULL;
      if (mdev != NULL && want->autostart != ZV_UNSET && mdev->defined &&
          (g_strcmp0 (mdev->start, "auto") == 0) != (want->autostart == TRUE))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "mdev %s is defined with start=%s, "
                       "the document asks autostart %s; zvfio does not change a definition "
                       "(mdevctl modify -u %s --%s)", mdev->uuid, mdev->start,
                       want->autostart == TRUE ? "true" : "false", mdev->uuid,
                       want->autostart == TRUE ? "auto" : "manual");
          return FALSE;
        }
      if (mdev != NULL && !mdev->defined && want->autostart == TRUE)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "mdev %s runs without a definition, "
                       "the document asks autostart true; define it first (mdevctl define -u "
                       "%s)", mdev->uuid, mdev->uuid);
          return FALSE;
        }
    }
  gboolean managed = zv_state_flag (want->managed);
  gboolean need_attach = hd == NULL;
  gboolean persist = zv_state_flag (want->persist);
  gboolean need_prepare = !managed && driver_known &&
                         ((persist && !(bound && persisted)) || (need_attach && !bound));
  if (need_prepare)
    {
      d->prepare_persist = persist;
      Step *s = add_step (d, STEP_PREPARE, NULL,
                          g_strdup_printf ("bind %s to %s%s%s", target->label, vfio,
                                           persist ? ", driverctl override" : "",
                                           zv_state_flag (want->offline)
                                           ? ", may set the ccw device offline" : ""));
      ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_PREPARE, .target = target,
                            .allow_offline = zv_state_flag (want->offline) };
      judge (s, &ctx, NULL);
      s->refusal = remote_binding_refusal (target, "prepare");
    }
  /* what a planned prepare puts right is not held against the later steps: the
   * binding, the override with persist, the online ccw device with offline allowed */
  const char *fixed[5] = { NULL };
  if (need_prepare)
    {
      guint n = 0;
      fixed[n++] = "ccw.not-vfio-bound";
      fixed[n++] = "zpci.vfio-bound";
      if (persist)
        fixed[n++] = "ccw.autostart-not-persistent";
      if (zv_state_flag (want->offline))
        fixed[n++] = "ccw.online";
    }
  gboolean autostart = zv_state_flag (want->autostart);
  if (need_define && need_attach)
    {
      Step *s = add_step (d, STEP_DEFINE, want->domain,
                          g_strdup_printf ("define a vfio_ccw-io mdev %s (start=%s) on %s%s",
                                           chosen ? chosen : "(new UUID)",
                                           autostart ? "auto" : "manual", target->label, remote
                                           ? ", through libvirt's node-device API" : ""));
      if (chosen != NULL)
        g_strlcpy (s->uuid, chosen, sizeof s->uuid);
      s->autostart = autostart;
      ZvMdevConfig config = { .mdev_type = (char *) ZV_VFIO_CCW_MDEV_TYPE,
                              .start = (char *) (autostart ? "auto" : "manual") };
      ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_DEFINE, .target = target,
                            .mdev_type = ZV_VFIO_CCW_MDEV_TYPE, .config = &config,
                            .autostart = autostart };
      judge (s, &ctx, fixed);
      zv_cli_note_remote_rules (&ctx);
    }
  else if (need_define)
    {
      /* the domain holds the device: its mdev is not this host's to define */
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "domain '%s' holds %s, whose mdev the "
                   "host has not", want->domain, target->label);
      return FALSE;
    }
  if (!need_attach)
    return TRUE;
  ZvHostdevOptions *hopts = &d->hopts;
  hopts->guest_devno = want->guest_devno;
  hopts->has_uid = want->has_uid;
  hopts->uid = want->uid;
  hopts->has_fid = want->has_fid;
  hopts->fid = want->fid;
  hopts->managed = managed;
  if (chosen != NULL)
    {
      g_strlcpy (d->mdev, chosen, sizeof d->mdev);
      zv_target_set_mdev (target, chosen);
    }
  ZvHostdev planned = { 0 };
  gboolean needs_define = FALSE;
  if (!zv_hostdev_plan (target, hopts, domain, &planned, &needs_define, error))
    return FALSE;
  g_autofree char *where = planned.kind == ZV_HOSTDEV_MDEV_CCW
    ? g_strdup_printf ("guest devno %x.%x.%04x", planned.ccw.cssid, planned.ccw.ssid,
                       planned.ccw.devno)
    : g_strdup_printf ("guest zPCI uid 0x%04x fid 0x%08x%s", planned.uid, planned.fid,
                       managed ? ", managed" : "");
  Step *s = add_step (d, STEP_ATTACH, want->domain,
                      g_strdup_printf ("add the hostdev of %s to domain '%s' (%s)",
                                       target->label, want->domain, where));
  ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_ATTACH, .target = target,
                        .domain = domain, .other_domains = others };
  judge (s, &ctx, fixed);
  zv_cli_note_remote_rules (&ctx);
  g_autoptr (GError) unknown = NULL;
  if (!need_define && !zv_cli_check_known (cli, target, planned.uuid, &unknown))
    s->refusal = g_strdup (unknown->message);
  return TRUE;
}

/* Plans giving D's device back to the host: detach it from every domain that
 * holds it (refused while one runs), stop and undefine its mdevs, release its
 * binding. */
static gboolean
plan_host (ZvCli *cli, ZvLibvirt *lv, GPtrArray *domains, Device *d, GError **error)
{
  ZvTarget *target = d->target;
  gboolean remote = target->remote != NULL;
  if (remote && target->sch != NULL && !remote_mdev_facts (lv, target->sch, TRUE, error))
    return FALSE;
  gboolean running_user = FALSE;
  for (guint i = 0; i < domains->len; i++)
    {
      const ZvDomain *dom = g_ptr_array_index (domains, i);
      for (guint h = 0; h < dom->hostdevs->len; h++)
        {
          const ZvHostdev *hd = g_ptr_array_index (dom->hostdevs, h);
          gboolean ours = target->pci
            ? hd->kind == ZV_HOSTDEV_PCI && g_strcmp0 (hd->pci_source, target->pci->address) == 0
            : hd->kind == ZV_HOSTDEV_MDEV_CCW && mdev_of (target->sch, hd->uuid) != NULL;
          if (!ours)
            continue;
          ZvStatePassthrough *now = zv_cli_state_entry (cli, target, dom, hd, error);
          if (now == NULL)
            return FALSE;
          g_ptr_array_add (d->before, now);
          gboolean active = FALSE, persistent = FALSE;
          if (!zv_libvirt_domain_state (lv, dom->name, &active, &persistent, error))
            return FALSE;
          Step *s = add_step (d, STEP_DETACH, dom->name,
                              g_strdup_printf ("remove the hostdev of %s from domain '%s'",
                                               target->pci ? target->pci->address : hd->uuid,
                                               dom->name));
          if (target->pci)
            s->pci = g_strdup (target->pci->address);
          else
            g_strlcpy (s->uuid, hd->uuid, sizeof s->uuid);
          if (active || !persistent)
            {
              running_user = TRUE;
              s->refusal = g_strdup_printf ("domain '%s' is running with %s; shut it down "
                                            "first (zvfio changes persistent definitions only)",
                                            dom->name, target->label);
            }
        }
    }
  d->host_before = d->before->len == 0;
  for (guint i = 0; target->sch && target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (target->sch->mdevs, i);
      if (m->active)
        {
          Step *s = add_step (d, STEP_STOP, NULL, g_strdup_printf ("stop mdev %s", m->uuid));
          g_strlcpy (s->uuid, m->uuid, sizeof s->uuid);
          if (running_user)
            s->refusal = g_strdup ("a running domain uses the device");
        }
    }
  for (guint i = 0; target->sch && target->sch->mdevs && i < target->sch->mdevs->len; i++)
    {
      const ZvMdev *m = g_ptr_array_index (target->sch->mdevs, i);
      if (m->defined)
        {
          Step *s = add_step (d, STEP_UNDEFINE, NULL,
                              g_strdup_printf ("remove the definition of mdev %s", m->uuid));
          g_strlcpy (s->uuid, m->uuid, sizeof s->uuid);
          s->autostart = g_strcmp0 (m->start, "auto") == 0;
        }
    }
  const char *vfio = zv_bus_vfio_driver (target->bus);
  const char *driver = target->sch ? target->sch->driver : target->pci->driver;
  if (remote)
    {
      /* no driverctl override or binding record of that host is to be seen */
      if (g_strcmp0 (driver, vfio) == 0)
        {
          Step *s = add_step (d, STEP_RELEASE, NULL,
                              g_strdup_printf ("give %s back to its host driver",
                                               target->label));
          s->refusal = remote_binding_refusal (target, "release");
        }
      return TRUE;
    }
  g_autofree char *override = NULL;
  if (!zv_driverctl_read (cli->root, target->bus, target->device, &override, error))
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvBindRecord) record = zv_state_load_binding (cli->root, target->bus,
                                                           target->device, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (g_strcmp0 (driver, vfio) == 0 || g_strcmp0 (override, vfio) == 0 || record != NULL)
    {
      Step *s = add_step (d, STEP_RELEASE, NULL,
                          g_strdup_printf ("give %s back to its host driver%s", target->label,
                                           g_strcmp0 (override, vfio) == 0
                                           ? ", remove the driverctl override" : ""));
      if (record != NULL && record->domain != NULL)
        s->refusal = g_strdup_printf ("zvfio-hook bound it for domain '%s' (running); shut the "
                                      "domain down first", record->domain);
    }
  return TRUE;
}

/* Changes domain NAME's persistent definition: adds HOSTDEV_XML (ATTACH), or
 * removes the hostdev of mdev UUID / PCI function PCI (*REMOVED: its XML);
 * through the device API, else by redefining; read back and verified. */
static gboolean
change_domain (ZvLibvirt *lv, const char *name, gboolean attach, const char *hostdev_xml,
               const char *uuid, const char *pci, char **removed, GError **error)
{
  g_autofree char *xml = zv_libvirt_domain_xml (lv, name, error);
  if (xml == NULL)
    return FALSE;
  g_autofree char *gone = NULL;
  g_autofree char *edited = attach ? zv_hostdev_domain_insert (xml, hostdev_xml, error)
                                   : zv_hostdev_domain_remove (xml, uuid, pci, &gone, error);
  if (edited == NULL)
    return FALSE;
  /* the libvirt change is a write step of the fault-injection tests */
  zv_fault_point ("libvirt", zv_libvirt_uri (lv), name);
  gboolean unsupported = FALSE;
  g_autoptr (GError) local = NULL;
  if (!zv_libvirt_change_device (lv, name, attach, attach ? hostdev_xml : gone, TRUE, FALSE,
                                 &unsupported, &local))
    {
      if (!unsupported)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (!zv_libvirt_define (lv, edited, error))
        return FALSE;
    }
  g_autofree char *now = zv_libvirt_domain_xml (lv, name, error);
  g_autoptr (ZvDomain) domain = now ? zv_domain_parse (now, -1, error) : NULL;
  if (domain == NULL)
    return FALSE;
  gboolean has = pci ? zv_domain_find_pci (domain, pci) != NULL
                     : zv_domain_find_mdev (domain, uuid) != NULL;
  if (has != attach)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "libvirt accepted the change, but "
                   "domain '%s' %s the hostdev afterwards", name, attach ? "lacks" : "still has");
      return FALSE;
    }
  if (removed != NULL)
    *removed = g_steal_pointer (&gone);
  return TRUE;
}

/* Marks step S failed with ERROR's message (kept in ERROR for the device). */
static void
step_failed (Step *s, const GError *error)
{
  s->status = "failed";
  g_free (s->error);
  s->error = g_strdup (error->message);
}

/* The prepare step: zv_prepare (lock, facts, rules, binding record, rollback).
 * *MADE: whether it changed the device (what a later failure undoes). */
static gboolean
run_prepare (ZvCli *cli, Device *d, gboolean *made, GError **error)
{
  g_autofree char *action = g_strdup_printf ("prepare %s", d->target->name);
  ZvPrepareOptions options = {
    .allow_offline = zv_state_flag (d->want->offline), .persist = d->prepare_persist,
    .settle_timeout_ms = ZV_BIND_SETTLE_MS, .lock_timeout_ms = LOCK_TIMEOUT_MS,
    .lock_owner = getpid (), .action = action,
  };
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  g_ptr_array_add (targets, d->target);
  ZvPrepareResult result = { 0 };
  gboolean ok = zv_prepare (cli->root, targets, &options, &result, error);
  *made = ok && result.changes->len > 0 && g_ptr_array_index (result.changes, 0) != NULL;
  zv_prepare_result_clear (&result);
  return ok;
}

/* Undoes a prepare this run made (zv_release of its record, override too). */
static void
undo_prepare (ZvCli *cli, Device *d)
{
  ZvReleaseOptions options = {
    .unpersist = TRUE, .settle_timeout_ms = ZV_BIND_SETTLE_MS,
    .lock_timeout_ms = LOCK_TIMEOUT_MS, .lock_owner = getpid (),
  };
  ZvReleaseResult result = { 0 };
  g_autoptr (GError) local = NULL;
  if (!zv_release (cli->root, d->target->bus, d->target->device, &options, &result, &local))
    zv_cli_message ("warning: %s: could not undo the prepare: %s ('zvfio repair %s')",
                    d->id, local->message, d->target->name);
  zv_release_result_clear (&result);
}

/* T's device as the host (or the remote libvirt) has it now, found by the
 * typed ID of its subchannel or PCI function: nothing is parsed again. */
static ZvTarget *
resolve_again (ZvCli *cli, const ZvTarget *t, GError **error)
{
  ZvId id;
  if (t->sch != NULL)
    zv_id_from_busid (ZV_ID_SUBCHANNEL, &t->sch->busid, &id);
  else
    zv_id_from_pci (&t->pci->pci, &id);
  return zv_cli_resolve_id (cli, &id, id.normalized, ZV_TARGET_DEFAULT, error);
}

/* Resolves D's device again (after a step changed its driver or mdevs), with
 * the mdev the plan chose. */
static gboolean
refresh_target (ZvCli *cli, Device *d, GError **error)
{
  if (d->target->remote != NULL)
    g_clear_pointer (&cli->nodedev_xmls, g_ptr_array_unref);   /* read the node devices again */
  ZvTarget *fresh = resolve_again (cli, d->target, error);
  if (fresh == NULL)
    return FALSE;
  zv_target_free (d->target);
  d->target = fresh;
  if (d->mdev[0] != '\0')
    zv_target_set_mdev (d->target, d->mdev);
  return TRUE;
}

/* Runs the steps of passthrough D in order; on a failure takes back what
 * this run did to the device. */
static gboolean
run_passthrough (ZvCli *cli, ZvLibvirt *lv, Device *d, GError **error)
{
  gboolean prepared = FALSE;
  gboolean remote_defined = FALSE;   /* a remote definition this run made */
  g_autoptr (ZvMdevIntent) intent = NULL;
  g_autoptr (ZvLock) lock = NULL;
  Step *failed_step = NULL;
  g_autoptr (GError) failure = NULL;
  for (guint i = 0; i < d->steps->len && failure == NULL; i++)
    {
      Step *s = g_ptr_array_index (d->steps, i);
      failed_step = s;
      if (!zv_signal_check (&failure))
        break;
      if (s->kind == STEP_PREPARE)
        {
          if (!run_prepare (cli, d, &prepared, &failure) || !refresh_target (cli, d, &failure))
            break;
        }
      else if (s->kind == STEP_DEFINE && d->target->remote != NULL)
        {
          /* that host's libvirtd runs mdevctl, and with it its zvfio-callout */
          g_autofree char *uuid = s->uuid[0] ? g_strdup (s->uuid) : g_uuid_string_random ();
          if (!zv_cli_remote_mdev_define (cli, lv, d->target->sch, uuid, s->autostart, FALSE,
                                          &failure))
            break;
          remote_defined = TRUE;
          g_strlcpy (s->uuid, uuid, sizeof s->uuid);
          g_strlcpy (d->mdev, uuid, sizeof d->mdev);
          if (!refresh_target (cli, d, &failure))
            break;
        }
      else if (s->kind == STEP_DEFINE)
        {
          g_autofree char *uuid = s->uuid[0] ? g_strdup (s->uuid) : g_uuid_string_random ();
          intent = zv_mdev_intent_new (ZV_MDEV_OP_ATTACH_DEFINE, uuid, &d->target->sch->busid);
          intent->uri = g_strdup (zv_libvirt_uri (lv));
          intent->domain = g_strdup (s->domain);
          if (!zv_cli_mdev_intent_begin (cli, intent, &lock, &failure))
            {
              g_clear_pointer (&intent, zv_mdev_intent_free);
              break;
            }
          if (!zv_cli_mdev_define (cli, intent, ZV_MDEV_STEP_DEFINE, s->autostart, &failure))
            break;
          g_strlcpy (s->uuid, uuid, sizeof s->uuid);
          g_strlcpy (d->mdev, uuid, sizeof d->mdev);
          if (!refresh_target (cli, d, &failure))
            break;
        }
      else if (s->kind == STEP_ATTACH)
        {
          g_autoptr (ZvDomain) domain = NULL;
          g_autoptr (GPtrArray) others = NULL;
          if (!zv_cli_load_domains (lv, s->domain, FALSE, TRUE, NULL, &domain, &others,
                                    &failure))
            break;
          ZvHostdev hd = { 0 };
          gboolean needs_define = FALSE;
          if (!zv_hostdev_plan (d->target, &d->hopts, domain, &hd, &needs_define, &failure))
            break;
          if (needs_define)
            {
              g_set_error (&failure, ZV_ERROR, ZV_ERROR_NOT_FOUND, "%s has no vfio-ccw mdev",
                           d->target->label);
              break;
            }
          /* the rules again, on the device as the earlier steps left it */
          ZvRuleContext ctx = { .root = cli->root, .op = ZV_OP_ATTACH, .target = d->target,
                                .domain = domain, .other_domains = others };
          g_ptr_array_set_size (s->violations, 0);
          judge (s, &ctx, NULL);
          if (!step_allowed (s))
            {
              g_set_error (&failure, ZV_ERROR, ZV_ERROR_RULE, "refusing to attach %s to domain "
                           "'%s' (see the rule violations)", d->target->name, s->domain);
              break;
            }
          g_autofree char *xml = zv_hostdev_to_xml (&hd, NULL);
          if (intent != NULL &&
              !zv_cli_mdev_intent_step (cli, intent, ZV_MDEV_STEP_LIBVIRT, &failure))
            break;
          if (!change_domain (lv, s->domain, TRUE, xml, hd.uuid,
                              hd.kind == ZV_HOSTDEV_PCI ? hd.pci_source : NULL, NULL, &failure))
            break;
          if (intent != NULL && !zv_cli_mdev_intent_done (cli, intent, &failure))
            break;
          g_clear_pointer (&intent, zv_mdev_intent_free);
        }
      s->status = "done";
    }
  if (failure == NULL)
    return TRUE;
  step_failed (failed_step, failure);
  /* take back what this run did to the device, last step first */
  if (intent != NULL)
    {
      g_autoptr (GError) undo = NULL;
      if (!zv_cli_mdev_intent_undo (cli, intent, &undo))
        zv_cli_message ("warning: %s: %s", d->id, undo->message);
    }
  if (remote_defined)
    {
      g_autofree char *happened = NULL;
      gboolean undone = zv_cli_remote_mdev_take_back (cli, lv, d->mdev, d->target->sch->id,
                                                      &happened);
      zv_cli_message ("%s: %s: %s", undone ? "note" : "warning", d->id, happened);
    }
  if (prepared)
    undo_prepare (cli, d);
  for (guint i = 0; i < d->steps->len; i++)
    {
      Step *s = g_ptr_array_index (d->steps, i);
      if (strcmp (s->status, "done") == 0)
        s->status = "undone";
      else if (strcmp (s->status, "planned") == 0)
        s->status = "not-run";
    }
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}

/* Runs the steps of host entry D in order; on a failure puts the hostdevs and
 * definitions this run removed back (best effort). */
static gboolean
run_host (ZvCli *cli, ZvLibvirt *lv, Device *d, GError **error)
{
  g_autoptr (GError) failure = NULL;
  gboolean remote = d->target->remote != NULL;
  Step *failed_step = NULL;
  for (guint i = 0; i < d->steps->len && failure == NULL; i++)
    {
      Step *s = g_ptr_array_index (d->steps, i);
      failed_step = s;
      if (!zv_signal_check (&failure))
        break;
      gboolean ok = TRUE;
      if (s->kind == STEP_DETACH)
        ok = change_domain (lv, s->domain, FALSE, NULL, s->uuid[0] ? s->uuid : NULL, s->pci,
                            &s->removed_xml, &failure);
      else if (s->kind == STEP_STOP && remote)
        ok = zv_cli_remote_mdev_change (cli, lv, s->uuid, d->target->sch->id, ZV_NODEDEV_STOP,
                                        &failure);
      else if (s->kind == STEP_UNDEFINE && remote)
        ok = zv_cli_remote_mdev_change (cli, lv, s->uuid, d->target->sch->id,
                                        ZV_NODEDEV_UNDEFINE, &failure);
      else if (s->kind == STEP_STOP)
        ok = zv_mdevctl_stop (cli->root, s->uuid, &failure);
      else if (s->kind == STEP_UNDEFINE)
        ok = zv_mdevctl_undefine_on (cli->root, s->uuid, &d->target->sch->busid, &failure);
      else if (s->kind == STEP_RELEASE)
        {
          ZvReleaseOptions options = {
            .unpersist = TRUE, .settle_timeout_ms = ZV_BIND_SETTLE_MS,
            .lock_timeout_ms = LOCK_TIMEOUT_MS, .lock_owner = getpid (),
          };
          ZvReleaseResult result = { 0 };
          ok = zv_release (cli->root, d->target->bus, d->target->device, &options, &result,
                           &failure);
          zv_release_result_clear (&result);
        }
      if (!ok)
        break;
      s->status = "done";
    }
  if (failure == NULL)
    return TRUE;
  step_failed (failed_step, failure);
  for (guint i = d->steps->len; i-- > 0;)
    {
      Step *s = g_ptr_array_index (d->steps, i);
      if (strcmp (s->status, "planned") == 0)
        s->status = "not-run";
      if (strcmp (s->status, "done") != 0)
        continue;
      g_autoptr (GError) undo = NULL;
      gboolean ok = TRUE;
      if (s->kind == STEP_DETACH && s->removed_xml != NULL)
        ok = change_domain (lv, s->domain, TRUE, s->removed_xml, s->uuid[0] ? s->uuid : NULL,
                            s->pci, NULL, &undo);
      else if (s->kind == STEP_UNDEFINE && remote)
        ok = zv_cli_remote_mdev_define (cli, lv, d->target->sch, s->uuid, s->autostart, TRUE,
                                        &undo);
      else if (s->kind == STEP_STOP && remote)
        ok = zv_cli_remote_mdev_change (cli, lv, s->uuid, d->target->sch->id, ZV_NODEDEV_START,
                                        &undo);
      else if (s->kind == STEP_UNDEFINE)
        {
          g_autofree char *again = zv_mdevctl_define (cli->root, &d->target->sch->busid, s->uuid,
                                                      s->autostart, &undo);
          ok = again != NULL;
        }
      else if (s->kind == STEP_STOP)
        ok = zv_mdevctl_start (cli->root, s->uuid, NULL, &undo);
      if (ok)
        s->status = "undone";
      else
        zv_cli_message ("warning: %s: could not undo step %s: %s", d->id,
                        step_names[s->kind], undo->message);
    }
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}

/* D's entries as the host has them now (after the run). */
static void
read_after (ZvCli *cli, GPtrArray *domains, Device *d)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvTarget) target = resolve_again (cli, d->target, &local);
  for (guint i = 0; target && i < domains->len; i++)
    {
      const ZvDomain *dom = g_ptr_array_index (domains, i);
      if (d->want != NULL && strcmp (dom->name, d->want->domain) != 0)
        continue;
      const ZvHostdev *hd = held_hostdev (target, dom);
      ZvStatePassthrough *p = hd ? zv_cli_state_entry (cli, target, dom, hd, NULL) : NULL;
      if (p != NULL)
        g_ptr_array_add (d->after, p);
    }
  d->host_after = d->want == NULL && d->after->len == 0;
}

/* D's entries as they will be when its planned steps run (--check). */
static void
predict_after (Device *d)
{
  gboolean changes = strcmp (d->status, "planned") == 0;
  if (!changes || d->want == NULL)
    {
      for (guint i = 0; !changes && i < d->before->len; i++)
        {
          const ZvStatePassthrough *p = g_ptr_array_index (d->before, i);
          g_ptr_array_add (d->after, zv_state_passthrough_copy (p));
        }
      d->host_after = d->want == NULL ? (changes || d->host_before) : FALSE;
      return;
    }
  const ZvStatePassthrough *want = d->want;
  const ZvStatePassthrough *now = d->before->len ? g_ptr_array_index (d->before, 0) : NULL;
  g_autofree char *id = zv_cli_state_device_id (d->target);
  ZvStatePassthrough *p = zv_state_passthrough_new (id, want->domain);
  gboolean ccw = d->target->sch != NULL;
  p->persist = want->persist != ZV_UNSET ? want->persist : now ? now->persist : FALSE;
  if (want->persist != TRUE && now == NULL)
    {
      /* a prepare that does not persist keeps an override that was there */
      p->persist = FALSE;
    }
  if (d->target->remote != NULL)
    p->persist = ZV_UNSET;   /* a remote host's driverctl overrides are not to be seen */
  if (ccw)
    {
      const Step *define = NULL;
      for (guint i = 0; i < d->steps->len; i++)
        if (((Step *) g_ptr_array_index (d->steps, i))->kind == STEP_DEFINE)
          define = g_ptr_array_index (d->steps, i);
      p->mdev = g_strdup (want->mdev ? want->mdev : now ? now->mdev
                          : define && define->uuid[0] ? define->uuid
                          : d->target->mdev[0] ? d->target->mdev : NULL);
      p->autostart = want->autostart != ZV_UNSET ? want->autostart
                     : now ? now->autostart : FALSE;
      p->offline = want->offline != ZV_UNSET ? want->offline : now ? now->offline : FALSE;
      if (d->target->remote != NULL)
        p->offline = ZV_UNSET;   /* nor its binding records */
      p->guest_devno = d->target->has_guest_ccw
        ? g_strdup_printf ("%x.%x.%04x", d->target->guest_ccw.cssid, d->target->guest_ccw.ssid,
                           d->target->guest_ccw.devno)
        : g_strdup (now ? now->guest_devno : want->guest_devno);
    }
  else
    {
      p->managed = zv_state_flag (want->managed);
      p->has_uid = d->target->has_guest_zpci || want->has_uid;
      p->uid = d->target->has_guest_zpci ? d->target->guest_uid : want->uid;
      p->has_fid = d->target->has_guest_zpci || want->has_fid;
      p->fid = d->target->has_guest_zpci ? d->target->guest_fid : want->fid;
    }
  g_ptr_array_add (d->after, p);
}

/* Reads the document FILE ("-": stdin). */
static ZvStateDoc *
read_document (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  if (strcmp (path, "-") == 0)
    {
      GString *s = g_string_new (NULL);
      char buf[65536];
      size_t n;
      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0 && s->len <= ZV_STATE_DOC_MAX_SIZE)
        g_string_append_len (s, buf, (gssize) n);
      length = s->len;
      data = g_string_free (s, FALSE);
      if (ferror (stdin))
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot read the document from stdin");
          return NULL;
        }
    }
  else
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &local);
      if (file == NULL)
        {
          g_set_error (error, ZV_ERROR, g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                       ? ZV_ERROR_NOT_FOUND : ZV_ERROR_IO, "cannot read %s", local->message);
          return NULL;
        }
      length = g_mapped_file_get_length (file);
      if (length > ZV_STATE_DOC_MAX_SIZE)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: larger than %d bytes", path,
                       ZV_STATE_DOC_MAX_SIZE);
          return NULL;
        }
      data = g_memdup2 (g_mapped_file_get_contents (file) ? g_mapped_file_get_contents (file)
                        : "", length + 1);
      data[length] = '\0';
    }
  return zv_state_doc_parse (data, length, path, error);
}

/* Resolves every entry of DOC into DEVICES; refuses (exit 7) a document that
 * names a device twice for one domain, or both for a domain and the host. */
static gboolean
resolve_entries (ZvCli *cli, const ZvStateDoc *doc, GPtrArray *devices, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < doc->host->len + doc->passthroughs->len; i++)
    {
      gboolean host = i < doc->host->len;
      const ZvStatePassthrough *want = host ? NULL
        : g_ptr_array_index (doc->passthroughs, i - doc->host->len);
      const char *id = host ? g_ptr_array_index (doc->host, i) : want->device;
      Device *d = device_new (id, want);
      g_ptr_array_add (devices, d);
      /* the document's parser parsed the ID: it is not parsed again */
      const ZvId *parsed = host ? (i < doc->host_ids->len
                                   ? &g_array_index (doc->host_ids, ZvId, i) : NULL)
                                : &want->id;
      d->target = parsed != NULL && parsed->kind != ZV_ID_INVALID
        ? zv_cli_resolve_id (cli, parsed, id, ZV_TARGET_DEFAULT, &d->error)
        : zv_cli_resolve (cli, id, ZV_TARGET_DEFAULT, &d->error);
      if (d->target == NULL)
        {
          d->status = "failed";
          continue;
        }
      const char *domain = want != NULL ? want->domain : "";
      char *key = g_strdup_printf ("%s %s", d->target->key, domain);
      char *any = g_strdup_printf ("%s %s", d->target->key, host ? "host" : "domain");
      g_autofree char *opposite = g_strdup_printf ("%s %s", d->target->key,
                                                   host ? "domain" : "host");
      const char *other = g_hash_table_lookup (seen, key);
      const char *kind = g_hash_table_lookup (seen, opposite);
      if (other != NULL || kind != NULL)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "the document names %s twice (%s and "
                       "%s)%s", d->target->label, other ? other : kind, id,
                       other ? "" : ": once for a domain, once for the host");
          g_free (key);
          g_free (any);
          return FALSE;
        }
      g_hash_table_insert (seen, key, g_strdup (id));
      g_hash_table_insert (seen, any, g_strdup (id));
    }
  return TRUE;
}

/* "domain 'NAME'" or "host": where D's device is to be. */
static char *
device_place (const Device *d)
{
  return d->want ? g_strdup_printf ("domain '%s'", d->want->domain) : g_strdup ("host");
}

/* Prints the plan and what became of it, for people. */
static void
print_text (GPtrArray *devices, gboolean check)
{
  guint changed = 0, failed = 0, unchanged = 0;
  for (guint i = 0; i < devices->len; i++)
    {
      const Device *d = g_ptr_array_index (devices, i);
      g_autofree char *place = device_place (d);
      g_autofree char *id = zv_text_escape (d->id);
      printf ("%s -> %s: %s\n", id, place, d->status);
      if (d->error != NULL && d->steps->len == 0)
        {
          g_autofree char *why = zv_text_escape (d->error->message);
          printf ("  error: %s\n", why);
        }
      for (guint k = 0; k < d->steps->len; k++)
        {
          const Step *s = g_ptr_array_index (d->steps, k);
          printf ("  %s: %s: %s\n", step_names[s->kind], s->status, s->detail);
          g_autofree char *verdict = zv_violations_format (s->violations, ZV_HINTS_CLI);
          g_auto (GStrv) lines = g_strsplit (verdict, "\n", -1);
          for (guint l = 0; lines[l] && *lines[l]; l++)
            printf ("    %s\n", lines[l]);
          if (s->refusal != NULL)
            printf ("    refused: %s\n", s->refusal);
          if (s->error != NULL)
            {
              g_autofree char *why = zv_text_escape (s->error);
              printf ("    error: %s\n", why);
            }
        }
      if (strcmp (d->status, "unchanged") == 0)
        unchanged++;
      else if (strcmp (d->status, "changed") == 0 || strcmp (d->status, "planned") == 0)
        changed++;
      else
        failed++;
    }
  if (changed == 0 && failed == 0)
    printf ("nothing to do (%u device%s as the document says)\n", unchanged,
            unchanged == 1 ? "" : "s");
  else
    printf ("%u device%s %s, %u %s, %u unchanged\n", changed, changed == 1 ? "" : "s",
            check ? "to change" : "changed", failed, check ? "refused" : "failed or refused",
            unchanged);
}

/* Adds member NAME to B: a string, or null. */
static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  zv_json_add_string_or_null (b, name, value);
}

/* The state document of every device's entries BEFORE (or after). */
static ZvStateDoc *
diff_side (GPtrArray *devices, gboolean before)
{
  ZvStateDoc *doc = zv_state_doc_new ();
  for (guint i = 0; i < devices->len; i++)
    {
      const Device *d = g_ptr_array_index (devices, i);
      GPtrArray *entries = before ? d->before : d->after;
      for (guint k = 0; k < entries->len; k++)
        {
          const ZvStatePassthrough *p = g_ptr_array_index (entries, k);
          g_ptr_array_add (doc->passthroughs, zv_state_passthrough_copy (p));
        }
      if (d->target != NULL && (before ? d->host_before : d->host_after))
        g_ptr_array_add (doc->host, zv_cli_state_device_id (d->target));
    }
  return doc;
}

/* Prints the plan and the result as JSON (schemas/zvfio-apply.schema.json). */
static void
print_json (GPtrArray *devices, gboolean check, gboolean changed, gboolean failed)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "check");
  json_builder_add_boolean_value (b, check);
  json_builder_set_member_name (b, "changed");
  json_builder_add_boolean_value (b, changed);
  json_builder_set_member_name (b, "failed");
  json_builder_add_boolean_value (b, failed);
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; i < devices->len; i++)
    {
      const Device *d = g_ptr_array_index (devices, i);
      json_builder_begin_object (b);
      add_string (b, "device", d->id);
      add_string (b, "domain", d->want ? d->want->domain : NULL);
      add_string (b, "target", d->target ? d->target->key : NULL);
      add_string (b, "status", d->status);
      add_string (b, "error", d->error ? d->error->message : NULL);
      json_builder_set_member_name (b, "steps");
      json_builder_begin_array (b);
      for (guint k = 0; k < d->steps->len; k++)
        {
          const Step *s = g_ptr_array_index (d->steps, k);
          json_builder_begin_object (b);
          add_string (b, "step", step_names[s->kind]);
          add_string (b, "status", s->status);
          add_string (b, "detail", s->detail);
          add_string (b, "domain", s->domain);
          add_string (b, "mdev", s->uuid[0] ? s->uuid : NULL);
          json_builder_set_member_name (b, "allowed");
          json_builder_add_boolean_value (b, step_allowed (s));
          g_autoptr (JsonNode) verdict = zv_json_violations (s->violations);
          json_builder_set_member_name (b, "violations");
          json_builder_add_value (b, json_node_copy (json_object_get_member (
                                    json_node_get_object (verdict), "violations")));
          add_string (b, "refusal", s->refusal);
          add_string (b, "error", s->error);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "diff");
  json_builder_begin_object (b);
  g_autoptr (ZvStateDoc) before = diff_side (devices, TRUE);
  g_autoptr (ZvStateDoc) after = diff_side (devices, FALSE);
  json_builder_set_member_name (b, "before");
  zv_state_doc_build (b, before);
  json_builder_set_member_name (b, "after");
  zv_state_doc_build (b, after);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  zv_cli_print_json (root);
}

/* Sets D refused or failed with ERROR (taken). */
static void
device_fails (Device *d, const char *status, GError *error)
{
  d->status = status;
  g_clear_error (&d->error);
  d->error = error;
}

/* Plans device D and, unless CHECK, runs its steps. */
static void
handle_device (ZvCli *cli, ZvLibvirt *lv, Device *d, gboolean check)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) domains = zv_cli_state_domains (lv, &local);
  if (domains == NULL)
    {
      device_fails (d, "failed", g_steal_pointer (&local));
      return;
    }
  gboolean planned = d->want ? plan_passthrough (cli, lv, d, &local)
                             : plan_host (cli, lv, domains, d, &local);
  if (!planned)
    {
      device_fails (d, "refused", g_steal_pointer (&local));
      return;
    }
  if (d->want == NULL)
    d->host_after = d->host_before;
  for (guint i = 0; i < d->steps->len; i++)
    {
      Step *s = g_ptr_array_index (d->steps, i);
      if (step_allowed (s))
        continue;
      s->status = "refused";
      gboolean rule = s->refusal == NULL;
      g_set_error (&local, ZV_ERROR, rule ? ZV_ERROR_RULE : ZV_ERROR_FAILED,
                   "refusing to %s: %s", step_names[s->kind],
                   rule ? "a rule refuses it (see its violations)" : s->refusal);
      for (guint k = 0; k < d->steps->len; k++)
        {
          Step *other = g_ptr_array_index (d->steps, k);
          if (strcmp (other->status, "planned") == 0)
            other->status = "not-run";
        }
      device_fails (d, "refused", g_steal_pointer (&local));
      return;
    }
  if (d->steps->len == 0)
    return;
  if (check)
    {
      d->status = "planned";
      return;
    }
  gboolean ok = d->want ? run_passthrough (cli, lv, d, &local) : run_host (cli, lv, d, &local);
  if (!ok)
    device_fails (d, "failed", g_steal_pointer (&local));
  else
    d->status = "changed";
}

/* apply FILE [--check] [--json] */
gboolean
zv_cmd_apply (ZvCli *cli, int argc, char **argv, GError **error)
{
  gboolean check = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "check", 'n', 0, G_OPTION_ARG_NONE, &check,
      "Print the plan with the rules' verdict per step; change nothing", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON (schemas/zvfio-apply.schema.json): changed, each step, a before/after diff",
      NULL },
    { NULL }
  };
  if (!zv_cli_parse ("apply", "FILE", "Make the host match a desired-state document (as "
                     "'zvfio export' prints it; FILE - reads stdin). Exit 0: nothing to do, "
                     "10: changed (with --check: would change).", entries, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "apply: expected one document (FILE, or - "
                   "for stdin)");
      return FALSE;
    }
  g_autoptr (ZvStateDoc) doc = read_document (argv[1], error);
  if (doc == NULL)
    return FALSE;
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  if (lv == NULL)
    return FALSE;
  g_autoptr (GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  if (!resolve_entries (cli, doc, devices, error))
    return FALSE;
  /* SIGINT/SIGTERM: the step under way ends, its device is rolled back, the rest
   * is not started */
  if (!check)
    zv_signal_catch ();
  for (guint i = 0; i < devices->len; i++)
    {
      Device *d = g_ptr_array_index (devices, i);
      if (d->target != NULL)
        handle_device (cli, lv, d, check);
    }
  gboolean changed = FALSE, failed = FALSE;
  int code = -1;
  g_autoptr (GPtrArray) domains = check ? NULL : zv_cli_state_domains (lv, NULL);
  if (!check)
    g_clear_pointer (&cli->nodedev_xmls, g_ptr_array_unref);   /* remote: read them again */
  for (guint i = 0; i < devices->len; i++)
    {
      Device *d = g_ptr_array_index (devices, i);
      changed |= strcmp (d->status, "changed") == 0 || strcmp (d->status, "planned") == 0;
      if (d->error != NULL)
        {
          failed = TRUE;
          int this_code = zv_error_exit_code (d->error);
          code = code < 0 || code == this_code ? this_code : ZV_EXIT_FAILURE;
        }
      if (d->target == NULL)
        continue;
      if (check || domains == NULL)
        predict_after (d);
      else
        read_after (cli, domains, d);
    }
  if (json)
    print_json (devices, check, changed, failed);
  else
    print_text (devices, check);
  for (guint i = 0; i < devices->len; i++)
    {
      const Device *d = g_ptr_array_index (devices, i);
      g_autofree char *id = zv_text_escape (d->id);
      g_autofree char *why = d->error ? zv_text_escape (d->error->message) : NULL;
      if (why != NULL)
        zv_cli_message ("%s: %s", id, why);
    }
  if (failed)
    {
      ZvErrorCode as = code == ZV_EXIT_RULE ? ZV_ERROR_RULE : code == ZV_EXIT_NOT_FOUND
        ? ZV_ERROR_NOT_FOUND : code == ZV_EXIT_USAGE ? ZV_ERROR_USAGE : code == ZV_EXIT_IO
        ? ZV_ERROR_IO : code == ZV_EXIT_INVALID ? ZV_ERROR_INVALID : code == ZV_EXIT_EXTERNAL
        ? ZV_ERROR_EXTERNAL : code == ZV_EXIT_BUSY ? ZV_ERROR_BUSY : ZV_ERROR_FAILED;
      zv_cli_set_reported (error, as);
      return FALSE;
    }
  zv_cli_success_exit = changed ? ZV_EXIT_CHANGED : ZV_EXIT_OK;
  return TRUE;
}
