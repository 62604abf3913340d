//===- BertcDialect.td - Fused transformer ops ----------------------------===//
#ifndef BERTC_DIALECT_BERTC_BERTCDIALECT_TD
#define BERTC_DIALECT_BERTC_BERTCDIALECT_TD

include "mlir/IR/OpBase.td"

def Bertc_Dialect : Dialect {
  let name = "bertc";
  let cppNamespace = "::bertc";
  let summary = "Fused transformer ops";
  let description = [{
    The `bertc` dialect holds the units that transformer kernels work on:
    `bertc.linear` (matmul + bias + activation), `bertc.layer_norm` (with an
    optional residual input), `bertc.gelu`, and `bertc.attention` (multi-head
    scaled dot-product attention with padding/causal masks). The fusion passes
    in lib/Transforms/Fusion create them from the onnx-dialect subgraphs that
    exporters emit; each backend lowers them to its kernel dialect (the CPU
    backend: `bertc_cpu`, one op per fused kernel).
  }];
  let useDefaultAttributePrinterParser = 1;
}

#endif // BERTC_DIALECT_BERTC_BERTCDIALECT_TD
