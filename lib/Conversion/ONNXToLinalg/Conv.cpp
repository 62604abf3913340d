//===- Conv.cpp - onnx.Conv to linalg -------------------------------------===//
//
// ViT patch embeddings are convolutions whose stride equals the kernel size,
// without padding: each output pixel reads its own patch. Those become one
// GEMM over reshaped/transposed patches (what the kernels are fast at). Other
// 2-D convolutions use linalg.conv_2d_nchw_fchw.
//
//===----------------------------------------------------------------------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

Value transposeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto dims = getDims(b, loc, v);
  SmallVector<OpFoldResult> out;
  for (int64_t p : perm)
    out.push_back(dims[p]);
  Value init = b.create<tensor::EmptyOp>(
      loc, out, cast<RankedTensorType>(v.getType()).getElementType());
  return b.create<linalg::TransposeOp>(loc, v, init, perm)->getResult(0);
}

struct ConvPattern : OpConversionPattern<onnx::ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xt = op.getX().getType();
    auto wt = op.getW().getType();
    auto rt = op.getType();
    Type elt = rt.getElementType();
    if (xt.getRank() != 4)
      return op.emitOpError("only 2-D convolutions (NCHW) are supported, got rank ")
             << xt.getRank();
    if (op.getGroup() != 1)
      return op.emitOpError("grouped convolutions are not supported yet");
    if (!wt.hasStaticShape())
      return op.emitOpError("the weight must have a static shape");
    auto ks = op.getKernelShape(), st = op.getStrides(), pads = op.getPads(),
         dil = op.getDilations();
    Value x = adaptor.getX(), w = adaptor.getW();
    int64_t f = wt.getDimSize(0), c = wt.getDimSize(1);
    bool patchwise = ks[0] == st[0] && ks[1] == st[1] && dil[0] == 1 &&
                     dil[1] == 1 && llvm::all_of(pads, [](int64_t p) {
                       return p == 0;
                     });
    Value result;
    auto xDims = getDims(rewriter, loc, x);
    if (patchwise) {
      int64_t ph = ks[0], pw = ks[1];
      Value n = toValue(rewriter, loc, xDims[0]);
      auto div = [&](OpFoldResult d, int64_t k) {
        return rewriter.createOrFold<arith::DivSIOp>(
            loc, toValue(rewriter, loc, d),
            rewriter.create<arith::ConstantIndexOp>(loc, k));
      };
      Value gh = div(xDims[2], ph), gw = div(xDims[3], pw);
      int64_t ghS = rt.getDimSize(2), gwS = rt.getDimSize(3);
      // Crop to whole patches (ONNX floors the output size).
      auto cropped = rewriter.create<tensor::ExtractSliceOp>(
          loc, x,
          SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0)),
          SmallVector<OpFoldResult>{
              xDims[0], xDims[1],
              rewriter.createOrFold<arith::MulIOp>(
                  loc, gh, rewriter.create<arith::ConstantIndexOp>(loc, ph)),
              rewriter.createOrFold<arith::MulIOp>(
                  loc, gw, rewriter.create<arith::ConstantIndexOp>(loc, pw))},
          SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
      // [N, C, GH, ph, GW, pw] -> [N, GH, GW, C, ph, pw] -> [N*GH*GW, C*ph*pw]
      Value x6 = reshapeTo(
          rewriter, loc, cropped,
          RankedTensorType::get({xt.getDimSize(0), c, ghS, ph, gwS, pw}, elt),
          {n, rewriter.getIndexAttr(c), gh, rewriter.getIndexAttr(ph), gw,
           rewriter.getIndexAttr(pw)});
      Value xp = transposeTo(rewriter, loc, x6, {0, 2, 4, 1, 3, 5});
      Value rows = rewriter.createOrFold<arith::MulIOp>(
          loc, n, rewriter.createOrFold<arith::MulIOp>(loc, gh, gw));
      int64_t k = c * ph * pw;
      Value a = reshapeTo(rewriter, loc, xp,
                          RankedTensorType::get({ShapedType::kDynamic, k}, elt),
                          {rows, rewriter.getIndexAttr(k)});
      // W [F, C, ph, pw] -> [F, K]; multiply by its transpose.
      Value w2 = reshapeTo(rewriter, loc, w, RankedTensorType::get({f, k}, elt),
                           {rewriter.getIndexAttr(f), rewriter.getIndexAttr(k)});
      Value empty = rewriter.create<tensor::EmptyOp>(
          loc, SmallVector<OpFoldResult>{rows, rewriter.getIndexAttr(f)}, elt);
      Value zero = scalarConstant(rewriter, loc, elt, 0.0);
      Value init = rewriter.create<linalg::FillOp>(loc, zero, empty).getResult(0);
      Value mm = rewriter
                     .create<linalg::MatmulTransposeBOp>(
                         loc, init.getType(), ValueRange{a, w2}, init)
                     .getResult(0);
      if (Value bias = adaptor.getB()) {
        auto mmType = cast<RankedTensorType>(mm.getType());
        mm = buildElementwise(rewriter, loc, mmType, getDims(rewriter, loc, mm),
                              ValueRange{mm, bias},
                              [](OpBuilder &b, Location l, ValueRange v) {
                                return b.create<arith::AddFOp>(l, v[0], v[1])
                                    .getResult();
                              });
      }
      // [N*GH*GW, F] -> [N, GH, GW, F] -> [N, F, GH, GW]
      Value m4 = reshapeTo(rewriter, loc, mm,
                           RankedTensorType::get({xt.getDimSize(0), ghS, gwS, f},
                                                 elt),
                           {n, gh, gw, rewriter.getIndexAttr(f)});
      result = transposeTo(rewriter, loc, m4, {0, 3, 1, 2});
    } else {
      if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
        return op.emitOpError("padded convolutions are not supported yet");
      SmallVector<OpFoldResult> outDims{xDims[0], rewriter.getIndexAttr(f)};
      for (int64_t i = 0; i < 2; ++i) {
        // (in - dil*(k-1) - 1) / stride + 1
        Value in = toValue(rewriter, loc, xDims[2 + i]);
        Value sub = rewriter.create<arith::ConstantIndexOp>(loc, dil[i] * (ks[i] - 1) + 1);
        Value d = rewriter.create<arith::SubIOp>(loc, in, sub);
        d = rewriter.create<arith::DivSIOp>(
            loc, d, rewriter.create<arith::ConstantIndexOp>(loc, st[i]));
        outDims.push_back(rewriter.createOrFold<arith::AddIOp>(
            loc, d, rewriter.create<arith::ConstantIndexOp>(loc, 1)));
      }
      Value empty = rewriter.create<tensor::EmptyOp>(loc, outDims, elt);
      Value zero = scalarConstant(rewriter, loc, elt, 0.0);
      Value init = rewriter.create<linalg::FillOp>(loc, zero, empty).getResult(0);
      result = rewriter
                   .create<linalg::Conv2DNchwFchwOp>(
                       loc, init.getType(), ValueRange{x, w}, ValueRange{init},
                       rewriter.getI64TensorAttr(st),
                       rewriter.getI64TensorAttr(dil))
                   .getResult(0);
      if (Value bias = adaptor.getB()) {
        // Bias [F] broadcasts along dim 1.
        auto t = cast<RankedTensorType>(result.getType());
        Value b4 = reshapeTo(rewriter, loc, bias,
                             RankedTensorType::get({1, f, 1, 1}, elt),
                             {rewriter.getIndexAttr(1), rewriter.getIndexAttr(f),
                              rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)});
        result = buildElementwise(rewriter, loc, t, getDims(rewriter, loc, result),
                                  ValueRange{result, b4},
                                  [](OpBuilder &b, Location l, ValueRange v) {
                                    return b.create<arith::AddFOp>(l, v[0], v[1])
                                        .getResult();
                                  });
      }
    }
    if (result.getType() != rt)
      result = rewriter.create<tensor::CastOp>(loc, rt, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void bertc::populateONNXConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvPattern>(patterns.getContext());
}
