/*===- errors.c - Run-time checks called from generated code -------------===*
 *
 * Generated code calls these when a check on input values fails (see
 * bertc::lowering::emitIndexCheck). `site` indexes the table of ONNX node
 * names that bertc emits into every model.so, so the message names the node.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"

#include <stdio.h>

/* Defined by bertc in each model.so (lib/Target/ModelLibrary.cpp); weak so
 * that this library also links without them (unit tests). */
extern const char *const bertc_model_error_sites[] __attribute__((weak));
extern const int32_t bertc_model_num_error_sites __attribute__((weak));

void bertc_cpu_index_error(int64_t value, int64_t bound, int32_t site) {
  const char *node = "?";
  if (&bertc_model_num_error_sites && bertc_model_error_sites && site >= 0 &&
      site < bertc_model_num_error_sites)
    node = bertc_model_error_sites[site];
  char message[512];
  snprintf(message, sizeof message,
           "node '%s': index %lld is out of range for an axis of size %lld "
           "(valid: -%lld to %lld)",
           node, (long long)value, (long long)bound, (long long)bound,
           (long long)bound - 1);
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
}
