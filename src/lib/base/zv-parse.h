/* zvfio: pure parsers for kernel sysfs formats and user-supplied ids.
 * No I/O here, so every function can be fuzzed directly. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A css bus id: "0.<ssid>.<number>" (subchannel or ccw device). */
typedef struct {
  guint cssid;
  guint ssid;
  guint number;
} ZvBusId;

/* A PCI address DDDD:BB:dd.f */
typedef struct {
  guint domain;
  guint bus;
  guint slot;
  guint function;
} ZvPciAddress;

/* What kind of device an id given by the user names. */
typedef enum {
  ZV_ID_INVALID,
  ZV_ID_BUSID,        /* 0.0.1234: a devno or a subchannel (devno preferred) */
  ZV_ID_DEVNO,        /* ccw:0.0.1234 / devno:0.0.1234 / 1234 / 0x1234 */
  ZV_ID_SUBCHANNEL,   /* sch:0.0.0001 */
  ZV_ID_PCI,          /* 0000:00:00.0 */
  ZV_ID_FID,          /* fid:0x1f */
  ZV_ID_UUID,         /* an mdev UUID, or mdev_<uuid>[_0_0_0041] */
} ZvIdKind;
/* libvirt node-device names are IDs too: css_0_0_0041 (ZV_ID_SUBCHANNEL),
 * ccw_0_0_0100 (ZV_ID_DEVNO), mdev_<uuid>_0_0_0041 / mdev_<uuid> (ZV_ID_UUID,
 * the first with its parent) and pci_0011_00_00_0 (ZV_ID_PCI), spelled exactly
 * as libvirt names them (lowercase hex, the kernel's digit counts). */

/* A parsed user id with its normalized text ("0.0.1234", "0001:00:00.0", ...). */
typedef struct {
  ZvIdKind kind;
  ZvBusId busid;
  ZvPciAddress pci;
  guint32 fid;
  gboolean nodedev_name;      /* given as a libvirt node-device name */
  gboolean has_mdev_parent;   /* mdev_<uuid>_0_0_0041: the parent subchannel named */
  ZvBusId mdev_parent;
  char normalized[64];
} ZvId;

/* TRUE when A and B are the same bus id. */
gboolean zv_busid_equal (const ZvBusId *a, const ZvBusId *b);
/* Parses "0.S.XXXX" strictly (one hex digit cssid 0..ff, ssid 0..3, 4 hex digits). */
gboolean zv_parse_busid (const char *text, ZvBusId *out);
/* Parses a bus id only when TEXT is spelled exactly as the kernel names it
 * (literal 0 cssid, lowercase hex): parent names, sysfs directory names. */
gboolean zv_parse_busid_canonical (const char *text, ZvBusId *out);
/* Formats a bus id the way the kernel names it ("0.1.00ab"). */
void zv_format_busid (const ZvBusId *id, char buf[16]);
/* Parses a user id (see ZvIdKind) and normalizes it. */
gboolean zv_parse_id (const char *text, ZvId *out);
/* The ID of KIND (ZV_ID_BUSID, _DEVNO or _SUBCHANNEL) for bus id BUSID,
 * normalized, without parsing text: for a value that is parsed already. */
void zv_id_from_busid (ZvIdKind kind, const ZvBusId *busid, ZvId *out);
/* The ZV_ID_PCI ID of ADDRESS, normalized (see zv_id_from_busid). */
void zv_id_from_pci (const ZvPciAddress *address, ZvId *out);
/* The ZV_ID_UUID ID of UUID, a UUID as zv_parse_uuid writes it (see zv_id_from_busid). */
void zv_id_from_uuid (const char uuid[37], ZvId *out);
/* Why TEXT, shaped like a bus id C.S.XXXX (optionally after sch:, ccw: or
 * devno:), is refused by zv_parse_id ("the subchannel set ... must be 0-3", a
 * cssid other than 0, a number without four digits); NULL for other text. */
const char *zv_parse_id_problem (const char *text);
/* TRUE when TEXT starts like a libvirt node-device name zvfio knows (css_,
 * ccw_, mdev_, pci_), whether or not the rest is valid. */
gboolean zv_id_looks_like_nodedev_name (const char *text);
/* Parses a libvirt node-device name strictly (see ZvId) into OUT. */
gboolean zv_parse_nodedev_name (const char *text, ZvId *out);
/* Parses a canonical UUID (36 chars, any hex case); writes it lowercase to BUF. */
gboolean zv_parse_uuid (const char *text, char buf[37]);
/* Parses "0x<hex>" (at most 8 hex digits). */
gboolean zv_parse_hex_u32 (const char *text, guint32 *out);
/* Parses hex with or without 0x (at most 8 digits). */
gboolean zv_parse_hex_u32_loose (const char *text, guint32 *out);
/* Parses a decimal unsigned number (at most 10 digits, < 2^32). */
gboolean zv_parse_dec_u32 (const char *text, guint32 *out);
/* Parses a boolean sysfs flag "0"/"1". */
gboolean zv_parse_flag (const char *text, gboolean *out);
/* Parses the chpids attribute: 8 x "%02x " (trailing space optional). */
gboolean zv_parse_chpids (const char *text, guint8 out[8]);
/* Parses the pimpampom attribute "%02x %02x %02x". */
gboolean zv_parse_pimpampom (const char *text, guint8 out[3]);
/* Parses a "%04x/%02x" type/model pair (cutype, devtype). */
gboolean zv_parse_type_model (const char *text, guint *type, guint *model);
/* The control unit and device type/model pairs of a ccw device's uevent. */
typedef struct {
  guint cu_type, cu_model, dev_type, dev_model;
} ZvCcwIds;
/* Parses the CU_TYPE, CU_MODEL, DEV_TYPE and DEV_MODEL lines of a ccw device's
 * uevent (TEXT of LEN bytes, hex of 4/2/4/2 digits as the kernel prints them);
 * FALSE when one of them is missing, repeated or malformed. Other lines are
 * skipped. */
gboolean zv_parse_ccw_uevent_ids (const char *text, gsize len, ZvCcwIds *out);
/* Parses a PCI address "DDDD:BB:dd.f". */
gboolean zv_parse_pci_address (const char *text, ZvPciAddress *out);
/* Formats a PCI address like the kernel ("0005:00:00.0"). */
void zv_format_pci_address (const ZvPciAddress *addr, char buf[32]);
/* Decodes an EBCDIC (IBM-1047) utility string, trailing blanks and NULs dropped. */
char *zv_ebcdic_to_utf8 (const guint8 *data, gsize length);
/* The s390-tools name of a PCI function type, or NULL when unknown. */
const char *zv_pft_name (guint pft);
/* TRUE when a cutype string names a QDIO control unit (1731/xx). */
gboolean zv_cutype_is_qdio (const char *cutype);

G_END_DECLS
