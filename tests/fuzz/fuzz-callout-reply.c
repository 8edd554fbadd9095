/* Fuzz target: zvfio-callout's refusal in a remote libvirt's error text
 * (zv_callout_refusal_parse). */
#include "zv-callout-reply.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as libvirt's error text; a refusal's lines are taken from the
 * text, one line each: a finding first, then findings or indented lines. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GPtrArray) lines = NULL;
  gboolean refused = zv_callout_refusal_parse (text, &lines);
  g_assert_true (refused == (lines != NULL));
  for (guint i = 0; lines && i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      g_assert_null (strchr (line, '\n'));
      g_assert_nonnull (strstr (text, line));
      gboolean finding = g_str_has_prefix (line, "error: ") ||
                         g_str_has_prefix (line, "warning: ");
      g_assert_true (finding || (i > 0 && line[0] == ' '));
    }
  g_assert_true (zv_callout_refusal_parse (text, NULL) == refused);
  return 0;
}
