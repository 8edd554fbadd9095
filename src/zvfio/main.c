/* zvfio: command line front end. Global options, then one command. */
#include "cli.h"
#include "cli-state.h"
#include "zv-libvirt.h"
#include "zv-paths.h"
#include "zvfio-config.h"

#include <libxml/parser.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static gboolean cmd_help (ZvCli *cli, int argc, char **argv, GError **error);
static gboolean cmd_version (ZvCli *cli, int argc, char **argv, GError **error);

/* Every command, in the order help lists them. */
static const ZvCommand commands[] = {
  { "list", "[ccw|pci] [--json]", "list subchannels, ccw devices, mdevs and zPCI functions",
    zv_cmd_list },
  { "show", "ID [--json]", "show one device and everything related to it", zv_cmd_show },
  { "nodedev", "[ID...]", "print libvirt node-device XML (as libvirt 9.0 prints it)",
    zv_cmd_nodedev },
  { "check", "ID... [--domain-xml FILE] [--op OP] [--json]",
    "run the passthrough rules on devices (exit 3 on an error)", zv_cmd_check },
  { "rules", "[--json]", "list every passthrough rule (id, severity, summary)", zv_cmd_rules },
  { "define", "ID [--uuid U] [--auto|--manual] [--start]",
    "define a vfio_ccw-io mdev (mdevctl); --start also starts it",
    zv_cmd_define },
  { "undefine", "ID|UUID", "remove an mdev definition (mdevctl)", zv_cmd_undefine },
  { "start", "ID|UUID", "start a defined (or a transient) vfio_ccw-io mdev (mdevctl)",
    zv_cmd_start },
  { "stop", "UUID", "stop a running mdev (mdevctl)", zv_cmd_stop },
  { "prepare", "ID [--persist] [--offline]",
    "bind a subchannel to vfio_ccw / a zPCI function to vfio-pci (rollback on failure)",
    zv_cmd_prepare },
  { "release", "ID [--persist]", "put back what prepare changed (host driver, online state)",
    zv_cmd_release },
  { "repair", "ID|--all", "finish or undo an interrupted prepare, release or hook run",
    zv_cmd_repair },
  { "hostdev", "ID [--domain NAME] [options]",
    "print the libvirt <hostdev> XML for a vfio-ccw mdev or zPCI function", zv_cmd_hostdev },
  { "attach", "DOMAIN ID... [--config] [--live]", "attach devices to a libvirt domain",
    zv_cmd_attach },
  { "detach", "DOMAIN ID... [--config] [--live]", "detach devices from a libvirt domain",
    zv_cmd_detach },
  { "domains", "[--json]", "show which host devices each libvirt domain uses", zv_cmd_domains },
  { "export", "", "print the host's passthrough state as a document for apply (JSON)",
    zv_cmd_export },
  { "apply", "FILE [--check] [--json]",
    "make the host match a desired-state document (exit 0 unchanged, 10 changed)",
    zv_cmd_apply },
  { "help", "", "list the commands", cmd_help },
  { "version", "", "print the version", cmd_version },
};

/* Builds the command overview shown by help and --help. */
static char *
commands_overview (void)
{
  GString *s = g_string_new ("Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *head = g_strdup_printf ("%s %s", commands[i].name, commands[i].args);
      g_string_append_printf (s, "  %-34s %s\n", head, commands[i].summary);
    }
  g_string_append (s,
    "\nIDs: a devno (0.0.1234, ccw:0.0.1234, or 1234 for 0.0.1234), a subchannel\n"
    "(sch:0.0.0001; a bare 0.S.XXXX is the devno if that exists, else the subchannel,\n"
    "and refused when it names both), a PCI address\n"
    "(0000:00:00.0), a zPCI function id (fid:0x1f), an mdev UUID, or a libvirt node\n"
    "device name (css_0_0_0001, ccw_0_0_1234, mdev_<uuid>_0_0_0001, pci_0000_00_00_0).\n"
    "Global options may also follow the command. With a --connect URI that names\n"
    "another host, devices come from that libvirt's node devices (zvfio(8)).\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 rule violation, 4 not found,\n"
    "5 not an s390 host, 6 I/O error, 7 invalid data, 8 external tool/libvirt, 9 busy.\n");
  return g_string_free (s, FALSE);
}

/* help: lists the commands. */
static gboolean
cmd_help (ZvCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *overview = commands_overview ();
  printf ("Usage: zvfio [--root DIR] [--connect URI] COMMAND [ARGS...]\n\n%s", overview);
  return TRUE;
}

/* version: prints the version. */
static gboolean
cmd_version (ZvCli *cli, int argc, char **argv, GError **error)
{
  printf ("zvfio %s\n", ZVFIO_VERSION);
  return TRUE;
}

/* Finds a command by name. */
static const ZvCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Takes the global options --root and --connect out of a command's arguments
 * (ARGV[0] is the command), where they may stand too ("zvfio hostdev X --root
 * DIR"); one given after the command wins over the same one before it. The
 * command's own --help lists them (zv_cli_parse). */
static gboolean
take_global_options (int *argc, char ***argv, char **root_dir, char **connect,
                     char **timeout, GError **error)
{
  g_autofree char *root_after = NULL, *connect_after = NULL, *timeout_after = NULL;
  GOptionEntry entries[] = {
    { "root", 'r', 0, G_OPTION_ARG_FILENAME, &root_after, NULL, NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect_after, NULL, NULL },
    { "connect-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_after, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_help_enabled (ctx, FALSE);      /* --help is the command's */
  g_option_context_set_ignore_unknown_options (ctx, TRUE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (root_after != NULL)
    {
      g_free (*root_dir);
      *root_dir = g_steal_pointer (&root_after);
    }
  if (connect_after != NULL)
    {
      g_free (*connect);
      *connect = g_steal_pointer (&connect_after);
    }
  if (timeout_after != NULL)
    {
      g_free (*timeout);
      *timeout = g_steal_pointer (&timeout_after);
    }
  return TRUE;
}

/* Sets libvirt's connect timeout from TEXT (--connect-timeout), else from
 * $ZVFIO_CONNECT_TIMEOUT; FALSE with ERROR for a value that is no number of
 * seconds from 0 (no deadline) to 86400. */
static gboolean
set_connect_timeout (const char *text, GError **error)
{
  const char *from = "--connect-timeout";
  if (text == NULL)
    {
      text = g_getenv ("ZVFIO_CONNECT_TIMEOUT");
      from = "ZVFIO_CONNECT_TIMEOUT";
    }
  if (text == NULL)
    return TRUE;
  guint64 seconds;
  if (!g_ascii_string_to_unsigned (text, 10, 0, 86400, &seconds, NULL))
    {
      g_autofree char *shown = zv_text_escape (text);
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE, "%s '%s' is not a number of seconds "
                   "(0 to 86400; 0 waits without a deadline)", from, shown);
      return FALSE;
    }
  zv_libvirt_set_connect_timeout ((guint) seconds);
  return TRUE;
}

/* Reports ERROR on stderr, with what the command line can do about it (ROOT:
 * the root the command read, NULL before there is one), and returns its exit code. */
static int
report (GError *error, ZvRoot *root)
{
  if (error == NULL)
    {
      zv_cli_message ("internal error: a command failed without saying why");
      return ZV_EXIT_FAILURE;
    }
  if (*error->message == '\0')
    return zv_error_exit_code (error);   /* the command has shown it already */
  /* the library's message says what is missing; the way out is the CLI's, said once */
  const char *advice = "";
  if (g_error_matches (error, ZV_ERROR, ZV_ERROR_NOT_S390))
    advice = root == NULL || zv_root_is_system (root)
             ? " (zvfio --root DIR reads a sysfs tree)"
             : " (check the --root directory or " ZV_ROOT_ENV ")";
  g_autofree char *shown = zv_text_escape (error->message);
  zv_cli_message ("%s%s", shown, advice);
  return zv_error_exit_code (error);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  LIBXML_TEST_VERSION;
  zv_cli_split_attached (&argc, &argv, ZV_CLI_GLOBAL_VALUE_LETTERS);

  g_autofree char *root_dir = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *timeout = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "root", 'r', 0, G_OPTION_ARG_FILENAME, &root_dir,
      "Read sysfs, /etc, /run and /proc below DIR (default $ZVFIO_ROOT or /)", "DIR" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect,
      "libvirt connection URI (default: libvirt's default URI)", "URI" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
      "Give up a libvirt connection that has not opened after SECONDS (default 30, "
      "$ZVFIO_CONNECT_TIMEOUT; 0: no deadline)", "SECONDS" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [ARGS...]");
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autofree char *overview = commands_overview ();
  g_option_context_set_description (ctx, overview);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_autofree char *shown = zv_text_escape (error->message);
      zv_cli_message ("%s (see 'zvfio --help')", shown);
      return ZV_EXIT_USAGE;
    }
  if (version)
    {
      cmd_version (NULL, 0, NULL, NULL);
      return ZV_EXIT_OK;
    }
  if (argc < 2)
    {
      zv_cli_message ("no command given (see 'zvfio help')");
      return ZV_EXIT_USAGE;
    }
  const ZvCommand *command = find_command (argv[1]);
  if (command == NULL)
    {
      g_autofree char *shown = zv_text_escape (argv[1]);
      zv_cli_message ("unknown command '%s' (see 'zvfio help')", shown);
      return ZV_EXIT_USAGE;
    }

  int command_argc = argc - 1;
  char **command_argv = argv + 1;
  zv_cli_split_attached (&command_argc, &command_argv, ZV_CLI_ANY_VALUE_LETTERS);
  if (!take_global_options (&command_argc, &command_argv, &root_dir, &connect, &timeout,
                            &error))
    {
      zv_cli_message ("%s: %s (see 'zvfio %s --help')", command->name, error->message,
                      command->name);
      return ZV_EXIT_USAGE;
    }

  if (!set_connect_timeout (timeout, &error))
    return report (error, NULL);

  ZvCli cli = { .prog = "zvfio" };
  cli.connect_uri = g_steal_pointer (&connect);
  cli.root = zv_root_new (root_dir, &error);
  if (cli.root == NULL)
    return report (error, NULL);

  int rc = zv_cli_host_init (&cli, command->name, &error) &&
           command->func (&cli, command_argc, command_argv, &error) ? zv_cli_success_exit
                                                                      : report (error, cli.root);
  zv_cli_host_clear (&cli);
  zv_root_unref (cli.root);
  g_free (cli.connect_uri);
  xmlCleanupParser ();
  zv_cli_free_split_args ();
  return rc;
}
