/* zvfio: the intent records of the mdev operations that take more than one
 * step, `zvfio define ID --start` (mdevctl define, then mdevctl start) and
 * `zvfio attach DOMAIN ID --define` (mdevctl define, then the libvirt change),
 * kept in /run/zvfio/mdev/<uuid>.json from before the first change until the
 * operation finished or was rolled back, so that `zvfio repair` (or the same
 * command run again) undoes what an interrupted one created, and only that.
 * Loading, saving or removing a record first clears the directory of the temporary
 * files a killed writer left (zv_temp_sweep_before_write, once per process). */
#pragma once

#include <glib.h>
#include "zv-root.h"
#include "zv-paths.h"
#include "zv-lock.h"
#include "zv-parse.h"

G_BEGIN_DECLS

#define ZV_MDEV_INTENT_DIR ZV_STATE_DIR "/mdev"
/* The record format's version written. Version 2 added "definition" (the proof that
 * the operation's own mdevctl define made the definition); version-1 records are
 * still read, as records without that proof. */
#define ZV_MDEV_INTENT_VERSION 2
/* The longest libvirt URI a record holds. */
#define ZV_MDEV_INTENT_MAX_URI 1024

/* Which operation a record describes. */
typedef enum {
  ZV_MDEV_OP_DEFINE_START,   /* "define-start": zvfio define --start */
  ZV_MDEV_OP_ATTACH_DEFINE,  /* "attach-define": zvfio attach --define */
} ZvMdevOp;

/* The steps, in order; the record names the last one started (maybe not finished).
 * The UUID was neither defined nor running when the record was first written (with
 * step DEFINE and no definition). Right after mdevctl define returns, the record is
 * rewritten with the identity of the definition file that define made; only a
 * definition that still is that file is ever removed again. */
typedef enum {
  ZV_MDEV_STEP_DEFINE,    /* mdevctl define of UUID on PARENT */
  ZV_MDEV_STEP_START,     /* define-start: mdevctl start of UUID */
  ZV_MDEV_STEP_LIBVIRT,   /* attach-define: the hostdev goes into DOMAIN at URI */
  ZV_MDEV_STEP_UNDO,      /* a failure: the operation takes back what it made */
} ZvMdevStep;

/* The identity of one mdevctl definition file, /etc/mdevctl.d/<parent>/<name>: what
 * a record keeps as proof that its operation's mdevctl define made it. Another
 * definition of the UUID (undefined and defined again, or changed) differs in its
 * inode, its change time or its contents. */
typedef struct {
  char name[37];          /* the file name: the UUID, in whatever case mdevctl wrote it */
  gint64 inode;           /* st_ino (1 .. G_MAXINT64) */
  gint64 size;            /* st_size (0 .. ZV_MAX_FILE_SIZE) */
  gint64 ctime_ns;        /* st_ctim in nanoseconds since the epoch */
  gint64 mtime_ns;        /* st_mtim in nanoseconds since the epoch */
  char sha256[65];        /* of the contents, lowercase hex */
} ZvMdevDefinitionId;

/* One interrupted (or running) mdev operation. */
typedef struct {
  ZvMdevOp op;
  char uuid[37];          /* lowercase */
  char *parent;           /* subchannel "0.0.0144", as the record has it */
  ZvBusId parent_id;      /* ... parsed (once: when the record is read or made) */
  ZvMdevStep step;
  char *uri;              /* attach-define: the libvirt URI; NULL otherwise */
  char *domain;           /* attach-define: the domain name; NULL otherwise */
  ZvMdevDefinitionId *definition;  /* the definition this operation made; NULL until
                                    * its mdevctl define returned (or never proven) */
} ZvMdevIntent;

/* Allocates a record of OP for UUID (normalized) on subchannel PARENT at step DEFINE. */
ZvMdevIntent *zv_mdev_intent_new (ZvMdevOp op, const char *uuid, const ZvBusId *parent);
/* Frees a record. */
void zv_mdev_intent_free (ZvMdevIntent *intent);
/* "define-start" / "attach-define". */
const char *zv_mdev_op_name (ZvMdevOp op);
/* "define", "start", "libvirt", "undo". */
const char *zv_mdev_step_name (ZvMdevStep step);
/* Serializes a record as JSON text. */
char *zv_mdev_intent_to_json (const ZvMdevIntent *intent);
/* Parses and validates a record strictly (pure, no I/O); the URI of an attach-define
 * record must pass zv_mdev_intent_check_uri. */
ZvMdevIntent *zv_mdev_intent_parse (const char *data, gssize length, GError **error);

/* The libvirt URIs an attach-define record may hold, checked when a record is
 * written and when it is read (repair connects to it, so a record must not be
 * able to make zvfio run a program): DRIVER[+TRANSPORT]://[USER@][HOST][:PORT]/[PATH]
 * [?NAME=VALUE&...], where TRANSPORT is none (local), unix, tls, tcp, ssh or
 * libssh, and each NAME one of keyfile, mode, no_tty, no_verify, pkipath, sshauth
 * and tls_priority;
 * no "ext" transport, no command=, netcat=, socket=, proxy= or name=, no other
 * transport or parameter, no percent escapes, no fragment; user and host may not
 * start with '-'. FALSE with an error (ZV_ERROR_INVALID) saying what is refused
 * (pure). */
gboolean zv_mdev_intent_check_uri (const char *uri, GError **error);

/* Writes /run/zvfio/mdev/<uuid>.json atomically; refuses (nothing written) a URI
 * that zv_mdev_intent_check_uri refuses. */
gboolean zv_mdev_intent_save (ZvRoot *root, const ZvMdevIntent *intent, GError **error);
/* Loads the record of UUID; NULL without error when there is none. A record that
 * exists but cannot be read or is refused gives an error (code of the cause) that
 * names the file, says zvfio leaves it alone and how an admin removes it. */
ZvMdevIntent *zv_mdev_intent_load (ZvRoot *root, const char *uuid, GError **error);
/* Removes the record of UUID (a missing one is fine). */
gboolean zv_mdev_intent_remove (ZvRoot *root, const char *uuid, GError **error);
/* The UUIDs of every record (sorted; names that are no lowercase UUID skipped). */
GPtrArray *zv_mdev_intent_list (ZvRoot *root, GError **error);
/* Reads the identity of the definition of UUID (lowercase) on subchannel PARENT
 * into *ID; *FOUND is FALSE (and ID untouched) when PARENT has none. FALSE with an
 * error when it cannot be read, or when several files there name UUID. */
gboolean zv_mdev_definition_identify (ZvRoot *root, const ZvBusId *parent, const char *uuid,
                                      ZvMdevDefinitionId *id, gboolean *found, GError **error);
/* TRUE when A and B are the same file with the same contents. */
gboolean zv_mdev_definition_id_equal (const ZvMdevDefinitionId *a, const ZvMdevDefinitionId *b);
/* A definition identity for messages: "inode N, N bytes, changed <UTC time>, sha256 <hex>". */
char *zv_mdev_definition_id_describe (const ZvMdevDefinitionId *id);

/* Takes the lock of UUID's record, held by the operation from its first record
 * write to the record's removal, and by whoever repairs it. */
ZvLock *zv_mdev_intent_lock (ZvRoot *root, const char *uuid, pid_t owner, guint timeout_ms,
                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvMdevIntent, zv_mdev_intent_free)

G_END_DECLS
