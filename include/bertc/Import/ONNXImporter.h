//===- ONNXImporter.h - ONNX protobuf to the onnx dialect -------*- C++ -*-===//
#ifndef BERTC_IMPORT_ONNXIMPORTER_H
#define BERTC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace bertc {

struct ImportOptions {
  /// Directory that external-data paths are relative to; defaults to the
  /// model file's directory.
  std::string externalDataDir;
  /// Initializers larger than this many bytes become dense_resource blobs
  /// (held once, never folded); smaller ones are plain dense attributes.
  int64_t resourceThresholdBytes = 4096;
};

/// The default-domain opsets bertc imports (docs/Limits.md); others are
/// rejected.
constexpr int64_t kMinOpset = 11;
constexpr int64_t kMaxOpset = 20;

/// `s` with bytes that are not printable UTF-8 (invalid sequences, control
/// characters) and, unless `escapeBackslash` is false, backslashes written
/// as \xNN: names from a model file in messages.
std::string printableName(llvm::StringRef s, bool escapeBackslash = true);

/// Imports an ONNX model file (a regular file) into a module holding one public function
/// `@main_graph` (see docs/Import.md for the exact form: argument/result
/// attributes carry the ONNX names and symbolic dimension names). Errors are
/// emitted as diagnostics on `ctx` (naming the node, op type and opset) and
/// yield a null module.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext &ctx,
                                                 const ImportOptions &options = {});

/// Same, from serialized ModelProto bytes. `sourceName` is used in messages.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef bytes, llvm::StringRef sourceName,
                 mlir::MLIRContext &ctx, const ImportOptions &options = {});

} // namespace bertc

#endif // BERTC_IMPORT_ONNXIMPORTER_H
