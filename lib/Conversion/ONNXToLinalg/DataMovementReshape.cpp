//===- DataMovementReshape.cpp - Reshapes and transposes to tensor --------===//
//
// Reshape (with 0 and -1 entries resolved at compile or run time, and a
// run-time check that the sizes fit the input), Unsqueeze, Squeeze and
// Flatten (reshapes whose sizes follow from the input's) to tensor.reshape;
// Transpose to linalg.transpose.
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

/// Result dims of a reshape-like op whose result keeps static dims from its
/// type and takes dynamic ones from `dynamicDims` (in order).
struct ReshapePattern : OpConversionPattern<onnx::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto rt = op.getType();
    auto inDims = getDims(rewriter, loc, in);
    int64_t rank = rt.getRank();
    auto known = onnx::getKnownIntValues(op.getShape());
    bool allowZero = op.getAllowzero();
    // Per entry: the requested value (index), or -1 to infer.
    SmallVector<Value> req(rank);
    int64_t inferAt = -1;
    bool inferDynamic = false;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t kv = known ? (*known)[i] : onnx::kUnknownValue;
      if (!rt.isDynamicDim(i)) {
        req[i] = cIdx(rewriter, loc, rt.getDimSize(i));
        continue;
      }
      if (kv == -1) {
        inferAt = i;
        continue;
      }
      if (kv == 0 && !allowZero && i < (int64_t)inDims.size()) {
        req[i] = toValue(rewriter, loc, inDims[i]);
        continue;
      }
      if (kv != onnx::kUnknownValue) {
        req[i] = cIdx(rewriter, loc, kv);
        continue;
      }
      // Only known at run time: handle 0 and -1 there too.
      Value v = extractIndex(rewriter, loc, adaptor.getShape(), i);
      if (!allowZero && i < (int64_t)inDims.size()) {
        Value isZero = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::eq, v, cIdx(rewriter, loc, 0));
        v = rewriter.create<arith::SelectOp>(loc, isZero,
                                             toValue(rewriter, loc, inDims[i]), v);
      }
      req[i] = v;
      inferDynamic = true;
    }
    Value total = lowering::product(rewriter, loc, inDims);
    auto inferFrom = [&](int64_t skip) {
      Value p = cIdx(rewriter, loc, 1);
      for (int64_t i = 0; i < rank; ++i) {
        if (i == skip)
          continue;
        Value v = req[i];
        // A run-time -1 counts as 1 in the product of the others.
        Value isNeg = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::slt, v, cIdx(rewriter, loc, 0));
        v = rewriter.create<arith::SelectOp>(loc, isNeg, cIdx(rewriter, loc, 1), v);
        p = rewriter.create<arith::MulIOp>(loc, p, v);
      }
      // A zero among the others: divide by 1 (the check below reports it
      // unless the input is empty too) rather than trap.
      Value isZero = rewriter.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::eq, p, cIdx(rewriter, loc, 0));
      p = rewriter.create<arith::SelectOp>(loc, isZero, cIdx(rewriter, loc, 1),
                                           p);
      return rewriter.create<arith::DivSIOp>(loc, total, p).getResult();
    };
    if (inferAt >= 0)
      req[inferAt] = inferFrom(inferAt);
    SmallVector<OpFoldResult> dims;
    for (int64_t i = 0; i < rank; ++i) {
      Value v = req[i];
      if (inferDynamic && rt.isDynamicDim(i) && i != inferAt) {
        Value isNeg = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::slt, v, cIdx(rewriter, loc, 0));
        v = rewriter.create<arith::SelectOp>(loc, isNeg, inferFrom(i), v);
      }
      dims.push_back(v);
    }
    // Unless both shapes are static (then type inference proved them), the
    // sizes must multiply to the input's element count and be non-negative;
    // otherwise the run fails naming the node (as ONNX Runtime's Reshape
    // does) before anything reads them.
    auto inType = cast<RankedTensorType>(in.getType());
    if (!inType.hasStaticShape() || !rt.hasStaticShape()) {
      // The element count of the requested shape, with checked arithmetic:
      // a wrapped product (e.g. [2^32, 2^32] of an empty input) must not
      // pass for the input's count.
      SmallVector<Value> sizes;
      Value ok = rewriter.create<arith::ConstantIntOp>(loc, 1, 1);
      for (OpFoldResult d : dims) {
        Value v = toValue(rewriter, loc, d);
        sizes.push_back(v);
        ok = rewriter.create<arith::AndIOp>(
            loc, ok,
            rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, v,
                                           cIdx(rewriter, loc, 0)));
      }
      Value overflow;
      Value count = checkedProduct(rewriter, loc, sizes, overflow);
      // For the message: -1 a negative dim, -2 a count over INT64_MAX.
      Value shown = rewriter.create<arith::SelectOp>(
          loc, ok,
          rewriter.create<arith::SelectOp>(loc, overflow,
                                           cIdx(rewriter, loc, -2), count),
          cIdx(rewriter, loc, -1));
      Value fits = rewriter.create<arith::XOrIOp>(
          loc, overflow, rewriter.create<arith::ConstantIntOp>(loc, 1, 1));
      ok = rewriter.create<arith::AndIOp>(loc, ok, fits);
      ok = rewriter.create<arith::AndIOp>(
          loc, ok,
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, count,
                                         total));
      emitReshapeCheck(rewriter, loc, enclosingModule(rewriter), ok, total,
                       shown);
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, in, rt, dims));
    return success();
  }
};

/// Squeeze, Unsqueeze and Flatten: reshapes whose sizes follow from the
/// input's sizes.
template <typename OpTy>
struct ShapeOnlyReshape : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto inDims = getDims(rewriter, loc, in);
    auto rt = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> dims;
    if constexpr (std::is_same_v<OpTy, onnx::UnsqueezeOp>) {
      auto axes = op.getAxes();
      int64_t src = 0;
      for (int64_t i = 0; i < rt.getRank(); ++i)
        dims.push_back(llvm::is_contained(axes, i) ? rewriter.getIndexAttr(1)
                                                   : inDims[src++]);
    } else if constexpr (std::is_same_v<OpTy, onnx::SqueezeOp>) {
      auto axes = op.getAxes();
      auto inType = cast<RankedTensorType>(in.getType());
      for (int64_t i = 0; i < inType.getRank(); ++i) {
        bool drop = axes.empty() ? inType.getDimSize(i) == 1
                                 : llvm::is_contained(axes, i);
        if (!drop)
          dims.push_back(inDims[i]);
      }
    } else {
      int64_t axis = op.getAxis();
      dims.push_back(lowering::product(
          rewriter, loc, ArrayRef<OpFoldResult>(inDims).take_front(axis)));
      dims.push_back(lowering::product(
          rewriter, loc, ArrayRef<OpFoldResult>(inDims).drop_front(axis)));
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, in, rt, dims));
    return success();
  }
};

struct TransposePattern : OpConversionPattern<onnx::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto inDims = getDims(rewriter, loc, in);
    SmallVector<OpFoldResult> dims;
    for (int64_t p : op.getPerm())
      dims.push_back(inDims[p]);
    Value init = rewriter.create<tensor::EmptyOp>(
        loc, dims, op.getType().getElementType());
    Value r = rewriter.create<linalg::TransposeOp>(loc, in, init, op.getPerm())
                  ->getResult(0);
    if (r.getType() != op.getType())
      r = rewriter.create<tensor::CastOp>(loc, op.getType(), r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void bertc::lowering::populateDataMovementReshapePatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReshapePattern, ShapeOnlyReshape<onnx::UnsqueezeOp>,
               ShapeOnlyReshape<onnx::SqueezeOp>,
               ShapeOnlyReshape<onnx::FlattenOp>, TransposePattern>(
      patterns.getContext());
}
