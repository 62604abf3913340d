//===- Common.cpp - Helpers shared by the onnx-to-linalg patterns ---------===//
#include "Common.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

namespace bertc::lowering {

SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

/// Whether buildElementwise reads operand dim `od` of type `t` with the
/// result's loop index (false: broadcast, read at index 0).
static bool readsAlongResultDim(RankedTensorType t, int64_t od,
                                RankedTensorType resultType, int64_t d) {
  return !(t.getDimSize(od) == 1 && resultType.getDimSize(d) != 1);
}

SmallVector<OpFoldResult> getBroadcastDims(OpBuilder &b, Location loc,
                                           RankedTensorType resultType,
                                           ValueRange operands) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> dims;
  ModuleOp module = enclosingModule(b);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = resultType.getDimSize(d);
    // Every operand read along this dim must have the result's size. Where
    // that is known only at run time, check it (an error naming the node,
    // as ONNX Runtime gives, ending the run) rather than read out of bounds.
    Value ref = ShapedType::isDynamic(size)
                    ? Value()
                    : b.create<arith::ConstantIndexOp>(loc, size).getResult();
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t od = d - (rank - t.getRank());
      if (od < 0 || !readsAlongResultDim(t, od, resultType, d))
        continue;
      if (!ShapedType::isDynamic(size) && !t.isDynamicDim(od))
        continue;
      Value dim = b.createOrFold<tensor::DimOp>(loc, v, od);
      if (ref)
        emitDimEqualCheck(b, loc, module, ref, dim, d);
      else
        ref = dim;
    }
    if (!ShapedType::isDynamic(size))
      dims.push_back(b.getIndexAttr(size));
    else if (!ref) // Every operand has a static 1 here.
      dims.push_back(b.getIndexAttr(1));
    else
      dims.push_back(ref);
  }
  return dims;
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ArrayRef<OpFoldResult> dims, ValueRange operands,
                       ScalarBodyFn body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t od = 0; od < t.getRank(); ++od) {
      int64_t d = od + (rank - t.getRank());
      exprs.push_back(readsAlongResultDim(t, od, resultType, d)
                          ? getAffineDimExpr(d, ctx)
                          : getAffineConstantExpr(0, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = b.create<tensor::EmptyOp>(loc, dims, resultType.getElementType());
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc, r);
      });
  Value result = generic.getResult(0);
  if (result.getType() != resultType)
    result = b.create<tensor::CastOp>(loc, resultType, result);
  return result;
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, ScalarBodyFn body) {
  return buildElementwise(b, loc, resultType,
                          getBroadcastDims(b, loc, resultType, operands),
                          operands, body);
}

Value toValue(OpBuilder &b, Location loc, OpFoldResult ofr) {
  return getValueOrCreateConstantIndexOp(b, loc, ofr);
}

Value product(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims) {
  Value p = b.create<arith::ConstantIndexOp>(loc, 1);
  for (OpFoldResult d : dims)
    p = b.createOrFold<arith::MulIOp>(loc, p, toValue(b, loc, d));
  return p;
}

Value reshapeTo(OpBuilder &b, Location loc, Value src,
                RankedTensorType resultType, ArrayRef<OpFoldResult> dims) {
  auto srcType = cast<RankedTensorType>(src.getType());
  if (srcType == resultType && resultType.hasStaticShape())
    return src;
  // A rank-0 result has no shape operand to speak of: extract and rebuild.
  if (resultType.getRank() == 0) {
    SmallVector<Value> zeros(srcType.getRank(),
                             b.create<arith::ConstantIndexOp>(loc, 0));
    Value scalar = b.create<tensor::ExtractOp>(loc, src, zeros);
    return b.create<tensor::FromElementsOp>(loc, resultType, scalar);
  }
  SmallVector<Value> sizes;
  for (OpFoldResult d : dims)
    sizes.push_back(toValue(b, loc, d));
  Value shape = b.create<tensor::FromElementsOp>(
      loc, RankedTensorType::get({(int64_t)sizes.size()}, b.getIndexType()),
      sizes);
  // tensor.reshape wants the result's static dims to be consistent with a
  // dynamic source, which they are by construction.
  return b.create<tensor::ReshapeOp>(loc, resultType, src, shape);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto ft = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(ft, value));
  if (type.isIndex())
    return b.create<arith::ConstantIndexOp>(loc, (int64_t)value);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, (int64_t)value));
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromF = dyn_cast<FloatType>(from);
  auto toF = dyn_cast<FloatType>(to);
  if (fromF && toF) {
    if (fromF.getWidth() < toF.getWidth())
      return b.create<arith::ExtFOp>(loc, to, v);
    return b.create<arith::TruncFOp>(loc, to, v);
  }
  if (fromF) {
    if (to.isInteger(1))
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                     scalarConstant(b, loc, from, 0.0));
    return b.create<arith::FPToSIOp>(loc, to, v);
  }
  if (from.isInteger(1)) {
    if (toF)
      return b.create<arith::UIToFPOp>(loc, to, v);
    return b.create<arith::ExtUIOp>(loc, to, v);
  }
  if (toF)
    return b.create<arith::SIToFPOp>(loc, to, v);
  if (to.isInteger(1))
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v,
                                   scalarConstant(b, loc, from, 0));
  if (to.isIndex() || from.isIndex())
    return b.create<arith::IndexCastOp>(loc, to, v);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return b.create<arith::ExtSIOp>(loc, to, v);
  return b.create<arith::TruncIOp>(loc, to, v);
}

Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  auto t = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> idx;
  if (t.getRank() == 1)
    idx.push_back(b.create<arith::ConstantIndexOp>(loc, i));
  else
    for (int64_t d = 0; d < t.getRank(); ++d)
      idx.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
  Value v = b.create<tensor::ExtractOp>(loc, tensor, idx);
  return castScalar(b, loc, v, b.getIndexType());
}

} // namespace bertc::lowering
