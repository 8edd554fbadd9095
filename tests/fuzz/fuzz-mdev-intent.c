/* Fuzz target: the mdev intent records under /run/zvfio/mdev (zv_mdev_intent_parse),
 * from which repair undoes an interrupted define --start or attach --define; the
 * check of the libvirt URI such a record holds (zv_mdev_intent_check_uri); and the
 * names of the temporary files the records are written through (zv_temp_name_parse),
 * which the sweep of a killed writer's files parses. */
#include "zv-mdev-intent.h"
#include "zv-temp-name.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as an mdev intent record (an accepted record must round-trip
 * unchanged), as a record URI, and as a temporary file name (an accepted name must
 * be the one zv_temp_name makes of its parts). */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ZvMdevIntent) intent = zv_mdev_intent_parse ((const char *) data, (gssize) size,
                                                          &error);
  g_assert_true ((intent == NULL) == (error != NULL));
  if (intent != NULL)
    {
      g_autofree char *json = zv_mdev_intent_to_json (intent);
      g_autoptr (GError) again_error = NULL;
      g_autoptr (ZvMdevIntent) again = zv_mdev_intent_parse (json, -1, &again_error);
      g_assert_no_error (again_error);
      g_autofree char *json_again = zv_mdev_intent_to_json (again);
      g_assert_cmpstr (json_again, ==, json);
    }

  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GError) uri_error = NULL;
  gboolean uri_ok = zv_mdev_intent_check_uri (text, &uri_error);
  g_assert_true (uri_ok == (uri_error == NULL));
  /* an accepted URI holds no escape, fragment, space, quote or shell character */
  if (uri_ok)
    g_assert_null (strpbrk (text, "%# \"'\\$`|<>()"));

  pid_t pid;
  g_autofree char *base = NULL;
  if (zv_temp_name_parse (text, &pid, &base))
    {
      g_assert_cmpint (pid, >, 0);
      const char *random = strrchr (text, '.') + 1;
      guint32 value = (guint32) g_ascii_strtoull (random, NULL, 16);
      g_autofree char *made = zv_temp_name (base, pid, value);
      g_assert_cmpstr (made, ==, text);
    }
  return 0;
}
