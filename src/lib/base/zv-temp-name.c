/* zvfio: the names of the temporary files of atomic writes (zv-temp-name.h). */
#include "zv-temp-name.h"

#include <string.h>

/* The temporary file name for BASE of writer PID with RANDOM. */
char *
zv_temp_name (const char *base, pid_t pid, guint32 random)
{
  return g_strdup_printf (".%s" ZV_TEMP_MARKER "%d.%0*x", base, (int) pid,
                          ZV_TEMP_RANDOM_DIGITS, random);
}

/* Parses NAME as ".NAME.zvfio-tmp-PID.RANDOM". */
gboolean
zv_temp_name_parse (const char *name, pid_t *pid, char **base)
{
  if (name == NULL || name[0] != '.')
    return FALSE;
  /* the last marker: NAME itself may hold the text */
  const char *marker = NULL;
  for (const char *p = strstr (name + 1, ZV_TEMP_MARKER); p != NULL;
       p = strstr (p + 1, ZV_TEMP_MARKER))
    marker = p;
  if (marker == NULL || marker == name + 1)
    return FALSE;   /* no marker, or no NAME before it */
  const char *digits = marker + strlen (ZV_TEMP_MARKER);
  const char *p = digits;
  guint64 value = 0;
  while (g_ascii_isdigit (*p) && p - digits < 10)
    value = value * 10 + (guint64) (*p++ - '0');
  if (p == digits || *p != '.' || digits[0] == '0' || value > G_MAXINT)
    return FALSE;
  const char *random = p + 1;
  for (p = random; g_ascii_isxdigit (*p) && !g_ascii_isupper (*p); p++)
    ;
  if (p - random != ZV_TEMP_RANDOM_DIGITS || *p != '\0')
    return FALSE;
  *pid = (pid_t) value;
  if (base != NULL)
    *base = g_strndup (name + 1, (gsize) (marker - name - 1));
  return TRUE;
}
