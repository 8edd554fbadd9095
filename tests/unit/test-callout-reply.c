/* Unit tests: zvfio-callout's refusal in a remote libvirt's error text
 * (zv-callout-reply.h). The texts are what libvirt 9.0 and mdevctl 1.2.0 print
 * on the emulated mainframe (tests/vm, scenarios libvirt-nodedev, remote-mdev). */
#include "zv-callout-reply.h"

/* libvirt's error of a 'virsh nodedev-create' that zvfio-callout vetoed, as the
 * emulated mainframe showed it (mdevctl prefixes the callout's first line). */
#define VETO_START \
  "internal error: Unable to start mediated device: zvfio-callout: error: ccw.online: " \
  "0.0.0001: device 0.0.1001 is online in the host (driver virtio_ccw) (fix: chccwdev -d " \
  "0.0.1001)\n" \
  "error: ccw.not-vfio-bound: 0.0.0001: subchannel 0.0.0001 is bound to io_subchannel, not " \
  "to vfio_ccw (fix: driverctl -b css set-override 0.0.0001 vfio_ccw)\n" \
  "Error: callout script \"/etc/mdevctl.d/scripts.d/callouts/zvfio-callout\" failed with " \
  "return code 3\n"

/* A refusal gives the callout's finding lines, without mdevctl's and libvirt's prefixes. */
static void
test_refusal (void)
{
  g_autoptr (GPtrArray) lines = NULL;
  g_autofree char *text = g_strconcat ("libvirt: cannot start node device 'x': ", VETO_START,
                                       NULL);
  g_assert_true (zv_callout_refusal_parse (text, &lines));
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (lines, 0),
                                   "error: ccw.online: 0.0.0001: device 0.0.1001 is online"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (lines, 1),
                                   "error: ccw.not-vfio-bound: 0.0.0001: subchannel"));
  g_assert_true (zv_callout_refusal_parse (VETO_START, NULL));
}

/* mdevctl >= 1.3 words it "Script 'PATH' failed with status 'N'"; the callout's
 * own binary path counts as well as its wrapper's; warnings are findings too. */
static void
test_later_mdevctl_and_warnings (void)
{
  g_autoptr (GPtrArray) lines = NULL;
  const char *text = "Unable to define mediated device: zvfio-callout: warning: ccw.online: "
                     "0.0.0001: online\nerror: ccw.autostart-not-persistent: 0.0.0001: "
                     "needs it\nError: Script '/usr/lib/mdevctl/scripts.d/callouts/"
                     "zvfio-callout' failed with status '3'";
  g_assert_true (zv_callout_refusal_parse (text, &lines));
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "warning: ccw.online: 0.0.0001: online");
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==,
                   "error: ccw.autostart-not-persistent: 0.0.0001: needs it");
}

/* Anything but exit 3 of zvfio-callout is no refusal: another script, another
 * code (a failure of the callout itself), a path that only ends in the name. */
static void
test_not_a_refusal (void)
{
  static const char *const texts[] = {
    "Unable to start mediated device: Error: callout script \"/etc/mdevctl.d/scripts.d/"
    "callouts/ap-check\" failed with return code 3",
    "zvfio-callout: cannot read subchannel 0.0.0001: busy\nError: callout script \"/etc/"
    "mdevctl.d/scripts.d/callouts/zvfio-callout\" failed with return code 9",
    "Error: callout script \"/x/not-zvfio-callout\" failed with return code 3",
    "Error: callout script \"/x/zvfio-callout\" failed with return code 30",
    "Error: Script '/x/zvfio-callout' failed with status '3",
    "error: ccw.online: 0.0.0001: online",
    "this function is not supported by the connection driver: virNodeDeviceDefineXML",
    "",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      GPtrArray *lines = (GPtrArray *) 0x1;
      g_assert_false (zv_callout_refusal_parse (texts[i], &lines));
      g_assert_null (lines);
    }
  g_assert_false (zv_callout_refusal_parse (NULL, NULL));
}

/* A finding wrapped over indented lines (with its "fix:" part) is kept whole, as
 * libvirtd logged it on the emulated mainframe; the next unindented line ends it. */
static void
test_wrapped_finding (void)
{
  g_autoptr (GPtrArray) lines = NULL;
  const char *text =
    "libvirt: cannot set autostart of node device 'mdev_x': internal error: Unable to set "
    "autostart on 'mdev_x': zvfio-callout: error: ccw.autostart-not-persistent: 0.1.abcd "
    "(subchannel 0.1.0001): an autostart mdev on subchannel\n"
    "    0.1.0001 needs the vfio_ccw binding after a reboot, but /etc/driverctl.d/css-0.1.0001 "
    "does not\n"
    "    name vfio_ccw\n"
    "  fix: driverctl -b css set-override 0.1.0001 vfio_ccw; to accept it, set\n"
    "       ZVFIO_ALLOW_VOLATILE_AUTOSTART=1\n"
    "Error: callout script \"/etc/mdevctl.d/scripts.d/callouts/zvfio-callout\" failed with "
    "return code 3\n"
    "  indented, but after mdevctl's line\n";
  g_assert_true (zv_callout_refusal_parse (text, &lines));
  g_assert_cmpuint (lines->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "error: ccw.autostart-not-persistent: "
                   "0.1.abcd (subchannel 0.1.0001): an autostart mdev on subchannel");
  g_assert_cmpstr (g_ptr_array_index (lines, 2), ==, "    name vfio_ccw");
  g_assert_cmpstr (g_ptr_array_index (lines, 4), ==, "       ZVFIO_ALLOW_VOLATILE_AUTOSTART=1");
}

/* Only "error:"/"warning:" lines naming a rule id are findings. */
static void
test_finding_lines (void)
{
  g_autoptr (GPtrArray) lines = NULL;
  const char *text = "zvfio-callout: error: not a rule line\nerror: .ccw: x\nerror: ccw.: x\n"
                     "error: ccw: no dot\nError: ccw.online: capital\nnote: ccw.online: x\n"
                     "error: guest.devno-dup: kept\n"
                     "Error: callout script \"zvfio-callout\" failed with return code 3";
  g_assert_true (zv_callout_refusal_parse (text, &lines));
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "error: guest.devno-dup: kept");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/callout-reply/refusal", test_refusal);
  g_test_add_func ("/callout-reply/later-mdevctl-and-warnings", test_later_mdevctl_and_warnings);
  g_test_add_func ("/callout-reply/not-a-refusal", test_not_a_refusal);
  g_test_add_func ("/callout-reply/finding-lines", test_finding_lines);
  g_test_add_func ("/callout-reply/wrapped-finding", test_wrapped_finding);
  return g_test_run ();
}
