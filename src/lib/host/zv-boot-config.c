/* zvfio: zdev's persistent udev rules and the cio_ignore= kernel parameter:
 * what configures a ccw device at the next boot. */
#include "zv-boot-config.h"
#include "zv-error.h"

#include <string.h>

/* ---- cio_ignore= -------------------------------------------------------- */

/* The kernel's limits (arch/s390/include/asm/cio.h: __MAX_CSSID, __MAX_SSID,
 * __MAX_SUBCHANNEL). */
#define MAX_CSSID 0
#define MAX_SSID 3
#define MAX_DEVNO 0xffff

/* Reads MIN..MAX hex digits at *P as the kernel's pure_hex does (it reads up
 * to MAX + 1 digits and then refuses); FALSE when out of bounds. */
static gboolean
pure_hex (const char **p, guint min_digits, guint max_digits, guint max_value, guint *out)
{
  guint digits = 0;
  guint64 value = 0;
  while (digits <= max_digits && g_ascii_isxdigit (**p))
    {
      value = value * 16 + (guint) g_ascii_xdigit_value (**p);
      (*p)++;
      digits++;
    }
  if (digits < min_digits || digits > max_digits || value > max_value)
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

/* Parses one bus id of a cio_ignore= item as the kernel's parse_busid does:
 * old style (hex devno, optional 0x, subchannel set 0) or 0.S.DDDD. */
static gboolean
parse_cio_busid (const char *text, ZvBusId *out)
{
  if (*text == '\0')
    return FALSE;
  /* old style: simple_strtoul (text, &end, 16) up to the end of the item */
  const char *p = text;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && g_ascii_isxdigit (p[2]))
    p += 2;
  guint64 value = 0;
  const char *digits = p;
  while (g_ascii_isxdigit (*p) && value <= G_MAXUINT32)
    value = value * 16 + (guint) g_ascii_xdigit_value (*p++);
  if (p != digits && *p == '\0')
    {
      if (value > MAX_DEVNO)
        return FALSE;
      *out = (ZvBusId) { 0, 0, (guint) value };
      return TRUE;
    }
  /* new style: 0.S.DDDD (cssid 1-2 digits, ssid 1, devno exactly 4) */
  p = text;
  guint cssid, ssid, devno;
  if (!pure_hex (&p, 1, 2, MAX_CSSID, &cssid) || *p++ != '.' ||
      !pure_hex (&p, 1, 1, MAX_SSID, &ssid) || *p++ != '.' ||
      !pure_hex (&p, 4, 4, MAX_DEVNO, &devno) || *p != '\0')
    return FALSE;
  *out = (ZvBusId) { cssid, ssid, devno };
  return TRUE;
}

/* TRUE when A comes before B in the kernel's (ssid, devno) order. */
static gboolean
busid_before (const ZvBusId *a, const ZvBusId *b)
{
  return a->ssid < b->ssid || (a->ssid == b->ssid && a->number < b->number);
}

/* Parses the items of LIST; BASE_FREE: the list frees (a /proc/cio_ignore
 * "free" list), so '!' adds (blacklist_parse_parameters' action). */
static void
parse_cio_list (const char *list, gboolean base_free, GArray *items, GPtrArray *bad)
{
  g_auto (GStrv) parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *item = parts[i];
      ZvCioItem parsed = { .free = base_free };
      if (*item == '!')
        {
          parsed.free = !base_free;
          item++;
        }
      if (strcmp (item, "all") == 0)
        parsed.kind = ZV_CIO_ITEM_ALL;
      else if (strcmp (item, "ipldev") == 0)
        parsed.kind = ZV_CIO_ITEM_IPLDEV;
      else if (strcmp (item, "condev") == 0)
        parsed.kind = ZV_CIO_ITEM_CONDEV;
      else
        {
          parsed.kind = ZV_CIO_ITEM_RANGE;
          const char *dash = strchr (item, '-');
          g_autofree char *first = dash ? g_strndup (item, (gsize) (dash - item)) : g_strdup (item);
          gboolean ok = parse_cio_busid (first, &parsed.from);
          if (ok && dash != NULL)
            ok = parse_cio_busid (dash + 1, &parsed.to);
          else if (ok)
            parsed.to = parsed.from;
          if (!ok || busid_before (&parsed.to, &parsed.from))
            {
              if (bad != NULL)
                g_ptr_array_add (bad, g_strdup (parts[i]));
              continue;   /* the kernel warns and goes on with the next item */
            }
        }
      g_array_append_val (items, parsed);
    }
}

/* Parses the value of one cio_ignore= parameter. */
void
zv_cio_ignore_param_parse (const char *value, GArray *items, GPtrArray *bad)
{
  parse_cio_list (value, FALSE, items, bad);
}

/* TRUE when ITEM names ID. */
static gboolean
cio_item_names (const ZvCioItem *item, const ZvBusId *id, const ZvBusId *ipldev)
{
  switch (item->kind)
    {
    case ZV_CIO_ITEM_ALL:
      return TRUE;
    case ZV_CIO_ITEM_IPLDEV:
      return ipldev != NULL && ipldev->ssid == id->ssid && ipldev->number == id->number;
    case ZV_CIO_ITEM_CONDEV:
      return FALSE;
    case ZV_CIO_ITEM_RANGE:
      return !busid_before (id, &item->from) && !busid_before (&item->to, id);
    default:
      return FALSE;
    }
}

/* Applies ITEMS to ID's state *IGNORED, left to right. */
static void
apply_cio_items (const GArray *items, const ZvBusId *id, const ZvBusId *ipldev,
                 gboolean *ignored)
{
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      const ZvCioItem *item = &g_array_index (items, ZvCioItem, i);
      if (cio_item_names (item, id, ipldev))
        *ignored = !item->free;
    }
}

/* TRUE when ITEMS leave ID on the list. */
gboolean
zv_cio_ignore_items_ignore (const GArray *items, const ZvBusId *id, const ZvBusId *ipldev)
{
  gboolean ignored = FALSE;
  apply_cio_items (items, id, ipldev, &ignored);
  return ignored;
}

/* TRUE when parameter names A (LEN bytes) and B are equal, '-' and '_' alike
 * (the kernel's parameqn). */
static gboolean
param_name_equal (const char *a, gsize len, const char *b)
{
  if (strlen (b) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
      if (x != y)
        return FALSE;
    }
  return TRUE;
}

/* The values of every NAME=VALUE parameter of CMDLINE (the kernel's next_arg). */
GPtrArray *
zv_cmdline_values (const char *cmdline, const char *name)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  const char *p = cmdline;
  for (;;)
    {
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      gboolean quoted = *p == '"', in_quote = quoted;
      if (quoted)
        p++;
      gsize i = 0, equals = 0;
      for (; p[i] != '\0'; i++)
        {
          if (g_ascii_isspace (p[i]) && !in_quote)
            break;
          if (equals == 0 && p[i] == '=')
            equals = i;
          if (p[i] == '"')
            in_quote = !in_quote;
        }
      /* the argument is p[0..i) */
      gsize end = i;
      if (equals == 0)
        {
          if (quoted && end > 0 && p[end - 1] == '"')
            end--;
          if (end == 2 && strncmp (p, "--", 2) == 0)
            break;   /* the rest goes to init */
        }
      else if (param_name_equal (p, equals, name))
        {
          const char *value = p + equals + 1;
          gsize vlen = end - equals - 1;
          if (vlen > 0 && *value == '"')
            {
              value++;
              vlen--;
              if (vlen > 0 && value[vlen - 1] == '"')
                vlen--;
            }
          else if (quoted && vlen > 0 && value[vlen - 1] == '"')
            vlen--;
          g_ptr_array_add (values, g_strndup (value, vlen));
        }
      p += i;
    }
  return values;
}

/* ---- zdev's udev rules ---------------------------------------------------- */

/* One KEY OP VALUE entry of a udev rule line (libutil's util_udev parser). */
typedef struct {
  char *key;
  char *op;
  char *value;
} UdevEntry;

/* Frees an entry. */
static void
udev_entry_free (UdevEntry *e)
{
  g_free (e->key);
  g_free (e->op);
  g_free (e->value);
  g_free (e);
}

/* Parses one comma-separated entry: \w+({...})? OP VALUE, the value's
 * surrounding quotes removed; NULL when it is not one. */
static UdevEntry *
parse_udev_entry (const char *text)
{
  const char *p = text;
  while (g_ascii_isspace (*p))
    p++;
  const char *key = p;
  while (g_ascii_isalnum (*p) || *p == '_')
    p++;
  if (*p == '{')
    {
      while (*p && *p != '}')
        p++;
      if (*p == '}')
        p++;
    }
  if (p == key)
    return NULL;
  gsize key_len = (gsize) (p - key);
  while (g_ascii_isspace (*p))
    p++;
  static const char *const ops[] = { "==", "!=", "=", "+=", ":=" };
  const char *op = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (ops) && op == NULL; i++)
    if (strncmp (p, ops[i], strlen (ops[i])) == 0)
      op = ops[i];
  if (op == NULL)
    return NULL;
  p += strlen (op);
  while (g_ascii_isspace (*p))
    p++;
  gsize len = strlen (p);
  while (len > 0 && g_ascii_isspace (p[len - 1]))
    len--;
  if (len >= 2 && ((p[0] == '"' && p[len - 1] == '"') || (p[0] == '\'' && p[len - 1] == '\'')))
    {
      p++;
      len -= 2;
    }
  UdevEntry *e = g_new0 (UdevEntry, 1);
  e->key = g_strndup (key, key_len);
  e->op = g_strdup (op);
  e->value = g_strndup (p, len);
  return e;
}

/* The entries of LINE, split at commas outside quotes; NULL for a comment, a
 * blank line or a line that does not parse (lszdev skips those). */
static GPtrArray *
parse_udev_line (const char *line)
{
  const char *p = line;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '\0' || *p == '#')
    return NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) udev_entry_free);
  char quote = 0;
  const char *start = line;
  for (p = line;; p++)
    {
      if (quote != 0)
        {
          if (*p == '\0')
            break;
          if (*p == quote)
            quote = 0;
          continue;
        }
      if (*p == '"' || *p == '\'')
        {
          quote = *p;
          continue;
        }
      if (*p == ',' || *p == '\0')
        {
          g_autofree char *text = g_strndup (start, (gsize) (p - start));
          UdevEntry *e = parse_udev_entry (text);
          if (e == NULL)
            {
              g_ptr_array_unref (entries);
              return NULL;
            }
          g_ptr_array_add (entries, e);
          if (*p == '\0')
            return entries;
          start = p + 1;
        }
    }
  /* an unterminated quote: the rest is one last entry */
  UdevEntry *e = parse_udev_entry (start);
  if (e == NULL)
    {
      g_ptr_array_unref (entries);
      return NULL;
    }
  g_ptr_array_add (entries, e);
  return entries;
}

/* Frees a rule. */
void
zv_zdev_rule_free (ZvZdevRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->file);
  g_free (rule->type);
  g_free (rule->id);
  if (rule->devices)
    g_array_unref (rule->devices);
  g_free (rule);
}

/* Adds ID to the rule's devices once. */
static void
rule_add_device (ZvZdevRule *rule, const ZvBusId *id)
{
  for (guint i = 0; i < rule->devices->len; i++)
    {
      const ZvBusId *d = &g_array_index (rule->devices, ZvBusId, i);
      if (d->cssid == id->cssid && d->ssid == id->ssid && d->number == id->number)
        return;
    }
  g_array_append_val (rule->devices, *id);
}

/* For KEY = PREFIX<id>]<attr>}: the id and the attribute; FALSE otherwise. */
static gboolean
split_attr_key (const char *key, const char *prefix, char **id, char **attr)
{
  if (!g_str_has_prefix (key, prefix) || !g_str_has_suffix (key, "}"))
    return FALSE;
  const char *start = key + strlen (prefix);
  const char *close = strchr (start, ']');
  if (close == NULL)
    return FALSE;
  *id = g_strndup (start, (gsize) (close - start));
  *attr = g_strndup (close + 1, strlen (close + 1) - 1);
  return TRUE;
}

/* What one entry of a zdev rule says about the devices it configures. */
static void
rule_take_entry (ZvZdevRule *rule, const UdevEntry *e, gboolean *group_online)
{
  if (strcmp (e->op, "=") != 0)
    return;
  g_autofree char *id = NULL, *attr = NULL;
  ZvBusId busid;
  if (split_attr_key (e->key, "ATTR{[ccw/", &id, &attr))
    {
      if (!zv_parse_busid_canonical (id, &busid))
        return;
      rule_add_device (rule, &busid);
      if (strcmp (attr, "online") == 0 && strcmp (e->value, "1") == 0)
        rule->online = TRUE;
    }
  else if (split_attr_key (e->key, "ATTR{[drivers/ccwgroup:", &id, &attr))
    {
      if (strcmp (attr, "group") != 0)
        return;
      g_auto (GStrv) members = g_strsplit (e->value, ",", -1);
      g_autoptr (GString) group = g_string_new (NULL);
      for (guint i = 0; members[i] != NULL; i++)
        if (zv_parse_busid_canonical (members[i], &busid))
          {
            rule_add_device (rule, &busid);
            g_string_append_printf (group, "%s%s", group->len ? ":" : "", members[i]);
          }
      if (group->len > 0)
        {
          g_free (rule->id);
          rule->id = g_string_free (g_steal_pointer (&group), FALSE);
        }
    }
  else if (split_attr_key (e->key, "ATTR{[ccwgroup/", &id, &attr))
    {
      if (strcmp (attr, "online") == 0 && strcmp (e->value, "1") == 0)
        *group_online = TRUE;
    }
}

/* Parses zdev rule file NAME. */
ZvZdevRule *
zv_zdev_rule_parse (const char *name, const char *text, gsize length)
{
  if (!g_str_has_prefix (name, "41-") || !g_str_has_suffix (name, ".rules"))
    return NULL;
  g_autofree char *middle = g_strndup (name + 3, strlen (name) - 3 - strlen (".rules"));
  char *dash = strrchr (middle, '-');
  ZvBusId name_id;
  if (dash == NULL || dash == middle || !zv_parse_busid_canonical (dash + 1, &name_id))
    return NULL;
  g_autoptr (ZvZdevRule) rule = g_new0 (ZvZdevRule, 1);
  rule->file = g_strdup (name);
  rule->type = g_strndup (middle, (gsize) (dash - middle));
  rule->id = g_strdup (dash + 1);
  rule->devices = g_array_new (FALSE, FALSE, sizeof (ZvBusId));
  gboolean group_online = FALSE;
  g_autofree char *copy = g_strndup (text, length);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) entries = parse_udev_line (lines[i]);
      for (guint j = 0; entries != NULL && j < entries->len; j++)
        rule_take_entry (rule, g_ptr_array_index (entries, j), &group_online);
    }
  if (group_online)
    rule->online = TRUE;
  if (rule->devices->len == 0)
    return NULL;
  return g_steal_pointer (&rule);
}

/* Parses zdev's 41-cio-ignore.rules. */
gboolean
zv_zdev_cio_ignore_rule_parse (const char *text, gsize length, GArray *items)
{
  g_autofree char *copy = g_strndup (text, length);
  const char *marker = strstr (copy, "echo free ");
  if (marker == NULL)
    return FALSE;
  const char *list = marker + strlen ("echo free ");
  const char *end = strchr (list, ' ');
  if (end == NULL)
    return FALSE;   /* zdev's own reader wants the list followed by a space */
  g_autofree char *value = g_strndup (list, (gsize) (end - list));
  parse_cio_list (value, TRUE, items, NULL);
  return TRUE;
}

/* ---- the reader ------------------------------------------------------------ */

/* Frees the boot configuration. */
void
zv_boot_config_free (ZvBootConfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->cio_ignore);
  g_array_unref (config->cio_items);
  g_ptr_array_unref (config->cio_bad);
  g_clear_error (&config->cmdline_error);
  g_array_unref (config->freed);
  g_ptr_array_unref (config->rules);
  g_clear_error (&config->rules_error);
  g_free (config);
}

/* Reads the cio_ignore= parameters of /proc/cmdline. */
static void
read_cmdline (ZvRoot *root, ZvBootConfig *config)
{
  g_autoptr (GError) local = NULL;
  gsize length = 0;
  g_autofree char *text = zv_root_read_file (root, ZV_PROC_CMDLINE, &length, &local);
  if (text == NULL)
    {
      if (!zv_error_is_absent (local))
        zv_error_propagate_naming (&config->cmdline_error, g_steal_pointer (&local),
                                   ZV_PROC_CMDLINE);
      return;
    }
  if (memchr (text, '\0', length) != NULL)
    {
      g_set_error (&config->cmdline_error, ZV_ERROR, ZV_ERROR_INVALID, "%s holds a NUL byte",
                   ZV_PROC_CMDLINE);
      return;
    }
  g_autoptr (GPtrArray) values = zv_cmdline_values (text, "cio_ignore");
  for (guint i = 0; i < values->len; i++)
    {
      const char *value = g_ptr_array_index (values, i);
      zv_cio_ignore_param_parse (value, config->cio_items, config->cio_bad);
      g_ptr_array_add (config->cio_ignore, g_strdup (value));
    }
}

/* Reads zdev's rules in /etc/udev/rules.d. */
static void
read_zdev_rules (ZvRoot *root, ZvBootConfig *config)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (ZvDir) dir = zv_root_open_dir (root, ZV_ZDEV_RULES_DIR, &local);
  if (dir == NULL)
    {
      if (!zv_error_is_absent (local))
        zv_error_propagate_naming (&config->rules_error, g_steal_pointer (&local),
                                   ZV_ZDEV_RULES_DIR);
      return;
    }
  g_autoptr (GPtrArray) names = zv_dir_list (dir, &local);
  if (names == NULL)
    {
      zv_error_propagate_naming (&config->rules_error, g_steal_pointer (&local),
                                 ZV_ZDEV_RULES_DIR);
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      if (!g_str_has_prefix (name, "41-") || !g_str_has_suffix (name, ".rules"))
        continue;
      g_autofree char *path = g_build_filename (ZV_ZDEV_RULES_DIR, name, NULL);
      /* a rule linked to /dev/null is masked (udev reads it as empty) */
      g_autofree char *target = zv_root_resolve (root, path, NULL);
      if (g_strcmp0 (target, "/dev/null") == 0)
        continue;
      gsize length = 0;
      g_autofree char *text = zv_root_read_file (root, path, &length, &local);
      if (text == NULL)
        {
          zv_error_propagate_naming (&config->rules_error, g_steal_pointer (&local), path);
          return;
        }
      if (strcmp (name, ZV_ZDEV_CIO_IGNORE_RULE) == 0)
        zv_zdev_cio_ignore_rule_parse (text, length, config->freed);
      else
        {
          ZvZdevRule *rule = zv_zdev_rule_parse (name, text, length);
          if (rule != NULL)
            g_ptr_array_add (config->rules, rule);
        }
    }
}

/* Reads ROOT's boot configuration. */
ZvBootConfig *
zv_boot_config_read (ZvRoot *root)
{
  ZvBootConfig *config = g_new0 (ZvBootConfig, 1);
  config->cio_ignore = g_ptr_array_new_with_free_func (g_free);
  config->cio_items = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
  config->cio_bad = g_ptr_array_new_with_free_func (g_free);
  config->freed = g_array_new (FALSE, FALSE, sizeof (ZvCioItem));
  config->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_zdev_rule_free);
  read_cmdline (root, config);
  read_zdev_rules (root, config);
  return config;
}

/* TRUE when ID stays ignored at boot. */
gboolean
zv_boot_config_ignores (const ZvBootConfig *config, const ZvBusId *id, const ZvBusId *ipldev)
{
  gboolean ignored = FALSE;
  apply_cio_items (config->cio_items, id, ipldev, &ignored);
  apply_cio_items (config->freed, id, ipldev, &ignored);
  return ignored;
}

/* The first of zdev's rules that sets ID online at boot. */
const ZvZdevRule *
zv_boot_config_zdev_online (const ZvBootConfig *config, const ZvBusId *id)
{
  for (guint i = 0; i < config->rules->len; i++)
    {
      const ZvZdevRule *rule = g_ptr_array_index (config->rules, i);
      if (!rule->online)
        continue;
      for (guint j = 0; j < rule->devices->len; j++)
        {
          const ZvBusId *d = &g_array_index (rule->devices, ZvBusId, j);
          if (d->ssid == id->ssid && d->number == id->number)
            return rule;
        }
    }
  return NULL;
}
