//===- ONNXDialect.cpp - The onnx dialect's registration ------------------===//
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace bertc::onnx;

#include "bertc/Dialect/ONNX/IR/ONNXOpsDialect.cpp.inc"

void ONNXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "bertc/Dialect/ONNX/IR/ONNXOps.cpp.inc"
      >();
}

Operation *ONNXDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}

std::string bertc::onnx::nodeName(mlir::Location loc) {
  std::string name;
  loc->walk([&](mlir::Location l) {
    if (auto n = mlir::dyn_cast<mlir::NameLoc>(l)) {
      name = n.getName().str();
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  return name.empty() ? "?" : name;
}
