//===- Pipelines.cpp - bertc's pass pipelines and registration ------------===//
#include "bertc/Pipelines/Pipelines.h"

#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include <mutex>

using namespace mlir;

void bertc::buildGraphPipeline(OpPassManager &pm,
                               const PipelineOptions &options) {
  SimplifyGraphOptions simplify;
  simplify.maxIterations = options.simplifyIterations;
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createSimplifyGraph(simplify));
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createCSEPass());
  if (!options.fusions)
    return;
  // Order matters: GELU before linear (activation epilogues), linear before
  // attention (Q/K/V projections), attention and linear before the skip
  // LayerNorm (residual Adds).
  fpm.addPass(createConvToLinear());
  fpm.addPass(createFuseLayerNorm(options.report));
  fpm.addPass(createFuseGelu(options.report));
  fpm.addPass(createFuseLinear(options.report));
  fpm.addPass(createFuseAttention(options.report));
  fpm.addPass(createFuseSkipLayerNorm(options.report));
  fpm.addPass(createFuseQKV(options.report));
  if (options.quantize == "dynamic") {
    QuantizeOptions quantize;
    quantize.input = options.quantizeInput;
    quantize.report = options.quantizationReport;
    fpm.addPass(createQuantize(quantize));
  }
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createCSEPass());
}

// The upstream part is spelled as a textual pipeline: it is exactly what
// `bertc-opt --pass-pipeline=...` would run, which keeps the two in sync.
// Buffers are allocated through _mlir_memref_to_llvm_{alloc,aligned_alloc,
// free} (runtime/src/cpu/exec_ctx.c), which track a run's live buffers so
// that a run ended by a failed check frees them.
static const char kBufferize[] =
    "eliminate-empty-tensors,empty-tensor-to-alloc-tensor,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "canonicalize,buffer-deallocation-pipeline";
static const char kToLLVM[] =
    "func.func(convert-linalg-to-loops),canonicalize,cse,"
    "fold-memref-alias-ops,expand-strided-metadata,lower-affine,"
    "convert-scf-to-cf,arith-expand,convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm{use-generic-functions=1},"
    "convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts,"
    "canonicalize";

LogicalResult bertc::buildCPULoweringPipeline(OpPassManager &pm,
                                              const PipelineOptions &options) {
  registerBertcPasses();
  PrepareModelEntryOptions entry;
  entry.producer = options.producer;
  entry.kernelIsa = options.kernelIsa;
  pm.addPass(createPrepareModelEntry(entry));
  pm.addPass(createConvertBertcToKernels());
  pm.addPass(createPackWeights());
  pm.addPass(createConvertONNXToLinalg());
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createCSEPass());
  fpm.addPass(createLinalgElementwiseOpFusionPass());
  fpm.addPass(createCanonicalizerPass());
  if (failed(parsePassPipeline(kBufferize, pm)))
    return failure();
  if (options.kernelCalls)
    pm.addPass(createLinalgToKernelCalls());
  // Checked byte sizes of run-time-sized buffers (docs/Limits.md).
  pm.addPass(createCheckAllocSizes());
  if (failed(parsePassPipeline(kToLLVM, pm)))
    return failure();
  pm.addPass(createConvertEntryPointToLLVM());
  if (!options.weightsDir.empty()) {
    ExternalizeWeightsOptions weights;
    weights.dir = options.weightsDir;
    pm.addPass(createExternalizeWeights(weights));
  }
  return success();
}

void bertc::registerBertcDialects(DialectRegistry &registry) {
  registry.insert<onnx::ONNXDialect, BertcDialect, cpu::BertcCPUDialect,
                  affine::AffineDialect,
                  arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect,
                  index::IndexDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
                  scf::SCFDialect, tensor::TensorDialect,
                  vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  cpu::registerBufferizationInterfaces(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void bertc::registerBertcPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Upstream passes: everything, as mlir-opt does, so that bertc-opt can
    // run any pipeline a user writes by hand.
    registerAllPasses();
    registerBertcTransformsPasses();  // bertc graph passes
    registerBertcConversionPasses();  // bertc lowerings
    PassPipelineRegistration<PipelineOptions>(
        "bertc-graph-pipeline",
        "Graph clean-up on the onnx dialect (what `bertc --emit=mlir` runs)",
        [](OpPassManager &pm, const PipelineOptions &options) {
          buildGraphPipeline(pm, options);
        });
    PassPipelineRegistration<PipelineOptions>(
        "bertc-cpu-lowering",
        "Lower the onnx dialect to the LLVM dialect for the CPU, with the "
        "model.so entry point and descriptor",
        [](OpPassManager &pm, const PipelineOptions &options) {
          (void)buildCPULoweringPipeline(pm, options);
        });
    PassPipelineRegistration<PipelineOptions>(
        "bertc-cpu-pipeline",
        "bertc-graph-pipeline followed by bertc-cpu-lowering: the module "
        "that becomes model.so",
        [](OpPassManager &pm, const PipelineOptions &options) {
          buildGraphPipeline(pm, options);
          (void)buildCPULoweringPipeline(pm, options);
        });
  });
}
