//===- EntryPointToLLVM.cpp - bertc_cpu.entry_point to the model.so ABI ---===//
//
// Lowers the entry point to what runtime/include/bertc/model_abi.h describes,
// in the LLVM dialect:
//
//   @<str>, @<dims>, @<dimnames>       names and dims of each tensor
//   @<inputs>, @<outputs>               bertc_abi_tensor_info arrays
//   @<descriptor>                       bertc_abi_model, `run` =
//                                       @bertc_cpu_model_run (kernel library)
//   @bertc_model_error_sites (+count)   hidden: the run-time checks' nodes
//   @bertc_model_kernel_isa             hidden: the BERTC_ISA_* cap
//   @bertc_model_invoke(inputs, outputs)  hidden: unpacks the input
//                                       descriptor pointers and calls
//                                       @_mlir_ciface_<function>
//   @bertc_model_v1() -> ptr            exported: returns the descriptor
//
// Runs after convert-func-to-llvm (the C interface wrapper must exist).
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/kernel_abi.h"
#include "bertc/model_abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bertc {
#define GEN_PASS_DEF_CONVERTENTRYPOINTTOLLVM
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {

/// Builds the descriptor's constant globals at the rewriter's insertion
/// point (module level).
class AbiBuilder {
public:
  AbiBuilder(ConversionPatternRewriter &rw, ModuleOp module, Location loc)
      : rw(rw), module(module), loc(loc), ctx(rw.getContext()) {
    ptr = LLVM::LLVMPointerType::get(ctx);
    i32 = IntegerType::get(ctx, 32);
    i64 = IntegerType::get(ctx, 64);
    // bertc_abi_tensor_info
    info = LLVM::LLVMStructType::getLiteral(ctx, {ptr, i32, i32, ptr, ptr, i32, i32});
    // bertc_abi_model
    model = LLVM::LLVMStructType::getLiteral(
        ctx, {i32, i32, ptr, ptr, i32, i32, ptr, ptr, ptr});
  }

  /// A private symbol name not yet in the module.
  std::string freshName(StringRef stem) {
    for (;;) {
      std::string name = ("__bertc_abi_" + stem + "_" + Twine(counter++)).str();
      if (!module.lookupSymbol(name))
        return name;
    }
  }

  /// A global whose initializer is computed by `body` in its region.
  LLVM::GlobalOp global(Type type, StringRef name, LLVM::Linkage linkage,
                        function_ref<Value()> body) {
    auto g = rw.create<LLVM::GlobalOp>(loc, type, /*isConstant=*/true,
                                       linkage, name, Attribute());
    OpBuilder::InsertionGuard guard(rw);
    rw.createBlock(&g.getInitializerRegion());
    rw.create<LLVM::ReturnOp>(loc, body());
    return g;
  }

  Value addressOf(LLVM::GlobalOp g) {
    return rw.create<LLVM::AddressOfOp>(loc, g);
  }
  Value null() { return rw.create<LLVM::ZeroOp>(loc, ptr); }
  Value int32(int64_t v) {
    return rw.create<LLVM::ConstantOp>(loc, i32, rw.getI32IntegerAttr(v));
  }

  /// A NUL-terminated string (unnamed_addr: identical ones may merge).
  LLVM::GlobalOp string(StringRef s) {
    LLVM::GlobalOp &cached = strings[s];
    if (cached)
      return cached;
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), s.size() + 1);
    auto g = rw.create<LLVM::GlobalOp>(
        loc, type, /*isConstant=*/true, LLVM::Linkage::Private,
        freshName("str"), rw.getStringAttr((s + Twine('\0')).str()));
    g.setUnnamedAddr(LLVM::UnnamedAddr::Global);
    return cached = g;
  }

  /// A constant array of pointers, each computed by `element(i)`.
  LLVM::GlobalOp pointerArray(size_t n, StringRef name, LLVM::Linkage linkage,
                              function_ref<Value(size_t)> element) {
    auto type = LLVM::LLVMArrayType::get(ptr, n);
    return global(type, name, linkage, [&] {
      Value v = rw.create<LLVM::UndefOp>(loc, type);
      for (size_t i = 0; i < n; ++i)
        v = rw.create<LLVM::InsertValueOp>(loc, v, element(i), i);
      return v;
    });
  }

  /// An array of bertc_abi_tensor_info (null if `sigs` is empty).
  LLVM::GlobalOp tensorInfos(ArrayAttr sigs, StringRef stem) {
    if (sigs.empty())
      return {};
    // The pieces first (module-level globals), then the array.
    struct Pieces {
      LLVM::GlobalOp name, dims, dimNames;
    };
    SmallVector<Pieces> pieces;
    for (Attribute a : sigs) {
      auto sig = cast<bertc::cpu::TensorSignatureAttr>(a);
      Pieces p;
      p.name = string(sig.getName());
      RankedTensorType type = sig.getType();
      if (type.getRank() > 0) {
        SmallVector<int64_t> dims;
        for (int64_t d : type.getShape())
          dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
        auto dimsType = RankedTensorType::get({type.getRank()}, i64);
        p.dims = rw.create<LLVM::GlobalOp>(
            loc, LLVM::LLVMArrayType::get(i64, type.getRank()),
            /*isConstant=*/true, LLVM::Linkage::Private, freshName("dims"),
            DenseElementsAttr::get(dimsType, ArrayRef<int64_t>(dims)));
        SmallVector<LLVM::GlobalOp> names;
        for (StringAttr n : sig.getDimNames())
          names.push_back(n.getValue().empty() ? LLVM::GlobalOp()
                                               : string(n.getValue()));
        p.dimNames = pointerArray(names.size(), freshName("dimnames"),
                                  LLVM::Linkage::Private, [&](size_t i) {
                                    return names[i] ? addressOf(names[i])
                                                    : null();
                                  });
      }
      pieces.push_back(p);
    }
    auto arrayType = LLVM::LLVMArrayType::get(info, sigs.size());
    auto array = global(arrayType, freshName(stem), LLVM::Linkage::Private, [&] {
      Value v = rw.create<LLVM::UndefOp>(loc, arrayType);
      for (auto [i, a] : llvm::enumerate(sigs)) {
        auto sig = cast<bertc::cpu::TensorSignatureAttr>(a);
        const Pieces &p = pieces[i];
        Value s = rw.create<LLVM::UndefOp>(loc, info);
        Value fields[] = {
            addressOf(p.name),
            int32(bertc::cpu::abiDtypeOf(sig.getType().getElementType())),
            int32(sig.getType().getRank()),
            p.dims ? addressOf(p.dims) : null(),
            p.dimNames ? addressOf(p.dimNames) : null(),
            int32(sig.getOwned() ? BERTC_ABI_TENSOR_OWNED : 0),
            int32(0)};
        for (auto [k, f] : llvm::enumerate(fields))
          s = rw.create<LLVM::InsertValueOp>(loc, s, f, k);
        v = rw.create<LLVM::InsertValueOp>(loc, v, s, i);
      }
      return v;
    });
    return array;
  }

  ConversionPatternRewriter &rw;
  ModuleOp module;
  Location loc;
  MLIRContext *ctx;
  Type ptr, i32, i64;
  LLVM::LLVMStructType info, model;
  unsigned counter = 0;
  llvm::StringMap<LLVM::GlobalOp> strings;
};

/// A hidden (model.so-internal) constant i32 the kernel library reads.
void hiddenInt32(AbiBuilder &abi, StringRef name, int32_t value) {
  auto g = abi.global(abi.i32, name, LLVM::Linkage::External,
                      [&] { return abi.int32(value); });
  g.setVisibility_(LLVM::Visibility::Hidden);
}

/// The C interface wrapper of the entry point's function.
LLVM::LLVMFuncOp wrapperOf(bertc::cpu::EntryPointOp op) {
  auto module = op->getParentOfType<ModuleOp>();
  return module.lookupSymbol<LLVM::LLVMFuncOp>(
      ("_mlir_ciface_" + op.getFunction()).str());
}

/// The wrapper exists and takes what the entry point describes: the output
/// struct pointer (if any output), then one descriptor pointer per input.
LogicalResult checkWrapper(bertc::cpu::EntryPointOp op,
                           LLVM::LLVMFuncOp wrapper, bool emit = false) {
  std::string name = ("_mlir_ciface_" + op.getFunction()).str();
  if (!wrapper) {
    if (emit)
      op.emitError() << "no @" << name << " in the LLVM dialect: lower @"
                     << op.getFunction()
                     << " (with llvm.emit_c_interface) first";
    return failure();
  }
  size_t want = op.getInputs().size() + (op.getOutputs().empty() ? 0 : 1);
  if (wrapper.getNumArguments() != want) {
    if (emit)
      op.emitError() << "@" << name << " takes " << wrapper.getNumArguments()
                     << " arguments, the entry point describes " << want;
    return failure();
  }
  return success();
}

struct EntryPointLowering : OpConversionPattern<bertc::cpu::EntryPointOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(bertc::cpu::EntryPointOp op, OpAdaptor,
                  ConversionPatternRewriter &rw) const override {
    auto module = op->getParentOfType<ModuleOp>();
    Location loc = op.getLoc();
    auto wrapper = wrapperOf(op);
    if (failed(checkWrapper(op, wrapper)))
      return rw.notifyMatchFailure(op, "no matching C interface wrapper");
    size_t numInputs = op.getInputs().size(), numOutputs = op.getOutputs().size();

    rw.setInsertionPoint(op);
    AbiBuilder abi(rw, module, loc);
    MLIRContext *ctx = rw.getContext();
    Type voidTy = LLVM::LLVMVoidType::get(ctx);

    // void bertc_model_invoke(void *const *inputs, void *outputs)
    auto invoke = rw.create<LLVM::LLVMFuncOp>(
        loc, BERTC_MODEL_INVOKE_SYMBOL,
        LLVM::LLVMFunctionType::get(voidTy, {abi.ptr, abi.ptr}));
    invoke.setVisibility_(LLVM::Visibility::Hidden);
    {
      OpBuilder::InsertionGuard guard(rw);
      Block *body = rw.createBlock(&invoke.getBody(), {}, {abi.ptr, abi.ptr},
                                   {loc, loc});
      SmallVector<Value> args;
      if (numOutputs)
        args.push_back(body->getArgument(1));
      for (size_t i = 0; i < numInputs; ++i) {
        Value slot = rw.create<LLVM::GEPOp>(
            loc, abi.ptr, abi.ptr, body->getArgument(0),
            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
        args.push_back(rw.create<LLVM::LoadOp>(loc, abi.ptr, slot));
      }
      rw.create<LLVM::CallOp>(loc, wrapper, args);
      rw.create<LLVM::ReturnOp>(loc, ValueRange{});
    }

    // int32_t bertc_cpu_model_run(ctx, inputs, outputs)
    auto run = module.lookupSymbol<LLVM::LLVMFuncOp>(BERTC_KERNEL_MODEL_RUN);
    if (!run)
      run = rw.create<LLVM::LLVMFuncOp>(
          loc, BERTC_KERNEL_MODEL_RUN,
          LLVM::LLVMFunctionType::get(abi.i32, {abi.ptr, abi.ptr, abi.ptr}));

    LLVM::GlobalOp name = abi.string(op.getModelName());
    LLVM::GlobalOp producer = abi.string(op.getProducer());
    LLVM::GlobalOp inputsArr = abi.tensorInfos(op.getInputs(), "inputs");
    LLVM::GlobalOp outputsArr = abi.tensorInfos(op.getOutputs(), "outputs");

    auto descriptor = abi.global(
        abi.model, abi.freshName("model"), LLVM::Linkage::Private, [&] {
          Value s = rw.create<LLVM::UndefOp>(loc, abi.model);
          Value fields[] = {
              abi.int32(BERTC_ABI_VERSION),
              abi.int32(BERTC_DEVICE_CPU),
              abi.addressOf(name),
              abi.addressOf(producer),
              abi.int32(numInputs),
              abi.int32(numOutputs),
              inputsArr ? abi.addressOf(inputsArr) : abi.null(),
              outputsArr ? abi.addressOf(outputsArr) : abi.null(),
              rw.create<LLVM::AddressOfOp>(loc, run)};
          for (auto [k, f] : llvm::enumerate(fields))
            s = rw.create<LLVM::InsertValueOp>(loc, s, f, k);
          return s;
        });

    // The run-time checks' node names (runtime/src/cpu/errors.c).
    SmallVector<LLVM::GlobalOp> sites;
    for (Attribute a : op.getErrorSites())
      sites.push_back(abi.string(cast<StringAttr>(a).getValue()));
    auto table = abi.pointerArray(
        sites.size(), BERTC_MODEL_ERROR_SITES_SYMBOL, LLVM::Linkage::External,
        [&](size_t i) { return abi.addressOf(sites[i]); });
    table.setVisibility_(LLVM::Visibility::Hidden);
    hiddenInt32(abi, BERTC_MODEL_NUM_ERROR_SITES_SYMBOL, sites.size());
    hiddenInt32(abi, BERTC_MODEL_KERNEL_ISA_SYMBOL, op.getKernelIsa());

    // const bertc_abi_model *bertc_model_v1(void), the exported symbol.
    std::string entryName = op.getSymName().str();
    rw.eraseOp(op);
    auto entry = rw.create<LLVM::LLVMFuncOp>(
        loc, entryName, LLVM::LLVMFunctionType::get(abi.ptr, {}));
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.createBlock(&entry.getBody());
      rw.create<LLVM::ReturnOp>(loc, abi.addressOf(descriptor));
    }
    return success();
  }
};

struct ConvertEntryPointToLLVMPass
    : bertc::impl::ConvertEntryPointToLLVMBase<ConvertEntryPointToLLVMPass> {
  void runOnOperation() override {
    // Diagnose what the pattern cannot lower before converting.
    bool ok = true;
    getOperation().walk([&](bertc::cpu::EntryPointOp op) {
      ok &= succeeded(checkWrapper(op, wrapperOf(op), /*emit=*/true));
    });
    if (!ok)
      return signalPassFailure();
    ConversionTarget target(getContext());
    target.addLegalDialect<LLVM::LLVMDialect>();
    target.addIllegalOp<bertc::cpu::EntryPointOp>();
    RewritePatternSet patterns(&getContext());
    bertc::populateEntryPointToLLVMPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void bertc::populateEntryPointToLLVMPatterns(RewritePatternSet &patterns) {
  patterns.add<EntryPointLowering>(patterns.getContext());
}
