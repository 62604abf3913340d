//===- DataMovementBroadcast.cpp - Tile and Expand to linalg --------------===//
//
// The ops that replicate their input: Tile (repeats) and Expand
// (broadcasting to a shape), each to one linalg.generic that reads the
// input with tensor.extract.
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

/// Tile: out[i] = in[i mod in.shape] over out.shape = in.shape * repeats.
/// Repeats known at compile time are used as constants; others are read at
/// run time (a negative repeat counts as 0).
struct TilePattern : OpConversionPattern<onnx::TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto inType = cast<RankedTensorType>(in.getType());
    auto rt = op.getType();
    int64_t rank = rt.getRank();
    auto inDims = getDims(rewriter, loc, in);
    auto known = onnx::getKnownIntValues(op.getRepeats());
    SmallVector<OpFoldResult> outDims;
    for (int64_t d = 0; d < rank; ++d) {
      if (!rt.isDynamicDim(d)) {
        outDims.push_back(rewriter.getIndexAttr(rt.getDimSize(d)));
        continue;
      }
      int64_t kv = known ? (*known)[d] : onnx::kUnknownValue;
      Value rep =
          kv != onnx::kUnknownValue
              ? cIdx(rewriter, loc, std::max<int64_t>(kv, 0))
              : rewriter.create<arith::MaxSIOp>(
                    loc, extractIndex(rewriter, loc, adaptor.getRepeats(), d),
                    cIdx(rewriter, loc, 0));
      // in * repeats with checked arithmetic: a wrapped size would be a
      // small buffer for a huge result.
      Value overflow;
      Value outDim = checkedProduct(
          rewriter, loc, {toValue(rewriter, loc, inDims[d]), rep}, overflow);
      emitSizeOverflowCheck(rewriter, loc, enclosingModule(rewriter),
                            overflow);
      outDims.push_back(outDim);
    }
    Value init =
        rewriter.create<tensor::EmptyOp>(loc, outDims, rt.getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            Value idx = b.create<linalg::IndexOp>(l, d);
            bool once = known && (*known)[d] == 1;
            if (inType.getDimSize(d) == 1)
              coords.push_back(b.create<arith::ConstantIndexOp>(l, 0));
            else if (once)
              coords.push_back(idx);
            else
              coords.push_back(
                  b.create<arith::RemUIOp>(l, idx, toValue(b, l, inDims[d])));
          }
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, in, coords).getResult());
        });
    Value res = generic.getResult(0);
    if (res.getType() != rt)
      res = rewriter.create<tensor::CastOp>(loc, rt, res);
    rewriter.replaceOp(op, res);
    return success();
  }
};

/// Expand: broadcast to max(input dim, requested dim) per dim, deciding at
/// run time for dims whose input size is not known statically.
struct ExpandPattern : OpConversionPattern<onnx::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    auto inType = cast<RankedTensorType>(in.getType());
    auto rt = op.getType();
    int64_t rank = rt.getRank(), inRank = inType.getRank();
    auto inDims = getDims(rewriter, loc, in);
    auto known = onnx::getKnownIntValues(op.getShape());
    int64_t shapeLen = cast<RankedTensorType>(op.getShape().getType()).getDimSize(0);
    SmallVector<OpFoldResult> outDims;
    for (int64_t d = 0; d < rank; ++d) {
      if (!rt.isDynamicDim(d)) {
        outDims.push_back(rewriter.getIndexAttr(rt.getDimSize(d)));
        continue;
      }
      int64_t sd = d - (rank - shapeLen), id = d - (rank - inRank);
      Value req;
      if (sd >= 0) {
        int64_t kv = known ? (*known)[sd] : onnx::kUnknownValue;
        req = kv != onnx::kUnknownValue
                  ? cIdx(rewriter, loc, kv)
                  : extractIndex(rewriter, loc, adaptor.getShape(), sd);
      } else {
        req = cIdx(rewriter, loc, 1);
      }
      if (id < 0) {
        outDims.push_back(req);
        continue;
      }
      Value inD = toValue(rewriter, loc, inDims[id]);
      Value inIsOne = rewriter.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::eq, inD, cIdx(rewriter, loc, 1));
      outDims.push_back(
          rewriter.create<arith::SelectOp>(loc, inIsOne, req, inD).getResult());
    }
    Value init =
        rewriter.create<tensor::EmptyOp>(loc, outDims, rt.getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t od = 0; od < inRank; ++od) {
            int64_t d = od + rank - inRank;
            int64_t s = inType.getDimSize(od);
            if (s == 1) {
              coords.push_back(b.create<arith::ConstantIndexOp>(l, 0));
              continue;
            }
            Value idx = b.create<linalg::IndexOp>(l, d);
            if (ShapedType::isDynamic(s)) {
              Value inD = toValue(b, l, inDims[od]);
              Value one = b.create<arith::ConstantIndexOp>(l, 1);
              Value isOne =
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, inD, one);
              idx = b.create<arith::SelectOp>(
                  l, isOne, b.create<arith::ConstantIndexOp>(l, 0), idx);
            }
            coords.push_back(idx);
          }
          b.create<linalg::YieldOp>(l,
                                    b.create<tensor::ExtractOp>(l, in, coords)
                                        .getResult());
        });
    Value r = generic.getResult(0);
    if (r.getType() != rt)
      r = rewriter.create<tensor::CastOp>(loc, rt, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void bertc::lowering::populateDataMovementBroadcastPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TilePattern, ExpandPattern>(patterns.getContext());
}
