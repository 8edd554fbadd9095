/* zvfio: the libvirt client API (domains and node devices) for the CLI.
 * Lives in its own static library (libzvfio-virt) so that zvfio-hook, which
 * must never call libvirt, does not link it. libvirt's own error messages are
 * passed on verbatim, prefixed with what zvfio was doing (ZV_ERROR_EXTERNAL;
 * an unknown domain is ZV_ERROR_NOT_FOUND). */
#pragma once

#include <glib.h>
#include "zv-domain.h"

G_BEGIN_DECLS

typedef struct _ZvLibvirt ZvLibvirt;

/* How a device change reached the domain's definition. */
typedef enum {
  ZV_LIBVIRT_VIA_DEVICE_API,   /* virDomainAttach/DetachDeviceFlags */
  ZV_LIBVIRT_VIA_REDEFINE,     /* virDomainDefineXML of the edited persistent XML */
} ZvLibvirtPath;

/* Seconds a connection may take to open by default (--connect-timeout). */
#define ZV_LIBVIRT_DEFAULT_CONNECT_TIMEOUT 30
/* Keepalive on an open connection: a probe every INTERVAL seconds, the
 * connection closed after COUNT unanswered ones. */
#define ZV_LIBVIRT_KEEPALIVE_INTERVAL 5
#define ZV_LIBVIRT_KEEPALIVE_COUNT 5

/* Sets how long opening a connection may take (seconds; 0: no deadline). */
void zv_libvirt_set_connect_timeout (guint seconds);
/* Opens a read-write connection to URI (NULL: libvirt's default URI); a
 * connection that does not open within the connect timeout is an error
 * (ZV_ERROR_EXTERNAL) naming the URI and the time. Remote connections get a
 * keepalive, so a peer that stops answering later ends the call that waits. */
ZvLibvirt *zv_libvirt_open (const char *uri, GError **error);
/* Closes the connection. */
void zv_libvirt_close (ZvLibvirt *lv);
/* The URI libvirt reports for the connection. */
const char *zv_libvirt_uri (ZvLibvirt *lv);

/* The persistent (inactive) XML of domain NAME; the live XML for a transient domain. */
char *zv_libvirt_domain_xml (ZvLibvirt *lv, const char *name, GError **error);
/* The XML of domain NAME as it runs now with LIVE (the persistent one when it is
 * not running), else as zv_libvirt_domain_xml. */
char *zv_libvirt_domain_xml_as (ZvLibvirt *lv, const char *name, gboolean live,
                                GError **error);
/* The names of every domain (running or not), sorted. */
GPtrArray *zv_libvirt_domain_names (ZvLibvirt *lv, GError **error);
/* TRUE when domain NAME is running (*ACTIVE) and has a persistent definition (*PERSISTENT). */
gboolean zv_libvirt_domain_state (ZvLibvirt *lv, const char *name, gboolean *active,
                                  gboolean *persistent, GError **error);
/* Defines (or redefines) a domain from XML. */
gboolean zv_libvirt_define (ZvLibvirt *lv, const char *xml, GError **error);
/* Attaches (ATTACH) or detaches DEVICE_XML to/from domain NAME with
 * virDomain{Attach,Detach}DeviceFlags (CONFIG/LIVE). *UNSUPPORTED is set (and
 * FALSE returned, ERROR set) when the driver lacks the call (VIR_ERR_NO_SUPPORT). */
gboolean zv_libvirt_change_device (ZvLibvirt *lv, const char *name, gboolean attach,
                                   const char *device_xml, gboolean config, gboolean live,
                                   gboolean *unsupported, GError **error);

/* Domain NAME as far as it uses devices: its persistent definition and, while it
 * runs, also what it runs with (a device attached with --live only). */
ZvDomain *zv_libvirt_load_domain (ZvLibvirt *lv, const char *name, GError **error);

/* The XML of every node device (virConnectListAllDevices, no filter), sorted by name. */
GPtrArray *zv_libvirt_node_device_xmls (ZvLibvirt *lv, GError **error);
/* The XML of the css, ccw and mdev node devices only (the capability filter of
 * virConnectListAllNodeDevices: libvirtd then refreshes no other device), sorted. */
GPtrArray *zv_libvirt_ccw_node_device_xmls (ZvLibvirt *lv, GError **error);

/* Node device lifecycle (libvirt >= 7.3; for an mdev, that host's libvirtd runs
 * mdevctl, whose callouts may refuse: the error carries mdevctl's words). */
/* Defines a node device from XML (virNodeDeviceDefineXML); its name. */
char *zv_libvirt_node_device_define (ZvLibvirt *lv, const char *xml, GError **error);
/* Creates a transient node device from XML (virNodeDeviceCreateXML; libvirt waits
 * for it to appear); its name. */
char *zv_libvirt_node_device_create (ZvLibvirt *lv, const char *xml, GError **error);
/* TRUE when libvirt has node device NAME (an error counts as no). */
gboolean zv_libvirt_node_device_known (ZvLibvirt *lv, const char *name);
/* Whether node device NAME has a definition (*PERSISTENT); ZV_ERROR_NOT_FOUND
 * when libvirt has no such device. */
gboolean zv_libvirt_node_device_persistent (ZvLibvirt *lv, const char *name,
                                            gboolean *persistent, GError **error);

/* Whether node device NAME starts when its host boots (*AUTOSTART,
 * virNodeDeviceGetAutostart); ZV_ERROR_NOT_FOUND when libvirt has no such device. */
gboolean zv_libvirt_node_device_autostart (ZvLibvirt *lv, const char *name,
                                           gboolean *autostart, GError **error);

/* What zv_libvirt_node_device_change does. */
typedef enum {
  ZV_NODEDEV_START,           /* virNodeDeviceCreate: start a defined device */
  ZV_NODEDEV_STOP,            /* virNodeDeviceDestroy */
  ZV_NODEDEV_UNDEFINE,        /* virNodeDeviceUndefine */
  ZV_NODEDEV_AUTOSTART_ON,    /* virNodeDeviceSetAutostart (1) */
  ZV_NODEDEV_AUTOSTART_OFF,   /* virNodeDeviceSetAutostart (0) */
} ZvNodeDeviceChange;
/* Applies CHANGE to node device NAME (ZV_ERROR_NOT_FOUND when libvirt has none,
 * ZV_ERROR_EXTERNAL with libvirt's message otherwise). */
gboolean zv_libvirt_node_device_change (ZvLibvirt *lv, const char *name,
                                        ZvNodeDeviceChange change, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvLibvirt, zv_libvirt_close)

G_END_DECLS
