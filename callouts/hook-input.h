/* zvfio-hook input handling shared by the hook and its gate: plain libc only, so
 * the gate (which decides whether there is work at all) loads no other library. */
#pragma once

#include <stddef.h>

/* Largest domain XML accepted on stdin, and how long stdin may take to end. */
#define ZV_HOOK_MAX_INPUT (4 * 1024 * 1024)
#define ZV_HOOK_INPUT_TIMEOUT_MS 10000

/* What a hook invocation asks for. */
typedef enum {
  ZV_HOOK_NOTHING,   /* any other operation: exit 0 */
  ZV_HOOK_PREPARE,   /* "prepare begin" */
  ZV_HOOK_RELEASE,   /* "release end" */
} ZvHookWork;

/* Maps libvirt's OPERATION and SUBOP to the work to do. */
ZvHookWork zv_hook_work (const char *operation, const char *subop);
/* Reads FD to its end into a NUL-terminated malloc()ed buffer: at most MAX bytes,
 * and within TIMEOUT_MS overall (one deadline, however the writer trickles);
 * returns 0, or a positive errno (EFBIG: too large, ETIMEDOUT: no end in time).
 * The stdin reader of zvfio-hook and of zvfio-callout. */
int zv_read_input_bounded (int fd, size_t max, int timeout_ms, char **data, size_t *length);
/* zv_read_input_bounded with the hook's limits above. */
int zv_hook_read_input (int fd, char **data, size_t *length);
/* The message for a zv_hook_read_input error code. */
const char *zv_hook_input_error (int code, char *buf, size_t size);
/* TRUE (1) when the XML mentions a host device at all (a cheap byte scan). */
int zv_hook_has_hostdev (const char *data, size_t length);
