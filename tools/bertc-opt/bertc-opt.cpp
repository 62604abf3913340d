//===- bertc-opt.cpp - Runs bertc and upstream passes on MLIR text --------===//
//
// Like mlir-opt, with bertc's dialects, passes and pipelines registered:
//   bertc-opt in.mlir --bertc-simplify-graph
//   bertc-opt in.mlir --bertc-cpu-pipeline
//
//===----------------------------------------------------------------------===//
#include "bertc/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  bertc::registerBertcDialects(registry);
  bertc::registerBertcPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bertc optimizer driver\n", registry));
}
