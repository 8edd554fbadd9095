/* zvfio attach / detach: add or remove vfio-ccw and zPCI hostdevs of a libvirt
 * domain. Every device is checked first against an edited copy of the domain
 * (so several IDs see each other), then libvirt is changed: through
 * virDomain{Attach,Detach}DeviceFlags, or, when the driver lacks those
 * (VIR_ERR_NO_SUPPORT, e.g. libvirt 9.0's test driver), by redefining the
 * persistent definition with the edited XML. The result is read back and verified. */
#include "cli.h"
#include "cli-libvirt.h"
#include "cli-mdev-intent.h"
#include "zv-fault.h"
#include "zv-signal.h"
#include "zv-hostdev.h"
#include "zv-mdevctl.h"

#include <stdio.h>
#include <string.h>

/* One device change: the <hostdev> XML and how to find it in a domain again. */
typedef struct {
  char *id;             /* as typed */
  char *xml;            /* the <hostdev> element (added or removed) */
  char uuid[37];        /* vfio-ccw mdev, "" for zPCI */
  char *pci;            /* zPCI host address, NULL for vfio-ccw */
  char *summary;
  char *defined_uuid;   /* attach --define: mdev definition to undo on failure */
  ZvMdevIntent *intent; /* ... its intent record (/run/zvfio/mdev/<uuid>.json) */
  ZvLock *lock;         /* ... and the record's lock */
} Change;

/* Frees a change. */
static void
change_free (Change *c)
{
  g_free (c->id);
  g_free (c->xml);
  g_free (c->pci);
  g_free (c->summary);
  g_free (c->defined_uuid);
  zv_mdev_intent_free (c->intent);
  if (c->lock != NULL)
    zv_lock_release (c->lock);
  g_free (c);
}

/* The common options of attach and detach. */
typedef struct {
  gboolean config, live, print_xml;
} ApplyOptions;

/* TRUE when DOMAIN holds the device of C. */
static gboolean
domain_has (const ZvDomain *domain, const Change *c)
{
  return c->pci ? zv_domain_find_pci (domain, c->pci) != NULL
                : zv_domain_find_mdev (domain, c->uuid) != NULL;
}

/* Undoes the mdev definitions made by attach --define (best effort: what stays
 * keeps its intent record, for 'zvfio repair'). */
static void
undefine_created (ZvCli *cli, GPtrArray *changes)
{
  for (guint i = 0; i < changes->len; i++)
    {
      const Change *c = g_ptr_array_index (changes, i);
      g_autoptr (GError) local = NULL;
      if (c->intent && !zv_cli_mdev_intent_undo (cli, c->intent, &local))
        zv_cli_message ("warning: could not undefine mdev %s again: %s",
                        c->defined_uuid, local->message);
    }
}

/* attach --define: advances each record to its libvirt step (before the change). */
static gboolean
intents_step_libvirt (ZvCli *cli, GPtrArray *changes, GError **error)
{
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      if (c->intent && !zv_cli_mdev_intent_step (cli, c->intent, ZV_MDEV_STEP_LIBVIRT, error))
        return FALSE;
    }
  return zv_signal_check (error);
}

/* attach --define after the libvirt change: OK, the operation is done (records
 * removed); else each record is settled as repair would (kept where libvirt
 * cannot tell). */
static void
intents_end (ZvCli *cli, GPtrArray *changes, gboolean ok)
{
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = g_ptr_array_index (changes, i);
      if (c->intent == NULL)
        continue;
      g_autoptr (GError) local = NULL;
      ZvMdevSettled settled;
      if (ok ? !zv_cli_mdev_intent_done (cli, c->intent, &local)
             : !zv_cli_mdev_settle (cli, c->intent->uuid, TRUE, &settled, &local))
        zv_cli_message ("warning: mdev %s: %s", c->intent->uuid, local->message);
    }
}

/* Applies CHANGES to domain NAME: device API first, redefinition of EDITED_XML
 * when the driver lacks it. Sets *PATH. A failure after some devices went in
 * through the device API takes those out again. */
static gboolean
apply_changes (ZvLibvirt *lv, const char *name, gboolean attach, GPtrArray *changes,
               const char *edited_xml, const ApplyOptions *opts, ZvLibvirtPath *path,
               GError **error)
{
  for (guint i = 0; i < changes->len; i++)
    {
      const Change *c = g_ptr_array_index (changes, i);
      gboolean unsupported = FALSE;
      g_autoptr (GError) local = NULL;
      if (zv_libvirt_change_device (lv, name, attach, c->xml, opts->config, opts->live,
                                    &unsupported, &local))
        continue;
      if (unsupported && i == 0 && !opts->live)
        {
          zv_cli_message ("%s; redefining the persistent definition of domain '%s' "
                          "instead", local->message, name);
          *path = ZV_LIBVIRT_VIA_REDEFINE;
          return zv_libvirt_define (lv, edited_xml, error);
        }
      for (guint k = 0; k < i; k++)
        {
          const Change *done = g_ptr_array_index (changes, k);
          gboolean ignored;
          g_autoptr (GError) undo = NULL;
          if (!zv_libvirt_change_device (lv, name, !attach, done->xml, opts->config, opts->live,
                                         &ignored, &undo))
            zv_cli_message ("warning: could not undo %s: %s", done->id, undo->message);
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *path = ZV_LIBVIRT_VIA_DEVICE_API;
  return TRUE;
}

/* Reads domain NAME back (its running XML with LIVE, else its persistent XML) and
 * checks that every change is (ATTACH) or is not there. A device a running guest
 * still holds after a detach is reported, not an error: libvirt asked QEMU to
 * unplug it and the guest may release it later (as virsh detach-device says). */
static char *
verify_changes (ZvLibvirt *lv, const char *name, gboolean attach, gboolean live,
                GPtrArray *changes, GError **error)
{
  g_autofree char *xml = zv_libvirt_domain_xml_as (lv, name, live, error);
  if (xml == NULL)
    return NULL;
  g_autoptr (ZvDomain) domain = zv_domain_parse (xml, -1, error);
  if (domain == NULL)
    return NULL;
  for (guint i = 0; i < changes->len; i++)
    {
      const Change *c = g_ptr_array_index (changes, i);
      if (domain_has (domain, c) == attach)
        continue;
      if (live && !attach)
        {
          zv_cli_message ("domain '%s' still holds %s: the unplug request was sent; "
                          "the running guest has not released the device yet", name, c->id);
          continue;
        }
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL,
                   "libvirt accepted the change, but domain '%s' %s %s afterwards%s", name,
                   attach ? "does not show" : "still shows", c->id,
                   live ? " (running guest)" : "");
      return NULL;
    }
  return g_steal_pointer (&xml);
}

/* Checks --config/--live against the domain's state; fills the defaults. */
static gboolean
check_flags (ZvLibvirt *lv, const char *name, ApplyOptions *opts, GError **error)
{
  gboolean active, persistent;
  if (!zv_libvirt_domain_state (lv, name, &active, &persistent, error))
    return FALSE;
  if (!opts->config && !opts->live)
    opts->config = TRUE;
  if (opts->live && !active)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "domain '%s' is not running; --live needs "
                   "a running domain", name);
      return FALSE;
    }
  if (opts->config && !persistent)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "domain '%s' is transient (no persistent "
                   "definition); use --live", name);
      return FALSE;
    }
  return TRUE;
}

/* Applies, verifies and reports CHANGES (shared tail of attach and detach). */
static gboolean
finish (ZvCli *cli, ZvLibvirt *lv, const char *name, gboolean attach, GPtrArray *changes,
        const char *edited_xml, const ApplyOptions *opts, GError **error)
{
  ZvLibvirtPath path = ZV_LIBVIRT_VIA_DEVICE_API;
  if (attach && !intents_step_libvirt (cli, changes, error))
    {
      undefine_created (cli, changes);
      return FALSE;
    }
  /* the libvirt change is a write step of the fault-injection tests too */
  zv_fault_point ("libvirt", zv_libvirt_uri (lv), name);
  if (!apply_changes (lv, name, attach, changes, edited_xml, opts, &path, error))
    {
      if (attach)
        undefine_created (cli, changes);
      return FALSE;
    }
  /* each definition that changed: the persistent one (--config or the
     redefinition), the running one (--live) */
  g_autofree char *result = NULL;
  if (opts->config || path == ZV_LIBVIRT_VIA_REDEFINE)
    {
      result = verify_changes (lv, name, attach, FALSE, changes, error);
      if (result == NULL)
        {
          if (attach)
            intents_end (cli, changes, FALSE);
          return FALSE;
        }
    }
  if (opts->live)
    {
      g_free (result);
      result = verify_changes (lv, name, attach, TRUE, changes, error);
      if (result == NULL)
        {
          if (attach)
            intents_end (cli, changes, FALSE);
          return FALSE;
        }
    }
  if (attach)
    intents_end (cli, changes, TRUE);
  const char *how = path == ZV_LIBVIRT_VIA_REDEFINE
    ? "persistent definition redefined (virDomainDefineXML)"
    : opts->config && opts->live ? "persistent definition and running guest (device API)"
    : opts->live ? "running guest (device API)" : "persistent definition (device API)";
  for (guint i = 0; i < changes->len; i++)
    {
      const Change *c = g_ptr_array_index (changes, i);
      printf ("%s %s %s domain '%s': %s; %s\n", attach ? "attached" : "detached", c->id,
              attach ? "to" : "from", name, c->summary, how);
    }
  if (opts->print_xml)
    fputs (result, stdout);
  return TRUE;
}

/* Builds the <hostdev> for ID, records it in CHANGES (first, so that a later
 * failure also undoes its --define) and adds it to *XML and *DOMAIN. *FACTS:
 * the host facts, read at the first device, shared by all. */
static gboolean
add_device (ZvCli *cli, const char *id, const ZvHostdevOptions *hopts,
            const ZvCliAttachTarget *target, char **xml, ZvDomain **domain, GPtrArray *others,
            ZvHostFacts **facts, GPtrArray *changes, GError **error)
{
  g_autoptr (ZvHostdevBuilt) built = zv_cli_build_hostdev (cli, id, hopts, *domain, others,
                                                           target, facts, error);
  if (built == NULL)
    return FALSE;
  Change *c = g_new0 (Change, 1);
  c->id = g_strdup (id);
  c->xml = g_strdup (built->xml);
  g_strlcpy (c->uuid, built->uuid, sizeof c->uuid);
  c->pci = built->kind == ZV_HOSTDEV_PCI ? g_strdup (built->device) : NULL;
  c->summary = g_steal_pointer (&built->summary);
  c->defined_uuid = g_steal_pointer (&built->defined_uuid);
  c->intent = g_steal_pointer (&built->intent);
  c->lock = g_steal_pointer (&built->lock);
  g_ptr_array_add (changes, c);
  g_autofree char *edited = zv_hostdev_domain_insert (*xml, c->xml, error);
  ZvDomain *reparsed = edited ? zv_domain_parse (edited, -1, error) : NULL;
  if (reparsed == NULL)
    return FALSE;
  g_free (*xml);
  *xml = g_steal_pointer (&edited);
  zv_domain_free (*domain);
  *domain = reparsed;
  return TRUE;
}

/* attach DOMAIN ID... */
gboolean
zv_cmd_attach (ZvCli *cli, int argc, char **argv, GError **error)
{
  ZvHostdevOptions hopts = { 0 };
  ApplyOptions opts = { 0 };
  g_autofree char *guest_devno = NULL, *uid = NULL, *fid = NULL, *loadparm = NULL;
  int boot = ZV_CLI_NO_BOOT;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_NONE, &opts.config,
      "change the persistent definition (default)", NULL },
    { "live", 0, 0, G_OPTION_ARG_NONE, &opts.live, "change the running guest", NULL },
    { "guest-devno", 0, 0, G_OPTION_ARG_STRING, &guest_devno,
      "vfio-ccw guest address (one ID only)", "fe.S.DDDD" },
    { "uid", 0, 0, G_OPTION_ARG_STRING, &uid, "zPCI guest uid (one ID only)", "U" },
    { "fid", 0, 0, G_OPTION_ARG_STRING, &fid, "zPCI guest fid (one ID only)", "F" },
    { "boot", 0, 0, G_OPTION_ARG_INT, &boot, "vfio-ccw boot order (one ID only)", "N" },
    { "loadparm", 0, 0, G_OPTION_ARG_STRING, &loadparm, "IPL loadparm (with --boot)", "P" },
    { "managed", 0, 0, G_OPTION_ARG_NONE, &hopts.managed, "zPCI: managed='yes'", NULL },
    { "define", 0, 0, G_OPTION_ARG_NONE, &hopts.define,
      "define a vfio_ccw-io mdev when a subchannel has none", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &hopts.force,
      "turn forceable rule errors into warnings", NULL },
    { "print-xml", 0, 0, G_OPTION_ARG_NONE, &opts.print_xml,
      "print the domain XML libvirt holds afterwards", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("attach", "DOMAIN ID...", "Attach devices to a libvirt domain.", entries,
                     &argc, &argv, error))
    return FALSE;
  if (argc < 3)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "attach: expected a domain and at least one ID");
      return FALSE;
    }
  if (argc > 3 && (guest_devno || uid || fid || boot != ZV_CLI_NO_BOOT))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "attach: --guest-devno, --uid, --fid and --boot need exactly one ID");
      return FALSE;
    }
  hopts.guest_devno = guest_devno;
  hopts.loadparm = loadparm;
  if (!zv_cli_hostdev_numbers (uid, fid, boot, &hopts, error))
    return FALSE;
  const char *name = argv[1];

  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  g_autofree char *xml = NULL;
  g_autoptr (ZvDomain) domain = NULL;
  g_autoptr (GPtrArray) others = NULL;
  /* --live alone: addresses and rules against what the guest runs with */
  if (lv == NULL || !check_flags (lv, name, &opts, error) ||
      !zv_cli_load_domains (lv, name, opts.live && !opts.config, TRUE, &xml, &domain, &others,
                            error))
    return FALSE;

  /* --define: a signal rolls back what this command defined, as a failure does */
  if (hopts.define)
    zv_signal_catch ();
  ZvCliAttachTarget target = { .uri = zv_libvirt_uri (lv), .domain = name };
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  g_autoptr (ZvHostFacts) facts = NULL;   /* read once, for every ID */
  for (int i = 2; i < argc; i++)
    if (!add_device (cli, argv[i], &hopts, &target, &xml, &domain, others, &facts, changes,
                     error))
      {
        undefine_created (cli, changes);
        return FALSE;
      }
  return finish (cli, lv, name, TRUE, changes, xml, &opts, error);
}

/* Finds what ID names in DOMAIN_XML: an mdev UUID, a PCI address, or (through
 * the host inventory) the mdevs of a subchannel/devno or the function of a fid. */
static Change *
resolve_detach (ZvCli *cli, const char *id, const ZvDomain *domain, GError **error)
{
  ZvId parsed = { .kind = ZV_ID_INVALID };
  Change *c = g_new0 (Change, 1);
  c->id = g_strdup (id);
  gboolean valid = zv_parse_id (id, &parsed);   /* the one parse of the ID */
  if (valid && parsed.kind == ZV_ID_UUID)
    g_strlcpy (c->uuid, parsed.normalized, sizeof c->uuid);
  else if (parsed.kind == ZV_ID_PCI)
    c->pci = g_strdup (parsed.normalized);
  else
    {
      g_autoptr (ZvTarget) target = NULL;
      if (!valid)
        zv_target_set_id_error (id, error);
      else
        target = zv_cli_resolve_id (cli, &parsed, id, ZV_TARGET_DEFAULT, error);
      if (target == NULL)
        {
          change_free (c);
          return NULL;
        }
      if (target->pci != NULL)
        c->pci = g_strdup (target->pci->address);
      const ZvSubchannel *sch = target->sch;
      for (guint i = 0; sch && sch->mdevs && i < sch->mdevs->len && !c->uuid[0]; i++)
        {
          const ZvMdev *m = g_ptr_array_index (sch->mdevs, i);
          if (zv_domain_find_mdev (domain, m->uuid))
            g_strlcpy (c->uuid, m->uuid, sizeof c->uuid);
        }
      if (sch && !c->uuid[0])
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                       "domain '%s' uses no mdev of subchannel %s", domain->name, sch->id);
          change_free (c);
          return NULL;
        }
    }
  c->summary = c->pci ? g_strdup_printf ("zPCI function %s", c->pci)
                      : g_strdup_printf ("mdev %s", c->uuid);
  return c;
}

/* detach DOMAIN ID... */
gboolean
zv_cmd_detach (ZvCli *cli, int argc, char **argv, GError **error)
{
  ApplyOptions opts = { 0 };
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_NONE, &opts.config,
      "change the persistent definition (default)", NULL },
    { "live", 0, 0, G_OPTION_ARG_NONE, &opts.live, "change the running guest", NULL },
    { "print-xml", 0, 0, G_OPTION_ARG_NONE, &opts.print_xml,
      "print the domain XML libvirt holds afterwards", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("detach", "DOMAIN ID...", "Detach devices from a libvirt domain.", entries,
                     &argc, &argv, error))
    return FALSE;
  if (argc < 3)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "detach: expected a domain and at least one ID");
      return FALSE;
    }
  const char *name = argv[1];
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  if (lv == NULL || !check_flags (lv, name, &opts, error))
    return FALSE;
  g_autofree char *xml = zv_libvirt_domain_xml_as (lv, name, opts.live && !opts.config, error);
  if (xml == NULL)
    return FALSE;
  g_autoptr (GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) change_free);
  for (int i = 2; i < argc; i++)
    {
      g_autoptr (ZvDomain) domain = zv_domain_parse (xml, -1, error);
      Change *c = domain ? resolve_detach (cli, argv[i], domain, error) : NULL;
      if (c == NULL)
        return FALSE;
      g_ptr_array_add (changes, c);
      char *edited = zv_hostdev_domain_remove (xml, c->pci ? NULL : c->uuid, c->pci, &c->xml,
                                               error);
      if (edited == NULL)
        return FALSE;
      g_free (xml);
      xml = edited;
    }
  return finish (cli, lv, name, FALSE, changes, xml, &opts, error);
}
