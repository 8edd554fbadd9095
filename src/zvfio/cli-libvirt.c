/* zvfio CLI: libvirt domains and <hostdev> building shared by hostdev,
 * attach, detach, domains, show and list --from-libvirt. */
#include "cli-libvirt.h"
#include "cli-mdev-intent.h"
#include "zv-signal.h"
#include "zv-hostdev-plan.h"
#include "zv-mdevctl.h"
#include "zv-nodedev-parse.h"
#include "zv-rules.h"
#include "zv-xml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Opens the libvirt connection of --connect. */
ZvLibvirt *
zv_cli_libvirt_open (ZvCli *cli, GError **error)
{
  g_autoptr (ZvLibvirt) lv = zv_libvirt_open (cli->connect_uri, error);
  if (lv == NULL || !zv_cli_host_connected (cli, zv_libvirt_uri (lv), error))
    return NULL;
  return g_steal_pointer (&lv);
}

/* Reads every domain (persistent XML, and the running one's); splits off TARGET (its running XML with
 * TARGET_LIVE). */
gboolean
zv_cli_load_domains (ZvLibvirt *lv, const char *target, gboolean target_live, gboolean strict,
                     char **target_xml,
                     ZvDomain **target_domain, GPtrArray **others, GError **error)
{
  g_autoptr (GPtrArray) names = zv_libvirt_domain_names (lv, error);
  if (names == NULL)
    return FALSE;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_domain_free);
  g_autofree char *found_xml = NULL;
  g_autoptr (ZvDomain) found = NULL;
  if (target != NULL)
    {
      /* looked up by name first, so an unknown domain is "not found" (exit 4) */
      found_xml = zv_libvirt_domain_xml_as (lv, target, target_live, error);
      if (found_xml == NULL)
        return FALSE;
      found = zv_domain_parse (found_xml, -1, error);
      if (found == NULL)
        {
          g_prefix_error (error, "domain '%s': ", target);
          return FALSE;
        }
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      if (target != NULL && strcmp (name, target) == 0)
        continue;
      g_autoptr (GError) local = NULL;
      g_autoptr (ZvDomain) domain = zv_libvirt_load_domain (lv, name, &local);
      if (domain != NULL)
        {
          g_ptr_array_add (list, g_steal_pointer (&domain));
          continue;
        }
      if (strict)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      "cannot check what domain '%s' uses: ", name);
          return FALSE;
        }
      zv_cli_message ("warning: domain '%s' skipped: %s", name, local->message);
    }
  if (target_xml)
    *target_xml = g_steal_pointer (&found_xml);
  if (target_domain)
    *target_domain = g_steal_pointer (&found);
  *others = g_steal_pointer (&list);
  return TRUE;
}

/* The inventory from libvirt's node devices. */
ZvInventory *
zv_cli_libvirt_inventory (ZvCli *cli, ZvLibvirt *lv, guint scope, GError **error)
{
  g_autoptr (GPtrArray) xmls = zv_libvirt_node_device_xmls (lv, error);
  if (xmls == NULL)
    return NULL;
  ZvInventory *inv = zv_nodedev_parse_inventory (cli->root, xmls);
  inv->scope = scope;
  if (!(scope & ZV_SCOPE_CCW))
    g_ptr_array_set_size (inv->subchannels, 0);
  if (!(scope & ZV_SCOPE_PCI))
    g_ptr_array_set_size (inv->pci_functions, 0);
  return inv;
}

/* Every domain for show, or NULL. */
GPtrArray *
zv_cli_domains_for_show (ZvCli *cli)
{
  if (cli->connect_uri == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, &local);
  GPtrArray *domains = NULL;
  if (lv == NULL || !zv_cli_load_domains (lv, NULL, FALSE, FALSE, NULL, NULL, &domains, &local))
    {
      zv_cli_message ("warning: domains using the device not shown: %s",
                      local->message);
      return NULL;
    }
  return domains;
}

/* Opens PATH for reading without blocking on a FIFO that has no writer (a FIFO
 * or pipe with one, e.g. --domain-xml <(virsh dumpxml g), is read as usual). */
static FILE *
open_domain_file (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return NULL;
  int flags = fcntl (fd, F_GETFL);
  FILE *in = flags < 0 || fcntl (fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ? NULL : fdopen (fd, "r");
  if (in == NULL)
    {
      int saved = errno;
      close (fd);
      errno = saved;
    }
  return in;
}

/* Reads a domain XML file ("-" = stdin), size-limited. */
char *
zv_cli_read_domain_file (const char *path, GError **error)
{
  gboolean is_stdin = strcmp (path, "-") == 0;
  FILE *in = is_stdin ? stdin : open_domain_file (path);
  if (in == NULL)
    {
      int saved = errno;
      g_set_error (error, ZV_ERROR, saved == ENOENT ? ZV_ERROR_NOT_FOUND : ZV_ERROR_IO,
                   "cannot read domain XML %s: %s", path, g_strerror (saved));
      return NULL;
    }
  g_autofree char *data = g_malloc (ZV_XML_MAX_SIZE + 1);
  errno = 0;
  gsize size = fread (data, 1, ZV_XML_MAX_SIZE + 1, in);
  int saved = ferror (in) ? (errno ? errno : EIO) : 0;
  if (!is_stdin)
    fclose (in);
  if (saved != 0)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_IO, "cannot read domain XML %s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (size > ZV_XML_MAX_SIZE)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML %s is larger than %d bytes",
                   path, ZV_XML_MAX_SIZE);
      return NULL;
    }
  if (memchr (data, '\0', size) != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML %s contains a NUL byte", path);
      return NULL;
    }
  return g_strndup (data, size);
}

/* Names of the domains using an mdev of SCH or PCI function FN. */
GPtrArray *
zv_cli_domains_using (GPtrArray *domains, const ZvSubchannel *sch, const ZvPciFunction *fn)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; domains && i < domains->len; i++)
    {
      const ZvDomain *d = g_ptr_array_index (domains, i);
      gboolean uses = fn != NULL && zv_domain_find_pci (d, fn->address) != NULL;
      for (guint m = 0; !uses && sch && sch->mdevs && m < sch->mdevs->len; m++)
        uses = zv_domain_find_mdev (d, ((ZvMdev *) g_ptr_array_index (sch->mdevs, m))->uuid) != NULL;
      if (uses)
        g_ptr_array_add (names, g_strdup (d->name));
    }
  return names;
}

/* Frees a built hostdev. */
void
zv_hostdev_built_free (ZvHostdevBuilt *built)
{
  if (built == NULL)
    return;
  g_free (built->device);
  g_free (built->xml);
  g_free (built->summary);
  g_free (built->defined_uuid);
  zv_mdev_intent_free (built->intent);
  if (built->lock != NULL)
    zv_lock_release (built->lock);
  g_free (built);
}

/* attach --define: defines a new mdev on BUILT's subchannel SCH under an intent
 * record (kept in BUILT with its lock until the attach is done or rolled back); a
 * re-run on that subchannel settles what an interrupted one left first. */
static char *
define_with_intent (ZvCli *cli, ZvHostdevBuilt *built, const ZvSubchannel *sch,
                    const ZvCliAttachTarget *attach, GError **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  built->intent = zv_mdev_intent_new (ZV_MDEV_OP_ATTACH_DEFINE, uuid, &sch->busid);
  built->intent->uri = g_strdup (attach->uri);
  built->intent->domain = g_strdup (attach->domain);
  if (!zv_cli_mdev_intent_begin (cli, built->intent, &built->lock, error))
    {
      /* nothing written when the record could not be: nothing to take back */
      g_clear_pointer (&built->intent, zv_mdev_intent_free);
      return NULL;
    }
  g_autoptr (GError) failed = NULL;
  char *defined = NULL;
  if (zv_signal_check (&failed) &&
      zv_cli_mdev_define (cli, built->intent, ZV_MDEV_STEP_DEFINE, TRUE, &failed))
    defined = g_strdup (uuid);
  if (defined != NULL)
    return defined;
  g_autoptr (GError) undo = NULL;
  if (!zv_cli_mdev_intent_undo (cli, built->intent, &undo))
    zv_cli_message ("warning: %s", undo->message);
  g_clear_pointer (&built->intent, zv_mdev_intent_free);
  g_propagate_error (error, g_steal_pointer (&failed));
  return NULL;
}

/* Checks that the options fit TARGET's kind (usage errors name them). */
static gboolean
options_fit (const ZvTarget *target, const ZvHostdevOptions *opts, GError **error)
{
  if (target->sch != NULL)
    {
      const ZvSubchannel *sch = target->sch;
      if (opts->has_uid || opts->has_fid || opts->managed)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                       "--uid, --fid and --managed are for zPCI functions; %s is a subchannel "
                       "(libvirt never creates or binds mdevs itself)", sch->id);
          return FALSE;
        }
      return TRUE;
    }
  const ZvPciFunction *fn = target->pci;
  if (opts->guest_devno != NULL || opts->boot_order > 0 || opts->define)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "--guest-devno, --boot and --define are for vfio-ccw; %s is a zPCI function",
                   fn->address);
      return FALSE;
    }
  return TRUE;
}

/* Resolves ID, allocates, enforces the rules, defines, writes the XML. */
ZvHostdevBuilt *
zv_cli_build_hostdev (ZvCli *cli, const char *id, const ZvHostdevOptions *opts,
                      const ZvDomain *domain, GPtrArray *other_domains,
                      const ZvCliAttachTarget *attach, ZvHostFacts **facts, GError **error)
{
  g_autofree char *loadparm = NULL;
  if (opts->loadparm != NULL)
    {
      if (opts->boot_order <= 0)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "--loadparm needs --boot");
          return NULL;
        }
      loadparm = zv_hostdev_normalize_loadparm (opts->loadparm, error);
      if (loadparm == NULL)
        return NULL;
    }
  /* attach --define keeps the URI in its record, which repair connects to: only a
   * URI a record may hold (refused before anything is looked at or changed) */
  g_autoptr (GError) refused = NULL;
  if (attach != NULL && opts->define && !zv_mdev_intent_check_uri (attach->uri, &refused))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "attach --define: nothing changed: %s. "
                   "Without --define nothing is recorded: define the mdev first ('zvfio "
                   "define %s'), then attach it", refused->message, id);
      return NULL;
    }
  ZvId parsed;   /* the one parse of ID: a second look below takes the parsed ID */
  if (!zv_target_parse_id (id, &parsed, error))
    return NULL;
  g_autoptr (ZvTarget) target = zv_cli_resolve_id (cli, &parsed, id, ZV_TARGET_DEFAULT, error);
  ZvMdevSettled settled = ZV_MDEV_SETTLED_NO_RECORD;
  /* the same attach --define again (subchannel, domain, URI): what the interrupted
   * one left is settled first, then the subchannel is looked at again */
  if (target != NULL && attach != NULL && opts->define && target->sch != NULL &&
      target->remote == NULL)
    {
      if (!zv_cli_mdev_settle_rerun (cli, ZV_MDEV_OP_ATTACH_DEFINE, target->sch->id, NULL,
                                     attach->uri, attach->domain, &settled, error))
        return NULL;
      if (settled != ZV_MDEV_SETTLED_NO_RECORD)
        {
          g_clear_pointer (&target, zv_target_free);
          target = zv_cli_resolve_id (cli, &parsed, id, ZV_TARGET_DEFAULT, error);
        }
    }
  if (target == NULL)
    return NULL;
  zv_cli_print_warnings (target->inv->warnings);
  if (target->remote != NULL && opts->define)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "--define runs mdevctl on this host, but %s is a device of the remote host "
                   "of %s; define the mdev there (zvfio define on that host, or virsh -c %s "
                   "nodedev-define)", target->label, target->remote, target->remote);
      return NULL;
    }

  ZvHostdev hd = { 0 };
  gboolean needs_define = FALSE;
  g_autoptr (ZvHostdevBuilt) built = g_new0 (ZvHostdevBuilt, 1);
  if (!options_fit (target, opts, error) ||
      !zv_hostdev_plan (target, opts, domain, &hd, &needs_define, error))
    return NULL;
  built->device = g_strdup (target->device);
  ZvRuleContext ctx = {
    .root = cli->root, .op = ZV_OP_ATTACH, .target = target, .domain = domain,
    .other_domains = other_domains, .force = opts->force,
  };
  /* the host facts once for the command (attach: for all its devices) */
  if (*facts == NULL)
    *facts = zv_rules_host_facts (cli->root, ZV_OP_ATTACH, cli->remote_uri != NULL);
  zv_rules_add_facts (*facts, &ctx);
  ctx.facts = *facts;
  /* hostdev --domain/--domain-xml only reads the domain: it generates, never attaches */
  g_autofree char *what = attach && domain
                          ? g_strdup_printf ("attach %s to domain '%s'", target->name,
                                             domain->name)
                          : g_strdup_printf ("generate a hostdev for %s", target->name);
  if (!zv_cli_enforce_rules (&ctx, what, error))
    return NULL;
  if (!needs_define && !zv_cli_check_known (cli, target, hd.uuid, error))
    return NULL;
  if (needs_define && !opts->define)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
                   "%s has no vfio-ccw mdev; define one with --define "
                   "(or 'zvfio define %s')", target->label, target->name);
      return NULL;
    }
  if (needs_define)
    {
      /* start=auto: the mdev must exist whenever the guest starts, also after a host reboot */
      char *uuid = attach ? define_with_intent (cli, built, target->sch, attach, error)
                          : zv_mdevctl_define (cli->root, &target->sch->busid, NULL, TRUE,
                                               error);
      if (uuid == NULL)
        return NULL;
      g_strlcpy (hd.uuid, uuid, sizeof hd.uuid);
      built->defined_uuid = uuid;
      zv_cli_message ("defined mdev %s on subchannel %s (start=auto)", uuid,
                      built->device);
    }
  built->kind = hd.kind;
  g_strlcpy (built->uuid, hd.uuid, sizeof built->uuid);
  built->xml = zv_hostdev_to_xml (&hd, loadparm);
  built->summary = hd.kind == ZV_HOSTDEV_MDEV_CCW
    ? g_strdup_printf ("mdev %s, guest devno %x.%x.%04x", hd.uuid, hd.ccw.cssid, hd.ccw.ssid,
                       hd.ccw.devno)
    : g_strdup_printf ("guest zPCI uid 0x%04x fid 0x%08x", hd.uid, hd.fid);
  return g_steal_pointer (&built);
}
