//===- BertcCPUOps.td - The CPU kernel dialect ----------------------------===//
#ifndef BERTC_DIALECT_BERTCCPU_BERTCCPUOPS_TD
#define BERTC_DIALECT_BERTCCPU_BERTCCPUOPS_TD

include "bertc/Dialect/Bertc/IR/BertcEnums.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def BertcCPU_Dialect : Dialect {
  let name = "bertc_cpu";
  let cppNamespace = "::bertc::cpu";
  let summary = "The CPU kernels of runtime/src/cpu, one op per kernel";
  let description = [{
    Each op is one fused kernel of libbertc_cpu_kernels
    (runtime/include/bertc/cpu_kernels.h), in destination-passing style:
    on tensors it returns its `outs` (and bufferizes like any
    destination-style op), on memrefs it writes them and has no results.
    Operands are typed and verified; the kernel's scalar arguments are the
    op's attributes and the presence of its optional operands, encoded as
    bertc/kernel_abi.h says. `convert-bertc-to-kernels` creates them from
    the bertc dialect's fused ops; `bertc-linalg-to-kernel-calls` turns them
    (on memrefs) into calls of the kernels' C interface. The int8 and CUDA
    kernels become ops beside these.
  }];
  let dependentDialects = ["::bertc::BertcDialect"];
  let useDefaultAttributePrinterParser = 1;
}

def BertcCPU_F32Shaped : AnyTypeOf<[RankedTensorOf<[F32]>, MemRefOf<[F32]>],
                                   "f32 tensor or memref">;

class BertcCPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<BertcCPU_Dialect, mnemonic, !listconcat(traits, [
        AttrSizedOperandSegments, DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>])> {
  let results = (outs Variadic<RankedTensorOf<[F32]>>:$results);
  let hasVerifier = 1;
  let assemblyFormat = [{
    `ins` `(` $ins `)` `outs` `(` $outs `)` attr-dict `:` functional-type(operands, results)
  }];
}

def BertcCPU_LinearOp : BertcCPU_Op<"linear"> {
  let summary = "C = act(A W + bias) (bertc_linear_f32, bertc_linear_packed_f32)";
  let description = [{
    `ins(input, weight[, bias])`, `outs(output)`: input `[M, K]`, weight
    `[K, N]` or packed `[ceil(N / NR), K, NR]` (BERTC_GEMM_NR; the packed
    kernel), bias `[N]`, output `[M, N]`.

    ```mlir
    %y = bertc_cpu.linear ins(%x, %w, %b) outs(%init)
        {activation = #bertc<activation gelu_erf>, has_bias}
        : (tensor<?x768xf32>, tensor<96x768x32xf32>, tensor<3072xf32>,
           tensor<?x3072xf32>) -> tensor<?x3072xf32>
    ```
  }];
  let arguments = (ins Variadic<BertcCPU_F32Shaped>:$ins,
                   Variadic<BertcCPU_F32Shaped>:$outs,
                   DefaultValuedAttr<Bertc_Activation,
                                     "::bertc::Activation::none">:$activation,
                   UnitAttr:$has_bias);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    ::mlir::Value getInput() { return getIns()[0]; }
    ::mlir::Value getWeight() { return getIns()[1]; }
    ::mlir::Value getBias() { return getHasBias() ? getIns()[2] : nullptr; }
    bool isPacked() {
      return ::mlir::cast<::mlir::ShapedType>(getWeight().getType()).getRank() == 3;
    }
  }];
}

def BertcCPU_LayerNormOp : BertcCPU_Op<"layer_norm"> {
  let summary = "y = LN(x + skip + bias) gamma + beta (bertc_layer_norm_f32, bertc_skip_layer_norm_f32)";
  let description = [{
    `ins(x, gamma[, beta][, skip][, bias])` as the `has_*` units say,
    `outs(y[, sum])`: x, skip, y and sum `[rows, C]` (skip may have fewer
    rows, repeating), gamma, beta and bias `[C]`. With `sum` (the skip
    kernel) the residual sum x + skip + bias is written too. `rms`: RMSNorm
    (no mean subtracted).
  }];
  let arguments = (ins Variadic<BertcCPU_F32Shaped>:$ins,
                   Variadic<BertcCPU_F32Shaped>:$outs, F32Attr:$epsilon,
                   UnitAttr:$has_beta, UnitAttr:$has_skip, UnitAttr:$has_bias,
                   UnitAttr:$rms);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    ::mlir::Value getX() { return getIns()[0]; }
    ::mlir::Value getGamma() { return getIns()[1]; }
    ::mlir::Value getBeta() { return getHasBeta() ? getIns()[2] : nullptr; }
    ::mlir::Value getSkip() {
      return getHasSkip() ? getIns()[2 + (getHasBeta() ? 1 : 0)] : nullptr;
    }
    ::mlir::Value getBias() {
      return getHasBias()
                 ? getIns()[2 + (getHasBeta() ? 1 : 0) + (getHasSkip() ? 1 : 0)]
                 : nullptr;
    }
    bool hasSum() { return getOuts().size() == 2; }
  }];
}

def BertcCPU_AttentionOp : BertcCPU_Op<"attention"> {
  let summary = "multi-head attention (bertc_attention_f32)";
  let description = [{
    `ins(query, key, value[, keep][, bias])`, `outs(output)`: query, key,
    value and output `[batch, seq, num_heads * head_size]` (strided views
    of a packed QKV tensor are fine), keep `[batch, seq_k]` (1 = attend, 0 =
    masked), bias `[batch | 1, num_heads | 1, seq_q | 1, seq_k | 1]`.
    Per head: softmax(mask(scale * q k^T + bias)) v, the mask as
    bertc.attention's attributes say.
  }];
  let arguments = (ins Variadic<BertcCPU_F32Shaped>:$ins,
                   Variadic<BertcCPU_F32Shaped>:$outs, I64Attr:$num_heads,
                   F32Attr:$scale, UnitAttr:$causal, F32Attr:$mask_value,
                   UnitAttr:$mask_replace, UnitAttr:$has_mask,
                   UnitAttr:$has_bias);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    ::mlir::Value getQuery() { return getIns()[0]; }
    ::mlir::Value getKey() { return getIns()[1]; }
    ::mlir::Value getValue() { return getIns()[2]; }
    ::mlir::Value getKeep() { return getHasMask() ? getIns()[3] : nullptr; }
    ::mlir::Value getBias() {
      return getHasBias() ? getIns()[3 + (getHasMask() ? 1 : 0)] : nullptr;
    }
  }];
}

def BertcCPU_QuantShaped
    : AnyTypeOf<[RankedTensorOf<[F32, I8, I32]>, MemRefOf<[F32, I8, I32]>],
                "f32, i8 or i32 tensor or memref">;

def BertcCPU_QLinearOp : BertcCPU_Op<"qlinear"> {
  let summary = "int8 linear (bertc_qlinear_packed_f32)";
  let description = [{
    `ins(input, weight, weight_scale[, weight_colsum][, bias])`,
    `outs(output)`: input `[M, K]` f32, weight i8 `[K, N]` or packed
    `[ceil(N / NR), ceil(K / 4), NR * 4]` (BERTC_QGEMM_NR; the kernel reads
    only the packed form, made by bertc-pack-weights with `weight_colsum`,
    i32 `[N]`, the column sums the zero-point correction needs),
    weight_scale and bias f32 `[N]`, output f32 `[M, N]`. The input is
    quantized to u8 inside the kernel as `input_quantization` says; see
    bertc.quantized_linear for the arithmetic.
  }];
  let arguments = (ins Variadic<BertcCPU_QuantShaped>:$ins,
                   Variadic<BertcCPU_F32Shaped>:$outs,
                   DefaultValuedAttr<Bertc_Activation,
                                     "::bertc::Activation::none">:$activation,
                   DefaultValuedAttr<Bertc_InputQuantization,
                       "::bertc::InputQuantization::dynamic_row">:$input_quantization,
                   DefaultValuedAttr<F32Attr, "1.0f">:$input_scale,
                   DefaultValuedAttr<I32Attr, "0">:$input_zero_point,
                   UnitAttr:$has_bias);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    bool isPacked() {
      return ::mlir::cast<::mlir::ShapedType>(getWeight().getType()).getRank() == 3;
    }
    ::mlir::Value getInput() { return getIns()[0]; }
    ::mlir::Value getWeight() { return getIns()[1]; }
    ::mlir::Value getWeightScale() { return getIns()[2]; }
    ::mlir::Value getWeightColsum() { return isPacked() ? getIns()[3] : nullptr; }
    ::mlir::Value getBias() {
      return getHasBias() ? getIns()[3 + (isPacked() ? 1 : 0)] : nullptr;
    }
  }];
}

//===----------------------------------------------------------------------===//
// The model.so entry point
//===----------------------------------------------------------------------===//

def BertcCPU_TensorSignatureAttr
    : AttrDef<BertcCPU_Dialect, "TensorSignature"> {
  let mnemonic = "tensor";
  let summary = "One input or output of model.so (bertc_abi_tensor_info)";
  let description = [{
    The name the ONNX graph gives the tensor, its type (element type, rank,
    static sizes, `?` for dynamic ones), the symbolic name of each dynamic
    dimension (`""`: none) and, for outputs, `owned`: the buffer is a fresh
    allocation whose ownership passes to the caller
    (BERTC_ABI_TENSOR_OWNED in bertc/model_abi.h; otherwise the runtime
    copies it and frees nothing).

    ```mlir
    #bertc_cpu.tensor<"input_ids" : tensor<?x?xi64>, dims ["batch", "sequence"]>
    #bertc_cpu.tensor<"logits" : tensor<?x2xf32>, dims ["batch", ""], owned>
    ```
  }];
  let parameters = (ins StringRefParameter<"ONNX name">:$name,
                        "::mlir::RankedTensorType":$type,
                        ArrayRefParameter<"::mlir::StringAttr",
                                          "symbolic dim names">:$dimNames,
                        "bool":$owned);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def BertcCPU_EntryPointOp : Op<BertcCPU_Dialect, "entry_point", [Symbol]> {
  let summary = "The exported entry of model.so and its ABI descriptor";
  let description = [{
    Everything the runtime learns about a compiled model
    (runtime/include/bertc/model_abi.h): the function that runs it, its
    inputs and outputs (names, element types, dims, symbolic dim names,
    output ownership), the model's name, a producer string, the widest
    kernel ISA the target allows (BERTC_ISA_*) and the table of ONNX node
    names that run-time checks report (`error_sites`, indexed by the
    checks' site operand; extended by the lowerings).

    `bertc-prepare-model-entry` creates it from `@main_graph`'s signature;
    `bertc-convert-entry-point-to-llvm` lowers it to the descriptor globals,
    the `bertc_model_invoke` trampoline that unpacks input descriptors for
    the function's C interface, and the exported function named by the
    op's symbol (BERTC_MODEL_ENTRY_SYMBOL) that returns the descriptor.

    ```mlir
    bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
        inputs [#bertc_cpu.tensor<"input_ids" : tensor<?x?xi64>, dims ["batch", "sequence"]>]
        outputs [#bertc_cpu.tensor<"hidden" : tensor<?x?x8xf32>, dims ["batch", "sequence", ""], owned>]
        attributes {model_name = "tiny", producer = "bertc 0.1.0",
                    kernel_isa = 2 : i32, error_sites = ["emb_gather"]}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                   FlatSymbolRefAttr:$function,
                   TypedArrayAttrBase<BertcCPU_TensorSignatureAttr,
                                      "tensor signatures">:$inputs,
                   TypedArrayAttrBase<BertcCPU_TensorSignatureAttr,
                                      "tensor signatures">:$outputs,
                   StrAttr:$model_name,
                   StrAttr:$producer,
                   I32Attr:$kernel_isa,
                   StrArrayAttr:$error_sites);
  let assemblyFormat = [{
    $sym_name `calls` $function `inputs` $inputs `outputs` $outputs
    attr-dict-with-keyword
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Index of `name` in error_sites, appended if missing.
    int32_t addErrorSite(::llvm::StringRef name);
    /// The module's entry point, if it has one.
    static EntryPointOp lookup(::mlir::ModuleOp module);
  }];
}

#endif // BERTC_DIALECT_BERTCCPU_BERTCCPUOPS_TD
