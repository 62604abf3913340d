//===- ModelLibrary.h - From the LLVM dialect to model.so -------*- C++ -*-===//
#ifndef BERTC_TARGET_MODELLIBRARY_H
#define BERTC_TARGET_MODELLIBRARY_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace bertc {

struct CodegenOptions {
  std::string cpu = "host";  // LLVM CPU name, or "host"
  std::string features;      // extra "+avx2,-avx512f" style features
  unsigned optLevel = 3;
};

/// Creates the TargetMachine for the host (or the requested CPU).
mlir::FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodegenOptions &options, std::string &error);

/// What the target means for the model descriptor: the widest kernel ISA it
/// allows (BERTC_ISA_*) and the producer string naming it; the driver passes
/// both to the lowering pipeline (PipelineOptions).
struct TargetDescription {
  int kernelIsa = 0;
  std::string producer;
};
TargetDescription describeTarget(llvm::TargetMachine &tm);

/// Translates a module in the LLVM dialect (the lowering pipeline's result,
/// with the model.so ABI in it) to LLVM IR for `tm` and runs LLVM's
/// optimisation pipeline.
std::unique_ptr<llvm::Module> buildLLVMModule(mlir::ModuleOp module,
                                              llvm::LLVMContext &llvmContext,
                                              llvm::TargetMachine &tm,
                                              unsigned optLevel);

/// Writes an object file.
mlir::LogicalResult emitObjectFile(llvm::Module &module, llvm::TargetMachine &tm,
                                   llvm::StringRef path, std::string &error);

/// Links `inputs` (objects, assembly files) with the CPU kernel library into
/// the shared library `outputPath`, exporting only the model entry symbol.
mlir::LogicalResult linkSharedLibrary(llvm::ArrayRef<std::string> inputs,
                                      llvm::StringRef outputPath,
                                      llvm::StringRef kernelLibrary,
                                      std::string &error);

} // namespace bertc

#endif // BERTC_TARGET_MODELLIBRARY_H
