//===- BertcCPUOps.h - The CPU kernel dialect -------------------*- C++ -*-===//
//
// One op per fused CPU kernel (runtime/include/bertc/cpu_kernels.h); see
// BertcCPUOps.td.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_DIALECT_BERTCCPU_IR_BERTCCPUOPS_H
#define BERTC_DIALECT_BERTCCPU_IR_BERTCCPUOPS_H

#include "bertc/Dialect/Bertc/IR/BertcOps.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsAttributes.h.inc"

#define GET_OP_CLASSES
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h.inc"

namespace mlir {
class DialectRegistry;
}
namespace bertc::cpu {
/// The model.so ABI's code of an element type (BERTC_DTYPE_* of
/// bertc/model_abi.h), BERTC_DTYPE_INVALID (0) if the ABI cannot carry it.
int32_t abiDtypeOf(mlir::Type elementType);

/// Registers the bufferization models of the bertc_cpu ops.
void registerBufferizationInterfaces(mlir::DialectRegistry &registry);
} // namespace bertc::cpu

#endif // BERTC_DIALECT_BERTCCPU_IR_BERTCCPUOPS_H
