//===- ONNXOpsNN.cpp - Linear algebra and normalisation ops ---------------===//
//
// Result-type inference and verifiers of MatMul, Gemm, Conv, Softmax,
// LayerNormalization and ArgMax.
//
//===----------------------------------------------------------------------===//
#include "ONNXOpsCommon.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace bertc::onnx;

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto a = ranked(adaptor.getLhs().getType());
  auto b = ranked(adaptor.getRhs().getType());
  if (a.getRank() == 0 || b.getRank() == 0)
    return fail(loc, "MatMul operands must have rank >= 1");
  if (a.getElementType() != b.getElementType())
    return fail(loc, "MatMul operand element types differ");
  SmallVector<int64_t> as(a.getShape()), bs(b.getShape());
  bool vecA = as.size() == 1, vecB = bs.size() == 1;
  if (vecA)
    as.insert(as.begin(), 1);
  if (vecB)
    bs.push_back(1);
  int64_t ka = as.back(), kb = bs[bs.size() - 2];
  if (ka != kDyn && kb != kDyn && ka != kb)
    return fail(loc, "MatMul contraction sizes differ: " + Twine(ka) + " vs " +
                         Twine(kb));
  auto batch = broadcastShapes(ArrayRef(as).drop_back(2),
                               ArrayRef(bs).drop_back(2));
  if (failed(batch))
    return fail(loc, "MatMul batch dimensions are not broadcast-compatible");
  SmallVector<int64_t> out(*batch);
  if (!vecA)
    out.push_back(as[as.size() - 2]);
  if (!vecB)
    out.push_back(bs.back());
  types.push_back(tensorOf(out, a.getElementType()));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto a = ranked(adaptor.getA().getType());
  auto b = ranked(adaptor.getB().getType());
  if (a.getRank() != 2 || b.getRank() != 2)
    return fail(loc, "Gemm operands must be 2-D");
  int64_t m = adaptor.getTransA() ? a.getDimSize(1) : a.getDimSize(0);
  int64_t n = adaptor.getTransB() ? b.getDimSize(0) : b.getDimSize(1);
  types.push_back(tensorOf({m, n}, a.getElementType()));
  return success();
}

LogicalResult GemmOp::verify() {
  auto a = getA().getType(), b = getB().getType();
  int64_t ka = getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t kb = getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  if (ka != kDyn && kb != kDyn && ka != kb)
    return emitOpError("contraction sizes differ: ") << ka << " vs " << kb;
  if (getC()) {
    auto c = cast<RankedTensorType>(getC().getType());
    if (c.getRank() > 2 ||
        failed(broadcastShapes(c.getShape(), getType().getShape())))
      return emitOpError("C is not unidirectionally broadcastable to the "
                         "result");
  }
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto x = ranked(adaptor.getX().getType());
  auto w = ranked(adaptor.getW().getType());
  int64_t spatial = x.getRank() - 2;
  if (spatial < 1 || w.getRank() != x.getRank())
    return fail(loc, "Conv expects X and W of equal rank >= 3");
  auto ks = adaptor.getKernelShape(), st = adaptor.getStrides(),
       pads = adaptor.getPads(), dil = adaptor.getDilations();
  if ((int64_t)ks.size() != spatial || (int64_t)st.size() != spatial ||
      (int64_t)dil.size() != spatial || (int64_t)pads.size() != 2 * spatial)
    return fail(loc, "Conv attribute sizes do not match the spatial rank");
  SmallVector<int64_t> out{x.getDimSize(0), w.getDimSize(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = x.getDimSize(2 + i);
    if (in == kDyn) {
      out.push_back(kDyn);
      continue;
    }
    // Attribute values come from the model file: checked arithmetic.
    if (ks[i] < 1 || st[i] < 1 || dil[i] < 1 || pads[i] < 0 ||
        pads[i + spatial] < 0)
      return fail(loc, "Conv kernel_shape, strides and dilations must be "
                       "positive and pads non-negative");
    int64_t eff, padded, o;
    if (__builtin_mul_overflow(dil[i], ks[i] - 1, &eff) ||
        __builtin_add_overflow(eff, 1, &eff) ||
        __builtin_add_overflow(in, pads[i], &padded) ||
        __builtin_add_overflow(padded, pads[i + spatial], &padded))
      return fail(loc, "Conv output size overflows int64");
    if (padded < eff)
      return fail(loc, "Conv kernel (" + Twine(eff) +
                           " with dilation) is larger than the padded input (" +
                           Twine(padded) + ")");
    o = (padded - eff) / st[i] + 1;
    out.push_back(o);
  }
  types.push_back(tensorOf(out, x.getElementType()));
  return success();
}

LogicalResult ConvOp::verify() {
  auto x = getX().getType(), w = getW().getType();
  int64_t spatial = x.getRank() - 2;
  for (int64_t i = 0; i < spatial; ++i)
    if (w.getDimSize(2 + i) != kDyn && w.getDimSize(2 + i) != getKernelShape()[i])
      return emitOpError("kernel_shape does not match W");
  for (int64_t s : getStrides())
    if (s <= 0)
      return emitOpError("strides must be positive");
  int64_t c = x.getDimSize(1), wc = w.getDimSize(1);
  if (c != kDyn && wc != kDyn && c != wc * getGroup())
    return emitOpError("input channels ")
           << c << " do not match W's " << wc << " x group " << getGroup();
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is not in [0, " << rank << ")";
  return success();
}

LogicalResult LayerNormalizationOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getX().getType());
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  auto x = getX().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= x.getRank())
    return emitOpError("axis ") << axis << " is not in [0, " << x.getRank()
                                << ")";
  ArrayRef<int64_t> normShape = x.getShape().drop_front(axis);
  for (Value v : {getScale(), getBias()}) {
    if (!v)
      continue;
    auto t = cast<RankedTensorType>(v.getType());
    if (failed(broadcastShapes(t.getShape(), normShape)) ||
        t.getRank() > (int64_t)normShape.size())
      return emitOpError("scale/bias shape ")
             << t << " does not broadcast to the normalised shape";
  }
  if (getEpsilon().convertToFloat() < 0)
    return emitOpError("epsilon must be non-negative");
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto t = ranked(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= t.getRank())
    return fail(loc, "ArgMax axis " + Twine(axis) + " is not in [0, " +
                         Twine(t.getRank()) + ")");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (i != axis)
      shape.push_back(t.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  types.push_back(tensorOf(shape, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ArgMaxOp::verify() {
  auto t = getInput().getType();
  Type elt = t.getElementType();
  if (!isa<FloatType>(elt) && !elt.isSignlessInteger())
    return emitOpError("expects float or signless integer input, got ") << elt;
  if (getAxis() >= 0 && getAxis() < t.getRank() && t.getDimSize(getAxis()) == 0)
    return emitOpError("axis ") << getAxis() << " has size 0";
  return success();
}
