//===- Passes.td - Graph-level passes on the onnx and bertc dialects ------===//
#ifndef BERTC_TRANSFORMS_PASSES_TD
#define BERTC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SimplifyGraph : Pass<"bertc-simplify-graph", "mlir::func::FuncOp"> {
  let summary = "Fold shape subgraphs, refine result types, canonicalize";
  let description = [{
    Exporters compute reshape targets at run time from Shape, Gather,
    Unsqueeze and Concat nodes, and leave result types dynamic. This pass
    iterates to a fixed point: it re-infers every onnx op's result type from
    its operands (keeping the more static of the old and new type), then
    folds and canonicalizes. Shape subgraphs whose values become known turn
    into constants, and the function's result types are updated to match.
  }];
  let options = [
    Option<"maxIterations", "max-iterations", "unsigned", "8",
           "Upper bound on refine/fold rounds">
  ];
  let statistics = [
    Statistic<"numRefinedResults", "refined-results",
              "Number of op results whose type became more static">
  ];
  let dependentDialects = ["bertc::onnx::ONNXDialect"];
}

#endif // BERTC_TRANSFORMS_PASSES_TD
