//===- FuseLinear.cpp - MatMul/Gemm + bias + activation to bertc.linear ---===//
//
// bertc-fuse-linear folds, for a constant 2-D weight:
//   MatMul(x, W[K, N]) [+ b] [-> activation]
//   Gemm(x, W, b) with transA = 0, alpha = 1, beta = 1 (transB = 1 weights
//   are transposed once at compile time to [K, N]); this also covers HF
//   Conv1D, exported as Reshape -> Gemm -> Reshape
// into bertc.linear. The bias is a constant [N] (or [1, ..., N]) added in
// either operand order; the activation is a bertc.gelu (run bertc-fuse-gelu
// first) or onnx.Relu that is the only user. Nothing is folded into the
// linear op if the intermediate value has another use.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Dialect/ONNX/IR/ConstantData.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bertc {
#define GEN_PASS_DEF_FUSELINEAR
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

/// W[N, K] -> W^T[K, N] for an f32 constant, as a new resource.
Value transposeWeight(PatternRewriter &rewriter, Location loc, Value w) {
  ElementsAttr attr = getConstant(w);
  auto type = cast<RankedTensorType>(attr.getType());
  if (!type.getElementType().isF32())
    return {};
  int64_t n = type.getDimSize(0), k = type.getDimSize(1);
  auto outType = RankedTensorType::get({k, n}, type.getElementType());
  if (attr.isSplat())
    return rewriter.create<onnx::ConstantOp>(
        loc, outType,
        DenseElementsAttr::get(outType, attr.getSplatValue<Attribute>()));
  auto src = onnx::readConstantFloats(attr);
  if (!src)
    return {};
  std::vector<float> dst(n * k);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      dst[j * n + i] = (*src)[i * k + j];
  return onnx::makeConstant(rewriter, loc, outType, ArrayRef<float>(dst),
                            "weight_t");
}

struct Epilogue {
  Value bias; // original bias value (constant)
  Activation act = Activation::none;
  Operation *last = nullptr;
};

/// Bias add and activation after `y` (the matmul result), each only if it is
/// the only user of the previous value.
Epilogue matchEpilogue(Value y, int64_t n, bool allowBias) {
  Epilogue e;
  Value cur = y;
  if (allowBias)
    if (auto add = onlyUser<onnx::AddOp>(cur)) {
      Value b = otherOperand(add, cur);
      if (isLastAxisVector(b, n) && add.getType() == y.getType()) {
        e.bias = b;
        e.last = add;
        cur = add.getResult();
      }
    }
  if (auto gelu = onlyUser<GeluOp>(cur)) {
    e.act = gelu.getApproximation();
    e.last = gelu;
  } else if (auto relu = onlyUser<onnx::ReluOp>(cur)) {
    e.act = Activation::relu;
    e.last = relu;
  }
  return e;
}

LogicalResult buildLinear(PatternRewriter &rewriter, Operation *anchor, Value x,
                          Value w, Value bias, Epilogue e) {
  Operation *last = e.last ? e.last : anchor;
  auto outType = cast<RankedTensorType>(last->getResult(0).getType());
  rewriter.setInsertionPoint(last);
  int64_t n = cast<RankedTensorType>(w.getType()).getDimSize(1);
  Value b = bias ? getLastAxisVector(rewriter, bias, n) : Value();
  rewriter.replaceOpWithNewOp<LinearOp>(last, outType, x, w, b, e.act);
  if (last != anchor && anchor->use_empty())
    rewriter.eraseOp(anchor);
  return success();
}

struct MatMulLinear : OpRewritePattern<onnx::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MatMulOp mm,
                                PatternRewriter &rewriter) const override {
    ElementsAttr w = getConstant(mm.getRhs());
    auto xType = cast<RankedTensorType>(mm.getLhs().getType());
    if (!w || w.getShapedType().getRank() != 2 || xType.getRank() < 2 ||
        !isa<FloatType>(xType.getElementType()))
      return failure();
    int64_t n = w.getShapedType().getDimSize(1);
    Epilogue e = matchEpilogue(mm.getResult(), n, /*allowBias=*/true);
    return buildLinear(rewriter, mm, mm.getLhs(), mm.getRhs(), e.bias, e);
  }
};

struct GemmLinear : OpRewritePattern<onnx::GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::GemmOp gemm,
                                PatternRewriter &rewriter) const override {
    ElementsAttr w = getConstant(gemm.getB());
    if (!w || gemm.getTransA() != 0 ||
        gemm.getAlpha().convertToFloat() != 1.0f ||
        (gemm.getC() && gemm.getBeta().convertToFloat() != 1.0f))
      return failure();
    auto wType = cast<RankedTensorType>(w.getType());
    int64_t n = gemm.getTransB() ? wType.getDimSize(0) : wType.getDimSize(1);
    Value bias = gemm.getC();
    if (bias && !isLastAxisVector(bias, n))
      return failure(); // a [M, N] or scalar C is not a bias vector
    Epilogue e = matchEpilogue(gemm.getResult(), n, /*allowBias=*/!bias);
    if (!bias)
      bias = e.bias;
    Value weight = gemm.getB();
    if (gemm.getTransB()) {
      rewriter.setInsertionPoint(gemm);
      weight = transposeWeight(rewriter, gemm.getB().getLoc(), gemm.getB());
      if (!weight)
        return failure();
    }
    return buildLinear(rewriter, gemm, gemm.getA(), weight, bias, e);
  }
};

struct FuseLinearPass : bertc::impl::FuseLinearBase<FuseLinearPass> {
  FuseLinearPass() = default;
  explicit FuseLinearPass(FusionReport *report) : report(report) {}
  FusionReport *report = nullptr;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatMulLinear, GemmLinear>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    uint64_t n = 0, act = 0;
    getOperation().walk([&](LinearOp op) {
      ++n;
      if (op.getActivation() != Activation::none)
        ++act;
    });
    numLinears += n;
    numActivationEpilogues += act;
    if (report) {
      report->addCount("linear", n);
      report->addCount("linear.activation", act);
    }
  }
};
} // namespace

std::unique_ptr<Pass> bertc::createFuseLinear(FusionReport *report) {
  return std::make_unique<FuseLinearPass>(report);
}
