/* zvfio: QEMU version facts for the zPCI interpretation rule: the emulator's
 * `--version` output and the s390-ccw-virtio machine type version.
 * Parsers are pure; zv_qemu_emulator_version runs the emulator (argv only). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A QEMU version major.minor; ZV_QEMU_LATEST stands for an unversioned machine alias. */
typedef struct {
  guint major, minor;
} ZvQemuVersion;

#define ZV_QEMU_LATEST ((ZvQemuVersion) { G_MAXUINT, G_MAXUINT })

/* Parses "QEMU emulator version X.Y[.Z]..." (first line of `qemu --version`). */
gboolean zv_qemu_parse_version_output (const char *output, ZvQemuVersion *out);
/* Parses an s390 machine type: "s390-ccw-virtio-X.Y" -> X.Y, bare "s390-ccw-virtio"
 * -> ZV_QEMU_LATEST; FALSE for anything else. */
gboolean zv_qemu_parse_machine (const char *machine, ZvQemuVersion *out);
/* TRUE when A is at least MAJOR.MINOR. */
gboolean zv_qemu_version_at_least (const ZvQemuVersion *a, guint major, guint minor);
/* Runs `EMULATOR --version` (absolute path, argv only, no shell) and parses
 * its version. ZV_ERROR_EXTERNAL on failure. */
gboolean zv_qemu_emulator_version (const char *emulator, ZvQemuVersion *out, GError **error);

G_END_DECLS
