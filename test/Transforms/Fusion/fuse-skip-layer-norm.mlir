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

// Negative: the Add broadcasts (position embeddings [1, S, H]): not a
// row-by-row residual.
// CHECK-LABEL: func.func @broadcast
// CHECK: onnx.Add
// CHECK-NEXT: bertc.layer_norm %{{.*}}, %arg2, %arg3 {epsilon
func.func @broadcast(%a: tensor<?x?x8xf32>, %p: tensor<1x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %s = onnx.Add %a, %p : (tensor<?x?x8xf32>, tensor<1x?x8xf32>) -> tensor<?x?x8xf32>
  %y, %unused = bertc.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return %y : tensor<?x?x8xf32>
}
