/* zvfio: zpci passthrough rules (table filled by the rules work). */
#include "zv-rules.h"

const ZvRule zv_rules_zpci[] = {
};
const gsize zv_rules_zpci_count = G_N_ELEMENTS (zv_rules_zpci);
