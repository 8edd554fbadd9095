/* zvfio-hook-gate: what libvirt runs as /etc/libvirt/hooks/qemu.d/zvfio.
 *
 * libvirt calls every qemu hook for every operation of every domain, and waits
 * for it. The gate links nothing but libc, so a call with nothing to do costs
 * about a process start: it exits 0 for every operation other than "prepare
 * begin" and "release end", for a "prepare begin" whose domain XML has no
 * <hostdev>, and for a "release end" of a domain zvfio keeps no state for.
 * Otherwise it execs zvfio-hook (next to the gate's own binary) with the same
 * argv and the XML it already read on stdin. docs/hook.md. */
#include "hook-input.h"
#include "../src/lib/base/zv-paths.h"   /* libc only: the state path libzvfio uses */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WORKER "zvfio-hook"

/* Replaces this process by zvfio-hook (found next to the gate's binary). */
static int
exec_worker (char **argv)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - sizeof WORKER - 1);
  char *slash = n > 0 ? memrchr (self, '/', (size_t) n) : NULL;
  if (slash == NULL)
    {
      fprintf (stderr, "zvfio-hook: cannot find its own binary: %s\n", strerror (errno));
      return 1;
    }
  strcpy (slash + 1, WORKER);
  argv[0] = self;
  execv (self, argv);
  fprintf (stderr, "zvfio-hook: cannot run %s: %s\n", self, strerror (errno));
  return 1;
}

/* Replaces stdin by a memory file holding DATA (the XML already read). */
static int
stdin_from (const char *data, size_t length)
{
  int fd = memfd_create ("zvfio-hook-domain-xml", MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t done = 0;
  while (done < length)
    {
      ssize_t n = write (fd, data + done, length - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          close (fd);
          return -1;
        }
      done += (size_t) n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0 || dup2 (fd, STDIN_FILENO) < 0)
    {
      close (fd);
      return -1;
    }
  close (fd);
  return 0;
}

/* TRUE when zvfio keeps state for domain NAME (an unusable name: let the hook say so). */
static int
has_state (const char *name)
{
  if (name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL ||
      strlen (name) > ZV_STATE_MAX_DOMAIN_NAME)
    return 1;
  char path[PATH_MAX];
  return zv_paths_domain_state_file (path, sizeof path, zv_paths_root_prefix (), name) < 0 ||
         access (path, F_OK) == 0 || errno != ENOENT;
}

int
main (int argc, char **argv)
{
  if (argc != 5)
    return exec_worker (argv);       /* it prints the usage */
  switch (zv_hook_work (argv[2], argv[3]))
    {
    case ZV_HOOK_NOTHING:
      return 0;
    case ZV_HOOK_RELEASE:
      return has_state (argv[1]) ? exec_worker (argv) : 0;
    case ZV_HOOK_PREPARE:
    default:
      break;
    }
  char *xml = NULL;
  size_t length = 0;
  int code = zv_hook_read_input (STDIN_FILENO, &xml, &length);
  if (code != 0)
    {
      char message[128];
      fprintf (stderr, "zvfio-hook: %s: %s\n", argv[1],
               zv_hook_input_error (code, message, sizeof message));
      return code == EFBIG || code == ETIMEDOUT ? 7 : 6;   /* ZV_EXIT_INVALID / ZV_EXIT_IO */
    }
  if (!zv_hook_has_hostdev (xml, length))
    {
      free (xml);
      return 0;
    }
  int failed = stdin_from (xml, length);
  int saved = errno;
  free (xml);
  if (failed != 0)
    {
      fprintf (stderr, "zvfio-hook: %s: cannot pass the domain XML on: %s\n", argv[1],
               strerror (saved));
      return 1;
    }
  return exec_worker (argv);
}
