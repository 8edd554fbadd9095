/* Fuzz target: the bind records under /run/zvfio/bind (zv_bind_record_parse),
 * which release trusts to restore the host. */
#include "zv-state.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as a bind record; an accepted record must round-trip unchanged. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvBindRecord) record = zv_bind_record_parse ((const char *) data, (gssize) size,
                                                          &error);
  g_assert_true ((record == NULL) == (error != NULL));
  if (record == NULL)
    return 0;
  g_autofree char *json = zv_bind_record_to_json (record);
  g_autoptr (GError) again_error = NULL;
  g_autoptr (ZvBindRecord) again = zv_bind_record_parse (json, -1, &again_error);
  g_assert_no_error (again_error);
  g_autofree char *json_again = zv_bind_record_to_json (again);
  g_assert_cmpstr (json_again, ==, json);
  return 0;
}
