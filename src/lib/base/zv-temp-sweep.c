/* zvfio: removing the temporary files a killed writer left (zv-temp-sweep.h). */
#include "zv-temp-sweep.h"
#include "zv-error.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* TRUE when process PID may still be writing. */
gboolean
zv_temp_writer_alive (pid_t pid)
{
  if (pid == getpid ())
    return TRUE;
  return kill (pid, 0) == 0 || errno != ESRCH;
}

/* Removes the temporary files in DIR_PATH whose writer no longer runs. */
gboolean
zv_temp_sweep (ZvRoot *root, const char *dir_path, GPtrArray *removed, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, dir_path, &local);
  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_autoptr (GPtrArray) names = zv_dir_list (dir, error);
  if (names == NULL)
    return FALSE;
  g_autoptr (GError) first = NULL;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      pid_t pid;
      if (!zv_temp_name_parse (name, &pid, NULL) || zv_temp_writer_alive (pid))
        continue;
      g_autofree char *path = g_build_path ("/", zv_dir_path (dir), name, NULL);
      g_autoptr (GError) failed = NULL;
      if (!zv_root_remove_file (root, path, &failed))
        {
          if (first == NULL)
            first = g_steal_pointer (&failed);
          continue;
        }
      if (removed != NULL)
        g_ptr_array_add (removed, g_steal_pointer (&path));
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  return TRUE;
}

/* The directories swept by this process: "<root dir>\n<dir path>". */
static GHashTable *swept;
G_LOCK_DEFINE_STATIC (swept);

/* zv_temp_sweep of DIR_PATH, once per process and root. */
void
zv_temp_sweep_before_write (ZvRoot *root, const char *dir_path)
{
  g_autofree char *key = g_strconcat (zv_root_dir (root), "\n", dir_path, NULL);
  G_LOCK (swept);
  if (swept == NULL)
    swept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean first = g_hash_table_add (swept, g_strdup (key));
  G_UNLOCK (swept);
  if (first)
    zv_temp_sweep (root, dir_path, NULL, NULL);
}
