/* zvfio: signals noted during an operation, acted on between its steps. */
#include "zv-signal.h"
#include "zv-error.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t caught;

/* Notes SIGNO; the operation sees it at its next step. */
static void
note (int signo)
{
  caught = signo;
}

/* Installs the noting handler for SIGINT, SIGTERM and SIGHUP. */
void
zv_signal_catch (void)
{
  struct sigaction action;
  memset (&action, 0, sizeof action);
  action.sa_handler = note;
  sigemptyset (&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  sigaction (SIGHUP, &action, NULL);
}

/* The signal noted since zv_signal_catch, 0 when none. */
int
zv_signal_caught (void)
{
  return caught;
}

/* FALSE with an "interrupted by SIGxxx" error once a signal was noted. */
gboolean
zv_signal_check (GError **error)
{
  int signo = caught;
  if (signo == 0)
    return TRUE;
  g_set_error (error, ZV_ERROR, ZV_ERROR_FAILED, "interrupted by SIG%s",
               signo == SIGINT ? "INT" : signo == SIGTERM ? "TERM" : "HUP");
  return FALSE;
}
