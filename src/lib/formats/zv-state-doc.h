/* zvfio: the desired-state document of 'zvfio export' and 'zvfio apply'
 * (schemas/zvfio-state.schema.json): which devices are passed through to which
 * domain, and how, and which devices must be back with the host. The parser is
 * pure (string in, struct out, strict), so it can be fuzzed. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "zv-parse.h"

G_BEGIN_DECLS

/* The "version" this zvfio reads and writes. */
#define ZV_STATE_DOC_VERSION 1
/* The most entries a document may list ("passthroughs" plus "host"). */
#define ZV_STATE_DOC_MAX_ENTRIES 4096
/* The largest document zvfio reads (bytes). */
#define ZV_STATE_DOC_MAX_SIZE (4 * 1024 * 1024)

/* A member of a passthrough that may be absent: ZV_UNSET, FALSE or TRUE. */
#define ZV_UNSET (-1)

/* One passthrough: DEVICE goes to DOMAIN. Optional members keep whether they
 * were given (so a document round-trips); zv_state_passthrough_* give defaults. */
typedef struct {
  char *device;          /* any ID zvfio accepts */
  ZvId id;               /* DEVICE as the parser parsed it (kind ZV_ID_INVALID in an
                          * entry built, not parsed): nobody parses it again */
  char *domain;          /* libvirt domain name */
  char *mdev;            /* vfio-ccw: the mdev UUID (lowercase), NULL: any / a new one */
  gint persist;          /* driverctl override (prepare --persist); default FALSE */
  gint autostart;        /* vfio-ccw: the mdev definition says start=auto; default FALSE */
  gint offline;          /* vfio-ccw: prepare may set the ccw device offline
                          * ("offline": "allow" / "deny"); default FALSE (deny) */
  gint managed;          /* PCI: <hostdev managed='yes'>; default FALSE */
  char *guest_devno;     /* vfio-ccw: guest ccw address "fe.S.DDDD", NULL: any */
  gboolean has_uid, has_fid;
  guint uid, fid;        /* PCI: guest zPCI uid / fid */
} ZvStatePassthrough;

/* A whole document. */
typedef struct {
  GPtrArray *passthroughs;   /* ZvStatePassthrough* */
  GPtrArray *host;           /* char*: IDs of devices that must be back with the host */
  GArray *host_ids;          /* ZvId: each of HOST as the parser parsed it (empty in a
                              * document built, not parsed) */
} ZvStateDoc;

/* An empty document. */
ZvStateDoc *zv_state_doc_new (void);
/* Frees a document. */
void zv_state_doc_free (ZvStateDoc *doc);
/* A new passthrough of DEVICE to DOMAIN with every optional member unset. */
ZvStatePassthrough *zv_state_passthrough_new (const char *device, const char *domain);
/* Frees a passthrough. */
void zv_state_passthrough_free (ZvStatePassthrough *p);
/* A copy of P. */
ZvStatePassthrough *zv_state_passthrough_copy (const ZvStatePassthrough *p);
/* P's member VALUE (ZV_UNSET, FALSE or TRUE) with the default FALSE. */
gboolean zv_state_flag (gint value);

/* Parses and validates a document (pure, no I/O): version 1, known members only,
 * each of its type; IDs, UUIDs and guest addresses well-formed. WHAT names the
 * input in errors (ZV_ERROR_INVALID). */
ZvStateDoc *zv_state_doc_parse (const char *data, gsize length, const char *what,
                                GError **error);
/* Adds DOC to B as one object (members in schema order, unset ones left out). */
void zv_state_doc_build (JsonBuilder *b, const ZvStateDoc *doc);
/* Serializes DOC as pretty JSON with a trailing newline. */
char *zv_state_doc_to_json (const ZvStateDoc *doc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvStateDoc, zv_state_doc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvStatePassthrough, zv_state_passthrough_free)

G_END_DECLS
