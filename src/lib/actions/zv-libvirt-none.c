/* zvfio: the libvirt API when zvfio is built with -Dlibvirt=disabled: every
 * call fails with a clear error (exit 8), so the rest of the CLI still works. */
#include "zv-libvirt.h"
#include "zv-error.h"

/* Sets the "built without libvirt" error. */
static void
set_unavailable (GError **error)
{
  g_set_error_literal (error, ZV_ERROR, ZV_ERROR_EXTERNAL,
                       "zvfio was built without libvirt support (meson -Dlibvirt=disabled)");
}

/* Nothing to time: no libvirt. */
void
zv_libvirt_set_connect_timeout (guint seconds)
{
}

/* Always fails: no libvirt. */
ZvLibvirt *
zv_libvirt_open (const char *uri, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Nothing to close. */
void
zv_libvirt_close (ZvLibvirt *lv)
{
}

/* Unreachable without a connection. */
const char *
zv_libvirt_uri (ZvLibvirt *lv)
{
  return "";
}

/* Always fails: no libvirt. */
char *
zv_libvirt_domain_xml (ZvLibvirt *lv, const char *name, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
char *
zv_libvirt_domain_xml_as (ZvLibvirt *lv, const char *name, gboolean live, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
GPtrArray *
zv_libvirt_domain_names (ZvLibvirt *lv, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_domain_state (ZvLibvirt *lv, const char *name, gboolean *active, gboolean *persistent,
                         GError **error)
{
  set_unavailable (error);
  return FALSE;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_define (ZvLibvirt *lv, const char *xml, GError **error)
{
  set_unavailable (error);
  return FALSE;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_change_device (ZvLibvirt *lv, const char *name, gboolean attach, const char *device_xml,
                          gboolean config, gboolean live, gboolean *unsupported, GError **error)
{
  *unsupported = FALSE;
  set_unavailable (error);
  return FALSE;
}

/* Always fails: no libvirt. */
GPtrArray *
zv_libvirt_node_device_xmls (ZvLibvirt *lv, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
GPtrArray *
zv_libvirt_ccw_node_device_xmls (ZvLibvirt *lv, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
ZvDomain *
zv_libvirt_load_domain (ZvLibvirt *lv, const char *name, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
char *
zv_libvirt_node_device_define (ZvLibvirt *lv, const char *xml, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* Always fails: no libvirt. */
char *
zv_libvirt_node_device_create (ZvLibvirt *lv, const char *xml, GError **error)
{
  set_unavailable (error);
  return NULL;
}

/* No libvirt, no device. */
gboolean
zv_libvirt_node_device_known (ZvLibvirt *lv, const char *name)
{
  return FALSE;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_node_device_persistent (ZvLibvirt *lv, const char *name, gboolean *persistent,
                                   GError **error)
{
  *persistent = FALSE;
  set_unavailable (error);
  return FALSE;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_node_device_autostart (ZvLibvirt *lv, const char *name, gboolean *autostart,
                                  GError **error)
{
  *autostart = FALSE;
  set_unavailable (error);
  return FALSE;
}

/* Always fails: no libvirt. */
gboolean
zv_libvirt_node_device_change (ZvLibvirt *lv, const char *name, ZvNodeDeviceChange change,
                               GError **error)
{
  set_unavailable (error);
  return FALSE;
}
