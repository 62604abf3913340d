//===- NodeBuildersNN.cpp - Linear algebra and normalisation builders -----===//
//
// The op table's builders for Gemm, Conv, Softmax (both forms),
// LayerNormalization, the Reduce* ops and ArgMax.
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

LogicalResult buildGemm(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto alpha = n.floatAttr("alpha", 1.0f);
  auto beta = n.floatAttr("beta", 1.0f);
  auto ta = n.intAttr("transA", 0), tb = n.intAttr("transB", 0);
  if (failed(alpha) || failed(beta) || failed(ta) || failed(tb))
    return failure();
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value c = n.input(2))
    ops.push_back(c);
  return n.emit("onnx.Gemm", ops,
                {n.named("alpha", n.b.getF32FloatAttr(*alpha)),
                 n.named("beta", n.b.getF32FloatAttr(*beta)),
                 n.named("transA", n.i64(*ta != 0)),
                 n.named("transB", n.i64(*tb != 0))});
}

LogicalResult buildConv(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto wType = cast<RankedTensorType>(n.in[1].getType());
  int64_t spatial = wType.getRank() - 2;
  if (spatial < 1)
    return n.error() << "weight must have rank >= 3";
  const AttributeProto *autoPad = n.attr("auto_pad");
  if (autoPad && autoPad->s() != "NOTSET" && autoPad->s() != "VALID")
    return n.error() << "auto_pad '" << printableName(autoPad->s())
                     << "' is not supported (use explicit pads)";
  auto ks = n.intsAttr("kernel_shape"), st = n.intsAttr("strides"),
       pads = n.intsAttr("pads"), dil = n.intsAttr("dilations");
  auto group = n.intAttr("group", 1);
  if (failed(ks) || failed(st) || failed(pads) || failed(dil) || failed(group))
    return failure();
  auto wSpatial = wType.getShape().drop_front(2);
  std::vector<int64_t> kernel =
      ks->value_or(std::vector<int64_t>(wSpatial.begin(), wSpatial.end()));
  std::vector<int64_t> strides = st->value_or(std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> padv =
      pads->value_or(std::vector<int64_t>(2 * spatial, 0));
  std::vector<int64_t> dils = dil->value_or(std::vector<int64_t>(spatial, 1));
  if ((int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
      (int64_t)padv.size() != 2 * spatial || (int64_t)dils.size() != spatial)
    return n.error() << "kernel_shape/strides/pads/dilations do not match "
                        "the weight rank";
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value bias = n.input(2))
    ops.push_back(bias);
  return n.emit("onnx.Conv", ops,
                {n.named("kernel_shape", n.b.getDenseI64ArrayAttr(kernel)),
                 n.named("strides", n.b.getDenseI64ArrayAttr(strides)),
                 n.named("pads", n.b.getDenseI64ArrayAttr(padv)),
                 n.named("dilations", n.b.getDenseI64ArrayAttr(dils)),
                 n.named("group", n.i64(*group))});
}

/// Softmax from opset 13: over one axis (default -1).
LogicalResult buildSoftmax(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto axis = n.intAttr("axis", -1);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Softmax", {n.in[0]}, {n.named("axis", n.i64(*norm))});
}

/// Softmax before opset 13 normalizes the input coerced to 2-D at `axis`
/// (default 1): Flatten(axis) -> Softmax over the last axis -> Reshape back.
LogicalResult buildSoftmaxCoerced2D(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto axis = n.intAttr("axis", 1);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, rank);
  if (failed(norm))
    return failure();
  if (*norm == rank - 1)
    return n.emit("onnx.Softmax", {n.in[0]}, {n.named("axis", n.i64(*norm))});
  auto flat =
      n.create("onnx.Flatten", {n.in[0]}, {n.named("axis", n.i64(*norm))});
  if (failed(flat))
    return failure();
  auto sm = n.create("onnx.Softmax", {(*flat)->getResult(0)},
                     {n.named("axis", n.i64(1))});
  auto shape =
      n.create("onnx.Shape", {n.in[0]},
               {n.named("start", n.i64(0)), n.named("end", n.i64(rank))});
  if (failed(sm) || failed(shape))
    return failure();
  return n.emit("onnx.Reshape", {(*sm)->getResult(0), (*shape)->getResult(0)},
                {n.named("allowzero", n.i64(0))});
}

LogicalResult buildLayerNormalization(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto axis = n.intAttr("axis", -1);
  auto eps = n.floatAttr("epsilon", 1e-5f);
  if (failed(axis) || failed(eps))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value bias = n.input(2))
    ops.push_back(bias);
  return n.emit("onnx.LayerNormalization", ops,
                {n.named("axis", n.i64(*norm)),
                 n.named("epsilon", n.b.getF32FloatAttr(*eps))});
}

/// Reduce*: `axes` as an attribute (axesAsInput false) or as an optional
/// constant input. Empty axes reduce everything unless noop_with_empty_axes
/// (opset 18 / ReduceSum 13), which makes the op an Identity.
template <bool axesAsInput> LogicalResult buildReduce(NodeImporter &n) {
  if (failed(n.needInputs(1, axesAsInput ? 2 : 1)))
    return failure();
  std::vector<int64_t> axes;
  if (axesAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      axes = *c;
    }
  } else {
    auto a = n.intsAttr("axes");
    if (failed(a))
      return failure();
    axes = a->value_or(std::vector<int64_t>());
  }
  auto keep = n.intAttr("keepdims", 1);
  auto noop = n.intAttr("noop_with_empty_axes", 0);
  if (failed(keep) || failed(noop))
    return failure();
  if (axes.empty() && *noop)
    return n.emit("onnx.Identity", {n.in[0]});
  int64_t rank = n.rankOf(n.in[0]);
  for (int64_t &a : axes) {
    auto norm = n.normAxis(a, rank);
    if (failed(norm))
      return failure();
    a = *norm;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return n.emit(("onnx." + n.opType()).str(), {n.in[0]},
                {n.named("axes", n.b.getDenseI64ArrayAttr(axes)),
                 n.named("keepdims", n.i64(*keep != 0))});
}

template LogicalResult buildReduce<false>(NodeImporter &);
template LogicalResult buildReduce<true>(NodeImporter &);

/// ArgMax; select_last_index exists from opset 12 (first index before).
template <bool hasSelectLastIndex> LogicalResult buildArgMax(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  auto keep = n.intAttr("keepdims", 1);
  FailureOr<int64_t> last = 0;
  if (hasSelectLastIndex)
    last = n.intAttr("select_last_index", 0);
  if (failed(axis) || failed(keep) || failed(last))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.ArgMax", {n.in[0]},
                {n.named("axis", n.i64(*norm)),
                 n.named("keepdims", n.i64(*keep != 0)),
                 n.named("select_last_index", n.i64(*last != 0))});
}

template LogicalResult buildArgMax<false>(NodeImporter &);
template LogicalResult buildArgMax<true>(NodeImporter &);

} // namespace bertc::importer
