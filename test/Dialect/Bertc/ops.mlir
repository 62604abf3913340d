// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// Round trip: every bertc op, with each optional operand present and absent,
// prints and parses back unchanged.

// CHECK-LABEL: func.func @linear
// CHECK: bertc.linear %arg0, %arg1 : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
// CHECK: bertc.linear %arg0, %arg1, %arg2 {activation = #bertc<activation gelu_tanh>} : (tensor<?x?x64xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
func.func @linear(%x: tensor<?x?x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %0 = bertc.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  %1 = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_tanh>} : (tensor<?x?x64xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %0, %1 : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// CHECK-LABEL: func.func @gelu
// CHECK: bertc.gelu %arg0 : tensor<?x64xf32>
// CHECK: bertc.gelu %arg0 {approximation = #bertc<activation quick_gelu>} : tensor<?x64xf32>
func.func @gelu(%x: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %0 = bertc.gelu %x : tensor<?x64xf32>
  %1 = bertc.gelu %x {approximation = #bertc<activation quick_gelu>} : tensor<?x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @layer_norm
// CHECK: bertc.layer_norm %arg0, %arg1 {epsilon = 9.99999997E-7 : f32, rms = true} : (tensor<?x64xf32>, tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
// CHECK: bertc.layer_norm %arg0, %arg1, %arg1 skip %arg0 bias %arg1 {epsilon = 9.99999996E-13 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
func.func @layer_norm(%x: tensor<?x64xf32>, %g: tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %y, %s = bertc.layer_norm %x, %g {epsilon = 1.0e-6 : f32, rms = true} : (tensor<?x64xf32>, tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
  %y2, %s2 = bertc.layer_norm %x, %g, %g skip %x bias %g {epsilon = 1.0e-12 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
  return %y, %y2 : tensor<?x64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @attention
// CHECK: bertc.attention %arg0, %arg0, %arg0 {causal = true, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK: bertc.attention %arg0, %arg0, %arg0 mask %arg1 {causal = false, mask_replace = true, mask_value = -3.40282347E+38 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
// CHECK: bertc.attention %arg0, %arg0, %arg0 bias %arg2 {causal = false, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 1.000000e+00 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32>
// CHECK: bertc.attention %arg0, %arg0, %arg0 mask %arg1 bias %arg2 {causal = false, mask_replace = false, mask_value = -1.000000e+04 : f32, num_heads = 4 : i64, scale = 1.000000e+00 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>, tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32>
func.func @attention(%q: tensor<?x?x64xf32>, %m: tensor<?x?xi64>, %pb: tensor<1x4x?x?xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %0 = bertc.attention %q, %q, %q {num_heads = 4 : i64, scale = 0.125 : f32, causal = true, mask_value = 0.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %1 = bertc.attention %q, %q, %q mask %m {num_heads = 4 : i64, scale = 0.125 : f32, causal = false, mask_value = -3.40282347E+38 : f32, mask_replace = true} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  %2 = bertc.attention %q, %q, %q bias %pb {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32>
  %3 = bertc.attention %q, %q, %q mask %m bias %pb {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = -10000.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>, tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32>
  return %0, %1, %2, %3 : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// CHECK-LABEL: func.func @quantized_linear
// CHECK: bertc.quantized_linear %arg0, %arg1, %arg2 : (tensor<?x?x64xf32>, tensor<64x32xi8>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: bertc.quantized_linear %arg0, %arg1, %arg2, %arg3 {activation = #bertc<activation gelu_erf>, input_quantization = #bertc<input_quantization dynamic_tensor>}
// CHECK: bertc.quantized_linear %arg0, %arg1, %arg2 {input_quantization = #bertc<input_quantization static>, input_scale = 2.500000e-02 : f32, input_zero_point = 128 : i32}
func.func @quantized_linear(%x: tensor<?x?x64xf32>, %w: tensor<64x32xi8>, %s: tensor<32xf32>, %b: tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %0 = bertc.quantized_linear %x, %w, %s : (tensor<?x?x64xf32>, tensor<64x32xi8>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %1 = bertc.quantized_linear %x, %w, %s, %b {activation = #bertc<activation gelu_erf>, input_quantization = #bertc<input_quantization dynamic_tensor>} : (tensor<?x?x64xf32>, tensor<64x32xi8>, tensor<32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %2 = bertc.quantized_linear %x, %w, %s {input_quantization = #bertc<input_quantization static>, input_scale = 0.025 : f32, input_zero_point = 128 : i32} : (tensor<?x?x64xf32>, tensor<64x32xi8>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %0, %1, %2 : tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}
