/* zvfio: the passthrough rules engine. Each rule is a named predicate with a
 * severity, a summary, and messages with fix hints. The CLI (check, define,
 * hostdev, attach, prepare), zvfio-callout and zvfio-hook all run the same table. */
#pragma once

#include <glib.h>
#include "zv-css.h"
#include "zv-host-facts.h"
#include "zv-inventory.h"
#include "zv-mdev.h"
#include "zv-root.h"
#include "zv-target.h"
#include "zv-zpci.h"

G_BEGIN_DECLS

typedef enum {
  ZV_SEVERITY_WARNING,
  ZV_SEVERITY_ERROR,
} ZvSeverity;

/* The operation being validated: rules decide whether they apply to it. */
typedef enum {
  ZV_OP_CHECK,        /* zvfio check: every rule that can say something */
  ZV_OP_DEFINE,       /* mdev definition (zvfio define, callout pre define/modify) */
  ZV_OP_START,        /* mdev start (zvfio start, callout pre start) */
  ZV_OP_ATTACH,       /* hostdev generation / attach to a domain */
  ZV_OP_PREPARE,      /* bring-up before a guest starts (zvfio prepare, zvfio-hook) */
} ZvOperation;

/* Everything a rule may look at: the device (target), what the host is
 * like (facts), the operation and what it brings. Fields a caller does not
 * know stay NULL/0. */
typedef struct {
  ZvRoot *root;                   /* only to read the facts when FACTS is NULL */
  ZvOperation op;
  const ZvTarget *target;         /* the device, its mdev and guest address */
  const ZvHostFacts *facts;       /* the host (zv_rules_run reads them when NULL) */
  const char *mdev_type;          /* callout -t */
  const ZvMdevConfig *config;     /* callout stdin / definition being written */
  gboolean autostart;             /* definition with start=auto */
  gboolean allow_offline;         /* the caller may set an online ccw device offline */
  const ZvDomain *domain;         /* the domain the device goes to */
  GPtrArray *other_domains;       /* ZvDomain*: every other defined domain (may be NULL) */
  gboolean force;                 /* forceable rules report warnings, not errors */
} ZvRuleContext;

/* One finding. */
typedef struct {
  char *rule;
  ZvSeverity severity;
  char *device;
  char *message;
  char *hint;
} ZvViolation;

/* A rule's predicate: appends violations to OUT (zv_violation_add). */
typedef void (*ZvRuleFunc) (const ZvRuleContext *ctx, GPtrArray *out);

/* One row of the rules table. */
typedef struct {
  const char *id;          /* stable id, e.g. "ccw.qdio" */
  ZvSeverity severity;     /* default severity */
  const char *summary;     /* one line for 'zvfio rules' */
  ZvRuleFunc check;
} ZvRule;

/* Rule tables, one per area (zv-rules-ccw.c, zv-rules-zpci.c, zv-rules-guest.c). */
extern const ZvRule zv_rules_ccw[];
extern const gsize zv_rules_ccw_count;
extern const ZvRule zv_rules_zpci[];
extern const gsize zv_rules_zpci_count;
extern const ZvRule zv_rules_guest[];
extern const gsize zv_rules_guest_count;

/* "error" / "warning", as printed and in JSON. */
const char *zv_severity_name (ZvSeverity severity);
/* "check", "define", "start", "attach", "prepare". */
const char *zv_operation_name (ZvOperation op);
/* Parses an operation name; FALSE for an unknown one. */
gboolean zv_operation_from_name (const char *name, ZvOperation *op);
/* Frees a violation. */
void zv_violation_free (ZvViolation *v);
/* Adds a violation of RULE for CTX->device with a formatted message and a hint. */
void zv_violation_add (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                       ZvSeverity severity, const char *hint, const char *format, ...)
  G_GNUC_PRINTF (6, 7);
/* Adds an error violation of RULE: a host fact it needs could not be read
 * (WHY names the file), so the rule fails closed. */
void zv_violation_add_unreadable (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                                  const GError *why);
/* Calls FUNC for every rule of every table, in table order. */
void zv_rules_foreach (void (*func) (const ZvRule *rule, gpointer data), gpointer data);
/* Looks a rule up by id. */
const ZvRule *zv_rules_find (const char *id);
/* Reads the host facts the rules need for CTX's device and domain. */
ZvHostFacts *zv_rules_read_facts (const ZvRuleContext *ctx);
/* Runs every rule on CTX (reading the host facts first when CTX->facts is
 * NULL); returns ZvViolation*, errors and warnings. */
GPtrArray *zv_rules_run (const ZvRuleContext *ctx);
/* TRUE when VIOLATIONS holds an error-severity violation. */
gboolean zv_violations_have_error (GPtrArray *violations);
/* One line per violation: "error: ccw.qdio: 0.0.f000: message (fix: hint)". */
char *zv_violations_format (GPtrArray *violations);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvViolation, zv_violation_free)

G_END_DECLS
