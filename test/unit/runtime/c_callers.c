/* Runtime API calls made from C, where any int converts to an enum type:
 * what a C caller can pass that is not a dtype (runtime_c_api_test.cpp).
 * In C++ the test itself could not form such a value without undefined
 * behaviour. */
#include "bertc/runtime.h"

bertc_status bertc_test_view_with_dtype(int dtype, void *data, size_t bytes,
                                        bertc_tensor **out) {
  int64_t dims[1] = {1};
  return bertc_tensor_create_view((bertc_dtype)dtype, 1, dims, data, bytes,
                                  out);
}

bertc_status bertc_test_owned_with_dtype(int dtype, bertc_tensor **out) {
  int64_t dims[1] = {1};
  return bertc_tensor_create_owned((bertc_dtype)dtype, 1, dims, out);
}

size_t bertc_test_dtype_size(int dtype) {
  return bertc_dtype_size((bertc_dtype)dtype);
}

const char *bertc_test_dtype_name(int dtype) {
  return bertc_dtype_name((bertc_dtype)dtype);
}
