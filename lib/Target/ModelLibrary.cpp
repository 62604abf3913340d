//===- ModelLibrary.cpp - From the LLVM dialect to model.so ---------------===//
//
// Translates the lowered module to LLVM IR, adds the model.so ABI of
// runtime/include/bertc/model_abi.h (descriptor globals, the entry symbol and
// the `bertc_model_invoke` trampoline that unpacks input descriptors), runs
// LLVM's optimizer, emits an object file and links it with the CPU kernel
// library into a shared object that exports nothing but the entry symbol.
//
//===----------------------------------------------------------------------===//
#include "bertc/Target/ModelLibrary.h"

#include "bertc/kernel_abi.h"
#include "bertc/model_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

namespace bertc {

static int32_t dtypeOf(Type t) {
  if (t.isF32()) return BERTC_DTYPE_F32;
  if (t.isF16()) return BERTC_DTYPE_F16;
  if (t.isBF16()) return BERTC_DTYPE_BF16;
  if (t.isF64()) return BERTC_DTYPE_F64;
  if (t.isInteger(1)) return BERTC_DTYPE_BOOL;
  if (t.isUnsignedInteger(8)) return BERTC_DTYPE_U8;
  if (t.isInteger(8)) return BERTC_DTYPE_I8;
  if (t.isInteger(16)) return BERTC_DTYPE_I16;
  if (t.isInteger(32)) return BERTC_DTYPE_I32;
  if (t.isInteger(64)) return BERTC_DTYPE_I64;
  return BERTC_DTYPE_INVALID;
}

static FailureOr<TensorSignature>
signatureOf(func::FuncOp func, Type type, DictionaryAttr attrs, bool isArg,
            unsigned index) {
  auto fail = [&]() {
    return func.emitError() << (isArg ? "input" : "output") << " #" << index;
  };
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return fail() << " has type " << type
                  << ", but model.so inputs and outputs must be ranked tensors";
  TensorSignature sig;
  sig.dtype = dtypeOf(tensor.getElementType());
  if (sig.dtype == BERTC_DTYPE_INVALID)
    return fail() << " has element type " << tensor.getElementType()
                  << ", which the model.so ABI cannot carry";
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("bertc.name"))
      sig.name = name.str();
  if (sig.name.empty())
    sig.name = (isArg ? "input_" : "output_") + std::to_string(index);
  ArrayAttr dimNames = attrs ? attrs.getAs<ArrayAttr>("bertc.dim_names") : nullptr;
  for (int64_t i = 0; i < tensor.getRank(); ++i) {
    int64_t d = tensor.getDimSize(i);
    sig.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    std::string dimName;
    if (dimNames && i < (int64_t)dimNames.size())
      if (auto s = dyn_cast<StringAttr>(dimNames[i]))
        dimName = s.str();
    // A dim that became static has no symbolic name any more.
    sig.dimNames.push_back(ShapedType::isDynamic(d) ? dimName : "");
  }
  return sig;
}

FailureOr<ModelSignature> readModelSignature(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("main_graph");
  if (!func)
    return module.emitError("no @main_graph function in the module");
  ModelSignature sig;
  if (auto name = module->getAttrOfType<StringAttr>("bertc.model_name"))
    sig.modelName = name.str();
  auto type = func.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto s = signatureOf(func, type.getInput(i), func.getArgAttrDict(i), true, i);
    if (failed(s))
      return failure();
    sig.inputs.push_back(std::move(*s));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto s =
        signatureOf(func, type.getResult(i), func.getResultAttrDict(i), false, i);
    if (failed(s))
      return failure();
    sig.outputs.push_back(std::move(*s));
  }
  return sig;
}

FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodegenOptions &options, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return failure();
  std::string cpu = options.cpu;
  std::string features;
  if (cpu.empty() || cpu == "host" || cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(f.second ? "+" : "-") + f.first().str();
  }
  if (!options.features.empty())
    features += (features.empty() ? "" : ",") + options.features;
  llvm::TargetOptions targetOptions;
  llvm::CodeGenOptLevel level =
      options.optLevel == 0   ? llvm::CodeGenOptLevel::None
      : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
      : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                              : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      level));
  if (!tm) {
    error = "cannot create a target machine for " + triple + " (cpu " + cpu + ")";
    return failure();
  }
  return tm;
}

namespace {
/// Emits the static descriptor data of model_abi.h as LLVM globals.
class AbiEmitter {
public:
  AbiEmitter(llvm::Module &m) : m(m), ctx(m.getContext()), b(ctx) {
    ptrTy = llvm::PointerType::getUnqual(ctx);
    i32 = llvm::Type::getInt32Ty(ctx);
    i64 = llvm::Type::getInt64Ty(ctx);
    // bertc_abi_tensor_info
    infoTy = llvm::StructType::get(ctx, {ptrTy, i32, i32, ptrTy, ptrTy});
    // bertc_abi_model
    modelTy = llvm::StructType::get(
        ctx, {i32, i32, ptrTy, ptrTy, i32, i32, ptrTy, ptrTy, ptrTy});
  }

  llvm::Constant *string(llvm::StringRef s) {
    auto *init = llvm::ConstantDataArray::getString(ctx, s, true);
    auto *g = new llvm::GlobalVariable(m, init->getType(), true,
                                       llvm::GlobalValue::PrivateLinkage, init,
                                       ".bertc.str");
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return g;
  }

  template <typename T>
  llvm::Constant *array(llvm::Type *elt, llvm::ArrayRef<T *> values,
                        const llvm::Twine &name) {
    if (values.empty())
      return llvm::ConstantPointerNull::get(ptrTy);
    auto *arrTy = llvm::ArrayType::get(elt, values.size());
    auto *init = llvm::ConstantArray::get(
        arrTy, llvm::ArrayRef<llvm::Constant *>(
                   reinterpret_cast<llvm::Constant *const *>(values.data()),
                   values.size()));
    return new llvm::GlobalVariable(m, arrTy, true,
                                    llvm::GlobalValue::PrivateLinkage, init,
                                    name);
  }

  llvm::Constant *tensorInfo(const TensorSignature &t) {
    SmallVector<uint64_t> dims;
    for (int64_t d : t.dims)
      dims.push_back(static_cast<uint64_t>(d));
    llvm::Constant *dimsPtr = llvm::ConstantPointerNull::get(ptrTy);
    llvm::Constant *namesPtr = llvm::ConstantPointerNull::get(ptrTy);
    if (!dims.empty()) {
      auto *init = llvm::ConstantDataArray::get(ctx, dims);
      dimsPtr = new llvm::GlobalVariable(m, init->getType(), true,
                                         llvm::GlobalValue::PrivateLinkage,
                                         init, ".bertc.dims");
      SmallVector<llvm::Constant *> names;
      for (const std::string &n : t.dimNames)
        names.push_back(n.empty() ? llvm::ConstantPointerNull::get(ptrTy)
                                  : string(n));
      namesPtr = array<llvm::Constant>(ptrTy, names, ".bertc.dimnames");
    }
    return llvm::ConstantStruct::get(
        infoTy, {string(t.name), llvm::ConstantInt::get(i32, t.dtype),
                 llvm::ConstantInt::get(i32, t.dims.size()), dimsPtr, namesPtr});
  }

  llvm::Constant *tensorInfos(llvm::ArrayRef<TensorSignature> ts,
                              const llvm::Twine &name) {
    SmallVector<llvm::Constant *> infos;
    for (const TensorSignature &t : ts)
      infos.push_back(tensorInfo(t));
    return array<llvm::Constant>(infoTy, infos, name);
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  llvm::IRBuilder<> b;
  llvm::PointerType *ptrTy;
  llvm::IntegerType *i32, *i64;
  llvm::StructType *infoTy, *modelTy;
};
} // namespace

std::unique_ptr<llvm::Module>
buildLLVMModule(ModuleOp module, const ModelSignature &signature,
                llvm::LLVMContext &llvmContext, llvm::TargetMachine &tm,
                unsigned optLevel) {
  // bertc.* argument/result attributes (names, dim names) are for the
  // signature, already read; LLVM translation would warn about them.
  module.walk([](LLVM::LLVMFuncOp f) {
    auto strip = [](ArrayAttr attrs) -> ArrayAttr {
      if (!attrs)
        return attrs;
      SmallVector<Attribute> out;
      for (Attribute a : attrs) {
        SmallVector<NamedAttribute> kept;
        for (NamedAttribute na : cast<DictionaryAttr>(a))
          if (!na.getName().strref().starts_with("bertc."))
            kept.push_back(na);
        out.push_back(DictionaryAttr::get(a.getContext(), kept));
      }
      return ArrayAttr::get(attrs.getContext(), out);
    };
    if (auto a = f.getArgAttrsAttr())
      f.setArgAttrsAttr(strip(a));
    if (auto r = f.getResAttrsAttr())
      f.setResAttrsAttr(strip(r));
  });
  std::unique_ptr<llvm::Module> m =
      translateModuleToLLVMIR(module, llvmContext, "bertc_model");
  if (!m)
    return nullptr;
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());

  llvm::Function *entry = m->getFunction("_mlir_ciface_main_graph");
  if (!entry) {
    module.emitError("lowered module has no _mlir_ciface_main_graph; was "
                     "bertc-prepare-model-entry run?");
    return nullptr;
  }

  AbiEmitter abi(*m);
  llvm::IRBuilder<> &b = abi.b;
  // void bertc_model_invoke(void *const *inputs, void *outputs)
  auto *invokeTy = llvm::FunctionType::get(
      llvm::Type::getVoidTy(llvmContext), {abi.ptrTy, abi.ptrTy}, false);
  auto *invoke = llvm::Function::Create(
      invokeTy, llvm::GlobalValue::ExternalLinkage, "bertc_model_invoke", *m);
  b.SetInsertPoint(llvm::BasicBlock::Create(llvmContext, "entry", invoke));
  SmallVector<llvm::Value *> args;
  if (!signature.outputs.empty())
    args.push_back(invoke->getArg(1));
  for (size_t i = 0; i < signature.inputs.size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(abi.ptrTy, invoke->getArg(0), i);
    args.push_back(b.CreateLoad(abi.ptrTy, slot));
  }
  if (args.size() != entry->arg_size()) {
    module.emitError() << "entry wrapper takes " << entry->arg_size()
                       << " arguments, expected " << args.size();
    return nullptr;
  }
  b.CreateCall(entry, args);
  b.CreateRetVoid();

  // int32_t bertc_cpu_model_run(ctx, inputs, outputs): in bertc_cpu_kernels.
  auto *runTy =
      llvm::FunctionType::get(abi.i32, {abi.ptrTy, abi.ptrTy, abi.ptrTy}, false);
  llvm::FunctionCallee run = m->getOrInsertFunction("bertc_cpu_model_run", runTy);

  // The widest GEMM micro-kernel the target allows (--mcpu/--mattr): the
  // kernels pick the best the running CPU has, capped by this
  // (BERTC_ISA_* in bertc/kernel_abi.h).
  int kernelIsa = BERTC_ISA_GENERIC;
  if (const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
      sti && tm.getTargetTriple().isX86()) {
    if (sti->checkFeatures("+avx512f,+avx512bw,+avx512vl,+avx512vnni"))
      kernelIsa = BERTC_ISA_AVX512_VNNI; // int8 GEMM's vpdpbusd kernel
    else if (sti->checkFeatures("+avx512f"))
      kernelIsa = BERTC_ISA_AVX512;
    else if (sti->checkFeatures("+avx2,+fma"))
      kernelIsa = BERTC_ISA_AVX2;
  }
  static const char *const isaNames[] = {"generic", "avx2", "avx512",
                                         "avx512_vnni"};
  std::string producer = "bertc 0.1.0 (" + tm.getTargetTriple().str() + ", " +
                         tm.getTargetCPU().str() + ", kernels up to " +
                         isaNames[kernelIsa] + ")";
  llvm::Constant *desc = llvm::ConstantStruct::get(
      abi.modelTy,
      {llvm::ConstantInt::get(abi.i32, BERTC_ABI_VERSION),
       llvm::ConstantInt::get(abi.i32, BERTC_DEVICE_CPU),
       abi.string(signature.modelName), abi.string(producer),
       llvm::ConstantInt::get(abi.i32, signature.inputs.size()),
       llvm::ConstantInt::get(abi.i32, signature.outputs.size()),
       abi.tensorInfos(signature.inputs, ".bertc.inputs"),
       abi.tensorInfos(signature.outputs, ".bertc.outputs"),
       llvm::cast<llvm::Constant>(run.getCallee())});
  auto *descGlobal = new llvm::GlobalVariable(
      *m, abi.modelTy, true, llvm::GlobalValue::PrivateLinkage, desc,
      ".bertc.model");

  // Node names of the run-time error sites (runtime/src/cpu/errors.c).
  {
    SmallVector<llvm::Constant *> sites;
    if (auto arr = module->getAttrOfType<ArrayAttr>("bertc.error_sites"))
      for (Attribute a : arr)
        sites.push_back(abi.string(cast<StringAttr>(a).getValue()));
    auto *arrTy = llvm::ArrayType::get(abi.ptrTy, sites.size());
    auto *table = new llvm::GlobalVariable(
        *m, arrTy, true, llvm::GlobalValue::ExternalLinkage,
        llvm::ConstantArray::get(arrTy, sites), "bertc_model_error_sites");
    table->setVisibility(llvm::GlobalValue::HiddenVisibility);
    auto *count = new llvm::GlobalVariable(
        *m, abi.i32, true, llvm::GlobalValue::ExternalLinkage,
        llvm::ConstantInt::get(abi.i32, sites.size()),
        "bertc_model_num_error_sites");
    count->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

  {
    auto *g = new llvm::GlobalVariable(
        *m, abi.i32, true, llvm::GlobalValue::ExternalLinkage,
        llvm::ConstantInt::get(abi.i32, kernelIsa), "bertc_model_kernel_isa");
    g->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

  // const bertc_abi_model *bertc_model_v1(void)
  auto *entryTy = llvm::FunctionType::get(abi.ptrTy, {}, false);
  auto *entrySym = llvm::Function::Create(
      entryTy, llvm::GlobalValue::ExternalLinkage, BERTC_MODEL_ENTRY_SYMBOL, *m);
  b.SetInsertPoint(llvm::BasicBlock::Create(llvmContext, "entry", entrySym));
  b.CreateRet(descGlobal);

  // Every function is compiled for the chosen CPU.
  for (llvm::Function &f : *m) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
  }

  auto optimize = makeOptimizingTransformer(std::min(optLevel, 3u), 0, &tm);
  if (llvm::Error err = optimize(m.get())) {
    module.emitError() << "LLVM optimization failed: "
                       << llvm::toString(std::move(err));
    return nullptr;
  }
  return m;
}

LogicalResult emitObjectFile(llvm::Module &module, llvm::TargetMachine &tm,
                             llvm::StringRef path, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot open '" + path.str() + "': " + ec.message();
    return failure();
  }
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  pm.run(module);
  os.flush();
  if (os.has_error()) {
    error = "error writing '" + path.str() + "'";
    return failure();
  }
  return success();
}

/// Raw little-endian bytes of a constant global's initializer, if it is a
/// non-splat dense tensor of byte-sized elements (the layout LLVM would give
/// the nested array type).
static std::optional<ArrayRef<char>> rawBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements)
    return std::nullopt;
  Type elt = elements.getElementType();
  if (!elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
    return std::nullopt;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    if (!dense.isSplat())
      return dense.getRawData();
  return std::nullopt;
}

FailureOr<ExternalWeights> externalizeWeights(ModuleOp module,
                                              uint64_t minBytes,
                                              llvm::StringRef blobPath,
                                              llvm::StringRef asmPath,
                                              std::string &error) {
  ExternalWeights result;
  std::error_code ec;
  llvm::raw_fd_ostream blob(blobPath, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot open '" + blobPath.str() + "': " + ec.message();
    return failure();
  }
  std::string asmText;
  llvm::raw_string_ostream as(asmText);
  as << "# Weights of the model, appended by the assembler from\n# " << blobPath
     << " (written by bertc).\n\t.section .rodata.bertc_weights,\"a\"\n";
  std::string quoted;
  for (char c : blobPath) {
    if (c == '"' || c == '\\')
      quoted += '\\';
    quoted += c;
  }
  uint64_t offset = 0;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (!global.getConstant())
      continue;
    std::optional<ArrayRef<char>> bytes = rawBytes(global.getValueOrNull());
    if (!bytes || bytes->size() < minBytes)
      continue;
    uint64_t align = std::max<uint64_t>(global.getAlignment().value_or(16), 64);
    uint64_t padded = llvm::alignTo(offset, align);
    for (; offset < padded; ++offset)
      blob << '\0';
    blob.write(bytes->data(), bytes->size());
    StringRef name = global.getSymName();
    as << "\t.balign " << align << "\n\t.globl " << name << "\n\t.hidden "
       << name << "\n\t.type " << name << ", @object\n\t.size " << name << ", "
       << bytes->size() << "\n"
       << name << ":\n\t.incbin \"" << quoted << "\", " << offset << ", "
       << bytes->size() << "\n";
    offset += bytes->size();
    result.bytes += bytes->size();
    ++result.count;
    // Keep a declaration: the code addresses it directly (hidden, dso_local).
    global.removeValueAttr();
    global.setLinkage(LLVM::Linkage::External);
    global.setVisibility_(LLVM::Visibility::Hidden);
    global.setDsoLocal(true);
  }
  as << "\t.section .note.GNU-stack,\"\",@progbits\n";
  blob.close();
  if (blob.has_error()) {
    error = "error writing '" + blobPath.str() + "'";
    return failure();
  }
  llvm::raw_fd_ostream asmFile(asmPath, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot open '" + asmPath.str() + "': " + ec.message();
    return failure();
  }
  asmFile << asmText;
  asmFile.close();
  if (asmFile.has_error()) {
    error = "error writing '" + asmPath.str() + "'";
    return failure();
  }
  result.assemblyPath = asmPath.str();
  return result;
}

LogicalResult linkSharedLibrary(ArrayRef<std::string> inputs,
                                llvm::StringRef outputPath,
                                llvm::StringRef kernelLibrary,
                                std::string &error) {
  // The kernel library may use the C++ runtime (thread_local, new), so link
  // with the C++ driver. $BERTC_LINKER overrides it.
  std::string driver;
  if (const char *env = std::getenv("BERTC_LINKER"))
    driver = env;
  else if (auto p = llvm::sys::findProgramByName("c++"))
    driver = *p;
  else if (auto p = llvm::sys::findProgramByName("g++"))
    driver = *p;
  else if (auto p = llvm::sys::findProgramByName("clang++"))
    driver = *p;
  if (driver.empty()) {
    error = "no C++ compiler driver (c++, g++ or clang++) on PATH to link "
            "model.so; set BERTC_LINKER";
    return failure();
  }
  if (!llvm::sys::fs::exists(kernelLibrary)) {
    error = "CPU kernel library not found at '" + kernelLibrary.str() + "'";
    return failure();
  }
  // Export only the entry symbol: several models can live in one process.
  llvm::SmallString<128> script;
  int fd;
  if (auto ec = llvm::sys::fs::createTemporaryFile("bertc-exports", "map", fd,
                                                   script)) {
    error = "cannot create a temporary file: " + ec.message();
    return failure();
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << "{ global: " << BERTC_MODEL_ENTRY_SYMBOL << "; local: *; };\n";
  }
  std::string versionScript = "-Wl,--version-script=" + script.str().str();
  llvm::SmallVector<llvm::StringRef> args = {driver, "-shared", "-o",
                                             outputPath};
  for (const std::string &input : inputs)
    args.push_back(input);
  args.append({kernelLibrary, versionScript, "-Wl,-z,noexecstack",
               "-Wl,--gc-sections", "-lm", "-lpthread"});
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0,
                                     &message);
  llvm::sys::fs::remove(script);
  if (rc != 0) {
    error = "linking '" + outputPath.str() + "' with " + driver + " failed" +
            (message.empty() ? "" : ": " + message) + " (exit code " +
            std::to_string(rc) + ")";
    return failure();
  }
  return success();
}

} // namespace bertc
