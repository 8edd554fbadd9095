/* zvfio: host facts for the rules: cio_ignore, machine type and KVM zPCI
 * interpretation (the IPL, re-IPL and dump devices: zv-boot-devices.c). */
#include "zv-hostinfo.h"
#include "zv-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* From <linux/kvm.h>: KVM_CHECK_EXTENSION and KVM_CAP_S390_ZPCI_OP. Defined
 * here when the build host's headers lack them (the values are kernel ABI). */
#include <linux/kvm.h>
#ifndef KVM_CAP_S390_ZPCI_OP
#define KVM_CAP_S390_ZPCI_OP 221
#endif

/* Parses one cio_ignore bus id ("0.0.1234"). */
static gboolean
parse_cio_busid (const char *text, ZvBusId *out)
{
  return zv_parse_busid (text, out) && out->cssid == 0;
}

/* Parses /proc/cio_ignore into ZvCioRange entries. */
gboolean
zv_cio_ignore_parse (const char *text, GArray **ranges)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (ZvCioRange));
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (*line == '\0')
        continue;
      g_auto (GStrv) ends = g_strsplit (line, "-", 3);
      guint n = g_strv_length (ends);
      ZvBusId a, b;
      if (n < 1 || n > 2 || !parse_cio_busid (ends[0], &a))
        return FALSE;
      b = a;
      if (n == 2 && (!parse_cio_busid (ends[1], &b) || b.ssid != a.ssid || b.number < a.number))
        return FALSE;
      ZvCioRange range = { a.ssid, a.number, b.number };
      g_array_append_val (out, range);
    }
  *ranges = g_steal_pointer (&out);
  return TRUE;
}

/* TRUE when DEVNO lies in one of RANGES. */
gboolean
zv_cio_ignore_contains (GArray *ranges, const ZvBusId *devno)
{
  for (guint i = 0; ranges && i < ranges->len; i++)
    {
      const ZvCioRange *r = &g_array_index (ranges, ZvCioRange, i);
      if (r->ssid == devno->ssid && devno->number >= r->first && devno->number <= r->last)
        return TRUE;
    }
  return FALSE;
}

/* The machine type from /proc/sysinfo's "Type:" line, or NULL. */
char *
zv_sysinfo_parse_type (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "Type:"))
      {
        g_autofree char *value = g_strstrip (g_strdup (lines[i] + strlen ("Type:")));
        guint32 type;
        if (strlen (value) == 4 && zv_parse_dec_u32 (value, &type))
          return g_steal_pointer (&value);
        return NULL;
      }
  return NULL;
}

/* TRUE when machine TYPE cannot interpret zPCI for guests (z13s and older). */
gboolean
zv_machine_lacks_zpci_interpretation (const char *type)
{
  static const char *const old[] = { "2817", "2818", "2827", "2828", "2964", "2965" };
  for (gsize i = 0; type && i < G_N_ELEMENTS (old); i++)
    if (strcmp (type, old[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Reads and parses /proc/cio_ignore. */
gboolean
zv_host_read_cio_ignore (ZvRoot *root, GArray **ranges, GError **error)
{
  *ranges = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = zv_root_read_file (root, "/proc/cio_ignore", NULL, &local);
  if (text == NULL)
    {
      if (zv_error_is_absent (local))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!zv_cio_ignore_parse (text, ranges))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "/proc/cio_ignore: malformed content");
      return FALSE;
    }
  return TRUE;
}

/* Reads the machine type from /proc/sysinfo. */
gboolean
zv_host_read_machine_type (ZvRoot *root, char **type, GError **error)
{
  *type = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *text = zv_root_read_file (root, "/proc/sysinfo", NULL, &local);
  if (text != NULL)
    *type = zv_sysinfo_parse_type (text);
  if (text != NULL || zv_error_is_absent (local))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* Queries KVM_CHECK_EXTENSION(KVM_CAP_S390_ZPCI_OP) on <root>/dev/kvm. */
ZvKvmZpci
zv_host_kvm_zpci_interpretation (ZvRoot *root, char **why)
{
  *why = NULL;
  g_autofree char *canonical = zv_root_resolve (root, "/dev/kvm", NULL);
  if (canonical == NULL)
    {
      *why = g_strdup ("/dev/kvm does not exist (is the kvm module loaded?)");
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  if (!zv_root_is_system (root))
    {
      *why = g_strdup_printf ("KVM cannot be queried below the root %s", zv_root_dir (root));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      *why = g_strdup_printf ("cannot open /dev/kvm: %s", g_strerror (errno));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  int rc = ioctl (fd, KVM_CHECK_EXTENSION, KVM_CAP_S390_ZPCI_OP);
  int errsv = errno;
  close (fd);
  if (rc < 0)
    {
      *why = g_strdup_printf ("KVM_CHECK_EXTENSION failed: %s", g_strerror (errsv));
      return ZV_KVM_ZPCI_UNKNOWN;
    }
  return rc > 0 ? ZV_KVM_ZPCI_AVAILABLE : ZV_KVM_ZPCI_UNAVAILABLE;
}
