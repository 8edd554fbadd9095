/* zvfio CLI: shared context, command table and output helpers. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "zv-error.h"
#include "zv-inventory.h"
#include "zv-root.h"
#include "zv-rules.h"
#include "zv-text.h"

G_BEGIN_DECLS

/* Global state every command gets. */
typedef struct {
  ZvRoot *root;            /* --root / ZVFIO_ROOT */
  char *connect_uri;       /* --connect URI, NULL = libvirt default */
  const char *prog;        /* "zvfio" */
  char *remote_uri;        /* a remote libvirt: devices only from its node devices
                            * (cli-host.c); NULL: this host (the root's sysfs) */
  GPtrArray *nodedev_xmls; /* the node devices of --connect, read once (cli-host.c) */
  gboolean libvirt_used;   /* a libvirt connection was opened */
} ZvCli;

/* A command's entry point: argv[0] is the command name. FALSE with ERROR set
 * on failure; main.c alone turns the error into the exit code. */
typedef gboolean (*ZvCommandFunc) (ZvCli *cli, int argc, char **argv, GError **error);

/* One row of the command table. */
typedef struct {
  const char *name;
  const char *args;        /* parameter summary for help */
  const char *summary;
  ZvCommandFunc func;
} ZvCommand;

/* Commands (one file each). */
gboolean zv_cmd_list (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_show (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_nodedev (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_check (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_rules (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_define (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_undefine (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_start (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_stop (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_prepare (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_release (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_repair (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_hostdev (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_attach (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_detach (ZvCli *cli, int argc, char **argv, GError **error);
gboolean zv_cmd_domains (ZvCli *cli, int argc, char **argv, GError **error);

/* Decides whose devices COMMAND works on (cli-host.c): this host's (the
 * root's sysfs) or, when the libvirt URI (--connect, else LIBVIRT_DEFAULT_URI)
 * names another host, that libvirt's node devices only. Refuses a remote URI
 * with --root (non-test drivers) and with commands that change this host. */
gboolean zv_cli_host_init (ZvCli *cli, const char *command, GError **error);
/* Frees what zv_cli_host_init and the lookups keep in CLI. */
void zv_cli_host_clear (ZvCli *cli);
/* The target the parsed ID (TEXT as typed, for messages) names: on this host
 * (zv_target_resolve_id with FLAGS), or in the remote libvirt's node devices. */
ZvTarget *zv_cli_resolve_id (ZvCli *cli, const ZvId *id, const char *text, guint flags,
                             GError **error);
/* zv_cli_resolve_id of TEXT, parsed once (zv_target_parse_id). */
ZvTarget *zv_cli_resolve (ZvCli *cli, const char *text, guint flags, GError **error);
/* TARGET (taken; NULL passes ERROR through) when it is a subchannel's (a ccw
 * device, subchannel or vfio-ccw mdev), its inventory's warnings printed; else
 * NULL with a usage error naming COMMAND and TEXT. */
ZvTarget *zv_cli_require_subchannel (ZvTarget *target, const char *command, const char *text,
                                     GError **error);
/* The inventory in SCOPE: this host's, or the remote libvirt's node devices. */
ZvInventory *zv_cli_inventory (ZvCli *cli, guint scope, GError **error);
/* The XML of every node device of the --connect libvirt (read once). */
GPtrArray *zv_cli_nodedev_xmls (ZvCli *cli, GError **error);
/* With --root and a libvirt connection on this host's side (a test:/// URI), the
 * tree stands for that libvirt's host: refuses (ZV_ERROR_NOT_FOUND) a TARGET
 * (with mdev MDEV_UUID, "" for none) that its node devices do not list. */
gboolean zv_cli_check_known (ZvCli *cli, const ZvTarget *target, const char *mdev_uuid,
                             GError **error);
/* Checks that the libvirt LV connected to (URI) is on the side zv_cli_host_init
 * decided (libvirt's own default URI may name another host). */
gboolean zv_cli_host_connected (ZvCli *cli, const char *uri, GError **error);
/* Prints (stderr) which rules only zvfio-hook on the remote host checks for
 * CTX's remote target; nothing for a local one. */
void zv_cli_note_remote_rules (const ZvRuleContext *ctx);

/* Runs the rules on CTX, prints the violations to stderr; FALSE (ZV_ERROR_RULE,
 * "refusing to WHAT") when one is an error (cli-rules.c). */
gboolean zv_cli_enforce_rules (const ZvRuleContext *ctx, const char *what, GError **error);

/* Sets ERROR (CODE) for a failure the command has shown already (e.g. check's
 * violations): main.c exits with its code and prints nothing more. */
void zv_cli_set_reported (GError **error, ZvErrorCode code);
/* The global short options that take a value (-r DIR, -c URI). */
#define ZV_CLI_GLOBAL_VALUE_LETTERS "rc"
/* Every short option of any command that takes a value (check -d FILE -o OP,
 * define -u UUID), split before the global options are taken out of a
 * command's arguments: GOption would read "-oprepare" as a cluster of flags. */
#define ZV_CLI_ANY_VALUE_LETTERS ZV_CLI_GLOBAL_VALUE_LETTERS "dou"
/* Splits "-XVALUE" into "-X" "VALUE" for the short options X in LETTERS that take
 * a value, as GNU getopt reads them (*ARGV may be replaced; freed by
 * zv_cli_free_split_args). */
void zv_cli_split_attached (int *argc, char ***argv, const char *letters);
/* Frees the argument vectors zv_cli_split_attached made. */
void zv_cli_free_split_args (void);
/* Parses command options with GOption; sets a ZV_ERROR_USAGE error on failure. */
gboolean zv_cli_parse (const char *command, const char *params, const char *summary,
                       GOptionEntry *entries, int *argc, char ***argv, GError **error);
/* Prints "zvfio: MESSAGE" to stderr: wrapped to the terminal's width (at most
 * ZV_TEXT_WIDTH) when stderr is one, else on one line. */
void zv_cli_message (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Prints the inventory's warnings to stderr. */
void zv_cli_print_warnings (GPtrArray *warnings);
/* Prints JSON NODE to stdout. */
void zv_cli_print_json (JsonNode *node);

/* A simple aligned text table. */
typedef struct _ZvTable ZvTable;
/* Creates a table with the NULL-terminated column headers. */
ZvTable *zv_table_new (const char *first_header, ...) G_GNUC_NULL_TERMINATED;
/* Adds a row of exactly as many cells as headers (NULL-terminated). */
void zv_table_add (ZvTable *table, const char *first_cell, ...) G_GNUC_NULL_TERMINATED;
/* Prints the table (header, separator, rows) to stdout and frees it. */
void zv_table_print_free (ZvTable *table);
/* Frees a table without printing it. */
void zv_table_free (ZvTable *table);

/* Formats the subchannel/zPCI tables used by list and show. */
void zv_print_subchannel_table (GPtrArray *subchannels);
/* Creates the subchannel list, filled row by row (zv_table_print_free prints it). */
ZvTable *zv_subchannel_table_new (void);
/* Adds the row of SCH to a table from zv_subchannel_table_new. */
void zv_subchannel_table_add (ZvTable *table, const ZvSubchannel *sch);
void zv_print_pci_table (GPtrArray *pci_functions, GPtrArray *standby);

G_END_DECLS
