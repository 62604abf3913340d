//===- DataMovement.cpp - Reshapes, slices, gathers to tensor/linalg ------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

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

/// Clamps v to [lo, hi].
Value clampIdx(OpBuilder &b, Location loc, Value v, Value lo, Value hi) {
  return b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, v, lo), hi);
}

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

void bertc::populateONNXDataMovementToTensorPatterns(RewritePatternSet &patterns) {
  patterns.add<CumSumPattern>(patterns.getContext());
  patterns
      .add<ReshapePattern, ShapeOnlyReshape<onnx::UnsqueezeOp>,
           ShapeOnlyReshape<onnx::SqueezeOp>, ShapeOnlyReshape<onnx::FlattenOp>,
           TransposePattern, ConcatPattern, SlicePattern, SplitPattern,
           GatherPattern, GatherNDPattern, GatherElementsPattern, TilePattern,
           ExpandPattern, TriluPattern>(patterns.getContext());
}
