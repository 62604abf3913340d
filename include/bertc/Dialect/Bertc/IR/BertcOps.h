//===- BertcOps.h - The bertc dialect: fused transformer ops ----*- C++ -*-===//
#ifndef BERTC_DIALECT_BERTC_IR_BERTCOPS_H
#define BERTC_DIALECT_BERTC_IR_BERTCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bertc/Dialect/Bertc/IR/BertcOpsDialect.h.inc"
#include "bertc/Dialect/Bertc/IR/BertcOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bertc/Dialect/Bertc/IR/BertcOpsAttributes.h.inc"

#define GET_OP_CLASSES
#include "bertc/Dialect/Bertc/IR/BertcOps.h.inc"

#endif // BERTC_DIALECT_BERTC_IR_BERTCOPS_H
