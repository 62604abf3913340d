//===- BertcOps.td - Fused transformer ops --------------------------------===//
#ifndef BERTC_DIALECT_BERTC_BERTCOPS_TD
#define BERTC_DIALECT_BERTC_BERTCOPS_TD

include "bertc/Dialect/Bertc/IR/BertcDialect.td"
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

// Activation applied by bertc.linear's epilogue and computed by bertc.gelu;
// the codes are the kernels' BERTC_ACT_* (runtime/include/bertc/kernel_abi.h,
// static_assert in BertcOps.cpp).
def Bertc_ActivationEnum : I32EnumAttr<"Activation", "activation function", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"relu", 1>,
    // x * 0.5 * (1 + erf(x / sqrt(2)))
    I32EnumAttrCase<"gelu_erf", 2>,
    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    I32EnumAttrCase<"gelu_tanh", 3>,
    // x * sigmoid(1.702 * x) (CLIP / ViT quick GELU)
    I32EnumAttrCase<"quick_gelu", 4>]> {
  let cppNamespace = "::bertc";
  let genSpecializedAttr = 0;
}
def Bertc_Activation : EnumAttr<Bertc_Dialect, Bertc_ActivationEnum, "activation">;

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

def Bertc_CallKernelOp : Bertc_Op<"call_kernel", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "destination-passing call of a named runtime kernel";
  let description = [{
    Calls kernel `callee` with `inputs`, `outputs` (written in place) and the
    scalar `params` (integer attributes become i64 arguments, float
    attributes f32). On tensors it returns the outputs' new values and
    bufferizes like any destination-style op; on memrefs it has no results
    and becomes a `func.call` of `_mlir_ciface_<callee>`.
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$inputs,
                   Variadic<AnyShaped>:$outputs,
                   DefaultValuedAttr<ArrayAttr, "{}">:$params);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $callee `(` ($inputs^ `:` type($inputs))? `)` `outs` `(` $outputs `:` type($outputs) `)`
    attr-dict (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
  }];
  let hasVerifier = 1;
}

#endif // BERTC_DIALECT_BERTC_BERTCOPS_TD
