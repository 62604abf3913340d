//===- Importer.h - The graph importer --------------------------*- C++ -*-===//
//
// Private to lib/Import. One Importer turns one ModelProto into a module:
// the graph and its nodes in ONNXImporter.cpp, element types, graph input
// types and tensors (initializers, tensor attributes) in TensorImport.cpp,
// external tensor data in ExternalData.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_IMPORT_IMPORTER_H
#define BERTC_LIB_IMPORT_IMPORTER_H

#include "NodeImport.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Import/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace bertc::importer {

using NodeProto = ::onnx::NodeProto;
using TensorProto = ::onnx::TensorProto;

/// Thrown-free error plumbing: every import step returns LogicalResult and
/// reports through the context's diagnostic engine.
class Importer final : public importer::TensorReader {
public:
  Importer(mlir::MLIRContext &ctx, llvm::StringRef sourceName,
           const ImportOptions &options)
      : ctx(ctx), b(&ctx), sourceName(sourceName.str()), options(options) {
    ctx.getOrLoadDialect<onnx::ONNXDialect>();
    ctx.getOrLoadDialect<mlir::func::FuncDialect>();
    fileLoc = mlir::FileLineColLoc::get(&ctx, sourceName, 0, 0);
  }

  mlir::OwningOpRef<mlir::ModuleOp> run(::onnx::ModelProto &model);

  // --- types and tensors (importer::TensorReader) ------------------------
  mlir::FailureOr<mlir::Type> elementType(int32_t onnxType,
                                          mlir::Location loc) override;
  mlir::FailureOr<mlir::ElementsAttr>
  tensorAttr(TensorProto &tensor, mlir::Location loc, const NodeProto *node,
             llvm::StringRef attrName) override;

private:
  // --- diagnostics -------------------------------------------------------
  mlir::InFlightDiagnostic error() { return mlir::emitError(fileLoc); }
  mlir::InFlightDiagnostic error(const NodeProto &node) {
    return importer::nodeError(nodeLoc(node), node, opset);
  }
  mlir::Location nodeLoc(const NodeProto &node) {
    return mlir::NameLoc::get(
        mlir::StringAttr::get(&ctx, importer::displayName(node)), fileLoc);
  }
  mlir::Location nameLoc(llvm::StringRef name) {
    return mlir::NameLoc::get(mlir::StringAttr::get(&ctx, printableName(name)),
                              fileLoc);
  }

  /// The ONNX element type's MLIR type, or null if bertc has none.
  mlir::Type convertElementType(int32_t t);
  mlir::FailureOr<mlir::RankedTensorType>
  valueInfoType(const ::onnx::ValueInfoProto &vi, mlir::ArrayAttr *dimNames);
  /// Exactly `bytes` bytes of the tensor's external data. `diag` starts an
  /// error naming the tensor.
  mlir::FailureOr<std::vector<char>>
  readExternal(const TensorProto &tensor, int64_t bytes,
               llvm::function_ref<mlir::InFlightDiagnostic()> diag);

  // --- graph -------------------------------------------------------------
  /// Finds the node's row in the op table (NodeImport.h) and runs its
  /// builder.
  mlir::LogicalResult importNode(const NodeProto &node);
  mlir::FailureOr<mlir::Value> lookup(const NodeProto &node, int i);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder b;
  std::string sourceName;
  const ImportOptions &options;
  mlir::Location fileLoc = mlir::UnknownLoc::get(&ctx);
  int64_t opset = 0;
  llvm::StringMap<mlir::Value> values;
};

} // namespace bertc::importer

#endif
