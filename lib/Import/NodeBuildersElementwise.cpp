//===- NodeBuildersElementwise.cpp - Elementwise node builders ------------===//
//
// The op table's builders for elementwise ONNX nodes: the binary and unary
// ops (one onnx.<OpType> each), variadic Max/Min, Dropout, Cast, Gelu,
// Clip and Mod.
//
//===----------------------------------------------------------------------===//
#include "NodeBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace bertc::importer {

/// Elementwise ops: one onnx.<OpType> of the same name.
LogicalResult buildBinary(NodeImporter &n) { return buildPlain<2>(n); }
LogicalResult buildUnary(NodeImporter &n) { return buildPlain<1>(n); }

/// Variadic Max/Min: a chain of binary ops (one input: Identity).
LogicalResult buildVariadicMinMax(NodeImporter &n) {
  if (failed(n.needInputs(1, 64)))
    return failure();
  std::string opName = ("onnx." + n.opType()).str();
  Value acc = n.in[0];
  if (n.in.size() == 1)
    return n.emit("onnx.Identity", {acc});
  for (size_t i = 1; i < n.in.size(); ++i) {
    if (failed(n.emit(opName, {acc, n.in[i]})))
      return failure();
    acc = n.results[0];
  }
  return success();
}

/// Dropout at inference: identity (the optional mask output is not
/// supported).
LogicalResult buildDropout(NodeImporter &n) {
  if (failed(n.needInputs(1, 3)))
    return failure();
  return n.emit("onnx.Identity", {n.in[0]});
}

LogicalResult buildCast(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto to = n.intAttr("to", -1);
  if (failed(to))
    return failure();
  if (*to < 0)
    return n.error() << "missing attribute 'to'";
  auto elt = n.tensors.elementType(*to, n.loc);
  if (failed(elt))
    return failure();
  return n.emit("onnx.Cast", {n.in[0]}, {n.named("to", TypeAttr::get(*elt))});
}

LogicalResult buildGelu(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto approximate = n.stringAttr("approximate", "none");
  if (failed(approximate))
    return failure();
  return n.emit("onnx.Gelu", {n.in[0]},
                {n.named("approximate", n.b.getStringAttr(*approximate))});
}

namespace {

/// onnx.Clip of the input and the bounds that are present.
LogicalResult emitClip(NodeImporter &n, Value x, Value lo, Value hi) {
  SmallVector<Value> ops{x};
  if (lo)
    ops.push_back(lo);
  if (hi)
    ops.push_back(hi);
  return n.emit(
      "onnx.Clip", ops,
      {n.named("operandSegmentSizes",
               n.b.getDenseI32ArrayAttr({1, lo ? 1 : 0, hi ? 1 : 0}))});
}

} // namespace

/// Clip from opset 11: `min`/`max` are optional inputs.
LogicalResult buildClipWithInputs(NodeImporter &n) {
  if (failed(n.needInputs(1, 3)))
    return failure();
  return emitClip(n, n.in[0], n.input(1), n.input(2));
}

LogicalResult buildMod(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto fmod = n.intAttr("fmod", 0);
  if (failed(fmod))
    return failure();
  return n.emit("onnx.Mod", n.in, {n.named("fmod", n.i64(*fmod))});
}

} // namespace bertc::importer
