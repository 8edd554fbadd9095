/* Fuzz target: user ids and UUIDs (zv_parse_id, zv_parse_id_problem, zv_parse_uuid). */
#include "zv-parse.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as a user id; a parsed id must re-parse to itself, and only a
 * refused one may have a problem named. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  ZvId id;
  if (zv_parse_id (text, &id))
    {
      ZvId again;
      g_assert_true (zv_parse_id (id.normalized, &again));
      g_assert_cmpstr (again.normalized, ==, id.normalized);
      g_assert_null (zv_parse_id_problem (text));
    }
  char uuid[37];
  zv_parse_uuid (text, uuid);
  return 0;
}
