//===- DataMovementGather.cpp - The gather family to linalg ---------------===//
//
// Gather, GatherND and GatherElements to linalg.generic with tensor.extract.
// Every gathered index is normalised (negative from the end), checked at
// run time (an index out of range ends the run with an error naming the
// node) and clamped, so that the read is in bounds regardless.
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

/// Gather: out[pre..., idx..., post...] = data[pre..., indices[idx...],
/// post...]. Indices are normalised (negative from the end); an index out of
/// range reports a run-time error naming the node, which ends the run (the
/// index is also clamped, so the read is in bounds regardless).
struct GatherPattern : OpConversionPattern<onnx::GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dt = cast<RankedTensorType>(data.getType());
    auto it = cast<RankedTensorType>(indices.getType());
    int64_t axis = op.getAxis();
    auto rt = op.getType();
    auto dDims = getDims(rewriter, loc, data);
    auto iDims = getDims(rewriter, loc, indices);
    SmallVector<OpFoldResult> outDims(dDims.begin(), dDims.begin() + axis);
    llvm::append_range(outDims, iDims);
    outDims.append(dDims.begin() + axis + 1, dDims.end());
    int64_t rank = rt.getRank(), ir = it.getRank();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t d = 0; d < ir; ++d)
      idxExprs.push_back(getAffineDimExpr(axis + d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idxExprs, ctx),
                                rewriter.getMultiDimIdentityMap(rank)};
    Value init = rewriter.create<tensor::EmptyOp>(loc, outDims,
                                                  rt.getElementType());
    Value axisSize = toValue(rewriter, loc, dDims[axis]);
    auto module = op->getParentOfType<ModuleOp>();
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()}, ValueRange{indices}, ValueRange{init},
        maps, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          Value id = castScalar(b, l, args[0], b.getIndexType());
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value isNeg =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, id, zero);
          id = b.create<arith::SelectOp>(
              l, isNeg, b.create<arith::AddIOp>(l, id, axisSize), id);
          // Out-of-range ids are a run-time error naming the node, which
          // ends the run; the clamp keeps the read in bounds regardless.
          Value inRange = b.create<arith::AndIOp>(
              l,
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, id, zero),
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, id,
                                      axisSize));
          emitIndexCheck(b, l, module, inRange,
                         castScalar(b, l, args[0], b.getIndexType()), axisSize);
          Value last = b.create<arith::SubIOp>(
              l, axisSize, b.create<arith::ConstantIndexOp>(l, 1));
          id = clampIdx(b, l, id, zero, last);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d));
          coords.push_back(id);
          for (int64_t d = axis + 1; d < dt.getRank(); ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d - 1 + ir));
          Value v = b.create<tensor::ExtractOp>(l, data, coords);
          b.create<linalg::YieldOp>(l, v);
        });
    Value r = generic.getResult(0);
    if (r.getType() != rt)
      r = rewriter.create<tensor::CastOp>(loc, rt, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Normalizes a gathered index against `size` (negative from the end),
/// reports an index out of range as a run-time error naming the node (which
/// ends the run), and clamps it so that the read is in bounds regardless.
/// `raw` is the index as read, of any integer type.
Value checkedIndex(OpBuilder &b, Location l, ModuleOp module, Value raw,
                   Value size) {
  Value orig = castScalar(b, l, raw, b.getIndexType());
  Value zero = b.create<arith::ConstantIndexOp>(l, 0);
  Value isNeg =
      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, orig, zero);
  Value id = b.create<arith::SelectOp>(
      l, isNeg, b.create<arith::AddIOp>(l, orig, size), orig);
  Value inRange = b.create<arith::AndIOp>(
      l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, id, zero),
      b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, id, size));
  emitIndexCheck(b, l, module, inRange, orig, size);
  Value last =
      b.create<arith::SubIOp>(l, size, b.create<arith::ConstantIndexOp>(l, 1));
  return clampIdx(b, l, id, zero, last);
}

/// GatherND: out[i..., j...] = data[i[:b]..., indices[i..., :]..., j...]
/// for the first b = batch_dims dims of i shared by data and indices. Each
/// of the k index components is checked like Gather's index. Dynamic batch
/// dims of data and indices must agree (checked at run time).
struct GatherNDPattern : OpConversionPattern<onnx::GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dt = cast<RankedTensorType>(data.getType());
    auto it = cast<RankedTensorType>(indices.getType());
    auto rt = op.getType();
    int64_t bdims = op.getBatchDims(), q = it.getRank(), r = dt.getRank();
    int64_t k = it.getDimSize(q - 1);
    auto dDims = getDims(rewriter, loc, data);
    auto iDims = getDims(rewriter, loc, indices);
    auto module = enclosingModule(rewriter);
    SmallVector<OpFoldResult> outDims;
    for (int64_t d = 0; d < q - 1; ++d) {
      if (d < bdims && (dt.isDynamicDim(d) || it.isDynamicDim(d)))
        emitDimEqualCheck(rewriter, loc, module,
                          toValue(rewriter, loc, dDims[d]),
                          toValue(rewriter, loc, iDims[d]), d);
      outDims.push_back(d < bdims && !dt.isDynamicDim(d) ? dDims[d] : iDims[d]);
    }
    outDims.append(dDims.begin() + bdims + k, dDims.end());
    for (int64_t d = 0; d < rt.getRank(); ++d)
      if (!rt.isDynamicDim(d))
        outDims[d] = rewriter.getIndexAttr(rt.getDimSize(d));
    SmallVector<Value> sizes;
    for (int64_t j = 0; j < k; ++j)
      sizes.push_back(toValue(rewriter, loc, dDims[bdims + j]));
    int64_t rank = rt.getRank();
    Value init =
        rewriter.create<tensor::EmptyOp>(loc, outDims, rt.getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> tuple, coords;
          for (int64_t d = 0; d < q - 1; ++d)
            tuple.push_back(b.create<linalg::IndexOp>(l, d));
          for (int64_t d = 0; d < bdims; ++d)
            coords.push_back(tuple[d]);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(tuple);
            at.push_back(b.create<arith::ConstantIndexOp>(l, j));
            Value raw = b.create<tensor::ExtractOp>(l, indices, at);
            coords.push_back(checkedIndex(b, l, module, raw, sizes[j]));
          }
          for (int64_t d = bdims + k; d < r; ++d)
            coords.push_back(
                b.create<linalg::IndexOp>(l, q - 1 + d - bdims - k));
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
        });
    Value res = generic.getResult(0);
    if (res.getType() != rt)
      res = rewriter.create<tensor::CastOp>(loc, rt, res);
    rewriter.replaceOp(op, res);
    return success();
  }
};

/// GatherElements: out[i] = data[i with indices[i] on axis], the index
/// checked like Gather's. Along the other axes indices may not be larger
/// than data: where that is known only at run time, it is checked there (a
/// run-time index error on the last position along that axis).
struct GatherElementsPattern : OpConversionPattern<onnx::GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dt = cast<RankedTensorType>(data.getType());
    auto it = cast<RankedTensorType>(indices.getType());
    auto rt = op.getType();
    int64_t rank = rt.getRank(), axis = op.getAxis();
    auto dDims = getDims(rewriter, loc, data);
    auto iDims = getDims(rewriter, loc, indices);
    auto module = enclosingModule(rewriter);
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis || (!dt.isDynamicDim(d) && !it.isDynamicDim(d)))
        continue;
      Value iSize = toValue(rewriter, loc, iDims[d]);
      Value dSize = toValue(rewriter, loc, dDims[d]);
      Value fits = rewriter.create<arith::CmpIOp>(
          loc, arith::CmpIPredicate::sle, iSize, dSize);
      Value lastPos =
          rewriter.create<arith::SubIOp>(loc, iSize, cIdx(rewriter, loc, 1));
      emitIndexCheck(rewriter, loc, module, fits, lastPos, dSize);
    }
    Value axisSize = toValue(rewriter, loc, dDims[axis]);
    Value init =
        rewriter.create<tensor::EmptyOp>(loc, iDims, rt.getElementType());
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()}, ValueRange{indices}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                               rewriter.getMultiDimIdentityMap(rank)},
        iters, [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis
                                 ? checkedIndex(b, l, module, a[0], axisSize)
                                 : b.create<linalg::IndexOp>(l, d).getResult());
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
        });
    Value res = generic.getResult(0);
    if (res.getType() != rt)
      res = rewriter.create<tensor::CastOp>(loc, rt, res);
    rewriter.replaceOp(op, res);
    return success();
  }
};

} // namespace

void bertc::lowering::populateDataMovementGatherPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherPattern, GatherNDPattern,
               GatherElementsPattern>(patterns.getContext());
}
