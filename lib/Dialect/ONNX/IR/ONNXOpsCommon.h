//===- ONNXOpsCommon.h - Helpers of the onnx op definitions -----*- C++ -*-===//
//
// Private to lib/Dialect/ONNX/IR: the small helpers that result-type
// inference and the verifiers of every op family (ONNXOps*.cpp) share.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_DIALECT_ONNX_IR_ONNXOPSCOMMON_H
#define BERTC_LIB_DIALECT_ONNX_IR_ONNXOPSCOMMON_H

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <optional>

static constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

static inline mlir::RankedTensorType ranked(mlir::Type t) {
  return mlir::cast<mlir::RankedTensorType>(t);
}

static inline mlir::LogicalResult fail(std::optional<mlir::Location> loc,
                                       const llvm::Twine &msg) {
  return mlir::emitOptionalError(loc, msg);
}

/// Normalises an axis in [-rank, rank) to [0, rank); -1 if out of range.
static inline int64_t normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return -1;
  return axis < 0 ? axis + rank : axis;
}

static inline mlir::Type tensorOf(llvm::ArrayRef<int64_t> shape,
                                  mlir::Type elt) {
  return mlir::RankedTensorType::get(shape, elt);
}

#endif
