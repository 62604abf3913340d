//===- BertcOps.td - Fused transformer ops --------------------------------===//
#ifndef BERTC_DIALECT_BERTC_BERTCOPS_TD
#define BERTC_DIALECT_BERTC_BERTCOPS_TD

include "bertc/Dialect/Bertc/IR/BertcDialect.td"
include "bertc/Dialect/Bertc/IR/BertcEnums.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Bertc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Bertc_Dialect, mnemonic, traits>;

def Bertc_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;

def Bertc_LinearOp : Bertc_Op<"linear", [Pure]> {
  let summary = "matmul by a constant weight, plus bias, plus activation";
  let description = [{
    `result[..., n] = act(sum_k input[..., k] * weight[k, n] + bias[n])`.
    The weight is `[K, N]` (ONNX MatMul layout); Gemm with `transB` and
    HF Conv1D are brought to this form by the fusion. The unit that GEMM
    kernels, int8 quantization and the CUDA backend work on.

    ```mlir
    %y = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_erf>}
        : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Bertc_FloatTensor:$input, Bertc_FloatTensor:$weight,
                   Optional<Bertc_FloatTensor>:$bias,
                   DefaultValuedAttr<Bertc_Activation, "::bertc::Activation::none">:$activation);
  let results = (outs Bertc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bertc_QuantizedLinearOp : Bertc_Op<"quantized_linear", [Pure]> {
  let summary = "int8 linear: u8 input x s8 per-column weight, int32 accumulation";
  let description = [{
    `bertc.linear` with an int8 weight: `weight` is `[K, N]` i8, symmetric,
    one scale per output column (`weight_scale[n]`); the input is quantized
    to u8 as `input_quantization` says (per row or per tensor at run time,
    or with the given `input_scale` / `input_zero_point`), the products are
    accumulated exactly in int32, and the epilogue computes
    `act((acc - zp * sum_k w[k, n]) * scale * weight_scale[n] + bias[n])` in
    f32. Produced by `bertc-quantize` from `bertc.linear` (and by the import
    of quantized ONNX models).

    ```mlir
    %y = bertc.quantized_linear %x, %wq, %ws, %b
        {activation = #bertc<activation gelu_erf>,
         input_quantization = #bertc<input_quantization dynamic_row>}
        : (tensor<?x?x768xf32>, tensor<768x3072xi8>, tensor<3072xf32>,
           tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                   RankedTensorOf<[I8]>:$weight,
                   RankedTensorOf<[F32]>:$weight_scale,
                   Optional<RankedTensorOf<[F32]>>:$bias,
                   DefaultValuedAttr<Bertc_Activation, "::bertc::Activation::none">:$activation,
                   DefaultValuedAttr<Bertc_InputQuantization,
                       "::bertc::InputQuantization::dynamic_row">:$input_quantization,
                   OptionalAttr<F32Attr>:$input_scale,
                   OptionalAttr<I32Attr>:$input_zero_point);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $weight_scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bertc_GeluOp : Bertc_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise GELU (erf, tanh approximation or quick form)";
  let arguments = (ins Bertc_FloatTensor:$input,
                   DefaultValuedAttr<Bertc_Activation, "::bertc::Activation::gelu_erf">:$approximation);
  let results = (outs Bertc_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Bertc_LayerNormOp : Bertc_Op<"layer_norm", [Pure, AttrSizedOperandSegments]> {
  let summary = "LayerNorm over the last axis, with optional residual and bias";
  let description = [{
    `sum = input + skip + bias` (each optional term present or not), then
    `output = (sum - mean(sum)) / sqrt(var(sum) + epsilon) * gamma + beta`
    over the last axis; with `rms` (RMSNorm: T5, LLaMA-style models) no mean
    is subtracted: `output = sum / sqrt(mean(sum^2) + epsilon) * gamma (+ beta)`. `sum` is also returned: pre-norm blocks use it as the
    next residual. Without `skip` and `bias`, `sum` is `input`. `skip` has
    the input's shape, or broadcasts along leading dimensions of size 1
    (position embeddings `[1, seq, hidden]`: embedding + LayerNorm).

    ```mlir
    %y, %s = bertc.layer_norm %x, %gamma, %beta skip %r {epsilon = 1.0e-12 : f32}
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>)
        -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>)
    ```
  }];
  let arguments = (ins Bertc_FloatTensor:$input, Bertc_FloatTensor:$gamma,
                   Optional<Bertc_FloatTensor>:$beta,
                   Optional<Bertc_FloatTensor>:$skip,
                   Optional<Bertc_FloatTensor>:$bias,
                   F32Attr:$epsilon,
                   DefaultValuedAttr<BoolAttr, "false">:$rms);
  let results = (outs Bertc_FloatTensor:$output, Bertc_FloatTensor:$sum);
  let assemblyFormat = [{
    $input `,` $gamma (`,` $beta^)? (`skip` $skip^)? (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Bertc_AttentionOp : Bertc_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "multi-head scaled dot-product attention";
  let description = [{
    `query`, `key`, `value` are `[batch, seq, num_heads * head_size]`
    (before the head split; they may be slices of a packed QKV tensor); the
    result is the context with heads merged, `[batch, seq_q, num_heads *
    head_size]`. Per head: `softmax(mask(scale * q k^T + bias)) v`.

    Score bias: `bias` (optional) is a `[batch, num_heads, seq_q, seq_k]`
    tensor added to the scaled scores before the mask; each of its
    dimensions may be 1 (broadcast). Relative position biases (T5, MPNet)
    and any other additive score term that is not a padding or causal mask
    take this slot.

    Masks: `mask` (optional) is the 2-D `[batch, seq_k]` attention mask of
    the model's input (any integer, float or bool type); key `j` of batch
    `b` is masked where `mask[b, j] == 0`. `causal` masks keys after the
    query position. A masked score becomes `score + mask_value`
    (`mask_replace = false`, the `(1 - mask) * -10000` form) or `mask_value`
    (`mask_replace = true`, the `Where` form). A query row whose keys are
    all excluded by `-inf` gets zeros (as the SDPA export's NaN guard
    gives).

    ```mlir
    %ctx = bertc.attention %q, %k, %v mask %m bias %pb {num_heads = 12 : i64,
        scale = 0.125 : f32, causal = false, mask_value = -1.0e+04 : f32,
        mask_replace = false}
        : (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>,
           tensor<?x?xi64>, tensor<1x12x?x?xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Bertc_FloatTensor:$query, Bertc_FloatTensor:$key,
                   Bertc_FloatTensor:$value, Optional<AnyRankedTensor>:$mask,
                   Optional<Bertc_FloatTensor>:$bias,
                   I64Attr:$num_heads, F32Attr:$scale, BoolAttr:$causal,
                   F32Attr:$mask_value, BoolAttr:$mask_replace);
  let results = (outs Bertc_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // BERTC_DIALECT_BERTC_BERTCOPS_TD
