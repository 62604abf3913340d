//===- PrepareModelEntry.cpp - The calling convention of model.so ---------===//
//
// The runtime passes input buffers it does not own and takes ownership of
// every output (model_abi.h). So: inputs are marked non-writable for
// bufferization, the C interface wrapper is requested, and every returned
// tensor is materialized in a fresh allocation (an output may otherwise alias
// an input, a weight or another output), which the entry point declares
// `owned`.
//
// The model's signature (the importer's bertc.model_name, bertc.name and
// bertc.dim_names attributes and the function's types) becomes a
// `bertc_cpu.entry_point` op, the one place the ABI is described until
// bertc-convert-entry-point-to-llvm lowers it.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Conversion/RuntimeChecks.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/model_abi.h"

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
constexpr const char kNameAttr[] = "bertc.name";
constexpr const char kDimNamesAttr[] = "bertc.dim_names";
constexpr const char kModelNameAttr[] = "bertc.model_name";

/// The signature of argument or result #index, from its type and the
/// importer's attributes (which are removed: the entry point holds them now).
FailureOr<bertc::cpu::TensorSignatureAttr>
signatureOf(func::FuncOp func, Type type, DictionaryAttr attrs, bool isArg,
            unsigned index, bool owned) {
  MLIRContext *ctx = func.getContext();
  auto tensor = dyn_cast<RankedTensorType>(type);
  auto fail = [&]() {
    return func.emitError() << (isArg ? "input" : "output") << " #" << index;
  };
  if (!tensor)
    return fail() << " has type " << type
                  << ", but model.so inputs and outputs must be ranked tensors";
  if (bertc::cpu::abiDtypeOf(tensor.getElementType()) == BERTC_DTYPE_INVALID)
    return fail() << " has element type " << tensor.getElementType()
                  << ", which the model.so ABI cannot carry";
  std::string name;
  if (attrs)
    if (auto n = attrs.getAs<StringAttr>(kNameAttr))
      name = n.str();
  if (name.empty())
    name = (isArg ? "input_" : "output_") + std::to_string(index);
  ArrayAttr given = attrs ? attrs.getAs<ArrayAttr>(kDimNamesAttr) : nullptr;
  SmallVector<StringAttr> dimNames;
  for (int64_t i = 0; i < tensor.getRank(); ++i) {
    StringRef dimName;
    if (given && i < (int64_t)given.size())
      if (auto s = dyn_cast<StringAttr>(given[i]))
        dimName = s.getValue();
    // A dim that became static has no symbolic name any more.
    dimNames.push_back(StringAttr::get(
        ctx, tensor.isDynamicDim(i) ? dimName : StringRef()));
  }
  return bertc::cpu::TensorSignatureAttr::get(ctx, name, tensor, dimNames, owned);
}

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

    if (failed(createEntryPoint(module, func)))
      return signalPassFailure();

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

  LogicalResult createEntryPoint(ModuleOp module, func::FuncOp func) {
    if (bertc::cpu::EntryPointOp::lookup(module))
      return module.emitError("the module already has a bertc_cpu.entry_point");
    MLIRContext *ctx = &getContext();
    FunctionType type = func.getFunctionType();
    SmallVector<Attribute> inputs, outputs;
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      auto sig = signatureOf(func, type.getInput(i), func.getArgAttrDict(i),
                             /*isArg=*/true, i, /*owned=*/false);
      if (failed(sig))
        return failure();
      inputs.push_back(*sig);
      func.removeArgAttr(i, kNameAttr);
      func.removeArgAttr(i, kDimNamesAttr);
    }
    for (unsigned i = 0; i < type.getNumResults(); ++i) {
      // Owned: every result is copied into a fresh allocation below.
      auto sig = signatureOf(func, type.getResult(i), func.getResultAttrDict(i),
                             /*isArg=*/false, i, /*owned=*/true);
      if (failed(sig))
        return failure();
      outputs.push_back(*sig);
      func.removeResultAttr(i, StringAttr::get(ctx, kNameAttr));
      func.removeResultAttr(i, StringAttr::get(ctx, kDimNamesAttr));
    }
    std::string modelName;
    if (auto n = module->getAttrOfType<StringAttr>(kModelNameAttr))
      modelName = n.str();
    module->removeAttr(kModelNameAttr);
    // Sites recorded before the entry point existed (bertc-opt pipelines
    // that lower first) move into it.
    ArrayAttr sites = module->getAttrOfType<ArrayAttr>(
        bertc::lowering::kErrorSitesAttr);
    module->removeAttr(bertc::lowering::kErrorSitesAttr);
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    b.create<bertc::cpu::EntryPointOp>(
        func.getLoc(), BERTC_MODEL_ENTRY_SYMBOL, func.getSymName(),
        b.getArrayAttr(inputs), b.getArrayAttr(outputs), modelName,
        std::string(producer), static_cast<uint32_t>(int32_t(kernelIsa)),
        sites ? sites : b.getArrayAttr({}));
    return success();
  }
};
} // namespace
