/* run_model.c: load a bertc model, print its signature, run it once on
 * buffers of 0.5 (float32 inputs) or 0 (others), dynamic dims set to 2. */
#include <bertc/runtime.h>
#include <stdio.h>
#include <stdlib.h>

static void check(bertc_status status) {
  if (status != BERTC_OK) {
    fprintf(stderr, "error: %s\n", bertc_last_error());
    exit(1);
  }
}

int main(int argc, char **argv) {
  bertc_model *model;
  bertc_tensor *in[16], *out[16];
  void *buffers[16];
  bertc_tensor_info info;
  if (argc != 2) return fprintf(stderr, "usage: run_model model.so\n"), 2;
  check(bertc_model_load(argv[1], &model));
  size_t n_in = bertc_model_num_inputs(model), n_out = bertc_model_num_outputs(model);
  if (n_in > 16 || n_out > 16) return fprintf(stderr, "too many tensors\n"), 1;

  for (size_t i = 0; i < n_in; ++i) {
    int64_t dims[BERTC_MAX_RANK], count = 1;
    check(bertc_model_input_info(model, i, &info));
    printf("input %s: %s[", info.name, bertc_dtype_name(info.dtype));
    for (int32_t d = 0; d < info.rank; ++d) {
      dims[d] = info.dims[d] < 0 ? 2 : info.dims[d];
      if (info.dims[d] >= 0) printf("%s%lld", d ? ", " : "", (long long)dims[d]);
      else printf("%s%s", d ? ", " : "", info.dim_names[d] ? info.dim_names[d] : "?");
      count *= dims[d];
    }
    printf("]\n");
    size_t bytes = (size_t)count * bertc_dtype_size(info.dtype);
    buffers[i] = calloc(1, bytes ? bytes : 1); /* your data; not copied */
    for (int64_t k = 0; info.dtype == BERTC_DTYPE_F32 && k < count; ++k)
      ((float *)buffers[i])[k] = 0.5f;
    check(bertc_tensor_create_view(info.dtype, info.rank, dims, buffers[i], bytes, &in[i]));
  }

  /* NULL options: use all hardware threads. Outputs are new tensors. */
  check(bertc_model_run(model, NULL, (const bertc_tensor *const *)in, n_in, out, n_out));
  check(bertc_model_output_info(model, 0, &info)); /* fails if no outputs */
  for (int64_t k = 0; k < bertc_tensor_num_elements(out[0]) && k < 4; ++k)
    if (info.dtype == BERTC_DTYPE_F32)
      printf("%s[%lld] = %g\n", info.name, (long long)k, ((float *)bertc_tensor_data(out[0]))[k]);

  for (size_t i = 0; i < n_in; ++i) bertc_tensor_free(in[i]), free(buffers[i]);
  for (size_t i = 0; i < n_out; ++i) bertc_tensor_free(out[i]);
  bertc_model_free(model);
  return 0;
}
