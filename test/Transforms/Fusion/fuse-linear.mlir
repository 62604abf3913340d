// RUN: bertc-opt %s --split-input-file --bertc-fuse-linear | FileCheck %s

// MatMul by a constant [K, N] weight, bias added on the left (as torch
// exports nn.Linear), then GELU: one bertc.linear with the epilogue.
// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK: %[[L:.*]] = bertc.linear %arg0, %{{.*}}, %{{.*}} {activation = #bertc<activation gelu_erf>} : (tensor<?x?x4xf32>, tensor<4x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: return %[[L]]
func.func @matmul_bias_gelu(%x: tensor<?x?x4xf32>) -> tensor<?x?x8xf32> {
  %w = onnx.Constant dense<0.5> : tensor<4x8xf32>
  %b = onnx.Constant dense<0.25> : tensor<8xf32>
  %0 = onnx.MatMul %x, %w : (tensor<?x?x4xf32>, tensor<4x8xf32>) -> tensor<?x?x8xf32>
  %1 = onnx.Add %b, %0 : (tensor<8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %2 = bertc.gelu %1 : tensor<?x?x8xf32>
  return %2 : tensor<?x?x8xf32>
}

// -----

// Gemm with transB (weights [N, K]): transposed once at compile time.
// CHECK-LABEL: func.func @gemm_transb_relu
// CHECK: %[[WT:.*]] = onnx.Constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[L:.*]] = bertc.linear %arg0, %[[WT]], %{{.*}} {activation = #bertc<activation relu>} : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
// CHECK-NEXT: return %[[L]]
func.func @gemm_transb_relu(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<0.25> : tensor<2xf32>
  %0 = onnx.Gemm %x, %w, %b {transB = 1 : i64} : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %1 = onnx.Relu %0 : tensor<?x2xf32>
  return %1 : tensor<?x2xf32>
}

// -----

// Negative: a weight computed at run time (Q K^T) is not a linear layer.
// CHECK-LABEL: func.func @dynamic_weight
// CHECK-NOT: bertc.linear
func.func @dynamic_weight(%x: tensor<2x4xf32>, %w: tensor<4x8xf32>) -> tensor<2x8xf32> {
  %0 = onnx.MatMul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// Negative epilogue: the pre-bias product is also returned, so the bias add
// (and the GELU) stay outside; the matmul alone becomes bertc.linear.
// CHECK-LABEL: func.func @escaping_product
// CHECK: %[[L:.*]] = bertc.linear %arg0, %{{.*}} : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: %[[A:.*]] = onnx.Add %[[L]], %{{.*}}
// CHECK-NEXT: return %[[A]], %[[L]]
func.func @escaping_product(%x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %w = onnx.Constant dense<0.5> : tensor<4x8xf32>
  %b = onnx.Constant dense<0.25> : tensor<8xf32>
  %0 = onnx.MatMul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  %1 = onnx.Add %b, %0 : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %1, %0 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Negative: a [M, N] bias is not a bias vector.
// CHECK-LABEL: func.func @matrix_bias
// CHECK: bertc.linear %arg0, %{{.*}} : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: onnx.Add
func.func @matrix_bias(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %w = onnx.Constant dense<0.5> : tensor<4x8xf32>
  %b = onnx.Constant dense<0.25> : tensor<2x8xf32>
  %0 = onnx.MatMul %x, %w : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
  %1 = onnx.Add %0, %b : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}
