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

//===----------------------------------------------------------------------===//
// Transformer fusions (lib/Transforms/Fusion): onnx subgraphs -> bertc ops.
// bertc runs them in this order; see docs/Fusions.md.
//===----------------------------------------------------------------------===//

def FuseLayerNorm : Pass<"bertc-fuse-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Fold decomposed and opset-17 LayerNorm into bertc.layer_norm";
  let description = [{
    Matches ReduceMean/Sub/Pow|Mul/ReduceMean/Add(eps)/Sqrt/Div|Reciprocal-Mul
    /Mul(gamma)/Add(beta) over the last axis (operands in either order) and
    onnx.LayerNormalization over the last axis. Epsilon comes from the graph.
    Refuses: a reduction over another axis, a non-scalar epsilon, gamma or
    beta that are not constant vectors of the last dimension, intermediate
    values used outside the pattern.
  }];
  let statistics = [
    Statistic<"numLayerNorms", "layer-norms", "Number of bertc.layer_norm ops">
  ];
  let dependentDialects = ["bertc::BertcDialect"];
}

def FuseSkipLayerNorm : Pass<"bertc-fuse-skip-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Fold the residual Add before a LayerNorm into bertc.layer_norm";
  let description = [{
    `layer_norm(Add(a, b))` with `a`, `b` of the same type becomes
    `layer_norm(a skip b)`; other users of the sum read the op's `sum`
    result (pre-norm blocks), so the residual is read and written once.
  }];
  let statistics = [
    Statistic<"numSkipLayerNorms", "skip-layer-norms",
              "Number of bertc.layer_norm ops with a residual input">
  ];
  let dependentDialects = ["bertc::BertcDialect"];
}

def FuseGelu : Pass<"bertc-fuse-gelu", "mlir::func::FuncOp"> {
  let summary = "Fold erf, tanh and quick GELU subgraphs into bertc.gelu";
  let statistics = [
    Statistic<"numGelus", "gelus", "Number of bertc.gelu ops">
  ];
  let dependentDialects = ["bertc::BertcDialect"];
}

def FuseLinear : Pass<"bertc-fuse-linear", "mlir::func::FuncOp"> {
  let summary = "Fold MatMul/Gemm + bias + activation into bertc.linear";
  let description = [{
    MatMul or Gemm by a constant 2-D weight, the bias Add that follows
    (constant [N], either operand order) and a following bertc.gelu or
    onnx.Relu become one bertc.linear, whose kernel applies bias and
    activation in the GEMM epilogue. Gemm with transB gets its weight
    transposed once at compile time.
  }];
  let statistics = [
    Statistic<"numLinears", "linears", "Number of bertc.linear ops">,
    Statistic<"numActivationEpilogues", "activation-epilogues",
              "Number of bertc.linear ops with a fused activation">
  ];
  let dependentDialects = ["bertc::BertcDialect"];
}

def ConvToLinear : Pass<"bertc-conv-to-linear", "mlir::func::FuncOp"> {
  let summary = "Rewrite patch-embedding Convs (kernel == stride) as a GEMM";
  let description = [{
    A 2-D Conv whose kernel equals its stride (no padding, dilation or
    groups) on a static image size -- the ViT patch embedding -- becomes
    Reshape/Transpose into patches, one bertc.linear with the weight
    transposed at compile time, and Reshape/Transpose back to NCHW.
  }];
  let dependentDialects = ["bertc::BertcDialect"];
}

def FuseAttention : Pass<"bertc-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Fold multi-head attention subgraphs into bertc.attention";
  let description = [{
    From each Softmax over the last axis: finds the Q K^T MatMul, traces Q,
    K and V back through Reshape/Transpose to [batch, seq, hidden] (or
    sequence-first) sources with a symbolic layout analysis, folds scalar
    scales, evaluates the mask terms (padding from the attention_mask input
    in its additive, finfo.min, Where and bool forms; causal from Trilu or a
    lower-triangular buffer), follows P V back to the merged heads, and
    replaces it all with bertc.attention. Every Softmax that does not fuse
    gets a remark naming the node where the match broke
    (`bertc --fusion-report` prints them).
  }];
  let statistics = [
    Statistic<"numAttentions", "attentions", "Number of bertc.attention ops">,
    Statistic<"numMissed", "missed", "Softmax ops that did not fuse">
  ];
  let dependentDialects = ["bertc::BertcDialect"];
}

def FuseQKV : Pass<"bertc-fuse-qkv", "mlir::func::FuncOp"> {
  let summary = "Merge an attention's Q/K/V projections into one bertc.linear";
  let description = [{
    bertc.linear ops that read the same input, have no activation, constant
    weights (and constant biases, all or none) of one element type, and whose
    results feed only bertc.attention become one bertc.linear with the
    weights (and biases) concatenated along N at compile time, followed by a
    tensor.extract_slice per original projection: one wide GEMM instead of
    three narrow ones, and strided views instead of copies. Weights shared
    across layers (ALBERT) are concatenated once.
  }];
  let statistics = [
    Statistic<"numGroups", "groups", "Number of merged bertc.linear ops created">,
    Statistic<"numMerged", "merged", "Number of bertc.linear ops merged away">
  ];
  let dependentDialects = ["bertc::BertcDialect", "mlir::tensor::TensorDialect"];
}

def Quantize : Pass<"bertc-quantize", "mlir::func::FuncOp"> {
  let summary = "Rewrite linears with constant weights as int8 quantized linears";
  let description = [{
    Every `bertc.linear` with a constant f32 weight `[K, N]` becomes a
    `bertc.quantized_linear`: the weight is quantized at compile time to
    int8, symmetric, one scale per output column (`scale[n] = max_k
    |W[k, n]| / 127`, 1 for an all-zero column; `q = saturate(round half
    to even(W / scale))` to [-127, 127], the rules of ONNX QuantizeLinear);
    the input is quantized to u8 at run time, each row with its own scale
    and zero point (`input=row`, the default) or one for the whole tensor
    (`input=tensor`, ONNX Runtime's quantize_dynamic). LayerNorm, softmax,
    attention and GELU stay f32. Linears with a non-constant weight or K
    beyond what int32 accumulation holds exactly stay f32. Each rewrite is
    recorded (remark `quantized linear`, or the quantization report) with
    the weight's largest scale and the worst relative rounding error of a
    column.
  }];
  let options = [
    Option<"input", "input", "std::string", "\"row\"",
           "Run-time input quantization: row (per token) or tensor">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per linear: quantized (scales, rounding error) or "
           "kept in f32 (why)">
  ];
  let statistics = [
    Statistic<"numQuantized", "quantized", "Number of linears quantized">,
    Statistic<"numKeptF32", "kept-f32", "Number of linears kept in f32">
  ];
  let dependentDialects = ["bertc::BertcDialect", "bertc::onnx::ONNXDialect"];
}

#endif // BERTC_TRANSFORMS_PASSES_TD
