/* zvfio: reading optional sysfs attributes: absent is fine, garbage is a warning. */
#pragma once

#include <glib.h>
#include "zv-root.h"

G_BEGIN_DECLS

/* Reads attribute NAME of DIR as a line; NULL when absent (silently) or
 * unreadable (a warning naming OWNER is added). */
char *zv_attr_get (ZvDir *dir, const char *owner, const char *name, GPtrArray *warnings);
/* Reads the basename of link NAME; NULL when absent. */
char *zv_attr_link (ZvDir *dir, const char *owner, const char *name, GPtrArray *warnings);
/* Adds the standard "unparsable value" warning. */
void zv_attr_warn_garbage (GPtrArray *warnings, const char *owner, const char *name,
                           const char *value);

G_END_DECLS
