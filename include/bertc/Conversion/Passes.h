//===- Passes.h - Lowerings toward LLVM -------------------------*- C++ -*-===//
#ifndef BERTC_CONVERSION_PASSES_H
#define BERTC_CONVERSION_PASSES_H

#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/kernel_abi.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
}

namespace bertc {

#define GEN_PASS_DECL
#include "bertc/Conversion/Passes.h.inc"

/// Patterns lowering each onnx op (one function per file of
/// lib/Conversion/ONNXToLinalg).
void populateONNXElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXMatMulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXReductionToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateONNXDataMovementToTensorPatterns(mlir::RewritePatternSet &patterns);
void populateONNXShapeOpsToTensorPatterns(mlir::RewritePatternSet &patterns);
void populateONNXConvToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Patterns lowering the bertc dialect's fused ops to the kernel dialect
/// (convert-bertc-to-kernels).
void populateBertcToKernelsPatterns(mlir::RewritePatternSet &patterns);

/// The pattern lowering bertc_cpu.entry_point to the LLVM dialect
/// (bertc-convert-entry-point-to-llvm).
void populateEntryPointToLLVMPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "bertc/Conversion/Passes.h.inc"

} // namespace bertc

#endif // BERTC_CONVERSION_PASSES_H
