// RUN: bertc-opt %s --split-input-file --bertc-conv-to-linear | FileCheck %s

// ViT patch embedding: 8x8 kernel, stride 8, on a 32x32 image -> patches
// [N*16, 3*8*8] times the transposed weight [192, 64], then back to NCHW.
// CHECK-LABEL: func.func @patch_embedding
// CHECK: %[[X6:.*]] = onnx.Reshape %arg0, %{{.*}} : (tensor<?x3x32x32xf32>, tensor<6xi64>) -> tensor<?x3x4x8x4x8xf32>
// CHECK: %[[XT:.*]] = onnx.Transpose %[[X6]] {perm = array<i64: 0, 2, 4, 1, 3, 5>}
// CHECK: %[[X2:.*]] = onnx.Reshape %[[XT]], %{{.*}} -> tensor<?x192xf32>
// CHECK: %[[Y:.*]] = bertc.linear %[[X2]], %{{.*}}, %arg1 : (tensor<?x192xf32>, tensor<192x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
// CHECK: %[[Y4:.*]] = onnx.Reshape %[[Y]], %{{.*}} -> tensor<?x4x4x64xf32>
// CHECK: onnx.Transpose %[[Y4]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<?x4x4x64xf32>) -> tensor<?x64x4x4xf32>
// CHECK-NOT: onnx.Conv
func.func @patch_embedding(%x: tensor<?x3x32x32xf32>, %b: tensor<64xf32>) -> tensor<?x64x4x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<64x3x8x8xf32>
  %0 = onnx.Conv %x, %w, %b {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 8, 8>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>, tensor<64xf32>) -> tensor<?x64x4x4xf32>
  return %0 : tensor<?x64x4x4xf32>
}

// -----

// Negative: overlapping windows (stride 4 < kernel 8) are a real convolution.
// CHECK-LABEL: func.func @overlapping
// CHECK: onnx.Conv
// CHECK-NOT: bertc.linear
func.func @overlapping(%x: tensor<1x3x32x32xf32>) -> tensor<1x64x7x7xf32> {
  %w = onnx.Constant dense<0.5> : tensor<64x3x8x8xf32>
  %0 = onnx.Conv %x, %w {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 8, 8>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>} : (tensor<1x3x32x32xf32>, tensor<64x3x8x8xf32>) -> tensor<1x64x7x7xf32>
  return %0 : tensor<1x64x7x7xf32>
}

// -----

// Negative: padding.
// CHECK-LABEL: func.func @padded
// CHECK: onnx.Conv
func.func @padded(%x: tensor<1x3x30x30xf32>) -> tensor<1x64x4x4xf32> {
  %w = onnx.Constant dense<0.5> : tensor<64x3x8x8xf32>
  %0 = onnx.Conv %x, %w {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 8, 8>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 8, 8>} : (tensor<1x3x30x30xf32>, tensor<64x3x8x8xf32>) -> tensor<1x64x4x4xf32>
  return %0 : tensor<1x64x4x4xf32>
}
