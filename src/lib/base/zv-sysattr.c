/* zvfio: reading optional sysfs attributes. */
#include "zv-sysattr.h"
#include "zv-error.h"

#include <gio/gio.h>

/* Adds the standard "unparsable value" warning. */
void
zv_attr_warn_garbage (GPtrArray *warnings, const char *owner, const char *name,
                      const char *value)
{
  g_autofree char *shown = g_strescape (value ? value : "", NULL);
  if (strlen (shown) > 40)
    shown[40] = '\0';
  zv_warning_add (warnings, "%s: attribute %s has an unparsable value '%s'", owner, name,
                  shown);
}

/* Reads attribute NAME of DIR as a line; NULL when absent or unreadable. */
char *
zv_attr_get (ZvDir *dir, const char *owner, const char *name, GPtrArray *warnings)
{
  g_autoptr (GError) error = NULL;
  char *value = zv_dir_read_line (dir, name, &error);
  if (value == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    zv_warning_add (warnings, "%s: %s", owner, error->message);
  return value;
}

/* Reads the basename of link NAME; NULL when absent. */
char *
zv_attr_link (ZvDir *dir, const char *owner, const char *name, GPtrArray *warnings)
{
  g_autoptr (GError) error = NULL;
  char *value = zv_dir_read_link_name (dir, name, &error);
  if (value == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    zv_warning_add (warnings, "%s: %s", owner, error->message);
  return value;
}
