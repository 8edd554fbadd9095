/* Fuzz target: the desired-state document of 'zvfio apply' (zv_state_doc_parse). */
#include "zv-state-doc.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as a state document; an accepted one must round-trip unchanged. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvStateDoc) doc = zv_state_doc_parse ((const char *) data, size, "fuzz", &error);
  g_assert_true ((doc == NULL) == (error != NULL));
  if (doc == NULL)
    return 0;
  g_autofree char *json = zv_state_doc_to_json (doc);
  g_autoptr (GError) again_error = NULL;
  g_autoptr (ZvStateDoc) again = zv_state_doc_parse (json, strlen (json), "again", &again_error);
  g_assert_no_error (again_error);
  g_autofree char *json_again = zv_state_doc_to_json (again);
  g_assert_cmpstr (json_again, ==, json);
  return 0;
}
