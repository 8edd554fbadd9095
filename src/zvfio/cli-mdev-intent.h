/* zvfio CLI: running define --start and attach --define under their intent
 * records (zv-mdev-intent.h), and settling a record an interrupted run left. */
#pragma once

#include "cli.h"
#include "zv-lock.h"
#include "zv-mdev-intent.h"

G_BEGIN_DECLS

/* How long an operation or repair waits for another zvfio working on the same mdev. */
#define ZV_CLI_MDEV_LOCK_TIMEOUT_MS 10000

/* What settling one record did. */
typedef enum {
  ZV_MDEV_SETTLED_NO_RECORD,  /* there was none */
  ZV_MDEV_SETTLED_UNDONE,     /* what the operation created is taken back */
  ZV_MDEV_SETTLED_FINISHED,   /* attach --define had finished: the domain has the hostdev */
} ZvMdevSettled;

/* Settles the record of UUID (lowercase): an attach --define whose domain has the
 * mdev's hostdev had finished (the record is dropped); any other is undone (the mdev
 * stopped when running, its definition removed, then the record). Takes the
 * record's lock unless HELD. FALSE (record kept) when libvirt cannot be asked or a
 * step fails. */
gboolean zv_cli_mdev_settle (ZvCli *cli, const char *uuid, gboolean held,
                             ZvMdevSettled *settled, GError **error);
/* Settles every record of operation OP on PARENT (a re-run of that operation
 * there repairs first, before it looks at the subchannel's mdevs), printing what
 * it did; *COUNT (may be NULL) receives how many records there were. */
gboolean zv_cli_mdev_settle_parent (ZvCli *cli, ZvMdevOp op, const char *parent, guint *count,
                                    GError **error);
/* Before the first change of INTENT's operation: takes its lock (*LOCK), settles an
 * old record of the UUID, refuses a UUID that is defined or running already (the
 * record must only ever name what this operation creates), and writes the record. */
gboolean zv_cli_mdev_intent_begin (ZvCli *cli, ZvMdevIntent *intent, ZvLock **lock,
                                   GError **error);
/* Before a plain define of UUID: takes its lock (*LOCK), settles an old record of
 * it, refuses a UUID that is defined already (exit 2). */
gboolean zv_cli_mdev_reserve (ZvCli *cli, const char *uuid, ZvLock **lock, GError **error);
/* Advances INTENT to STEP (written before that step's change). */
gboolean zv_cli_mdev_intent_step (ZvCli *cli, ZvMdevIntent *intent, ZvMdevStep step,
                                  GError **error);
/* The operation finished: removes its record. */
gboolean zv_cli_mdev_intent_done (ZvCli *cli, ZvMdevIntent *intent, GError **error);
/* Rolls INTENT's operation back after a failure (step UNDO, stop, undefine, record
 * removed); FALSE with a message when something stays (the record too). */
gboolean zv_cli_mdev_intent_undo (ZvCli *cli, ZvMdevIntent *intent, GError **error);
/* Prints on stdout what settling UUID did (nothing for NO_RECORD unless VERBOSE). */
void zv_cli_mdev_print_settled (const char *uuid, ZvMdevSettled settled, gboolean verbose);

G_END_DECLS
