/* zvfio: JSON serialization of the model: the inventory (zvfio list/show) and
 * the rules' violations (zvfio check). */
#include "zv-json-model.h"
#include "zv-json.h"
#include "zv-json-writer.h"
#include "zv-rules.h"

#include <string.h>

/* Where the model's JSON goes: a json-glib builder (a tree) or a streaming
 * writer; one description of the format serves both. */
typedef struct {
  JsonBuilder *b;
  ZvJsonWriter *w;
} Out;

/* Starts an object. */
static void
out_begin_object (Out *o)
{
  if (o->b)
    json_builder_begin_object (o->b);
  else
    zv_json_writer_begin_object (o->w);
}

/* Ends an object. */
static void
out_end_object (Out *o)
{
  if (o->b)
    json_builder_end_object (o->b);
  else
    zv_json_writer_end_object (o->w);
}

/* Starts an array. */
static void
out_begin_array (Out *o)
{
  if (o->b)
    json_builder_begin_array (o->b);
  else
    zv_json_writer_begin_array (o->w);
}

/* Ends an array. */
static void
out_end_array (Out *o)
{
  if (o->b)
    json_builder_end_array (o->b);
  else
    zv_json_writer_end_array (o->w);
}

/* Names the next member. */
static void
out_member (Out *o, const char *name)
{
  if (o->b)
    json_builder_set_member_name (o->b, name);
  else
    zv_json_writer_member (o->w, name);
}

/* A string value, or null for NULL. */
static void
out_string (Out *o, const char *value)
{
  if (o->b && value)
    json_builder_add_string_value (o->b, value);
  else if (o->b)
    json_builder_add_null_value (o->b);
  else
    zv_json_writer_string (o->w, value);
}

/* An integer value. */
static void
out_int (Out *o, gint64 value)
{
  if (o->b)
    json_builder_add_int_value (o->b, value);
  else
    zv_json_writer_int (o->w, value);
}

/* A boolean value. */
static void
out_boolean (Out *o, gboolean value)
{
  if (o->b)
    json_builder_add_boolean_value (o->b, value);
  else
    zv_json_writer_boolean (o->w, value);
}

/* null. */
static void
out_null (Out *o)
{
  if (o->b)
    json_builder_add_null_value (o->b);
  else
    zv_json_writer_null (o->w);
}

/* Member NAME: a string, or null when VALUE is NULL. */
static void
add_string_or_null (Out *o, const char *name, const char *value)
{
  out_member (o, name);
  out_string (o, value);
}

/* Member NAME: an integer, or null when VALUE is negative. */
static void
add_int_or_null (Out *o, const char *name, gint64 value)
{
  out_member (o, name);
  if (value >= 0)
    out_int (o, value);
  else
    out_null (o);
}

/* Member NAME: a boolean. */
static void
add_boolean (Out *o, const char *name, gboolean value)
{
  out_member (o, name);
  out_boolean (o, value);
}

/* Adds NAME: true/false, or null when TRI is negative. */
static void
add_tristate (Out *o, const char *name, int tri)
{
  out_member (o, name);
  if (tri < 0)
    out_null (o);
  else
    out_boolean (o, tri != 0);
}

/* Adds NAME: integer or null. */
static void
add_opt_u32 (Out *o, const char *name, ZvOptU32 value)
{
  out_member (o, name);
  if (value.present)
    out_int (o, value.value);
  else
    out_null (o);
}

/* Adds NAME: integer only when present (attributes older kernels lack). */
static void
add_u32_if_present (Out *o, const char *name, ZvOptU32 value)
{
  if (!value.present)
    return;
  out_member (o, name);
  out_int (o, value.value);
}

/* VALUE as "%02x" in BUF, without printf (eleven bytes per subchannel). */
static const char *
hex_byte (guint8 value, char buf[3])
{
  static const char hex[] = "0123456789abcdef";
  buf[0] = hex[value >> 4];
  buf[1] = hex[value & 0xf];
  buf[2] = '\0';
  return buf;
}

/* Adds NAME: "%02x" string. */
static void
add_hex_byte (Out *o, const char *name, guint8 value)
{
  char buf[3];
  add_string_or_null (o, name, hex_byte (value, buf));
}

/* Builds the JSON object of a ccw device. */
static void
build_ccw_device (Out *o, const ZvCcwDevice *dev)
{
  out_begin_object (o);
  add_string_or_null (o, "devno", dev->id);
  add_int_or_null (o, "ssid", dev->busid.ssid);
  add_string_or_null (o, "cutype", dev->cutype);
  add_string_or_null (o, "devtype", dev->devtype);
  add_tristate (o, "online", dev->online);
  add_string_or_null (o, "availability", dev->availability);
  add_string_or_null (o, "driver", dev->driver);
  add_string_or_null (o, "path", dev->path);
  out_end_object (o);
}

/* Builds the JSON object of an mdev. */
static void
build_mdev (Out *o, const ZvMdev *mdev)
{
  out_begin_object (o);
  add_string_or_null (o, "uuid", mdev->uuid);
  add_string_or_null (o, "type", mdev->type);
  add_boolean (o, "active", mdev->active);
  add_boolean (o, "defined", mdev->defined);
  add_string_or_null (o, "start", mdev->start);
  add_string_or_null (o, "driver", mdev->driver);
  add_int_or_null (o, "iommu_group", mdev->iommu_group);
  add_string_or_null (o, "path", mdev->path);
  out_end_object (o);
}

/* Builds the JSON object of an mdev type. */
static void
build_mdev_type (Out *o, const ZvMdevType *type)
{
  out_begin_object (o);
  add_string_or_null (o, "id", type->id);
  add_string_or_null (o, "name", type->name);
  add_string_or_null (o, "device_api", type->device_api);
  add_int_or_null (o, "available_instances", type->available_instances);
  out_end_object (o);
}

/* Appends the members of a subchannel object to B. */
static void
build_subchannel (Out *o, const ZvSubchannel *sch)
{
  char number[8];
  out_begin_object (o);
  add_string_or_null (o, "id", sch->id);
  add_int_or_null (o, "ssid", sch->busid.ssid);
  g_snprintf (number, sizeof number, "%04x", sch->busid.number);
  add_string_or_null (o, "number", number);
  add_int_or_null (o, "type", sch->type);
  add_string_or_null (o, "type_name", zv_subchannel_type_name (sch->type));
  add_string_or_null (o, "driver", sch->driver);
  if (sch->has_driver_override_attr)
    add_string_or_null (o, "driver_override", sch->driver_override);
  if (sch->has_chpids)
    {
      out_member (o, "chpids");
      out_begin_array (o);
      for (int i = 0; i < 8; i++)
        {
          char buf[3];
          out_string (o, hex_byte (sch->chpids[i], buf));
        }
      out_end_array (o);
    }
  if (sch->has_pimpampom)
    {
      add_hex_byte (o, "pim", sch->pimpampom[0]);
      add_hex_byte (o, "pam", sch->pimpampom[1]);
      add_hex_byte (o, "pom", sch->pimpampom[2]);
    }
  add_string_or_null (o, "dev_busid", sch->dev_busid);
  add_boolean (o, "qdio", sch->qdio);
  out_member (o, "device");
  if (sch->device)
    build_ccw_device (o, sch->device);
  else
    out_null (o);
  out_member (o, "mdev_types");
  out_begin_array (o);
  for (guint i = 0; sch->mdev_types && i < sch->mdev_types->len; i++)
    build_mdev_type (o, g_ptr_array_index (sch->mdev_types, i));
  out_end_array (o);
  out_member (o, "mdevs");
  out_begin_array (o);
  for (guint i = 0; sch->mdevs && i < sch->mdevs->len; i++)
    build_mdev (o, g_ptr_array_index (sch->mdevs, i));
  out_end_array (o);
  add_string_or_null (o, "path", sch->path);
  out_end_object (o);
}

/* Appends a PCI function object to B. */
static void
build_pci_function (Out *o, const ZvPciFunction *fn)
{
  out_begin_object (o);
  add_string_or_null (o, "address", fn->address);
  add_opt_u32 (o, "fid", fn->fid);
  add_u32_if_present (o, "fh", fn->fh);
  add_opt_u32 (o, "uid", fn->uid);
  add_tristate (o, "uid_is_unique", fn->uid_is_unique);
  add_opt_u32 (o, "pft", fn->pft);
  add_string_or_null (o, "pft_name", fn->pft.present ? zv_pft_name (fn->pft.value) : NULL);
  add_boolean (o, "ism", fn->ism);
  add_tristate (o, "mio_enabled", fn->mio_enabled);
  add_opt_u32 (o, "vendor", fn->vendor);
  add_opt_u32 (o, "device", fn->device);
  add_u32_if_present (o, "class", fn->class_code);
  add_u32_if_present (o, "pchid", fn->pchid);
  add_u32_if_present (o, "pfgid", fn->pfgid);
  add_u32_if_present (o, "vfn", fn->vfn);
  add_u32_if_present (o, "port", fn->port);
  if (fn->has_pfip)
    {
      out_member (o, "pfip");
      out_begin_array (o);
      for (int i = 0; i < 4; i++)
        out_int (o, fn->pfip[i]);
      out_end_array (o);
    }
  if (fn->util_string)
    add_string_or_null (o, "util_string", fn->util_string);
  add_string_or_null (o, "driver", fn->driver);
  add_string_or_null (o, "driver_override", fn->driver_override);
  add_int_or_null (o, "iommu_group", fn->iommu_group);
  add_tristate (o, "slot_power", fn->slot_power);
  add_string_or_null (o, "path", fn->path);
  out_end_object (o);
}

/* Builds {"fid", "slot", "slot_power"} of a function in standby (a slot, no PCI device). */
static void
build_standby_function (Out *o, const ZvPciFunction *fn)
{
  out_begin_object (o);
  add_opt_u32 (o, "fid", fn->fid);
  g_autofree char *slot = g_strdup_printf ("%08x", fn->fid.value);
  out_member (o, "slot");
  out_string (o, slot);
  add_tristate (o, "slot_power", fn->slot_power);
  out_end_object (o);
}

/* The tail of the inventory object: "pci_functions", "standby_functions"
 * (when there are any) and "warnings". */
static void
build_inventory_tail (Out *o, const ZvInventory *inv)
{
  out_member (o, "pci_functions");
  out_begin_array (o);
  for (guint i = 0; i < inv->pci_functions->len; i++)
    build_pci_function (o, g_ptr_array_index (inv->pci_functions, i));
  out_end_array (o);
  if (inv->standby_functions != NULL && inv->standby_functions->len > 0)
    {
      out_member (o, "standby_functions");
      out_begin_array (o);
      for (guint i = 0; i < inv->standby_functions->len; i++)
        build_standby_function (o, g_ptr_array_index (inv->standby_functions, i));
      out_end_array (o);
    }
  out_member (o, "warnings");
  out_begin_array (o);
  for (guint i = 0; i < inv->warnings->len; i++)
    out_string (o, g_ptr_array_index (inv->warnings, i));
  out_end_array (o);
  out_end_object (o);
}

/* Builds {"subchannels":[...],"pci_functions":[...],"warnings":[...]}. */
JsonNode *
zv_json_inventory (const ZvInventory *inv)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  Out o = { b, NULL };
  out_begin_object (&o);
  out_member (&o, "subchannels");
  out_begin_array (&o);
  for (guint i = 0; i < inv->subchannels->len; i++)
    build_subchannel (&o, g_ptr_array_index (inv->subchannels, i));
  out_end_array (&o);
  build_inventory_tail (&o, inv);
  return json_builder_get_root (b);
}

/* Starts the streamed inventory: '{ "subchannels" : ['. */
void
zv_json_stream_inventory_begin (ZvJsonWriter *w)
{
  zv_json_writer_begin_object (w);
  zv_json_writer_member (w, "subchannels");
  zv_json_writer_begin_array (w);
}

/* Streams one element of "subchannels". */
void
zv_json_stream_subchannel (ZvJsonWriter *w, const ZvSubchannel *sch)
{
  Out o = { NULL, w };
  build_subchannel (&o, sch);
}

/* Ends the streamed inventory: the subchannel array, then the PCI functions and
 * warnings of INV (as zv_json_inventory prints them). */
void
zv_json_stream_inventory_end (ZvJsonWriter *w, const ZvInventory *inv)
{
  Out o = { NULL, w };
  out_end_array (&o);
  build_inventory_tail (&o, inv);
}

/* Builds {"ok":bool,"violations":[...]} (schemas/zvfio-check.schema.json). */
JsonNode *
zv_json_violations (GPtrArray *violations)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, !zv_violations_have_error (violations));
  json_builder_set_member_name (b, "violations");
  json_builder_begin_array (b);
  for (guint i = 0; i < violations->len; i++)
    {
      const ZvViolation *v = g_ptr_array_index (violations, i);
      g_autofree char *hint = zv_violation_hint (v, ZV_HINTS_CLI);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rule");
      json_builder_add_string_value (b, v->rule);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, zv_severity_name (v->severity));
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, v->device);
      json_builder_set_member_name (b, "subchannel");   /* null: a PCI function, a missing id */
      if (v->subchannel != NULL)
        json_builder_add_string_value (b, v->subchannel);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, v->message);
      json_builder_set_member_name (b, "hint");
      json_builder_add_string_value (b, hint);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
