//===- ONNXOpsElementwise.cpp - Elementwise onnx ops ----------------------===//
//
// Result-type inference and verifiers of the elementwise ops with their own
// rules: Where, IsNaN, Gelu, Clip, Mod, Cast. (The binary and unary ops
// share inferBroadcastOpType/verifyBroadcastOp, in ONNXOps.cpp.)
//
//===----------------------------------------------------------------------===//
#include "ONNXOpsCommon.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace bertc::onnx;

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto c = ranked(adaptor.getCondition().getType());
  auto x = ranked(adaptor.getX().getType());
  auto y = ranked(adaptor.getY().getType());
  auto xy = broadcastShapes(x.getShape(), y.getShape());
  if (failed(xy))
    return fail(loc, "X and Y are not broadcast-compatible");
  auto all = broadcastShapes(c.getShape(), *xy);
  if (failed(all))
    return fail(loc, "condition is not broadcast-compatible with X and Y");
  types.push_back(tensorOf(*all, x.getElementType()));
  return success();
}

LogicalResult WhereOp::verify() {
  if (getElementTypeOrSelf(getX().getType()) !=
      getElementTypeOrSelf(getY().getType()))
    return emitOpError("X and Y element types differ");
  return success();
}

LogicalResult IsNaNOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  types.push_back(tensorOf(ranked(adaptor.getInput().getType()).getShape(),
                           IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult GeluOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << getApproximate() << "\"";
  return success();
}

LogicalResult ClipOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult ClipOp::verify() {
  Type elt = getElementTypeOrSelf(getInput().getType());
  for (auto [name, v] : {std::pair<StringRef, Value>{"min", getMin()},
                         std::pair<StringRef, Value>{"max", getMax()}}) {
    if (!v)
      continue;
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getElementType() != elt)
      return emitOpError() << name << " has element type " << t.getElementType()
                           << ", the input " << elt;
    if (t.getRank() > 1 || (t.getRank() == 1 && t.getDimSize(0) != 1))
      return emitOpError() << name
                           << " must be a single element (rank 0, or rank 1 "
                              "of size 1), got "
                           << t;
  }
  return success();
}

LogicalResult ModOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  return inferBroadcastOpType(ctx, loc, adaptor.getLhs().getType(),
                              adaptor.getRhs().getType(), false, types);
}

LogicalResult ModOp::verify() {
  if (failed(verifyBroadcastOp(*this, false)))
    return failure();
  Type elt = getElementTypeOrSelf(getLhs().getType());
  if (getFmod() != 0 && getFmod() != 1)
    return emitOpError("fmod must be 0 or 1");
  if (isa<FloatType>(elt) && getFmod() != 1)
    return emitOpError("floating-point Mod needs fmod = 1");
  if (!isa<FloatType>(elt) && !elt.isSignlessInteger())
    return emitOpError("expects float or signless integer operands, got ")
           << elt;
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  types.push_back(tensorOf(ranked(adaptor.getInput().getType()).getShape(),
                           adaptor.getTo()));
  return success();
}
