/* zvfio-callout (the installed name): the front end mdevctl runs.
 *
 * mdevctl runs every callout for every mdev of every type (vfio_ap, ...) and
 * waits for it. This front end links nothing but libc, so a call for a foreign
 * type costs about a process start: when the first "-t" value is not
 * vfio_ccw-io it exits 2 ("not my type") at once, as the full callout would,
 * before anything else. Everything else (vfio_ccw-io, --help, --version, usage
 * errors) it hands to the full callout, zvfio-callout-worker, with the same argv
 * and stdin: found next to this binary (a build directory) or at its installed
 * path (libexecdir/zvfio, outside mdevctl's callout directory, where mdevctl
 * would run it for every mdev too). docs/callout.md. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WORKER "zvfio-callout-worker"
#define MDEV_TYPE "vfio_ccw-io"
#define EXIT_FOREIGN_TYPE 2
#define DRAIN_TIMEOUT_MS 10000

/* The value after the first "-t" in ARGV, or NULL (as the full callout peeks it). */
static const char *
peek_type (int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp (argv[i], "-t") == 0)
      return argv[i + 1];
  return NULL;
}

/* Reads stdin (a pipe or file, not a terminal) to its end or for at most
 * DRAIN_TIMEOUT_MS, before a failure is answered: mdevctl 1.2 takes a broken pipe
 * on its write of the config for a script that did not run, and goes on. */
static void
drain_stdin (void)
{
  struct stat st;
  if (fstat (STDIN_FILENO, &st) != 0 || !(S_ISFIFO (st.st_mode) || S_ISREG (st.st_mode) ||
                                          S_ISSOCK (st.st_mode)))
    return;
  struct timespec start, now;
  clock_gettime (CLOCK_MONOTONIC, &start);
  char buffer[4096];
  for (;;)
    {
      clock_gettime (CLOCK_MONOTONIC, &now);
      long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
      struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
      if (spent >= DRAIN_TIMEOUT_MS)
        return;
      int ready = poll (&pfd, 1, (int) (DRAIN_TIMEOUT_MS - spent));
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        return;
      ssize_t n = read (STDIN_FILENO, buffer, sizeof buffer);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
        return;
    }
}

/* Replaces this process by the full callout: next to this binary, else at its
 * installed path. Returns only on failure (exit code 1, as for any failure). */
static int
exec_worker (char **argv)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - sizeof WORKER - 1);
  char *slash = n > 0 ? memrchr (self, '/', (size_t) n) : NULL;
  if (slash != NULL)
    {
      strcpy (slash + 1, WORKER);
      argv[0] = self;
      execv (self, argv);
    }
  argv[0] = (char *) ZVFIO_CALLOUT_WORKER;
  execv (ZVFIO_CALLOUT_WORKER, argv);
  int code = errno;
  drain_stdin ();
  fprintf (stderr, "zvfio-callout: cannot run %s: %s\n", ZVFIO_CALLOUT_WORKER, strerror (code));
  return 1;
}

int
main (int argc, char **argv)
{
  const char *type = peek_type (argc, argv);
  if (type != NULL && strcmp (type, MDEV_TYPE) != 0)
    return EXIT_FOREIGN_TYPE;
  return exec_worker (argv);
}
