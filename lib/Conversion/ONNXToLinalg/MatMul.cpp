//===- MatMul.cpp - onnx.MatMul and onnx.Gemm to linalg matmuls -----------===//
//
// Everything becomes a 2-D `linalg.matmul` (when the right operand is a
// matrix shared by the whole batch, the batch folds into M) or a 3-D
// `linalg.batch_matmul` (batch dims broadcast and collapsed). Those are what
// the CPU GEMM kernels implement.
//
//===----------------------------------------------------------------------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

int64_t staticProduct(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    p *= d;
  }
  return p;
}

Value zeroFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                 Type elt) {
  Value empty = b.create<tensor::EmptyOp>(loc, dims, elt);
  Value zero = scalarConstant(b, loc, elt, 0.0);
  return b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
}

/// Broadcasts `v` ([batch..., r, c]) to the batch dims `batch` (same rank).
Value broadcastBatch(OpBuilder &b, Location loc, Value v,
                     ArrayRef<int64_t> batchShape,
                     ArrayRef<OpFoldResult> batchDims) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t nb = batchShape.size();
  SmallVector<int64_t> shape(batchShape);
  shape.push_back(t.getDimSize(t.getRank() - 2));
  shape.push_back(t.getDimSize(t.getRank() - 1));
  bool same = t.getRank() == nb + 2;
  for (int64_t i = 0; same && i < nb; ++i)
    same = t.getDimSize(i) == batchShape[i] ||
           (t.getDimSize(i) != 1 && ShapedType::isDynamic(batchShape[i]));
  if (same)
    return v;
  auto resultType = RankedTensorType::get(shape, t.getElementType());
  SmallVector<OpFoldResult> dims(batchDims);
  auto inner = getDims(b, loc, v);
  dims.push_back(inner[inner.size() - 2]);
  dims.push_back(inner.back());
  return buildElementwise(b, loc, resultType, dims, ValueRange{v},
                          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

struct MatMulPattern : OpConversionPattern<onnx::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value a = adaptor.getLhs(), b = adaptor.getRhs();
    auto at = cast<RankedTensorType>(a.getType());
    auto bt = cast<RankedTensorType>(b.getType());
    auto rt = op.getType();
    Type elt = rt.getElementType();
    auto resultDims = getDims(rewriter, loc, a); // placeholder, recomputed

    // Promote vectors to matrices as numpy does.
    if (at.getRank() == 1) {
      auto d = getDims(rewriter, loc, a);
      a = reshapeTo(rewriter, loc, a,
                    RankedTensorType::get({1, at.getDimSize(0)}, elt),
                    {rewriter.getIndexAttr(1), d[0]});
      at = cast<RankedTensorType>(a.getType());
    }
    if (bt.getRank() == 1) {
      auto d = getDims(rewriter, loc, b);
      b = reshapeTo(rewriter, loc, b,
                    RankedTensorType::get({bt.getDimSize(0), 1}, elt),
                    {d[0], rewriter.getIndexAttr(1)});
      bt = cast<RankedTensorType>(b.getType());
    }
    auto aDims = getDims(rewriter, loc, a);
    auto bDims = getDims(rewriter, loc, b);
    OpFoldResult m = aDims[at.getRank() - 2], k = aDims.back(),
                 n = bDims.back();
    int64_t mS = at.getDimSize(at.getRank() - 2), kS = at.getDimSize(at.getRank() - 1),
            nS = bt.getDimSize(bt.getRank() - 1);
    Value product;
    if (bt.getRank() == 2) {
      // [batch..., M, K] x [K, N]: fold the batch into M.
      SmallVector<OpFoldResult> lead(aDims.begin(), aDims.end() - 1);
      Value rows = lowering::product(rewriter, loc, lead);
      int64_t rowsS = staticProduct(at.getShape().drop_back());
      Value a2 = reshapeTo(rewriter, loc, a,
                           RankedTensorType::get({rowsS, kS}, elt),
                           {rows, k});
      Value init = zeroFilled(rewriter, loc, {rows, n}, elt);
      product = rewriter
                    .create<linalg::MatmulOp>(loc, init.getType(),
                                              ValueRange{a2, b}, init)
                    .getResult(0);
      SmallVector<OpFoldResult> outDims(lead);
      outDims.push_back(n);
      // Drop the promoted dims again.
      product = reshapeTo(rewriter, loc, product, rt,
                          resultShapeDims(rewriter, loc, op, outDims));
    } else {
      // Batched: broadcast batch dims, collapse them to one.
      auto batchShape = rt.getShape().drop_back(
          (op.getLhs().getType().getRank() > 1) + (op.getRhs().getType().getRank() > 1));
      int64_t nb = std::max(at.getRank(), bt.getRank()) - 2;
      SmallVector<int64_t> bshape;
      SmallVector<OpFoldResult> bdims;
      for (int64_t i = 0; i < nb; ++i) {
        int64_t ai = i - (nb - (at.getRank() - 2));
        int64_t bi = i - (nb - (bt.getRank() - 2));
        int64_t as = ai >= 0 ? at.getDimSize(ai) : 1;
        int64_t bs = bi >= 0 ? bt.getDimSize(bi) : 1;
        if (as != 1 && ai >= 0) {
          bshape.push_back(as);
          bdims.push_back(aDims[ai]);
        } else if (bi >= 0) {
          bshape.push_back(bs);
          bdims.push_back(bDims[bi]);
        } else {
          bshape.push_back(1);
          bdims.push_back(rewriter.getIndexAttr(1));
        }
      }
      (void)batchShape;
      Value a3 = broadcastBatch(rewriter, loc, a, bshape, bdims);
      Value b3 = broadcastBatch(rewriter, loc, b, bshape, bdims);
      Value batch = lowering::product(rewriter, loc, bdims);
      int64_t batchS = staticProduct(bshape);
      a3 = reshapeTo(rewriter, loc, a3, RankedTensorType::get({batchS, mS, kS}, elt),
                     {batch, m, k});
      b3 = reshapeTo(rewriter, loc, b3,
                     RankedTensorType::get({batchS, kS, nS}, elt),
                     {batch, k, n});
      Value init = zeroFilled(rewriter, loc, {batch, m, n}, elt);
      product = rewriter
                    .create<linalg::BatchMatmulOp>(loc, init.getType(),
                                                   ValueRange{a3, b3}, init)
                    .getResult(0);
      SmallVector<OpFoldResult> outDims(bdims);
      outDims.push_back(m);
      outDims.push_back(n);
      product = reshapeTo(rewriter, loc, product, rt,
                          resultShapeDims(rewriter, loc, op, outDims));
    }
    (void)resultDims;
    rewriter.replaceOp(op, product);
    return success();
  }

  /// Result dims of the onnx op from the promoted [.., M, N] dims: the
  /// promoted unit dims of vector operands are removed.
  static SmallVector<OpFoldResult> resultShapeDims(OpBuilder &b, Location loc,
                                                   onnx::MatMulOp op,
                                                   ArrayRef<OpFoldResult> dims) {
    SmallVector<OpFoldResult> out(dims);
    bool vecA = op.getLhs().getType().getRank() == 1;
    bool vecB = op.getRhs().getType().getRank() == 1;
    if (vecB)
      out.pop_back();
    if (vecA)
      out.erase(out.end() - (vecB ? 1 : 2));
    return out;
  }
};

struct GemmPattern : OpConversionPattern<onnx::GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rt = op.getType();
    Type elt = rt.getElementType();
    Value a = adaptor.getA(), b = adaptor.getB();
    auto transpose2d = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      auto d = getDims(rewriter, loc, v);
      Value init = rewriter.create<tensor::EmptyOp>(
          loc, SmallVector<OpFoldResult>{d[1], d[0]}, elt);
      return rewriter
          .create<linalg::TransposeOp>(loc, v, init, ArrayRef<int64_t>{1, 0})
          ->getResult(0);
      (void)t;
    };
    if (op.getTransA())
      a = transpose2d(a);
    auto aDims = getDims(rewriter, loc, a);
    auto bDims = getDims(rewriter, loc, b);
    OpFoldResult n = op.getTransB() ? bDims[0] : bDims[1];
    Value init = zeroFilled(rewriter, loc, {aDims[0], n}, elt);
    Value product;
    if (op.getTransB())
      product = rewriter
                    .create<linalg::MatmulTransposeBOp>(loc, init.getType(),
                                                        ValueRange{a, b}, init)
                    .getResult(0);
    else
      product = rewriter
                    .create<linalg::MatmulOp>(loc, init.getType(),
                                              ValueRange{a, b}, init)
                    .getResult(0);
    float alpha = op.getAlpha().convertToFloat();
    float beta = op.getBeta().convertToFloat();
    Value c = adaptor.getC();
    if (alpha != 1.0f || (c && beta != 0.0f)) {
      SmallVector<Value> operands{product};
      if (c && beta != 0.0f)
        operands.push_back(c);
      auto productType = cast<RankedTensorType>(product.getType());
      product = buildElementwise(
          rewriter, loc, productType, getDims(rewriter, loc, product), operands,
          [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
            Value r = v[0];
            if (alpha != 1.0f)
              r = nb.create<arith::MulFOp>(l, r, scalarConstant(nb, l, elt, alpha));
            if (v.size() > 1) {
              Value cv = v[1];
              if (beta != 1.0f)
                cv = nb.create<arith::MulFOp>(l, cv,
                                              scalarConstant(nb, l, elt, beta));
              r = nb.create<arith::AddFOp>(l, r, cv);
            }
            return r;
          });
    }
    if (product.getType() != rt)
      product = rewriter.create<tensor::CastOp>(loc, rt, product);
    rewriter.replaceOp(op, product);
    return success();
  }
};

} // namespace

void bertc::populateONNXMatMulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulPattern, GemmPattern>(patterns.getContext());
}
