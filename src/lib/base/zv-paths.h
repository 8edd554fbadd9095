/* zvfio: the root prefix and the state paths, in plain C with libc only, so
 * that zvfio-hook-gate (which must not load glib) and libzvfio share them:
 * $ZVFIO_ROOT names the root (see ZvRoot), and zvfio-hook keeps one state file
 * per domain below it. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

/* The environment variable naming the root directory (default "/"). */
#define ZV_ROOT_ENV "ZVFIO_ROOT"
/* Where zvfio records what it changed (below the root). */
#define ZV_STATE_DIR "/run/zvfio"
/* One domain's bring-up record: printf format taking the domain name. */
#define ZV_STATE_DOMAIN_FILE ZV_STATE_DIR "/%s.json"
/* The longest domain name that can name a state file. */
#define ZV_STATE_MAX_DOMAIN_NAME 200

/* The root prefix for host paths: $ZVFIO_ROOT, or "" for the system root. */
static inline const char *
zv_paths_root_prefix (void)
{
  const char *root = getenv (ZV_ROOT_ENV);
  return root != NULL && root[0] != '\0' ? root : "";
}

/* Writes the host path of DOMAIN's state file below ROOT_PREFIX into BUF;
 * -1 when it does not fit. */
static inline int
zv_paths_domain_state_file (char *buf, size_t size, const char *root_prefix, const char *domain)
{
  int n = snprintf (buf, size, "%s" ZV_STATE_DOMAIN_FILE, root_prefix, domain);
  return n < 0 || (size_t) n >= size ? -1 : n;
}
