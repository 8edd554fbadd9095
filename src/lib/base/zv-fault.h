/* zvfio: fault injection for the crash-consistency tests (tests/integration/
 * test_crash.py). Compiled in only with -Dfault_injection=true (the test builds
 * of tools/setup.sh); in every other build zv_fault_point() is an empty macro
 * and this code does not exist.
 *
 * Every write step (a sysfs attribute write, an atomic file write, a file
 * removal) first passes zv_fault_point(WHAT). With the environment variable
 *   ZVFIO_FAULT_AT=N    the process kills itself with SIGKILL at the N-th point,
 *                       before that write (as kill -9 or a power loss would);
 *   ZVFIO_FAULT_LOG=F   each point appends "N WHAT" to the file F (counting mode).
 * Both are read once and removed from the environment, so child processes
 * (mdevctl, its callouts) run without them. */
#pragma once

#include <glib.h>
#include "zvfio-config.h"

G_BEGIN_DECLS

#if ZVFIO_FAULT_INJECTION
/* One write step (WHAT: "write", "replace", "remove") on DIR/NAME (NAME may be
 * NULL): logs it and stops the process when it is the chosen one. */
void zv_fault_point (const char *what, const char *dir, const char *name);
#else
#define zv_fault_point(what, dir, name) ((void) 0)
#endif

G_END_DECLS
