//===- Pipelines.h - bertc's pass pipelines and registration ----*- C++ -*-===//
//
// The compiler is a sequence of pipelines over one module:
//   graph pipeline   onnx dialect: shape-subgraph folding, type refinement,
//                    canonicalization, CSE, then the transformer fusions
//                    (onnx subgraphs -> bertc.layer_norm/gelu/linear/attention)
//   CPU lowering     bertc ops -> fused kernel calls; onnx -> linalg/tensor
//                    -> bufferized memrefs -> kernel calls + loops -> LLVM
// Both are registered for bertc-opt as `bertc-graph-pipeline`,
// `bertc-cpu-lowering` and `bertc-cpu-pipeline` (the two in sequence); the
// `bertc` driver runs the same functions.
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
