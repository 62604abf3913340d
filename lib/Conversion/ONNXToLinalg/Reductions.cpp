//===- Reductions.cpp - Reduce*, Softmax, LayerNormalization to linalg ----===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

enum class Combine { Add, Mul, Max, Min };

/// The lowest (max) or highest (min) value of `elt`: -inf/+inf for floats.
Value extremeValue(OpBuilder &b, Location loc, Type elt, bool lowest) {
  if (auto ft = dyn_cast<FloatType>(elt))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(),
                                                /*Negative=*/lowest)));
  unsigned w = elt.getIntOrFloatBitWidth();
  return b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(elt, lowest ? APInt::getSignedMinValue(w)
                                        : APInt::getSignedMaxValue(w)));
}

Value identityValue(OpBuilder &b, Location loc, Type elt, Combine kind) {
  switch (kind) {
  case Combine::Add:
    return scalarConstant(b, loc, elt, 0.0);
  case Combine::Mul:
    return scalarConstant(b, loc, elt, 1.0);
  case Combine::Max:
    return extremeValue(b, loc, elt, /*lowest=*/true);
  case Combine::Min:
    return extremeValue(b, loc, elt, /*lowest=*/false);
  }
  llvm_unreachable("unknown combine");
}

Value combine(OpBuilder &b, Location loc, Combine kind, Value acc, Value x) {
  bool f = isa<FloatType>(x.getType());
  switch (kind) {
  case Combine::Add:
    return f ? (Value)b.create<arith::AddFOp>(loc, acc, x)
             : (Value)b.create<arith::AddIOp>(loc, acc, x);
  case Combine::Mul:
    return f ? (Value)b.create<arith::MulFOp>(loc, acc, x)
             : (Value)b.create<arith::MulIOp>(loc, acc, x);
  case Combine::Max:
    return f ? (Value)b.create<arith::MaximumFOp>(loc, acc, x)
             : (Value)b.create<arith::MaxSIOp>(loc, acc, x);
  case Combine::Min:
    return f ? (Value)b.create<arith::MinimumFOp>(loc, acc, x)
             : (Value)b.create<arith::MinSIOp>(loc, acc, x);
  }
  llvm_unreachable("unknown combine");
}

/// Reduces over the dims set in `reduced`. Each input has either the full
/// rank (identity map) or the reduced rank (indexed by the kept dims).
/// `map` turns the input elements into the value to combine.
Value buildReduction(OpBuilder &b, Location loc, ValueRange inputs,
                     const llvm::SmallBitVector &reduced, Type elt,
                     Combine kind, ScalarBodyFn map) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = reduced.size();
  Value full;
  for (Value v : inputs)
    if (cast<RankedTensorType>(v.getType()).getRank() == rank)
      full = v;
  auto fullType = cast<RankedTensorType>(full.getType());
  auto fullDims = getDims(b, loc, full);
  SmallVector<AffineExpr> keptExprs;
  SmallVector<OpFoldResult> outDims;
  SmallVector<int64_t> outShape;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced.test(d)) {
      keptExprs.push_back(getAffineDimExpr(d, ctx));
      outDims.push_back(fullDims[d]);
      outShape.push_back(fullType.getDimSize(d));
    }
  AffineMap keptMap = AffineMap::get(rank, 0, keptExprs, ctx);
  SmallVector<AffineMap> maps;
  for (Value v : inputs)
    maps.push_back(cast<RankedTensorType>(v.getType()).getRank() == rank
                       ? b.getMultiDimIdentityMap(rank)
                       : keptMap);
  maps.push_back(keptMap);
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d)
    iters.push_back(reduced.test(d) ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel);
  Value empty = b.create<tensor::EmptyOp>(loc, outDims, elt);
  Value init =
      b.create<linalg::FillOp>(loc, identityValue(b, loc, elt, kind), empty)
          .getResult(0);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = map(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc,
                                   combine(nb, nloc, kind, args.back(), x));
      });
  return generic.getResult(0);
}

/// Elementwise over the full-rank `full` with reduced-rank operands
/// broadcast along the reduced dims.
Value mapWithReduced(OpBuilder &b, Location loc, Value full,
                     ValueRange reducedOperands,
                     const llvm::SmallBitVector &reduced, ScalarBodyFn body,
                     ValueRange trailingOperands = {}) {
  MLIRContext *ctx = b.getContext();
  auto t = cast<RankedTensorType>(full.getType());
  int64_t rank = t.getRank();
  SmallVector<AffineExpr> keptExprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced.test(d))
      keptExprs.push_back(getAffineDimExpr(d, ctx));
  SmallVector<Value> operands{full};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value v : reducedOperands) {
    operands.push_back(v);
    maps.push_back(AffineMap::get(rank, 0, keptExprs, ctx));
  }
  // Trailing operands (LayerNorm scale/bias) align with the last dims and
  // broadcast their static 1s.
  for (Value v : trailingOperands) {
    auto vt = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t od = 0; od < vt.getRank(); ++od) {
      int64_t d = od + rank - vt.getRank();
      exprs.push_back(vt.getDimSize(od) == 1 && t.getDimSize(d) != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(d, ctx));
    }
    operands.push_back(v);
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = b.create<tensor::EmptyOp>(loc, getDims(b, loc, full),
                                         t.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
          iters,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            nb.create<linalg::YieldOp>(nloc, body(nb, nloc, args.drop_back()));
          })
      .getResult(0);
}

/// Number of elements reduced, as a scalar of `elt`.
Value reducedCount(OpBuilder &b, Location loc, Value full,
                   const llvm::SmallBitVector &reduced, Type elt) {
  auto dims = getDims(b, loc, full);
  SmallVector<OpFoldResult> r;
  for (int64_t d = 0; d < (int64_t)dims.size(); ++d)
    if (reduced.test(d))
      r.push_back(dims[d]);
  Value n = lowering::product(b, loc, r);
  Value n64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), n);
  return castScalar(b, loc, n64, elt);
}

/// What a reduction does around the combine: ReduceMean divides by the
/// count afterwards; ReduceL2 squares each element and takes the sqrt.
enum class ReduceKind { Plain, Mean, L2 };

template <typename ReduceOp, Combine kind, ReduceKind rk = ReduceKind::Plain>
struct ReducePattern : OpConversionPattern<ReduceOp> {
  using OpConversionPattern<ReduceOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, typename ReduceOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto t = cast<RankedTensorType>(in.getType());
    Type elt = t.getElementType();
    llvm::SmallBitVector reduced(t.getRank(), op.getAxes().empty());
    for (int64_t a : op.getAxes())
      reduced.set(a);
    Value r = buildReduction(
        rewriter, loc, ValueRange{in}, reduced, elt, kind,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          if (rk != ReduceKind::L2)
            return a[0];
          return isa<FloatType>(elt)
                     ? b.create<arith::MulFOp>(l, a[0], a[0]).getResult()
                     : b.create<arith::MulIOp>(l, a[0], a[0]).getResult();
        });
    if (rk == ReduceKind::L2) {
      if (!isa<FloatType>(elt))
        return rewriter.notifyMatchFailure(op, "ReduceL2 of integers");
      auto rtType = cast<RankedTensorType>(r.getType());
      r = buildElementwise(
          rewriter, loc, rtType, getDims(rewriter, loc, r), ValueRange{r},
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            return b.create<math::SqrtOp>(l, a[0]);
          });
    }
    if (rk == ReduceKind::Mean) {
      Value count = reducedCount(rewriter, loc, in, reduced, elt);
      auto rtType = cast<RankedTensorType>(r.getType());
      r = buildElementwise(rewriter, loc, rtType, getDims(rewriter, loc, r),
                           ValueRange{r},
                           [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                             if (isa<FloatType>(elt))
                               return b.create<arith::DivFOp>(l, a[0], count);
                             return b.create<arith::DivSIOp>(l, a[0], count);
                           });
    }
    // Re-insert the kept unit dims.
    auto resultType = op.getType();
    auto rDims = getDims(rewriter, loc, r);
    SmallVector<OpFoldResult> outDims;
    int64_t k = 0;
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (!reduced.test(d))
        outDims.push_back(rDims[k++]);
      else if (op.getKeepdims())
        outDims.push_back(rewriter.getIndexAttr(1));
    }
    if (op.getKeepdims() || cast<RankedTensorType>(r.getType()) != resultType)
      r = reshapeTo(rewriter, loc, r, resultType, outDims);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// ArgMax along one axis: one linalg.generic reducing (value, index) pairs.
/// An element replaces the running pair if it is greater, or equal with a
/// smaller index (a larger one with select_last_index), which makes the
/// result independent of the order the reduction visits elements in. NaN
/// never wins (as in ONNX Runtime); the running pair starts at (lowest
/// value, 0), so a row of lowest values or NaNs gives index 0 (the last
/// index with select_last_index, for lowest values).
struct ArgMaxPattern : OpConversionPattern<onnx::ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ArgMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto t = cast<RankedTensorType>(in.getType());
    Type elt = t.getElementType();
    Type i64 = rewriter.getI64Type();
    int64_t rank = t.getRank(), axis = op.getAxis();
    MLIRContext *ctx = rewriter.getContext();
    auto dims = getDims(rewriter, loc, in);
    SmallVector<OpFoldResult> outDims;
    SmallVector<AffineExpr> keptExprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis) {
        outDims.push_back(dims[d]);
        keptExprs.push_back(getAffineDimExpr(d, ctx));
      }
    AffineMap keptMap = AffineMap::get(rank, 0, keptExprs, ctx);
    Value valInit =
        rewriter
            .create<linalg::FillOp>(
                loc, extremeValue(rewriter, loc, elt, /*lowest=*/true),
                rewriter.create<tensor::EmptyOp>(loc, outDims, elt).getResult())
            .getResult(0);
    Value idxInit =
        rewriter
            .create<linalg::FillOp>(
                loc, scalarConstant(rewriter, loc, i64, 0),
                rewriter.create<tensor::EmptyOp>(loc, outDims, i64).getResult())
            .getResult(0);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[axis] = utils::IteratorType::reduction;
    bool last = op.getSelectLastIndex() != 0;
    bool f = isa<FloatType>(elt);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valInit.getType(), idxInit.getType()}, ValueRange{in},
        ValueRange{valInit, idxInit},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank), keptMap,
                               keptMap},
        iters, [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = a[0], accV = a[1], accI = a[2];
          Value k = b.create<arith::IndexCastOp>(
              l, i64, b.create<linalg::IndexOp>(l, axis));
          Value greater =
              f ? b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, accV)
                      .getResult()
                : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, x, accV)
                      .getResult();
          Value equal =
              f ? b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, x, accV)
                      .getResult()
                : b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, x, accV)
                      .getResult();
          Value before = b.create<arith::CmpIOp>(
              l, last ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::slt,
              k, accI);
          Value take = b.create<arith::OrIOp>(
              l, greater, b.create<arith::AndIOp>(l, equal, before));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::SelectOp>(l, take, x, accV),
                            b.create<arith::SelectOp>(l, take, k, accI)});
        });
    Value r = generic.getResult(1);
    auto resultType = op.getType();
    if (op.getKeepdims()) {
      auto rDims = getDims(rewriter, loc, r);
      SmallVector<OpFoldResult> keptDims;
      int64_t j = 0;
      for (int64_t d = 0; d < rank; ++d)
        keptDims.push_back(d == axis ? rewriter.getIndexAttr(1) : rDims[j++]);
      r = reshapeTo(rewriter, loc, r, resultType, keptDims);
    } else if (r.getType() != resultType) {
      r = rewriter.create<tensor::CastOp>(loc, resultType, r);
    }
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SoftmaxPattern : OpConversionPattern<onnx::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto t = cast<RankedTensorType>(x.getType());
    Type elt = t.getElementType();
    llvm::SmallBitVector reduced(t.getRank());
    reduced.set(op.getAxis());
    auto ident = [](OpBuilder &, Location, ValueRange a) { return a[0]; };
    Value max = buildReduction(rewriter, loc, ValueRange{x}, reduced, elt,
                               Combine::Max, ident);
    Value e = mapWithReduced(
        rewriter, loc, x, ValueRange{max}, reduced,
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
        });
    Value sum = buildReduction(rewriter, loc, ValueRange{e}, reduced, elt,
                               Combine::Add, ident);
    Value out = mapWithReduced(
        rewriter, loc, e, ValueRange{sum}, reduced,
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return b.create<arith::DivFOp>(l, a[0], a[1]);
        });
    if (out.getType() != op.getType())
      out = rewriter.create<tensor::CastOp>(loc, op.getType(), out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct LayerNormPattern : OpConversionPattern<onnx::LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::LayerNormalizationOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto t = cast<RankedTensorType>(x.getType());
    Type elt = t.getElementType();
    llvm::SmallBitVector reduced(t.getRank());
    for (int64_t d = op.getAxis(); d < t.getRank(); ++d)
      reduced.set(d);
    Value count = reducedCount(rewriter, loc, x, reduced, elt);
    Value sum = buildReduction(rewriter, loc, ValueRange{x}, reduced, elt,
                               Combine::Add,
                               [](OpBuilder &, Location, ValueRange a) {
                                 return a[0];
                               });
    // mean = sum / n, computed inside the consumers.
    Value sq = buildReduction(
        rewriter, loc, ValueRange{x, sum}, reduced, elt, Combine::Add,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value mean = b.create<arith::DivFOp>(l, a[1], count);
          Value d = b.create<arith::SubFOp>(l, a[0], mean);
          return b.create<arith::MulFOp>(l, d, d);
        });
    float epsV = op.getEpsilon().convertToFloat();
    SmallVector<Value> trailing{adaptor.getScale()};
    if (adaptor.getBias())
      trailing.push_back(adaptor.getBias());
    bool hasBias = (bool)adaptor.getBias();
    Value out = mapWithReduced(
        rewriter, loc, x, ValueRange{sum, sq}, reduced,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value mean = b.create<arith::DivFOp>(l, a[1], count);
          Value var = b.create<arith::DivFOp>(l, a[2], count);
          Value eps = scalarConstant(b, l, elt, epsV);
          Value inv = b.create<math::RsqrtOp>(
              l, b.create<arith::AddFOp>(l, var, eps));
          Value y = b.create<arith::MulFOp>(
              l, b.create<arith::SubFOp>(l, a[0], mean), inv);
          y = b.create<arith::MulFOp>(l, y, a[3]);
          if (hasBias)
            y = b.create<arith::AddFOp>(l, y, a[4]);
          return y;
        },
        trailing);
    if (out.getType() != op.getType())
      out = rewriter.create<tensor::CastOp>(loc, op.getType(), out);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void bertc::populateONNXReductionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<ReducePattern<onnx::ReduceSumOp, Combine::Add>,
           ReducePattern<onnx::ReduceMeanOp, Combine::Add, ReduceKind::Mean>,
           ReducePattern<onnx::ReduceMaxOp, Combine::Max>,
           ReducePattern<onnx::ReduceMinOp, Combine::Min>,
           ReducePattern<onnx::ReduceProdOp, Combine::Mul>,
           ReducePattern<onnx::ReduceL2Op, Combine::Add, ReduceKind::L2>,
           ArgMaxPattern, SoftmaxPattern, LayerNormPattern>(
          patterns.getContext());
}
