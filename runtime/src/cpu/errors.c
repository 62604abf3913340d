/*===- errors.c - Run-time checks called from generated code -------------===*
 *
 * Generated code calls these when a check on input values fails (see
 * bertc::lowering::emitIndexCheck). `site` indexes the table of ONNX node
 * names that bertc emits into every model.so, so the message names the node.
 * The run then ends at once (bertc_cpu_abort_run, model_glue.c).
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"

#include <stdint.h>
#include <stdio.h>

/* Defined by bertc in each model.so (BERTC_MODEL_ERROR_SITES_SYMBOL, lowered
 * from bertc_cpu.entry_point by lib/Conversion/EntryPointToLLVM); weak so
 * that this library also links without them (unit tests). */
extern const char *const bertc_model_error_sites[] __attribute__((weak));
extern const int32_t bertc_model_num_error_sites __attribute__((weak));

static const char *site_name(int32_t site) {
  if (&bertc_model_num_error_sites && bertc_model_error_sites && site >= 0 &&
      site < bertc_model_num_error_sites)
    return bertc_model_error_sites[site];
  return "?";
}

void bertc_cpu_index_error(int64_t value, int64_t bound, int32_t site) {
  const char *node = site_name(site);
  char message[512];
  if (bound <= 0)
    snprintf(message, sizeof message,
             "node '%s': index %lld is out of range for an empty axis (of "
             "size %lld: no index is valid)",
             node, (long long)value, (long long)bound);
  else
    snprintf(message, sizeof message,
             "node '%s': index %lld is out of range for an axis of size %lld "
             "(valid: -%lld to %lld)",
             node, (long long)value, (long long)bound, (long long)bound,
             (long long)bound - 1);
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
  bertc_cpu_abort_run();
}

void bertc_cpu_broadcast_error(int64_t lhs, int64_t rhs, int32_t axis,
                               int32_t site) {
  char message[512];
  snprintf(message, sizeof message,
           "node '%s': shapes do not match: axis %d of the result has size "
           "%lld in one operand and %lld in another (the input shapes are "
           "not valid for this model, e.g. a sequence longer than its "
           "position table)",
           site_name(site), (int)axis, (long long)lhs, (long long)rhs);
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
  bertc_cpu_abort_run();
}

void bertc_cpu_reshape_error(int64_t in_elems, int64_t out_elems,
                             int32_t site) {
  char message[512];
  if (out_elems == -2)
    snprintf(message, sizeof message,
             "node '%s': the requested shape has more than %lld elements",
             site_name(site), (long long)INT64_MAX);
  else if (out_elems < 0)
    snprintf(message, sizeof message,
             "node '%s': the requested shape has a negative dimension",
             site_name(site));
  else
    snprintf(message, sizeof message,
             "node '%s': cannot reshape %lld elements into a shape of %lld "
             "elements",
             site_name(site), (long long)in_elems, (long long)out_elems);
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
  bertc_cpu_abort_run();
}

void bertc_cpu_division_error(int64_t dividend, int64_t divisor, int32_t site) {
  char message[512];
  snprintf(message, sizeof message,
           "node '%s': integer division by zero (%lld by %lld)",
           site_name(site), (long long)dividend, (long long)divisor);
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
  bertc_cpu_abort_run();
}

void bertc_cpu_range_step_error(int32_t site) {
  char message[512];
  snprintf(message, sizeof message,
           "node '%s': Range with a step (delta) of 0", site_name(site));
  bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT, message);
  bertc_cpu_abort_run();
}

void bertc_cpu_alloc_size_error(int32_t site) {
  char message[512];
  const char *node = site_name(site);
  if (node[0] == '?' && node[1] == '\0')
    snprintf(message, sizeof message,
             "out of memory: a buffer of the model would need more than %lld "
             "bytes (the input dimensions are too large)",
             (long long)INT64_MAX);
  else
    snprintf(message, sizeof message,
             "node '%s': out of memory: a buffer of this node would need "
             "more than %lld bytes (the input dimensions are too large)",
             node, (long long)INT64_MAX);
  bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, message);
  bertc_cpu_abort_run();
}
