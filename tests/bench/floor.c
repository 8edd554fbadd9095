/* The floor of `zvfio list ccw`: a program that only opens, reads and closes
 * the files the table needs, by path (the kernel follows the bus links), with
 * no model, no checks and no sorting: per subchannel type, chpids, pimpampom,
 * dev_busid and the driver link, and per ccw device (named by dev_busid)
 * cutype, devtype and online (the files lscss reads). Prints one line per
 * subchannel. With --uevent, the minimal floor: the ccw device's uevent (CU and
 * device type/model in one file) instead of cutype and devtype.
 * Usage: floor [--uevent] SYSFS_DIR   (e.g. T/sys) */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* Set by --uevent: read the ccw device's uevent instead of cutype and devtype. */
static int use_uevent;

/* Reads the first line of DIR/NAME into BUF ("-" when absent). */
static void
attr (const char *dir, const char *name, char *buf, size_t size)
{
  char path[PATH_MAX + 64];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, size - 1);
  if (fd >= 0)
    close (fd);
  if (n <= 0)
    {
      strcpy (buf, "-");
      return;
    }
  buf[n] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
}

/* The value of KEY= in uevent TEXT as hex, or -1. */
static long
uevent_hex (const char *text, const char *key)
{
  const char *p = strstr (text, key);
  return p ? strtol (p + strlen (key), NULL, 16) : -1;
}

/* Reads the type/model pairs of the ccw device at CHILD from its uevent, formatted
 * as the cutype and devtype attributes print them. */
static void
ids_from_uevent (const char *child, char *cu, char *dt)
{
  char path[PATH_MAX + 64], text[4096];
  snprintf (path, sizeof path, "%s/uevent", child);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, text, sizeof text - 1);
  if (fd >= 0)
    close (fd);
  text[n > 0 ? n : 0] = '\0';
  long cut = uevent_hex (text, "CU_TYPE="), cum = uevent_hex (text, "CU_MODEL=");
  long dtt = uevent_hex (text, "DEV_TYPE="), dtm = uevent_hex (text, "DEV_MODEL=");
  snprintf (cu, 32, "%04lx/%02lx", cut, cum);
  if (dtt > 0)
    snprintf (dt, 32, "%04lx/%02lx", dtt, dtm);
  else
    strcpy (dt, "n/a");
}

/* Prints the table row of subchannel NAME below BUS. */
static void
row (const char *bus, const char *name)
{
  char dir[PATH_MAX], link[PATH_MAX + 8], child[PATH_MAX + 40], target[PATH_MAX];
  char type[16], chpids[64], pim[32], busid[32], cu[32], dt[32], online[8];
  snprintf (dir, sizeof dir, "%s/%s", bus, name);
  attr (dir, "type", type, sizeof type);
  attr (dir, "chpids", chpids, sizeof chpids);
  attr (dir, "pimpampom", pim, sizeof pim);
  attr (dir, "dev_busid", busid, sizeof busid);
  snprintf (link, sizeof link, "%s/driver", dir);
  ssize_t n = readlink (link, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  const char *driver = strrchr (target, '/') ? strrchr (target, '/') + 1 : "-";
  strcpy (cu, "-");
  strcpy (dt, "-");
  strcpy (online, "-");
  if (strcmp (busid, "-") != 0 && strcmp (driver, "io_subchannel") == 0)
    {
      snprintf (child, sizeof child, "%s/%s", dir, busid);
      if (use_uevent)
        ids_from_uevent (child, cu, dt);
      else
        {
          attr (child, "cutype", cu, sizeof cu);
          attr (child, "devtype", dt, sizeof dt);
        }
      attr (child, "online", online, sizeof online);
    }
  printf ("%s %s %s %s %s %s %s %s %s\n", busid, name, type, dt, cu, online, pim, chpids,
          driver);
}

/* Lists SYSFS/bus/css/devices in name order and prints a row for each. */
int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "--uevent") == 0)
    {
      use_uevent = 1;
      argv++;
      argc--;
    }
  if (argc != 2)
    {
      fprintf (stderr, "usage: floor [--uevent] SYSFS_DIR\n");
      return 2;
    }
  char bus[PATH_MAX];
  snprintf (bus, sizeof bus, "%s/bus/css/devices", argv[1]);
  struct dirent **names;
  int n = scandir (bus, &names, NULL, alphasort);
  if (n < 0)
    {
      perror (bus);
      return 1;
    }
  for (int i = 0; i < n; i++)
    if (names[i]->d_name[0] != '.')
      row (bus, names[i]->d_name);
  return 0;
}
