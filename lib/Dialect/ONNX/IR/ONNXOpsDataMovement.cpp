//===- ONNXOpsDataMovement.cpp - Data-movement onnx ops -------------------===//
//
// Result-type inference and verifiers of Concat, Slice, Split, Gather,
// GatherND, GatherElements, Tile, Trilu and CumSum.
//
//===----------------------------------------------------------------------===//
#include "ONNXOpsCommon.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace bertc::onnx;

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return fail(loc, "Concat needs at least one input");
  auto first = ranked(adaptor.getInputs()[0].getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return fail(loc, "Concat axis out of range");
  SmallVector<int64_t> out(first.getShape());
  out[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = ranked(v.getType());
    if (t.getRank() != first.getRank())
      return fail(loc, "Concat inputs have different ranks");
    for (int64_t i = 0; i < t.getRank(); ++i) {
      int64_t d = t.getDimSize(i);
      if (i == axis) {
        if (out[i] == kDyn || d == kDyn)
          out[i] = kDyn;
        else if (__builtin_add_overflow(out[i], d, &out[i]))
          return fail(loc, "Concat result dimension " + Twine(i) +
                               " overflows int64");
      } else if (out[i] == kDyn) {
        out[i] = d;
      } else if (d != kDyn && d != out[i]) {
        return fail(loc, "Concat inputs differ in dimension " + Twine(i));
      }
    }
  }
  types.push_back(tensorOf(out, first.getElementType()));
  return success();
}

LogicalResult ConcatOp::verify() {
  Type elt = getElementTypeOrSelf(getInputs()[0].getType());
  for (Value v : getInputs())
    if (getElementTypeOrSelf(v.getType()) != elt)
      return emitOpError("inputs have different element types");
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getData().getType());
  SmallVector<int64_t> out(in.getShape());
  auto axes = getConstantIntValues(adaptor.getAxes());
  if (!axes) {
    // Without constant axes, every dimension may be sliced.
    types.push_back(tensorOf(SmallVector<int64_t>(in.getRank(), kDyn),
                             in.getElementType()));
    return success();
  }
  auto starts = getConstantIntValues(adaptor.getStarts());
  auto ends = getConstantIntValues(adaptor.getEnds());
  auto steps = getConstantIntValues(adaptor.getSteps());
  for (auto [i, a] : llvm::enumerate(*axes)) {
    int64_t axis = normalizeAxis(a, in.getRank());
    if (axis < 0)
      return fail(loc, "Slice axis out of range");
    int64_t dim = in.getDimSize(axis);
    if (!starts || !ends || !steps || dim == kDyn || i >= starts->size() ||
        i >= ends->size() || i >= steps->size()) {
      out[axis] = kDyn;
      continue;
    }
    int64_t start = (*starts)[i], end = (*ends)[i], step = (*steps)[i];
    if (step == 0)
      return fail(loc, "Slice step is 0");
    auto clamp = [](int64_t v, int64_t lo, int64_t hi) {
      return std::min(std::max(v, lo), hi);
    };
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    // ceil(span / |step|) without overflow for any step (INT64_MIN too).
    if (step > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
      out[axis] = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
      start = clamp(start, 0, dim - 1);
      end = clamp(end, -1, dim - 1);
      uint64_t mag = 0 - static_cast<uint64_t>(step);
      out[axis] = start > end
                      ? static_cast<int64_t>(
                            static_cast<uint64_t>(start - end - 1) / mag + 1)
                      : 0;
    }
  }
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult SplitOp::verify() {
  auto in = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis out of range");
  size_t n = getNumResults();
  if (n == 0)
    return emitOpError("needs at least one result");
  if (auto split = getSplit()) {
    if (split->size() != n)
      return emitOpError("split has ") << split->size() << " entries for " << n
                                       << " results";
    int64_t total = 0;
    for (auto [i, s] : llvm::enumerate(*split)) {
      if (s < 0)
        return emitOpError("negative split size");
      total += s;
      auto rt = cast<RankedTensorType>(getResult(i).getType());
      if (rt.getDimSize(axis) != kDyn && rt.getDimSize(axis) != s)
        return emitOpError("result ") << i << " has the wrong size on axis";
    }
    if (in.getDimSize(axis) != kDyn && total != in.getDimSize(axis))
      return emitOpError("split sizes sum to ")
             << total << " but the axis has " << in.getDimSize(axis);
  }
  for (Value r : getResults()) {
    auto rt = cast<RankedTensorType>(r.getType());
    if (rt.getRank() != in.getRank() || rt.getElementType() != in.getElementType())
      return emitOpError("results must have the input's rank and element type");
    for (int64_t i = 0; i < in.getRank(); ++i)
      if (i != axis && rt.getDimSize(i) != kDyn && in.getDimSize(i) != kDyn &&
          rt.getDimSize(i) != in.getDimSize(i))
        return emitOpError("result dimension ") << i << " differs from input";
  }
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData().getType());
  auto idx = ranked(adaptor.getIndices().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return fail(loc, "Gather axis out of range");
  SmallVector<int64_t> out(data.getShape().take_front(axis));
  llvm::append_range(out, idx.getShape());
  llvm::append_range(out, data.getShape().drop_front(axis + 1));
  types.push_back(tensorOf(out, data.getElementType()));
  return success();
}

LogicalResult GatherOp::verify() { return success(); }

/// The more static of two sizes of one dimension; failure if both are
/// static and differ.
static FailureOr<int64_t> mergeDims(int64_t a, int64_t b) {
  if (a == kDyn)
    return b;
  if (b == kDyn || a == b)
    return a;
  return failure();
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData().getType());
  auto idx = ranked(adaptor.getIndices().getType());
  int64_t r = data.getRank(), q = idx.getRank(), b = adaptor.getBatchDims();
  if (r < 1 || q < 1)
    return fail(loc, "GatherND needs data and indices of rank >= 1");
  if (b < 0 || b >= std::min(r, q))
    return fail(loc, "GatherND batch_dims " + Twine(b) +
                         " must be in [0, min(rank(data), rank(indices)) = " +
                         Twine(std::min(r, q)) + ")");
  int64_t k = idx.getDimSize(q - 1);
  if (k == kDyn)
    return fail(loc, "GatherND needs the last dimension of indices (the index "
                     "tuple length) to be static");
  if (k < 1 || b + k > r)
    return fail(loc, "GatherND index tuples of length " + Twine(k) +
                         " do not fit data of rank " + Twine(r) +
                         " with batch_dims " + Twine(b));
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < q - 1; ++i) {
    if (i >= b) {
      out.push_back(idx.getDimSize(i));
      continue;
    }
    auto d = mergeDims(idx.getDimSize(i), data.getDimSize(i));
    if (failed(d))
      return fail(loc, "GatherND batch dimension " + Twine(i) + " differs: " +
                           Twine(data.getDimSize(i)) + " in data, " +
                           Twine(idx.getDimSize(i)) + " in indices");
    out.push_back(*d);
  }
  llvm::append_range(out, data.getShape().drop_front(b + k));
  types.push_back(tensorOf(out, data.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  auto data = ranked(adaptor.getData().getType());
  auto idx = ranked(adaptor.getIndices().getType());
  if (data.getRank() != idx.getRank())
    return fail(loc, "GatherElements needs data and indices of one rank, got " +
                         Twine(data.getRank()) + " and " +
                         Twine(idx.getRank()));
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank())
    return fail(loc, "GatherElements axis " + Twine(axis) + " is not in [0, " +
                         Twine(data.getRank()) + ")");
  types.push_back(tensorOf(idx.getShape(), data.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::verify() {
  auto data = getData().getType();
  auto idx = getIndices().getType();
  // (The verifier may run before result-type inference checks the ranks.)
  if (data.getRank() != idx.getRank() || getAxis() < 0 ||
      getAxis() >= data.getRank())
    return success();
  for (int64_t d = 0; d < data.getRank(); ++d) {
    if (d == getAxis() || data.isDynamicDim(d) || idx.isDynamicDim(d))
      continue;
    if (idx.getDimSize(d) > data.getDimSize(d))
      return emitOpError("indices dimension ")
             << d << " (" << idx.getDimSize(d)
             << ") is larger than the data's (" << data.getDimSize(d) << ")";
  }
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  auto rt = ranked(adaptor.getRepeats().getType());
  if (rt.getRank() != 1 || rt.getDimSize(0) != in.getRank())
    return fail(loc, "Tile needs repeats of shape [" + Twine(in.getRank()) +
                         "] (one per input dimension)");
  SmallVector<int64_t> out(in.getRank(), kDyn);
  auto known = getKnownIntValues(adaptor.getRepeats());
  for (int64_t i = 0; i < in.getRank(); ++i) {
    int64_t rep = known ? (*known)[i] : kUnknownValue;
    int64_t d = in.getDimSize(i);
    if (rep == kUnknownValue || rep < 0)
      out[i] = d == 0 ? 0 : kDyn;
    else if (rep == 0)
      out[i] = 0;
    else if (d == kDyn)
      out[i] = kDyn;
    else if (__builtin_mul_overflow(d, rep, &out[i]))
      return fail(loc, "Tile result dimension " + Twine(i) + " (" + Twine(d) +
                           " x " + Twine(rep) + ") overflows int64");
  }
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult TileOp::verify() {
  if (auto reps = getConstantIntValues(getRepeats()))
    for (auto [i, r] : llvm::enumerate(*reps))
      if (r < 0)
        return emitOpError("repeats[") << i << "] is negative (" << r << ")";
  return success();
}

LogicalResult TriluOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("input must have rank >= 2");
  return success();
}

LogicalResult CumSumOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult CumSumOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getAxis() < 0 || getAxis() >= rank)
    return emitOpError("axis ") << getAxis() << " is not in [0, " << rank << ")";
  return success();
}
