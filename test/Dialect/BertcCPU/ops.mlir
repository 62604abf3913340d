// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// Round trip: every bertc_cpu op, on tensors (results = outs) and on
// memrefs (no results), with its optional operands present and absent.

// CHECK-LABEL: func.func @linear
// CHECK: bertc_cpu.linear ins(%arg0, %arg1) outs(%arg3) : (tensor<?x64xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
// CHECK: bertc_cpu.linear ins(%arg0, %arg4, %arg2) outs(%arg3) {activation = #bertc<activation relu>, has_bias} : (tensor<?x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
func.func @linear(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>, %init: tensor<?x32xf32>, %wp: tensor<1x64x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %0 = bertc_cpu.linear ins(%x, %w) outs(%init) : (tensor<?x64xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  %1 = bertc_cpu.linear ins(%x, %wp, %b) outs(%init) {activation = #bertc<activation relu>, has_bias} : (tensor<?x64xf32>, tensor<1x64x32xf32>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0, %1 : tensor<?x32xf32>, tensor<?x32xf32>
}

// CHECK-LABEL: func.func @linear_memref
// CHECK: bertc_cpu.linear ins(%arg0, %arg1) outs(%arg2) : (memref<?x64xf32>, memref<64x32xf32>, memref<?x32xf32>) -> ()
func.func @linear_memref(%x: memref<?x64xf32>, %w: memref<64x32xf32>, %c: memref<?x32xf32>) {
  bertc_cpu.linear ins(%x, %w) outs(%c) : (memref<?x64xf32>, memref<64x32xf32>, memref<?x32xf32>) -> ()
  return
}

// CHECK-LABEL: func.func @layer_norm
// CHECK: bertc_cpu.layer_norm ins(%arg0, %arg1) outs(%arg0) {epsilon = 9.99999997E-7 : f32, rms} : (tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK: bertc_cpu.layer_norm ins(%arg0, %arg1, %arg1, %arg0, %arg1) outs(%arg0, %arg0) {epsilon = 9.99999996E-13 : f32, has_beta, has_bias, has_skip} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
func.func @layer_norm(%x: tensor<?x64xf32>, %g: tensor<64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %0 = bertc_cpu.layer_norm ins(%x, %g) outs(%x) {epsilon = 1.0e-6 : f32, rms} : (tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  %1:2 = bertc_cpu.layer_norm ins(%x, %g, %g, %x, %g) outs(%x, %x) {epsilon = 1.0e-12 : f32, has_beta, has_skip, has_bias} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
  return %0, %1#1 : tensor<?x64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @attention
// CHECK: bertc_cpu.attention ins(%arg0, %arg0, %arg0) outs(%arg0) {causal, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK: bertc_cpu.attention ins(%arg0, %arg0, %arg0, %arg1, %arg2) outs(%arg0) {has_bias, has_mask, mask_replace, mask_value = -3.40282347E+38 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xf32>, tensor<1x4x?x?xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
func.func @attention(%q: tensor<?x?x64xf32>, %keep: tensor<?x?xf32>, %pb: tensor<1x4x?x?xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %0 = bertc_cpu.attention ins(%q, %q, %q) outs(%q) {num_heads = 4 : i64, scale = 0.125 : f32, causal, mask_value = 0.0 : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %1 = bertc_cpu.attention ins(%q, %q, %q, %keep, %pb) outs(%q) {num_heads = 4 : i64, scale = 0.125 : f32, mask_value = -3.40282347E+38 : f32, mask_replace, has_mask, has_bias} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xf32>, tensor<1x4x?x?xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// CHECK-LABEL: func.func @qlinear
// CHECK: bertc_cpu.qlinear ins(%arg0, %arg1, %arg2) outs(%arg5) : (tensor<?x64xf32>, tensor<64x32xi8>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
// CHECK: bertc_cpu.qlinear ins(%arg0, %arg3, %arg2, %arg4, %arg2) outs(%arg5) {activation = #bertc<activation gelu_erf>, has_bias, input_quantization = #bertc<input_quantization static>, input_scale = 5.000000e-01 : f32, input_zero_point = 3 : i32}
func.func @qlinear(%x: tensor<?x64xf32>, %w: tensor<64x32xi8>, %s: tensor<32xf32>, %p: tensor<1x16x128xi8>, %cs: tensor<32xi32>, %c: tensor<?x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %0 = bertc_cpu.qlinear ins(%x, %w, %s) outs(%c) : (tensor<?x64xf32>, tensor<64x32xi8>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  %1 = bertc_cpu.qlinear ins(%x, %p, %s, %cs, %s) outs(%c) {activation = #bertc<activation gelu_erf>, has_bias, input_quantization = #bertc<input_quantization static>, input_scale = 0.5 : f32, input_zero_point = 3 : i32} : (tensor<?x64xf32>, tensor<1x16x128xi8>, tensor<32xf32>, tensor<32xi32>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0, %1 : tensor<?x32xf32>, tensor<?x32xf32>
}
