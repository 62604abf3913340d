//===- ShapeOps.cpp - Constants and shape-producing ops to tensor ---------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

struct ConstantPattern : OpConversionPattern<onnx::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, op.getType(), cast<TypedAttr>(op.getValue()));
    return success();
  }
};

struct ShapePattern : OpConversionPattern<onnx::ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> elems;
    for (int64_t d = op.getStart(); d < op.getEnd(); ++d) {
      Value dim = rewriter.create<tensor::DimOp>(loc, adaptor.getInput(), d);
      elems.push_back(
          rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), dim));
    }
    if (elems.empty()) {
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, op.getType().getShape(),
                                                   rewriter.getI64Type());
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), elems);
    return success();
  }
};

struct ConstantOfShapePattern : OpConversionPattern<onnx::ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = op.getType();
    SmallVector<OpFoldResult> dims;
    for (int64_t d = 0; d < rt.getRank(); ++d)
      dims.push_back(rt.isDynamicDim(d)
                         ? OpFoldResult(extractIndex(rewriter, loc,
                                                     adaptor.getShape(), d))
                         : rewriter.getIndexAttr(rt.getDimSize(d)));
    auto value = dyn_cast<DenseElementsAttr>(op.getValue());
    if (!value || value.getNumElements() != 1)
      return op.emitOpError("value must be a one-element dense tensor");
    Value scalar = rewriter.create<arith::ConstantOp>(
        loc, cast<TypedAttr>(value.getValues<Attribute>()[0]));
    Value empty = rewriter.create<tensor::EmptyOp>(loc, dims, rt.getElementType());
    Value r = rewriter.create<linalg::FillOp>(loc, scalar, empty).getResult(0);
    if (r.getType() != rt)
      r = rewriter.create<tensor::CastOp>(loc, rt, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Range: n = max(0, ceil((limit - start) / delta)); out[i] = start + i*delta.
struct RangePattern : OpConversionPattern<onnx::RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = op.getType();
    Type elt = rt.getElementType();
    auto scalar = [&](Value t) {
      auto tt = cast<RankedTensorType>(t.getType());
      SmallVector<Value> idx(tt.getRank(),
                             rewriter.create<arith::ConstantIndexOp>(loc, 0));
      return rewriter.create<tensor::ExtractOp>(loc, t, idx).getResult();
    };
    Value start = scalar(adaptor.getStart());
    Value limit = scalar(adaptor.getLimit());
    Value delta = scalar(adaptor.getDelta());
    Value n;
    if (rt.isDynamicDim(0)) {
      // The count divides by delta: a zero step is an error naming the
      // node, not a division by zero.
      Value zero = rewriter.create<arith::ConstantOp>(
          loc, rewriter.getZeroAttr(elt));
      Value isZero =
          isa<FloatType>(elt)
              ? rewriter.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                               delta, zero)
                    .getResult()
              : rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                               delta, zero)
                    .getResult();
      bertc::lowering::emitRangeStepCheck(
          rewriter, loc, bertc::lowering::enclosingModule(rewriter), isZero);
    }
    if (!rt.isDynamicDim(0)) {
      n = rewriter.create<arith::ConstantIndexOp>(loc, rt.getDimSize(0));
    } else if (isa<FloatType>(elt)) {
      Value q = rewriter.create<arith::DivFOp>(
          loc, rewriter.create<arith::SubFOp>(loc, limit, start), delta);
      q = rewriter.create<math::CeilOp>(loc, q);
      Value qi = rewriter.create<arith::FPToSIOp>(loc, rewriter.getI64Type(), q);
      n = castScalar(rewriter, loc, qi, rewriter.getIndexType());
    } else {
      Value s = castScalar(rewriter, loc, start, rewriter.getIndexType());
      Value l = castScalar(rewriter, loc, limit, rewriter.getIndexType());
      Value d = castScalar(rewriter, loc, delta, rewriter.getIndexType());
      Value diff = rewriter.create<arith::SubIOp>(loc, l, s);
      // ceil division that is right for either sign of delta.
      n = rewriter.create<arith::CeilDivSIOp>(loc, diff, d);
    }
    n = rewriter.create<arith::MaxSIOp>(
        loc, n, rewriter.create<arith::ConstantIndexOp>(loc, 0));
    Value empty = rewriter.create<tensor::EmptyOp>(
        loc, SmallVector<OpFoldResult>{n}, elt);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{empty.getType()}, ValueRange{}, ValueRange{empty},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value i = b.create<linalg::IndexOp>(l, 0);
          Value iv = castScalar(
              b, l, b.create<arith::IndexCastOp>(l, b.getI64Type(), i), elt);
          Value v = isa<FloatType>(elt)
                        ? (Value)b.create<arith::AddFOp>(
                              l, start, b.create<arith::MulFOp>(l, iv, delta))
                        : (Value)b.create<arith::AddIOp>(
                              l, start, b.create<arith::MulIOp>(l, iv, delta));
          b.create<linalg::YieldOp>(l, v);
        });
    Value r = generic.getResult(0);
    if (r.getType() != rt)
      r = rewriter.create<tensor::CastOp>(loc, rt, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void bertc::populateONNXShapeOpsToTensorPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantPattern, ShapePattern, ConstantOfShapePattern,
               RangePattern>(patterns.getContext());
}
