//===- FusionUtils.cpp - Matching helpers for the fusion passes -----------===//
#include "FusionUtils.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseSet.h"

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

void fusion::MissCollector::note(Operation *anchor, Operation *culprit,
                                 const Twine &reason) {
  misses[anchor] = {culprit, reason.str()};
}

void fusion::MissCollector::flush(Operation *root, FusionReport *report,
                                  StringRef kind) {
  llvm::DenseSet<Operation *> live;
  root->walk([&](Operation *op) { live.insert(op); });
  for (auto &[anchor, miss] : misses)
    if (live.contains(anchor))
      reportMissedFusion(report, anchor, kind,
                         live.contains(miss.first) ? miss.first : anchor,
                         miss.second);
  misses.clear();
}
