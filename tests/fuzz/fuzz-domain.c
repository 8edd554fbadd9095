/* Fuzz target: libvirt domain XML as the hook reads it on stdin. */
#include "zv-domain.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parses DATA as domain XML. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ZvDomain) domain = zv_domain_parse ((const char *) data, (gssize) size, NULL);
  if (domain != NULL)
    zv_domain_has_passthrough (domain);
  return 0;
}
