/* zvfio-hook input handling (libc only). */
#include "hook-input.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Maps libvirt's OPERATION and SUBOP to the work to do. */
ZvHookWork
zv_hook_work (const char *operation, const char *subop)
{
  if (strcmp (operation, "prepare") == 0 && strcmp (subop, "begin") == 0)
    return ZV_HOOK_PREPARE;
  if (strcmp (operation, "release") == 0 && strcmp (subop, "end") == 0)
    return ZV_HOOK_RELEASE;
  return ZV_HOOK_NOTHING;
}

/* Milliseconds of the monotonic clock. */
static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads FD to its end, at most MAX bytes within TIMEOUT_MS, into a NUL-terminated buffer. */
int
zv_read_input_bounded (int fd, size_t max, int timeout_ms, char **data, size_t *length)
{
  size_t cap = 65536, len = 0;
  char *buf = malloc (cap + 1);
  if (buf == NULL)
    return ENOMEM;
  long long deadline = now_ms () + timeout_ms;
  for (;;)
    {
      long long left = deadline - now_ms ();
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      int ready = left > 0 ? poll (&pfd, 1, (int) left) : 0;
      if (ready < 0 && errno == EINTR)
        continue;
      int code = ready == 0 ? ETIMEDOUT : ready < 0 ? errno : (pfd.revents & POLLNVAL) ? EBADF : 0;
      ssize_t n = 0;
      if (code == 0)
        {
          n = read (fd, buf + len, cap - len);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          code = n < 0 ? errno : 0;
        }
      if (code != 0)
        {
          free (buf);
          return code;
        }
      if (n == 0)
        break;
      len += (size_t) n;
      if (len > max)
        {
          free (buf);
          return EFBIG;
        }
      if (len == cap)
        {
          if (cap > max)
            {
              free (buf);
              return EFBIG;
            }
          char *bigger = realloc (buf, cap * 2 + 1);
          if (bigger == NULL)
            {
              free (buf);
              return ENOMEM;
            }
          buf = bigger;
          cap *= 2;
        }
    }
  buf[len] = '\0';
  *data = buf;
  *length = len;
  return 0;
}

/* Reads the hook's stdin within the hook's limits. */
int
zv_hook_read_input (int fd, char **data, size_t *length)
{
  return zv_read_input_bounded (fd, ZV_HOOK_MAX_INPUT, ZV_HOOK_INPUT_TIMEOUT_MS, data, length);
}

/* The message for a zv_hook_read_input error code. */
const char *
zv_hook_input_error (int code, char *buf, size_t size)
{
  if (code == EFBIG)
    snprintf (buf, size, "the domain XML on stdin is larger than %d bytes", ZV_HOOK_MAX_INPUT);
  else if (code == ETIMEDOUT)
    snprintf (buf, size, "no end of the domain XML on stdin within %d ms",
              ZV_HOOK_INPUT_TIMEOUT_MS);
  else
    snprintf (buf, size, "cannot read the domain XML on stdin: %s", strerror (code));
  return buf;
}

/* TRUE when the XML mentions a host device at all. */
int
zv_hook_has_hostdev (const char *data, size_t length)
{
  return memmem (data, length, "<hostdev", 8) != NULL;
}
