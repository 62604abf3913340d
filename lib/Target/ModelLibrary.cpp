//===- ModelLibrary.cpp - From the LLVM dialect to model.so ---------------===//
//
// Translates the lowered module (LLVM dialect, the model.so ABI already in it:
// bertc-convert-entry-point-to-llvm) to LLVM IR, runs LLVM's optimizer for
// the target CPU, emits an object file and links it with the CPU kernel
// library into a shared object that exports nothing but the entry symbol.
//
//===----------------------------------------------------------------------===//
#include "bertc/Target/ModelLibrary.h"

#include "bertc/kernel_abi.h"
#include "bertc/model_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Target/LLVMIR/Export.h"

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

TargetDescription describeTarget(llvm::TargetMachine &tm) {
  // The widest GEMM micro-kernel the target allows (--mcpu/--mattr): the
  // kernels pick the best the running CPU has, capped by this
  // (BERTC_ISA_* in bertc/kernel_abi.h).
  TargetDescription d;
  d.kernelIsa = BERTC_ISA_GENERIC;
  if (const llvm::MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
      sti && tm.getTargetTriple().isX86()) {
    if (sti->checkFeatures("+avx512f,+avx512bw,+avx512vl,+avx512vnni"))
      d.kernelIsa = BERTC_ISA_AVX512_VNNI; // the int8 GEMM's vpdpbusd kernel
    else if (sti->checkFeatures("+avx512f"))
      d.kernelIsa = BERTC_ISA_AVX512;
    else if (sti->checkFeatures("+avx2,+fma"))
      d.kernelIsa = BERTC_ISA_AVX2;
  }
  static const char *const isaNames[] = {"generic", "avx2", "avx512",
                                         "avx512_vnni"};
  d.producer = "bertc 0.1.0 (" + tm.getTargetTriple().str() + ", " +
               tm.getTargetCPU().str() + ", kernels up to " +
               isaNames[d.kernelIsa] + ")";
  return d;
}

std::unique_ptr<llvm::Module> buildLLVMModule(ModuleOp module,
                                              llvm::LLVMContext &llvmContext,
                                              llvm::TargetMachine &tm,
                                              unsigned optLevel) {
  std::unique_ptr<llvm::Module> m =
      translateModuleToLLVMIR(module, llvmContext, "bertc_model");
  if (!m)
    return nullptr;
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  if (!m->getFunction(BERTC_MODEL_ENTRY_SYMBOL)) {
    module.emitError() << "lowered module has no @" << BERTC_MODEL_ENTRY_SYMBOL
                       << "; was bertc_cpu.entry_point lowered "
                          "(bertc-convert-entry-point-to-llvm)?";
    return nullptr;
  }

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
