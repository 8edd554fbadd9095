/* zvfio CLI: whose devices a command works on (issue 12 §5).
 *
 * | libvirt URI (--connect, else LIBVIRT_DEFAULT_URI)        | devices from                |
 * |-----------------------------------------------------------|-----------------------------|
 * | none, or no host / localhost / this host's name           | this host: the root's sysfs |
 * | another host (qemu+ssh://otherhost/system, qemu+tcp://h/) | that libvirt's node devices |
 * | test:///FILE (libvirt's test driver) without --root       | its node devices            |
 * | test:///FILE with --root DIR (or ZVFIO_ROOT)              | DIR, checked against them   |
 *
 * A remote host's sysfs is never read: its devices are what its libvirt's css,
 * ccw, mdev and pci node devices say, the rules run that those facts allow,
 * and the others are left to zvfio-hook on that host. --root describes this
 * host, so it is refused with another host's URI; commands that change this
 * host's bindings (prepare, release) and nodedev (this host's XML) are refused
 * with a remote URI; define, undefine, start and stop go through that
 * libvirt's node-device API (cli-remote-mdev.c). The test driver simulates a host
 * that is not this machine: its node devices are the inventory, unless --root
 * names the tree that stands for it; then every device zvfio puts into a domain
 * must also be one of its node devices (zv_cli_check_known). */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-nodedev-parse.h"
#include "zv-rules.h"

#include <stdio.h>
#include <string.h>

/* Commands that change or print this host itself: never for a remote host. */
static const char *const this_host_commands[] = {
  "prepare", "release", "nodedev",
};

/* Host names that are this machine. */
static gboolean
is_local_host (const char *host)
{
  static const char *const names[] = { "localhost", "localhost.localdomain", "127.0.0.1",
                                       "::1", "[::1]" };
  if (host == NULL || *host == '\0')
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (host, names[i]) == 0)
      return TRUE;
  const char *self = g_get_host_name ();
  gsize short_len = strcspn (self, ".");
  return g_ascii_strcasecmp (host, self) == 0 ||
         (strlen (host) == short_len && g_ascii_strncasecmp (host, self, short_len) == 0);
}

/* How URI relates to this host. */
typedef enum {
  URI_LOCAL,         /* this host's hypervisor */
  URI_REMOTE,        /* another host */
  URI_TEST,          /* libvirt's test driver: a simulated host */
} UriHost;

/* Classifies URI; *HOST gets the host it names (NULL for none). FALSE with a
 * usage error when URI cannot be parsed (zvfio cannot tell which host it is). */
static gboolean
classify_uri (const char *uri, UriHost *kind, char **host, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS, &local);
  if (parsed == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "cannot tell which host the libvirt URI '%s' names: %s", uri, local->message);
      return FALSE;
    }
  const char *scheme = g_uri_get_scheme (parsed);
  const char *name = g_uri_get_host (parsed);
  *host = name && *name ? g_strdup (name) : NULL;
  gsize driver_len = strcspn (scheme, "+");
  if (driver_len == 4 && g_ascii_strncasecmp (scheme, "test", 4) == 0 && *host == NULL)
    *kind = URI_TEST;
  else
    *kind = is_local_host (name) ? URI_LOCAL : URI_REMOTE;
  return TRUE;
}

/* Decides whose devices COMMAND works on. */
gboolean
zv_cli_host_init (ZvCli *cli, const char *command, GError **error)
{
  const char *uri = cli->connect_uri ? cli->connect_uri : g_getenv ("LIBVIRT_DEFAULT_URI");
  if (uri == NULL || *uri == '\0')
    return TRUE;
  UriHost kind;
  g_autofree char *host = NULL;
  if (!classify_uri (uri, &kind, &host, error))
    return FALSE;
  gboolean root_given = !zv_root_is_system (cli->root);
  if (kind == URI_LOCAL || (kind == URI_TEST && root_given))
    return TRUE;
  if (kind == URI_REMOTE && root_given)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "--root %s (or ZVFIO_ROOT) describes this host, but %s names host '%s'; "
                   "zvfio reads a remote host's devices from its libvirt only (drop --root)",
                   zv_root_dir (cli->root), uri, host);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (this_host_commands); i++)
    if (strcmp (command, this_host_commands[i]) == 0)
      {
        g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                     "%s works on this host's devices, but %s names %s; run 'zvfio %s' on "
                     "that host (or give --root DIR with a test:/// URI)", command, uri,
                     host ? host : "the host libvirt's test driver simulates", command);
        return FALSE;
      }
  cli->remote_uri = g_strdup (uri);
  return TRUE;
}

/* Frees what zv_cli_host_init and the lookups keep in CLI. */
void
zv_cli_host_clear (ZvCli *cli)
{
  g_clear_pointer (&cli->remote_uri, g_free);
  g_clear_pointer (&cli->nodedev_xmls, g_ptr_array_unref);
}

/* The XML of every node device of the --connect libvirt (read once). */
GPtrArray *
zv_cli_nodedev_xmls (ZvCli *cli, GError **error)
{
  if (cli->nodedev_xmls != NULL)
    return cli->nodedev_xmls;
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  if (lv == NULL)
    return NULL;
  cli->nodedev_xmls = zv_libvirt_node_device_xmls (lv, error);
  return cli->nodedev_xmls;
}

/* The target the parsed ID (TEXT as typed) names, on this host or in the
 * remote libvirt's node devices. */
ZvTarget *
zv_cli_resolve_id (ZvCli *cli, const ZvId *id, const char *text, guint flags, GError **error)
{
  if (cli->remote_uri == NULL)
    return zv_target_resolve_id (cli->root, id, text, flags, error);
  GPtrArray *xmls = zv_cli_nodedev_xmls (cli, error);
  if (xmls == NULL)
    return NULL;
  return zv_target_resolve_nodedev (cli->root, xmls, cli->remote_uri, id, text, error);
}

/* The target TEXT names: parsed once here, at the edge, then zv_cli_resolve_id. */
ZvTarget *
zv_cli_resolve (ZvCli *cli, const char *text, guint flags, GError **error)
{
  ZvId id;
  if (!zv_target_parse_id (text, &id, error))
    return NULL;
  return zv_cli_resolve_id (cli, &id, text, flags, error);
}

/* TARGET when it is a subchannel's (see cli.h). */
ZvTarget *
zv_cli_require_subchannel (ZvTarget *target, const char *command, const char *text,
                           GError **error)
{
  g_autoptr (ZvTarget) owned = target;
  if (owned == NULL)
    return NULL;
  zv_cli_print_warnings (owned->inv->warnings);
  if (owned->sch == NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s: %s is not a ccw device, subchannel or vfio-ccw mdev", command, text);
      return NULL;
    }
  return g_steal_pointer (&owned);
}

/* The inventory in SCOPE, on this host or from the remote libvirt. */
ZvInventory *
zv_cli_inventory (ZvCli *cli, guint scope, GError **error)
{
  if (cli->remote_uri == NULL)
    return zv_inventory_scan (cli->root, scope, error);
  g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
  return lv ? zv_cli_libvirt_inventory (cli, lv, scope, error) : NULL;
}

/* Prints which rules only zvfio-hook on the remote host checks for CTX. */
void
zv_cli_note_remote_rules (const ZvRuleContext *ctx)
{
  if (ctx->target == NULL || ctx->target->remote == NULL)
    return;
  g_autoptr (GPtrArray) ids = zv_rules_deferred_remotely (ctx);
  if (ids->len == 0)
    return;
  g_ptr_array_add (ids, NULL);
  g_autofree char *list = g_strjoinv (", ", (char **) ids->pdata);
  /* an mdev definition or start runs mdevctl there, and with it zvfio-callout */
  gboolean mdevctl = ctx->op == ZV_OP_DEFINE || ctx->op == ZV_OP_START;
  zv_cli_message ("note: %s is a device of the remote host of %s; these rules need "
                  "that host's sysfs, /proc or /etc and are checked there by %s: %s",
                  ctx->target->label, ctx->target->remote,
                  mdevctl ? "zvfio-callout when its libvirt runs mdevctl"
                  : "zvfio-hook when the guest starts", list);
}

/* Checks that the libvirt connected to (URI) is on the side decided before. */
gboolean
zv_cli_host_connected (ZvCli *cli, const char *uri, GError **error)
{
  cli->libvirt_used = TRUE;
  UriHost kind;
  g_autofree char *host = NULL;
  if (cli->remote_uri != NULL || uri == NULL || *uri == '\0' ||
      !classify_uri (uri, &kind, &host, NULL) || kind != URI_REMOTE)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
               "libvirt connected to %s, which names host '%s', but zvfio was reading this "
               "host's devices; name the URI with --connect %s", uri, host, uri);
  return FALSE;
}

/* With --root and a libvirt connection: TARGET must be one of its node devices. */
gboolean
zv_cli_check_known (ZvCli *cli, const ZvTarget *target, const char *mdev_uuid, GError **error)
{
  if (cli->remote_uri != NULL || !cli->libvirt_used || zv_root_is_system (cli->root))
    return TRUE;
  GPtrArray *xmls = zv_cli_nodedev_xmls (cli, error);
  if (xmls == NULL)
    return FALSE;
  const char *uri = cli->connect_uri ? cli->connect_uri : "the default URI";
  /* the device as this tree has it, typed: nothing the user typed is parsed again */
  ZvId id = { .kind = ZV_ID_INVALID };
  if (target->pci != NULL)
    {
      ZvPciAddress address;
      if (zv_parse_pci_address (target->pci->address, &address))   /* the sysfs name */
        zv_id_from_pci (&address, &id);
    }
  else if (mdev_uuid && *mdev_uuid)
    zv_id_from_uuid (mdev_uuid, &id);
  else if (target->sch != NULL)
    zv_id_from_busid (ZV_ID_BUSID, &target->sch->busid, &id);
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvTarget) known = id.kind == ZV_ID_INVALID ? NULL
    : zv_target_resolve_nodedev (cli->root, xmls, uri, &id, id.normalized, &local);
  if (known != NULL && g_strcmp0 (known->device, target->device) == 0)
    return TRUE;
  g_autofree char *what = target->pci ? g_strdup (target->label)
                          : mdev_uuid && *mdev_uuid
                          ? g_strdup_printf ("mdev %s of %s", mdev_uuid, target->label)
                          : g_strdup (target->label);
  g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND,
               "the libvirt of %s does not list %s, which the --root tree %s has: the tree is "
               "not the host this connection manages (without --root, zvfio reads that "
               "libvirt's node devices)", uri, what, zv_root_dir (cli->root));
  return FALSE;
}
