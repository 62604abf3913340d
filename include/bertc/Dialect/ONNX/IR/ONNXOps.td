//===- ONNXOps.td - ONNX operators used by transformer exports ------------===//
#ifndef BERTC_DIALECT_ONNX_ONNXOPS_TD
#define BERTC_DIALECT_ONNX_ONNXOPS_TD

include "bertc/Dialect/ONNX/IR/ONNXDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

// Static result shapes must fit: element and byte counts within INT64_MAX
// (bertc::onnx::verifyResultSizes).
def ONNX_ResultSizesFit : NativeOpTrait<"ResultSizesFit"> {
  let cppNamespace = "::bertc::onnx::OpTrait";
}

// Every op infers its result types; results may be refined (more static dims).
class ONNX_Op<string mnemonic, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic,
         !listconcat(traits, [Pure, InferTypeOpAdaptorWithIsCompatible,
                              ONNX_ResultSizesFit])> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::bertc::onnx::areRefinementCompatible(l, r);
    }
  }];
}

def ONNX_Tensor : RankedTensorOf<[AnyType]>;

// Elementwise ops with ONNX multidirectional broadcasting. The result element
// type is the operands' (or i1 for comparisons).
class ONNX_BroadcastOp<string mnemonic, bit isCompare = 0,
                       list<Trait> traits = []>
    : ONNX_Op<mnemonic, traits> {
  let arguments = (ins ONNX_Tensor:$lhs, ONNX_Tensor:$rhs);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::bertc::onnx::areRefinementCompatible(l, r);
    }
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *ctx, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::bertc::onnx::inferBroadcastOpType(
          ctx, loc, adaptor.getLhs().getType(), adaptor.getRhs().getType(), }]
          # !if(isCompare, "true", "false") # [{, types);
    }
    ::mlir::LogicalResult $cppClass::verify() {
      return ::bertc::onnx::verifyBroadcastOp(*this, }]
          # !if(isCompare, "true", "false") # [{);
    }
  }];
}

// Elementwise unary ops whose result type equals the operand type.
class ONNX_UnaryOp<string mnemonic, Type operandType = ONNX_Tensor,
                   list<Trait> traits = []>
    : ONNX_Op<mnemonic, traits> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::bertc::onnx::areRefinementCompatible(l, r);
    }
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location>,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      types.push_back(adaptor.getInput().getType());
      return ::mlir::success();
    }
  }];
}

def ONNX_FloatTensor : RankedTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def ONNX_AddOp : ONNX_BroadcastOp<"Add", 0, [Commutative]> {
  let summary = "elementwise addition with broadcasting";
  let description = [{
    Example:
    ```mlir
    %0 = onnx.Add %x, %bias : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
}
def ONNX_SubOp : ONNX_BroadcastOp<"Sub"> {
  let summary = "elementwise subtraction with broadcasting";
}
def ONNX_MulOp : ONNX_BroadcastOp<"Mul", 0, [Commutative]> {
  let summary = "elementwise multiplication with broadcasting";
}
def ONNX_DivOp : ONNX_BroadcastOp<"Div"> {
  let summary = "elementwise division with broadcasting";
  let description = [{
    Integer division truncates toward zero, as in ONNX Runtime.
  }];
}
def ONNX_PowOp : ONNX_BroadcastOp<"Pow"> {
  let summary = "elementwise power with broadcasting";
  let description = [{
    The exponent may have another element type than the base (ONNX allows
    it); the result has the base's element type.
  }];
}
def ONNX_MaxOp : ONNX_BroadcastOp<"Max", 0, [Commutative]> {
  let summary = "elementwise maximum of two tensors, with broadcasting";
  let description = [{
    ONNX `Max` is variadic; the importer chains it into binary ops.
  }];
}
def ONNX_MinOp : ONNX_BroadcastOp<"Min", 0, [Commutative]> {
  let summary = "elementwise minimum of two tensors, with broadcasting";
}
def ONNX_EqualOp : ONNX_BroadcastOp<"Equal", 1, [Commutative]> {
  let summary = "elementwise equality, result i1";
}
def ONNX_LessOp : ONNX_BroadcastOp<"Less", 1> {
  let summary = "elementwise less-than, result i1";
}
def ONNX_GreaterOp : ONNX_BroadcastOp<"Greater", 1> {
  let summary = "elementwise greater-than, result i1";
}
def ONNX_LessOrEqualOp : ONNX_BroadcastOp<"LessOrEqual", 1> {
  let summary = "elementwise less-or-equal, result i1";
}
def ONNX_GreaterOrEqualOp : ONNX_BroadcastOp<"GreaterOrEqual", 1> {
  let summary = "elementwise greater-or-equal, result i1";
}
def ONNX_XorOp : ONNX_BroadcastOp<"Xor", 0, [Commutative]> {
  let summary = "elementwise exclusive or of booleans";
}
def ONNX_AndOp : ONNX_BroadcastOp<"And", 0, [Commutative]> {
  let summary = "elementwise logical and of i1 tensors";
}
def ONNX_OrOp : ONNX_BroadcastOp<"Or", 0, [Commutative]> {
  let summary = "elementwise logical or of i1 tensors";
}

def ONNX_ModOp : ONNX_Op<"Mod"> {
  let summary = "elementwise remainder with broadcasting";
  let description = [{
    `fmod = 0` (integers only): the remainder takes the divisor's sign, as
    Python's `%`; `fmod = 1`: the dividend's sign, as C's fmod (required
    for floats). An integer divisor of 0 is a run-time error naming the
    node, as in ONNX Runtime.
  }];
  let arguments = (ins ONNX_Tensor:$lhs, ONNX_Tensor:$rhs,
                       DefaultValuedAttr<I64Attr, "0">:$fmod);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_WhereOp : ONNX_Op<"Where"> {
  let summary = "select X where the condition holds, else Y, with broadcasting";
  let description = [{
    Exporters build padding masks with it:
    ```mlir
    %m = onnx.Where %cond, %neg_inf, %zero : (tensor<?x1x1x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x1x?xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$condition, ONNX_Tensor:$x,
                       ONNX_Tensor:$y);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_SqrtOp : ONNX_UnaryOp<"Sqrt", ONNX_FloatTensor> {
  let summary = "elementwise square root";
  let hasFolder = 1;
}
def ONNX_ErfOp : ONNX_UnaryOp<"Erf", ONNX_FloatTensor> {
  let summary = "elementwise error function";
}
def ONNX_TanhOp : ONNX_UnaryOp<"Tanh", ONNX_FloatTensor> {
  let summary = "elementwise hyperbolic tangent";
}
def ONNX_SigmoidOp : ONNX_UnaryOp<"Sigmoid", ONNX_FloatTensor> {
  let summary = "elementwise logistic function";
}
def ONNX_ExpOp : ONNX_UnaryOp<"Exp", ONNX_FloatTensor> {
  let summary = "elementwise exponential";
}
def ONNX_LogOp : ONNX_UnaryOp<"Log", ONNX_FloatTensor> {
  let summary = "elementwise natural logarithm";
}
def ONNX_ReciprocalOp : ONNX_UnaryOp<"Reciprocal", ONNX_FloatTensor> {
  let summary = "elementwise 1/x";
  let hasFolder = 1;
}
def ONNX_ReluOp : ONNX_UnaryOp<"Relu"> {
  let summary = "elementwise max(x, 0)";
}
def ONNX_NegOp : ONNX_UnaryOp<"Neg"> {
  let summary = "elementwise negation";
  let hasFolder = 1;
}
def ONNX_AbsOp : ONNX_UnaryOp<"Abs"> {
  let summary = "elementwise absolute value";
}
def ONNX_NotOp : ONNX_UnaryOp<"Not", RankedTensorOf<[I1]>> {
  let summary = "elementwise logical negation";
  let hasFolder = 1;
}
def ONNX_IdentityOp : ONNX_UnaryOp<"Identity"> {
  let summary = "returns its input";
  let hasFolder = 1;
}
def ONNX_SignOp : ONNX_UnaryOp<"Sign"> {
  let summary = "elementwise sign: -1, 0 or 1 (NaN stays NaN)";
  let hasFolder = 1;
}
def ONNX_CeilOp : ONNX_UnaryOp<"Ceil", ONNX_FloatTensor> {
  let summary = "elementwise rounding toward +infinity";
  let hasFolder = 1;
}
def ONNX_FloorOp : ONNX_UnaryOp<"Floor", ONNX_FloatTensor> {
  let summary = "elementwise rounding toward -infinity";
  let hasFolder = 1;
}
def ONNX_RoundOp : ONNX_UnaryOp<"Round", ONNX_FloatTensor> {
  let summary = "elementwise rounding to the nearest integer, ties to even";
  let hasFolder = 1;
}
def ONNX_CosOp : ONNX_UnaryOp<"Cos", ONNX_FloatTensor> {
  let summary = "elementwise cosine (rotary position embeddings)";
  let hasFolder = 1;
}
def ONNX_SinOp : ONNX_UnaryOp<"Sin", ONNX_FloatTensor> {
  let summary = "elementwise sine (rotary position embeddings)";
  let hasFolder = 1;
}

def ONNX_IsNaNOp : ONNX_Op<"IsNaN"> {
  let summary = "elementwise test for NaN, result i1";
  let description = [{
    The dynamo exporter guards softmax outputs of fully masked rows with
    `Where(IsNaN(p), 0, p)`.
    ```mlir
    %0 = onnx.IsNaN %p : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xi1>
    ```
  }];
  let arguments = (ins ONNX_FloatTensor:$input);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def ONNX_GeluOp : ONNX_Op<"Gelu"> {
  let summary = "Gaussian error linear unit (opset 20), exact or tanh form";
  let description = [{
    `approximate = "none"`: x * 0.5 * (1 + erf(x / sqrt(2)));
    `approximate = "tanh"`: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))).
    Kept as one op (not decomposed) so that the fusion passes see it.
    ```mlir
    %0 = onnx.Gelu %x {approximate = "tanh"} : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins ONNX_FloatTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let results = (outs ONNX_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_ClipOp : ONNX_Op<"Clip", [AttrSizedOperandSegments]> {
  let summary = "clamp to [min, max]; either bound may be absent";
  let description = [{
    `min` and `max` are single-element tensors (rank 0, or rank 1 of size 1)
    of the input's element type; the importer turns the attributes of
    opsets before 11 into constants. max(x, min) is taken first, then
    min(., max), so that min > max gives max everywhere, as in ONNX.
    ```mlir
    %0 = onnx.Clip %x min %lo max %hi : (tensor<?x?xf32>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
    %1 = onnx.Clip %x max %hi : (tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins ONNX_Tensor:$input, Optional<ONNX_Tensor>:$min,
                       Optional<ONNX_Tensor>:$max);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_CastOp : ONNX_Op<"Cast"> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Float to integer conversion truncates toward zero; conversion to i1 is
    `x != 0`, as in ONNX.
    ```mlir
    %0 = onnx.Cast %mask {to = f32} : (tensor<?x?xi64>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins ONNX_Tensor:$input, TypeAttr:$to);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalisation
//===----------------------------------------------------------------------===//

def ONNX_MatMulOp : ONNX_Op<"MatMul"> {
  let summary = "numpy-style matrix product";
  let description = [{
    Batch dimensions broadcast; 1-D operands are promoted as in numpy.
    ```mlir
    %0 = onnx.MatMul %x, %w : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins ONNX_Tensor:$lhs, ONNX_Tensor:$rhs);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def ONNX_GemmOp : ONNX_Op<"Gemm"> {
  let summary = "alpha * op(A) * op(B) + beta * C on 2-D operands";
  let arguments = (ins ONNX_Tensor:$a, ONNX_Tensor:$b,
                       Optional<ONNX_Tensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0">:$beta,
                       DefaultValuedAttr<I64Attr, "0">:$transA,
                       DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def ONNX_ConvOp : ONNX_Op<"Conv"> {
  let summary = "N-D convolution (NCHW), as used by ViT patch embeddings";
  let arguments = (ins ONNX_FloatTensor:$x, ONNX_FloatTensor:$w,
                       Optional<ONNX_FloatTensor>:$b,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs ONNX_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $w (`,` $b^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def ONNX_SoftmaxOp : ONNX_Op<"Softmax"> {
  let summary = "softmax along one axis (opset-13 semantics)";
  let description = [{
    `axis` is normalised to [0, rank). Opset < 13 graphs whose softmax spans
    more than the last axis are rejected by the importer.
  }];
  let arguments = (ins ONNX_FloatTensor:$input, I64Attr:$axis);
  let results = (outs ONNX_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def ONNX_LayerNormalizationOp : ONNX_Op<"LayerNormalization"> {
  let summary = "layer normalisation over the trailing axes from `axis`";
  let arguments = (ins ONNX_FloatTensor:$x, ONNX_FloatTensor:$scale,
                       Optional<ONNX_FloatTensor>:$bias,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs ONNX_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class ONNX_ReduceOp<string mnemonic> : ONNX_Op<mnemonic> {
  let arguments = (ins ONNX_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<I64Attr, "1">:$keepdims);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange l,
                                            ::mlir::TypeRange r) {
      return ::bertc::onnx::areRefinementCompatible(l, r);
    }
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *ctx, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::bertc::onnx::inferReduceOpType(ctx, loc,
          adaptor.getInput().getType(), adaptor.getAxes(),
          adaptor.getKeepdims(), types);
    }
    ::mlir::LogicalResult $cppClass::verify() {
      return ::bertc::onnx::verifyReduceOp(*this, getAxes());
    }
  }];
  let description = [{
    `axes` are normalised to [0, rank) and sorted; an empty list reduces all
    axes (the importer turns `noop_with_empty_axes` into an Identity).
  }];
}
def ONNX_ReduceMeanOp : ONNX_ReduceOp<"ReduceMean"> {
  let summary = "mean over the given axes";
}
def ONNX_ReduceSumOp : ONNX_ReduceOp<"ReduceSum"> {
  let summary = "sum over the given axes";
}
def ONNX_ReduceMaxOp : ONNX_ReduceOp<"ReduceMax"> {
  let summary = "maximum over the given axes";
}
def ONNX_ReduceMinOp : ONNX_ReduceOp<"ReduceMin"> {
  let summary = "minimum over the given axes";
}
def ONNX_ReduceProdOp : ONNX_ReduceOp<"ReduceProd"> {
  let summary = "product over the given axes";
}
def ONNX_ReduceL2Op : ONNX_ReduceOp<"ReduceL2"> {
  let summary = "sqrt of the sum of squares over the given axes";
}

def ONNX_ArgMaxOp : ONNX_Op<"ArgMax"> {
  let summary = "index of the maximum along one axis, result i64";
  let description = [{
    `axis` is normalised to [0, rank). Ties give the first index, or the last
    with `select_last_index` (opset 12).
    ```mlir
    %0 = onnx.ArgMax %logits {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x?xf32>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins ONNX_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<I64Attr, "1">:$keepdims,
                       DefaultValuedAttr<I64Attr, "0">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement and shapes
//===----------------------------------------------------------------------===//

def ONNX_ConstantOp : ONNX_Op<"Constant", [ConstantLike]> {
  let summary = "a constant tensor (ONNX Constant nodes and initializers)";
  let description = [{
    Large initializers are `dense_resource` blobs, so the weights are held
    once in memory and written once into the object file.
    ```mlir
    %w = onnx.Constant dense_resource<w0> : tensor<768x768xf32>
    %s = onnx.Constant dense<[0, 0, 12, 64]> : tensor<4xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_ConstantOfShapeOp : ONNX_Op<"ConstantOfShape"> {
  let summary = "a tensor of the given (run-time) shape filled with one value";
  let arguments = (ins RankedTensorOf<[I64]>:$shape, ElementsAttr:$value);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def ONNX_ShapeOp : ONNX_Op<"Shape"> {
  let summary = "the shape of a tensor as a 1-D i64 tensor";
  let description = [{
    `start` and `end` (opset 15) select a range of dimensions, normalised to
    [0, rank].
  }];
  let arguments = (ins ONNX_Tensor:$input, I64Attr:$start, I64Attr:$end);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_ReshapeOp : ONNX_Op<"Reshape"> {
  let summary = "reshape to a (possibly run-time) shape";
  let description = [{
    A 0 in `shape` copies the input dimension (unless `allowzero`), a -1 is
    inferred. Exporters compute `shape` from Shape/Gather/Concat subgraphs;
    shape inference reads constant parts of it so the result type stays as
    static as it can be.
  }];
  let arguments = (ins ONNX_Tensor:$input, RankedTensorOf<[I64]>:$shape,
                       DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_ExpandOp : ONNX_Op<"Expand"> {
  let summary = "broadcast a tensor to a (possibly run-time) shape";
  let arguments = (ins ONNX_Tensor:$input, RankedTensorOf<[I64]>:$shape);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def ONNX_TransposeOp : ONNX_Op<"Transpose"> {
  let summary = "permute dimensions";
  let arguments = (ins ONNX_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_UnsqueezeOp : ONNX_Op<"Unsqueeze"> {
  let summary = "insert size-1 dimensions at `axes` (of the result)";
  let arguments = (ins ONNX_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_SqueezeOp : ONNX_Op<"Squeeze"> {
  let summary = "remove size-1 dimensions at `axes`";
  let arguments = (ins ONNX_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_FlattenOp : ONNX_Op<"Flatten"> {
  let summary = "collapse to 2-D at `axis`";
  let arguments = (ins ONNX_Tensor:$input, I64Attr:$axis);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def ONNX_ConcatOp : ONNX_Op<"Concat"> {
  let summary = "concatenate along `axis`";
  let arguments = (ins Variadic<ONNX_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_SliceOp : ONNX_Op<"Slice"> {
  let summary = "strided slice with (possibly run-time) starts and ends";
  let description = [{
    All five ONNX inputs are present (the importer materialises the default
    `axes` and `steps`). Out-of-range starts and ends are clamped as in ONNX.
  }];
  let arguments = (ins ONNX_Tensor:$data, RankedTensorOf<[I32, I64]>:$starts,
                       RankedTensorOf<[I32, I64]>:$ends,
                       RankedTensorOf<[I32, I64]>:$axes,
                       RankedTensorOf<[I32, I64]>:$steps);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $starts `,` $ends `,` $axes `,` $steps attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

// Split's result count is not implied by its operands, so it does not infer
// result types: the verifier checks the given ones.
def ONNX_SplitOp : Op<ONNX_Dialect, "Split", [Pure]> {
  let summary = "split along `axis` into pieces of the given sizes";
  let description = [{
    `split` gives each piece's size; absent means equal pieces (the last one
    smaller if the size does not divide, as in opset 18).
  }];
  let arguments = (ins ONNX_Tensor:$input, I64Attr:$axis,
                       OptionalAttr<DenseI64ArrayAttr>:$split);
  let results = (outs Variadic<ONNX_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def ONNX_GatherOp : ONNX_Op<"Gather"> {
  let summary = "gather slices of `data` along `axis` at `indices`";
  let description = [{
    Negative indices count from the end. Embedding lookups are Gathers on
    axis 0 of the embedding table.
  }];
  let arguments = (ins ONNX_Tensor:$data, RankedTensorOf<[I32, I64]>:$indices,
                       I64Attr:$axis);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_GatherNDOp : ONNX_Op<"GatherND"> {
  let summary = "gather slices of `data` at the index tuples of `indices`";
  let description = [{
    The last dimension of `indices` (k, static) holds index tuples into the
    dimensions batch_dims .. batch_dims + k - 1 of `data`; the first
    `batch_dims` dimensions of both are batch dimensions and must agree. The
    result has shape indices.shape[:-1] + data.shape[batch_dims + k:].
    Negative indices count from the end.
    ```mlir
    %0 = onnx.GatherND %x, %idx {batch_dims = 1 : i64} : (tensor<?x?x64xf32>, tensor<?x1xi64>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins ONNX_Tensor:$data, RankedTensorOf<[I32, I64]>:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def ONNX_GatherElementsOp : ONNX_Op<"GatherElements"> {
  let summary = "out[i...] = data[i... with indices[i...] on `axis`]";
  let description = [{
    `indices` has the rank of `data` and gives the result shape; along the
    other axes it may not be larger than `data`. Negative indices count from
    the end.
  }];
  let arguments = (ins ONNX_Tensor:$data, RankedTensorOf<[I32, I64]>:$indices,
                       I64Attr:$axis);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_TileOp : ONNX_Op<"Tile"> {
  let summary = "repeat a tensor `repeats[i]` times along each axis i";
  let description = [{
    `repeats` may be computed at run time; its known entries keep result
    dimensions static.
  }];
  let arguments = (ins ONNX_Tensor:$input, RankedTensorOf<[I64]>:$repeats);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $repeats attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_RangeOp : ONNX_Op<"Range"> {
  let summary = "1-D sequence start, start+delta, ... below limit";
  let arguments = (ins ONNX_Tensor:$start, ONNX_Tensor:$limit,
                       ONNX_Tensor:$delta);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def ONNX_TriluOp : ONNX_Op<"Trilu"> {
  let summary = "keep the upper or lower triangle of the last two dims";
  let arguments = (ins ONNX_Tensor:$input, Optional<RankedTensorOf<[I64]>>:$k,
                       DefaultValuedAttr<I64Attr, "1">:$upper);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = [{
    $input (`,` $k^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def ONNX_CumSumOp : ONNX_Op<"CumSum"> {
  let summary = "cumulative sum along an axis (RoBERTa position ids)";
  let description = [{
    ONNX CumSum with the axis (an input in ONNX, constant) as an attribute:
    `exclusive` leaves out the element itself, `reverse` sums from the end.
  }];
  let arguments = (ins ONNX_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$exclusive,
                       DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs ONNX_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // BERTC_DIALECT_ONNX_ONNXOPS_TD
