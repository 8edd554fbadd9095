/* zvfio: pure parsers for kernel sysfs formats and user-supplied ids. */
#include "zv-parse.h"

#include <string.h>

/* Value of one hex digit, or -1. */
static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Parses exactly LEN hex digits at TEXT. */
static gboolean
parse_hex_n (const char *text, gsize len, guint *out)
{
  guint v = 0;
  for (gsize i = 0; i < len; i++)
    {
      int d = hexval (text[i]);
      if (d < 0)
        return FALSE;
      v = (v << 4) | (guint) d;
    }
  *out = v;
  return TRUE;
}

/* TRUE when A and B are the same bus id. */
gboolean
zv_busid_equal (const ZvBusId *a, const ZvBusId *b)
{
  return a->cssid == b->cssid && a->ssid == b->ssid && a->number == b->number;
}

/* Parses "0.S.XXXX" strictly. */
gboolean
zv_parse_busid (const char *text, ZvBusId *out)
{
  if (text == NULL)
    return FALSE;
  const char *dot1 = strchr (text, '.');
  if (dot1 == NULL || dot1 == text || dot1 - text > 2)
    return FALSE;
  const char *dot2 = strchr (dot1 + 1, '.');
  if (dot2 == NULL || dot2 - dot1 != 2)
    return FALSE;
  if (strlen (dot2 + 1) != 4)
    return FALSE;
  ZvBusId id;
  if (!parse_hex_n (text, (gsize) (dot1 - text), &id.cssid) ||
      !parse_hex_n (dot1 + 1, 1, &id.ssid) ||
      !parse_hex_n (dot2 + 1, 4, &id.number))
    return FALSE;
  if (id.ssid > 3)
    return FALSE;
  *out = id;
  return TRUE;
}

/* Parses a bus id only when TEXT is spelled exactly as the kernel names it. */
gboolean
zv_parse_busid_canonical (const char *text, ZvBusId *out)
{
  ZvBusId id;
  char formatted[16];
  if (!zv_parse_busid (text, &id) || id.cssid != 0)
    return FALSE;
  zv_format_busid (&id, formatted);
  if (strcmp (formatted, text) != 0)
    return FALSE;
  *out = id;
  return TRUE;
}

/* Formats a bus id the way the kernel names it. */
void
zv_format_busid (const ZvBusId *id, char buf[16])
{
  g_snprintf (buf, 16, "%x.%x.%04x", id->cssid, id->ssid, id->number);
}

/* Parses a canonical UUID; writes it lowercase to BUF. */
gboolean
zv_parse_uuid (const char *text, char buf[37])
{
  if (text == NULL || strlen (text) != 36 || !g_uuid_string_is_valid (text))
    return FALSE;
  for (int i = 0; i < 36; i++)
    buf[i] = g_ascii_tolower (text[i]);
  buf[36] = '\0';
  return TRUE;
}

/* Parses hex digits (1..8) at TEXT to the end of the string. */
static gboolean
parse_hex_tail (const char *text, guint32 *out)
{
  gsize len = strlen (text);
  guint v;
  if (len == 0 || len > 8 || !parse_hex_n (text, len, &v))
    return FALSE;
  *out = v;
  return TRUE;
}

/* Parses "0x<hex>" (at most 8 hex digits). */
gboolean
zv_parse_hex_u32 (const char *text, guint32 *out)
{
  if (text == NULL || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    return FALSE;
  return parse_hex_tail (text + 2, out);
}

/* Parses hex with or without 0x (at most 8 digits). */
gboolean
zv_parse_hex_u32_loose (const char *text, guint32 *out)
{
  if (text == NULL)
    return FALSE;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text += 2;
  return parse_hex_tail (text, out);
}

/* Parses a decimal unsigned number (< 2^32). */
gboolean
zv_parse_dec_u32 (const char *text, guint32 *out)
{
  if (text == NULL || *text == '\0' || strlen (text) > 10)
    return FALSE;
  guint64 v = 0;
  for (const char *p = text; *p; p++)
    {
      if (*p < '0' || *p > '9')
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  if (v > G_MAXUINT32)
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* Parses a boolean sysfs flag "0"/"1". */
gboolean
zv_parse_flag (const char *text, gboolean *out)
{
  if (text == NULL)
    return FALSE;
  if (strcmp (text, "0") == 0)
    *out = FALSE;
  else if (strcmp (text, "1") == 0)
    *out = TRUE;
  else
    return FALSE;
  return TRUE;
}

/* Parses N space-separated 2-digit hex bytes; one trailing space is allowed. */
static gboolean
parse_hex_bytes (const char *text, guint8 *out, guint n)
{
  if (text == NULL)
    return FALSE;
  const char *p = text;
  for (guint i = 0; i < n; i++)
    {
      guint v;
      if (!parse_hex_n (p, 2, &v) || p[0] == '\0' || p[1] == '\0')
        return FALSE;
      out[i] = (guint8) v;
      p += 2;
      if (i + 1 < n)
        {
          if (*p != ' ')
            return FALSE;
          p++;
        }
    }
  if (*p == ' ')
    p++;
  return *p == '\0';
}

/* Parses the chpids attribute: 8 x "%02x ". */
gboolean
zv_parse_chpids (const char *text, guint8 out[8])
{
  return parse_hex_bytes (text, out, 8);
}

/* Parses the pimpampom attribute "%02x %02x %02x". */
gboolean
zv_parse_pimpampom (const char *text, guint8 out[3])
{
  return parse_hex_bytes (text, out, 3);
}

/* Parses a "%04x/%02x" type/model pair. */
gboolean
zv_parse_type_model (const char *text, guint *type, guint *model)
{
  if (text == NULL || strlen (text) != 7 || text[4] != '/')
    return FALSE;
  guint t, m;
  if (!parse_hex_n (text, 4, &t) || !parse_hex_n (text + 5, 2, &m))
    return FALSE;
  *type = t;
  *model = m;
  return TRUE;
}

/* Parses the type/model lines of a ccw device's uevent (see zv-parse.h). */
gboolean
zv_parse_ccw_uevent_ids (const char *text, gsize len, ZvCcwIds *out)
{
  static const struct { const char *key; gsize key_len; gsize digits; gsize offset; } fields[] = {
    { "CU_TYPE=", 8, 4, G_STRUCT_OFFSET (ZvCcwIds, cu_type) },
    { "CU_MODEL=", 9, 2, G_STRUCT_OFFSET (ZvCcwIds, cu_model) },
    { "DEV_TYPE=", 9, 4, G_STRUCT_OFFSET (ZvCcwIds, dev_type) },
    { "DEV_MODEL=", 10, 2, G_STRUCT_OFFSET (ZvCcwIds, dev_model) },
  };
  if (text == NULL)
    return FALSE;
  ZvCcwIds ids = { 0 };
  guint seen = 0;
  for (gsize pos = 0; pos < len;)
    {
      const char *line = text + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize line_len = nl ? (gsize) (nl - line) : len - pos;
      pos += line_len + 1;
      if (line[0] != 'C' && line[0] != 'D')   /* DRIVER=, MODALIAS=, ...: skipped at once */
        continue;
      for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
        {
          gsize key_len = fields[f].key_len;
          if (line_len < key_len || memcmp (line, fields[f].key, key_len) != 0)
            continue;
          guint value;
          if ((seen & (1u << f)) || line_len != key_len + fields[f].digits ||
              !parse_hex_n (line + key_len, fields[f].digits, &value))
            return FALSE;
          G_STRUCT_MEMBER (guint, &ids, fields[f].offset) = value;
          seen |= 1u << f;
        }
    }
  if (seen != (1u << G_N_ELEMENTS (fields)) - 1)
    return FALSE;
  *out = ids;
  return TRUE;
}

/* Parses a PCI address "DDDD:BB:dd.f". */
gboolean
zv_parse_pci_address (const char *text, ZvPciAddress *out)
{
  if (text == NULL)
    return FALSE;
  const char *c1 = strchr (text, ':');
  if (c1 == NULL)
    return FALSE;
  gsize dlen = (gsize) (c1 - text);
  if (dlen < 4 || dlen > 8)
    return FALSE;
  if (strlen (c1) != 8 || c1[3] != ':' || c1[6] != '.')
    return FALSE;
  ZvPciAddress a;
  if (!parse_hex_n (text, dlen, &a.domain) || !parse_hex_n (c1 + 1, 2, &a.bus) ||
      !parse_hex_n (c1 + 4, 2, &a.slot) || !parse_hex_n (c1 + 7, 1, &a.function))
    return FALSE;
  if (a.slot > 0x1f || a.function > 7)
    return FALSE;
  *out = a;
  return TRUE;
}

/* Formats a PCI address like the kernel. */
void
zv_format_pci_address (const ZvPciAddress *addr, char buf[32])
{
  g_snprintf (buf, 32, "%04x:%02x:%02x.%x", addr->domain, addr->bus, addr->slot,
              addr->function);
}

/* The node-device name prefixes zvfio reads, with the ID kind each names. */
static const struct {
  const char *prefix;
  ZvIdKind kind;
} nodedev_prefixes[] = {
  { "css_", ZV_ID_SUBCHANNEL },
  { "ccw_", ZV_ID_DEVNO },
  { "mdev_", ZV_ID_UUID },
  { "pci_", ZV_ID_PCI },
};

/* TRUE when TEXT starts with a node-device name prefix zvfio knows (any case). */
gboolean
zv_id_looks_like_nodedev_name (const char *text)
{
  for (gsize i = 0; text != NULL && i < G_N_ELEMENTS (nodedev_prefixes); i++)
    if (g_ascii_strncasecmp (text, nodedev_prefixes[i].prefix,
                             strlen (nodedev_prefixes[i].prefix)) == 0)
      return TRUE;
  return FALSE;
}

/* Parses the "0_0_0041" tail of a css/ccw/mdev name (exactly 8 characters, as
 * libvirt writes the kernel's "0.0.0041") into OUT. */
static gboolean
parse_nodedev_busid (const char *text, ZvBusId *out)
{
  if (strlen (text) != 8 || text[1] != '_' || text[3] != '_')
    return FALSE;
  char dotted[9];
  memcpy (dotted, text, sizeof dotted);
  dotted[1] = dotted[3] = '.';
  return zv_parse_busid_canonical (dotted, out);
}

/* Parses the "0011_00_00_0" tail of a pci name (the kernel's "0011:00:00.0"). */
static gboolean
parse_nodedev_pci (const char *text, ZvPciAddress *out)
{
  gsize len = strlen (text);
  if (len < 12 || len > 16 || text[len - 2] != '_' || text[len - 5] != '_' ||
      text[len - 8] != '_')
    return FALSE;
  char colon[17];
  memcpy (colon, text, len + 1);
  colon[len - 8] = colon[len - 5] = ':';
  colon[len - 2] = '.';
  ZvPciAddress a;
  char formatted[32];
  if (!zv_parse_pci_address (colon, &a))
    return FALSE;
  zv_format_pci_address (&a, formatted);
  if (strcmp (formatted, colon) != 0)
    return FALSE;   /* not as the kernel (and so libvirt) spells it */
  *out = a;
  return TRUE;
}

/* Parses the "<uuid with _>[_0_0_0041]" tail of an mdev name into OUT. */
static gboolean
parse_nodedev_mdev (const char *text, ZvId *out)
{
  if (strlen (text) < 36)
    return FALSE;
  char dashed[37];
  memcpy (dashed, text, 36);
  dashed[36] = '\0';
  for (int i = 0; i < 36; i++)
    {
      gboolean separator = i == 8 || i == 13 || i == 18 || i == 23;
      if (separator != (dashed[i] == '_'))
        return FALSE;
      if (separator)
        dashed[i] = '-';
      else if (g_ascii_isupper (dashed[i]))
        return FALSE;   /* libvirt names mdevs by the kernel's lowercase UUID */
    }
  if (!zv_parse_uuid (dashed, out->normalized))
    return FALSE;
  const char *tail = text + 36;
  if (*tail == '\0')
    return TRUE;   /* mdev_<uuid>: libvirt before 7.8 */
  if (*tail != '_' || !parse_nodedev_busid (tail + 1, &out->mdev_parent))
    return FALSE;
  out->has_mdev_parent = TRUE;
  return TRUE;
}

/* Parses a libvirt node-device name strictly (see ZvId). */
gboolean
zv_parse_nodedev_name (const char *text, ZvId *out)
{
  memset (out, 0, sizeof *out);
  out->kind = ZV_ID_INVALID;
  if (text == NULL || strlen (text) >= 64)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (nodedev_prefixes); i++)
    {
      if (!g_str_has_prefix (text, nodedev_prefixes[i].prefix))
        continue;
      const char *rest = text + strlen (nodedev_prefixes[i].prefix);
      ZvIdKind kind = nodedev_prefixes[i].kind;
      gboolean ok;
      if (kind == ZV_ID_UUID)
        ok = parse_nodedev_mdev (rest, out);
      else if (kind == ZV_ID_PCI)
        ok = parse_nodedev_pci (rest, &out->pci);
      else
        ok = parse_nodedev_busid (rest, &out->busid);
      if (!ok)
        {
          memset (out, 0, sizeof *out);
          return FALSE;
        }
      if (kind == ZV_ID_PCI)
        zv_format_pci_address (&out->pci, out->normalized);
      else if (kind != ZV_ID_UUID)
        zv_format_busid (&out->busid, out->normalized);
      out->kind = kind;
      out->nodedev_name = TRUE;
      return TRUE;
    }
  return FALSE;
}

/* Parses a user id (see ZvIdKind) and normalizes it. */
gboolean
zv_parse_id (const char *text, ZvId *out)
{
  memset (out, 0, sizeof *out);
  out->kind = ZV_ID_INVALID;
  if (text == NULL || strlen (text) >= sizeof out->normalized)
    return FALSE;
  if (zv_id_looks_like_nodedev_name (text))
    return zv_parse_nodedev_name (text, out);

  char uuid[37];
  if (zv_parse_uuid (text, uuid))
    {
      out->kind = ZV_ID_UUID;
      g_strlcpy (out->normalized, uuid, sizeof out->normalized);
      return TRUE;
    }
  if (g_str_has_prefix (text, "fid:"))
    {
      if (!zv_parse_hex_u32_loose (text + 4, &out->fid))
        return FALSE;
      out->kind = ZV_ID_FID;
      g_snprintf (out->normalized, sizeof out->normalized, "fid:0x%08x", out->fid);
      return TRUE;
    }
  if (zv_parse_pci_address (text, &out->pci))
    {
      out->kind = ZV_ID_PCI;
      zv_format_pci_address (&out->pci, out->normalized);
      return TRUE;
    }

  ZvIdKind kind = ZV_ID_BUSID;
  const char *rest = text;
  if (g_str_has_prefix (text, "sch:"))
    kind = ZV_ID_SUBCHANNEL, rest = text + 4;
  else if (g_str_has_prefix (text, "ccw:"))
    kind = ZV_ID_DEVNO, rest = text + 4;
  else if (g_str_has_prefix (text, "devno:"))
    kind = ZV_ID_DEVNO, rest = text + 6;

  if (!zv_parse_busid (rest, &out->busid))
    {
      /* a bare devno "1234" / "0x1234" means 0.0.1234, as in cio_ignore */
      guint32 devno;
      if (kind == ZV_ID_SUBCHANNEL || !zv_parse_hex_u32_loose (rest, &devno) ||
          devno > 0xffff || strchr (rest, '.') != NULL)
        return FALSE;
      out->busid.cssid = 0;
      out->busid.ssid = 0;
      out->busid.number = devno;
      kind = ZV_ID_DEVNO;
    }
  if (out->busid.cssid != 0)
    return FALSE;   /* Linux names every css device with a literal 0 */
  out->kind = kind;
  zv_format_busid (&out->busid, out->normalized);
  return TRUE;
}

/* The ID of KIND for BUSID, normalized, without parsing text. */
void
zv_id_from_busid (ZvIdKind kind, const ZvBusId *busid, ZvId *out)
{
  memset (out, 0, sizeof *out);
  out->kind = kind;
  out->busid = *busid;
  zv_format_busid (busid, out->normalized);
}

/* The ZV_ID_PCI ID of ADDRESS, normalized. */
void
zv_id_from_pci (const ZvPciAddress *address, ZvId *out)
{
  memset (out, 0, sizeof *out);
  out->kind = ZV_ID_PCI;
  out->pci = *address;
  zv_format_pci_address (address, out->normalized);
}

/* The ZV_ID_UUID ID of UUID (as zv_parse_uuid writes it). */
void
zv_id_from_uuid (const char uuid[37], ZvId *out)
{
  memset (out, 0, sizeof *out);
  out->kind = ZV_ID_UUID;
  g_strlcpy (out->normalized, uuid, sizeof out->normalized);
}

/* Why TEXT, shaped like a bus id C.S.XXXX (after an optional sch:, ccw: or
 * devno:), is not one zv_parse_id accepts; NULL when it is not so shaped. */
const char *
zv_parse_id_problem (const char *text)
{
  if (text == NULL)
    return NULL;
  static const char *const prefixes[] = { "sch:", "ccw:", "devno:" };
  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (text, prefixes[i]))
      {
        text += strlen (prefixes[i]);
        break;
      }
  const char *dot1 = strchr (text, '.');
  const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;
  guint cssid, ssid, number;
  if (dot1 == NULL || dot2 == NULL || dot1 == text || dot1 - text > 2 ||
      !parse_hex_n (text, (gsize) (dot1 - text), &cssid) || dot2 - dot1 != 2 ||
      !parse_hex_n (dot1 + 1, 1, &ssid))
    return NULL;
  gsize digits = strlen (dot2 + 1);
  if (digits == 0 || digits > 4 || !parse_hex_n (dot2 + 1, digits, &number))
    return NULL;
  if (ssid > 3)
    return "the subchannel set (S in 0.S.XXXX) must be 0-3";
  if (cssid != 0)
    return "the channel subsystem (the first number of 0.S.XXXX) is always 0 in Linux";
  if (digits != 4)
    return "the number needs four hex digits (0.S.XXXX, e.g. 0.0.0100)";
  return NULL;
}

/* Decodes an EBCDIC (IBM-1047) utility string, trailing blanks and NULs dropped. */
char *
zv_ebcdic_to_utf8 (const guint8 *data, gsize length)
{
  while (length > 0 && (data[length - 1] == 0x40 || data[length - 1] == 0x00))
    length--;
  if (length == 0)
    return g_strdup ("");
  if (memchr (data, 0, length) != NULL)
    return NULL;
  gsize written = 0;
  char *text = g_convert ((const char *) data, (gssize) length, "UTF-8", "IBM1047", NULL,
                          &written, NULL);
  if (text == NULL)
    return NULL;
  /* control characters are not text */
  for (gsize i = 0; i < written; i++)
    if ((guchar) text[i] < 0x20 || text[i] == 0x7f)
      {
        g_free (text);
        return NULL;
      }
  return text;
}

/* The name of a PCI function type, or NULL when unknown. */
const char *
zv_pft_name (guint pft)
{
  static const struct { guint pft; const char *name; } table[] = {
    { 0x00, "unclassified" },
    { 0x02, "RoCE Express" },
    { 0x05, "ISM" },
    { 0x0a, "RoCE Express2" },
    { 0x0b, "NVMe" },
    { 0x0c, "Network Express Hybrid" },
    { 0x0d, "Cloud Network Adapter" },
    { 0x0f, "Network Express Dedicated" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].pft == pft)
      return table[i].name;
  return NULL;
}

/* TRUE when a cutype string names a QDIO control unit (1731/xx). */
gboolean
zv_cutype_is_qdio (const char *cutype)
{
  guint type, model;
  return cutype != NULL && zv_parse_type_model (cutype, &type, &model) && type == 0x1731;
}
