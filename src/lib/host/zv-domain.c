/* zvfio: the passthrough-relevant parts of a libvirt domain XML.
 * Pure: a string goes in, a ZvDomain comes out (parsed by zv_xml_parse: no
 * network, no DTD, no entity expansion, bounded size); every number is
 * range-checked like libvirt does. */
#include "zv-domain.h"
#include "zv-error.h"
#include "zv-parse.h"
#include "zv-xml.h"

#include <string.h>

/* Limits of libvirt's ccw and zPCI address attributes. */
#define ZV_CCW_MAX_CSSID 0xfe
#define ZV_CCW_MAX_SSID 0x3
#define ZV_CCW_MAX_DEVNO 0xffff
#define ZV_ZPCI_MAX_UID 0xffff
#define ZV_ZPCI_MAX_FID 0xffffffffu

/* Frees one hostdev. */
static void
hostdev_free (ZvHostdev *hd)
{
  if (hd == NULL)
    return;
  g_free (hd->pci_source);
  g_free (hd);
}

/* Frees a domain. */
void
zv_domain_free (ZvDomain *domain)
{
  if (domain == NULL)
    return;
  g_free (domain->name);
  g_free (domain->uuid);
  g_free (domain->type);
  g_free (domain->arch);
  g_free (domain->machine);
  g_free (domain->emulator);
  g_clear_pointer (&domain->hostdevs, g_ptr_array_unref);
  g_clear_pointer (&domain->ccw_addresses, g_array_unref);
  g_clear_pointer (&domain->zpci_uids, g_array_unref);
  g_clear_pointer (&domain->zpci_fids, g_array_unref);
  g_free (domain);
}

/* TRUE when NODE is an element called NAME. */
static gboolean
is_element (xmlNodePtr node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrcmp (node->name, BAD_CAST name) == 0;
}

/* The first child element of PARENT called NAME, or NULL. */
static xmlNodePtr
child_element (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr n = parent->children; n; n = n->next)
    if (is_element (n, name))
      return n;
  return NULL;
}

/* The attribute NAME of NODE as a g_malloc'ed string, or NULL. */
static char *
attr_dup (xmlNodePtr node, const char *name)
{
  xmlChar *value = xmlGetNoNsProp (node, BAD_CAST name);
  if (value == NULL)
    return NULL;
  char *copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

/* The text content of NODE, as it is, as a g_malloc'ed string. */
static char *
text_dup_verbatim (xmlNodePtr node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *copy = g_strdup (content ? (const char *) content : "");
  xmlFree (content);
  return copy;
}

/* The text content of NODE, whitespace-trimmed, as a g_malloc'ed string. */
static char *
text_dup (xmlNodePtr node)
{
  return g_strstrip (text_dup_verbatim (node));
}

/* Parses an unsigned number the way libvirt reads address attributes (C base 0:
 * "0x" hex, a leading "0" octal, else decimal); the whole text must be digits. */
static gboolean
parse_number (const char *text, guint64 max, guint64 *out)
{
  if (text == NULL || *text == '\0' || !g_ascii_isdigit (*text))
    return FALSE;
  guint base = 10;
  const char *digits = text;
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    {
      base = 16;
      digits = text + 2;
    }
  else if (text[0] == '0' && text[1] != '\0')
    {
      base = 8;
      digits = text + 1;
    }
  if (*digits == '\0' || strlen (digits) > 20)
    return FALSE;
  guint64 value = 0;
  if (!g_ascii_string_to_unsigned (digits, base, 0, max, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

/* Reads the numeric attribute NAME of NODE (in CONTEXT for messages) into OUT.
 * Absent: *PRESENT = FALSE. Malformed or above MAX: ZV_ERROR_INVALID. */
static gboolean
read_number_attr (xmlNodePtr node, const char *name, guint64 max, const char *context,
                  gboolean *present, guint64 *out, GError **error)
{
  g_autofree char *text = attr_dup (node, name);
  *present = text != NULL;
  *out = 0;
  if (text == NULL)
    return TRUE;
  if (!parse_number (text, max, out))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "domain XML: %s: invalid %s='%s' (expected a number 0..0x%" G_GINT64_MODIFIER
                   "x, hex with 0x or decimal)", context, name, text, max);
      return FALSE;
    }
  return TRUE;
}

/* Reads cssid/ssid/devno of a <address type='ccw'> element; all three or none
 * (libvirt rejects a partial ccw address). *PRESENT tells whether they were given. */
static gboolean
read_ccw_address (xmlNodePtr address, const char *context, gboolean *present,
                  ZvCcwAddress *out, GError **error)
{
  gboolean has_cssid, has_ssid, has_devno;
  guint64 cssid, ssid, devno;
  if (!read_number_attr (address, "cssid", ZV_CCW_MAX_CSSID, context, &has_cssid, &cssid, error) ||
      !read_number_attr (address, "ssid", ZV_CCW_MAX_SSID, context, &has_ssid, &ssid, error) ||
      !read_number_attr (address, "devno", ZV_CCW_MAX_DEVNO, context, &has_devno, &devno, error))
    return FALSE;
  if (!has_cssid && !has_ssid && !has_devno)
    {
      *present = FALSE;
      return TRUE;
    }
  if (!has_cssid || !has_ssid || !has_devno)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "domain XML: %s: partial ccw address (cssid, ssid and devno must be given together)",
                   context);
      return FALSE;
    }
  *present = TRUE;
  out->cssid = cssid;
  out->ssid = ssid;
  out->devno = devno;
  return TRUE;
}

/* What one device's guest <address> says. */
typedef struct {
  gboolean has_ccw;
  ZvCcwAddress ccw;
  gboolean has_uid, has_fid;
  guint uid, fid;
} GuestAddress;

/* Reads the guest address (a direct <address> child) of device element DEV. */
static gboolean
read_guest_address (xmlNodePtr dev, GuestAddress *out, GError **error)
{
  memset (out, 0, sizeof *out);
  xmlNodePtr address = child_element (dev, "address");
  if (address == NULL)
    return TRUE;
  g_autofree char *type = attr_dup (address, "type");
  g_autofree char *context = g_strdup_printf ("<%s> <address type='%s'>", (const char *) dev->name,
                                              type ? type : "");
  if (type && strcmp (type, "ccw") == 0)
    return read_ccw_address (address, context, &out->has_ccw, &out->ccw, error);
  if (type && strcmp (type, "pci") == 0)
    {
      xmlNodePtr zpci = child_element (address, "zpci");
      if (zpci == NULL)
        return TRUE;
      guint64 uid, fid;
      if (!read_number_attr (zpci, "uid", ZV_ZPCI_MAX_UID, context, &out->has_uid, &uid, error) ||
          !read_number_attr (zpci, "fid", ZV_ZPCI_MAX_FID, context, &out->has_fid, &fid, error))
        return FALSE;
      out->uid = uid;
      out->fid = fid;
    }
  return TRUE;
}

/* Reads <source><address domain bus slot function/> of a PCI hostdev into
 * *HOST_ADDRESS and as "%04x:%02x:%02x.%x" into *OUT. */
static gboolean
read_pci_source (xmlNodePtr hostdev, ZvPciAddress *host_address, char **out, GError **error)
{
  xmlNodePtr source = child_element (hostdev, "source");
  xmlNodePtr address = source ? child_element (source, "address") : NULL;
  if (address == NULL)
    {
      g_set_error_literal (error, ZV_ERROR, ZV_ERROR_INVALID,
                           "domain XML: <hostdev type='pci'> without <source><address>");
      return FALSE;
    }
  static const struct { const char *name; guint64 max; gboolean required; } parts[] = {
    { "domain", 0xffff, FALSE }, { "bus", 0xff, TRUE }, { "slot", 0x1f, TRUE },
    { "function", 0x7, TRUE },
  };
  guint64 value[G_N_ELEMENTS (parts)];
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      gboolean present;
      if (!read_number_attr (address, parts[i].name, parts[i].max,
                             "<hostdev type='pci'> <source><address>", &present, &value[i], error))
        return FALSE;
      if (!present && parts[i].required)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                       "domain XML: <hostdev type='pci'> <source><address> lacks %s=",
                       parts[i].name);
          return FALSE;
        }
    }
  ZvPciAddress pci = { value[0], value[1], value[2], value[3] };
  char buf[32];
  zv_format_pci_address (&pci, buf);
  *host_address = pci;
  *out = g_strdup (buf);
  return TRUE;
}

/* Reads <source><address uuid=.../> of a vfio-ccw mdev hostdev. */
static gboolean
read_mdev_source (xmlNodePtr hostdev, char uuid[37], GError **error)
{
  xmlNodePtr source = child_element (hostdev, "source");
  xmlNodePtr address = source ? child_element (source, "address") : NULL;
  g_autofree char *text = address ? attr_dup (address, "uuid") : NULL;
  if (text == NULL)
    {
      g_set_error_literal (error, ZV_ERROR, ZV_ERROR_INVALID,
                           "domain XML: <hostdev type='mdev'> without <source><address uuid=...>");
      return FALSE;
    }
  if (!zv_parse_uuid (text, uuid))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "domain XML: <hostdev type='mdev'>: invalid mdev uuid '%s'", text);
      return FALSE;
    }
  return TRUE;
}

/* Reads <boot order='N'/> of a hostdev (0 when absent). */
static gboolean
read_boot_order (xmlNodePtr hostdev, gint *out, GError **error)
{
  *out = 0;
  xmlNodePtr boot = child_element (hostdev, "boot");
  if (boot == NULL)
    return TRUE;
  gboolean present;
  guint64 order;
  if (!read_number_attr (boot, "order", G_MAXINT, "<hostdev> <boot>", &present, &order, error))
    return FALSE;
  if (!present || order == 0)
    {
      g_set_error_literal (error, ZV_ERROR, ZV_ERROR_INVALID,
                           "domain XML: <hostdev> <boot> needs order= 1 or more");
      return FALSE;
    }
  *out = order;
  return TRUE;
}

/* Builds the ZvHostdev of a <hostdev> element with its guest address GA. */
static ZvHostdev *
parse_hostdev (xmlNodePtr node, const GuestAddress *ga, GError **error)
{
  g_autofree char *mode = attr_dup (node, "mode");
  g_autofree char *type = attr_dup (node, "type");
  g_autofree char *model = attr_dup (node, "model");
  g_autofree char *managed = attr_dup (node, "managed");
  ZvHostdev *hd = g_new0 (ZvHostdev, 1);
  hd->kind = ZV_HOSTDEV_OTHER;
  hd->managed = managed != NULL && strcmp (managed, "yes") == 0;
  hd->has_ccw_address = ga->has_ccw;
  hd->ccw = ga->ccw;
  hd->has_uid = ga->has_uid;
  hd->uid = ga->uid;
  hd->has_fid = ga->has_fid;
  hd->fid = ga->fid;
  gboolean subsystem = mode == NULL || strcmp (mode, "subsystem") == 0;
  gboolean ok = TRUE;
  if (subsystem && type && strcmp (type, "mdev") == 0 && model && strcmp (model, "vfio-ccw") == 0)
    {
      hd->kind = ZV_HOSTDEV_MDEV_CCW;
      ok = read_mdev_source (node, hd->uuid, error);
    }
  else if (subsystem && type && strcmp (type, "pci") == 0)
    {
      hd->kind = ZV_HOSTDEV_PCI;
      ok = read_pci_source (node, &hd->pci, &hd->pci_source, error);
    }
  if (ok)
    ok = read_boot_order (node, &hd->boot_order, error);
  if (!ok)
    {
      hostdev_free (hd);
      return NULL;
    }
  return hd;
}

/* Records the guest address of one device and, for <hostdev>, the hostdev. */
static gboolean
collect_device (ZvDomain *domain, xmlNodePtr dev, GError **error)
{
  GuestAddress ga;
  if (!read_guest_address (dev, &ga, error))
    return FALSE;
  if (ga.has_ccw)
    g_array_append_val (domain->ccw_addresses, ga.ccw);
  if (ga.has_uid)
    g_array_append_val (domain->zpci_uids, ga.uid);
  if (ga.has_fid)
    g_array_append_val (domain->zpci_fids, ga.fid);
  if (!is_element (dev, "hostdev"))
    return TRUE;
  if (domain->hostdevs->len >= ZV_DOMAIN_MAX_HOSTDEVS)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID,
                   "the domain has more than %d host devices, more than zvfio handles",
                   ZV_DOMAIN_MAX_HOSTDEVS);
      return FALSE;
    }
  ZvHostdev *hd = parse_hostdev (dev, &ga, error);
  if (hd == NULL)
    return FALSE;
  g_ptr_array_add (domain->hostdevs, hd);
  return TRUE;
}

/* Reads zvfio's element of <metadata> (namespace ZV_DOMAIN_METADATA_NS), if any:
 * <hook offline='allow|deny'/>. Elements of other namespaces are not ours. */
static gboolean
read_metadata (ZvDomain *domain, xmlNodePtr metadata, GError **error)
{
  gboolean seen = FALSE;
  for (xmlNodePtr n = metadata->children; n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE || n->ns == NULL || n->ns->href == NULL ||
          xmlStrcmp (n->ns->href, BAD_CAST ZV_DOMAIN_METADATA_NS) != 0)
        continue;
      if (seen || xmlStrcmp (n->name, BAD_CAST "hook") != 0)
        {
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML: <metadata> may hold "
                       "one zvfio element, <hook> (namespace %s); found <%s>",
                       ZV_DOMAIN_METADATA_NS, (const char *) n->name);
          return FALSE;
        }
      seen = TRUE;
      for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->ns != NULL || xmlStrcmp (a->name, BAD_CAST "offline") != 0)
          {
            g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML: zvfio <hook> has an "
                         "unknown attribute '%s' (known: offline)", (const char *) a->name);
            return FALSE;
          }
      g_autofree char *offline = attr_dup (n, "offline");
      if (offline == NULL || strcmp (offline, "deny") == 0)
        domain->hook_offline = FALSE;
      else if (strcmp (offline, "allow") == 0)
        domain->hook_offline = TRUE;
      else
        {
          g_autofree char *shown = g_strescape (offline, NULL);
          g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML: zvfio <hook "
                       "offline='%.64s'>: expected 'allow' or 'deny'", shown);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads name/uuid/type, <os><type>, <launchSecurity>, zvfio's <metadata> and <devices>
 * of ROOT. */
static gboolean
collect_domain (ZvDomain *domain, xmlNodePtr root, GError **error)
{
  domain->type = attr_dup (root, "type");
  xmlNodePtr node;
  /* libvirt takes the name as it is (' guest' is not 'guest'), and so does the hook's argv */
  if ((node = child_element (root, "name")))
    domain->name = text_dup_verbatim (node);
  if ((node = child_element (root, "uuid")))
    domain->uuid = text_dup (node);
  if (domain->name == NULL || *domain->name == '\0')
    {
      g_set_error_literal (error, ZV_ERROR, ZV_ERROR_INVALID, "domain XML: <domain> has no <name>");
      return FALSE;
    }
  xmlNodePtr os = child_element (root, "os");
  xmlNodePtr os_type = os ? child_element (os, "type") : NULL;
  if (os_type)
    {
      domain->arch = attr_dup (os_type, "arch");
      domain->machine = attr_dup (os_type, "machine");
    }
  xmlNodePtr security = child_element (root, "launchSecurity");
  if (security)
    {
      g_autofree char *type = attr_dup (security, "type");
      domain->secure_execution = type != NULL && strcmp (type, "s390-pv") == 0;
    }
  xmlNodePtr metadata = child_element (root, "metadata");
  if (metadata && !read_metadata (domain, metadata, error))
    return FALSE;
  xmlNodePtr devices = child_element (root, "devices");
  if (devices == NULL)
    return TRUE;
  if ((node = child_element (devices, "emulator")))
    domain->emulator = text_dup (node);
  for (xmlNodePtr dev = devices->children; dev; dev = dev->next)
    if (dev->type == XML_ELEMENT_NODE && !collect_device (domain, dev, error))
      return FALSE;
  return TRUE;
}

/* Parses domain XML (rejects DTDs/external entities; size-limited). */
ZvDomain *
zv_domain_parse (const char *xml, gssize length, GError **error)
{
  g_autoptr (xmlDoc) doc = zv_xml_parse (xml, length, "domain", "domain XML", error);
  if (doc == NULL)
    return NULL;
  ZvDomain *domain = g_new0 (ZvDomain, 1);
  domain->hostdevs = g_ptr_array_new_with_free_func ((GDestroyNotify) hostdev_free);
  domain->ccw_addresses = g_array_new (FALSE, FALSE, sizeof (ZvCcwAddress));
  domain->zpci_uids = g_array_new (FALSE, FALSE, sizeof (guint));
  domain->zpci_fids = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!collect_domain (domain, xmlDocGetRootElement (doc), error))
    g_clear_pointer (&domain, zv_domain_free);
  return domain;
}

/* TRUE when DOMAIN (may be NULL) uses the ccw address ADDR. */
gboolean
zv_domain_uses_ccw_address (const ZvDomain *domain, const ZvCcwAddress *addr)
{
  for (guint i = 0; domain && i < domain->ccw_addresses->len; i++)
    {
      const ZvCcwAddress *a = &g_array_index (domain->ccw_addresses, ZvCcwAddress, i);
      if (a->cssid == addr->cssid && a->ssid == addr->ssid && a->devno == addr->devno)
        return TRUE;
    }
  return FALSE;
}

/* TRUE when VALUES (guint; may be NULL) holds VALUE. */
gboolean
zv_domain_values_have (GArray *values, guint value)
{
  for (guint i = 0; values && i < values->len; i++)
    if (g_array_index (values, guint, i) == value)
      return TRUE;
  return FALSE;
}

/* Appends the members of FROM that INTO lacks. */
static void
merge_values (GArray *into, GArray *from)
{
  for (guint i = 0; i < from->len; i++)
    if (!zv_domain_values_have (into, g_array_index (from, guint, i)))
      g_array_append_val (into, g_array_index (from, guint, i));
}

/* Adds to INTO what FROM has and INTO lacks (hostdevs, ccw addresses, uids, fids). */
void
zv_domain_merge (ZvDomain *into, const ZvDomain *from)
{
  for (guint i = 0; i < from->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (from->hostdevs, i);
      gboolean known = hd->kind == ZV_HOSTDEV_MDEV_CCW ? zv_domain_find_mdev (into, hd->uuid) != NULL
                     : hd->kind == ZV_HOSTDEV_PCI ? zv_domain_find_pci (into, hd->pci_source) != NULL
                     : TRUE;
      if (known)
        continue;
      ZvHostdev *copy = g_memdup2 (hd, sizeof *hd);
      copy->pci_source = g_strdup (hd->pci_source);
      g_ptr_array_add (into->hostdevs, copy);
    }
  for (guint i = 0; i < from->ccw_addresses->len; i++)
    {
      const ZvCcwAddress *a = &g_array_index (from->ccw_addresses, ZvCcwAddress, i);
      if (!zv_domain_uses_ccw_address (into, a))
        g_array_append_val (into->ccw_addresses, *a);
    }
  merge_values (into->zpci_uids, from->zpci_uids);
  merge_values (into->zpci_fids, from->zpci_fids);
}

/* TRUE when the domain has vfio-ccw mdev or PCI hostdevs. */
gboolean
zv_domain_has_passthrough (const ZvDomain *domain)
{
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      if (hd->kind == ZV_HOSTDEV_MDEV_CCW || hd->kind == ZV_HOSTDEV_PCI)
        return TRUE;
    }
  return FALSE;
}

/* Finds the domain hostdev using mdev UUID, or NULL. */
const ZvHostdev *
zv_domain_find_mdev (const ZvDomain *domain, const char *uuid)
{
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      if (hd->kind == ZV_HOSTDEV_MDEV_CCW && g_ascii_strcasecmp (hd->uuid, uuid) == 0)
        return hd;
    }
  return NULL;
}

/* TRUE when HD is a PCI hostdev of host address NORMALIZED ("%04x:%02x:%02x.%x"). */
static gboolean
hostdev_is_pci (const ZvHostdev *hd, const char *normalized)
{
  return hd->kind == ZV_HOSTDEV_PCI && g_ascii_strcasecmp (hd->pci_source, normalized) == 0;
}

/* Writes ADDRESS in the form hostdevs are kept in (zv_format_pci_address) to
 * OUT; FALSE when it is no PCI address. */
static gboolean
normalize_pci_address (const char *address, char out[32])
{
  ZvPciAddress parsed;
  if (!zv_parse_pci_address (address, &parsed))
    return FALSE;
  zv_format_pci_address (&parsed, out);
  return TRUE;
}

/* Finds the domain hostdev using host PCI ADDRESS, or NULL. */
const ZvHostdev *
zv_domain_find_pci (const ZvDomain *domain, const char *address)
{
  char normalized[32];
  if (!normalize_pci_address (address, normalized))
    return NULL;
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      if (hostdev_is_pci (hd, normalized))
        return hd;
    }
  return NULL;
}

/* How many hostdevs of DOMAIN use host PCI ADDRESS. */
guint
zv_domain_count_pci (const ZvDomain *domain, const char *address)
{
  char normalized[32];
  guint n = 0;
  if (!normalize_pci_address (address, normalized))
    return 0;
  for (guint i = 0; i < domain->hostdevs->len; i++)
    n += hostdev_is_pci (g_ptr_array_index (domain->hostdevs, i), normalized);
  return n;
}

/* How many hostdevs of DOMAIN use mdev UUID. */
guint
zv_domain_count_mdev (const ZvDomain *domain, const char *uuid)
{
  guint n = 0;
  for (guint i = 0; i < domain->hostdevs->len; i++)
    {
      const ZvHostdev *hd = g_ptr_array_index (domain->hostdevs, i);
      n += hd->kind == ZV_HOSTDEV_MDEV_CCW && g_ascii_strcasecmp (hd->uuid, uuid) == 0;
    }
  return n;
}
