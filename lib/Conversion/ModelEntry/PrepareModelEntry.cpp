//===- PrepareModelEntry.cpp - The calling convention of model.so ---------===//
//
// The runtime passes input buffers it does not own and takes ownership of
// every output (model_abi.h). So: inputs are marked non-writable for
// bufferization, the C interface wrapper is requested, and every returned
// tensor is materialized in a fresh allocation (an output may otherwise alias
// an input, a weight or another output).
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace bertc {
#define GEN_PASS_DEF_PREPAREMODELENTRY
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {
struct PrepareModelEntryPass
    : bertc::impl::PrepareModelEntryBase<PrepareModelEntryPass> {
  using PrepareModelEntryBase::PrepareModelEntryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(entryName);
    if (!func || func.isExternal()) {
      module.emitError() << "no entry function '" << entryName << "' to compile";
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(ctx));
    StringRef writable = bufferization::BufferizationDialect::kWritableAttrName;
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      if (!isa<TensorType>(func.getArgument(i).getType())) {
        func.emitError() << "entry argument #" << i << " is not a tensor";
        return signalPassFailure();
      }
      func.setArgAttr(i, writable, BoolAttr::get(ctx, false));
    }

    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    OpBuilder b(ret);
    for (OpOperand &operand : ret->getOpOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!type) {
        ret.emitError() << "entry result #" << operand.getOperandNumber()
                        << " is not a ranked tensor";
        return signalPassFailure();
      }
      // A copy into a new allocation the caller will own.
      auto copy = b.create<bufferization::AllocTensorOp>(
          ret.getLoc(), type, /*dynamicSizes=*/ValueRange{},
          /*copy=*/operand.get());
      operand.set(copy);
    }
  }
};
} // namespace
