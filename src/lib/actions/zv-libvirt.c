/* zvfio: libvirt client API wrapper (domains, device attach/detach, node devices). */
#include "zv-libvirt.h"
#include "zv-domain.h"
#include "zv-error.h"
#include "zvfio-config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <gmodule.h>
#include <libxml/xmlerror.h>
#include <signal.h>
#include <string.h>

/* The libvirt calls zvfio makes. libvirt is loaded (dlopen of its soname) when the
 * first connection is opened, not at program start: its ~40 shared objects (TLS,
 * SASL, RPC, ...) cost every zvfio command about 40 ms of start-up, and the
 * inventory commands (list, show, check, prepare) never call it. */
#define ZV_LIBVIRT_CALLS(X) \
  X (virConnectClose) \
  X (virConnectGetURI) \
  X (virConnectListAllDomains) \
  X (virConnectListAllNodeDevices) \
  X (virConnectOpen) \
  X (virConnectSetKeepAlive) \
  X (virDomainAttachDeviceFlags) \
  X (virDomainDefineXML) \
  X (virDomainDetachDeviceFlags) \
  X (virDomainFree) \
  X (virDomainGetName) \
  X (virDomainGetXMLDesc) \
  X (virDomainIsActive) \
  X (virDomainIsPersistent) \
  X (virDomainLookupByName) \
  X (virEventRegisterDefaultImpl) \
  X (virEventRunDefaultImpl) \
  X (virGetLastError) \
  X (virInitialize) \
  X (virNodeDeviceCreate) \
  X (virNodeDeviceCreateXML) \
  X (virNodeDeviceDefineXML) \
  X (virNodeDeviceDestroy) \
  X (virNodeDeviceFree) \
  X (virNodeDeviceGetAutostart) \
  X (virNodeDeviceGetName) \
  X (virNodeDeviceGetXMLDesc) \
  X (virNodeDeviceIsPersistent) \
  X (virNodeDeviceLookupByName) \
  X (virNodeDeviceSetAutostart) \
  X (virNodeDeviceUndefine) \
  X (virSetErrorFunc)

/* The loaded entry points, each named after the libvirt function. */
static struct {
#define ZV_LIBVIRT_MEMBER(name) __typeof__ (name) *name;
  ZV_LIBVIRT_CALLS (ZV_LIBVIRT_MEMBER)
#undef ZV_LIBVIRT_MEMBER
} api;

/* Loads libvirt's client library and its entry points once; FALSE (ERROR set)
 * when the library or one of the calls is missing. */
static gboolean
load_libvirt (GError **error)
{
  static gsize loaded = 0;
  static char *failure = NULL;
  if (g_once_init_enter (&loaded))
    {
      /* resident: libvirt starts threads and registers handlers of its own */
      GModule *module = g_module_open (ZVFIO_LIBVIRT_SONAME,
                                       G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module == NULL)
        failure = g_strdup_printf ("cannot load the libvirt client library %s: %s",
                                   ZVFIO_LIBVIRT_SONAME, g_module_error ());
      else
        {
          g_module_make_resident (module);
#define ZV_LIBVIRT_LOOKUP(name) \
          if (failure == NULL && !g_module_symbol (module, #name, (gpointer *) &api.name)) \
            failure = g_strdup_printf ("the libvirt client library %s lacks %s", \
                                       ZVFIO_LIBVIRT_SONAME, #name);
          ZV_LIBVIRT_CALLS (ZV_LIBVIRT_LOOKUP)
#undef ZV_LIBVIRT_LOOKUP
        }
      g_once_init_leave (&loaded, 1);
    }
  if (failure != NULL)
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "libvirt: %s", failure);
      return FALSE;
    }
  return TRUE;
}

struct _ZvLibvirt {
  virConnectPtr conn;
  char *uri;
};

/* libvirt error callback that prints nothing: zvfio reports errors itself. */
static void
silent_error_handler (void *data, virErrorPtr err)
{
}

/* libxml2 generic error callback that prints nothing. */
static void
silent_xml_error (void *ctx, const char *msg, ...)
{
}

/* Sets ERROR from libvirt's last error, prefixed with the formatted CONTEXT. */
static void G_GNUC_PRINTF (2, 3)
set_libvirt_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *context = g_strdup_vprintf (format, args);
  va_end (args);
  virErrorPtr err = api.virGetLastError ();
  int code = ZV_ERROR_EXTERNAL;
  if (err && (err->code == VIR_ERR_NO_DOMAIN || err->code == VIR_ERR_NO_NODE_DEVICE))
    code = ZV_ERROR_NOT_FOUND;
  g_set_error (error, ZV_ERROR, code, "libvirt: %s: %s", context,
               err && err->message ? err->message : "unknown error");
}

/* How long opening a connection may take (seconds; 0: no deadline). */
static guint connect_timeout = ZV_LIBVIRT_DEFAULT_CONNECT_TIMEOUT;

/* Sets how long opening a connection may take (0: no deadline). */
void
zv_libvirt_set_connect_timeout (guint seconds)
{
  connect_timeout = seconds;
}

/* Runs libvirt's default event loop, which keepalive needs, for the process's life. */
static gpointer
run_event_loop (gpointer data)
{
  for (;;)
    if (api.virEventRunDefaultImpl () < 0)
      g_usleep (G_USEC_PER_SEC / 10);
  return NULL;
}

/* Registers libvirt's default event loop once and runs it in a thread. */
static void
start_event_loop (void)
{
  static gsize started = 0;
  if (g_once_init_enter (&started))
    {
      if (api.virEventRegisterDefaultImpl () == 0)
        g_thread_unref (g_thread_new ("zvfio-libvirt-events", run_event_loop, NULL));
      g_once_init_leave (&started, 1);
    }
}

/* One virConnectOpen running in its own thread, so that a stalled transport
 * (an ssh to a host that drops packets) can be given up on. Shared by the
 * waiting caller and the thread: the last one to let go frees it. */
typedef struct {
  gint refs;
  GMutex lock;
  GCond done;
  gboolean finished;
  gboolean abandoned;   /* the caller gave up: the thread closes what it opened */
  char *uri;
  virConnectPtr conn;
  char *message;        /* libvirt's error, kept by the thread (errors are per thread) */
} OpenCall;

/* Drops a reference to CALL. */
static void
open_call_unref (OpenCall *call)
{
  if (!g_atomic_int_dec_and_test (&call->refs))
    return;
  g_mutex_clear (&call->lock);
  g_cond_clear (&call->done);
  g_free (call->uri);
  g_free (call->message);
  g_free (call);
}

/* Thread body: opens the connection and hands it over (or closes it when abandoned). */
static gpointer
open_in_thread (gpointer data)
{
  OpenCall *call = data;
  /* libxml2's error handler is per thread: keep the test driver's parse quiet here too */
  xmlSetGenericErrorFunc (NULL, silent_xml_error);
  virConnectPtr conn = api.virConnectOpen (call->uri);
  virErrorPtr err = conn ? NULL : api.virGetLastError ();
  g_mutex_lock (&call->lock);
  call->message = g_strdup (err && err->message ? err->message : "unknown error");
  if (call->abandoned && conn != NULL)
    api.virConnectClose (conn);
  else
    call->conn = conn;
  call->finished = TRUE;
  g_cond_signal (&call->done);
  g_mutex_unlock (&call->lock);
  open_call_unref (call);
  return NULL;
}

/* Opens URI within the connect timeout: the connection, or NULL with ERROR
 * (libvirt's error, or the deadline that passed). */
static virConnectPtr
open_with_deadline (const char *uri, GError **error)
{
  OpenCall *call = g_new0 (OpenCall, 1);
  call->refs = 2;
  g_mutex_init (&call->lock);
  g_cond_init (&call->done);
  call->uri = g_strdup (uri);
  gint64 deadline = g_get_monotonic_time () + (gint64) connect_timeout * G_TIME_SPAN_SECOND;
  GThread *thread = g_thread_new ("zvfio-libvirt-open", open_in_thread, call);
  g_mutex_lock (&call->lock);
  while (!call->finished)
    if (connect_timeout == 0)
      g_cond_wait (&call->done, &call->lock);
    else if (!g_cond_wait_until (&call->done, &call->lock, deadline))
      break;
  virConnectPtr conn = call->conn;
  const char *shown = uri ? uri : "the default URI";
  if (!call->finished)
    {
      call->abandoned = TRUE;
      g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "libvirt: cannot connect to %s: no "
                   "answer within %u s (--connect-timeout or ZVFIO_CONNECT_TIMEOUT sets the "
                   "time)", shown, connect_timeout);
    }
  else if (conn == NULL)
    g_set_error (error, ZV_ERROR, ZV_ERROR_EXTERNAL, "libvirt: cannot connect to %s: %s",
                 shown, call->message);
  gboolean finished = call->finished;
  g_mutex_unlock (&call->lock);
  open_call_unref (call);
  /* a finished thread is joined, so that its thread-local state (libxml2's, from
   * the test driver's parse) is gone before the process ends; an abandoned one
   * is left to end with the process */
  if (finished)
    g_thread_join (thread);
  else
    g_thread_unref (thread);
  return conn;
}

/* Opens a read-write connection to URI (NULL: libvirt's default URI) within the
 * connect timeout, with keepalive on it (a peer that stops answering ends it). */
ZvLibvirt *
zv_libvirt_open (const char *uri, GError **error)
{
  if (!load_libvirt (error))
    return NULL;
  if (api.virInitialize () < 0)
    {
      set_libvirt_error (error, "cannot initialize the client library");
      return NULL;
    }
  api.virSetErrorFunc (NULL, silent_error_handler);
  /* a transport that closes its end (an ssh that exits) must fail the call, not
   * kill zvfio with SIGPIPE when libvirt writes to it (virsh ignores it too) */
  signal (SIGPIPE, SIG_IGN);
  /* the test driver parses its file with libxml2 in this process: keep
   * libxml2's own messages off stderr (libvirt reports the error anyway) */
  xmlSetGenericErrorFunc (NULL, silent_xml_error);
  start_event_loop ();
  virConnectPtr conn = open_with_deadline (uri, error);
  if (conn == NULL)
    return NULL;
  /* remote connections: a probe every 5 s, given up after 5 unanswered ones
   * (local drivers such as test:/// do not support it: 1, ignored) */
  api.virConnectSetKeepAlive (conn, ZV_LIBVIRT_KEEPALIVE_INTERVAL, ZV_LIBVIRT_KEEPALIVE_COUNT);
  ZvLibvirt *lv = g_new0 (ZvLibvirt, 1);
  lv->conn = conn;
  char *actual = api.virConnectGetURI (conn);
  lv->uri = g_strdup (actual ? actual : uri ? uri : "");
  free (actual);
  return lv;
}

/* Closes the connection. */
void
zv_libvirt_close (ZvLibvirt *lv)
{
  if (lv == NULL)
    return;
  api.virConnectClose (lv->conn);
  g_free (lv->uri);
  g_free (lv);
}

/* The URI libvirt reports for the connection. */
const char *
zv_libvirt_uri (ZvLibvirt *lv)
{
  return lv->uri;
}

/* Looks domain NAME up. */
static virDomainPtr
lookup_domain (ZvLibvirt *lv, const char *name, GError **error)
{
  virDomainPtr dom = api.virDomainLookupByName (lv->conn, name);
  if (dom == NULL)
    set_libvirt_error (error, "domain '%s'", name);
  return dom;
}

/* The XML of domain NAME: as it runs now with LIVE (the persistent one when it is
 * not running), else its persistent XML (the live one for a transient domain). */
char *
zv_libvirt_domain_xml_as (ZvLibvirt *lv, const char *name, gboolean live, GError **error)
{
  virDomainPtr dom = lookup_domain (lv, name, error);
  if (dom == NULL)
    return NULL;
  int persistent = api.virDomainIsPersistent (dom);
  char *xml = api.virDomainGetXMLDesc (dom, !live && persistent == 1 ? VIR_DOMAIN_XML_INACTIVE
                                                                    : 0);
  char *copy = NULL;
  if (xml == NULL)
    set_libvirt_error (error, "cannot read the XML of domain '%s'", name);
  else
    copy = g_strdup (xml);
  free (xml);
  api.virDomainFree (dom);
  return copy;
}

/* The persistent XML of domain NAME (live XML for a transient domain). */
char *
zv_libvirt_domain_xml (ZvLibvirt *lv, const char *name, GError **error)
{
  return zv_libvirt_domain_xml_as (lv, name, FALSE, error);
}

/* Orders strings alphabetically (GPtrArray sort callback). */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names of every domain, sorted. */
GPtrArray *
zv_libvirt_domain_names (ZvLibvirt *lv, GError **error)
{
  virDomainPtr *domains = NULL;
  int n = api.virConnectListAllDomains (lv->conn, &domains, 0);
  if (n < 0)
    {
      set_libvirt_error (error, "cannot list the domains");
      return NULL;
    }
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < n; i++)
    {
      const char *name = api.virDomainGetName (domains[i]);
      if (name)
        g_ptr_array_add (names, g_strdup (name));
      api.virDomainFree (domains[i]);
    }
  free (domains);
  g_ptr_array_sort (names, compare_strings);
  return names;
}

/* Whether domain NAME runs and whether it is persistent. */
gboolean
zv_libvirt_domain_state (ZvLibvirt *lv, const char *name, gboolean *active,
                         gboolean *persistent, GError **error)
{
  virDomainPtr dom = lookup_domain (lv, name, error);
  if (dom == NULL)
    return FALSE;
  int is_active = api.virDomainIsActive (dom);
  int is_persistent = api.virDomainIsPersistent (dom);
  if (is_active < 0 || is_persistent < 0)
    set_libvirt_error (error, "cannot read the state of domain '%s'", name);
  api.virDomainFree (dom);
  if (is_active < 0 || is_persistent < 0)
    return FALSE;
  *active = is_active == 1;
  *persistent = is_persistent == 1;
  return TRUE;
}

/* Defines (or redefines) a domain from XML. */
gboolean
zv_libvirt_define (ZvLibvirt *lv, const char *xml, GError **error)
{
  virDomainPtr dom = api.virDomainDefineXML (lv->conn, xml);
  if (dom == NULL)
    {
      set_libvirt_error (error, "cannot define the domain");
      return FALSE;
    }
  api.virDomainFree (dom);
  return TRUE;
}

/* Attaches or detaches DEVICE_XML with the device API. */
gboolean
zv_libvirt_change_device (ZvLibvirt *lv, const char *name, gboolean attach,
                          const char *device_xml, gboolean config, gboolean live,
                          gboolean *unsupported, GError **error)
{
  *unsupported = FALSE;
  virDomainPtr dom = lookup_domain (lv, name, error);
  if (dom == NULL)
    return FALSE;
  unsigned int flags = (config ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
  int rc = attach ? api.virDomainAttachDeviceFlags (dom, device_xml, flags)
                  : api.virDomainDetachDeviceFlags (dom, device_xml, flags);
  if (rc != 0)
    {
      /* read the error before virDomainFree, which resets it */
      virErrorPtr err = api.virGetLastError ();
      *unsupported = err != NULL && err->code == VIR_ERR_NO_SUPPORT;
      set_libvirt_error (error, "cannot %s the device %s domain '%s'",
                         attach ? "attach" : "detach", attach ? "to" : "from", name);
    }
  api.virDomainFree (dom);
  return rc == 0;
}

/* The XML of the node devices virConnectListAllNodeDevices lists with FLAGS. */
static GPtrArray *
list_node_device_xmls (ZvLibvirt *lv, unsigned int flags, GError **error)
{
  virNodeDevicePtr *devices = NULL;
  int n = api.virConnectListAllNodeDevices (lv->conn, &devices, flags);
  if (n < 0)
    {
      set_libvirt_error (error, "cannot list the node devices");
      return NULL;
    }
  GPtrArray *xmls = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;
  for (int i = 0; i < n; i++)
    {
      if (ok)
        {
          char *xml = api.virNodeDeviceGetXMLDesc (devices[i], 0);
          if (xml == NULL)
            {
              set_libvirt_error (error, "cannot read node device '%s'",
                                 api.virNodeDeviceGetName (devices[i]));
              ok = FALSE;
            }
          else
            g_ptr_array_add (xmls, g_strdup (xml));
          free (xml);
        }
      api.virNodeDeviceFree (devices[i]);
    }
  free (devices);
  if (!ok)
    {
      g_ptr_array_unref (xmls);
      return NULL;
    }
  g_ptr_array_sort (xmls, compare_strings);   /* each starts with its <name> */
  return xmls;
}

/* The XML of every node device. */
GPtrArray *
zv_libvirt_node_device_xmls (ZvLibvirt *lv, GError **error)
{
  return list_node_device_xmls (lv, 0, error);
}

/* The XML of the css, ccw and mdev node devices. */
GPtrArray *
zv_libvirt_ccw_node_device_xmls (ZvLibvirt *lv, GError **error)
{
  return list_node_device_xmls (lv, VIR_CONNECT_LIST_NODE_DEVICES_CAP_CSS_DEV |
                                    VIR_CONNECT_LIST_NODE_DEVICES_CAP_CCW_DEV |
                                    VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV, error);
}

/* Domain NAME as far as it uses devices: its persistent definition and, while it
 * runs, also what it runs with (a device attached with --live only). */
ZvDomain *
zv_libvirt_load_domain (ZvLibvirt *lv, const char *name, GError **error)
{
  g_autofree char *xml = zv_libvirt_domain_xml (lv, name, error);
  g_autoptr (ZvDomain) domain = xml ? zv_domain_parse (xml, -1, error) : NULL;
  gboolean active, persistent;
  if (domain == NULL || !zv_libvirt_domain_state (lv, name, &active, &persistent, error))
    return NULL;
  if (!active || !persistent)
    return g_steal_pointer (&domain);       /* a transient domain's XML is the live one */
  g_autofree char *live_xml = zv_libvirt_domain_xml_as (lv, name, TRUE, error);
  g_autoptr (ZvDomain) live = live_xml ? zv_domain_parse (live_xml, -1, error) : NULL;
  if (live == NULL)
    return NULL;
  zv_domain_merge (domain, live);
  return g_steal_pointer (&domain);
}

/* Looks node device NAME up (ZV_ERROR_NOT_FOUND when libvirt has none). */
static virNodeDevicePtr
lookup_node_device (ZvLibvirt *lv, const char *name, GError **error)
{
  virNodeDevicePtr dev = api.virNodeDeviceLookupByName (lv->conn, name);
  if (dev == NULL)
    set_libvirt_error (error, "node device '%s'", name);
  return dev;
}

/* The name of DEV (NULL with ERROR set when libvirt gives none); frees DEV. */
static char *
take_node_device_name (virNodeDevicePtr dev, GError **error)
{
  const char *name = api.virNodeDeviceGetName (dev);
  char *copy = name ? g_strdup (name) : NULL;
  if (copy == NULL)
    set_libvirt_error (error, "cannot read the name of the new node device");
  api.virNodeDeviceFree (dev);
  return copy;
}

/* Defines a node device from XML; its name. */
char *
zv_libvirt_node_device_define (ZvLibvirt *lv, const char *xml, GError **error)
{
  virNodeDevicePtr dev = api.virNodeDeviceDefineXML (lv->conn, xml, 0);
  if (dev == NULL)
    {
      set_libvirt_error (error, "cannot define the node device");
      return NULL;
    }
  return take_node_device_name (dev, error);
}

/* Creates a transient node device from XML; its name. */
char *
zv_libvirt_node_device_create (ZvLibvirt *lv, const char *xml, GError **error)
{
  virNodeDevicePtr dev = api.virNodeDeviceCreateXML (lv->conn, xml, 0);
  if (dev == NULL)
    {
      set_libvirt_error (error, "cannot create the node device");
      return NULL;
    }
  return take_node_device_name (dev, error);
}

/* TRUE when LV has node device NAME. */
gboolean
zv_libvirt_node_device_known (ZvLibvirt *lv, const char *name)
{
  virNodeDevicePtr dev = api.virNodeDeviceLookupByName (lv->conn, name);
  if (dev != NULL)
    api.virNodeDeviceFree (dev);
  return dev != NULL;
}

/* Whether node device NAME has a definition. */
gboolean
zv_libvirt_node_device_persistent (ZvLibvirt *lv, const char *name, gboolean *persistent,
                                   GError **error)
{
  virNodeDevicePtr dev = lookup_node_device (lv, name, error);
  if (dev == NULL)
    return FALSE;
  int rc = api.virNodeDeviceIsPersistent (dev);
  if (rc < 0)
    set_libvirt_error (error, "cannot tell whether node device '%s' is defined", name);
  api.virNodeDeviceFree (dev);
  *persistent = rc == 1;
  return rc >= 0;
}

/* Whether node device NAME starts when its host boots. */
gboolean
zv_libvirt_node_device_autostart (ZvLibvirt *lv, const char *name, gboolean *autostart,
                                  GError **error)
{
  virNodeDevicePtr dev = lookup_node_device (lv, name, error);
  if (dev == NULL)
    return FALSE;
  int value = 0;
  int rc = api.virNodeDeviceGetAutostart (dev, &value);
  if (rc < 0)
    set_libvirt_error (error, "cannot tell whether node device '%s' starts automatically",
                       name);
  api.virNodeDeviceFree (dev);
  *autostart = rc == 0 && value != 0;
  return rc == 0;
}

/* Applies CHANGE to node device NAME. */
gboolean
zv_libvirt_node_device_change (ZvLibvirt *lv, const char *name, ZvNodeDeviceChange change,
                               GError **error)
{
  virNodeDevicePtr dev = lookup_node_device (lv, name, error);
  if (dev == NULL)
    return FALSE;
  int rc = -1;
  const char *what = "";
  switch (change)
    {
    case ZV_NODEDEV_START:
      rc = api.virNodeDeviceCreate (dev, 0);
      what = "start";
      break;
    case ZV_NODEDEV_STOP:
      rc = api.virNodeDeviceDestroy (dev);
      what = "stop (destroy)";
      break;
    case ZV_NODEDEV_UNDEFINE:
      rc = api.virNodeDeviceUndefine (dev, 0);
      what = "undefine";
      break;
    case ZV_NODEDEV_AUTOSTART_ON:
    case ZV_NODEDEV_AUTOSTART_OFF:
      rc = api.virNodeDeviceSetAutostart (dev, change == ZV_NODEDEV_AUTOSTART_ON);
      what = change == ZV_NODEDEV_AUTOSTART_ON ? "set autostart of" : "clear autostart of";
      break;
    }
  /* read the error before virNodeDeviceFree, which resets it */
  if (rc < 0)
    set_libvirt_error (error, "cannot %s node device '%s'", what, name);
  api.virNodeDeviceFree (dev);
  return rc == 0;
}
