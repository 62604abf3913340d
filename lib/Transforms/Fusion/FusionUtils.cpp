//===- FusionUtils.cpp - Matching helpers for the fusion passes -----------===//
#include "FusionUtils.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace bertc;

bool fusion::isLastAxisVector(Value v, int64_t size) {
  ElementsAttr attr = getConstant(v);
  if (!attr)
    return false;
  auto type = cast<ShapedType>(attr.getType());
  return isa<FloatType>(type.getElementType()) &&
         type.getNumElements() == size && type.getRank() >= 1 &&
         type.getShape().back() == size &&
         (type.getRank() == 1 ||
          isa<DenseElementsAttr, DenseResourceElementsAttr>(attr));
}

Value fusion::getLastAxisVector(PatternRewriter &rewriter, Value v,
                                int64_t size) {
  ElementsAttr attr = getConstant(v);
  if (!attr)
    return {};
  auto type = cast<ShapedType>(attr.getType());
  if (!isa<FloatType>(type.getElementType()) || type.getNumElements() != size)
    return {};
  // [C] or [1, ..., 1, C].
  if (type.getRank() < 1 || type.getShape().back() != size)
    return {};
  auto vecType = RankedTensorType::get({size}, type.getElementType());
  if (type.getRank() == 1)
    return v;
  ElementsAttr reshaped;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    reshaped = dense.reshape(vecType);
  else if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    reshaped = DenseResourceElementsAttr::get(vecType, res.getRawHandle());
  if (!reshaped)
    return {};
  return rewriter.create<onnx::ConstantOp>(v.getLoc(), vecType, reshaped);
}

void fusion::noteMissedFusion(Operation *anchor, StringRef kind,
                              Operation *culprit, const Twine &reason) {
  // Remarks are printed by `bertc --fusion-report` (and by bertc-opt with
  // --mlir-print-... or a diagnostic handler); otherwise they are dropped.
  InFlightDiagnostic diag =
      anchor->emitRemark() << "bertc-fusion-missed: " << kind << ": " << reason;
  if (culprit && culprit != anchor)
    diag.attachNote(culprit->getLoc()) << "the match broke at this node";
}
