//===- BertcEnums.td - Enums shared by bertc and bertc_cpu ----------------===//
#ifndef BERTC_DIALECT_BERTC_BERTCENUMS_TD
#define BERTC_DIALECT_BERTC_BERTCENUMS_TD

include "bertc/Dialect/Bertc/IR/BertcDialect.td"
include "mlir/IR/EnumAttr.td"

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

// How a quantized linear turns its f32 input into u8 (ONNX QuantizeLinear
// rounding and saturation); the codes are the kernels' BERTC_QUANT_*
// (kernel_abi.h, static_assert in BertcOps.cpp).
def Bertc_InputQuantizationEnum : I32EnumAttr<"InputQuantization",
    "how the input of a quantized linear is quantized", [
    // At run time, each row (token) its own scale and zero point from its
    // min and max (DynamicQuantizeLinear's formula per row).
    I32EnumAttrCase<"dynamic_row", 0>,
    // At run time, one scale and zero point over the whole input
    // (ONNX DynamicQuantizeLinear, ONNX Runtime's quantize_dynamic).
    I32EnumAttrCase<"dynamic_tensor", 1>,
    // Given scale and zero point (calibrated, or from a QDQ model).
    I32EnumAttrCase<"static_", 2, "static">]> {
  let cppNamespace = "::bertc";
  let genSpecializedAttr = 0;
}
def Bertc_InputQuantization
    : EnumAttr<Bertc_Dialect, Bertc_InputQuantizationEnum, "input_quantization">;

#endif // BERTC_DIALECT_BERTC_BERTCENUMS_TD
