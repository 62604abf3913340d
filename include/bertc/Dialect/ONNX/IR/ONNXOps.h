//===- ONNXOps.h - The onnx dialect's ops and shape helpers -----*- C++ -*-===//
#ifndef BERTC_DIALECT_ONNX_IR_ONNXOPS_H
#define BERTC_DIALECT_ONNX_IR_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>

namespace bertc::onnx {

/// True if each pair of types has the same element type and rank, and no
/// dimension that is static in both differs: a result may be more precise than
/// what inference gives, but must not contradict it.
bool areRefinementCompatible(mlir::TypeRange lhs, mlir::TypeRange rhs);

/// ONNX multidirectional broadcasting of two shapes. A dynamic dimension
/// against a static one other than 1 takes the static size; dynamic against
/// dynamic stays dynamic. Fails if two static sizes (neither 1) differ.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

mlir::LogicalResult
inferBroadcastOpType(mlir::MLIRContext *ctx, std::optional<mlir::Location> loc,
                     mlir::Type lhs, mlir::Type rhs, bool isCompare,
                     llvm::SmallVectorImpl<mlir::Type> &types);
mlir::LogicalResult verifyBroadcastOp(mlir::Operation *op, bool isCompare);

mlir::LogicalResult
inferReduceOpType(mlir::MLIRContext *ctx, std::optional<mlir::Location> loc,
                  mlir::Type input, llvm::ArrayRef<int64_t> axes,
                  int64_t keepdims, llvm::SmallVectorImpl<mlir::Type> &types);
mlir::LogicalResult verifyReduceOp(mlir::Operation *op,
                                   llvm::ArrayRef<int64_t> axes);

/// Marker for an unknown entry in a partially known shape tensor.
constexpr int64_t kUnknownValue = std::numeric_limits<int64_t>::min();

/// The values of a 1-D (or 0-D) integer tensor as far as they are known at
/// compile time: constants, and the shape-computing subgraphs exporters emit
/// (Shape, Gather of a Shape, Unsqueeze, Concat, Cast, Squeeze). Unknown
/// entries are kUnknownValue. Returns std::nullopt if even the number of
/// elements is unknown.
std::optional<llvm::SmallVector<int64_t>> getKnownIntValues(mlir::Value v);

/// The values of a constant integer tensor, if it is fully constant.
std::optional<llvm::SmallVector<int64_t>> getConstantIntValues(mlir::Value v);

} // namespace bertc::onnx

#include "bertc/Dialect/ONNX/IR/ONNXOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "bertc/Dialect/ONNX/IR/ONNXOps.h.inc"

#endif // BERTC_DIALECT_ONNX_IR_ONNXOPS_H
