//===- ConvToLinear.cpp - Patch-embedding Conv to bertc.linear ------------===//
//
// bertc-conv-to-linear rewrites the ViT patch embedding -- a 2-D Conv whose
// kernel equals its stride, without padding, dilation or groups, on a
// static image size divisible by the patch -- into a GEMM:
//
//   x [N, C, H, W] -> Reshape [N, C, H/p, p, W/q, q]
//     -> Transpose [N, H/p, W/q, C, p, q] -> Reshape [N * H/p * W/q, C*p*q]
//     -> bertc.linear (weight [C*p*q, O], transposed at compile time, + bias)
//     -> Reshape [N, H/p, W/q, O] -> Transpose [N, O, H/p, W/q]
//
// The result is the Conv's; the layout shuffles around it are cheap and the
// GEMM replaces a direct convolution loop nest.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Dialect/ONNX/IR/ConstantData.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bertc {
#define GEN_PASS_DEF_CONVTOLINEAR
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

Value i64Const(PatternRewriter &rewriter, Location loc, ArrayRef<int64_t> v) {
  auto type = RankedTensorType::get({(int64_t)v.size()}, rewriter.getI64Type());
  return rewriter.create<onnx::ConstantOp>(loc, type,
                                           DenseElementsAttr::get(type, v));
}

/// W [O, C, p, q] as the [C*p*q, O] matrix of the GEMM.
Value weightMatrix(PatternRewriter &rewriter, Location loc, ElementsAttr w) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t o = type.getDimSize(0);
  int64_t k = type.getNumElements() / o;
  auto src = onnx::readConstantFloats(w);
  if (!src)
    return {};
  std::vector<float> dst(o * k);
  for (int64_t i = 0; i < o; ++i)
    for (int64_t j = 0; j < k; ++j)
      dst[j * o + i] = (*src)[i * k + j];
  auto outType = RankedTensorType::get({k, o}, rewriter.getF32Type());
  return onnx::makeConstant(rewriter, loc, outType, ArrayRef<float>(dst),
                            "patch_weight");
}

struct PatchConv : OpRewritePattern<onnx::ConvOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ConvOp conv,
                                PatternRewriter &rewriter) const override {
    auto xt = cast<RankedTensorType>(conv.getX().getType());
    ElementsAttr w = getConstant(conv.getW());
    if (!w || xt.getRank() != 4 || conv.getGroup() != 1 ||
        !xt.getElementType().isF32())
      return failure();
    auto ks = conv.getKernelShape(), st = conv.getStrides();
    if (ks.size() != 2 || ks[0] != st[0] || ks[1] != st[1] ||
        llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; }) ||
        llvm::any_of(conv.getDilations(), [](int64_t d) { return d != 1; }))
      return failure();
    int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), wd = xt.getDimSize(3);
    int64_t p = ks[0], q = ks[1];
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t o = wt.getDimSize(0);
    if (ShapedType::isDynamic(c) || ShapedType::isDynamic(h) ||
        ShapedType::isDynamic(wd) || h % p || wd % q || wt.getDimSize(1) != c)
      return failure();
    Value bias = conv.getB(); // ONNX: a 1-D [O] tensor (any producer)
    if (bias && cast<RankedTensorType>(bias.getType()).getShape() !=
                    ArrayRef<int64_t>{o})
      return failure();
    Location loc = conv.getLoc();
    Type f32 = rewriter.getF32Type();
    int64_t n = xt.getDimSize(0), hp = h / p, wq = wd / q;
    Value weight = weightMatrix(rewriter, conv.getW().getLoc(), w);
    if (!weight)
      return failure();
    // Batch stays symbolic: Reshape with 0 copies it, -1 infers it.
    Value x6 = rewriter.create<onnx::ReshapeOp>(
        loc, RankedTensorType::get({n, c, hp, p, wq, q}, f32), conv.getX(),
        i64Const(rewriter, loc, {0, c, hp, p, wq, q}),
        rewriter.getI64IntegerAttr(0));
    Value xt6 = rewriter.create<onnx::TransposeOp>(
        loc, RankedTensorType::get({n, hp, wq, c, p, q}, f32), x6,
        rewriter.getDenseI64ArrayAttr({0, 2, 4, 1, 3, 5}));
    int64_t rows =
        ShapedType::isDynamic(n) ? ShapedType::kDynamic : n * hp * wq;
    Value x2 = rewriter.create<onnx::ReshapeOp>(
        loc, RankedTensorType::get({rows, c * p * q}, f32), xt6,
        i64Const(rewriter, loc, {-1, c * p * q}),
        rewriter.getI64IntegerAttr(0));
    Value b = bias;
    Value y2 =
        rewriter.create<LinearOp>(loc, RankedTensorType::get({rows, o}, f32),
                                  x2, weight, b, Activation::none);
    Value y4 = rewriter.create<onnx::ReshapeOp>(
        loc, RankedTensorType::get({n, hp, wq, o}, f32), y2,
        i64Const(rewriter, loc, {-1, hp, wq, o}),
        rewriter.getI64IntegerAttr(0));
    rewriter.replaceOpWithNewOp<onnx::TransposeOp>(
        conv, conv.getType(), y4, rewriter.getDenseI64ArrayAttr({0, 3, 1, 2}));
    return success();
  }
};

struct ConvToLinearPass : bertc::impl::ConvToLinearBase<ConvToLinearPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PatchConv>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
