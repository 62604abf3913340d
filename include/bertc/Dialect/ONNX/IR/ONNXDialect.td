//===- ONNXDialect.td - The onnx dialect: ONNX operators as MLIR ops ------===//
#ifndef BERTC_DIALECT_ONNX_ONNXDIALECT_TD
#define BERTC_DIALECT_ONNX_ONNXDIALECT_TD

include "mlir/IR/OpBase.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::bertc::onnx";
  let summary = "ONNX operators, one op per ONNX node";
  let description = [{
    The `onnx` dialect mirrors the ONNX operators that transformer exports use,
    with ONNX semantics (multidirectional broadcasting included). The importer
    creates one op per ONNX node and uses the node name as the op's location.

    Operator-set differences are normalised at import: attributes that later
    opsets moved to inputs (`axes` of Squeeze, Unsqueeze, ReduceSum,
    ReduceMean; `split` of Split) are attributes here and must be constant;
    optional inputs of Slice are always present. Every op infers its result
    type from its operands; a result type may be more precise (more static
    dimensions) than what inference gives, never contradict it.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

#endif // BERTC_DIALECT_ONNX_ONNXDIALECT_TD
