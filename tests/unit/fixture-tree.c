/* Unit-test helper: fake roots from the fixture generator. */
#include "fixture-tree.h"

/* The source tree (ZVFIO_SOURCE_DIR set by meson test). */
static const char *
source_dir (void)
{
  const char *dir = g_getenv ("ZVFIO_SOURCE_DIR");
  g_assert_nonnull (dir);
  return dir;
}

/* Generates the tree for SPEC in a new temp dir; returns its path. */
char *
fixture_tree_make (const char *spec)
{
  g_autofree char *top = g_dir_make_tmp ("zvfio-unit-XXXXXX", NULL);
  g_assert_nonnull (top);
  char *out = g_build_filename (top, "root", NULL);
  g_autofree char *gen = g_build_filename (source_dir (), "tests", "fixtures",
                                           "zvfio_fixtures.py", NULL);
  g_autofree char *spec_file = g_strconcat (source_dir (), "/tests/fixtures/specs/", spec,
                                            ".json", NULL);
  const char *argv[] = { "/usr/bin/python3", gen, spec_file, out, NULL };
  int status = 0;
  g_autofree char *err = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, NULL, &err, &status,
                               NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("fixture generator failed for %s: %s", spec, err);
  return out;
}

/* Removes a tree made by fixture_tree_make. */
void
fixture_tree_remove (const char *dir)
{
  g_autofree char *top = g_path_get_dirname (dir);
  const char *argv[] = { "rm", "-rf", top, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
}
