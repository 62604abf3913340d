//===- Passes.h - Graph-level passes ----------------------------*- C++ -*-===//
#ifndef BERTC_TRANSFORMS_PASSES_H
#define BERTC_TRANSFORMS_PASSES_H

#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace bertc {

class FusionReport;

#define GEN_PASS_DECL
#include "bertc/Transforms/Passes.h.inc"

/// The fusion passes, recording counts and refusals into `report` (if
/// non-null; otherwise refusals are remarks). See FusionReport.h.
std::unique_ptr<mlir::Pass> createFuseAttention(FusionReport *report);
std::unique_ptr<mlir::Pass> createFuseLayerNorm(FusionReport *report);
std::unique_ptr<mlir::Pass> createFuseSkipLayerNorm(FusionReport *report);
std::unique_ptr<mlir::Pass> createFuseGelu(FusionReport *report);
std::unique_ptr<mlir::Pass> createFuseLinear(FusionReport *report);
std::unique_ptr<mlir::Pass> createFuseQKV(FusionReport *report);

#define GEN_PASS_REGISTRATION
#include "bertc/Transforms/Passes.h.inc"

} // namespace bertc

#endif // BERTC_TRANSFORMS_PASSES_H
