/* zvfio: fault injection at write steps (test builds only, see zv-fault.h). */
#include "zv-fault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gboolean configured;
static guint64 stop_at;      /* 0: never */
static char *log_path;       /* NULL: no log */
static guint64 count;

/* Reads ZVFIO_FAULT_AT / ZVFIO_FAULT_LOG once and hides them from child processes. */
static void
configure (void)
{
  configured = TRUE;
  const char *at = g_getenv ("ZVFIO_FAULT_AT");
  if (at != NULL && at[0] != '\0')
    stop_at = g_ascii_strtoull (at, NULL, 10);
  log_path = g_strdup (g_getenv ("ZVFIO_FAULT_LOG"));
  g_unsetenv ("ZVFIO_FAULT_AT");
  g_unsetenv ("ZVFIO_FAULT_LOG");
}

/* Appends "N WHAT DIR/NAME" to the log file (one write(2), O_APPEND). */
static void
log_point (const char *what, const char *dir, const char *name)
{
  int fd = open (log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  char line[512];
  int n = snprintf (line, sizeof line, "%" G_GUINT64_FORMAT " %s %s%s%s\n", count, what, dir,
                    name ? "/" : "", name ? name : "");
  if (n > 0)
    {
      ssize_t written = write (fd, line, MIN ((size_t) n, sizeof line - 1));
      (void) written;
    }
  close (fd);
}

/* One write step: counts it, logs it, and stops here with SIGKILL when asked. */
void
zv_fault_point (const char *what, const char *dir, const char *name)
{
  if (!configured)
    configure ();
  count++;
  if (log_path != NULL)
    log_point (what, dir, name);
  if (stop_at != 0 && count == stop_at)
    {
      kill (getpid (), SIGKILL);
      _exit (137);
    }
}
