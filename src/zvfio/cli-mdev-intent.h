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
  ZV_MDEV_SETTLED_UNDONE,     /* what the operation provably created is taken back */
  ZV_MDEV_SETTLED_FINISHED,   /* attach --define had finished: the domain has the hostdev */
  ZV_MDEV_SETTLED_STARTED,    /* define --start had finished: its proven definition, the
                               * mdev running on its parent */
  ZV_MDEV_SETTLED_KEPT,       /* (returned with FALSE) zvfio cannot show that the operation
                               * made what is there: it and the record are kept */
} ZvMdevSettled;

/* Settles the record of UUID (lowercase), as repair does: an attach --define whose
 * domain has the mdev's hostdev had finished, and so had a define --start at step
 * start whose proven definition's mdev runs (the record is dropped); otherwise the
 * definition is removed (with 'mdevctl undefine -u UUID -p PARENT') only when the
 * record proves the operation made it, then the record. A running mdev is never
 * stopped. KEPT (FALSE, the error says why and how on) when a definition or a
 * running mdev is there that the record does not prove; FALSE too when libvirt
 * cannot be asked or a step fails (record kept). Takes the record's lock unless HELD. */
gboolean zv_cli_mdev_settle (ZvCli *cli, const char *uuid, gboolean held,
                             ZvMdevSettled *settled, GError **error);
/* The re-run of an operation settles the record of exactly that operation first, on
 * PARENT: define --start (OP DEFINE_START) that of UUID (none when UUID is NULL: a
 * new UUID), attach --define that of DOMAIN at URI. The records of other operations
 * on PARENT are left alone, each named in a note on stderr. *SETTLED receives what
 * settling the last matching record did (NO_RECORD: there was none). */
gboolean zv_cli_mdev_settle_rerun (ZvCli *cli, ZvMdevOp op, const char *parent,
                                   const char *uuid, const char *uri, const char *domain,
                                   ZvMdevSettled *settled, GError **error);
/* Before the first change of INTENT's operation: takes its lock (*LOCK), refuses a
 * UUID that has a record already (exit 2: another operation's, left for repair) or
 * that is defined or running already (the record must only ever name what this
 * operation creates), and writes the record (step DEFINE, no definition). */
gboolean zv_cli_mdev_intent_begin (ZvCli *cli, ZvMdevIntent *intent, ZvLock **lock,
                                   GError **error);
/* Before a plain define of UUID: takes its lock (*LOCK), refuses a UUID that has a
 * record (exit 2) or that is defined already (exit 2). */
gboolean zv_cli_mdev_reserve (ZvCli *cli, const char *uuid, ZvLock **lock, GError **error);
/* INTENT's mdevctl define (of its UUID on its parent), then at once the record's
 * proof: the identity of the definition file that define made, written with step
 * NEXT in one atomic rewrite. FALSE when the define fails, or when the definition
 * cannot be read back (then it is not proven, and an undo keeps it). */
gboolean zv_cli_mdev_define (ZvCli *cli, ZvMdevIntent *intent, ZvMdevStep next,
                             gboolean autostart, GError **error);
/* Advances INTENT to STEP (written before that step's change). */
gboolean zv_cli_mdev_intent_step (ZvCli *cli, ZvMdevIntent *intent, ZvMdevStep step,
                                  GError **error);
/* The operation finished: removes its record. */
gboolean zv_cli_mdev_intent_done (ZvCli *cli, ZvMdevIntent *intent, GError **error);
/* Rolls INTENT's operation back after a failure (step UNDO, the proven definition
 * removed, record removed); FALSE with a message when something stays (the record
 * too): a definition the record does not prove, or a running mdev, is kept. */
gboolean zv_cli_mdev_intent_undo (ZvCli *cli, ZvMdevIntent *intent, GError **error);
/* Prints on stdout what settling UUID did (nothing for NO_RECORD unless VERBOSE, and
 * nothing for KEPT, whose error says it). */
void zv_cli_mdev_print_settled (const char *uuid, ZvMdevSettled settled, gboolean verbose);

G_END_DECLS
