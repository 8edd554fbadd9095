/* zvfio: generating <hostdev> XML, choosing free guest addresses, and editing
 * the <devices> of a domain XML. */
#include "zv-hostdev.h"
#include "zv-error.h"
#include "zv-xml.h"

#include <libxml/xmlwriter.h>
#include <string.h>

#define ZV_CCW_MAX_SSID 3
#define ZV_CCW_MAX_DEVNO 0xffff
#define ZV_ZPCI_MAX_UID 0xffff

/* Writes attribute NAME with a printf-formatted value. */
static void G_GNUC_PRINTF (3, 4)
attr_printf (xmlTextWriterPtr w, const char *name, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *value = g_strdup_vprintf (format, args);
  va_end (args);
  xmlTextWriterWriteAttribute (w, BAD_CAST name, BAD_CAST value);
}

/* Writes <source><address .../></source> of HD. */
static void
write_source (xmlTextWriterPtr w, const ZvHostdev *hd)
{
  xmlTextWriterStartElement (w, BAD_CAST "source");
  xmlTextWriterStartElement (w, BAD_CAST "address");
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    xmlTextWriterWriteAttribute (w, BAD_CAST "uuid", BAD_CAST hd->uuid);
  else
    {
      const ZvPciAddress pci = hd->pci;
      attr_printf (w, "domain", "0x%04x", pci.domain);
      attr_printf (w, "bus", "0x%02x", pci.bus);
      attr_printf (w, "slot", "0x%02x", pci.slot);
      attr_printf (w, "function", "0x%x", pci.function);
    }
  xmlTextWriterEndElement (w);
  xmlTextWriterEndElement (w);
}

/* Writes the guest <address> of HD (ccw, or pci with <zpci>), if any. */
static void
write_guest_address (xmlTextWriterPtr w, const ZvHostdev *hd)
{
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW && hd->has_ccw_address)
    {
      xmlTextWriterStartElement (w, BAD_CAST "address");
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "ccw");
      attr_printf (w, "cssid", "0x%x", hd->ccw.cssid);
      attr_printf (w, "ssid", "0x%x", hd->ccw.ssid);
      attr_printf (w, "devno", "0x%04x", hd->ccw.devno);
      xmlTextWriterEndElement (w);
    }
  else if (hd->kind == ZV_HOSTDEV_PCI && (hd->has_uid || hd->has_fid))
    {
      xmlTextWriterStartElement (w, BAD_CAST "address");
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "pci");
      xmlTextWriterStartElement (w, BAD_CAST "zpci");
      if (hd->has_uid)
        attr_printf (w, "uid", "0x%04x", hd->uid);
      if (hd->has_fid)
        attr_printf (w, "fid", "0x%08x", hd->fid);
      xmlTextWriterEndElement (w);
      xmlTextWriterEndElement (w);
    }
}

/* Writes the <hostdev> element for HD with libvirt's layout. */
char *
zv_hostdev_to_xml (const ZvHostdev *hd, const char *loadparm)
{
  g_return_val_if_fail (hd->kind == ZV_HOSTDEV_MDEV_CCW || hd->kind == ZV_HOSTDEV_PCI, NULL);
  ZvXmlOut out;
  zv_xml_out_init (&out);
  xmlTextWriterPtr w = out.writer;
  xmlTextWriterStartElement (w, BAD_CAST "hostdev");
  xmlTextWriterWriteAttribute (w, BAD_CAST "mode", BAD_CAST "subsystem");
  if (hd->kind == ZV_HOSTDEV_MDEV_CCW)
    {
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "mdev");
      xmlTextWriterWriteAttribute (w, BAD_CAST "managed", BAD_CAST "no");
      xmlTextWriterWriteAttribute (w, BAD_CAST "model", BAD_CAST "vfio-ccw");
    }
  else
    {
      xmlTextWriterWriteAttribute (w, BAD_CAST "type", BAD_CAST "pci");
      xmlTextWriterWriteAttribute (w, BAD_CAST "managed", BAD_CAST (hd->managed ? "yes" : "no"));
    }
  write_source (w, hd);
  if (hd->boot_order > 0)
    {
      xmlTextWriterStartElement (w, BAD_CAST "boot");
      attr_printf (w, "order", "%d", hd->boot_order);
      if (loadparm)
        xmlTextWriterWriteAttribute (w, BAD_CAST "loadparm", BAD_CAST loadparm);
      xmlTextWriterEndElement (w);
    }
  write_guest_address (w, hd);
  xmlTextWriterEndElement (w);
  return zv_xml_out_finish (&out);
}

/* Parses one hex field of a guest devno (optional 0x, 1..MAX_DIGITS digits) up to MAX. */
static gboolean
parse_hex_field (const char *text, guint max_digits, guint max, guint *out)
{
  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
    text += 2;
  gsize len = strlen (text);
  guint64 value;
  if (len == 0 || len > max_digits ||
      !g_ascii_string_to_unsigned (text, 16, 0, max, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

/* Parses a guest ccw address "fe.S.DDDD". */
gboolean
zv_hostdev_parse_guest_devno (const char *text, ZvCcwAddress *out, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ".", -1);
  ZvCcwAddress addr;
  if (g_strv_length (parts) != 3 || !parse_hex_field (parts[0], 2, 0xfe, &addr.cssid) ||
      !parse_hex_field (parts[1], 1, ZV_CCW_MAX_SSID, &addr.ssid) ||
      !parse_hex_field (parts[2], 4, ZV_CCW_MAX_DEVNO, &addr.devno))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "'%s' is not a guest ccw address (expected fe.S.DDDD: cssid up to fe, "
                   "ssid 0-3, devno 0000-ffff, all hex)", text);
      return FALSE;
    }
  *out = addr;
  return TRUE;
}

/* Checks and normalizes a boot loadparm (libvirt: [a-zA-Z0-9. ]{1,8}, uppercased). */
char *
zv_hostdev_normalize_loadparm (const char *text, GError **error)
{
  gsize len = strlen (text);
  gboolean ok = len >= 1 && len <= 8;
  for (gsize i = 0; ok && i < len; i++)
    ok = g_ascii_isalnum (text[i]) || text[i] == '.' || text[i] == ' ';
  if (!ok)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_USAGE,
                   "loadparm '%s' is invalid (1 to 8 of A-Z, 0-9, '.' and space)", text);
      return NULL;
    }
  return g_ascii_strup (text, -1);
}

/* Picks a free guest ccw address: the host devno when free, else the lowest free. */
gboolean
zv_hostdev_pick_devno (const ZvDomain *domain, const ZvBusId *host, ZvCcwAddress *out)
{
  if (host != NULL && host->ssid <= ZV_CCW_MAX_SSID)
    {
      ZvCcwAddress same = { ZV_GUEST_CSSID, host->ssid, host->number };
      if (!zv_domain_uses_ccw_address (domain, &same))
        {
          *out = same;
          return TRUE;
        }
    }
  for (guint ssid = 0; ssid <= ZV_CCW_MAX_SSID; ssid++)
    for (guint devno = 0; devno <= ZV_CCW_MAX_DEVNO; devno++)
      {
        ZvCcwAddress candidate = { ZV_GUEST_CSSID, ssid, devno };
        if (!zv_domain_uses_ccw_address (domain, &candidate))
          {
            *out = candidate;
            return TRUE;
          }
      }
  return FALSE;
}

/* Picks PREFERRED when allowed and unused in USED, else the lowest unused in FIRST..LAST. */
static gboolean
pick_value (GArray *used, gboolean has_preferred, guint preferred, guint first, guint last,
            guint *out)
{
  if (has_preferred && preferred >= first && preferred <= last && !zv_domain_values_have (used, preferred))
    {
      *out = preferred;
      return TRUE;
    }
  for (guint64 v = first; v <= last; v++)
    if (!zv_domain_values_have (used, v))
      {
        *out = v;
        return TRUE;
      }
  return FALSE;
}

/* Picks a free zPCI uid: the host uid when free and in range, else the lowest free. */
gboolean
zv_hostdev_pick_uid (const ZvDomain *domain, gboolean has_host_uid, guint host_uid, guint *out)
{
  return pick_value (domain ? domain->zpci_uids : NULL, has_host_uid, host_uid, 1,
                     ZV_ZPCI_MAX_UID, out);
}

/* Picks a free zPCI fid: the host fid when free, else the lowest free from 0. */
gboolean
zv_hostdev_pick_fid (const ZvDomain *domain, gboolean has_host_fid, guint host_fid, guint *out)
{
  return pick_value (domain ? domain->zpci_fids : NULL, has_host_fid, host_fid, 0, G_MAXUINT32,
                     out);
}

/* The first child element of PARENT called NAME, or NULL. */
static xmlNodePtr
child_element (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr n = parent->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && xmlStrcmp (n->name, BAD_CAST name) == 0)
      return n;
  return NULL;
}

/* Returns DOMAIN_XML with HOSTDEV_XML appended to <devices>. */
char *
zv_hostdev_domain_insert (const char *domain_xml, const char *hostdev_xml, GError **error)
{
  g_autoptr (xmlDoc) doc = zv_xml_parse (domain_xml, -1, "domain", "domain XML", error);
  g_autoptr (xmlDoc) fragment = doc ? zv_xml_parse (hostdev_xml, -1, "hostdev", "hostdev XML",
                                                    error)
                                    : NULL;
  if (fragment == NULL)
    return NULL;
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr devices = child_element (root, "devices");
  if (devices == NULL)
    devices = xmlNewChild (root, NULL, BAD_CAST "devices", NULL);
  xmlNodePtr copy = xmlDocCopyNode (xmlDocGetRootElement (fragment), doc, 1);
  xmlAddChild (devices, copy);
  return zv_xml_doc_to_string (doc);
}

/* Parses one <hostdev> element through zv_domain_parse, so the matching below
 * understands exactly what the domain parser understands. */
static ZvDomain *
parse_single_hostdev (xmlNodePtr node, GError **error)
{
  g_autofree char *text = zv_xml_node_to_string (node);
  g_autofree char *wrapped = g_strconcat ("<domain><name>hostdev</name><devices>", text,
                                          "</devices></domain>", NULL);
  return zv_domain_parse (wrapped, -1, error);
}

/* Returns DOMAIN_XML without the hostdevs using mdev UUID or PCI address PCI. */
char *
zv_hostdev_domain_remove (const char *domain_xml, const char *uuid, const char *pci,
                          char **removed, GError **error)
{
  g_autoptr (xmlDoc) doc = zv_xml_parse (domain_xml, -1, "domain", "domain XML", error);
  if (doc == NULL)
    return NULL;
  xmlNodePtr root = xmlDocGetRootElement (doc);
  xmlNodePtr devices = child_element (root, "devices");
  g_autofree char *first_removed = NULL;
  for (xmlNodePtr n = devices ? devices->children : NULL, next; n; n = next)
    {
      next = n->next;
      if (n->type != XML_ELEMENT_NODE || xmlStrcmp (n->name, BAD_CAST "hostdev") != 0)
        continue;
      g_autoptr (ZvDomain) single = parse_single_hostdev (n, error);
      if (single == NULL)
        return NULL;
      gboolean match = (uuid && zv_domain_find_mdev (single, uuid)) ||
                       (pci && zv_domain_find_pci (single, pci));
      if (!match)
        continue;
      if (first_removed == NULL)
        first_removed = zv_xml_node_to_string (n);
      xmlUnlinkNode (n);
      xmlFreeNode (n);
    }
  if (first_removed == NULL)
    {
      xmlNodePtr name_node = child_element (root, "name");
      xmlChar *name = name_node ? xmlNodeGetContent (name_node) : NULL;
      g_set_error (error, ZV_ERROR, ZV_ERROR_NOT_FOUND, "domain '%s' has no hostdev for %s",
                   name ? (const char *) name : "?", uuid ? uuid : pci);
      xmlFree (name);
      return NULL;
    }
  if (removed)
    *removed = g_steal_pointer (&first_removed);
  return zv_xml_doc_to_string (doc);
}
