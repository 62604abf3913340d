//===- DataMovementSlice.cpp - Concat, Slice, Split to tensor -------------===//
//
// Concat to tensor.insert_slice into one tensor.empty; Slice (positive
// steps) and Split to tensor.extract_slice.
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

struct ConcatPattern : OpConversionPattern<onnx::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    auto rt = op.getType();
    auto inputs = adaptor.getInputs();
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, inputs[0]);
    Value total = cIdx(rewriter, loc, 0);
    for (Value v : inputs)
      total = rewriter.createOrFold<arith::AddIOp>(
          loc, total, toValue(rewriter, loc, getDims(rewriter, loc, v)[axis]));
    dims[axis] = total;
    // Static result dims beat operand-derived ones.
    for (int64_t d = 0; d < rt.getRank(); ++d)
      if (!rt.isDynamicDim(d))
        dims[d] = rewriter.getIndexAttr(rt.getDimSize(d));
    Value result =
        rewriter.create<tensor::EmptyOp>(loc, dims, rt.getElementType());
    Value offset = cIdx(rewriter, loc, 0);
    for (Value v : inputs) {
      auto vDims = getDims(rewriter, loc, v);
      SmallVector<OpFoldResult> offsets(rt.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> strides(rt.getRank(), rewriter.getIndexAttr(1));
      result = rewriter.create<tensor::InsertSliceOp>(loc, v, result, offsets,
                                                      vDims, strides);
      offset = rewriter.createOrFold<arith::AddIOp>(
          loc, offset, toValue(rewriter, loc, vDims[axis]));
    }
    if (result.getType() != rt)
      result = rewriter.create<tensor::CastOp>(loc, rt, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SlicePattern : OpConversionPattern<onnx::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData();
    auto t = cast<RankedTensorType>(data.getType());
    auto axes = onnx::getConstantIntValues(op.getAxes());
    auto steps = onnx::getConstantIntValues(op.getSteps());
    if (!axes || !steps)
      return rewriter.notifyMatchFailure(op, "axes and steps must be constant");
    auto knownStarts = onnx::getKnownIntValues(op.getStarts());
    auto knownEnds = onnx::getKnownIntValues(op.getEnds());
    auto dims = getDims(rewriter, loc, data);
    SmallVector<OpFoldResult> offsets(t.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes(dims);
    SmallVector<OpFoldResult> strides(t.getRank(), rewriter.getIndexAttr(1));
    for (auto [i, a] : llvm::enumerate(*axes)) {
      int64_t axis = a < 0 ? a + t.getRank() : a;
      int64_t step = (*steps)[i];
      if (step <= 0)
        return op.emitOpError("slices with a step <= 0 are not supported yet");
      Value dim = toValue(rewriter, loc, dims[axis]);
      auto read = [&](Value tensor, const std::optional<SmallVector<int64_t>> &k) {
        if (k && (*k)[i] != onnx::kUnknownValue) {
          // INT64_MAX-style "to the end" values: clamp before index math.
          int64_t v = std::clamp<int64_t>((*k)[i], -(int64_t(1) << 62),
                                          int64_t(1) << 62);
          return cIdx(rewriter, loc, v);
        }
        return extractIndex(rewriter, loc, tensor, i);
      };
      auto normalize = [&](Value v) {
        Value zero = cIdx(rewriter, loc, 0);
        Value isNeg = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::slt, v, zero);
        Value plus = rewriter.create<arith::AddIOp>(loc, v, dim);
        v = rewriter.create<arith::SelectOp>(loc, isNeg, plus, v);
        return clampIdx(rewriter, loc, v, zero, dim);
      };
      Value start = normalize(read(adaptor.getStarts(), knownStarts));
      Value end = normalize(read(adaptor.getEnds(), knownEnds));
      // size = max(0, ceil((end - start) / step))
      Value diff = rewriter.create<arith::SubIOp>(loc, end, start);
      diff = rewriter.create<arith::MaxSIOp>(loc, diff, cIdx(rewriter, loc, 0));
      Value size = rewriter.create<arith::CeilDivSIOp>(loc, diff,
                                                       cIdx(rewriter, loc, step));
      offsets[axis] = start;
      sizes[axis] = size;
      strides[axis] = rewriter.getIndexAttr(step);
    }
    // Static result dims are known to be right: use them for a static type.
    auto rt = op.getType();
    for (int64_t d = 0; d < rt.getRank(); ++d)
      if (!rt.isDynamicDim(d))
        sizes[d] = rewriter.getIndexAttr(rt.getDimSize(d));
    Value r = rewriter.create<tensor::ExtractSliceOp>(loc, data, offsets, sizes,
                                                      strides);
    if (r.getType() != rt)
      r = rewriter.create<tensor::CastOp>(loc, rt, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct SplitPattern : OpConversionPattern<onnx::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value in = adaptor.getInput();
    int64_t axis = op.getAxis();
    auto dims = getDims(rewriter, loc, in);
    int64_t n = op.getNumResults();
    Value axisSize = toValue(rewriter, loc, dims[axis]);
    // Equal pieces: ceil(size / n), the last one takes the rest.
    Value piece = rewriter.create<arith::CeilDivSIOp>(loc, axisSize,
                                                      cIdx(rewriter, loc, n));
    SmallVector<Value> results;
    Value offset = cIdx(rewriter, loc, 0);
    for (int64_t i = 0; i < n; ++i) {
      Value size;
      if (auto split = op.getSplit())
        size = cIdx(rewriter, loc, (*split)[i]);
      else if (i == n - 1)
        size = rewriter.create<arith::SubIOp>(loc, axisSize, offset);
      else
        size = piece;
      auto rt = cast<RankedTensorType>(op.getResult(i).getType());
      SmallVector<OpFoldResult> offsets(rt.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes(dims);
      SmallVector<OpFoldResult> strides(rt.getRank(), rewriter.getIndexAttr(1));
      offsets[axis] = offset;
      sizes[axis] = size;
      for (int64_t d = 0; d < rt.getRank(); ++d)
        if (!rt.isDynamicDim(d))
          sizes[d] = rewriter.getIndexAttr(rt.getDimSize(d));
      Value r = rewriter.create<tensor::ExtractSliceOp>(loc, in, offsets, sizes,
                                                        strides);
      if (r.getType() != rt)
        r = rewriter.create<tensor::CastOp>(loc, rt, r);
      results.push_back(r);
      offset = rewriter.create<arith::AddIOp>(loc, offset, size);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void bertc::lowering::populateDataMovementSlicePatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConcatPattern, SlicePattern, SplitPattern>(
      patterns.getContext());
}
