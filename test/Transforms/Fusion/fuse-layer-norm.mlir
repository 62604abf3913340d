// RUN: bertc-opt %s --split-input-file --bertc-fuse-layer-norm | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-fuse-layer-norm --verify-diagnostics -o /dev/null

// The torch.onnx.export form of nn.LayerNorm before opset 17: Sub, Pow 2,
// Div by Sqrt(var + eps), Mul gamma, Add beta. Epsilon comes from the graph.
// CHECK-LABEL: func.func @decomposed
// CHECK-NEXT: %[[G:.*]] = onnx.Constant dense<1.500000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[B:.*]] = onnx.Constant dense<2.500000e-01> : tensor<4xf32>
// CHECK-NEXT: %[[Y:.*]], %{{.*}} = bertc.layer_norm %arg0, %[[G]], %[[B]] {epsilon = 9.99999996E-13 : f32} : (tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @decomposed(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %g = onnx.Constant dense<1.5> : tensor<4xf32>
  %b = onnx.Constant dense<0.25> : tensor<4xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-12> : tensor<f32>
  %m = onnx.ReduceMean %x {axes = array<i64: 2>} : (tensor<?x?x4xf32>) -> tensor<?x?x1xf32>
  %d = onnx.Sub %x, %m : (tensor<?x?x4xf32>, tensor<?x?x1xf32>) -> tensor<?x?x4xf32>
  %p = onnx.Pow %d, %two : (tensor<?x?x4xf32>, tensor<f32>) -> tensor<?x?x4xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 2>} : (tensor<?x?x4xf32>) -> tensor<?x?x1xf32>
  %ve = onnx.Add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %s = onnx.Sqrt %ve : tensor<?x?x1xf32>
  %n = onnx.Div %d, %s : (tensor<?x?x4xf32>, tensor<?x?x1xf32>) -> tensor<?x?x4xf32>
  %y0 = onnx.Mul %n, %g : (tensor<?x?x4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  %y = onnx.Add %y0, %b : (tensor<?x?x4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// Variants: d * d instead of Pow, Reciprocal-Mul instead of Div, operands
// commuted, eps added on the left, no beta.
// CHECK-LABEL: func.func @variants
// CHECK: %[[Y:.*]], %{{.*}} = bertc.layer_norm %arg0, %{{.*}} {epsilon = 9.99999974E-6 : f32}
// CHECK-NEXT: return %[[Y]]
func.func @variants(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %g = onnx.Constant dense<1.5> : tensor<8xf32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<1xf32>
  %m = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = onnx.Sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = onnx.Mul %d, %d : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = onnx.Add %eps, %v : (tensor<1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %s = onnx.Sqrt %ve : tensor<2x1xf32>
  %r = onnx.Reciprocal %s : tensor<2x1xf32>
  %n = onnx.Mul %r, %d : (tensor<2x1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = onnx.Mul %g, %n : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Opset 17 LayerNormalization over the last axis.
// CHECK-LABEL: func.func @native
// CHECK: bertc.layer_norm %arg0, %arg1, %arg2 {epsilon = 1.000000e-03 : f32}
func.func @native(%x: tensor<?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %y = onnx.LayerNormalization %x, %g, %b {axis = 1 : i64, epsilon = 1.0e-3 : f32} : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Negative: the normalization is over axis 0, not the last axis.
// CHECK-LABEL: func.func @wrong_axis
// CHECK-NOT: bertc.layer_norm
func.func @wrong_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %g = onnx.Constant dense<1.5> : tensor<8xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<f32>
  %m = onnx.ReduceMean %x {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %d = onnx.Sub %x, %m : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %p = onnx.Pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %ve = onnx.Add %v, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s = onnx.Sqrt %ve : tensor<1x8xf32>
  %n = onnx.Div %d, %s : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %y = onnx.Mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Negative: epsilon is a per-row tensor, not a scalar (a different function).
// CHECK-LABEL: func.func @vector_epsilon
// CHECK-NOT: bertc.layer_norm
func.func @vector_epsilon(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %g = onnx.Constant dense<1.5> : tensor<8xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<[[1.0e-5], [2.0e-5]]> : tensor<2x1xf32>
  // expected-remark @+1 {{layer_norm not fused: epsilon is not a non-negative scalar constant}}
  %m = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = onnx.Sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = onnx.Pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  // expected-note @+1 {{the match broke here}}
  %ve = onnx.Add %v, %eps : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %s = onnx.Sqrt %ve : tensor<2x1xf32>
  %n = onnx.Div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y = onnx.Mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Negative: gamma is an input, not a constant.
// CHECK-LABEL: func.func @dynamic_gamma
// CHECK-NOT: bertc.layer_norm
func.func @dynamic_gamma(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<f32>
  // expected-remark @+1 {{layer_norm not fused: gamma is not a constant vector of the last dimension}}
  %m = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = onnx.Sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = onnx.Pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = onnx.Add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = onnx.Sqrt %ve : tensor<2x1xf32>
  %n = onnx.Div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  // expected-note @+1 {{the match broke here}}
  %y = onnx.Mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Negative: the centered value is also returned (used outside the pattern).
// CHECK-LABEL: func.func @escaping_value
// CHECK-NOT: bertc.layer_norm
func.func @escaping_value(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %g = onnx.Constant dense<1.5> : tensor<8xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %eps = onnx.Constant dense<1.0e-5> : tensor<f32>
  %m = onnx.ReduceMean %x {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = onnx.Sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = onnx.Pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = onnx.ReduceMean %p {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = onnx.Add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = onnx.Sqrt %ve : tensor<2x1xf32>
  %n = onnx.Div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y = onnx.Mul %n, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y, %d : tensor<2x8xf32>, tensor<2x8xf32>
}
