/* zvfio: the passthrough rules engine. Each rule is a named predicate with a
 * severity, a summary, and messages with fix hints. The CLI (check, define,
 * hostdev, attach, prepare), zvfio-callout and zvfio-hook all run the same table. */
#pragma once

#include <glib.h>
#include "zv-css.h"
#include "zv-domain.h"
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
  char *device;      /* the device as the target names it (ZvTarget.name: the devno,
                      * ccw:DEVNO, sch:ID, a PCI address, a missing id as given), "-" */
  char *subchannel;  /* its subchannel id, NULL for a PCI function or a missing id */
  char *message;
  char *hint;        /* how to fix it, for every front end (no zvfio CLI options) */
  char *cli_hint;    /* what the zvfio CLI adds ("or: zvfio prepare 0.0.0313"), or NULL */
} ZvViolation;

/* How violations are shown: with the zvfio CLI's part of the hint, or plain
 * (zvfio-callout, zvfio-hook). */
typedef enum {
  ZV_HINTS_PLAIN,
  ZV_HINTS_CLI,
} ZvHintStyle;

/* A rule's predicate: a pure function of the target, the host facts and the
 * operation; appends violations to OUT (zv_violation_add). */
typedef void (*ZvRuleFunc) (const ZvRuleContext *ctx, GPtrArray *out);

/* The bit of operation OP in a rule's operation set. */
#define ZV_OP_BIT(op) (1u << (op))
/* Short names of the operation bits for the tables. */
#define ZV_IN_CHECK ZV_OP_BIT (ZV_OP_CHECK)
#define ZV_IN_DEFINE ZV_OP_BIT (ZV_OP_DEFINE)
#define ZV_IN_START ZV_OP_BIT (ZV_OP_START)
#define ZV_IN_ATTACH ZV_OP_BIT (ZV_OP_ATTACH)
#define ZV_IN_PREPARE ZV_OP_BIT (ZV_OP_PREPARE)
/* Every operation. */
#define ZV_OPS_ALL (ZV_OP_BIT (ZV_OP_CHECK) | ZV_OP_BIT (ZV_OP_DEFINE) | ZV_OP_BIT (ZV_OP_START) | \
                    ZV_OP_BIT (ZV_OP_ATTACH) | ZV_OP_BIT (ZV_OP_PREPARE))

/* What an operation does, for the few rules whose finding depends on it. */
typedef enum {
  ZV_OP_WRITES_DEFINITION = 1 << 0,   /* define: a new mdev definition */
  ZV_OP_ADDS_TO_DOMAIN = 1 << 1,      /* attach: the device is new to the domain */
  ZV_OP_BINDS = 1 << 2,               /* prepare: zvfio binds the vfio driver itself */
} ZvOperationTrait;

/* Who puts the device on its vfio driver by the time the guest starts: what
 * the binding rules (zpci.vfio-bound, zpci.ism.driver, ...) judge by. */
typedef enum {
  ZV_BINDER_NOBODY,    /* it must be on its vfio driver already */
  ZV_BINDER_ZVFIO,     /* the operation binds it (zvfio prepare, zvfio-hook) */
  ZV_BINDER_LIBVIRT,   /* a managed='yes' PCI hostdev: libvirt binds vfio-pci at guest start */
} ZvBinder;

/* How a finding counts: with the row's severity, or with its relaxed one
 * (forced, allowed by the caller, or a case the rule only warns about). */
typedef enum {
  ZV_FINDING_STRICT,
  ZV_FINDING_RELAXED,
} ZvFinding;

/* One row of the rules table. */
typedef struct {
  const char *id;          /* stable id, e.g. "ccw.qdio" */
  ZvSeverity severity;     /* the severity of a finding */
  ZvSeverity relaxed;      /* the severity of a relaxed finding */
  guint ops;               /* ZV_OP_BIT()s of the operations the rule applies to */
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
/* The ccw.* and zpci.* rules that need the target domain. */
extern const ZvRule zv_rules_ccw_domain[];
extern const gsize zv_rules_ccw_domain_count;
extern const ZvRule zv_rules_zpci_domain[];
extern const gsize zv_rules_zpci_domain_count;

/* "error" / "warning", as printed and in JSON. */
const char *zv_severity_name (ZvSeverity severity);
/* "check", "define", "start", "attach", "prepare". */
const char *zv_operation_name (ZvOperation op);
/* Parses an operation name; FALSE for an unknown one. */
gboolean zv_operation_from_name (const char *name, ZvOperation *op);
/* Frees a violation. */
void zv_violation_free (ZvViolation *v);
/* Sets the zvfio CLI's part of the hint of the violation added last to OUT. */
void zv_violation_set_cli_hint (GPtrArray *out, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* The hint of V as STYLE shows it. */
char *zv_violation_hint (const ZvViolation *v, ZvHintStyle style);
/* TRUE when CTX's operation has TRAIT (ZvOperationTrait). */
gboolean zv_operation_has (const ZvRuleContext *ctx, ZvOperationTrait trait);
/* Who binds CTX's device: libvirt for a managed PCI hostdev (a trait of the
 * target), zvfio when the operation binds (ZV_OP_BINDS), else nobody. */
ZvBinder zv_rule_binder (const ZvRuleContext *ctx);
/* Adds a violation of RULE for CTX's target with a formatted message and a
 * hint; FINDING picks the row's severity or its relaxed one. */
void zv_violation_add (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                       ZvFinding finding, const char *hint, const char *format, ...)
  G_GNUC_PRINTF (6, 7);
/* Adds an error violation of RULE: a host fact it needs could not be read
 * (WHY names the file), so the rule fails closed. */
void zv_violation_add_unreadable (GPtrArray *out, const ZvRule *rule, const ZvRuleContext *ctx,
                                  const GError *why);
/* For the rule tables: a forceable finding, relaxed when CTX forces it. */
ZvFinding zv_rule_forced (const ZvRuleContext *ctx);
/* For the rule tables: USERS (char*) joined with ", " for a message. */
char *zv_rule_join_users (GPtrArray *users);
/* For the rule tables: the domain's name for messages ("?" without one). */
const char *zv_rule_domain_name (const ZvDomain *domain);
/* For the rule tables: the target domain's hostdev for CTX's target (an mdev of
 * its subchannel or its PCI function), NULL when it is not in the domain yet. */
const ZvHostdev *zv_rule_own_hostdev (const ZvRuleContext *ctx);
/* Calls FUNC for every rule that needs the target domain (guest.* first, then
 * the ccw.* and zpci.* ones), in table order. */
void zv_rules_foreach_domain (void (*func) (const ZvRule *rule, gpointer data), gpointer data);
/* Calls FUNC for every rule of every table, in table order. */
void zv_rules_foreach (void (*func) (const ZvRule *rule, gpointer data), gpointer data);
/* Looks a rule up by id. */
const ZvRule *zv_rules_find (const char *id);
/* Reads the host-wide facts the rules of OP need (IPL, re-IPL and dump
 * devices, cio_ignore, and for check and prepare the boot configuration),
 * once for a whole command; REMOTE: its devices are a remote host's, and
 * nothing of this host is read. Each device's facts go in with zv_rules_add_facts. */
ZvHostFacts *zv_rules_host_facts (ZvRoot *root, ZvOperation op, gboolean remote);
/* Adds what the rules need about CTX's device (and domain) to FACTS, once per
 * device; then CTX may name FACTS. */
void zv_rules_add_facts (ZvHostFacts *facts, const ZvRuleContext *ctx);
/* Reads the host facts the rules need for CTX's device and domain: the two
 * steps above for a command with one device. */
ZvHostFacts *zv_rules_read_facts (const ZvRuleContext *ctx);
/* Runs every rule on CTX (reading the host facts first when CTX->facts is
 * NULL); returns ZvViolation*, errors and warnings. */
GPtrArray *zv_rules_run (const ZvRuleContext *ctx);
/* TRUE when RULE can judge TARGET although TARGET is a remote host's device
 * (target->remote): it needs only libvirt's node devices and the domain
 * (zv-rules-remote.c). zv_rules_run runs no other rule on a remote target. */
gboolean zv_rule_checkable_remotely (const ZvRule *rule, const ZvTarget *target);
/* The ids (not owned) of the rules of CTX's operation that zv_rules_run skips
 * for CTX's remote target: only zvfio-hook on that host checks them. */
GPtrArray *zv_rules_deferred_remotely (const ZvRuleContext *ctx);
/* Checks that every id of the remote table names a rule. */
gboolean zv_rules_remote_table_check (GError **error);
/* TRUE when VIOLATIONS holds an error-severity violation. */
gboolean zv_violations_have_error (GPtrArray *violations);
/* The longest line zv_violations_format writes (a longer word stands alone). */
#define ZV_VIOLATION_WIDTH 100
/* Each violation as "error: ccw.qdio: 0.0.f000 (subchannel 0.0.0010): message" and,
 * when it has a hint, "  fix: hint" below it, broken at spaces into lines of at
 * most ZV_VIOLATION_WIDTH columns (continuation lines are indented). */
char *zv_violations_format (GPtrArray *violations, ZvHintStyle style);
/* zv_violations_format for lines that each get a prefix of PREFIX_WIDTH columns
 * (zvfio-hook's "zvfio-hook: DOMAIN: "): they break that much earlier. */
char *zv_violations_format_after (GPtrArray *violations, ZvHintStyle style, gsize prefix_width);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvViolation, zv_violation_free)

G_END_DECLS
