/* zvfio: zvfio-callout's refusal inside the text of a failed mdevctl run, as a
 * remote libvirt passes it on ("Unable to define mediated device: zvfio-callout:
 * error: ccw....", then mdevctl's line naming the callout and its exit code).
 * Pure: text in, the refusal's finding lines out (fuzzed: fuzz-callout-reply). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when TEXT reports that zvfio-callout refused the operation (it exited
 * with the rule exit code, 3, and mdevctl said so); *LINES (may be NULL) then
 * gets the callout's finding lines ("error: ccw.x: ...", "warning: ...", each
 * followed by the indented lines that continue it), without the prefixes
 * mdevctl and libvirt put before them (possibly none). */
gboolean zv_callout_refusal_parse (const char *text, GPtrArray **lines);

G_END_DECLS
