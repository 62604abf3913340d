//===- NodeBuildersDataMovement.cpp - Data-movement node builders ---------===//
//
// The op table's builders for Concat, Slice, Split (both forms), Gather,
// GatherND, GatherElements, CumSum and Trilu.
//
//===----------------------------------------------------------------------===//
#include "NodeBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

using namespace mlir;

namespace bertc::importer {

LogicalResult buildConcat(NodeImporter &n) {
  if (failed(n.needInputs(1, 1 << 20)))
    return failure();
  // `axis` is required (no default) at every opset.
  if (!n.attr("axis"))
    return n.error() << "missing required attribute 'axis'";
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Concat", n.in, {n.named("axis", n.i64(*norm))});
}

/// Slice with starts/ends/axes/steps as inputs (opset 10 on); the default
/// axes and steps are materialized.
LogicalResult buildSlice(NodeImporter &n) {
  if (failed(n.needInputs(3, 5)))
    return failure();
  auto startsType = cast<RankedTensorType>(n.in[1].getType());
  if (startsType.getRank() != 1)
    return n.error() << "starts must be 1-D, got " << startsType;
  int64_t len = startsType.getDimSize(0);
  if (ShapedType::isDynamic(len))
    return n.error() << "starts must have a static length";
  SmallVector<Value> ops{n.in[0], n.in[1], n.in[2]};
  if (Value axes = n.input(3)) {
    ops.push_back(axes);
  } else {
    std::vector<int64_t> all(len);
    for (int64_t i = 0; i < len; ++i)
      all[i] = i;
    ops.push_back(n.i64Constant(all));
  }
  if (Value steps = n.input(4))
    ops.push_back(steps);
  else
    ops.push_back(n.i64Constant(std::vector<int64_t>(len, 1)));
  return n.emit("onnx.Slice", ops);
}

/// Split with `split` as an attribute (before 13) or an optional constant
/// input (13 on); without sizes, equal pieces (num_outputs from 18, else
/// one per output), the last one smaller.
template <bool splitAsInput> LogicalResult buildSplit(NodeImporter &n) {
  if (failed(n.needInputs(1, splitAsInput ? 2 : 1)))
    return failure();
  auto axisAttr = n.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  auto t = cast<RankedTensorType>(n.in[0].getType());
  auto axis = n.normAxis(*axisAttr, t.getRank());
  if (failed(axis))
    return failure();
  int64_t numOutputs = n.node.output_size();
  std::optional<std::vector<int64_t>> split;
  if (splitAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      split = *c;
    }
  } else {
    auto a = n.intsAttr("split");
    if (failed(a))
      return failure();
    split = *a;
  }
  if (n.attr("num_outputs")) {
    auto no = n.intAttr("num_outputs", 0);
    if (failed(no))
      return failure();
    if (*no != numOutputs)
      return n.error() << "num_outputs is " << *no << " but the node has "
                       << numOutputs << " outputs";
  }
  if (numOutputs < 1)
    return n.error() << "Split needs at least one output";
  int64_t dim = t.getDimSize(*axis);
  if (split) {
    int64_t sum = 0;
    for (int64_t v : *split)
      if (v < 0 || __builtin_add_overflow(sum, v, &sum))
        return n.error() << "split sizes must be >= 0 (and sum to the axis)";
    if (!ShapedType::isDynamic(dim) && sum != dim)
      return n.error() << "split sizes sum to " << sum << ", not to the size "
                       << dim << " of axis " << *axis;
  }
  if (!split && !ShapedType::isDynamic(dim)) {
    int64_t piece = (dim + numOutputs - 1) / numOutputs;
    split.emplace();
    for (int64_t i = 0, left = dim; i < numOutputs; ++i, left -= piece)
      split->push_back(std::max<int64_t>(0, std::min(piece, left)));
  }
  if (split && (int64_t)split->size() != numOutputs)
    return n.error() << "split has " << split->size() << " entries for "
                     << numOutputs << " outputs";
  SmallVector<Type> types;
  for (int64_t i = 0; i < numOutputs; ++i) {
    SmallVector<int64_t> shape(t.getShape());
    shape[*axis] = split ? (*split)[i] : ShapedType::kDynamic;
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  SmallVector<NamedAttribute> attrs{n.named("axis", n.i64(*axis))};
  if (split)
    attrs.push_back(n.named("split", n.b.getDenseI64ArrayAttr(*split)));
  auto op = n.createWithTypes("onnx.Split", {n.in[0]}, attrs, types);
  if (failed(op))
    return failure();
  n.results.assign((*op)->result_begin(), (*op)->result_end());
  return success();
}

template LogicalResult buildSplit<false>(NodeImporter &);
template LogicalResult buildSplit<true>(NodeImporter &);

LogicalResult buildGather(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Gather", n.in, {n.named("axis", n.i64(*norm))});
}

/// CumSum: the axis input must be constant; it becomes an attribute.
LogicalResult buildCumSum(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axes = n.constantInts(1);
  if (failed(axes))
    return failure();
  if (axes->size() != 1)
    return n.error() << "axis must be a single constant";
  auto norm = n.normAxis((*axes)[0], n.rankOf(n.in[0]));
  auto exclusive = n.intAttr("exclusive", 0);
  auto reverse = n.intAttr("reverse", 0);
  if (failed(norm) || failed(exclusive) || failed(reverse))
    return failure();
  return n.emit("onnx.CumSum", {n.in[0]},
                {n.named("axis", n.i64(*norm)),
                 n.named("exclusive", n.i64(*exclusive != 0)),
                 n.named("reverse", n.i64(*reverse != 0))});
}

LogicalResult buildTrilu(NodeImporter &n) {
  if (failed(n.needInputs(1, 2)))
    return failure();
  auto upper = n.intAttr("upper", 1);
  if (failed(upper))
    return failure();
  SmallVector<Value> ops{n.in[0]};
  if (Value k = n.input(1))
    ops.push_back(k);
  return n.emit("onnx.Trilu", ops, {n.named("upper", n.i64(*upper != 0))});
}

LogicalResult buildGatherND(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto batchDims = n.intAttr("batch_dims", 0); // opset 12; absent before
  if (failed(batchDims))
    return failure();
  return n.emit("onnx.GatherND", n.in,
                {n.named("batch_dims", n.i64(*batchDims))});
}

LogicalResult buildGatherElements(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.GatherElements", n.in, {n.named("axis", n.i64(*norm))});
}

} // namespace bertc::importer
