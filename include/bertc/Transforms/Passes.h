//===- Passes.h - Graph-level passes ----------------------------*- C++ -*-===//
#ifndef BERTC_TRANSFORMS_PASSES_H
#define BERTC_TRANSFORMS_PASSES_H

#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace bertc {

#define GEN_PASS_DECL
#include "bertc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bertc/Transforms/Passes.h.inc"

} // namespace bertc

#endif // BERTC_TRANSFORMS_PASSES_H
