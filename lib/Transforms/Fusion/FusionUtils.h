//===- FusionUtils.h - Matching helpers for the fusion passes ---*- C++ -*-===//
//
// Small dataflow matchers shared by the fusion passes: constants read
// through onnx.Constant, commutative operand matching, single-use checks.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_TRANSFORMS_FUSION_FUSIONUTILS_H
#define BERTC_LIB_TRANSFORMS_FUSION_FUSIONUTILS_H

#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Transforms/FusionReport.h"

#include "llvm/ADT/MapVector.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <optional>

namespace bertc::fusion {

/// The constant value of `v` if it is defined by onnx.Constant.
inline mlir::ElementsAttr getConstant(mlir::Value v) {
  if (!v)
    return {};
  if (auto c = v.getDefiningOp<onnx::ConstantOp>())
    return c.getValue();
  return {};
}

/// The value of a constant float tensor whose elements are all equal (a
/// scalar, a one-element tensor or a splat), e.g. an epsilon or a scale.
inline std::optional<double> getScalarFloat(mlir::Value v) {
  mlir::ElementsAttr attr = getConstant(v);
  if (!attr || !mlir::isa<mlir::FloatType>(attr.getElementType()))
    return std::nullopt;
  if (attr.isSplat())
    return attr.getSplatValue<llvm::APFloat>().convertToDouble();
  if (attr.getNumElements() == 1)
    return (*attr.value_begin<llvm::APFloat>()).convertToDouble();
  return std::nullopt;
}

/// Like getScalarFloat for integer constants.
inline std::optional<int64_t> getScalarInt(mlir::Value v) {
  mlir::ElementsAttr attr = getConstant(v);
  if (!attr || !mlir::isa<mlir::IntegerType>(attr.getElementType()))
    return std::nullopt;
  if (attr.isSplat())
    return attr.getSplatValue<llvm::APInt>().getSExtValue();
  if (attr.getNumElements() == 1)
    return (*attr.value_begin<llvm::APInt>()).getSExtValue();
  return std::nullopt;
}

/// |a - b| <= rel * max(|a|, |b|): exporters print constants with varying
/// precision (1.4142135 vs 1.41421356237).
inline bool approxEq(double a, double b, double rel = 1e-3) {
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

inline bool isScalarFloat(mlir::Value v, double expected, double rel = 1e-3) {
  auto x = getScalarFloat(v);
  return x && approxEq(*x, expected, rel);
}

/// For a binary op, returns the operand other than `v` (or null if `v` is
/// not an operand).
inline mlir::Value otherOperand(mlir::Operation *op, mlir::Value v) {
  if (op->getNumOperands() != 2)
    return {};
  if (op->getOperand(0) == v)
    return op->getOperand(1);
  if (op->getOperand(1) == v)
    return op->getOperand(0);
  return {};
}

/// Defining op of type OpTy of `v`, if `v` has no other use than `user`
/// (so the op can be folded into a fused op).
template <typename OpTy> OpTy singleUseDef(mlir::Value v) {
  auto op = v ? v.getDefiningOp<OpTy>() : OpTy();
  if (!op || !v.hasOneUse())
    return OpTy();
  return op;
}

/// The only user of `v`, if it has exactly one and it is an OpTy.
template <typename OpTy> OpTy onlyUser(mlir::Value v) {
  if (!v.hasOneUse())
    return OpTy();
  return llvm::dyn_cast<OpTy>(*v.getUsers().begin());
}

/// A constant vector of `size` floats for the last axis: shape [C] or
/// [1, ..., 1, C]. Returns it reshaped to [C] as an attribute-backed value
/// built at `rewriter`'s insertion point, or null.
mlir::Value getLastAxisVector(mlir::PatternRewriter &rewriter, mlir::Value v,
                              int64_t size);

/// True if getLastAxisVector(v, size) would succeed (creates nothing).
bool isLastAxisVector(mlir::Value v, int64_t size);

/// The number of elements in the last dimension, if static.
inline std::optional<int64_t> lastDim(mlir::Value v) {
  auto t = mlir::dyn_cast<mlir::RankedTensorType>(v.getType());
  if (!t || t.getRank() == 0 || t.isDynamicDim(t.getRank() - 1))
    return std::nullopt;
  return t.getShape().back();
}

/// True if `axes` (of a reduction over a tensor of `rank`) is just the last
/// axis.
inline bool isLastAxisOnly(llvm::ArrayRef<int64_t> axes, int64_t rank) {
  return axes.size() == 1 && (axes[0] == rank - 1 || axes[0] == -1);
}

/// Refused candidates of a greedy pattern pass: patterns note them as they
/// fail (possibly several times per anchor); the pass flushes, after the
/// driver converged, the last reason of every anchor that is still there.
class MissCollector {
public:
  void note(mlir::Operation *anchor, mlir::Operation *culprit,
            const llvm::Twine &reason);
  void flush(mlir::Operation *root, FusionReport *report, llvm::StringRef kind);

private:
  llvm::MapVector<mlir::Operation *, std::pair<mlir::Operation *, std::string>>
      misses;
};

} // namespace bertc::fusion

#endif // BERTC_LIB_TRANSFORMS_FUSION_FUSIONUTILS_H
