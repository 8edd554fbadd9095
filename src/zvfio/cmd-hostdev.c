/* zvfio hostdev: print the libvirt <hostdev> element for a vfio-ccw mdev or a
 * zPCI function, with a guest address that is free in the given domain. */
#include "cli.h"
#include "cli-libvirt.h"
#include "zv-parse.h"

#include <stdio.h>
#include <string.h>

/* Parses a --uid/--fid value: 0x-prefixed hex or decimal, at most 32 bits. */
static gboolean
parse_number_option (const char *name, const char *text, guint *out, GError **error)
{
  guint32 value;
  gboolean ok = g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X")
                  ? zv_parse_hex_u32 (text, &value) : zv_parse_dec_u32 (text, &value);
  if (!ok)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "%s '%s' is not a number (decimal, or hex with 0x)", name, text);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* Turns the --uid/--fid/--boot texts into OPTS. */
gboolean
zv_cli_hostdev_numbers (const char *uid, const char *fid, int boot, ZvHostdevOptions *opts,
                        GError **error)
{
  if (uid && !parse_number_option ("--uid", uid, &opts->uid, error))
    return FALSE;
  if (fid && !parse_number_option ("--fid", fid, &opts->fid, error))
    return FALSE;
  opts->has_uid = uid != NULL;
  opts->has_fid = fid != NULL;
  if (boot != ZV_CLI_NO_BOOT && boot < 1)
    {
      /* 0 used to mean "no <boot>" silently */
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "--boot needs an order of 1 or more");
      return FALSE;
    }
  opts->boot_order = boot == ZV_CLI_NO_BOOT ? 0 : boot;
  return TRUE;
}

/* hostdev ID [options] */
gboolean
zv_cmd_hostdev (ZvCli *cli, int argc, char **argv, GError **error)
{
  ZvHostdevOptions opts = { 0 };
  g_autofree char *guest_devno = NULL, *uid = NULL, *fid = NULL, *loadparm = NULL;
  g_autofree char *domain_xml_path = NULL, *domain_name = NULL;
  int boot = ZV_CLI_NO_BOOT;
  GOptionEntry entries[] = {
    { "guest-devno", 0, 0, G_OPTION_ARG_STRING, &guest_devno,
      "vfio-ccw guest address (default: the host devno if free, else the lowest free)",
      "fe.S.DDDD" },
    { "uid", 0, 0, G_OPTION_ARG_STRING, &uid, "zPCI guest uid (default: the host uid if free)",
      "U" },
    { "fid", 0, 0, G_OPTION_ARG_STRING, &fid, "zPCI guest fid (default: the host fid if free)",
      "F" },
    { "boot", 0, 0, G_OPTION_ARG_INT, &boot, "vfio-ccw boot order (DASD IPL)", "N" },
    { "loadparm", 0, 0, G_OPTION_ARG_STRING, &loadparm, "IPL loadparm (with --boot)", "P" },
    { "managed", 0, 0, G_OPTION_ARG_NONE, &opts.managed,
      "zPCI: managed='yes' (libvirt binds vfio-pci)", NULL },
    { "domain-xml", 0, 0, G_OPTION_ARG_FILENAME, &domain_xml_path,
      "choose addresses free in this domain XML file ('-': stdin)", "FILE" },
    { "domain", 0, 0, G_OPTION_ARG_STRING, &domain_name,
      "choose addresses free in this libvirt domain (and check every other domain)", "NAME" },
    { "define", 0, 0, G_OPTION_ARG_NONE, &opts.define,
      "define a vfio_ccw-io mdev (start=auto) when the subchannel has none", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &opts.force,
      "turn forceable rule errors into warnings", NULL },
    { NULL }
  };
  if (!zv_cli_parse ("hostdev", "ID", "Print the libvirt <hostdev> element for a device.",
                     entries, &argc, &argv, error))
    return FALSE;
  if (argc != 2)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "hostdev: expected exactly one ID");
      return FALSE;
    }
  if (domain_xml_path && domain_name)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "hostdev: --domain-xml and --domain exclude each other");
      return FALSE;
    }
  opts.guest_devno = guest_devno;
  opts.loadparm = loadparm;
  if (!zv_cli_hostdev_numbers (uid, fid, boot, &opts, error))
    return FALSE;

  g_autoptr (ZvDomain) domain = NULL;
  g_autoptr (GPtrArray) others = NULL;
  if (domain_xml_path)
    {
      g_autofree char *xml = zv_cli_read_domain_file (domain_xml_path, error);
      if (xml == NULL || (domain = zv_domain_parse (xml, -1, error)) == NULL)
        return FALSE;
    }
  else if (domain_name)
    {
      g_autoptr (ZvLibvirt) lv = zv_cli_libvirt_open (cli, error);
      if (lv == NULL ||
          !zv_cli_load_domains (lv, domain_name, FALSE, TRUE, NULL, &domain, &others, error))
        return FALSE;
    }
  g_autoptr (ZvHostFacts) facts = NULL;
  g_autoptr (ZvHostdevBuilt) built = zv_cli_build_hostdev (cli, argv[1], &opts, domain, others,
                                                           NULL, &facts, error);
  if (built == NULL)
    return FALSE;
  fputs (built->xml, stdout);
  return TRUE;
}
