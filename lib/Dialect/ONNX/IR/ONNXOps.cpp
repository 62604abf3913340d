//===- ONNXOps.cpp - onnx op classes and the helpers they share -----------===//
//
// The generated op classes (ONNXOps.cpp.inc) and the helpers that
// ONNXOps.h declares for result-type inference and verifiers: size limits,
// refinement compatibility, broadcasting, reductions. Each op's own
// inference and verifier are in the file of its family:
//   ONNXOpsElementwise.cpp   Where, IsNaN, Gelu, Clip, Mod, Cast
//   ONNXOpsNN.cpp            MatMul, Gemm, Conv, Softmax, LayerNormalization,
//                            ArgMax
//   ONNXOpsShape.cpp         Constant, ConstantOfShape, Shape, Reshape, Expand,
//                            Transpose, Unsqueeze, Squeeze, Flatten, Range
//   ONNXOpsDataMovement.cpp  Concat, Slice, Split, Gather, GatherND,
//                            GatherElements, Tile, Trilu, CumSum
// with the small helpers they share in ONNXOpsCommon.h.
//
// Inference follows the ONNX operator specification. Where a result shape
// depends on tensor values (Reshape, Expand, Slice, Range, ConstantOfShape),
// it uses whatever part of those values is known at compile time
// (getKnownIntValues) and leaves the rest dynamic.
//
//===----------------------------------------------------------------------===//
#include "ONNXOpsCommon.h"

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

#define GET_OP_CLASSES
#include "bertc/Dialect/ONNX/IR/ONNXOps.cpp.inc"
