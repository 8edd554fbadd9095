/* zvfio-udev-hint: what udev runs when a subchannel is bound to vfio_ccw
 * (70-zvfio-devno-hint.rules, built from callouts/zvfio-devno-hint.rules.in): it
 * records the subchannel's device number in /run/zvfio/devno/<devno>, the hint
 * zvfio's devno lookup verifies and uses.
 *
 * The kernel indexes device numbers only for ccw devices, and a subchannel bound
 * to vfio_ccw has none; without a hint, finding its devno means reading the
 * dev_busid of every such subchannel of the set. zvfio prepare writes the hint for
 * the subchannels it binds; this helper writes it for those bound by anyone else
 * (driverctl at boot, an admin's echo). A hint is never trusted: a lookup reads
 * the named subchannel's dev_busid before it uses one. docs/benchmarks.md (P2). */
#include "zv-css.h"
#include "zv-devno-hint.h"
#include "zv-error.h"
#include "zv-parse.h"
#include "zv-root.h"
#include "zv-text.h"
#include "zvfio-config.h"

#include <stdio.h>
#include <string.h>

#define PROG "zvfio-udev-hint"

/* Prints the usage text. */
static int
help (void)
{
  printf ("usage: " PROG " SUBCHANNEL\n"
          "Records the device number of SUBCHANNEL (0.S.XXXX), bound to vfio_ccw, in\n"
          ZV_DEVNO_HINT_DIR "/<devno> for zvfio's devno lookup. Run by udev on the\n"
          "\"bind\" event of a css device to vfio_ccw; does nothing for another driver.\n"
          "Environment: ZVFIO_ROOT (read sysfs and write /run below it).\n"
          "Exit codes: 0 recorded, or nothing to record; 1 the hint could not be written;\n"
          "2 usage; 4 no such subchannel; 6 a path leaves the root.\n");
  return ZV_EXIT_OK;
}

/* Prints ERROR's message; returns its exit code. */
static int
fail (const GError *error)
{
  fprintf (stderr, PROG ": %s\n", error->message);
  return zv_error_exit_code (error);
}

int
main (int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return help ();
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf (PROG " %s\n", ZVFIO_VERSION);
      return ZV_EXIT_OK;
    }
  if (argc != 2)
    {
      fprintf (stderr, "usage: " PROG " SUBCHANNEL (run by udev, see --help)\n");
      return ZV_EXIT_USAGE;
    }
  ZvBusId id;
  if (!zv_parse_busid_canonical (argv[1], &id))
    {
      g_autofree char *shown = zv_text_escape (argv[1]);
      fprintf (stderr, PROG ": '%s' is not a subchannel id (0.S.XXXX, lower case)\n", shown);
      return ZV_EXIT_USAGE;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvRoot) root = zv_root_new (NULL, &error);
  if (root == NULL)
    return fail (error);
  g_autofree char *path = g_strconcat (ZV_CSS_DEVICES "/", argv[1], NULL);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, path, &error);
  if (dir == NULL && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      /* gone since the event: nothing to record */
      fprintf (stderr, PROG ": no subchannel %s (%s)\n", argv[1], error->message);
      return ZV_EXIT_NOT_FOUND;
    }
  if (dir == NULL)
    return fail (error);
  /* the event may be old: only a subchannel on vfio_ccw now gets a hint (one
   * on io_subchannel has a ccw device, which the kernel indexes) */
  g_autofree char *driver = zv_dir_read_link_name (dir, "driver", NULL);
  if (g_strcmp0 (driver, "vfio_ccw") != 0)
    return ZV_EXIT_OK;
  if (!zv_devno_hint_save (root, dir, &error))
    {
      if (error == NULL)
        return ZV_EXIT_OK;   /* dev_busid names no device ("none") */
      return fail (error);
    }
  return ZV_EXIT_OK;
}
