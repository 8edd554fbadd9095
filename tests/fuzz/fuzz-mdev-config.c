/* Fuzz target: mdevctl definition JSON (callout stdin, /etc/mdevctl.d files). */
#include "zv-mdev.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as an mdev definition; accepted ones must round-trip. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ZvMdevConfig) config = zv_mdev_config_parse ((const char *) data, (gssize) size,
                                                          NULL);
  if (config != NULL && config->n_attrs == 0)
    {
      g_autofree char *json = zv_mdev_config_to_json (config->mdev_type, config->start);
      g_autoptr (ZvMdevConfig) again = zv_mdev_config_parse (json, -1, NULL);
      g_assert_nonnull (again);
      g_assert_cmpstr (again->start, ==, config->start);
    }
  return 0;
}
