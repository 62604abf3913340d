//===- ONNXToLinalg.cpp - The convert-onnx-to-linalg pass -----------------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bertc {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;

namespace {
struct ConvertONNXToLinalgPass
    : bertc::impl::ConvertONNXToLinalgBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    populateONNXElementwiseToLinalgPatterns(patterns);
    populateONNXMatMulToLinalgPatterns(patterns);
    populateONNXReductionToLinalgPatterns(patterns);
    populateONNXDataMovementToTensorPatterns(patterns);
    populateONNXShapeOpsToTensorPatterns(patterns);
    populateONNXConvToLinalgPatterns(patterns);
    ConversionTarget target(*ctx);
    target.addIllegalDialect<onnx::ONNXDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           scf::SCFDialect, bufferization::BufferizationDialect>();
    target.addLegalOp<ModuleOp, func::FuncOp, func::ReturnOp, func::CallOp>();
    // Fused ops are lowered before (convert-bertc-to-kernels) to the
    // kernel dialect, which stays.
    target.addLegalDialect<bertc::cpu::BertcCPUDialect>();
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
