//===- SimplifyGraph.cpp - Shape-subgraph folding and type refinement ------===//
//
// Exporters emit Reshape targets computed at run time (Shape -> Gather ->
// Unsqueeze -> Concat) and leave most value_info shapes out. This pass
// alternates two steps until nothing changes:
//   1. re-infer every onnx op's result types from its operands and keep the
//      more static of the old and the inferred type (never contradicting);
//   2. fold and canonicalize (shape values that became constant fold away).
// Finally the function's result types are updated to what it returns.
//
//===----------------------------------------------------------------------===//
#include "bertc/Transforms/Passes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bertc {
#define GEN_PASS_DEF_SIMPLIFYGRAPH
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {

/// The most static type compatible with both, or null if they contradict.
Type meet(Type a, Type b) {
  if (a == b)
    return a;
  auto ta = dyn_cast<RankedTensorType>(a);
  auto tb = dyn_cast<RankedTensorType>(b);
  if (!ta || !tb || ta.getElementType() != tb.getElementType() ||
      ta.getRank() != tb.getRank())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ta.getShape(), tb.getShape())) {
    if (ShapedType::isDynamic(x))
      shape.push_back(y);
    else if (ShapedType::isDynamic(y) || x == y)
      shape.push_back(x);
    else
      return {};
  }
  return RankedTensorType::get(shape, ta.getElementType());
}

struct SimplifyGraphPass
    : bertc::impl::SimplifyGraphBase<SimplifyGraphPass> {
  using SimplifyGraphBase::SimplifyGraphBase;

  /// One refinement sweep in program order. Returns failure on a shape
  /// contradiction (reported on the op), otherwise whether anything changed.
  FailureOr<bool> refineTypes(func::FuncOp func) {
    bool changed = false;
    bool failedAny = false;
    func.walk([&](Operation *op) {
      if (!isa<bertc::onnx::ONNXDialect>(op->getDialect()))
        return;
      auto infer = dyn_cast<InferTypeOpInterface>(op);
      if (!infer)
        return;
      SmallVector<Type> inferred;
      if (failed(infer.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getAttrDictionary(), op->getPropertiesStorage(),
              op->getRegions(), inferred)) ||
          inferred.size() != op->getNumResults()) {
        failedAny = true;
        return;
      }
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        Type refined = meet(result.getType(), type);
        if (!refined) {
          op->emitError() << "inferred result type " << type
                          << " contradicts the type " << result.getType()
                          << " recorded in the model";
          failedAny = true;
          return;
        }
        if (refined != result.getType()) {
          // A refinement that makes a shape too large for any buffer (an
          // Expand to [2^40, 2^40] computed by a shape subgraph) is an
          // error here, before folds compute element counts of it.
          if (!bertc::onnx::staticSizeOf(refined)) {
            op->emitOpError() << "result #" << result.getResultNumber()
                              << " of type "
                              << bertc::onnx::tooLargeMessage(refined);
            failedAny = true;
            return;
          }
          result.setType(refined);
          ++numRefinedResults;
          changed = true;
        }
      }
    });
    if (failedAny)
      return failure();
    return changed;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patternList(ctx);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (name.getDialectNamespace() == "onnx")
        name.getCanonicalizationPatterns(patternList, ctx);
    FrozenRewritePatternSet patterns(std::move(patternList));

    for (unsigned i = 0; i < maxIterations; ++i) {
      FailureOr<bool> refined = refineTypes(func);
      if (failed(refined))
        return signalPassFailure();
      bool folded = false;
      GreedyRewriteConfig config;
      config.useTopDownTraversal = true;
      if (failed(applyPatternsAndFoldGreedily(func, patterns, config, &folded))) {
        func.emitError("graph simplification did not converge");
        return signalPassFailure();
      }
      if (!*refined && !folded)
        break;
    }

    // The function returns what its body now computes.
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    auto fnType = func.getFunctionType();
    if (TypeRange(ret.getOperandTypes()) != fnType.getResults())
      func.setType(FunctionType::get(ctx, fnType.getInputs(),
                                     ret.getOperandTypes()));
  }
};
} // namespace
