/* zvfio: guest.* rules: the guest ccw address a vfio-ccw device gets in the
 * target domain. (The ccw.* and zpci.* rules that need a domain live in
 * zv-rules-ccw.c and zv-rules-zpci.c.) */
#include "zv-rules.h"
#include "zv-domain.h"
#include "zv-error.h"

#include <string.h>


/* guest.cssid: a vfio-ccw guest address must use cssid 0xfe (forceable). */
static void
check_guest_cssid (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!target->has_guest_ccw || target->guest_ccw.cssid == ZV_GUEST_CSSID)
    return;
  zv_violation_add (out, zv_rules_find ("guest.cssid"), ctx, zv_rule_forced (ctx),
                    "use a guest devno fe.S.DDDD",
                    "guest ccw address %x.%x.%04x uses cssid 0x%x; guests without MCSS-E "
                    "(every current Linux) only see cssid 0xfe",
                    target->guest_ccw.cssid, target->guest_ccw.ssid, target->guest_ccw.devno,
                    target->guest_ccw.cssid);
}

/* guest.devno-dup: the guest ccw address is already used by another device of
 * the domain (the device's own hostdev, when already in the domain, does not count). */
static void
check_guest_devno_dup (const ZvRuleContext *ctx, GPtrArray *out)
{
  const ZvTarget *target = ctx->target;
  if (!target->has_guest_ccw || ctx->domain == NULL)
    return;
  const ZvHostdev *own = zv_rule_own_hostdev (ctx);
  guint users = 0;
  GArray *used = ctx->domain->ccw_addresses;
  for (guint i = 0; i < used->len; i++)
    {
      const ZvCcwAddress *a = &g_array_index (used, ZvCcwAddress, i);
      users += a->cssid == target->guest_ccw.cssid && a->ssid == target->guest_ccw.ssid &&
               a->devno == target->guest_ccw.devno;
    }
  if (own && own->has_ccw_address && own->ccw.cssid == target->guest_ccw.cssid &&
      own->ccw.ssid == target->guest_ccw.ssid && own->ccw.devno == target->guest_ccw.devno)
    users--;
  if (users > 0)
    zv_violation_add (out, zv_rules_find ("guest.devno-dup"), ctx, ZV_FINDING_STRICT,
                      "choose another guest devno, or omit it to get the lowest free one",
                      "guest devno %x.%x.%04x is already used by another device of domain '%s'",
                      target->guest_ccw.cssid, target->guest_ccw.ssid, target->guest_ccw.devno,
                      zv_rule_domain_name (ctx->domain));
}

const ZvRule zv_rules_guest[] = {
  { "guest.cssid", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "a vfio-ccw guest address must use cssid 0xfe (forceable)",
    check_guest_cssid },
  { "guest.devno-dup", ZV_SEVERITY_ERROR, ZV_SEVERITY_WARNING, ZV_OPS_ALL,
    "the guest devno is already used by another device of the domain",
    check_guest_devno_dup },
};
const gsize zv_rules_guest_count = G_N_ELEMENTS (zv_rules_guest);
