/* zvfio: the names of the temporary files of zvfio's atomic writes (pure, no I/O,
 * no ZvRoot: zv-root.c, which makes the files, can include it without a cycle).
 *
 * zv_root_write_file_atomic writes NAME through a temporary file in the same
 * directory, ".NAME" ZV_TEMP_MARKER "PID.RANDOM" (PID: the writer's process id in
 * decimal; RANDOM: 8 lowercase hex digits), and renames it over NAME. A kill
 * between the two leaves that file behind (zv-temp-sweep.h removes it). */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* What follows ".NAME" in a temporary file's name, before "PID.RANDOM": the one
 * place the pattern is spelled. */
#define ZV_TEMP_MARKER ".zvfio-tmp-"
/* The number of hex digits of RANDOM. */
#define ZV_TEMP_RANDOM_DIGITS 8

/* The temporary file name for BASE of writer PID with RANDOM: ".BASE"
 * ZV_TEMP_MARKER "PID.RANDOM" (newly allocated). */
char *zv_temp_name (const char *base, pid_t pid, guint32 random);

/* Parses NAME as a temporary file name ".NAME" ZV_TEMP_MARKER "PID.RANDOM": TRUE
 * with *PID (1 .. G_MAXINT) and, when BASE is not NULL, *BASE (the NAME it was to
 * become, newly allocated); FALSE for any other name. */
gboolean zv_temp_name_parse (const char *name, pid_t *pid, char **base);

G_END_DECLS
