// RUN: bertc-opt %s --split-input-file --bertc-fuse-skip-layer-norm | FileCheck %s

// Residual add folded into the LayerNorm; the pre-norm residual stream
// (other users of the Add) reads the op's `sum` result.
// CHECK-LABEL: func.func @skip
// CHECK-NEXT: %[[Y:.*]], %[[S:.*]] = bertc.layer_norm %arg0, %arg2, %arg3 skip %arg1 {epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: return %[[Y]], %[[S]]
func.func @skip(%a: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %s = onnx.Add %a, %r : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %y, %unused = bertc.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return %y, %s : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Embedding + LayerNorm: position embeddings [1, S, H] broadcast along the
// batch become the skip input (the kernel repeats its rows).
// CHECK-LABEL: func.func @position_embeddings
// CHECK-NEXT: %[[Y:.*]], %{{.*}} = bertc.layer_norm %arg0, %arg2, %arg3 skip %arg1 {epsilon
// CHECK-SAME: (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<1x?x8xf32>)
func.func @position_embeddings(%a: tensor<?x?x8xf32>, %p: tensor<1x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %s = onnx.Add %p, %a : (tensor<1x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %y, %unused = bertc.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return %y : tensor<?x?x8xf32>
}

// -----

// Negative: broadcast along an inner axis ([B, 1, H] per-sequence bias) is
// not a row-aligned residual.
// CHECK-LABEL: func.func @inner_broadcast
// CHECK: onnx.Add
// CHECK-NEXT: bertc.layer_norm %{{.*}}, %arg2, %arg3 {epsilon
func.func @inner_broadcast(%a: tensor<4x6x8xf32>, %p: tensor<4x1x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x6x8xf32> {
  %s = onnx.Add %a, %p : (tensor<4x6x8xf32>, tensor<4x1x8xf32>) -> tensor<4x6x8xf32>
  %y, %unused = bertc.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<4x6x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<4x6x8xf32>, tensor<4x6x8xf32>)
  return %y : tensor<4x6x8xf32>
}
