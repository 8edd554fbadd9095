/* Unit tests: escaping untrusted text for terminals and logs (zv-text.h). */
#include "zv-text.h"

/* Checks that TEXT is shown as WANT. */
static void
expect (const char *text, const char *want)
{
  g_autofree char *got = zv_text_escape (text);
  g_assert_cmpstr (got, ==, want);
}

/* Printable text, UTF-8 included, is unchanged. */
static void
test_plain (void)
{
  expect ("", "");
  expect ("0.0.0100 vfio_ccw", "0.0.0100 vfio_ccw");
  expect ("gr\xc3\xbc\xc3\x9f \xe2\x82\xac", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac");
  expect ("back\\slash", "back\\slash");
  g_assert_null (zv_text_escape (NULL));
}

/* C0 controls (newline, tab, ESC), DEL and C1 controls (CSI U+009B) are escaped. */
static void
test_controls (void)
{
  expect ("a\nzvfio: ok", "a\\x0azvfio: ok");
  expect ("\t\x1b[31mred\x7f", "\\x09\\x1b[31mred\\x7f");
  expect ("\x01", "\\x01");
  expect ("csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J");
}

/* Bytes that are no UTF-8 are escaped one by one; what follows is kept. */
static void
test_invalid_utf8 (void)
{
  expect ("0.0.01\xff" "0", "0.0.01\\xff0");
  expect ("\xc3", "\\xc3");
  expect ("\xe2\x82", "\\xe2\\x82");
  expect ("\xc0\xaf/etc", "\\xc0\\xaf/etc");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/plain", test_plain);
  g_test_add_func ("/text/controls", test_controls);
  g_test_add_func ("/text/invalid-utf8", test_invalid_utf8);
  return g_test_run ();
}
