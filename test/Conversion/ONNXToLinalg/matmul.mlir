// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// A weight shared by the batch: batch dims fold into M (one big GEMM).
// CHECK-LABEL: func.func @matmul_weight
// CHECK: %[[M:.*]] = arith.muli
// CHECK: %[[A:.*]] = tensor.reshape %arg0(%{{.*}}) : (tensor<?x?x64xf32>, tensor<2xindex>) -> tensor<?x64xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK-NEXT: %[[MM:.*]] = linalg.matmul ins(%[[A]], %arg1 : tensor<?x64xf32>, tensor<64x32xf32>) outs(%[[INIT]] : tensor<?x32xf32>)
// CHECK: tensor.reshape %[[MM]]
// CHECK-SAME: -> tensor<?x?x32xf32>
func.func @matmul_weight(%x: tensor<?x?x64xf32>, %w: tensor<64x32xf32>) -> tensor<?x?x32xf32> {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// Attention scores: [b, h, s, d] x [b, h, d, s] becomes one batch_matmul
// over b*h.
// CHECK-LABEL: func.func @matmul_batched
// CHECK: tensor.reshape %arg0{{.*}} -> tensor<?x?x16xf32>
// CHECK: tensor.reshape %arg1{{.*}} -> tensor<?x16x?xf32>
// CHECK: linalg.fill
// CHECK-NEXT: linalg.batch_matmul
// CHECK: tensor.reshape {{.*}} -> tensor<?x4x?x?xf32>
func.func @matmul_batched(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = "onnx.MatMul"(%q, %k) : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Gemm with transB (PyTorch nn.Linear export) and a bias.
// CHECK-LABEL: func.func @gemm_transb
// CHECK: linalg.matmul_transpose_b ins(%arg0, %arg1 : tensor<?x64xf32>, tensor<32x64xf32>)
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @gemm_transb(%a: tensor<?x64xf32>, %b: tensor<32x64xf32>, %c: tensor<32xf32>) -> tensor<?x32xf32> {
  %0 = "onnx.Gemm"(%a, %b, %c) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
