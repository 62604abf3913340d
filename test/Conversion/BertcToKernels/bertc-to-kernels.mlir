// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --canonicalize | FileCheck %s
// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --one-shot-bufferize="bufferize-function-boundaries" --bertc-linalg-to-kernel-calls | FileCheck %s --check-prefix=CALL

// bertc.linear: leading dims collapsed to rows, one kernel call with the
// activation code (2 = gelu_erf) and has_bias, rows expanded back.
// CHECK-LABEL: func.func @linear
// CHECK: %[[A:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<?x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[C:.*]] = bertc.call_kernel @bertc_linear_f32(%[[A]], %arg1, %arg2 : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<?x8xf32>) {params = [2, 1]} -> tensor<?x8xf32>
// CHECK: tensor.reshape %[[C]]
// CALL-LABEL: func.func @linear
// CALL: call @bertc_linear_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c2_i64, %c1_i64) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64) -> ()
// CALL: func.func private @bertc_linear_f32({{.*}}) attributes {llvm.emit_c_interface}
func.func @linear(%x: tensor<?x?x4xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0 = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_erf>} : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Skip LayerNorm whose sum is used: the two-output kernel; flags = beta | skip.
// CHECK-LABEL: func.func @skip_layer_norm
// CHECK: bertc.call_kernel @bertc_skip_layer_norm_f32(%arg0, %arg2, %arg3, %arg1, %arg2 : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?x8xf32>) {params = [9.99999974E-6 : f32, 3]}
func.func @skip_layer_norm(%x: tensor<?x8xf32>, %r: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %y, %s = bertc.layer_norm %x, %g, %b skip %r {epsilon = 1.0e-5 : f32} : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
  return %y, %s : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Attention: the int64 mask becomes an f32 keep-mask (m != 0), then one call.
// CHECK-LABEL: func.func @attention
// CHECK: %[[K:.*]] = linalg.generic
// CHECK: arith.cmpi ne
// CHECK: arith.uitofp
// CHECK: %[[NB:.*]] = tensor.empty() : tensor<1x1x1x1xf32>
// CHECK: bertc.call_kernel @bertc_attention_f32(%arg0, %arg0, %arg0, %[[K]], %[[NB]] : {{.*}}) outs(%{{.*}} : tensor<?x?x64xf32>) {params = [4, 1.250000e-01 : f32, 0, -1.000000e+04 : f32, 0, 1, 0]}
func.func @attention(%q: tensor<?x?x64xf32>, %m: tensor<?x?xi64>) -> tensor<?x?x64xf32> {
  %0 = bertc.attention %q, %q, %q mask %m {num_heads = 4 : i64, scale = 0.125 : f32, causal = false, mask_value = -10000.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// A score bias (relative position bias, broadcast over the batch) is passed
// as is, with has_bias = 1.
// CHECK-LABEL: func.func @attention_bias
// CHECK: bertc.call_kernel @bertc_attention_f32(%arg0, %arg0, %arg0, %{{.*}}, %arg1 : {{.*}}tensor<1x4x?x?xf32>) outs(%{{.*}} : tensor<?x?x64xf32>) {params = [4, 1.000000e+00 : f32, 0, 0.000000e+00 : f32, 0, 0, 1]}
func.func @attention_bias(%q: tensor<?x?x64xf32>, %b: tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32> {
  %0 = bertc.attention %q, %q, %q bias %b {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<1x4x?x?xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}


// -----

// A residual broadcast along leading dims ([1, seq', H] into [batch, seq,
// H]): the kernel reads row i % skip_rows, which is the broadcast only if
// seq' == seq, so that is checked at run time (error naming the node).
// CHECK-LABEL: func.func @skip_layer_norm_broadcast_checked
// CHECK-DAG: %[[X1:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[S1:.*]] = tensor.dim %arg1, %c1
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[X1]], %[[S1]]
// CHECK-NEXT: scf.if %[[NE]] {
// CHECK: func.call @bertc_cpu_broadcast_error({{.*}}, {{.*}}, %c1_i32, %c0_i32)
// CHECK: bertc.call_kernel @bertc_layer_norm_f32
func.func @skip_layer_norm_broadcast_checked(%x: tensor<?x?x8xf32>, %r: tensor<1x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %y, %s = bertc.layer_norm %x, %g, %b skip %r {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return %y : tensor<?x?x8xf32>
}
