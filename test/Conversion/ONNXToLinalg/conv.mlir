// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize --verify-diagnostics | FileCheck %s

// A patch-embedding Conv (kernel == stride, no padding) becomes patches x
// weight^T: the image is cut into [N * H' * W', C * kh * kw] patches
// (reshape + transpose), multiplied by the weight as [F, C * kh * kw]
// (linalg.matmul_transpose_b: the GEMM kernel), the bias added per filter,
// and the result brought back to NCHW.
// CHECK-LABEL: func.func @patch_conv
// CHECK: tensor.reshape %{{.*}} : (tensor<1x3x?x?xf32>, tensor<6xindex>) -> tensor<1x3x2x4x2x4xf32>
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 4, 1, 3, 5]
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<4x48xf32>, tensor<4x48xf32>)
// CHECK: arith.addf
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
func.func @patch_conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x4x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x2x2xf32> {
  %0 = onnx.Conv %x, %w, %b {kernel_shape = array<i64: 4, 4>, strides = array<i64: 4, 4>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x4x4xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// Any other unpadded 2-D Conv: linalg.conv_2d_nchw_fchw with its strides,
// on a zero-filled output with the dynamic batch.
// CHECK-LABEL: func.func @strided_conv
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x2x2x2xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]]
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%arg0, %arg1 : tensor<?x2x5x5xf32>, tensor<2x2x3x3xf32>) outs(%[[F]]
func.func @strided_conv(%x: tensor<?x2x5x5xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<?x2x2x2xf32> {
  %0 = onnx.Conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<?x2x5x5xf32>, tensor<2x2x3x3xf32>) -> tensor<?x2x2x2xf32>
  return %0 : tensor<?x2x2x2xf32>
}

// -----

// Padding is not lowered: an error naming the op, not a wrong result.
func.func @padded_conv(%x: tensor<1x2x5x5xf32>, %w: tensor<2x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @+2 {{padded convolutions are not supported yet}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Conv'}}
  %0 = onnx.Conv %x, %w {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x5x5xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}
