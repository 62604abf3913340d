//===- ONNXOpsShape.cpp - Constants, shapes and reshapes ------------------===//
//
// Result-type inference and verifiers of the ops that make constants and
// shape values or change a tensor's shape without moving its elements
// across positions: Constant, ConstantOfShape, Shape, Reshape, Expand,
// Transpose, Unsqueeze, Squeeze, Flatten, Range. Shapes that depend on
// tensor values use what of them is known at compile time
// (getKnownIntValues) and leave the rest dynamic.
//
//===----------------------------------------------------------------------===//
#include "ONNXOpsCommon.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace bertc::onnx;

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getValue().getType());
  return success();
}

LogicalResult ConstantOp::verify() {
  if (!isa<RankedTensorType>(getValue().getType()))
    return emitOpError("value must be a ranked tensor");
  return success();
}

LogicalResult ConstantOfShapeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto shapeType = ranked(adaptor.getShape().getType());
  Type elt = adaptor.getValue().getElementType();
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return fail(loc, "ConstantOfShape needs a 1-D shape of static length");
  SmallVector<int64_t> shape(shapeType.getDimSize(0), kDyn);
  if (auto known = getKnownIntValues(adaptor.getShape()))
    for (auto [i, v] : llvm::enumerate(*known))
      if (v != kUnknownValue)
        shape[i] = v;
  types.push_back(tensorOf(shape, elt));
  return success();
}

LogicalResult ShapeOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  int64_t n;
  if (__builtin_sub_overflow(adaptor.getEnd(), adaptor.getStart(), &n))
    n = 0; // the verifier rejects such start/end
  n = std::max<int64_t>(0, n);
  types.push_back(tensorOf({n}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ShapeOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getStart() < 0 || getEnd() > rank || getStart() > getEnd())
    return emitOpError("start/end must satisfy 0 <= start <= end <= rank");
  return success();
}

/// Result shape of a reshape of `input` to the (partially known) `target`.
static SmallVector<int64_t> reshapeResult(RankedTensorType input,
                                          ArrayRef<int64_t> target,
                                          bool allowZero) {
  SmallVector<int64_t> out;
  int64_t inferAt = -1;
  for (auto [i, v] : llvm::enumerate(target)) {
    if (v == kUnknownValue) {
      out.push_back(kDyn);
    } else if (v == 0 && !allowZero) {
      out.push_back((int64_t)i < input.getRank() ? input.getDimSize(i) : kDyn);
    } else if (v == -1) {
      inferAt = i;
      out.push_back(kDyn);
    } else {
      out.push_back(v);
    }
  }
  if (inferAt >= 0 && input.hasStaticShape()) {
    int64_t known = 1;
    bool allKnown = true;
    for (auto [i, d] : llvm::enumerate(out))
      if ((int64_t)i != inferAt) {
        if (d == kDyn || d < 0 || __builtin_mul_overflow(known, d, &known))
          allKnown = false;
      }
    if (allKnown && known > 0 && input.getNumElements() % known == 0)
      out[inferAt] = input.getNumElements() / known;
  }
  return out;
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  auto shapeType = ranked(adaptor.getShape().getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return fail(loc, "Reshape needs a 1-D shape of static length");
  SmallVector<int64_t> target(shapeType.getDimSize(0), kUnknownValue);
  if (auto known = getKnownIntValues(adaptor.getShape()))
    target = *known;
  auto out = reshapeResult(in, target, adaptor.getAllowzero());
  // A -1 next to dynamic entries (Concat(batch, seq, -1, 64)): resolved when
  // the dynamic entries are the input's own dynamic dims (by origin).
  for (auto [i, v] : llvm::enumerate(target))
    if (v == -1 && out[i] == kDyn)
      if (auto n = inferReshapeMinusOne(adaptor.getInput(), adaptor.getShape(),
                                        adaptor.getAllowzero()))
        out[i] = *n;
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into " << out;
  if (auto known = getConstantIntValues(getShape()))
    if (llvm::count(*known, -1) > 1)
      return emitOpError("shape has more than one -1");
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  auto shapeType = ranked(adaptor.getShape().getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return fail(loc, "Expand needs a 1-D shape of static length");
  SmallVector<int64_t> target(shapeType.getDimSize(0), kDyn);
  if (auto known = getKnownIntValues(adaptor.getShape()))
    for (auto [i, v] : llvm::enumerate(*known))
      target[i] = v == kUnknownValue ? kDyn : v;
  // An unknown target entry broadcasts with the input dim: if the input dim
  // is static and not 1 it wins, otherwise the result is dynamic.
  size_t rank = std::max<size_t>(in.getRank(), target.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - in.getRank() ? 1 : in.getDimSize(i - (rank - in.getRank()));
    int64_t b = i < rank - target.size() ? 1 : target[i - (rank - target.size())];
    if (a == 1)
      out[i] = b;
    else if (b == 1)
      out[i] = a;
    else if (a == kDyn)
      out[i] = b;
    else if (b == kDyn || a == b)
      out[i] = a;
    else
      return fail(loc, "Expand: input dimension " + Twine(a) +
                           " cannot broadcast to " + Twine(b));
  }
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  auto perm = adaptor.getPerm();
  if ((int64_t)perm.size() != in.getRank())
    return fail(loc, "Transpose perm has the wrong length");
  SmallVector<int64_t> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank())
      return fail(loc, "Transpose perm entry out of range");
    out.push_back(in.getDimSize(p));
  }
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() {
  llvm::SmallBitVector seen(getPerm().size());
  for (int64_t p : getPerm()) {
    if (seen.test(p))
      return emitOpError("perm is not a permutation");
    seen.set(p);
  }
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  int64_t rank = in.getRank() + adaptor.getAxes().size();
  llvm::SmallBitVector inserted(rank);
  for (int64_t a : adaptor.getAxes()) {
    int64_t n = normalizeAxis(a, rank);
    if (n < 0 || inserted.test(n))
      return fail(loc, "Unsqueeze axes out of range or repeated");
    inserted.set(n);
  }
  SmallVector<int64_t> out;
  int64_t src = 0;
  for (int64_t i = 0; i < rank; ++i)
    out.push_back(inserted.test(i) ? 1 : in.getDimSize(src++));
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult UnsqueezeOp::verify() {
  for (int64_t a : getAxes())
    if (a < 0)
      return emitOpError("axes must be normalised (non-negative)");
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  llvm::SmallBitVector removed(in.getRank());
  for (int64_t a : adaptor.getAxes()) {
    int64_t n = normalizeAxis(a, in.getRank());
    if (n < 0)
      return fail(loc, "Squeeze axis out of range");
    if (in.getDimSize(n) != 1 && in.getDimSize(n) != kDyn)
      return fail(loc, "Squeeze of dimension " + Twine(n) + " of size " +
                           Twine(in.getDimSize(n)) + " (must be 1)");
    removed.set(n);
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (!removed.test(i))
      out.push_back(in.getDimSize(i));
  types.push_back(tensorOf(out, in.getElementType()));
  return success();
}

LogicalResult SqueezeOp::verify() {
  for (int64_t a : getAxes())
    if (a < 0)
      return emitOpError("axes must be normalised (non-negative)");
  return success();
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = ranked(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis > in.getRank())
    return fail(loc, "Flatten axis out of range");
  // The input's static size fits (ResultSizesFit), so its products do; an
  // overflow can only come from an unverified input: left dynamic.
  auto prod = [&](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims)
      if (d == kDyn || __builtin_mul_overflow(p, d, &p))
        return kDyn;
    return p;
  };
  types.push_back(tensorOf({prod(in.getShape().take_front(axis)),
                            prod(in.getShape().drop_front(axis))},
                           in.getElementType()));
  return success();
}

LogicalResult FlattenOp::verify() { return success(); }

LogicalResult RangeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto st = ranked(adaptor.getStart().getType());
  int64_t n = kDyn;
  auto s = getConstantIntValues(adaptor.getStart());
  auto l = getConstantIntValues(adaptor.getLimit());
  auto d = getConstantIntValues(adaptor.getDelta());
  if (s && l && d && s->size() == 1 && l->size() == 1 && d->size() == 1 &&
      (*d)[0] != 0) {
    // ceil((limit - start) / delta) in 128 bits: the operands are any int64.
    __int128 num = (__int128)(*l)[0] - (*s)[0], den = (*d)[0];
    __int128 q = num / den + ((num % den != 0) && ((num < 0) == (den < 0)));
    if (q > std::numeric_limits<int64_t>::max())
      return fail(loc, "Range has more than INT64_MAX elements");
    n = std::max<int64_t>(0, static_cast<int64_t>(q));
  }
  if (st.getRank() != 0 && !(st.getRank() == 1 && st.getDimSize(0) == 1))
    return fail(loc, "Range operands must be scalars");
  types.push_back(tensorOf({n}, st.getElementType()));
  return success();
}

LogicalResult RangeOp::verify() {
  Type e = getElementTypeOrSelf(getStart().getType());
  if (getElementTypeOrSelf(getLimit().getType()) != e ||
      getElementTypeOrSelf(getDelta().getType()) != e)
    return emitOpError("start, limit and delta must have one element type");
  return success();
}
