//===- DataMovementTriluCumSum.cpp - Trilu and CumSum to linalg -----------===//
//
// The position-dependent ops: Trilu (a triangle of the last two axes) and
// CumSum (prefix sums along one axis), each to one linalg.generic that uses
// linalg.index.
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

/// Trilu: keep x[..., i, j] where j - i >= k (upper) or j - i <= k (lower).
struct TriluPattern : OpConversionPattern<onnx::TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto rt = op.getType();
    int64_t rank = rt.getRank();
    Value k = adaptor.getK() ? extractIndex(rewriter, loc, adaptor.getK(), 0)
                             : cIdx(rewriter, loc, 0);
    bool upper = op.getUpper() != 0;
    Type elt = rt.getElementType();
    Value r = buildElementwise(
        rewriter, loc, rt, getDims(rewriter, loc, in), ValueRange{in},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value i = b.create<linalg::IndexOp>(l, rank - 2);
          Value j = b.create<linalg::IndexOp>(l, rank - 1);
          Value diff = b.create<arith::SubIOp>(l, j, i);
          Value keep = b.create<arith::CmpIOp>(
              l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
              diff, k);
          return b.create<arith::SelectOp>(l, keep, a[0],
                                           scalarConstant(b, l, elt, 0.0));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// CumSum along `axis`: out[.., j, ..] = sum over k of x[.., k, ..] where
/// k <= j (k < j exclusive; k >= j / k > j reversed), as one linalg.generic
/// with the summed position as an extra reduction dimension. Quadratic in
/// the axis length, which is a sequence (RoBERTa position ids).
struct CumSumPattern : OpConversionPattern<onnx::CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto rt = op.getType();
    int64_t rank = rt.getRank(), axis = op.getAxis();
    Type elt = rt.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Value init = rewriter.create<tensor::EmptyOp>(loc, getDims(rewriter, loc, in), elt);
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    Value filled = rewriter.create<linalg::FillOp>(loc, zero, init).getResult(0);
    // Dims: the output's (0..rank-1) and the summed position k (rank).
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(getAffineDimExpr(d, ctx));
      inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    }
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rt}, ValueRange{in}, ValueRange{filled}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value j = b.create<linalg::IndexOp>(l, axis);
          Value k = b.create<linalg::IndexOp>(l, rank);
          arith::CmpIPredicate pred =
              reverse ? (exclusive ? arith::CmpIPredicate::sgt
                                   : arith::CmpIPredicate::sge)
                      : (exclusive ? arith::CmpIPredicate::slt
                                   : arith::CmpIPredicate::sle);
          Value take = b.create<arith::CmpIOp>(l, pred, k, j);
          Value zeroV = scalarConstant(b, l, elt, 0.0);
          Value term = b.create<arith::SelectOp>(l, take, args[0], zeroV);
          Value sum = isa<FloatType>(elt)
                          ? b.create<arith::AddFOp>(l, args[1], term).getResult()
                          : b.create<arith::AddIOp>(l, args[1], term).getResult();
          b.create<linalg::YieldOp>(l, sum);
        });
    Value r = generic.getResult(0);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void bertc::lowering::populateDataMovementTriluCumSumPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TriluPattern, CumSumPattern>(patterns.getContext());
}
