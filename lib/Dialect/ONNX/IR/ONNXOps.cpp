//===- ONNXOps.cpp - Result-type inference and verifiers of onnx ops ------===//
//
// Inference follows the ONNX operator specification. Where a result shape
// depends on tensor values (Reshape, Expand, Slice, Range, ConstantOfShape),
// it uses whatever part of those values is known at compile time
// (getKnownIntValues) and leaves the rest dynamic.
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace bertc::onnx;

static constexpr int64_t kDyn = ShapedType::kDynamic;

static RankedTensorType ranked(Type t) { return cast<RankedTensorType>(t); }

static LogicalResult fail(std::optional<Location> loc, const Twine &msg) {
  return emitOptionalError(loc, msg);
}

/// Normalises an axis in [-rank, rank) to [0, rank); -1 if out of range.
static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return -1;
  return axis < 0 ? axis + rank : axis;
}

static Type tensorOf(ArrayRef<int64_t> shape, Type elt) {
  return RankedTensorType::get(shape, elt);
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Size limits
//===----------------------------------------------------------------------===//

int64_t bertc::onnx::elementByteSize(Type elementType) {
  if (elementType.isIndex())
    return 8;
  if (elementType.isIntOrFloat())
    return std::max<int64_t>(1, (elementType.getIntOrFloatBitWidth() + 7) / 8);
  if (auto c = dyn_cast<ComplexType>(elementType))
    return 2 * elementByteSize(c.getElementType());
  return 8;
}

std::optional<StaticSize>
bertc::onnx::staticSizeOf(ArrayRef<int64_t> shape, Type elementType) {
  StaticSize size;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0 || __builtin_mul_overflow(size.elements, d, &size.elements))
      return std::nullopt;
  }
  if (__builtin_mul_overflow(size.elements, elementByteSize(elementType),
                             &size.bytes))
    return std::nullopt;
  return size;
}

std::optional<StaticSize> bertc::onnx::staticSizeOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return StaticSize{};
  return staticSizeOf(shaped.getShape(), shaped.getElementType());
}

std::string bertc::onnx::tooLargeMessage(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type << " has more than " << std::numeric_limits<int64_t>::max()
     << " bytes (";
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    bool first = true;
    for (int64_t d : shaped.getShape()) {
      os << (first ? "" : " x ");
      first = false;
      if (ShapedType::isDynamic(d))
        os << "?";
      else
        os << d;
    }
    os << " elements of " << elementByteSize(shaped.getElementType())
       << " bytes";
  }
  os << ")";
  return s;
}

LogicalResult bertc::onnx::verifyResultSizes(Operation *op) {
  for (auto [i, r] : llvm::enumerate(op->getResults())) {
    // The runtime's BERTC_MAX_RANK: a shape tensor from the file must not
    // make a rank-100000 tensor that every later loop nest would follow.
    if (auto shaped = dyn_cast<ShapedType>(r.getType());
        shaped && shaped.hasRank() && shaped.getRank() > kMaxRank)
      return op->emitOpError()
             << "result #" << i << " has rank " << shaped.getRank()
             << "; bertc supports ranks up to " << kMaxRank;
    if (auto shaped = dyn_cast<ShapedType>(r.getType());
        shaped && shaped.hasRank() &&
        llvm::any_of(shaped.getShape(), [](int64_t d) {
          return d < 0 && !ShapedType::isDynamic(d);
        }))
      return op->emitOpError() << "result #" << i << " of type "
                               << r.getType() << " has a negative dimension";
    if (!staticSizeOf(r.getType()))
      return op->emitOpError() << "result #" << i << " of type "
                               << tooLargeMessage(r.getType());
  }
  return success();
}

bool bertc::onnx::areRefinementCompatible(TypeRange lhs, TypeRange rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (auto [l, r] : llvm::zip(lhs, rhs)) {
    auto lt = dyn_cast<RankedTensorType>(l), rt = dyn_cast<RankedTensorType>(r);
    if (!lt || !rt) {
      if (l != r)
        return false;
      continue;
    }
    if (lt.getElementType() != rt.getElementType() ||
        lt.getRank() != rt.getRank())
      return false;
    for (auto [a, b] : llvm::zip(lt.getShape(), rt.getShape()))
      if (a != kDyn && b != kDyn && a != b)
        return false;
  }
  return true;
}

FailureOr<SmallVector<int64_t>>
bertc::onnx::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == 1)
      out[i] = b;
    else if (b == 1)
      out[i] = a;
    else if (a == kDyn)
      out[i] = b;
    else if (b == kDyn || a == b)
      out[i] = a;
    else
      return failure();
  }
  return out;
}

LogicalResult bertc::onnx::inferBroadcastOpType(
    MLIRContext *ctx, std::optional<Location> loc, Type lhs, Type rhs,
    bool isCompare, SmallVectorImpl<Type> &types) {
  auto lt = ranked(lhs), rt = ranked(rhs);
  auto shape = broadcastShapes(lt.getShape(), rt.getShape());
  if (failed(shape))
    return fail(loc, "operands are not broadcast-compatible: " +
                         Twine(llvm::formatv("{0} and {1}", lhs, rhs).str()));
  Type elt = isCompare ? IntegerType::get(ctx, 1) : lt.getElementType();
  types.push_back(tensorOf(*shape, elt));
  return success();
}

LogicalResult bertc::onnx::verifyBroadcastOp(Operation *op, bool isCompare) {
  Type l = getElementTypeOrSelf(op->getOperand(0).getType());
  Type r = getElementTypeOrSelf(op->getOperand(1).getType());
  // Pow's exponent may have its own element type.
  if (op->getName().getStringRef() != "onnx.Pow" && l != r)
    return op->emitOpError("operand element types differ: ") << l << " vs "
                                                              << r;
  if (!isCompare && (op->getName().getStringRef() == "onnx.And" ||
                     op->getName().getStringRef() == "onnx.Or") &&
      !l.isInteger(1))
    return op->emitOpError("expects i1 operands, got ") << l;
  return success();
}

LogicalResult bertc::onnx::inferReduceOpType(MLIRContext *,
                                             std::optional<Location> loc,
                                             Type input, ArrayRef<int64_t> axes,
                                             int64_t keepdims,
                                             SmallVectorImpl<Type> &types) {
  auto t = ranked(input);
  int64_t rank = t.getRank();
  llvm::SmallBitVector reduced(rank, axes.empty());
  for (int64_t a : axes) {
    int64_t n = normalizeAxis(a, rank);
    if (n < 0)
      return fail(loc, "reduction axis " + Twine(a) + " out of range for rank " +
                           Twine(rank));
    reduced.set(n);
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced.test(i))
      shape.push_back(t.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  types.push_back(tensorOf(shape, t.getElementType()));
  return success();
}

LogicalResult bertc::onnx::verifyReduceOp(Operation *op, ArrayRef<int64_t> axes) {
  int64_t rank = ranked(op->getOperand(0).getType()).getRank();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank)
      return op->emitOpError("axis ") << axes[i] << " is not in [0, " << rank
                                      << ")";
    if (i > 0 && axes[i] <= axes[i - 1])
      return op->emitOpError("axes must be sorted and unique");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Linear algebra and normalisation
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Data movement and shapes
//===----------------------------------------------------------------------===//

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

#define GET_OP_CLASSES
#include "bertc/Dialect/ONNX/IR/ONNXOps.cpp.inc"
