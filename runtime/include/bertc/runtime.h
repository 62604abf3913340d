/*===- bertc/runtime.h - C API of libbertc_runtime -------------------------===*
 *
 * Loads a model library produced by `bertc` (model.so), describes its inputs
 * and outputs, validates input tensors and runs the model on them.
 *
 *   bertc_model *model;
 *   if (bertc_model_load("model.so", &model) != BERTC_OK)
 *     fprintf(stderr, "%s\n", bertc_last_error());
 *
 * Conventions
 *   - Every fallible function returns a `bertc_status`. On failure it stores a
 *     precise, human-readable message that `bertc_last_error()` returns on the
 *     same thread, and leaves its out-parameters set to NULL / unchanged
 *     (documented per function).
 *   - Handles (`bertc_model`, `bertc_tensor`, `bertc_run_options`) are opaque;
 *     each `*_create`/`*_load` is paired with a `*_free` that accepts NULL.
 *   - Strings returned by the API are owned by the object they were queried
 *     from and stay valid until it is freed.
 *   - Tensors are dense, contiguous and row-major (C order).
 *
 * Thread safety
 *   - A loaded model is immutable: all queries and `bertc_model_run` may be
 *     called on the same `bertc_model` from any number of threads at once.
 *     Each run gets its own execution context and error state.
 *   - A tensor may be used as an input by several concurrent runs; creating,
 *     freeing or writing a tensor while another thread uses it is a data race.
 *   - `bertc_run_options` must not be modified while a run uses it.
 *   - Intra-op parallelism uses one process-wide thread pool, created on the
 *     first parallel run; a run uses at most `num_threads` threads including
 *     the calling one. Concurrent runs share the pool without deadlock.
 *
 * Versioning
 *   BERTC_RUNTIME_API_VERSION is bumped when a function or type of this header
 *   changes meaning; functions are only ever added. The model ABI (see
 *   bertc/model_abi.h) is versioned separately.
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_RUNTIME_H
#define BERTC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "bertc/model_abi.h" /* bertc_dtype, bertc_device */

#if defined(_WIN32)
#define BERTC_RUNTIME_API
#elif defined(__GNUC__)
#define BERTC_RUNTIME_API __attribute__((visibility("default")))
#else
#define BERTC_RUNTIME_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define BERTC_RUNTIME_API_VERSION 1
#define BERTC_RUNTIME_VERSION_MAJOR 0
#define BERTC_RUNTIME_VERSION_MINOR 1
#define BERTC_RUNTIME_VERSION_PATCH 0

/*===--------------------------------------------------------------------===*
 * Status codes and errors
 *===--------------------------------------------------------------------===*/

typedef enum bertc_status {
  BERTC_OK = 0,
  /* A NULL pointer, out-of-range index, negative size, inconsistent
   * byte size, wrong number of tensors, ... */
  BERTC_ERROR_INVALID_ARGUMENT = 1,
  /* The model library could not be loaded (dlopen failed, entry symbol
   * missing, entry returned NULL). */
  BERTC_ERROR_LOAD_FAILED = 2,
  /* The model was compiled for a model ABI this runtime does not support. */
  BERTC_ERROR_ABI_MISMATCH = 3,
  /* A file, input or output name does not exist. */
  BERTC_ERROR_NOT_FOUND = 4,
  /* An input tensor has the wrong element type. */
  BERTC_ERROR_DTYPE_MISMATCH = 5,
  /* An input tensor has the wrong rank or dimensions (static dims, or dims
   * that share a symbolic name but disagree). */
  BERTC_ERROR_SHAPE_MISMATCH = 6,
  BERTC_ERROR_OUT_OF_MEMORY = 7,
  /* The model reported an error while running (see bertc_last_error for its
   * code and message), or produced outputs that violate the model ABI. */
  BERTC_ERROR_RUNTIME = 8,
  /* The model targets a device this runtime build cannot run (e.g. CUDA). */
  BERTC_ERROR_UNSUPPORTED_DEVICE = 9,
  /* The model's descriptor is malformed (missing names, bad dtypes, ...). */
  BERTC_ERROR_INVALID_MODEL = 10,
  /* A bug in the runtime (an unexpected internal failure). */
  BERTC_ERROR_INTERNAL = 11
} bertc_status;

/* Static name of a status, e.g. "BERTC_ERROR_SHAPE_MISMATCH". Never NULL. */
BERTC_RUNTIME_API const char *bertc_status_string(bertc_status status);

/* Message describing the most recent failed call made by this thread, e.g.
 * "input 'attention_mask': expected dtype int64, got float32". Successful
 * calls do not clear it. Never NULL ("" if no call has failed yet). Valid
 * until the next failing call on this thread. */
BERTC_RUNTIME_API const char *bertc_last_error(void);

/* BERTC_RUNTIME_API_VERSION of the library actually loaded. */
BERTC_RUNTIME_API uint32_t bertc_runtime_api_version(void);
/* e.g. "0.1.0 (model ABI 1)". */
BERTC_RUNTIME_API const char *bertc_runtime_version_string(void);

/*===--------------------------------------------------------------------===*
 * Element types
 *===--------------------------------------------------------------------===*/

/* Bytes per element (bool: 1), 0 for an invalid dtype. */
BERTC_RUNTIME_API size_t bertc_dtype_size(bertc_dtype dtype);
/* NumPy-style name: "float32", "float16", "bfloat16", "float64", "int8",
 * "uint8", "int16", "int32", "int64", "bool"; "invalid" otherwise. */
BERTC_RUNTIME_API const char *bertc_dtype_name(bertc_dtype dtype);

/*===--------------------------------------------------------------------===*
 * Tensors
 *===--------------------------------------------------------------------===*/

typedef struct bertc_tensor bertc_tensor;

/* Largest supported rank. */
#define BERTC_MAX_RANK 32

/* Wraps caller memory without copying it. `data` holds the elements in
 * contiguous row-major order, must be aligned to the element size, and must
 * outlive the tensor; the runtime never frees it (and models never write to
 * input buffers). `byte_size` must equal product(dims) * bertc_dtype_size.
 * `dims` (may be NULL when rank is 0) is copied. `data` may be NULL only when
 * the tensor has no elements. On failure *out is set to NULL. */
BERTC_RUNTIME_API bertc_status bertc_tensor_create_view(
    bertc_dtype dtype, int32_t rank, const int64_t *dims, void *data,
    size_t byte_size, bertc_tensor **out);

/* Allocates a zero-filled tensor (64-byte aligned) that owns its memory. */
BERTC_RUNTIME_API bertc_status bertc_tensor_create_owned(bertc_dtype dtype,
                                                         int32_t rank,
                                                         const int64_t *dims,
                                                         bertc_tensor **out);

/* Frees the tensor and, if it owns it, its memory. NULL is a no-op. */
BERTC_RUNTIME_API void bertc_tensor_free(bertc_tensor *tensor);

/* Accessors. Must not be called with NULL. */
BERTC_RUNTIME_API bertc_dtype bertc_tensor_dtype(const bertc_tensor *tensor);
BERTC_RUNTIME_API int32_t bertc_tensor_rank(const bertc_tensor *tensor);
/* `rank` sizes; valid while the tensor lives (NULL-free even for rank 0). */
BERTC_RUNTIME_API const int64_t *bertc_tensor_dims(const bertc_tensor *tensor);
BERTC_RUNTIME_API int64_t bertc_tensor_num_elements(const bertc_tensor *tensor);
BERTC_RUNTIME_API size_t bertc_tensor_byte_size(const bertc_tensor *tensor);
/* First element (contiguous, row-major). May be NULL for an empty tensor. */
BERTC_RUNTIME_API void *bertc_tensor_data(const bertc_tensor *tensor);
/* 1 if the tensor frees its memory (owned tensors and run outputs), 0 for
 * views. */
BERTC_RUNTIME_API int bertc_tensor_owns_data(const bertc_tensor *tensor);

/*===--------------------------------------------------------------------===*
 * Models
 *===--------------------------------------------------------------------===*/

typedef struct bertc_model bertc_model;

/* Description of one model input or output. All pointers are owned by the
 * model and valid until bertc_model_free. */
typedef struct bertc_tensor_info {
  const char *name;
  bertc_dtype dtype;
  int32_t rank;
  /* `rank` entries: a fixed size (>= 0) or -1 for a dynamic dimension. */
  const int64_t *dims;
  /* `rank` entries: the symbolic name of a dynamic dimension (e.g.
   * "sequence"), or NULL when the dimension is static or unnamed. */
  const char *const *dim_names;
} bertc_tensor_info;

/* Loads a model library (dlopen with RTLD_NOW | RTLD_LOCAL; a path without
 * '/' is taken relative to the current directory) and checks its model ABI
 * version, device and descriptor. On failure *out is set to NULL and the
 * status is one of NOT_FOUND (no such file), LOAD_FAILED, ABI_MISMATCH,
 * UNSUPPORTED_DEVICE, INVALID_MODEL, OUT_OF_MEMORY, INVALID_ARGUMENT. */
BERTC_RUNTIME_API bertc_status bertc_model_load(const char *path,
                                                bertc_model **out);

/* Unloads the model. All runs on it must have returned. Output tensors of
 * earlier runs stay valid (they own plain malloc memory). NULL is a no-op. */
BERTC_RUNTIME_API void bertc_model_free(bertc_model *model);

/* Queries. `model` must not be NULL. */
BERTC_RUNTIME_API const char *bertc_model_name(const bertc_model *model);
BERTC_RUNTIME_API const char *bertc_model_producer(const bertc_model *model);
BERTC_RUNTIME_API bertc_device bertc_model_device(const bertc_model *model);
BERTC_RUNTIME_API const char *bertc_model_path(const bertc_model *model);
BERTC_RUNTIME_API size_t bertc_model_num_inputs(const bertc_model *model);
BERTC_RUNTIME_API size_t bertc_model_num_outputs(const bertc_model *model);

/* Fills *info for input/output `index`; INVALID_ARGUMENT when out of range. */
BERTC_RUNTIME_API bertc_status bertc_model_input_info(const bertc_model *model,
                                                      size_t index,
                                                      bertc_tensor_info *info);
BERTC_RUNTIME_API bertc_status bertc_model_output_info(const bertc_model *model,
                                                       size_t index,
                                                       bertc_tensor_info *info);

/* Index of the input/output called `name`; NOT_FOUND if there is none. */
BERTC_RUNTIME_API bertc_status bertc_model_find_input(const bertc_model *model,
                                                      const char *name,
                                                      size_t *index);
BERTC_RUNTIME_API bertc_status bertc_model_find_output(const bertc_model *model,
                                                       const char *name,
                                                       size_t *index);

/*===--------------------------------------------------------------------===*
 * Running
 *===--------------------------------------------------------------------===*/

typedef struct bertc_run_options bertc_run_options;

/* Options for bertc_model_run; NULL options mean the defaults. */
BERTC_RUNTIME_API bertc_status
bertc_run_options_create(bertc_run_options **out);
BERTC_RUNTIME_API void bertc_run_options_free(bertc_run_options *options);
/* Threads a run may use, including the calling thread. 0 (the default)
 * means the hardware concurrency; 1 runs everything on the calling thread.
 * INVALID_ARGUMENT if negative. */
BERTC_RUNTIME_API bertc_status
bertc_run_options_set_num_threads(bertc_run_options *options,
                                  int32_t num_threads);
BERTC_RUNTIME_API int32_t
bertc_run_options_num_threads(const bertc_run_options *options);

/* Number of threads a run with these options uses (resolves 0). NULL
 * options are the defaults. */
BERTC_RUNTIME_API int32_t
bertc_run_options_effective_num_threads(const bertc_run_options *options);

/* Runs the model. `inputs` holds num_inputs tensors in model input order;
 * they are validated first (count, dtype, rank, static dims, dims sharing a
 * symbolic name across all inputs). On success outputs[i] (num_outputs
 * entries, model output order) receives a new tensor owning its memory, which
 * the caller frees with bertc_tensor_free. On failure every outputs[i] is set
 * to NULL. Safe to call concurrently on the same model. */
BERTC_RUNTIME_API bertc_status bertc_model_run(
    const bertc_model *model, const bertc_run_options *options,
    const bertc_tensor *const *inputs, size_t num_inputs,
    bertc_tensor **outputs, size_t num_outputs);

/* Like bertc_model_run, but inputs are given by name in any order:
 * input_names[i] names inputs[i]. Every model input must be given exactly
 * once (NOT_FOUND for an unknown name, INVALID_ARGUMENT for a duplicate or
 * missing one). Outputs are in model output order. */
BERTC_RUNTIME_API bertc_status bertc_model_run_named(
    const bertc_model *model, const bertc_run_options *options,
    const char *const *input_names, const bertc_tensor *const *inputs,
    size_t num_inputs, bertc_tensor **outputs, size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BERTC_RUNTIME_H */
