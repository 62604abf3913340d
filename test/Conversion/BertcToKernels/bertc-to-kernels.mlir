// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --canonicalize | FileCheck %s
// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --one-shot-bufferize="bufferize-function-boundaries" --bertc-linalg-to-kernel-calls | FileCheck %s --check-prefix=CALL

// bertc.linear: leading dims collapsed to rows, one bertc_cpu.linear, rows
// expanded back; the call passes the activation code (2 = gelu_erf) and
// has_bias.
// CHECK-LABEL: func.func @linear
// CHECK: %[[A:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<?x?x4xf32> into tensor<?x4xf32>
// CHECK: %[[C:.*]] = bertc_cpu.linear ins(%[[A]], %arg1, %arg2) outs(%{{.*}}) {activation = #bertc<activation gelu_erf>, has_bias} : (tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK: tensor.reshape %[[C]]
// CALL-LABEL: func.func @linear
// CALL: call @bertc_linear_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c2_i64, %c1_i64) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64) -> ()
// CALL: func.func private @bertc_linear_f32({{.*}}) attributes {llvm.emit_c_interface}
func.func @linear(%x: tensor<?x?x4xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0 = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_erf>} : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}

// -----

// Skip LayerNorm whose sum is used: two outs (the skip kernel); the call's
// flags = beta | skip = 3, gamma standing in for the absent bias.
// CHECK-LABEL: func.func @skip_layer_norm
// CHECK: bertc_cpu.layer_norm ins(%arg0, %arg2, %arg3, %arg1) outs(%{{.*}}, %{{.*}}) {epsilon = 9.99999974E-6 : f32, has_beta, has_skip} : ({{.*}}) -> (tensor<?x8xf32>, tensor<?x8xf32>)
// CALL-LABEL: func.func @skip_layer_norm
// CALL: call @bertc_skip_layer_norm_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c3_i64)
func.func @skip_layer_norm(%x: tensor<?x8xf32>, %r: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %y, %s = bertc.layer_norm %x, %g, %b skip %r {epsilon = 1.0e-5 : f32} : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
  return %y, %s : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Attention: the int64 mask becomes an f32 keep-mask (m != 0), then one
// bertc_cpu.attention; the call gets an unread [1, 1, 1, 1] buffer for the
// absent bias.
// CHECK-LABEL: func.func @attention
// CHECK: %[[K:.*]] = linalg.generic
// CHECK: arith.cmpi ne
// CHECK: arith.uitofp
// CHECK: bertc_cpu.attention ins(%arg0, %arg0, %arg0, %[[K]]) outs(%{{.*}}) {has_mask, mask_value = -1.000000e+04 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32}
// CALL-LABEL: func.func @attention
// CALL: %[[NB:.*]] = memref.alloca() : memref<1x1x1x1xf32>
// CALL: %[[NBC:.*]] = memref.cast %[[NB]]
// CALL: call @bertc_attention_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NBC]], %{{.*}}, %c4_i64, %cst{{.*}}, %c0_i64{{.*}}, %cst{{.*}}, %c0_i64{{.*}}, %c1_i64, %c0_i64{{.*}})
func.func @attention(%q: tensor<?x?x64xf32>, %m: tensor<?x?xi64>) -> tensor<?x?x64xf32> {
  %0 = bertc.attention %q, %q, %q mask %m {num_heads = 4 : i64, scale = 0.125 : f32, causal = false, mask_value = -10000.0 : f32, mask_replace = false} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xi64>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// A score bias (relative position bias, broadcast over the batch) is passed
// as is (has_bias).
// CHECK-LABEL: func.func @attention_bias
// CHECK: bertc_cpu.attention ins(%arg0, %arg0, %arg0, %arg1) outs(%{{.*}}) {has_bias, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 1.000000e+00 : f32} : ({{.*}}, tensor<1x4x?x?xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
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
// CHECK: bertc_cpu.layer_norm
func.func @skip_layer_norm_broadcast_checked(%x: tensor<?x?x8xf32>, %r: tensor<1x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %y, %s = bertc.layer_norm %x, %g, %b skip %r {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return %y : tensor<?x?x8xf32>
}
