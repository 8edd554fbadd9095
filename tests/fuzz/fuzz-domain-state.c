/* Fuzz target: the hook's domain state records /run/zvfio/<domain>.json
 * (zv_domain_state_parse), which 'release end' trusts to undo a bring-up. */
#include "zv-domain-state.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as a domain state; an accepted one must round-trip unchanged. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvDomainState) state = zv_domain_state_parse ((const char *) data, (gssize) size,
                                                           &error);
  g_assert_true ((state == NULL) == (error != NULL));
  if (state == NULL)
    return 0;
  g_autofree char *json = zv_domain_state_to_json (state);
  g_autoptr (GError) again_error = NULL;
  g_autoptr (ZvDomainState) again = zv_domain_state_parse (json, -1, &again_error);
  g_assert_no_error (again_error);
  g_autofree char *json_again = zv_domain_state_to_json (again);
  g_assert_cmpstr (json_again, ==, json);
  return 0;
}
