/*===- bertc/model_abi.h - The contract between model.so and the runtime --===*
 *
 * A library compiled by `bertc` exports one C symbol, BERTC_MODEL_ENTRY_SYMBOL,
 * returning a pointer to a static `bertc_abi_model` descriptor. Everything the
 * runtime needs to validate inputs and run the model is reachable from it.
 *
 * Versioning: `abi_version` is checked first by the runtime. Fields are only
 * ever appended to the structs below; a change of meaning bumps the version.
 *
 * Ownership:
 *   - The descriptor and every string/array reachable from it are static data
 *     of model.so; they live until the library is unloaded.
 *   - Input buffers belong to the caller; the model never writes to them and
 *     never keeps a pointer past the end of `run`.
 *   - An output whose info has BERTC_ABI_TENSOR_OWNED is a fresh buffer
 *     allocated by the model with the C library's `malloc` family: `run`
 *     hands its ownership to the caller (free the `allocated` pointer of its
 *     descriptor with `free`). Any other output is a view the caller must
 *     copy before the next run and must not free. bertc marks every output
 *     owned (each is copied into a fresh allocation); the runtime reads the
 *     flag and never guesses.
 *
 * Version 2 added bertc_abi_tensor_info.flags.
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_MODEL_ABI_H
#define BERTC_MODEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BERTC_ABI_VERSION 2u
#define BERTC_MODEL_ENTRY_SYMBOL "bertc_model_v1"

/* Element types. Values are stable and part of the ABI. */
typedef enum bertc_dtype {
  BERTC_DTYPE_INVALID = 0,
  BERTC_DTYPE_F32 = 1,
  BERTC_DTYPE_F16 = 2,
  BERTC_DTYPE_BF16 = 3,
  BERTC_DTYPE_F64 = 4,
  BERTC_DTYPE_I8 = 5,
  BERTC_DTYPE_U8 = 6,
  BERTC_DTYPE_I16 = 7,
  BERTC_DTYPE_I32 = 8,
  BERTC_DTYPE_I64 = 9,
  BERTC_DTYPE_BOOL = 10, /* one byte per element, 0 or 1 */
  /* Not a dtype: with it, every int32 value (99, -1) is a valid value of the
   * enum (its range is that of a 32-bit signed integer), so that an API
   * function given one that is not a dtype rejects it without undefined
   * behaviour in C++. */
  BERTC_DTYPE_RANGE_ = -0x7fffffff - 1
} bertc_dtype;

/* Bytes per element of a dtype; 0 for anything that is not one. The one
 * table of element sizes (the runtime's bertc_dtype_size and bertc-run's
 * .npy code use it). */
static inline size_t bertc_abi_dtype_size(int32_t dtype) {
  switch (dtype) {
  case BERTC_DTYPE_F32:
  case BERTC_DTYPE_I32:
    return 4;
  case BERTC_DTYPE_F16:
  case BERTC_DTYPE_BF16:
  case BERTC_DTYPE_I16:
    return 2;
  case BERTC_DTYPE_F64:
  case BERTC_DTYPE_I64:
    return 8;
  case BERTC_DTYPE_I8:
  case BERTC_DTYPE_U8:
  case BERTC_DTYPE_BOOL:
    return 1;
  default:
    return 0;
  }
}

/* Where a model's code runs and where its input/output buffers live. */
typedef enum bertc_device {
  BERTC_DEVICE_CPU = 0,
  BERTC_DEVICE_CUDA = 1
} bertc_device;

/* Static description of one input or output. A dimension is either a fixed
 * size (dims[i] >= 0) or dynamic (dims[i] == -1); dynamic dimensions carry the
 * symbolic name the ONNX graph gave them (dim_names[i], e.g. "batch"), or NULL.
 * Inputs that share a symbolic name must agree on its value at run time. */
typedef struct bertc_abi_tensor_info {
  const char *name;
  int32_t dtype; /* bertc_dtype */
  int32_t rank;
  const int64_t *dims;
  const char *const *dim_names;
  uint32_t flags;    /* BERTC_ABI_TENSOR_* */
  uint32_t reserved; /* 0 */
} bertc_abi_tensor_info;

/* bertc_abi_tensor_info.flags */
#define BERTC_ABI_TENSOR_OWNED 1u /* output: a fresh malloc buffer for the caller */

/* A strided view, laid out exactly like MLIR's ranked memref descriptor:
 *   { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank];
 *     int64_t strides[rank]; }
 * The rank is implied by the tensor info. Size in bytes: 8 * (3 + 2 * rank). */
/* Codes a model passes to report_error (and returns from `run`). */
#define BERTC_ABI_ERROR_INVALID_INPUT 1 /* input values out of range */
#define BERTC_ABI_ERROR_OUT_OF_MEMORY 2
#define BERTC_ABI_ERROR_INTERNAL 3

#define BERTC_ABI_DESCRIPTOR_BYTES(rank) (8u * (3u + 2u * (uint32_t)(rank)))

struct bertc_abi_exec_ctx;
typedef void (*bertc_abi_task_fn)(void *arg, int64_t begin, int64_t end);

/* Services the runtime provides to the model for the duration of one `run`. */
typedef struct bertc_abi_exec_ctx {
  uint32_t abi_version;
  int32_t num_threads; /* >= 1: how many threads parallel_for may use */
  /* Runs fn(arg, b, e) over disjoint ranges covering [0, n); returns when all
   * are done. `grain` is the smallest range worth a task. Never NULL. */
  void (*parallel_for)(struct bertc_abi_exec_ctx *ctx, int64_t n, int64_t grain,
                       bertc_abi_task_fn fn, void *arg);
  /* Records a run-time error (first one wins); the model then returns its
   * code from `run`. Never NULL. */
  void (*report_error)(struct bertc_abi_exec_ctx *ctx, int32_t code,
                       const char *message);
  void *runtime_data; /* opaque to the model */
  void *device_stream; /* CUDA: the cudaStream_t to enqueue on; CPU: NULL */
  void *reserved[6];
} bertc_abi_exec_ctx;

/* The descriptor returned by BERTC_MODEL_ENTRY_SYMBOL. */
typedef struct bertc_abi_model {
  uint32_t abi_version; /* BERTC_ABI_VERSION at compile time */
  uint32_t device;      /* bertc_device */
  const char *name;     /* graph name from the ONNX file */
  const char *producer; /* e.g. "bertc 0.1.0 (x86_64, avx512f)" */
  int32_t num_inputs;
  int32_t num_outputs;
  const bertc_abi_tensor_info *inputs;
  const bertc_abi_tensor_info *outputs;
  /* Runs the model. `inputs[i]` points to the descriptor of input i, whose
   * sizes the caller has checked against `inputs` above. `outputs` points to
   * num_outputs descriptors laid end to end, which the model fills in.
   * Returns 0 on success, otherwise the code passed to report_error (outputs
   * are then unspecified and must not be freed). */
  int32_t (*run)(bertc_abi_exec_ctx *ctx, void *const *inputs, void *outputs);
} bertc_abi_model;

typedef const bertc_abi_model *(*bertc_abi_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BERTC_MODEL_ABI_H */
