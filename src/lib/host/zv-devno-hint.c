/* zvfio: devno hints for vfio_ccw-bound subchannels (see zv-devno-hint.h). */
#include "zv-devno-hint.h"
#include "zv-css.h"
#include "zv-parse.h"
#include "zv-temp-sweep.h"

#include <string.h>

/* Records that the subchannel at DIR holds the devno its dev_busid names. */
gboolean
zv_devno_hint_save (ZvRoot *root, ZvDir *subchannel_dir, GError **error)
{
  ZvBusId sch, devno;
  g_autofree char *dev_busid = zv_dir_read_line (subchannel_dir, "dev_busid", NULL);
  const char *name = zv_dir_name (subchannel_dir);
  if (dev_busid == NULL || !zv_parse_busid_canonical (dev_busid, &devno) ||
      !zv_parse_busid_canonical (name, &sch))
    return FALSE;
  g_autofree char *path = g_strconcat (ZV_DEVNO_HINT_DIR "/", dev_busid, NULL);
  g_autofree char *text = g_strconcat (name, "\n", NULL);
  zv_temp_sweep_before_write (root, ZV_DEVNO_HINT_DIR);   /* what killed writers left */
  return zv_root_write_file_atomic (root, path, text, -1, 0644, error);
}

/* Sets *SCH to the subchannel the hint for DEVNO names, verified against sysfs. */
gboolean
zv_devno_hint_lookup (ZvRoot *root, const ZvBusId *devno, ZvBusId *sch)
{
  char name[16];
  zv_format_busid (devno, name);
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, ZV_DEVNO_HINT_DIR, NULL);
  g_autofree char *text = dir ? zv_dir_read_line (dir, name, NULL) : NULL;
  ZvBusId named;
  if (text == NULL || !zv_parse_busid_canonical (text, &named))
    return FALSE;   /* the hint file's text: read, so parsed */
  /* verified: the subchannel exists and holds DEVNO now */
  g_autofree char *sch_path = g_strconcat (ZV_CSS_DEVICES "/", text, NULL);
  g_autoptr (ZvDir) sdir = zv_root_open_dir (root, sch_path, NULL);
  g_autofree char *dev_busid = sdir ? zv_dir_read_line (sdir, "dev_busid", NULL) : NULL;
  if (dev_busid == NULL || strcmp (dev_busid, name) != 0)
    return FALSE;
  *sch = named;
  return TRUE;
}
