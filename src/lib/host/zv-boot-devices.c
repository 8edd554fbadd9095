/* zvfio: the IPL, re-IPL and dump devices of the host (/sys/firmware/{ipl,
 * reipl,dump}), read through the ZvRoot, with pure parsers for their values. */
#include "zv-boot-devices.h"
#include "zv-error.h"

#include <string.h>

/* One type a firmware block shows: the kind of device and the attribute,
 * relative to the block's directory, that names it. */
typedef struct {
  ZvBootRole role;
  const char *name;
  ZvBootBus bus;
  const char *attr;
} BootType;

/* Every type each block can show (ipl_type_str() / dump_type_str() of
 * arch/s390/kernel/ipl.c). An IPL block holds its device directly; the re-IPL
 * and dump blocks keep one sub-directory per type, and only the one the type
 * names counts (the others hold stale or zeroed values). A *_dump IPL type is
 * the base type's device, loaded to take a dump. */
static const BootType boot_types[] = {
  { ZV_BOOT_ROLE_IPL, "ccw", ZV_BOOT_BUS_CCW, "device" },
  { ZV_BOOT_ROLE_IPL, "eckd", ZV_BOOT_BUS_CCW, "device" },
  { ZV_BOOT_ROLE_IPL, "eckd_dump", ZV_BOOT_BUS_CCW, "device" },
  { ZV_BOOT_ROLE_IPL, "fcp", ZV_BOOT_BUS_CCW, "device" },
  { ZV_BOOT_ROLE_IPL, "fcp_dump", ZV_BOOT_BUS_CCW, "device" },
  { ZV_BOOT_ROLE_IPL, "nvme", ZV_BOOT_BUS_PCI, "fid" },
  { ZV_BOOT_ROLE_IPL, "nvme_dump", ZV_BOOT_BUS_PCI, "fid" },
  { ZV_BOOT_ROLE_IPL, "nss", ZV_BOOT_BUS_NONE, NULL },
  { ZV_BOOT_ROLE_IPL, "unknown", ZV_BOOT_BUS_NONE, NULL },
  { ZV_BOOT_ROLE_REIPL, "ccw", ZV_BOOT_BUS_CCW, "ccw/device" },
  { ZV_BOOT_ROLE_REIPL, "eckd", ZV_BOOT_BUS_CCW, "eckd/device" },
  { ZV_BOOT_ROLE_REIPL, "fcp", ZV_BOOT_BUS_CCW, "fcp/device" },
  { ZV_BOOT_ROLE_REIPL, "nvme", ZV_BOOT_BUS_PCI, "nvme/fid" },
  { ZV_BOOT_ROLE_REIPL, "nss", ZV_BOOT_BUS_NONE, NULL },
  { ZV_BOOT_ROLE_REIPL, "unknown", ZV_BOOT_BUS_NONE, NULL },
  { ZV_BOOT_ROLE_DUMP, "none", ZV_BOOT_BUS_NONE, NULL },
  { ZV_BOOT_ROLE_DUMP, "ccw", ZV_BOOT_BUS_CCW, "ccw/device" },
  { ZV_BOOT_ROLE_DUMP, "eckd", ZV_BOOT_BUS_CCW, "eckd/device" },
  { ZV_BOOT_ROLE_DUMP, "fcp", ZV_BOOT_BUS_CCW, "fcp/device" },
  { ZV_BOOT_ROLE_DUMP, "nvme", ZV_BOOT_BUS_PCI, "nvme/fid" },
};

/* The directory of each role, its type file and how messages name its type. */
static const struct {
  const char *name;
  const char *dir;
  const char *type_file;
  const char *type_kind;
} roles[ZV_BOOT_ROLE_COUNT] = {
  [ZV_BOOT_ROLE_IPL] = { "ipl", "/sys/firmware/ipl", "/sys/firmware/ipl/ipl_type",
                         "an IPL type" },
  [ZV_BOOT_ROLE_REIPL] = { "reipl", "/sys/firmware/reipl", "/sys/firmware/reipl/reipl_type",
                           "a re-IPL type" },
  [ZV_BOOT_ROLE_DUMP] = { "dump", "/sys/firmware/dump", "/sys/firmware/dump/dump_type",
                          "a dump type" },
};

/* "ipl", "reipl", "dump". */
const char *
zv_boot_role_name (ZvBootRole role)
{
  return role < ZV_BOOT_ROLE_COUNT ? roles[role].name : "?";
}

/* The file naming ROLE's type. */
const char *
zv_boot_role_type_file (ZvBootRole role)
{
  return role < ZV_BOOT_ROLE_COUNT ? roles[role].type_file : "?";
}

/* Parses a firmware device number ("0.%x.%04x": css 0, subchannel set 0-3). */
gboolean
zv_boot_parse_devno (const char *text, ZvBusId *out)
{
  return zv_parse_busid_canonical (text, out);
}

/* Parses a firmware function id ("0x" and exactly 8 lowercase hex digits). */
gboolean
zv_boot_parse_fid (const char *text, guint32 *out)
{
  if (text == NULL || strlen (text) != 10 || text[0] != '0' || text[1] != 'x')
    return FALSE;
  guint32 value = 0;
  for (int i = 2; i < 10; i++)
    {
      char c = text[i];
      if (!g_ascii_isdigit (c) && (c < 'a' || c > 'f'))
        return FALSE;
      value = (value << 4) | (guint32) g_ascii_xdigit_value (c);
    }
  *out = value;
  return TRUE;
}

/* Parses ROLE's type TEXT into the kind of device and the attribute naming it. */
gboolean
zv_boot_parse_type (ZvBootRole role, const char *text, ZvBootBus *bus, const char **attr)
{
  for (gsize i = 0; text != NULL && i < G_N_ELEMENTS (boot_types); i++)
    if (boot_types[i].role == role && strcmp (boot_types[i].name, text) == 0)
      {
        *bus = boot_types[i].bus;
        *attr = boot_types[i].attr;
        return TRUE;
      }
  return FALSE;
}

/* An empty set. */
ZvBootDevices *
zv_boot_devices_new (void)
{
  ZvBootDevices *devices = g_new0 (ZvBootDevices, 1);
  for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
    devices->role[r].role = (ZvBootRole) r;
  return devices;
}

/* Frees the set. */
void
zv_boot_devices_free (ZvBootDevices *devices)
{
  if (devices == NULL)
    return;
  for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
    {
      g_free (devices->role[r].type);
      g_free (devices->role[r].file);
      g_clear_error (&devices->role[r].error);
    }
  g_free (devices);
}

/* Keeps LOCAL as DEVICE's error, prefixed with PATH unless its message names it. */
static void
keep_error (ZvBootDevice *device, GError *local, const char *path)
{
  if (strstr (local->message, path) != NULL)
    device->error = local;
  else
    {
      device->error = g_error_new (local->domain, local->code, "%s: %s", path, local->message);
      g_error_free (local);
    }
}

/* Reads the attribute ATTR of DIR (a firmware block of ROLE); NULL with
 * DEVICE's error set when it is absent, unreadable or contains a NUL byte. */
static char *
read_value (ZvBootDevice *device, ZvBootRole role, ZvDir *dir, const char *attr)
{
  g_autofree char *path = g_strconcat (zv_dir_path (dir), "/", attr, NULL);
  g_autoptr (GError) local = NULL;
  char *value = zv_dir_read_line (dir, attr, &local);
  if (value != NULL)
    return value;
  if (!zv_error_is_absent (local))
    keep_error (device, g_steal_pointer (&local), path);
  else if (device->type != NULL)
    device->error = g_error_new (ZV_ERROR, ZV_ERROR_INVALID, "%s does not exist, but %s "
                                 "reads %s", path, roles[role].type_file, device->type);
  else
    device->error = g_error_new (ZV_ERROR, ZV_ERROR_INVALID, "%s does not exist", path);
  return NULL;
}

/* Reads the device the type of DEVICE names, attribute ATTR of DIR. */
static void
read_device (ZvBootDevice *device, ZvBootRole role, ZvDir *dir, const char *attr)
{
  g_autofree char *value = read_value (device, role, dir, attr);
  if (value == NULL)
    return;
  device->file = g_strconcat (zv_dir_path (dir), "/", attr, NULL);
  gboolean ok = device->bus == ZV_BOOT_BUS_CCW ? zv_boot_parse_devno (value, &device->devno)
                                               : zv_boot_parse_fid (value, &device->fid);
  if (!ok)
    device->error = g_error_new (ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' is not %s",
                                 device->file, value,
                                 device->bus == ZV_BOOT_BUS_CCW
                                   ? "a device number" : "a function id (0xXXXXXXXX)");
}

/* Reads ROLE's firmware block of ROOT into DEVICE. */
static void
read_role (ZvRoot *root, ZvBootRole role, ZvBootDevice *device)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, roles[role].dir, &local);
  if (dir == NULL)
    {
      if (!zv_error_is_absent (local))
        {
          device->bus = ZV_BOOT_BUS_UNKNOWN;
          keep_error (device, g_steal_pointer (&local), roles[role].dir);
        }
      return;   /* no such block: an x86 host, a kernel without it */
    }
  const char *type_name = strrchr (roles[role].type_file, '/') + 1;
  device->bus = ZV_BOOT_BUS_UNKNOWN;
  device->type = read_value (device, role, dir, type_name);
  if (device->type == NULL)
    return;
  const char *attr = NULL;
  if (!zv_boot_parse_type (role, device->type, &device->bus, &attr))
    {
      device->bus = ZV_BOOT_BUS_UNKNOWN;
      device->error = g_error_new (ZV_ERROR, ZV_ERROR_INVALID, "%s: '%s' is not %s zvfio "
                                   "knows", roles[role].type_file, device->type,
                                   roles[role].type_kind);
      return;
    }
  if (attr != NULL)
    read_device (device, role, dir, attr);
}

/* Reads the three firmware blocks of ROOT. */
ZvBootDevices *
zv_boot_devices_read (ZvRoot *root)
{
  ZvBootDevices *devices = zv_boot_devices_new ();
  for (int r = 0; r < ZV_BOOT_ROLE_COUNT; r++)
    read_role (root, (ZvBootRole) r, &devices->role[r]);
  return devices;
}

/* ROLE's device of DEVICES. */
const ZvBootDevice *
zv_boot_devices_get (const ZvBootDevices *devices, ZvBootRole role)
{
  g_return_val_if_fail (devices != NULL && role < ZV_BOOT_ROLE_COUNT, NULL);
  return &devices->role[role];
}

/* The error that keeps a rule for devices of BUS from judging DEVICE. */
const GError *
zv_boot_device_error_for (const ZvBootDevice *device, ZvBootBus bus)
{
  if (device->error == NULL)
    return NULL;
  return device->bus == bus || device->bus == ZV_BOOT_BUS_UNKNOWN ? device->error : NULL;
}

/* TRUE when DEVICE is the ccw device with bus id DEVNO. */
gboolean
zv_boot_device_is_ccw (const ZvBootDevice *device, const ZvBusId *devno)
{
  return device->error == NULL && device->bus == ZV_BOOT_BUS_CCW && device->file != NULL &&
         device->devno.cssid == devno->cssid && device->devno.ssid == devno->ssid &&
         device->devno.number == devno->number;
}

/* TRUE when DEVICE is the zPCI function with function id FID. */
gboolean
zv_boot_device_is_fid (const ZvBootDevice *device, guint32 fid)
{
  return device->error == NULL && device->bus == ZV_BOOT_BUS_PCI && device->file != NULL &&
         device->fid == fid;
}
