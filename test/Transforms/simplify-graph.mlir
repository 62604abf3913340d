// RUN: bertc-opt %s --bertc-simplify-graph --split-input-file | FileCheck %s

// The shape subgraph PyTorch exports for `x.view(b, s, heads, head_size)`:
// Shape -> Gather(0), Gather(1) -> Unsqueeze -> Concat with constants ->
// Reshape. The batch and sequence dims stay dynamic, but the Reshape result
// type becomes [?, ?, 4, 16] and a static Shape folds to a constant.

// CHECK-LABEL: func.func @split_heads
// CHECK-SAME: -> tensor<?x?x4x16xf32>
// CHECK: onnx.Reshape
// CHECK-SAME: -> tensor<?x?x4x16xf32>
// CHECK-NEXT: return
func.func @split_heads(%x: tensor<?x?x64xf32>) -> tensor<?x?x?x?xf32> {
  %shape = onnx.Shape %x {start = 0 : i64, end = 3 : i64} : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %i0 = onnx.Constant dense<0> : tensor<i64>
  %i1 = onnx.Constant dense<1> : tensor<i64>
  %b = onnx.Gather %shape, %i0 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = onnx.Gather %shape, %i1 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = onnx.Unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = onnx.Unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %h = onnx.Constant dense<4> : tensor<1xi64>
  %d = onnx.Constant dense<16> : tensor<1xi64>
  %target = onnx.Concat %b1, %s1, %h, %d {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %r = onnx.Reshape %x, %target {allowzero = 0 : i64} : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

// -----

// Static shapes: the whole shape computation folds to one constant.
// CHECK-LABEL: func.func @static_shape
// CHECK-NEXT: %[[C:.*]] = onnx.Constant dense<[2, 3, 4, 16]> : tensor<4xi64>
// CHECK-NEXT: onnx.Reshape %{{.*}}, %[[C]]
// CHECK-SAME: -> tensor<2x3x4x16xf32>
func.func @static_shape(%x: tensor<2x3x64xf32>) -> tensor<?x?x?x?xf32> {
  %shape = onnx.Shape %x {start = 0 : i64, end = 3 : i64} : (tensor<2x3x64xf32>) -> tensor<3xi64>
  %i0 = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %bs = onnx.Gather %shape, %i0 {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %hd = onnx.Constant dense<[4, 16]> : tensor<2xi64>
  %target = onnx.Concat %bs, %hd {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = onnx.Reshape %x, %target {allowzero = 0 : i64} : (tensor<2x3x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

