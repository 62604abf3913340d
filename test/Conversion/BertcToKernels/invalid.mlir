// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --verify-diagnostics
// The CPU kernels are f32: a fused op on other element types is an error
// naming the op, not a silent fallback (the conversion leaves no bertc op).

func.func @linear_f16(%x: tensor<4x8xf16>, %w: tensor<8x2xf16>) -> tensor<4x2xf16> {
  // expected-error @+1 {{no CPU kernel for this op with these element types}}
  %0 = bertc.linear %x, %w : (tensor<4x8xf16>, tensor<8x2xf16>) -> tensor<4x2xf16>
  return %0 : tensor<4x2xf16>
}
