//===- DataMovement.h - The onnx data-movement patterns ---------*- C++ -*-===//
//
// Private to lib/Conversion/ONNXToLinalg. The patterns that lower onnx
// data-movement ops to tensor/linalg, by family:
//   DataMovementReshape.cpp      Reshape, Unsqueeze, Squeeze, Flatten,
//                                Transpose
//   DataMovementSlice.cpp        Concat, Slice, Split
//   DataMovementGather.cpp       Gather, GatherND, GatherElements
//   DataMovementBroadcast.cpp    Tile, Expand
//   DataMovementTriluCumSum.cpp  Trilu, CumSum
// populateONNXDataMovementToTensorPatterns (DataMovement.cpp) adds them all.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_CONVERSION_ONNXTOLINALG_DATAMOVEMENT_H
#define BERTC_LIB_CONVERSION_ONNXTOLINALG_DATAMOVEMENT_H

#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

namespace bertc::lowering {

/// An index constant.
inline Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return b.create<mlir::arith::ConstantIndexOp>(loc, v);
}

/// Clamps v to [lo, hi].
inline Value clampIdx(OpBuilder &b, Location loc, Value v, Value lo, Value hi) {
  return b.create<mlir::arith::MinSIOp>(
      loc, b.create<mlir::arith::MaxSIOp>(loc, v, lo), hi);
}

/// The patterns of each family (in its DataMovement*.cpp).
void populateDataMovementReshapePatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementSlicePatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementGatherPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementBroadcastPatterns(mlir::RewritePatternSet &patterns);
void populateDataMovementTriluCumSumPatterns(mlir::RewritePatternSet &patterns);

} // namespace bertc::lowering

#endif
