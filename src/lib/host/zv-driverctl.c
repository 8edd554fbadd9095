/* zvfio: driverctl override files. */
#include "zv-driverctl.h"
#include "zv-error.h"
#include "zv-temp-sweep.h"

/* The driverctl override file of a device. */
char *
zv_driverctl_path (ZvBus bus, const char *device)
{
  g_autofree char *key = zv_bind_key (bus, device);
  return g_strconcat (ZV_DRIVERCTL_DIR "/", key, NULL);
}

/* Reads the driver named by the driverctl override of DEVICE (*DRIVER NULL: no file). */
gboolean
zv_driverctl_read (ZvRoot *root, ZvBus bus, const char *device, char **driver, GError **error)
{
  *driver = NULL;
  g_autofree char *path = zv_driverctl_path (bus, device);
  g_autoptr (GError) local = NULL;
  g_autofree char *data = zv_root_read_file (root, path, NULL, &local);
  if (data == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_strchomp (data);   /* driverctl reads it with $(< file): trailing newlines go */
  if (!zv_driver_name_is_valid (data))
    {
      g_set_error (error, ZV_ERROR, ZV_ERROR_INVALID, "%s: unexpected content '%s'", path, data);
      return FALSE;
    }
  *driver = g_steal_pointer (&data);
  return TRUE;
}

/* Writes the driverctl override of DEVICE naming DRIVER, or removes it for NULL. */
gboolean
zv_driverctl_write (ZvRoot *root, ZvBus bus, const char *device, const char *driver,
                    GError **error)
{
  g_autofree char *path = zv_driverctl_path (bus, device);
  /* a killed run's temporary file there would survive reboots */
  zv_temp_sweep_before_write (root, ZV_DRIVERCTL_DIR);
  if (driver == NULL)
    return zv_root_remove_file (root, path, error);
  /* the format driverctl's save_override writes: echo "$drv" > file */
  g_autofree char *content = g_strconcat (driver, "\n", NULL);
  return zv_root_write_file_atomic (root, path, content, -1, 0644, error);
}
