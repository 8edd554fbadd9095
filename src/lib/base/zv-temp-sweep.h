/* zvfio: removing the temporary files of zvfio's atomic writes (zv-temp-name.h)
 * that a killed writer left behind; in /etc/driverctl.d one survives a reboot.
 * zv_temp_sweep removes the ones whose writer no longer runs. */
#pragma once

#include <glib.h>
#include <sys/types.h>
#include "zv-root.h"
#include "zv-temp-name.h"

G_BEGIN_DECLS

/* TRUE when process PID may still be writing: it is this process, or kill(PID, 0)
 * does not fail with ESRCH (EPERM: it runs under another user). A zombie counts as
 * running. PIDs are this host's, also below a --root: the writers of a fake root
 * are processes of this machine. */
gboolean zv_temp_writer_alive (pid_t pid);

/* Removes the temporary files in the directory DIR_PATH (root-relative) whose
 * writer no longer runs, and appends the root-relative path of each one removed to
 * REMOVED (a GPtrArray of strings; may be NULL). Files of a running writer, and
 * every other name, are left alone. A missing directory is fine. FALSE with an
 * error when the directory cannot be listed or a file cannot be removed (the
 * others are still removed). */
gboolean zv_temp_sweep (ZvRoot *root, const char *dir_path, GPtrArray *removed,
                        GError **error);

/* Called by each writer of a record or driverctl directory before it writes or
 * removes a file there: zv_temp_sweep of DIR_PATH, once per process and root
 * (the directory is listed once, not per write). Best effort: a sweep that fails
 * is not retried and reports nothing; the write that follows reports its own
 * errors, and 'zvfio repair --all' reports the sweep's. */
void zv_temp_sweep_before_write (ZvRoot *root, const char *dir_path);

G_END_DECLS
