//===- NodeBuildersShape.cpp - Constant and shape node builders -----------===//
//
// The op table's builders for Constant, ConstantOfShape, Shape, Reshape,
// Transpose, Squeeze/Unsqueeze (both forms) and Flatten.
//
//===----------------------------------------------------------------------===//
#include "NodeBuilders.h"

#include "bertc/Import/ONNXImporter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;

namespace bertc::importer {

using AttributeProto = ::onnx::AttributeProto;
using TensorProto = ::onnx::TensorProto;

LogicalResult buildConstant(NodeImporter &n) {
  if (n.node.attribute_size() != 1)
    return n.error() << "expects exactly one value attribute";
  const AttributeProto &a = n.node.attribute(0);
  OpBuilder &b = n.b;
  ElementsAttr value;
  if (a.name() == "value" && a.type() == AttributeProto::TENSOR) {
    TensorProto t = a.t();
    auto v = n.tensors.tensorAttr(t, n.loc, &n.node, a.name());
    if (failed(v))
      return failure();
    value = *v;
  } else if (a.name() == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   a.f());
  } else if (a.name() == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getF32Type()),
        ArrayRef<float>(v));
  } else if (a.name() == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   (int64_t)a.i());
  } else if (a.name() == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getI64Type()),
        ArrayRef<int64_t>(v));
  } else {
    return n.error() << "attribute '" << printableName(a.name())
                     << "' is not supported (sparse and string constants)";
  }
  return n.emit("onnx.Constant", {}, {n.named("value", value)});
}

LogicalResult buildConstantOfShape(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  ElementsAttr value = DenseElementsAttr::get(
      RankedTensorType::get({1}, n.b.getF32Type()), 0.0f);
  if (const AttributeProto *a = n.attr("value")) {
    if (a->type() != AttributeProto::TENSOR)
      return n.error() << "attribute 'value' must be a tensor";
    TensorProto t = a->t();
    auto v = n.tensors.tensorAttr(t, n.loc, &n.node, "value");
    if (failed(v))
      return failure();
    if (v->getNumElements() != 1)
      return n.error() << "'value' must hold exactly one element";
    value = *v;
  }
  return n.emit("onnx.ConstantOfShape", {n.in[0]}, {n.named("value", value)});
}

/// Shape; `start`/`end` (opset 15) are clamped as the spec says (absent
/// before 15, which reads as the whole shape).
LogicalResult buildShape(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  if (failed(start) || failed(end))
    return failure();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t s0 = clampAxis(*start), e0 = std::max(s0, clampAxis(*end));
  return n.emit("onnx.Shape", {n.in[0]},
                {n.named("start", n.i64(s0)), n.named("end", n.i64(e0))});
}

LogicalResult buildReshape(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto allowzero = n.intAttr("allowzero", 0);
  if (failed(allowzero))
    return failure();
  return n.emit("onnx.Reshape", n.in,
                {n.named("allowzero", n.i64(*allowzero))});
}

LogicalResult buildTranspose(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto perm = n.intsAttr("perm");
  if (failed(perm))
    return failure();
  std::vector<int64_t> p;
  if (*perm) {
    p = **perm;
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      p.push_back(i);
  }
  if ((int64_t)p.size() != rank)
    return n.error() << "perm has " << p.size() << " entries for rank " << rank;
  for (int64_t &x : p) {
    auto norm = n.normAxis(x, rank);
    if (failed(norm))
      return failure();
    x = *norm;
  }
  return n.emit("onnx.Transpose", {n.in[0]},
                {n.named("perm", n.b.getDenseI64ArrayAttr(p))});
}

/// Unsqueeze/Squeeze with `axes` as an attribute (before opset 13) or as an
/// optional constant input (13 on).
template <bool axesAsInput>
LogicalResult buildSqueezeOrUnsqueeze(NodeImporter &n) {
  bool unsq = n.opType() == "Unsqueeze";
  if (failed(n.needInputs(1, axesAsInput ? 2 : 1)))
    return failure();
  std::vector<int64_t> axes;
  bool haveAxes = true;
  if (axesAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      axes = *c;
    } else {
      haveAxes = false;
    }
  } else {
    auto a = n.intsAttr("axes");
    if (failed(a))
      return failure();
    haveAxes = a->has_value();
    axes = a->value_or(std::vector<int64_t>());
  }
  int64_t rank = n.rankOf(n.in[0]);
  if (unsq && !haveAxes)
    return n.error() << "missing axes";
  if (!unsq && !haveAxes) {
    // Squeeze every dimension of size 1: they must be known.
    auto t = cast<RankedTensorType>(n.in[0].getType());
    for (int64_t i = 0; i < rank; ++i) {
      if (t.isDynamicDim(i))
        return n.error() << "Squeeze without axes needs a static shape, got "
                         << t;
      if (t.getDimSize(i) == 1)
        axes.push_back(i);
    }
  }
  int64_t outRank = unsq ? rank + (int64_t)axes.size() : rank;
  for (int64_t &a : axes) {
    auto norm = n.normAxis(a, outRank);
    if (failed(norm))
      return failure();
    a = *norm;
  }
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return n.error() << "repeated axis";
  return n.emit(unsq ? "onnx.Unsqueeze" : "onnx.Squeeze", {n.in[0]},
                {n.named("axes", n.b.getDenseI64ArrayAttr(axes))});
}

template LogicalResult buildSqueezeOrUnsqueeze<false>(NodeImporter &);
template LogicalResult buildSqueezeOrUnsqueeze<true>(NodeImporter &);

LogicalResult buildFlatten(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto axis = n.intAttr("axis", 1);
  if (failed(axis))
    return failure();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a > rank)
    return n.error() << "axis " << *axis << " is out of range for rank "
                     << rank;
  return n.emit("onnx.Flatten", {n.in[0]}, {n.named("axis", n.i64(a))});
}

} // namespace bertc::importer
