//===- Passes.td - Lowerings from the bertc dialects toward LLVM ----------===//
#ifndef BERTC_CONVERSION_PASSES_TD
#define BERTC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertONNXToLinalg : Pass<"convert-onnx-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower onnx ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every onnx op becomes upstream ops on tensors: elementwise ops become
    `linalg.generic` with broadcasting indexing maps, MatMul/Gemm become
    `linalg.matmul`/`linalg.batch_matmul`, reductions become reduction
    generics, reshapes become `tensor.reshape` with run-time shapes, and so
    on. Dynamic dimensions are read with `tensor.dim` at run time. A dynamic
    dimension is assumed not to broadcast against a different size (the
    runtime checks that inputs sharing a symbolic dimension agree).

    Checks that depend on input values (e.g. Gather indices in range) call
    `bertc_cpu_index_error(value, bound, site)` in the CPU kernel library,
    which reports a run-time error naming the node; `site` indexes the
    module's `bertc.error_sites` array of node names. It is a module pass
    because it declares that function and extends that array.
  }];
  let dependentDialects = [
    "mlir::func::FuncDialect",
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
    "mlir::scf::SCFDialect", "mlir::bufferization::BufferizationDialect"
  ];
}

def PrepareModelEntry : Pass<"bertc-prepare-model-entry", "mlir::ModuleOp"> {
  let summary = "Describe the model.so ABI in a bertc_cpu.entry_point and give @main_graph its calling convention";
  let description = [{
    Creates the module's `bertc_cpu.entry_point` from the entry function's
    signature: names (`bertc.name`), element types and dims, symbolic dim
    names (`bertc.dim_names`), the model's name (`bertc.model_name`; the
    importer's attributes are removed), every output `owned`, and the
    producer and kernel ISA given as options. Marks every argument of the
    entry function read-only for bufferization (inputs are the caller's
    buffers), requests the C interface wrapper (`llvm.emit_c_interface`),
    and makes every result a fresh allocation so that the caller can take
    ownership of all outputs and free them. Runs first in the lowering:
    run-time checks record their node names in the entry point.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"main_graph\"",
           "Name of the entry function">,
    Option<"producer", "producer", "std::string", "\"bertc 0.1.0\"",
           "The descriptor's producer string (the driver names the target)">,
    Option<"kernelIsa", "kernel-isa", "int32_t", "BERTC_ISA_AVX512",
           "Widest kernel ISA the target allows (BERTC_ISA_* of "
           "bertc/kernel_abi.h: 0 generic, 1 AVX2, 2 AVX-512, 3 AVX-512 VNNI)">
  ];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect",
                           "bertc::cpu::BertcCPUDialect"];
}

def ConvertEntryPointToLLVM
    : Pass<"bertc-convert-entry-point-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower bertc_cpu.entry_point to the model.so descriptor, trampoline and entry symbol";
  let description = [{
    After convert-func-to-llvm: the entry point becomes the static data of
    runtime/include/bertc/model_abi.h as `llvm.mlir.global`s (the
    `bertc_abi_model` descriptor, `bertc_abi_tensor_info` arrays, dims, names,
    ownership flags), the hidden error-site table and kernel-ISA cap that the
    kernel library reads (BERTC_MODEL_ERROR_SITES_SYMBOL and
    BERTC_MODEL_KERNEL_ISA_SYMBOL of bertc/kernel_abi.h), the
    `bertc_model_invoke` trampoline that unpacks the input descriptor
    pointers for the entry function's C interface (`_mlir_ciface_<name>`),
    and the exported function named by the op's symbol
    (BERTC_MODEL_ENTRY_SYMBOL) that returns the descriptor. The descriptor's
    `run` is the kernel library's `bertc_cpu_model_run`.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def ExternalizeWeights : Pass<"bertc-externalize-weights", "mlir::ModuleOp"> {
  let summary = "Move large constant globals out of the module into a blob the assembler includes";
  let description = [{
    On the LLVM dialect: every constant `llvm.mlir.global` whose initializer
    is a non-splat dense or resource tensor of at least `min-bytes` bytes
    (default kInlineConstantBytes of ConstantData.h, the threshold below
    which constants stay inline everywhere) is written to `<dir>/weights.bin`
    and becomes an external hidden declaration; `<dir>/weights.S` defines
    each symbol with `.incbin` (64-byte aligned) for the assembler, linked
    into model.so beside the object file. LLVM never sees the bytes, which
    keeps BERT-base's compile time and memory down. Without `dir`, nothing
    is done (`bertc-opt --bertc-cpu-pipeline` prints the weights inline).
  }];
  let options = [
    Option<"dir", "dir", "std::string", "\"\"",
           "Directory for weights.bin and weights.S (empty: do nothing)">,
    Option<"minBytes", "min-bytes", "uint64_t", "0",
           "Smallest constant moved out (0: kInlineConstantBytes)">
  ];
  let statistics = [
    Statistic<"numMoved", "weights", "Number of globals moved out">,
    Statistic<"numBytes", "bytes", "Bytes moved out">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def LinalgToKernelCalls : Pass<"bertc-linalg-to-kernel-calls", "mlir::ModuleOp"> {
  let summary = "Replace f32 matmuls on buffers with calls to the CPU GEMM kernels";
  let description = [{
    After bufferization, `linalg.matmul`, `linalg.matmul_transpose_b` and
    `linalg.batch_matmul` on f32 memrefs become calls to the packed GEMM
    kernels of the bertc CPU kernel library (`bertc_matmul_f32`,
    `bertc_batch_matmul_f32`, C interface). Transposed operands are passed as
    strided views. Other element types stay as linalg (lowered to loops).
    The kernel dialect's ops on memrefs (`bertc_cpu.linear`, `layer_norm`,
    `attention`) become calls of their kernels' C interface
    (`_mlir_ciface_bertc_*_f32`, bertc/kernel_abi.h names and codes), with
    the attributes as the i64/f32 scalar arguments and unread placeholders
    for absent optional operands.
  }];
  let statistics = [
    Statistic<"numKernelCalls", "kernel-calls", "Number of matmuls replaced">
  ];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect"];
}

def ConvertBertcToKernels : Pass<"convert-bertc-to-kernels", "mlir::ModuleOp"> {
  let summary = "Lower fused bertc ops to CPU kernel calls on tensors";
  let description = [{
    `bertc.linear`, `bertc.layer_norm` and `bertc.attention` become the
    kernel dialect's `bertc_cpu.linear`, `bertc_cpu.layer_norm` and
    `bertc_cpu.attention` (destination-passing, on tensors: one op per fused
    kernel of runtime/src/cpu, typed and verified); leading dimensions
    are collapsed so that kernels see [rows, features]. `bertc.gelu` becomes
    an elementwise `linalg.generic`. Attention masks of any element type are
    converted to an f32 keep-mask.
    Runs before convert-onnx-to-linalg; after bufferization,
    bertc-linalg-to-kernel-calls turns the kernel ops into `func.call`s.
    Dimensions that must agree but are known only at run time (a residual
    broadcast into LayerNorm) are checked in the generated code, which
    reports an error naming the node (a module pass: the check declares its
    runtime callee and records the node in `bertc.error_sites`).
  }];
  let statistics = [
    Statistic<"numKernelCalls", "kernel-calls", "Number of fused kernel calls">
  ];
  let dependentDialects = [
    "bertc::BertcDialect", "bertc::cpu::BertcCPUDialect",
    "mlir::arith::ArithDialect",
    "mlir::func::FuncDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def PackWeights : Pass<"bertc-pack-weights", "mlir::ModuleOp"> {
  let summary = "Pack constant linear weights into the GEMM's panel layout";
  let description = [{
    A `bertc_cpu.linear` on tensors whose weight is a constant f32 `[K, N]`
    (`onnx.Constant` or `arith.constant`) gets it packed at compile time
    into `[ceil(N / NR), K, NR]` (zero-padded; `BERTC_GEMM_NR` of
    bertc/kernel_abi.h), the layout the packed kernel
    (`bertc_linear_packed_f32`) reads without repacking. The constant is
    made through the shared constant-data helper (ConstantData.h: dense
    when small, a resource otherwise) as the same kind of op. Runs after
    convert-bertc-to-kernels.
  }];
  let statistics = [
    Statistic<"numPacked", "packed-weights", "Number of weights packed">
  ];
  let dependentDialects = ["bertc::cpu::BertcCPUDialect",
                           "mlir::arith::ArithDialect"];
}

def CheckAllocSizes : Pass<"bertc-check-alloc-sizes", "mlir::ModuleOp"> {
  let summary = "Check buffer sizes computed at run time before allocating";
  let description = [{
    After bufferization, every `memref.alloc`/`memref.alloca` with dynamic
    sizes gets a check before it: the byte size, element size times the
    static and the run-time dimensions, computed with overflow detection,
    must fit in int64 (and no dimension be negative); otherwise the run
    calls `bertc_cpu_alloc_size_error(site)`, which ends it with
    BERTC_ABI_ERROR_OUT_OF_MEMORY naming the node, instead of allocating a
    wrapped-around small buffer that the code would then write past. A
    buffer of static shape whose size overflows is a compile-time error
    (the onnx verifier rejects such shapes before lowering). The allocation
    itself failing is the allocation hook's business
    (runtime/src/cpu/exec_ctx.c).
  }];
  let statistics = [
    Statistic<"numChecks", "checks", "Number of allocations checked">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

#endif // BERTC_CONVERSION_PASSES_TD
