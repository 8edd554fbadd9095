/* Fuzz target: libvirt domain XML as the hook reads it on stdin. */
#include "zv-domain.h"
#include "zv-domain-check.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as domain XML. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ZvDomain) domain = zv_domain_parse ((const char *) data, (gssize) size, NULL);
  if (domain != NULL)
    zv_domain_has_passthrough (domain);
  /* what the hook and check make of it before the host: size, scan, parse, name */
  g_autoptr (ZvDomain) checked = NULL;
  zv_domain_check_input ((const char *) data, size, &checked, NULL);
  return 0;
}
