/* Unit-test helper: builds a fake root from a spec in tests/fixtures/specs
 * with the project's fixture generator (the same one pytest uses). */
#pragma once

#include <glib.h>

/* Generates the tree for SPEC (name without .json) in a new temp dir; returns its path. */
char *fixture_tree_make (const char *spec);
/* Removes a tree made by fixture_tree_make. */
void fixture_tree_remove (const char *dir);
