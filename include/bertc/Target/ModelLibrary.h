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

/// What the ABI descriptor says about one input or output (model_abi.h).
struct TensorSignature {
  std::string name;
  int32_t dtype = 0;              // bertc_dtype
  std::vector<int64_t> dims;      // -1 = dynamic
  std::vector<std::string> dimNames;
};

struct ModelSignature {
  std::string modelName;
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the signature of `@main_graph` (types plus the `bertc.name` /
/// `bertc.dim_names` attributes the importer attached). Fails with a
/// diagnostic on element types the ABI cannot carry.
mlir::FailureOr<ModelSignature> readModelSignature(mlir::ModuleOp module);

struct CodegenOptions {
  std::string cpu = "host";  // LLVM CPU name, or "host"
  std::string features;      // extra "+avx2,-avx512f" style features
  unsigned optLevel = 3;
};

/// Creates the TargetMachine for the host (or the requested CPU).
mlir::FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CodegenOptions &options, std::string &error);

/// Translates a module in the LLVM dialect to LLVM IR, adds the model.so ABI
/// (the `bertc_model_invoke` trampoline and the `bertc_model_v1` descriptor)
/// and runs LLVM's optimisation pipeline.
std::unique_ptr<llvm::Module>
buildLLVMModule(mlir::ModuleOp module, const ModelSignature &signature,
                llvm::LLVMContext &llvmContext, llvm::TargetMachine &tm,
                unsigned optLevel);

/// Writes an object file.
mlir::LogicalResult emitObjectFile(llvm::Module &module, llvm::TargetMachine &tm,
                                   llvm::StringRef path, std::string &error);

/// Links an object into model.so with the system C compiler driver and the
/// CPU kernel library.
/// Large constant weights go around LLVM: translating and code-generating
/// hundreds of MB of constant arrays takes minutes. This moves the
/// initializer of every constant `llvm.mlir.global` of at least `minBytes`
/// into the binary file `blobPath` and leaves a hidden external declaration;
/// `asmPath` receives an assembly file that defines those symbols with
/// `.incbin` from the blob, to be linked into model.so.
struct ExternalWeights {
  std::string assemblyPath;
  uint64_t bytes = 0;
  unsigned count = 0;
};
mlir::FailureOr<ExternalWeights>
externalizeWeights(mlir::ModuleOp module, uint64_t minBytes,
                   llvm::StringRef blobPath, llvm::StringRef asmPath,
                   std::string &error);

/// Links `inputs` (objects, assembly files) with the CPU kernel library into
/// the shared library `outputPath`, exporting only the model entry symbol.
mlir::LogicalResult linkSharedLibrary(llvm::ArrayRef<std::string> inputs,
                                      llvm::StringRef outputPath,
                                      llvm::StringRef kernelLibrary,
                                      std::string &error);

} // namespace bertc

#endif // BERTC_TARGET_MODELLIBRARY_H
