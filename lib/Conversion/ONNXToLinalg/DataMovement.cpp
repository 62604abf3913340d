//===- DataMovement.cpp - Reshapes, slices, gathers to tensor/linalg ------===//
//
// populateONNXDataMovementToTensorPatterns: every data-movement pattern. The
// patterns themselves are in the DataMovement*.cpp files of their family
// (see DataMovement.h).
//
//===----------------------------------------------------------------------===//
#include "DataMovement.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

void bertc::populateONNXDataMovementToTensorPatterns(RewritePatternSet &patterns) {
  populateDataMovementTriluCumSumPatterns(patterns);
  populateDataMovementReshapePatterns(patterns);
  populateDataMovementSlicePatterns(patterns);
  populateDataMovementGatherPatterns(patterns);
  populateDataMovementBroadcastPatterns(patterns);
}
