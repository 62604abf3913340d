//===- Pipelines.h - bertc's pass pipelines and registration ----*- C++ -*-===//
//
// The compiler is a sequence of pipelines over one module:
//   graph pipeline   onnx dialect: shape-subgraph folding, type refinement,
//                    canonicalization, CSE, then the transformer fusions
//                    (onnx subgraphs -> bertc.layer_norm/gelu/linear/attention)
//   CPU lowering     the model.so entry point (bertc_cpu.entry_point); bertc
//                    ops -> kernel dialect (bertc_cpu); onnx -> linalg/tensor
//                    -> bufferized memrefs -> kernel calls + loops -> LLVM
//                    dialect, with the ABI descriptor lowered too; large
//                    weights optionally moved out (bertc-externalize-weights)
// Both are registered for bertc-opt as `bertc-graph-pipeline`,
// `bertc-cpu-lowering` and `bertc-cpu-pipeline` (the two in sequence): what
// `bertc-opt --bertc-cpu-pipeline` prints is the module that becomes model.so
// (weights inline). The `bertc` driver runs the same functions, then only
// translates, emits the object and links.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_PIPELINES_PIPELINES_H
#define BERTC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
}

namespace bertc {

class FusionReport;

struct PipelineOptions : mlir::PassPipelineOptions<PipelineOptions> {
  Option<bool> kernelCalls{
      *this, "kernel-calls",
      llvm::cl::desc("Call the CPU GEMM kernels for f32 matmuls (otherwise "
                     "they become loops)"),
      llvm::cl::init(true)};
  Option<bool> fusions{
      *this, "fusions",
      llvm::cl::desc("Run the transformer fusions (bertc-fuse-*)"),
      llvm::cl::init(true)};
  Option<unsigned> simplifyIterations{
      *this, "simplify-iterations",
      llvm::cl::desc("Upper bound on refine/fold rounds in graph clean-up"),
      llvm::cl::init(8)};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("int8 quantization of the linears after the fusions "
                     "(bertc-quantize): none (default) or dynamic"),
      llvm::cl::init("none")};
  Option<std::string> quantizeInput{
      *this, "quantize-input",
      llvm::cl::desc("With quantize=dynamic: the input's scale per row "
                     "(default) or per tensor"),
      llvm::cl::init("row")};
  Option<bool> quantizationReport{
      *this, "quantization-report",
      llvm::cl::desc("A remark per linear: quantized or kept in f32"),
      llvm::cl::init(false)};
  Option<std::string> producer{
      *this, "producer",
      llvm::cl::desc("The model descriptor's producer string"),
      llvm::cl::init("bertc 0.1.0")};
  Option<int> kernelIsa{
      *this, "kernel-isa",
      llvm::cl::desc("Widest kernel ISA the target allows (BERTC_ISA_*: 0 "
                     "generic, 1 AVX2, 2 AVX-512, 3 AVX-512 VNNI)"),
      llvm::cl::init(2)};
  Option<std::string> weightsDir{
      *this, "weights-dir",
      llvm::cl::desc("Move large weights to weights.bin/weights.S in this "
                     "directory (bertc-externalize-weights; empty: keep "
                     "them inline)"),
      llvm::cl::init("")};
  /// Where the fusion passes record counts and refusals (bertc
  /// --fusion-report); not a textual option.
  FusionReport *report = nullptr;
};

/// Graph-level optimizations on the onnx dialect (module pass manager).
void buildGraphPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// From the onnx dialect to the LLVM dialect for the CPU (module pass
/// manager). The entry function is `@main_graph`.
mlir::LogicalResult buildCPULoweringPipeline(mlir::OpPassManager &pm,
                                             const PipelineOptions &options);

/// Every dialect and interface implementation the compiler uses.
void registerBertcDialects(mlir::DialectRegistry &registry);

/// bertc's passes and pipelines, plus the upstream passes the pipelines use,
/// in the global pass registry (idempotent).
void registerBertcPasses();

} // namespace bertc

#endif // BERTC_PIPELINES_PIPELINES_H
