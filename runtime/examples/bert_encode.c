/* bert_encode.c: run a compiled BERT encoder on one tokenized sentence.
 *   cc bert_encode.c -lbertc_runtime -o bert_encode && ./bert_encode model.so */
#include <bertc/runtime.h>
#include <stdio.h>

#define CHECK(call) \
  if ((call) != BERTC_OK) { fprintf(stderr, "error: %s\n", bertc_last_error()); return 1; }

int main(int argc, char **argv) {
  int64_t ids[8] = {101, 523, 817, 264, 999, 102, 0, 0};    /* your token ids */
  int64_t mask[8] = {1, 1, 1, 1, 1, 1, 0, 0};                /* 2 padding */
  int64_t types[8] = {0}, dims[2] = {1, 8};                  /* batch 1, seq 8 */
  const char *names[3] = {"input_ids", "attention_mask", "token_type_ids"};
  bertc_tensor *in[3], *out[2] = {0};
  bertc_model *model;

  if (argc != 2) return fprintf(stderr, "usage: %s model.so\n", argv[0]), 2;
  CHECK(bertc_model_load(argv[1], &model));
  /* Views over your buffers: nothing is copied. */
  CHECK(bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims, ids, sizeof ids, &in[0]));
  CHECK(bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims, mask, sizeof mask, &in[1]));
  CHECK(bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims, types, sizeof types, &in[2]));
  /* Inputs by name (a model without token_type_ids takes the first two). */
  size_t n_in = bertc_model_num_inputs(model), n_out = bertc_model_num_outputs(model);
  CHECK(bertc_model_run_named(model, NULL, names, (const bertc_tensor *const *)in,
                              n_in, out, n_out > 2 ? 2 : n_out));
  const float *hidden = bertc_tensor_data(out[0]); /* [1, 8, hidden] */
  const int64_t *d = bertc_tensor_dims(out[0]);
  printf("output 0: [%lld, %lld, %lld], first values %g %g %g\n", (long long)d[0],
         (long long)d[1], (long long)d[2], hidden[0], hidden[1], hidden[2]);
  for (int i = 0; i < 3; ++i) bertc_tensor_free(in[i]);
  for (size_t i = 0; i < 2; ++i) bertc_tensor_free(out[i]);
  bertc_model_free(model);
  return 0;
}
