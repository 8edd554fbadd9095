/* Fuzz target: the mdev intent records under /run/zvfio/mdev (zv_mdev_intent_parse),
 * from which repair undoes an interrupted define --start or attach --define. */
#include "zv-mdev-intent.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as an mdev intent record; an accepted record must round-trip unchanged. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse ((const char *) data, (gssize) size,
                                                          &error);
  g_assert_true ((intent == NULL) == (error != NULL));
  if (intent == NULL)
    return 0;
  g_autofree char *json = zv_mdev_intent_to_json (intent);
  g_autoptr (GError) again_error = NULL;
  g_autoptr (ZvMdevIntent) again = zv_mdev_intent_parse (json, -1, &again_error);
  g_assert_no_error (again_error);
  g_autofree char *json_again = zv_mdev_intent_to_json (again);
  g_assert_cmpstr (json_again, ==, json);
  return 0;
}
