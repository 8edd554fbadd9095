/* The floor of `zvfio list ccw`: a program that only opens, reads and closes
 * the files the table needs, by path (the kernel follows the bus links), with
 * no model, no checks and no sorting: per subchannel type, chpids, pimpampom,
 * dev_busid and the driver link, and per ccw device (named by dev_busid)
 * cutype, devtype and online. Prints one line per subchannel.
 * Usage: floor SYSFS_DIR   (e.g. T/sys) */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
      attr (child, "cutype", cu, sizeof cu);
      attr (child, "devtype", dt, sizeof dt);
      attr (child, "online", online, sizeof online);
    }
  printf ("%s %s %s %s %s %s %s %s %s\n", busid, name, type, dt, cu, online, pim, chpids,
          driver);
}

/* Lists SYSFS/bus/css/devices in name order and prints a row for each. */
int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: floor SYSFS_DIR\n");
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
