//===- Common.h - Helpers shared by the onnx-to-linalg patterns -*- C++ -*-===//
#ifndef BERTC_LIB_CONVERSION_ONNXTOLINALG_COMMON_H
#define BERTC_LIB_CONVERSION_ONNXTOLINALG_COMMON_H

#include "bertc/Conversion/Passes.h"
#include "bertc/Conversion/RuntimeChecks.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bertc::lowering {

using mlir::Location;
using mlir::OpBuilder;
using mlir::OpFoldResult;
using mlir::RankedTensorType;
using mlir::Value;
using mlir::ValueRange;

using ScalarBodyFn = llvm::function_ref<Value(OpBuilder &, Location,
                                              ValueRange)>;

/// The run-time sizes of a ranked tensor (constants for static dims).
llvm::SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value v);

/// Sizes of an elementwise result with broadcasting: static dims from the
/// result type, dynamic ones from an operand that has that dim unbroadcast.
llvm::SmallVector<OpFoldResult>
getBroadcastDims(OpBuilder &b, Location loc, RankedTensorType resultType,
                 ValueRange operands);

/// `linalg.generic` computing `body` elementwise over broadcast operands.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, ScalarBodyFn body);

/// Same over given result sizes (use when the sizes are already known).
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       llvm::ArrayRef<OpFoldResult> dims, ValueRange operands,
                       ScalarBodyFn body);

/// `tensor.reshape` of `src` to `resultType` with the given sizes.
Value reshapeTo(OpBuilder &b, Location loc, Value src,
                RankedTensorType resultType, llvm::ArrayRef<OpFoldResult> dims);

/// A scalar constant of `type` (float or integer).
Value scalarConstant(OpBuilder &b, Location loc, mlir::Type type, double value);

/// Converts a scalar between element types with ONNX Cast semantics.
Value castScalar(OpBuilder &b, Location loc, Value v, mlir::Type to);

/// Reads element `i` of a 1-D (or 0-D when i == 0) integer tensor as index.
Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i);

/// An OpFoldResult as an index Value.
Value toValue(OpBuilder &b, Location loc, OpFoldResult ofr);

/// Product of sizes.
Value product(OpBuilder &b, Location loc, llvm::ArrayRef<OpFoldResult> dims);

} // namespace bertc::lowering

#endif
